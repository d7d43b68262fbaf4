/*
 * http.c: the plain-HTTP side of the gateway port: probes, a placeholder
 * page, and the refusals that happen before a WebSocket exists (an
 * untrusted proxy's forwarding headers, too many unauthenticated sockets
 * from one address).
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define CSP_JSON	"default-src 'none'; frame-ancestors 'none'"
#define CSP_PAGE	"default-src 'none'; img-src 'self'; " \
			"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

static const char placeholder[] =
"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
"<title>clawgate</title></head><body>\n"
"<h1>clawgate</h1>\n"
"<p>This is an OpenClaw gateway (protocol 4). Connect with the "
"<code>openclaw</code> CLI or another OpenClaw client to "
"<code>ws://</code> this address.</p>\n"
"<p>The Control UI is not served by this build yet.</p>\n"
"</body></html>\n";

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
 * Write a complete response.  `body' may be NULL (HEAD).  Returns what
 * the lws callback should return: -1 to close after it.
 */
static int
respond(struct lws *wsi, unsigned status, const char *ctype,
    const char *csp, const struct header *extra, const char *body,
    size_t blen, int head_only, int close_after)
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
	    add_header(wsi, "cache-control:", "no-store", &p, end))
		return -1;
	for (; extra != NULL && extra->name != NULL; extra++)
		if (add_header(wsi, extra->name, extra->value, &p, end))
			return -1;
	if (close_after && add_header(wsi, "connection:", "close", &p, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!head_only && blen > 0) {
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

	n = lws_hdr_copy(wsi, buf, sizeof(buf), t);
	if (n > 0)
		log_sanitize(out, len, buf, (size_t)n);
}

/*
 * Attribute a trusted proxy's client: the right-most X-Forwarded-For
 * entry is the address the proxy itself saw.
 */
static void
attribute_forwarded(struct lws *wsi, struct conn *c)
{
	char	xff[512], *last;
	int	n;

	n = lws_hdr_copy(wsi, xff, sizeof(xff), WSI_TOKEN_X_FORWARDED_FOR);
	if (n <= 0)
		return;
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	while (*last == ' ')
		last++;
	last[strcspn(last, " ")] = '\0';
	if (inet_pton(AF_INET, last, c->addr) == 1) {
		memset(c->addr + 4, 0, 12);
		c->family = 4;
	} else if (inet_pton(AF_INET6, last, c->addr) == 1)
		c->family = 6;
	else
		return;
	cg_strlcpy(c->peer, last, sizeof(c->peer));
	c->loopback = 0;
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

int
http_refuse_upgrade(struct lws *wsi, struct conn *c)
{
	static const char busy_body[] = "Too many unauthenticated sockets";

	copy_header(wsi, WSI_TOKEN_ORIGIN, c->origin, sizeof(c->origin));
	c->has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
	copy_header(wsi, WSI_TOKEN_HOST, c->host, sizeof(c->host));
	copy_header(wsi, WSI_TOKEN_HTTP_USER_AGENT, c->ua, sizeof(c->ua));
	if (forwarding_headers(wsi)) {
		if (!conn_is_trusted_proxy(c)) {
			(void)refuse_unattributed(wsi, c);
			return 1;
		}
		c->forwarded = 1;
		c->local = 0;	/* attributed clients are remote */
		attribute_forwarded(wsi, c);
	}
	if (preauth_count(c) >= (int)W->cfg.preauth_per_ip ||
	    preauth_total() >= W->cfg.preauth_global) {
		(void)respond(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "text/plain", CSP_JSON, NULL, busy_body,
		    sizeof(busy_body) - 1, 0, 1);
		return 1;
	}
	return 0;
}

static int
probe_path(const char *uri, const char *name)
{
	size_t	n = strlen(name);

	return strncmp(uri, name, n) == 0 && (uri[n] == '\0' || uri[n] == '?');
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

	if (forwarding_headers(wsi) && !conn_is_trusted_proxy(c))
		return refuse_unattributed(wsi, c);
	get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	if (!get && !head)
		return respond(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "text/plain; charset=utf-8", CSP_JSON, allow,
		    "Method Not Allowed", 18, 0, 1);
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
	return respond(wsi, HTTP_STATUS_OK, "text/html; charset=utf-8",
	    CSP_PAGE, NULL, placeholder, sizeof(placeholder) - 1, head, 0);
}
