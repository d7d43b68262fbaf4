/*
 * rpc.c: requests that only authd can answer (device pairing and device
 * tokens), and the events authd broadcasts.  The worker forwards the
 * request with the connection's session handle and relays the answer;
 * authd alone decides what that session may do.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "errors.h"
#include "log.h"
#include "scopes.h"
#include "util.h"
#include "worker.h"

struct rpc_pending {
	TAILQ_ENTRY(rpc_pending) entry;
	uint64_t		 id;
	struct conn		*conn;		/* NULL once the conn is gone */
	char			*req_id;
	char			*acc;		/* pieces of a split result */
	size_t			 acc_len;
};

#define RPC_RESULT_MAX	((size_t)16 << 20)
static TAILQ_HEAD(, rpc_pending) rpcs = TAILQ_HEAD_INITIALIZER(rpcs);
static uint64_t		 next_rpc_id;
static unsigned		 nrpcs;

#define MAX_RPCS	4096

static const char *const forwarded[] = {
	"device.pair.list", "device.pair.approve", "device.pair.reject",
	"device.pair.remove", "device.token.rotate", "device.token.revoke",
	NULL
};

int
rpc_is_forwarded(const char *method)
{
	const char *const	*m;

	for (m = forwarded; *m != NULL; m++)
		if (strcmp(*m, method) == 0)
			return 1;
	return 0;
}

const char *const *
rpc_methods(void)
{
	return forwarded;
}

static void
busy(struct conn *c, const char *id)
{
	conn_send_json(c, res_error(id, strlen(id), err_shape("UNAVAILABLE",
	    "The server is busy. Please try again in a moment.")));
}

void
rpc_forward(struct worker *w, struct conn *c, const char *id,
    const char *method, json_t *params)
{
	struct rpc_pending	*p;
	json_t			*req;
	char			*s;
	int			 rc;

	if (!authq_ready(w) || nrpcs >= MAX_RPCS || c->session[0] == '\0') {
		busy(c, id);
		return;
	}
	req = json_pack("{s:s#, s:s}", "session", c->session,
	    (int)AUTH_SESSION_LEN, "method", method);
	if (params != NULL)
		json_object_set(req, "params", params);
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (s == NULL || strlen(s) > IPC_MAX_MSG - sizeof(struct ipc_hdr) ||
	    (p = calloc(1, sizeof(*p))) == NULL) {
		free(s);
		busy(c, id);
		return;
	}
	p->id = ++next_rpc_id;
	p->conn = c;
	p->req_id = strdup(id);
	rc = authq_send(w, IPC_W2A_RPC, p->id, s, strlen(s));
	free(s);
	if (rc == -1 || p->req_id == NULL) {
		free(p->req_id);
		free(p);
		busy(c, id);
		return;
	}
	TAILQ_INSERT_TAIL(&rpcs, p, entry);
	nrpcs++;
}

/* The connection is going away: its answers have nowhere to go. */
void
rpc_conn_gone(struct conn *c)
{
	struct rpc_pending	*p;

	TAILQ_FOREACH(p, &rpcs, entry)
		if (p->conn == c)
			p->conn = NULL;
}

static void
pending_free(struct rpc_pending *p)
{
	TAILQ_REMOVE(&rpcs, p, entry);
	nrpcs--;
	free(p->req_id);
	free(p->acc);
	free(p);
}

/*
 * Append a piece of a split result ('+' more follow, '$' the last).
 * Returns 1 when the whole result is in p->acc, 0 to wait, -1 on abuse.
 */
static int
accumulate(struct rpc_pending *p, const char *text, size_t len)
{
	char	*n;

	if (len < 1 || p->acc_len + len - 1 > RPC_RESULT_MAX)
		return -1;
	if ((n = realloc(p->acc, p->acc_len + len)) == NULL)
		return -1;
	p->acc = n;
	memcpy(p->acc + p->acc_len, text + 1, len - 1);
	p->acc_len += len - 1;
	return text[0] == '$';
}

