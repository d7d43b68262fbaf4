/*
 * devices.c: `clawgate devices ...', device pairing through the control
 * socket, or with --url over the gateway's WebSocket.  Locally the
 * daemon runs the RPCs (device.pair.*, device.token.*) in authd with the
 * local operator's full authority; remotely the CLI asks, like the
 * reference CLI (protocol.md §9.1-§9.3), for the least privilege each
 * step needs.  The output mirrors openclaw's (operations.md §2.3) so
 * that guides still read right.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "remote.h"
#include "scopes.h"
#include "util.h"

#define MAX_SCOPES	16

static const char help_devices[] =
"usage: clawgate devices list [--json]\n"
"       clawgate devices approve [requestId | prefix | code] [--json]\n"
"       clawgate devices reject requestId | prefix | code [--json]\n"
"       clawgate devices remove deviceId [--json]\n"
"       clawgate devices rotate --device ID --role ROLE [--scope S ...]\n"
"       clawgate devices revoke --device ID --role ROLE\n"
"\n"
"Through the local control socket: no token needed, full authority.\n"
"approve without an id only shows the newest pending request (exit 1).\n"
"Ids may be shortened to any unique prefix.  approve and reject also take\n"
"the device code the Control UI shows (the first 8 characters of the\n"
"device id, the Code column of `list'); a code that matches more than one\n"
"request is refused with the candidates.\n"
"\n"
REMOTE_HELP;

static const char *
js(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/*
 * Where the RPCs go: the control socket, or (with --url) one WebSocket
 * connection holding the scopes of the step under way.
 */
struct dctx {
	struct cli		*c;
	struct remote_opts	 ro;
	struct remote		*conn;
	char			 scopes[MAX_SCOPES][64]; /* conn's */
	int			 nscopes;
};

static const char *const pairing_only[] = { "operator.pairing" };
static const char *const admin_only[] = { "operator.admin" };

/*
 * With --url: make sure the open connection holds exactly `scopes'
 * (a new connection when not; the gateway grants per connect).  -1
 * after the gateway's error was printed.
 */
static int
dev_connect(struct dctx *d, const char *const *scopes, int n)
{
	const char	*sp[MAX_SCOPES];
	int		 i;

	if (d->ro.url == NULL)
		return 0;
	if (d->conn != NULL && n == d->nscopes) {
		for (i = 0; i < n && strcmp(scopes[i], d->scopes[i]) == 0; i++)
			;
		if (i == n)
			return 0;
	}
	remote_close(d->conn);
	d->conn = NULL;
	for (i = 0; i < n && i < MAX_SCOPES; i++) {
		cg_strlcpy(d->scopes[i], scopes[i], sizeof(d->scopes[i]));
		sp[i] = d->scopes[i];
	}
	d->nscopes = i;
	d->conn = remote_connect(d->c, &d->ro, sp, d->nscopes, NULL, 0);
	return d->conn != NULL ? 0 : -1;
}

/* One RPC; the payload, or NULL with the message in `err'. */
static json_t *
rpc(struct dctx *d, const char *method, json_t *params, char *err,
    size_t errlen)
{
	struct ctl_error	 e;
	json_t			*req, *ans, *p;

	if (d->ro.url != NULL) {
		if (d->conn == NULL) {
			json_decref(params);
			snprintf(err, errlen, "not connected");
			return NULL;
		}
		return remote_call(d->conn, method, params != NULL ? params :
		    json_object(), err, errlen);
	}
	req = json_pack("{s:s, s:s, s:o}", "cmd", "rpc", "method", method,
	    "params", params != NULL ? params : json_object());
	ans = ctl_call(d->c, req, &e);
	json_decref(req);
	if (ans == NULL) {
		snprintf(err, errlen, "%s", e.msg);
		return NULL;
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		ctl_answer_error(ans, err, errlen);
		if (strcmp(err, "timed out") == 0)
			snprintf(err, errlen, "%s: authd did not answer in "
			    "time (is this clawgated's authd too old for "
			    "control-socket RPCs? `clawgate logs` may say)",
			    method);
		json_decref(ans);
		return NULL;
	}
	p = json_incref(json_object_get(ans, "payload"));
	json_decref(ans);
	if (p == NULL)
		p = json_object();
	return p;
}

