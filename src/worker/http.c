/*
 * http.c: the plain-HTTP side of the gateway port: probes, the Control
 * UI (from memory, see ui.c), and the refusals that happen before a
 * WebSocket exists (an untrusted proxy's forwarding headers, too many
 * unauthenticated sockets from one address).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

#define CSP_JSON	"default-src 'none'; frame-ancestors 'none'"
#define CSP_PAGE	"default-src 'none'; img-src 'self'; " \
			"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#define CSP_UI		"default-src 'self'; connect-src 'self' ws: wss:; " \
			"script-src 'self'; style-src 'self'; img-src 'self' data:; " \
			"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#define HTML		"text/html; charset=utf-8"
#define TEXT		"text/plain; charset=utf-8"

struct header {
	const char	*name;		/* with the trailing ':' */
	const char	*value;
};

static int
add_header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

/*
 * Write a complete response.  `body' may be NULL (HEAD, 304); `blen' is
 * the Content-Length either way.  Returns what the lws callback should
 * return: -1 to close after it.
 */
static int
respond_cached(struct lws *wsi, unsigned status, const char *ctype,
    const char *csp, const char *cache, const struct header *extra,
    const char *body, size_t blen, int head_only, int close_after)
{
	unsigned char	 hbuf[LWS_PRE + 2048], *start, *p, *end;
	unsigned char	*b;

	start = p = hbuf + LWS_PRE;
	end = hbuf + sizeof(hbuf) - 1;
	if (lws_add_http_common_headers(wsi, status, ctype, blen, &p, end) ||
	    add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
	    add_header(wsi, "x-frame-options:", "DENY", &p, end) ||
	    add_header(wsi, "referrer-policy:", "no-referrer", &p, end) ||
	    add_header(wsi, "content-security-policy:", csp, &p, end) ||
	    add_header(wsi, "permissions-policy:",
	    "camera=(), microphone=(), geolocation=()", &p, end) ||
	    add_header(wsi, "cache-control:", cache, &p, end))
		return -1;
	for (; extra != NULL && extra->name != NULL; extra++)
		if (add_header(wsi, extra->name, extra->value, &p, end))
			return -1;
	if (close_after && add_header(wsi, "connection:", "close", &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!head_only && body != NULL && blen > 0) {
		/* lws keeps what the socket does not take and sends it later. */
		if ((b = malloc(LWS_PRE + blen)) == NULL)
			return -1;
		memcpy(b + LWS_PRE, body, blen);
		if (lws_write(wsi, b + LWS_PRE, blen, LWS_WRITE_HTTP_FINAL) <
		    (int)blen) {
			free(b);
			return -1;
		}
		free(b);
	}
	if (close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int
respond(struct lws *wsi, unsigned status, const char *ctype,
    const char *csp, const struct header *extra, const char *body,
    size_t blen, int head_only, int close_after)
{
	return respond_cached(wsi, status, ctype, csp, "no-store", extra,
	    body, blen, head_only, close_after);
}

static int
has_header(struct lws *wsi, const char *name)
{
	return lws_hdr_custom_length(wsi, name, (int)strlen(name)) > 0;
}

/* Any header that claims to speak for another client. */
static int
forwarding_headers(struct lws *wsi)
{
	static const char *const custom[] = {
		"forwarded:", "x-forwarded-proto:", "x-forwarded-host:",
		"x-forwarded-port:", "x-forwarded-server:",
		"x-forwarded-prefix:", "x-forwarded-ssl:",
		"x-forwarded-scheme:", "x-forwarded-uri:",
		"x-forwarded-client-cert:", "tailscale-user-login:",
		"tailscale-user-name:", NULL
	};
	const char *const	*h;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0 ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_X_REAL_IP) > 0)
		return 1;
	for (h = custom; *h != NULL; h++)
		if (has_header(wsi, *h))
			return 1;
	return 0;
}

static void
copy_header(struct lws *wsi, enum lws_token_indexes t, char *out,
    size_t len)
{
	char	buf[512];
	int	n;

	/*
	 * Kept for log lines (and, for Origin, compared after parsing):
	 * escaped so a header cannot forge a field.  A valid Origin has
	 * nothing to escape; an escaped one no longer parses.
	 */
	n = lws_hdr_copy(wsi, buf, sizeof(buf), t);
	if (n > 0)
		log_escape(out, len, buf, (size_t)n);
}

/* Header text for a log line: escaped (log_escape()), at most 96 bytes. */
static void
escape_header(char *out, size_t outlen, const char *in, size_t len)
{
	size_t	o;

	o = log_escape(out, outlen - 3, in, len < 96 ? len : 96);
	if (len > 96)
		memcpy(out + o, "...", 4);
}

static int
is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Attribute a trusted proxy's client: the right-most X-Forwarded-For
 * entry is the address the proxy itself saw.  A chain we cannot read
 * whole is refused, never attributed to the proxy: that would hand an
 * attacker behind the proxy the proxy's own (often local) standing and
 * a pre-auth bucket of its choosing.  NULL, or why the chain is bad;
 * `xff' gets what was read, for the log.
 */
static const char *
attribute_forwarded(struct lws *wsi, struct conn *c, char *xff, size_t len)
{
	struct cg_addr	 a;
	const char	*p, *e, *comma, *last = NULL;
	size_t		 lastlen = 0;
	int		 n;

	xff[0] = '\0';
	n = lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR);
	if (n == 0)
		return NULL;	/* another forwarding header only */
	if (n < 0 || (size_t)n >= len ||
	    lws_hdr_copy(wsi, xff, (int)len, WSI_TOKEN_X_FORWARDED_FOR) != n) {
		xff[0] = '\0';
		return "too long";
	}
	for (p = xff; p <= xff + n; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(xff + n - p))) == NULL)
			comma = xff + n;
		for (e = comma; e > p && is_ows(e[-1]); e--)
			;
		while (p < e && is_ows(*p))
			p++;
		if (p == e)
			return "empty element";
		last = p;
		lastlen = (size_t)(e - p);
	}
	if (last == NULL || addr_parse(last, lastlen, &a) == -1)
		return "last hop is not an address";
	conn_set_client(c, &a);
	c->loopback = 0;
	return NULL;
}

static const char proxy_body[] = "{\"error\":{\"message\":\"Proxy "
    "client attribution is required. Configure gateway.trustedProxies "
    "narrowly and make the proxy overwrite or safely rebuild forwarded "
    "client headers.\",\"type\":\"proxy_attribution_required\"}}";

/* Forwarding headers from a peer that is not a trusted proxy: 403. */
static int
refuse_unattributed(struct lws *wsi, struct conn *c)
{
	conn_log(c, "proxy attribution required", "(forwarding headers from "
	    "a peer not in gateway.trustedProxies) status=403");
	(void)respond(wsi, HTTP_STATUS_FORBIDDEN,
	    "application/json; charset=utf-8", CSP_JSON, NULL, proxy_body,
	    sizeof(proxy_body) - 1, 0, 1);
	return -1;
}

static const char chain_body[] = "{\"error\":{\"message\":\"The trusted "
    "proxy's X-Forwarded-For cannot be read: its last entry must be "
    "exactly the client's IP address.\",\"type\":\"bad_forwarded_for\"}}";

/* A trusted proxy's chain we cannot attribute: 400. */
static int
refuse_bad_chain(struct lws *wsi, struct conn *c, const char *why,
    const char *xff)
{
	char	esc[512];

	escape_header(esc, sizeof(esc), xff, strlen(xff));
	conn_log(c, "bad X-Forwarded-For", "from trusted proxy: %s (%d bytes) "
	    "xff=\"%s\" status=400", why,
	    lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR), esc);
	(void)respond(wsi, HTTP_STATUS_BAD_REQUEST,
	    "application/json; charset=utf-8", CSP_JSON, NULL, chain_body,
	    sizeof(chain_body) - 1, 0, 1);
	return -1;
}

static int
refuse_busy(struct lws *wsi, struct conn *c)
{
	static const char busy_body[] = "Too many unauthenticated sockets";

	preauth_log_refusal(&c->preauth_key, "per-address cap");
	(void)respond(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
	    CSP_JSON, NULL, busy_body, sizeof(busy_body) - 1, 0, 1);
	return -1;
}

/*
 * Whose request is this?  Starts from the socket peer for every
 * request (a proxy's keep-alive connection may carry several clients).
 * 0, or -1 once a refusal was answered: 403 for forwarding headers
 * from an untrusted peer, 400 for a trusted proxy's unreadable chain,
 * 503 if the client it names is over its pre-auth cap (checked here,
 * not at accept, for a trusted proxy).
 */
static int
attribute_request(struct lws *wsi, struct conn *c, int upgrade)
{
	char		 xff[512];
	const char	*why;

	conn_set_client(c, &c->sock_addr);
	if (!forwarding_headers(wsi)) {
		/* The proxy's own requests: only its upgrades are capped. */
		if (c->trusted_proxy && preauth_rekey(c) == -1 && upgrade)
			return refuse_busy(wsi, c);
		return 0;
	}
	if (!c->trusted_proxy)
		return refuse_unattributed(wsi, c);
	c->forwarded = 1;
	c->local = 0;	/* attributed clients are remote */
	if ((why = attribute_forwarded(wsi, c, xff, sizeof(xff))) != NULL)
		return refuse_bad_chain(wsi, c, why, xff);
	if (preauth_rekey(c) == -1)
		return refuse_busy(wsi, c);
	return 0;
}

int
http_refuse_upgrade(struct lws *wsi, struct conn *c)
{
	accept_request_seen(c);
	copy_header(wsi, WSI_TOKEN_ORIGIN, c->origin, sizeof(c->origin));
	c->has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
	copy_header(wsi, WSI_TOKEN_HOST, c->host, sizeof(c->host));
	copy_header(wsi, WSI_TOKEN_HTTP_USER_AGENT, c->ua, sizeof(c->ua));
	/* Over the per-address cap: refused at accept (accept.c). */
	return attribute_request(wsi, c, 1) == -1 ? 1 : 0;
}

/* `uri' is `name' or below it ("/healthz", "/healthz/x"). */
static int
under(const char *uri, const char *name)
{
	size_t	n = strlen(name);

	return strncmp(uri, name, n) == 0 &&
	    (uri[n] == '\0' || uri[n] == '/' || uri[n] == '?');
}

static int
probe_path(const char *uri, const char *name)
{
	size_t	n = strlen(name);

	return strncmp(uri, name, n) == 0 && (uri[n] == '\0' || uri[n] == '?');
}

/* Paths the UI never answers (protocol.md §1.1, §11.1). */
static int
reserved_path(const char *uri)
{
	static const char *const reserved[] = {
		"/health", "/healthz", "/ready", "/readyz", "/startup",
		"/startupz", "/__openclaw__", "/desktop/observe",
		"/node-desktop/attach", "/node-portal/attach", NULL
	};
	const char *const	*r;

	for (r = reserved; *r != NULL; r++)
		if (under(uri, *r))
			return 1;
	return 0;
}

/* A path that names a file (an extension in its last segment). */
static int
looks_like_asset(const char *rel)
{
	const char	*last = strrchr(rel, '/');

	last = last != NULL ? last + 1 : rel;
	return strchr(last, '.') != NULL;
}

static int
not_found(struct lws *wsi, int head, const char *why)
{
	char	body[256];
	int	n;

	n = snprintf(body, sizeof(body), "Not Found%s%s\n", why ? ": " : "",
	    why ? why : "");
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	return respond(wsi, HTTP_STATUS_NOT_FOUND, TEXT, CSP_JSON, NULL, body,
	    (size_t)n, head, 0);
}

/* The files could not be read at start: say where we looked. */
static int
ui_missing(struct lws *wsi, int head)
{
	char	body[1024 + PATH_MAX], dir[PATH_MAX], *p;
	int	n;

	log_sanitize(dir, sizeof(dir), ui_dir(), strlen(ui_dir()));
	for (p = dir; *p != '\0'; p++)
		if (*p == '<' || *p == '>' || *p == '&' || *p == '"')
			*p = '?';
	n = snprintf(body, sizeof(body), "<!doctype html>\n<html lang=\"en\">"
	    "<head><meta charset=\"utf-8\"><title>clawgate</title></head>"
	    "<body><h1>Control UI files not found</h1><p>This gateway is "
	    "running, but the worker could not read the Control UI from "
	    "<code>%s</code> when it started. Reinstall clawgate (<code>make "
	    "install</code> puts the files there), then restart it. The "
	    "gateway's log has the exact error.</p></body></html>\n", dir);
	if (n < 0 || (size_t)n >= sizeof(body))
		n = 0;
	return respond(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, HTML, CSP_PAGE,
	    NULL, body, (size_t)n, head, 0);
}

static int
serve_file(struct lws *wsi, const struct ui_file *f, int head)
{
	const struct header	 hdr[] = { { "etag:", f->etag }, { NULL, NULL } };
	char			 inm[256];
	int			 n;

	n = lws_hdr_copy(wsi, inm, sizeof(inm), WSI_TOKEN_HTTP_IF_NONE_MATCH);
	if (n > 0 && ui_etag_matches(inm, f->etag))
		return respond_cached(wsi, HTTP_STATUS_NOT_MODIFIED, f->ctype,
		    CSP_UI, "no-cache", hdr, NULL, f->len, 1, 0);
	return respond_cached(wsi, HTTP_STATUS_OK, f->ctype, CSP_UI,
	    "no-cache", hdr, f->body, f->len, head, 0);
}

/*
 * The Control UI: below gateway.controlUi.basePath, a known file is
 * served as itself, anything else that does not name a file is the
 * single page (old links such as /chat?session=main land there and the
 * page explains them).
 */
static int
serve_ui(struct worker *w, struct lws *wsi, const char *uri, int head)
{
	const struct ui_file	*f;
	const char		*rel = uri;
	char			 why[200];
	size_t			 blen;

	if (!w->cfg.control_ui_enabled)
		return not_found(wsi, head, "the Control UI is disabled "
		    "(gateway.controlUi.enabled is false)");
	blen = strnlen(w->cfg.base_path, sizeof(w->cfg.base_path));
	if (blen > 0 && blen < sizeof(w->cfg.base_path)) {
		if (strncmp(uri, w->cfg.base_path, blen) != 0 ||
		    (uri[blen] != '\0' && uri[blen] != '/')) {
			snprintf(why, sizeof(why), "the Control UI is at %s/",
			    w->cfg.base_path);
			return not_found(wsi, head, why);
		}
		rel = uri + blen;
	}
	if (!ui_loaded())
		return ui_missing(wsi, head);
	if ((f = ui_lookup(rel, w->cfg.base_path)) != NULL)
		return serve_file(wsi, f, head);
	if (looks_like_asset(rel))
		return not_found(wsi, head, NULL);
	if ((f = ui_index(w->cfg.base_path)) == NULL)
		return -1;	/* out of memory */
	return serve_file(wsi, f, head);
}

int
http_serve(struct lws *wsi, struct conn *c, const char *uri)
{
	static const struct header allow[] = {
		{ "allow:", "GET, HEAD" }, { NULL, NULL }
	};
	static const char live[] = "{\"ok\":true,\"status\":\"live\"}";
	static const char ready[] = "{\"ready\":true}";
	static const char notready[] = "{\"ready\":false}";
	static const char started[] = "{\"ok\":true,\"status\":\"started\"}";
	static const char json[] = "application/json; charset=utf-8";
	int	get, head;

	accept_request_seen(c);
	if (attribute_request(wsi, c, 0) == -1)
		return -1;
	get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	if (!get && !head)
		return respond(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    TEXT, CSP_JSON, allow, "Method Not Allowed", 18, 0, 1);
	if (probe_path(uri, "/healthz") || probe_path(uri, "/health"))
		return respond(wsi, HTTP_STATUS_OK, json, CSP_JSON, NULL, live,
		    sizeof(live) - 1, head, 0);
	if (probe_path(uri, "/readyz") || probe_path(uri, "/ready")) {
		if (authq_ready(W) && !W->draining)
			return respond(wsi, HTTP_STATUS_OK, json, CSP_JSON,
			    NULL, ready, sizeof(ready) - 1, head, 0);
		return respond(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, json,
		    CSP_JSON, NULL, notready, sizeof(notready) - 1, head, 0);
	}
	if (probe_path(uri, "/startupz") || probe_path(uri, "/startup"))
		return respond(wsi, HTTP_STATUS_OK, json, CSP_JSON, NULL,
		    started, sizeof(started) - 1, head, 0);
	if (reserved_path(uri))
		return not_found(wsi, head, NULL);
	return serve_ui(W, wsi, uri, head);
}
