/*
 * handshake.c: the OpenClaw handshake as a state machine, apart from the
 * libwebsockets glue (ws.c): the first frame's rules, the origin policy,
 * the request to authd, and the verdict (hello-ok, or the error and the
 * close the reference sends).  On success the connection gets its
 * post-handshake backend (backend.h).
 *
 * PREAUTH --connect--> AUTHING --verdict--> OPEN (backend attached)
 *                                      \--> closed with the error
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clawgate.h"
#include "conn.h"
#include "connect_params.h"
#include "errors.h"
#include "log.h"
#include "origin.h"
#include "scopes.h"
#include "util.h"
#include "worker.h"

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static void
send_error_and_close(struct conn *c, json_t *res, const struct err_close *cl)
{
	if (res != NULL)
		conn_send_json(c, res);
	conn_close(c, cl->code, cl->reason);
}

static void
keep_client_info(struct conn *c, const struct connect_params *cp)
{
	struct client_info	*ci = &c->client;

#define COPY(dst, s)	do {						\
	if ((s).p != NULL)						\
		log_escape((dst), sizeof(dst), (s).p, (s).len);	\
} while (0)
	COPY(ci->id, cp->client_id);
	COPY(ci->mode, cp->client_mode);
	COPY(ci->version, cp->client_version);
	COPY(ci->platform, cp->platform);
	COPY(ci->instance, cp->instance_id);
	COPY(ci->role, cp->role);
	if (cp->display_name.p != NULL)
		COPY(ci->name, cp->display_name);
	else
		COPY(ci->name, cp->client_id);
	/* Echoed in the answer: only control characters replaced. */
	if (cp->req_id.p != NULL)
		log_sanitize(ci->req_id, sizeof(ci->req_id), cp->req_id.p,
		    cp->req_id.len);
#undef COPY
	ci->class = cp->client_class;
	ci->nscopes = cp->nscopes;
	/* The pairing error names the scopes the client asked for. */
	free(ci->scopes);
	ci->scopes = NULL;
	ci->scopes_len = 0;
	for (unsigned i = 0; i < cp->nscopes; i++)
		ci->scopes_len += cp->scopes[i].len + 1;
	if (ci->scopes_len > 0 && (ci->scopes = malloc(ci->scopes_len)) != NULL) {
		char *p = ci->scopes;

		for (unsigned i = 0; i < cp->nscopes; i++) {
			memcpy(p, cp->scopes[i].p, cp->scopes[i].len);
			p += cp->scopes[i].len;
			*p++ = '\0';
		}
	} else
		ci->scopes_len = 0;
	ci->has_device = cp->has_device;
	ci->auth_kind = connect_auth_kind(cp);
}

/*
 * Rebuild what err_*() needs from what we kept (the frame is gone).
 * `scopes' must hold AUTH_MAX_SCOPES entries.
 */
static void
client_err_view(struct conn *c, struct err_client *ec, struct auth_str *scopes)
{
	const char	*p, *end;
	unsigned	 n = 0;

	memset(ec, 0, sizeof(*ec));
	ec->client_class = c->client.class;
	ec->local = c->local;
	ec->control_ui = strcmp(c->client.id, "openclaw-control-ui") == 0;
	ec->role.p = c->client.role;
	ec->role.len = strlen(c->client.role);
	p = c->client.scopes;
	end = p + c->client.scopes_len;
	while (p != NULL && p < end && n < AUTH_MAX_SCOPES) {
		scopes[n].p = p;
		scopes[n].len = strlen(p);
		p += scopes[n].len + 1;
		n++;
	}
	ec->scopes = scopes;
	ec->nscopes = n;
}

/*
 * An Origin header too long for conn.origin is cut short, at most 4
 * bytes before the end (log_escape()); such a copy must not parse.
 */
_Static_assert(sizeof(((struct conn *)0)->origin) - 5 > ORIGIN_MAX,
    "a truncated Origin copy must be longer than any origin we parse");

/*
 * §7.5: browsers (an Origin header, or a browser client id) must come
 * from an allowed origin.  The policy is origin.c's; the Host header is
 * not one of its inputs.
 */
