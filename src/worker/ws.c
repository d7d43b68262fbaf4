/*
 * ws.c: the libwebsockets glue: the protocol callback, message
 * reassembly and size limits, the challenge on upgrade, keepalive and
 * ticks.  A whole message goes to the handshake (handshake.c) before
 * hello-ok and to the connection's backend (backend.h) after.  Every
 * deadline is an ev_timer of ours (lws timers fire up to 30 s late on a
 * libev loop).
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clawgate.h"
#include "conn.h"
#include "errors.h"
#include "log.h"
#include "util.h"
#include "worker.h"

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
		handshake_connect(w, c, c->rx, c->rx_len);
		break;
	case CS_OPEN:
		if (!c->rx_binary && c->backend != NULL)
			c->backend->frame(w, c, c->rx, c->rx_len);
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