/*
 * The scopes to approve (or rotate to) `wanted' operator scopes with,
 * as the reference CLI picks them (§9.2): operator.pairing plus the
 * scopes themselves, or operator.admin when a non-operator role, admin
 * or an unknown scope is involved.  Returns the count put in `out'.
 */
static int
grant_scopes(const json_t *wanted, int other_role, const char **out)
{
	const json_t	*v;
	const char	*s;
	size_t		 i;
	int		 n = 0, k;

	if (other_role)
		goto admin;
	out[n++] = "operator.pairing";
	json_array_foreach(wanted, i, v) {
		if ((s = json_string_value(v)) == NULL ||
		    scope_from_name(s, strlen(s)) < 0 ||
		    strcmp(s, "operator.admin") == 0)
			goto admin;
		for (k = 0; k < n && strcmp(out[k], s) != 0; k++)
			;
		if (k == n) {
			if (n == MAX_SCOPES)
				goto admin;
			out[n++] = s;
		}
	}
	return n;
admin:
	out[0] = "operator.admin";
	return 1;
}

/* Does a role list (or single role) name anything but operator? */
static int
other_role(const json_t *r)
{
	const json_t	*roles = json_object_get(r, "roles"), *v;
	const char	*role = json_string_value(json_object_get(r, "role"));
	size_t		 i;

	if (role != NULL && strcmp(role, "operator") != 0)
		return 1;
	json_array_foreach(roles, i, v)
		if (!json_is_string(v) || strcmp(json_string_value(v),
		    "operator") != 0)
			return 1;
	return 0;
}

/* "operator.read, operator.write" from an array of strings. */
static void
join(const json_t *a, char *buf, size_t len)
{
	const json_t	*v;
	size_t		 i, o = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || o >= len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    json_string_value(v));
	}
	if (buf[0] == '\0')
		cg_strlcpy(buf, "-", len);
}

static void
age(char *buf, size_t len, long long ts)
{
	char	d[32];

	out_duration(d, sizeof(d), (long long)now_ms() - ts);
	snprintf(buf, len, "%s ago", d);
}

static json_t *
paired_by_id(const json_t *list, const char *id)
{
	const json_t	*d;
	size_t		 i;

	json_array_foreach(json_object_get(list, "paired"), i, d)
		if (strcmp(js(d, "deviceId"), id) == 0)
			return (json_t *)d;
	return NULL;
}

/* The short device code the Control UI shows: the id's first 8. */
#define CODE_LEN	8

static void
code_of(const json_t *e, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", CODE_LEN, js(e, "deviceId"));
}

/* "code" in every pending and paired entry (devices list --json). */
static void
add_codes(json_t *list)
{
	static const char *const keys[] = { "pending", "paired" };
	json_t	*e;
	char	 code[CODE_LEN + 1];
	size_t	 i;
	int	 k;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(list, keys[k]), i, e)
			if (json_is_object(e) && js(e, "deviceId")[0] != '\0') {
				code_of(e, code, sizeof(code));
				json_object_set_new(e, "code", json_string(code));
			}
}

/* Fixed cell storage for the tables. */
#define CELL	256