void
rpc_result(struct worker *w, uint64_t id, const char *text, size_t len)
{
	struct rpc_pending	*p;
	json_t			*res, *out;
	int			 rc;

	TAILQ_FOREACH(p, &rpcs, entry)
		if (p->id == id)
			break;
	if (p == NULL)
		return;
	if (len > 0 && (text[0] == '+' || text[0] == '$')) {
		if ((rc = accumulate(p, text, len)) == 0)
			return;
		if (rc == -1) {
			if (p->conn != NULL)
				busy(p->conn, p->req_id);
			pending_free(p);
			return;
		}
		text = p->acc;
		len = p->acc_len;
	}
	if (p->conn == NULL) {
		pending_free(p);
		return;
	}
	res = json_loadb(text, len, 0, NULL);
	if (json_is_true(json_object_get(res, "ok")))
		out = json_pack("{s:s, s:s, s:b, s:O}", "type", "res", "id",
		    p->req_id, "ok", 1, "payload",
		    json_object_get(res, "payload") ?
		    json_object_get(res, "payload") : json_null());
	else if (json_is_object(json_object_get(res, "error")) &&
	    err_add_docs(json_object_get(res, "error")) == 0)
		out = res_error(p->req_id, strlen(p->req_id),
		    json_incref(json_object_get(res, "error")));
	else
		out = res_error(p->req_id, strlen(p->req_id), err_shape(
		    "UNAVAILABLE", "authd answered with a malformed result"));
	json_decref(res);
	conn_send_json(p->conn, out);
	pending_free(p);
}

/* authd could not answer: every waiting request fails, retryably. */
void
rpc_fail_all(struct worker *w)
{
	struct rpc_pending	*p;

	while ((p = TAILQ_FIRST(&rpcs)) != NULL) {
		if (p->conn != NULL)
			busy(p->conn, p->req_id);
		pending_free(p);
	}
}

static void
deliver_event(const char *event, json_t *payload, int scope)
{
	struct conn	*c;
	json_t		*ev;

	TAILQ_FOREACH(c, &open_conns, open_entry) {
		if (scope >= 0 && !scope_satisfied(c->scopes, scope))
			continue;
		ev = json_pack("{s:s, s:s, s:O, s:I}", "type", "event",
		    "event", event, "payload", payload ? payload : json_null(),
		    "seq", (json_int_t)++c->seq);
		conn_send_json(c, ev);
	}
}

static void
close_device(json_t *cl)
{
	const char	*dev, *role, *reason;
	struct conn	*c;
	int		 code;

	dev = json_string_value(json_object_get(cl, "deviceId"));
	role = json_string_value(json_object_get(cl, "role"));
	reason = json_string_value(json_object_get(cl, "reason"));
	code = (int)json_integer_value(json_object_get(cl, "code"));
	if (dev == NULL || code < 4000 || code > 4999)
		return;
	/* Every socket of the device, shared-secret ones included. */
	TAILQ_FOREACH(c, &open_conns, open_entry)
		if (c->device_id[0] != '\0' && strcmp(c->device_id, dev) == 0 &&
		    (role == NULL || strcmp(role, c->role) == 0))
			conn_close(c, code, reason ? reason : "");
}

/* authd's list of this channel's sessions to close (a rotated secret). */
static void
close_sessions(json_t *cl, json_t *ids)
{
	const char	*reason;
	struct conn	*c, *next;
	json_t		*id;
	size_t		 i;
	int		 code;

	reason = json_string_value(json_object_get(cl, "reason"));
	code = (int)json_integer_value(json_object_get(cl, "code"));
	if (!json_is_array(ids) || code < 4000 || code > 4999)
		return;
	for (c = TAILQ_FIRST(&open_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, open_entry);
		if (c->session[0] == '\0')
			continue;
		json_array_foreach(ids, i, id)
			if (json_string_length(id) == AUTH_SESSION_LEN &&
			    memcmp(json_string_value(id), c->session,
			    AUTH_SESSION_LEN) == 0) {
				conn_close(c, code, reason ? reason : "");
				break;
			}
	}
}

void
rpc_event(struct worker *w, const char *text, size_t len)
{
	json_t		*ev, *cl;
	const char	*name, *scope;
	int		 sc = -1;

	if ((ev = json_loadb(text, len, 0, NULL)) == NULL)
		return;
	if ((cl = json_object_get(ev, "close")) != NULL &&
	    json_object_get(cl, "sessions") != NULL)
		close_sessions(cl, json_object_get(cl, "sessions"));
	else if (cl != NULL)
		close_device(cl);
	else if ((name = json_string_value(json_object_get(ev, "event")))
	    != NULL) {
		scope = json_string_value(json_object_get(ev, "scope"));
		if (scope != NULL)
			sc = scope_from_name(scope, strlen(scope));
		/* An event for a scope we do not know goes to admins only. */
		if (scope != NULL && sc < 0)
			sc = SCOPE_ADMIN;
		deliver_event(name, json_object_get(ev, "payload"), sc);
	}
	json_decref(ev);
}
