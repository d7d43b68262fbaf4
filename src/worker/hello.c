/*
 * hello.c: the two frames of a successful handshake: connect.challenge
 * and the hello-ok response (protocol.md §2.1, §3).
 */
#include <string.h>

#include "clawgate.h"
#include "conn.h"
#include "scopes.h"
#include "util.h"
#include "worker.h"

/* The methods and events this gateway implements, for feature gating. */
static const char *const methods[] = {
	"health", "status", "system-presence", "config.get", NULL
};
static const char *const events[] = {
	"connect.challenge", "tick", "device.pair.requested",
	"device.pair.resolved", NULL
};

static json_t *
str_array(const char *const *list)
{
	json_t	*a = json_array();

	for (; *list != NULL; list++)
		json_array_append_new(a, json_string(*list));
	return a;
}

static json_t *
method_list(void)
{
	json_t			*a = str_array(methods);
	const char *const	*f;

	for (f = rpc_methods(); *f != NULL; f++)
		json_array_append_new(a, json_string(*f));
	return a;
}

json_t *
scopes_json(uint64_t scopes)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < SCOPE_COUNT; i++)
		if (scopes & SCOPE_BIT(i))
			json_array_append_new(a, json_string(scope_name(i)));
	return a;
}

json_t *
hello_challenge(struct conn *c)
{
	uuid_v4(c->nonce);
	return json_pack("{s:s, s:s, s:{s:s, s:I}}", "type", "event",
	    "event", "connect.challenge", "payload", "nonce", c->nonce,
	    "ts", (json_int_t)now_ms());
}

static const char *
method_name(int method)
{
	switch (method) {
	case AUTH_M_TOKEN:		return "token";
	case AUTH_M_PASSWORD:		return "password";
	case AUTH_M_DEVICE_TOKEN:	return "device-token";
	default:			return "none";
	}
}

static const char *
auth_mode_name(uint32_t mode)
{
	switch (mode) {
	case 1:		return "password";
	case 2:		return "none";
	default:	return "token";
	}
}

json_t *
hello_ok(struct worker *w, struct conn *c, const struct auth_verdict *v)
{
	json_t	*snapshot, *auth, *payload;

	snapshot = json_pack("{s:[], s:{}, s:{s:i, s:i}, s:I}",
	    "presence", "health", "stateVersion", "presence", 0, "health", 0,
	    "uptimeMs", (json_int_t)(mono_ms() - w->started_mono));
	/*
	 * As the reference: only admins see the auth mode (the Control UI
	 * keeps a pasted secret for the tab only when it reads "token").
	 */
	if (scope_satisfied(c->scopes, SCOPE_ADMIN))
		json_object_set_new(snapshot, "authMode",
		    json_string(auth_mode_name(w->cfg.auth_mode)));
	auth = json_pack("{s:s, s:o, s:s}", "role", c->role, "scopes",
	    scopes_json(c->scopes), "method", method_name(c->method));
	if (v->device_token[0] != '\0') {
		json_object_set_new(auth, "deviceToken",
		    json_stringn(v->device_token,
		    strnlen(v->device_token, sizeof(v->device_token))));
		json_object_set_new(auth, "issuedAtMs",
		    json_integer((json_int_t)v->issued_at_ms));
	}
	payload = json_pack("{s:s, s:i, s:{s:s, s:s}, s:{s:o, s:o}, s:o, "
	    "s:o, s:{s:i, s:i, s:i}}",
	    "type", "hello-ok",
	    "protocol", CG_PROTOCOL,
	    "server", "version", CG_SERVER_VERSION, "connId", c->id,
	    "features", "methods", method_list(), "events",
	    str_array(events),
	    "snapshot", snapshot,
	    "auth", auth,
	    "policy", "maxPayload", CG_MAX_PAYLOAD, "maxBufferedBytes",
	    CG_MAX_BUFFERED, "tickIntervalMs", (int)w->cfg.tick_interval_ms);
	return json_pack("{s:s, s:s, s:b, s:o}", "type", "res", "id",
	    c->client.req_id, "ok", 1, "payload", payload);
}