static void
print_pending(const json_t *list)
{
	json_t		*pend = json_object_get(list, "pending"), *r, *pd;
	size_t		 n = json_array_size(pend), i;
	char		(*cells)[CELL];
	const char	**cp;
	char		 sc[CELL], ro[CELL];
	int		 k;

	if ((cells = calloc((n + 1) * 6, CELL)) == NULL ||
	    (cp = calloc((n + 1) * 6, sizeof(*cp))) == NULL) {
		free(cells);
		return;
	}
	snprintf(cells[0], CELL, "Request");
	snprintf(cells[1], CELL, "Code");
	snprintf(cells[2], CELL, "Device");
	snprintf(cells[3], CELL, "Requested");
	snprintf(cells[4], CELL, "Age");
	snprintf(cells[5], CELL, "Status");
	json_array_foreach(pend, i, r) {
		char (*row)[CELL] = cells + (i + 1) * 6;

		snprintf(row[0], CELL, "%s", js(r, "requestId"));
		code_of(r, row[1], CELL);
		snprintf(row[2], CELL, "%.64s%s%s", js(r, "displayName")[0] ?
		    js(r, "displayName") : js(r, "deviceId"),
		    js(r, "remoteIp")[0] ? " \u00b7 " : "", js(r, "remoteIp"));
		join(json_object_get(r, "roles"), ro, sizeof(ro));
		join(json_object_get(r, "scopes"), sc, sizeof(sc));
		snprintf(row[3], CELL, "roles: %.60s; scopes: %.160s", ro, sc);
		age(row[4], CELL, json_integer_value(json_object_get(r, "ts")));
		pd = paired_by_id(list, js(r, "deviceId"));
		snprintf(row[5], CELL, "%s%s", pd == NULL ? "new pairing" :
		    json_is_true(json_object_get(r, "isRepair")) &&
		    strcmp(js(r, "publicKey"), js(pd, "publicKey")) != 0 ?
		    "re-approval" : "upgrade", json_is_true(json_object_get(r,
		    "isRepair")) ? " (repair)" : "");
	}
	for (k = 0; k < (int)(n + 1) * 6; k++)
		cp[k] = cells[k];
	printf("Pending (%zu)\n", n);
	out_table(stdout, cp, (int)n + 1, 6);
	free(cp);
	free(cells);
}

static void
print_paired(const json_t *list)
{
	json_t		*pd = json_object_get(list, "paired"), *d, *t;
	size_t		 n = json_array_size(pd), i, j, o;
	char		(*cells)[CELL];
	const char	**cp;
	const char	*name;
	char		 sc[CELL], ro[CELL];
	int		 k;

	if ((cells = calloc((n + 1) * 7, CELL)) == NULL ||
	    (cp = calloc((n + 1) * 7, sizeof(*cp))) == NULL) {
		free(cells);
		return;
	}
	snprintf(cells[0], CELL, "Device");
	snprintf(cells[1], CELL, "Code");
	snprintf(cells[2], CELL, "Device ID");
	snprintf(cells[3], CELL, "Roles");
	snprintf(cells[4], CELL, "Scopes");
	snprintf(cells[5], CELL, "Tokens");
	snprintf(cells[6], CELL, "IP");
	json_array_foreach(pd, i, d) {
		char (*row)[CELL] = cells + (i + 1) * 7;

		name = js(d, "operatorLabel")[0] ? js(d, "operatorLabel") :
		    js(d, "displayName")[0] ? js(d, "displayName") :
		    js(d, "clientId")[0] ? js(d, "clientId") :
		    js(d, "deviceId");
		snprintf(row[0], CELL, "%.64s", name);
		code_of(d, row[1], CELL);
		snprintf(row[2], CELL, "%s", js(d, "deviceId"));
		join(json_object_get(d, "roles"), ro, sizeof(ro));
		join(json_object_get(d, "scopes"), sc, sizeof(sc));
		snprintf(row[3], CELL, "%s", ro);
		snprintf(row[4], CELL, "%s", sc);
		o = 0;
		json_array_foreach(json_object_get(d, "tokens"), j, t)
			if (o < CELL)
				o += (size_t)snprintf(row[5] + o, CELL - o,
				    "%s%s%s", j ? ", " : "", js(t, "role"),
				    json_object_get(t, "revokedAtMs") ?
				    " (revoked)" : "");
		if (o == 0)
			snprintf(row[5], CELL, "-");
		snprintf(row[6], CELL, "%s", js(d, "remoteIp")[0] ?
		    js(d, "remoteIp") : "-");
	}
	for (k = 0; k < (int)(n + 1) * 7; k++)
		cp[k] = cells[k];
	printf("Paired (%zu)\n", n);
	out_table(stdout, cp, (int)n + 1, 7);
	free(cp);
	free(cells);
}