static int
origin_allowed(struct worker *w, struct conn *c, int *missing)
{
	const char		*allowed[nitems(w->cfg.allowed_origins)];
	size_t			 i, n;
	enum origin_verdict	 v;

	*missing = 0;
	if (!c->has_origin) {
		*missing = 1;
		return 0;
	}
	n = w->cfg.nallowed_origins;
	if (n > nitems(allowed))
		n = nitems(allowed);
	for (i = 0; i < n; i++)
		allowed[i] = w->cfg.allowed_origins[i];
	v = origin_check(c->origin, strlen(c->origin), allowed, n, c->local);
	/* Like the reference: an unparsable Origin is "missing or invalid". */
	*missing = v == ORIGIN_INVALID;
	return v == ORIGIN_OK;
}

static int
is_browser_client(const struct connect_params *cp)
{
	return auth_str_eq(&cp->client_id, "openclaw-control-ui") ||
	    auth_str_eq(&cp->client_id, "openclaw-browser-copilot") ||
	    auth_str_eq(&cp->client_id, "webchat-ui") ||
	    auth_str_eq(&cp->client_mode, "webchat");
}

void
handshake_connect(struct worker *w, struct conn *c, const char *text,
    size_t len)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	enum first_frame	 ff;
	char			 err[CP_ERR_MAX];
	json_t			*res;
	int			 missing;

	memset(&cl, 0, sizeof(cl));
	ff = connect_parse(text, len, &cp, err, sizeof(err));
	if (ff != FF_OK) {
		if (ff == FF_NOT_JSON)
			conn_log(c, "parse/handle error", "error=%s", err);
		else if (ff == FF_INVALID_FRAME)
			conn_log(c, "invalid handshake", "fwd=n/a origin=%s "
			    "host=%s ua=%s", c->origin, c->host, c->ua);
		else if (ff == FF_PROTOCOL_MISMATCH)
			conn_log(c, "protocol mismatch", "min=%lld max=%lld "
			    "expected=%d", (long long)cp.min_protocol,
			    (long long)cp.max_protocol, CG_PROTOCOL);
		res = err_first_frame(ff, &cp, err, &cl);
		if (res != NULL)
			res = res_error(cp.req_id.p, cp.req_id.len, res);
		connect_params_free(&cp);
		send_error_and_close(c, res, &cl);
		return;
	}
	keep_client_info(c, &cp);
	if ((c->has_origin || is_browser_client(&cp)) &&
	    !origin_allowed(w, c, &missing)) {
		conn_log(c, "origin not allowed", "origin=%s host=%s",
		    c->origin, c->host);
		res = err_origin(missing, &cl);
		send_error_and_close(c, res_error(c->client.req_id,
		    strlen(c->client.req_id), res), &cl);
		connect_params_free(&cp);
		return;
	}
	if (authq_submit(w, c, &cp) == -1) {
		res = err_unavailable(NULL, ERR_UNAVAILABLE_RETRY_MS, &cl);
		send_error_and_close(c, res_error(c->client.req_id,
		    strlen(c->client.req_id), res), &cl);
		connect_params_free(&cp);
		return;
	}
	connect_params_free(&cp);	/* wipes the credentials */
	c->state = CS_AUTHING;
	/* Hold further frames in the kernel until the verdict is in. */
	lws_rx_flow_control(c->wsi, 0);
}

static void
log_unauthorized(struct conn *c, const struct auth_verdict *v)
{
	struct err_client	ec;
	struct auth_str		scopes[AUTH_MAX_SCOPES];
	char			guidance[400], req[80] = "";

	client_err_view(c, &ec, scopes);
	err_auth_message(v->reason, v->pairing_reason, &ec, guidance,
	    sizeof(guidance));
	/* A pairing request: its id and the device code the UI shows. */
	if (v->reason == AUTH_R_PAIRING_REQUIRED && v->request_id[0] != '\0')
		snprintf(req, sizeof(req), " request=%.*s code=%.*s",
		    (int)strnlen(v->request_id, sizeof(v->request_id)),
		    v->request_id, (int)strnlen(v->device_id, 8),
		    v->device_id);
	conn_log(c, v->reason == AUTH_R_PAIRING_REQUIRED ? "pairing required" :
	    "unauthorized", "client=%s %s v%s role=%s scopes=%u auth=%s "
	    "device=%s platform=%s instance=%s host=%s origin=%s ua=%s "
	    "reason=%s guidance=%s%s", c->client.name, c->client.mode,
	    c->client.version, c->client.role, c->client.nscopes,
	    c->client.auth_kind, c->client.has_device ? "yes" : "no",
	    c->client.platform[0] ? c->client.platform : "n/a",
	    c->client.instance[0] ? c->client.instance : "n/a", c->host,
	    c->origin, c->ua, auth_reason_token(v->reason), guidance, req);
	/* What the reference's message does not say (struggle #15). */
	if (v->reason == AUTH_R_BOOTSTRAP_TOKEN_INVALID ||
	    v->hidden_reason == AUTH_R_BOOTSTRAP_TOKEN_INVALID)
		conn_log(c, "setup code", "the client sent auth.bootstrapToken: "
		    "a device setup code (openclaw qr, openclaw devices "
		    "join-code), not the gateway secret. clawgate has no setup "
		    "codes: connect with the gateway token (clawgate dashboard "
		    "prints it) or approve the device (clawgate devices "
		    "approve)");
}

