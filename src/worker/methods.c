/*
 * methods.c: the requests an authenticated connection may make, with
 * the reference's role and scope rules (protocol.md §4.6, §8).
 */
#include <string.h>
#include <unistd.h>

#include "clawgate.h"
#include "conn.h"
#include "connect_params.h"
#include "errors.h"
#include "scopes.h"
#include "util.h"
#include "worker.h"

#define MAX_UNAUTHORIZED	10	/* then close "repeated unauthorized calls" */


/* Param schemas (closed objects, as the reference). */
static const struct vschema vs_bool = { .kind = VS_BOOLEAN };
static const struct vs_prop health_props[] = {
	{ "probe", &vs_bool, 0 }, { NULL, NULL, 0 }
};
static const struct vschema vs_health = { .kind = VS_OBJECT, .closed = 1,
	.props = health_props };
static const struct vs_prop status_props[] = {
	{ "includeChannelSummary", &vs_bool, 0 },
	{ "includeCliProjection", &vs_bool, 0 }, { NULL, NULL, 0 }
};
static const struct vschema vs_status = { .kind = VS_OBJECT, .closed = 1,
	.props = status_props };
static const struct vs_prop no_props[] = { { NULL, NULL, 0 } };
static const struct vschema vs_empty = { .kind = VS_OBJECT, .closed = 1,
	.props = no_props };

static json_t *
m_health(struct worker *w, struct conn *c, json_t *params)
{
	return json_pack("{s:b, s:I, s:i, s:{}, s:[], s:{}}", "ok", 1,
	    "ts", (json_int_t)now_ms(), "durationMs", 0, "channels",
	    "channelOrder", "channelLabels");
}

static json_t *
m_status(struct worker *w, struct conn *c, json_t *params)
{
	return json_pack("{s:s, s:s, s:I, s:i, s:{s:I, s:I, s:I}}",
	    "runtimeVersion", "clawgate " CG_VERSION,
	    "gatewayVersion", CG_SERVER_VERSION,
	    "uptimeMs", (json_int_t)(mono_ms() - w->started_mono),
	    "worker", w->slot,
	    "connections", "open", (json_int_t)w->st.connections,
	    "authenticated", (json_int_t)w->st.authenticated,
	    "acceptedTotal", (json_int_t)w->st.accepted_total);
}

static json_t *
m_presence(struct worker *w, struct conn *c, json_t *params)
{
	return json_array();
}

/* The non-secret part of the running configuration; secrets redacted. */
static json_t *
m_config_get(struct worker *w, struct conn *c, json_t *params)
{
	static const char *const modes[] = { "token", "password", "none" };
	const char	*mode = w->cfg.auth_mode < 3 ?
			    modes[w->cfg.auth_mode] : "token";
	json_t		*auth;

	auth = json_pack("{s:s}", "mode", mode);
	if (w->cfg.auth_mode == 0)
		json_object_set_new(auth, "token",
		    json_string("__OPENCLAW_REDACTED__"));
	else if (w->cfg.auth_mode == 1)
		json_object_set_new(auth, "password",
		    json_string("__OPENCLAW_REDACTED__"));
	return json_pack("{s:{s:{s:i, s:o, s:{s:b, s:s}}}}", "config",
	    "gateway", "port", (int)w->cfg.port, "auth", auth,
	    "controlUi", "enabled", (int)w->cfg.control_ui_enabled,
	    "basePath", w->cfg.base_path);
}

struct method {
	const char		*name;
	int			 scope;		/* -1: none needed */
	int			 any_role;	/* health: role not checked */
	const struct vschema	*params;	/* NULL: none accepted */
	json_t			*(*fn)(struct worker *, struct conn *, json_t *);
};

static const struct method table[] = {
	{ "health", -1, 1, &vs_health, m_health },
	{ "status", SCOPE_READ, 0, &vs_status, m_status },
	{ "system-presence", SCOPE_READ, 0, &vs_empty, m_presence },
	{ "config.get", SCOPE_READ, 0, &vs_empty, m_config_get },
	{ NULL, 0, 0, NULL, NULL }
};

static json_t *
res_ok(const char *id, json_t *payload)
{
	return json_pack("{s:s, s:s, s:b, s:o}", "type", "res", "id", id,
	    "ok", 1, "payload", payload);
}

/* A FORBIDDEN or role error; too many in a row end the connection. */
static void
unauthorized(struct conn *c, const char *id, json_t *err)
{
	conn_send_json(c, res_error(id, strlen(id), err));
	if (++c->unauthorized_calls > MAX_UNAUTHORIZED)
		conn_close(c, 1008, "repeated unauthorized calls");
}

void
methods_dispatch(struct worker *w, struct conn *c, json_t *frame)
{
	const struct method	*m;
	const char		*id, *name;
	const char		*req[1];
	json_t			*params, *payload;
	char			 msg[VS_MSG_MAX];

	id = json_string_value(json_object_get(frame, "id"));
	name = json_string_value(json_object_get(frame, "method"));
	params = json_object_get(frame, "params");
	if (rpc_is_forwarded(name)) {
		if (strcmp(c->role, "operator") != 0) {
			unauthorized(c, id, err_unauthorized_role(c->role));
			return;
		}
		if (!scope_satisfied(c->scopes, SCOPE_PAIRING)) {
			req[0] = scope_name(SCOPE_PAIRING);
			unauthorized(c, id, err_missing_scope(req[0], req, 1));
			return;
		}
		rpc_forward(w, c, id, name, params);
		return;
	}
	for (m = table; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			break;
	if (m->name == NULL) {
		/* Unknown methods need admin, as in the reference. */
		if (!scope_satisfied(c->scopes, SCOPE_ADMIN)) {
			req[0] = scope_name(SCOPE_ADMIN);
			unauthorized(c, id, err_missing_scope(req[0], req, 1));
		} else
			conn_send_json(c, res_error(id, strlen(id),
			    err_unknown_method(name)));
		return;
	}
	if (!m->any_role && strcmp(c->role, "operator") != 0) {
		unauthorized(c, id, err_unauthorized_role(c->role));
		return;
	}
	if (m->scope >= 0 && !scope_satisfied(c->scopes, m->scope)) {
		req[0] = scope_name(m->scope);
		unauthorized(c, id, err_missing_scope(req[0], req, 1));
		return;
	}
	if (params != NULL && vschema_check(m->params, params, msg,
	    sizeof(msg)) == -1) {
		conn_send_json(c, res_error(id, strlen(id),
		    err_invalid_params(name, msg)));
		return;
	}
	c->unauthorized_calls = 0;
	if ((payload = m->fn(w, c, params)) == NULL) {
		conn_send_json(c, res_error(id, strlen(id), err_shape(
		    "UNAVAILABLE", "The server is busy. Please try again in a "
		    "moment.")));
		return;
	}
	conn_send_json(c, res_ok(id, payload));
}
