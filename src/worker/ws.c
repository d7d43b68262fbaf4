/*
 * ws.c: the libwebsockets protocol callback and the OpenClaw handshake:
 * challenge, first-frame rules, the request to authd, and what the
 * client hears back.  Every deadline is an ev_timer of ours (lws timers
 * fire up to 30 s late on a libev loop).
 */
#include <stdlib.h>
#include <string.h>

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

static void
handle_connect(struct worker *w, struct conn *c, const char *text,
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
ws_verdict(struct conn *c, const struct auth_verdict *v)
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

static void
handle_open_frame(struct worker *w, struct conn *c, const char *text,
    size_t len)
{
	json_error_t	 jerr;
	json_t		*frame;
	char		 msg[VS_MSG_MAX];
	const char	*id;

	/* Duplicate keys: last one wins, as in the reference. */
	frame = json_loadb(text, len, 0, &jerr);
	if (frame == NULL) {
		conn_log(c, "parse/handle error", "error=%s", jerr.text);
		return;
	}
	if (frame_check_request(frame, msg, sizeof(msg)) == -1) {
		id = json_string_value(json_object_get(frame, "id"));
		conn_send_json(c, res_error(id, id ? strlen(id) : 0,
		    err_invalid_frame(msg)));
		json_decref(frame);
		return;
	}
	methods_dispatch(w, c, frame);
	json_decref(frame);
}

/* A whole message has arrived. */
static void
on_message(struct worker *w, struct conn *c)
{
	switch (c->state) {
	case CS_PREAUTH:
		if (c->rx_binary) {
			/* The reference cannot parse it either: close 1000. */
			conn_log(c, "parse/handle error", "error=binary frame");
			conn_close(c, 1000, "");
			return;
		}
		handle_connect(w, c, c->rx, c->rx_len);
		break;
	case CS_OPEN:
		if (!c->rx_binary)
			handle_open_frame(w, c, c->rx, c->rx_len);
		break;
	default:
		break;	/* closing, or a frame that raced the pause */
	}
}

static int
on_receive(struct worker *w, struct conn *c, const void *in, size_t len)
{
	size_t	cap, need;
	char	*p;

	cap = c->state == CS_OPEN ? CG_MAX_PAYLOAD : CG_PREAUTH_MAX_PAYLOAD;
	if (lws_is_first_fragment(c->wsi)) {
		c->rx_len = 0;
		c->rx_binary = lws_frame_is_binary(c->wsi);
	}
	if (c->rx_len + len > cap) {
		conn_log(c, "closed before connect", "code=1009 reason=n/a "
		    "cause=max-payload");
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    NULL, 0);
		return -1;
	}
	need = c->rx_len + len + 1;
	if (need > c->rx_cap) {
		size_t ncap = c->rx_cap ? c->rx_cap : 4096;

		while (ncap < need)
			ncap *= 2;
		if ((p = realloc(c->rx, ncap)) == NULL)
			return -1;
		c->rx = p;
		c->rx_cap = ncap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	c->rx[c->rx_len] = '\0';
	if (!lws_is_final_fragment(c->wsi) ||
	    lws_remaining_packet_payload(c->wsi) > 0)
		return 0;
	on_message(w, c);
	/* An idle socket keeps no buffer: messages are rare after hello. */
	if (c->rx != NULL) {
		cg_wipe(c->rx, c->rx_len);
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
	c->rx_len = 0;
	return 0;
}

static void
on_established(struct worker *w, struct conn *c)
{
	c->state = CS_PREAUTH;
	/* Immediately: the Control UI gives up on the challenge after 750 ms. */
	conn_send_json(c, hello_challenge(c));
}

static void
on_closed(struct conn *c)
{
	if (c->state == CS_PREAUTH || c->state == CS_AUTHING)
		conn_log(c, "closed before connect", "fwd=n/a origin=%s "
		    "host=%s ua=%s code=n/a reason=n/a phase=%s", c->origin,
		    c->host, c->ua, c->state == CS_AUTHING ?
		    "auth_credentials_received" : "ws_upgrade_started");
}

static int
cb_gateway(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct conn	*c = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		if (c == NULL)
			return 1;
		return http_refuse_upgrade(wsi, c);
	case LWS_CALLBACK_ESTABLISHED:
		if (c == NULL)
			return -1;
		on_established(W, c);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c == NULL)
			return -1;
		return on_receive(W, c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c == NULL)
			return -1;
		return conn_writable(c);
	case LWS_CALLBACK_RECEIVE_PONG:
		if (c != NULL)
			c->awaiting_pong = 0;
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (c != NULL)
			on_closed(c);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (c == NULL)
			return -1;
		return http_serve(wsi, c, in != NULL ? in : "/");
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return -1;	/* no endpoint takes a body */
	case LWS_CALLBACK_WSI_DESTROY:
		if (c != NULL) {
			lws_set_opaque_user_data(wsi, NULL);
			conn_free(c);
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/*
 * Real clients offer no subprotocol and get protocols[0].  lws 4.1
 * refuses an offered name it does not list, so the names a client might
 * offer are listed (and echoed, as the reference echoes the first).
 */
const struct lws_protocols worker_protocols[] = {
	{ "openclaw", cb_gateway, 0, 1024, 0, NULL, 4096 },
	{ "openclaw.v1", cb_gateway, 0, 1024, 0, NULL, 4096 },
	{ "openclaw.v4", cb_gateway, 0, 1024, 0, NULL, 4096 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Every 30 s: a tick event to every connection, numbered per socket. */
void
ws_tick_all(struct worker *w)
{
	struct conn	*c;
	char		 buf[128];
	int		 n;
	uint64_t	 ts = now_ms();

	TAILQ_FOREACH(c, &open_conns, open_entry) {
		n = snprintf(buf, sizeof(buf), "{\"type\":\"event\",\"event\":"
		    "\"tick\",\"payload\":{\"ts\":%llu},\"seq\":%llu}",
		    (unsigned long long)ts, (unsigned long long)++c->seq);
		conn_send_text(c, buf, (size_t)n);
	}
}

/* Every 25 s: ping; a peer that did not answer the last ping is gone. */
void
ws_ping_all(struct worker *w)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &open_conns, open_entry) {
		if (c->awaiting_pong) {
			conn_log(c, "keepalive timeout", "no pong in %u ms",
			    w->cfg.ping_interval_ms);
			c->kill_now = 1;
			lws_callback_on_writable(c->wsi);
			continue;
		}
		c->awaiting_pong = 1;
		conn_send_ping(c);
	}
}