static void
deny(struct conn *c, const struct auth_verdict *verdict)
{
	struct auth_verdict	 vv = *verdict, *v = &vv;
	struct auth_str		 scopes[AUTH_MAX_SCOPES];
	struct err_client	 ec;
	struct err_close	 cl;
	json_t			*e;

	/*
	 * The expected secret's fingerprint helps an operator on this host
	 * compare tokens; for a remote peer it would be an offline oracle
	 * for weak secrets, so only local peers see it.
	 */
	if (!c->local)
		memset(v->fingerprint, 0, sizeof(v->fingerprint));
	memset(&cl, 0, sizeof(cl));
	client_err_view(c, &ec, scopes);
	log_unauthorized(c, v);
	e = err_auth(v, &ec, &cl);
	W->st.rejected_total++;
	send_error_and_close(c, res_error(c->client.req_id,
	    strlen(c->client.req_id), e), &cl);
}


static void
accept_verdict(struct conn *c, const struct auth_verdict *v)
{
	c->state = CS_OPEN;
	c->scopes = v->scopes;
	c->method = (int)v->method;
	cg_strlcpy(c->role, v->role[0] ? v->role : "operator", sizeof(c->role));
	memcpy(c->principal, v->principal, sizeof(c->principal) - 1);
	memcpy(c->tenant, v->tenant, sizeof(c->tenant) - 1);
	memcpy(c->session, v->session, AUTH_SESSION_LEN);
	memcpy(c->device_id, v->device_id, sizeof(c->device_id) - 1);
	ev_timer_stop(W->loop, &c->deadline);
	preauth_drop(c);
	TAILQ_INSERT_TAIL(&open_conns, c, open_entry);
	/* What comes after the handshake: today always the local methods. */
	c->backend = &backend_local;
	W->st.authenticated++;
	W->st.hello_ok_total++;
	conn_send_json(c, hello_ok(W, c, v));
	/* One line per outcome: who got in, how, with what. */
	conn_log(c, "connected", "client=%s %s v%s role=%s scopes=%d "
	    "auth=%s principal=%s%s", c->client.name, c->client.mode,
	    c->client.version, c->role, __builtin_popcountll(c->scopes),
	    v->method == AUTH_M_DEVICE_TOKEN ? "device-token" :
	    v->method == AUTH_M_PASSWORD ? "password" :
	    v->method == AUTH_M_TOKEN ? "token" : "none", c->principal,
	    (v->flags & VERDICT_F_SILENT_PAIRED) ? " paired=silent" : "");
	lws_rx_flow_control(c->wsi, 1);
}

static void
delayed_verdict_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct conn		*c = t->data;
	struct auth_verdict	 v = c->pending;

	cg_wipe(&c->pending, sizeof(c->pending));
	if (v.result == VERDICT_OK)
		accept_verdict(c, &v);
	else
		deny(c, &v);
	cg_wipe(&v, sizeof(v));
}

void
handshake_verdict(struct conn *c, const struct auth_verdict *v)
{
	if (c->state != CS_AUTHING)
		return;
	if (v->delay_ms > 0 && v->result != VERDICT_ERROR) {
		/*
		 * Loopback failures are slowed down, not locked out (§10),
		 * and authd delays every answer to an address whose earlier
		 * failures are still delayed, a success too.  The verdict
		 * waits here; a session it carries is ended by conn_free()
		 * if the client leaves meanwhile.
		 */
		c->pending = *v;
		ev_timer_stop(W->loop, &c->deadline);
		ev_timer_init(&c->deadline, delayed_verdict_cb,
		    v->delay_ms / 1000.0, 0.);
		c->deadline.data = c;
		ev_timer_start(W->loop, &c->deadline);
		return;
	}
	if (v->result == VERDICT_OK)
		accept_verdict(c, v);
	else
		deny(c, v);
}