/* Device-token callers that are not admin see only their own device. */
static void
self_scoped_note(struct dctx *d)
{
	const json_t	*auth;
	const json_t	*v;
	size_t		 i;

	if (d->conn == NULL)
		return;
	auth = json_object_get(remote_hello(d->conn), "auth");
	if (strcmp(js(auth, "method"), "device-token") != 0)
		return;
	json_array_foreach(json_object_get(auth, "scopes"), i, v)
		if (strcmp(json_string_value(v) ? json_string_value(v) : "",
		    "operator.admin") == 0)
			return;
	cli_warnx("note: authenticated by this CLI's device token without "
	    "operator.admin, so the gateway shows and changes only this "
	    "device (%.12s...)", remote_device_id(d->conn));
}

static int
dev_list(struct dctx *d)
{
	json_t	*l;
	char	 err[1024];

	if (dev_connect(d, pairing_only, 1) == -1)
		return EXIT_FAIL;
	if ((l = rpc(d, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	add_codes(l);
	if (d->c->json)
		out_json(l);
	else if (json_array_size(json_object_get(l, "pending")) == 0 &&
	    json_array_size(json_object_get(l, "paired")) == 0)
		printf("No device pairing entries.\n");
	else {
		print_pending(l);
		printf("\n");
		print_paired(l);
	}
	self_scoped_note(d);
	json_decref(l);
	return EXIT_OK;
}

/*
 * The one element of `arr' whose `field' starts with `prefix'
 * (an exact match wins).  NULL with a message otherwise.
 */
static json_t *
resolve(json_t *arr, const char *field, const char *prefix, const char *what,
    char *err, size_t errlen)
{
	json_t	*e, *found = NULL;
	size_t	 i, n = 0, pl = strlen(prefix);

	json_array_foreach(arr, i, e) {
		if (strcasecmp(js(e, field), prefix) == 0)
			return e;
		if (pl > 0 && strncasecmp(js(e, field), prefix, pl) == 0) {
			found = e;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n > 1)
		snprintf(err, errlen, "%s is the start of %zu %ss; give more "
		    "of it (`clawgate devices list` shows them)", prefix, n,
		    what);
	else
		snprintf(err, errlen, "No %s matches %s. Run `clawgate devices "
		    "list` and retry with the current %s.", what, prefix,
		    strcmp(what, "pending device request") == 0 ?
		    "request ID" : "device ID");
	return NULL;
}

/*
 * The pending request `id' names: its request id (exact, or a unique
 * prefix), or the device code the Control UI shows (a prefix of the
 * device id).  A code or prefix that names more than one request is
 * refused with the candidates: approving the wrong device is worse
 * than asking again.
 */
static json_t *
resolve_request(json_t *pend, const char *id, char *err, size_t errlen)
{
	json_t	*e, *found = NULL;
	char	 code[CODE_LEN + 1];
	size_t	 i, n = 0, pl = strlen(id), o;

	json_array_foreach(pend, i, e)
		if (strcasecmp(js(e, "requestId"), id) == 0)
			return e;
	json_array_foreach(pend, i, e)
		if (pl > 0 && (strncasecmp(js(e, "requestId"), id, pl) == 0 ||
		    strncasecmp(js(e, "deviceId"), id, pl) == 0)) {
			found = e;
			n++;
		}
	if (n == 1)
		return found;
	if (n == 0) {
		snprintf(err, errlen, "No pending device request matches %s. "
		    "Run `clawgate devices list` and retry with the current "
		    "request ID or device code.", id);
		return NULL;
	}
	o = (size_t)snprintf(err, errlen, "%s matches %zu pending requests; "
	    "refusing to guess. Give the request ID of the one you mean:", id,
	    n);
	json_array_foreach(pend, i, e) {
		if (o >= errlen ||
		    (strncasecmp(js(e, "requestId"), id, pl) != 0 &&
		    strncasecmp(js(e, "deviceId"), id, pl) != 0))
			continue;
		code_of(e, code, sizeof(code));
		o += (size_t)snprintf(err + o, errlen - o, "\n  %s  code %s  "
		    "%.64s%s%.32s%s%s", js(e, "requestId"), code,
		    js(e, "displayName")[0] ? js(e, "displayName") :
		    js(e, "clientId")[0] ? js(e, "clientId") : "(no name)",
		    js(e, "clientId")[0] && js(e, "displayName")[0] ? " (" : "",
		    js(e, "displayName")[0] ? js(e, "clientId") : "",
		    js(e, "clientId")[0] && js(e, "displayName")[0] ? ")" : "",
		    js(e, "remoteIp")[0] ? " from " : "");
		if (js(e, "remoteIp")[0] != '\0' && o < errlen)
			o += (size_t)snprintf(err + o, errlen - o, "%s",
			    js(e, "remoteIp"));
	}
	return NULL;
}

static json_t *
newest_pending(json_t *list)
{
	json_t		*r, *best = NULL;
	size_t		 i;

	json_array_foreach(json_object_get(list, "pending"), i, r)
		if (best == NULL || json_integer_value(json_object_get(r,
		    "ts")) > json_integer_value(json_object_get(best, "ts")))
			best = r;
	return best;
}

static int
preview(json_t *list)
{
	json_t	*r = newest_pending(list);
	char	 ro[CELL], sc[CELL];

	if (r == NULL) {
		printf("No pending device requests.\n");
		return EXIT_FAIL;
	}
	join(json_object_get(r, "roles"), ro, sizeof(ro));
	join(json_object_get(r, "scopes"), sc, sizeof(sc));
	cli_outf("Selected pending device request %s\n  Device: %s (code "
	    "%.8s)  Requested: roles: %s; scopes: %s\n  IP: %s   Note: %s\n"
	    "Approve this exact request with: clawgate devices approve %s\n",
	    js(r, "requestId"), js(r, "deviceId"), js(r, "deviceId"), ro, sc, js(r, "remoteIp")[0] ?
	    js(r, "remoteIp") : "local", paired_by_id(list, js(r,
	    "deviceId")) ? "Upgrade of a paired device." : "First-time device "
	    "pairing request.", js(r, "requestId"));
	return EXIT_FAIL;
}

static json_t *
decide_call(struct dctx *d, const char *verb, const char *rid, char *err,
    size_t errlen)
{
	char	method[64];

	snprintf(method, sizeof(method), "device.pair.%s", verb);
	return rpc(d, method, json_pack("{s:s}", "requestId", rid), err,
	    errlen);
}

/*
 * approve over --url: a connection holding what the request asks for
 * (the gateway checks that the approver holds it), and once more with
 * operator.admin when that was not enough (§9.2).
 */
static json_t *
remote_approve(struct dctx *d, const json_t *r, const char *rid, char *err,
    size_t errlen)
{
	const char	*sc[MAX_SCOPES + 1];
	json_t		*p;
	int		 n;

	n = grant_scopes(json_object_get(r, "scopes"), other_role(r), sc);
	if (dev_connect(d, sc, n) == -1) {
		snprintf(err, errlen, "connect failed");
		return NULL;
	}
	p = decide_call(d, "approve", rid, err, errlen);
	if (p != NULL || strstr(err, "device pairing approval denied") ==
	    NULL || strcmp(sc[0], "operator.admin") == 0)
		return p;
	if (dev_connect(d, admin_only, 1) == -1) {
		snprintf(err, errlen, "connect failed");
		return NULL;
	}
	return decide_call(d, "approve", rid, err, errlen);
}

/* approve / reject: resolve the request id, call, print. */
static int
dev_decide(struct dctx *d, const char *verb, const char *id)
{
	json_t		*l, *r, *p;
	char		 err[4096], rid[256];
	int		 approve = strcmp(verb, "approve") == 0;

	if (dev_connect(d, pairing_only, 1) == -1)
		return EXIT_FAIL;
	if ((l = rpc(d, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (id == NULL) {
		int rc = approve ? preview(l) :
		    cli_usage(help_devices, "reject needs a request id");

		json_decref(l);
		return rc;
	}
	r = resolve_request(json_object_get(l, "pending"), id, err,
	    sizeof(err));
	if (r == NULL) {
		cli_warnx("%s", err);
		json_decref(l);
		return EXIT_FAIL;
	}
	cg_strlcpy(rid, js(r, "requestId"), sizeof(rid));
	if (approve && d->ro.url != NULL)
		p = remote_approve(d, r, rid, err, sizeof(err));
	else
		p = decide_call(d, verb, rid, err, sizeof(err));
	json_decref(l);
	if (p == NULL) {
		if (strstr(err, "unknown requestId") != NULL)
			cli_warnx("No pending device request matches %s. Run "
			    "`clawgate devices list` and retry with the current "
			    "request ID (requests expire after 5 minutes and "
			    "are replaced when the device retries with other "
			    "roles or scopes).", id);
		else if (strcmp(err, "connect failed") != 0)
			cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (d->c->json)
		out_json(p);
	else if (approve)
		printf("Approved %s (%s)\n", js(json_object_get(p, "device"),
		    "deviceId")[0] ? js(json_object_get(p, "device"),
		    "deviceId") : "ok", js(p, "requestId")[0] ?
		    js(p, "requestId") : rid);
	else
		printf("Rejected %s\n", js(p, "deviceId")[0] ?
		    js(p, "deviceId") : "ok");
	json_decref(p);
	return EXIT_OK;
}

/* A paired device from a unique id prefix (new reference), or NULL. */
static json_t *
paired_dev(struct dctx *d, const char *id)
{
	json_t	*l, *dev;
	char	 err[1024];

	if ((l = rpc(d, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return NULL;
	}
	dev = resolve(json_object_get(l, "paired"), "deviceId", id,
	    "paired device", err, sizeof(err));
	if (dev == NULL)
		cli_warnx("%s", err);
	else
		json_incref(dev);
	json_decref(l);
	return dev;
}

static int
dev_remove(struct dctx *d, const char *id)
{
	json_t	*p, *dev;
	char	 did[256], err[1024];

	if (dev_connect(d, pairing_only, 1) == -1 ||
	    (dev = paired_dev(d, id)) == NULL)
		return EXIT_FAIL;
	cg_strlcpy(did, js(dev, "deviceId"), sizeof(did));
	json_decref(dev);
	if ((p = rpc(d, "device.pair.remove", json_pack("{s:s}", "deviceId",
	    did), err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (d->c->json)
		out_json(p);
	else
		printf("Removed %s\n", js(p, "deviceId")[0] ? js(p, "deviceId") :
		    did);
	json_decref(p);
	return EXIT_OK;
}

/* The scopes of `dev''s token for `role' (borrowed), or NULL. */
static json_t *
token_scopes(const json_t *dev, const char *role)
{
	const json_t	*t;
	size_t		 i;

	json_array_foreach(json_object_get(dev, "tokens"), i, t)
		if (strcmp(js(t, "role"), role) == 0)
			return json_object_get(t, "scopes");
	return NULL;
}

/*
 * rotate / revoke over --url: operator.pairing suffices for an operator
 * token (rotation also needs the target scopes); other roles need
 * operator.admin.
 */
static int
token_connect(struct dctx *d, int rotate, const json_t *dev, const char *role,
    json_t *scopes)
{
	const char	*sc[MAX_SCOPES + 1];
	int		 other = strcmp(role, "operator") != 0, n;

	if (d->ro.url == NULL)
		return 0;
	if (!rotate)
		return dev_connect(d, other ? admin_only : pairing_only, 1);
	n = grant_scopes(scopes != NULL ? scopes : token_scopes(dev, role),
	    other, sc);
	return dev_connect(d, sc, n);
}

static int
dev_token(struct dctx *d, int rotate, const char *id, const char *role,
    char **scopes, int nscopes)
{
	json_t	*params, *a = NULL, *p, *dev;
	char	 did[256], err[1024], sc[CELL];
	int	 i;

	if (dev_connect(d, pairing_only, 1) == -1 ||
	    (dev = paired_dev(d, id)) == NULL)
		return EXIT_FAIL;
	cg_strlcpy(did, js(dev, "deviceId"), sizeof(did));
	if (rotate && nscopes > 0) {
		a = json_array();
		for (i = 0; i < nscopes; i++)
			json_array_append_new(a, json_string(scopes[i]));
	}
	if (token_connect(d, rotate, dev, role, a) == -1) {
		json_decref(a);
		json_decref(dev);
		return EXIT_FAIL;
	}
	json_decref(dev);
	params = json_pack("{s:s, s:s}", "deviceId", did, "role", role);
	if (a != NULL)
		json_object_set_new(params, "scopes", a);
	if ((p = rpc(d, rotate ? "device.token.rotate" : "device.token.revoke",
	    params, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	/* A token in the answer is never printed: it is the device's. */
	json_object_del(p, "token");
	if (d->c->json)
		out_json(p);
	else if (rotate) {
		join(json_object_get(p, "scopes"), sc, sizeof(sc));
		printf("Rotated the %s token of %s (scopes: %s); its sessions "
		    "with that role were closed and it gets the new token when "
		    "it reconnects.\n", role, did, sc);
	} else
		printf("Revoked the %s token of %s; its sessions with that role "
		    "were closed.\n", role, did);
	json_decref(p);
	return EXIT_OK;
}

static int
dev_run(struct dctx *d, const char *sub, int nargs, char **argv,
    const char *device, const char *role, char **scopes, int nscopes)
{
	if (strcmp(sub, "list") == 0 && nargs == 0)
		return dev_list(d);
	if ((strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) &&
	    nargs <= 1)
		return dev_decide(d, sub, nargs ? argv[0] : NULL);
	if (strcmp(sub, "remove") == 0 && nargs == 1)
		return dev_remove(d, argv[0]);
	if ((strcmp(sub, "rotate") == 0 || strcmp(sub, "revoke") == 0) &&
	    nargs == 0) {
		if (device == NULL || role == NULL)
			return cli_usage(help_devices, "%s needs --device ID "
			    "and --role ROLE", sub);
		if (sub[2] == 'v' && nscopes > 0)
			return cli_usage(help_devices, "revoke takes no "
			    "--scope");
		return dev_token(d, sub[2] == 't', device, role, scopes,
		    nscopes);
	}
	return cli_usage(help_devices, "bad use of devices %s", sub);
}

int
cmd_devices(struct cli *c, int argc, char *argv[])
{
	enum { O_DEVICE = OPT_FIRST_LOCAL, O_ROLE, O_SCOPE };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		REMOTE_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "role", required_argument, NULL, O_ROLE },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ NULL, 0, NULL, 0 }
	};
	struct dctx	 d;
	const char	*sub, *device = NULL, *role = NULL;
	char		*scopes[MAX_SCOPES];
	int		 ch, r, nscopes = 0, nargs;

	if (argc < 2)
		return cli_usage(help_devices, "devices needs a subcommand");
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(help_devices, stdout);
		return EXIT_OK;
	}
	memset(&d, 0, sizeof(d));
	d.c = c;
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return cli_usage(help_devices, "bad option value");
		if ((r = remote_opt(&d.ro, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return EXIT_USAGE;
		switch (ch) {
		case OPT_JSON: c->json = 1; break;
		case O_DEVICE: device = optarg; break;
		case O_ROLE: role = optarg; break;
		case O_SCOPE:
			if (nscopes == MAX_SCOPES)
				return cli_usage(help_devices, "at most %d "
				    "--scope", MAX_SCOPES);
			scopes[nscopes++] = optarg;
			break;
		case 'h':
			fputs(help_devices, stdout);
			return EXIT_OK;
		default:
			return cli_usage(help_devices, NULL);
		}
	}
	if (remote_check(&d.ro) == -1)
		return EXIT_USAGE;
	nargs = argc - optind;
	argv += optind;
	r = dev_run(&d, sub, nargs, argv, device, role, scopes, nscopes);
	remote_close(d.conn);
	return r;
}
