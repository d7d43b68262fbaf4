/*
 * devices.c: `clawgate devices ...', device pairing through the control
 * socket.  The daemon runs the RPCs (device.pair.*, device.token.*) in
 * authd with the local operator's full authority; the output mirrors
 * openclaw's (operations.md §2.3) so that guides still read right.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "util.h"

#define MAX_SCOPES	16

static const char help_devices[] =
"usage: clawgate devices list [--json]\n"
"       clawgate devices approve [requestId | unique prefix] [--json]\n"
"       clawgate devices reject requestId [--json]\n"
"       clawgate devices remove deviceId [--json]\n"
"       clawgate devices rotate --device ID --role ROLE [--scope S ...]\n"
"       clawgate devices revoke --device ID --role ROLE\n"
"\n"
"Through the local control socket: no token needed, full authority.\n"
"approve without an id only shows the newest pending request (exit 1).\n"
"Ids may be shortened to any unique prefix.\n";

static const char *
js(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* One RPC; the payload, or NULL with the message in `err'. */
static json_t *
rpc(struct cli *c, const char *method, json_t *params, char *err,
    size_t errlen)
{
	struct ctl_error	 e;
	json_t			*req, *ans, *p;

	req = json_pack("{s:s, s:s, s:o}", "cmd", "rpc", "method", method,
	    "params", params != NULL ? params : json_object());
	ans = ctl_call(c, req, &e);
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

	if ((cells = calloc((n + 1) * 5, CELL)) == NULL ||
	    (cp = calloc((n + 1) * 5, sizeof(*cp))) == NULL) {
		free(cells);
		return;
	}
	snprintf(cells[0], CELL, "Request");
	snprintf(cells[1], CELL, "Device");
	snprintf(cells[2], CELL, "Requested");
	snprintf(cells[3], CELL, "Age");
	snprintf(cells[4], CELL, "Status");
	json_array_foreach(pend, i, r) {
		char (*row)[CELL] = cells + (i + 1) * 5;

		snprintf(row[0], CELL, "%s", js(r, "requestId"));
		snprintf(row[1], CELL, "%.64s%s%s", js(r, "displayName")[0] ?
		    js(r, "displayName") : js(r, "deviceId"),
		    js(r, "remoteIp")[0] ? " \u00b7 " : "", js(r, "remoteIp"));
		join(json_object_get(r, "roles"), ro, sizeof(ro));
		join(json_object_get(r, "scopes"), sc, sizeof(sc));
		snprintf(row[2], CELL, "roles: %.60s; scopes: %.160s", ro, sc);
		age(row[3], CELL, json_integer_value(json_object_get(r, "ts")));
		pd = paired_by_id(list, js(r, "deviceId"));
		snprintf(row[4], CELL, "%s%s", pd == NULL ? "new pairing" :
		    json_is_true(json_object_get(r, "isRepair")) &&
		    strcmp(js(r, "publicKey"), js(pd, "publicKey")) != 0 ?
		    "re-approval" : "upgrade", json_is_true(json_object_get(r,
		    "isRepair")) ? " (repair)" : "");
	}
	for (k = 0; k < (int)(n + 1) * 5; k++)
		cp[k] = cells[k];
	printf("Pending (%zu)\n", n);
	out_table(stdout, cp, (int)n + 1, 5);
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

	if ((cells = calloc((n + 1) * 6, CELL)) == NULL ||
	    (cp = calloc((n + 1) * 6, sizeof(*cp))) == NULL) {
		free(cells);
		return;
	}
	snprintf(cells[0], CELL, "Device");
	snprintf(cells[1], CELL, "Device ID");
	snprintf(cells[2], CELL, "Roles");
	snprintf(cells[3], CELL, "Scopes");
	snprintf(cells[4], CELL, "Tokens");
	snprintf(cells[5], CELL, "IP");
	json_array_foreach(pd, i, d) {
		char (*row)[CELL] = cells + (i + 1) * 6;

		name = js(d, "operatorLabel")[0] ? js(d, "operatorLabel") :
		    js(d, "displayName")[0] ? js(d, "displayName") :
		    js(d, "clientId")[0] ? js(d, "clientId") :
		    js(d, "deviceId");
		snprintf(row[0], CELL, "%.64s", name);
		snprintf(row[1], CELL, "%s", js(d, "deviceId"));
		join(json_object_get(d, "roles"), ro, sizeof(ro));
		join(json_object_get(d, "scopes"), sc, sizeof(sc));
		snprintf(row[2], CELL, "%s", ro);
		snprintf(row[3], CELL, "%s", sc);
		o = 0;
		json_array_foreach(json_object_get(d, "tokens"), j, t)
			if (o < CELL)
				o += (size_t)snprintf(row[4] + o, CELL - o,
				    "%s%s%s", j ? ", " : "", js(t, "role"),
				    json_object_get(t, "revokedAtMs") ?
				    " (revoked)" : "");
		if (o == 0)
			snprintf(row[4], CELL, "-");
		snprintf(row[5], CELL, "%s", js(d, "remoteIp")[0] ?
		    js(d, "remoteIp") : "-");
	}
	for (k = 0; k < (int)(n + 1) * 6; k++)
		cp[k] = cells[k];
	printf("Paired (%zu)\n", n);
	out_table(stdout, cp, (int)n + 1, 6);
	free(cp);
	free(cells);
}

static int
dev_list(struct cli *c)
{
	json_t	*l;
	char	 err[1024];

	if ((l = rpc(c, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (c->json)
		out_json(l);
	else if (json_array_size(json_object_get(l, "pending")) == 0 &&
	    json_array_size(json_object_get(l, "paired")) == 0)
		printf("No device pairing entries.\n");
	else {
		print_pending(l);
		printf("\n");
		print_paired(l);
	}
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
	printf("Selected pending device request %s\n  Device: %s  Requested: "
	    "roles: %s; scopes: %s\n  IP: %s   Note: %s\nApprove this exact "
	    "request with: clawgate devices approve %s\n", js(r, "requestId"),
	    js(r, "deviceId"), ro, sc, js(r, "remoteIp")[0] ?
	    js(r, "remoteIp") : "local", paired_by_id(list, js(r,
	    "deviceId")) ? "Upgrade of a paired device." : "First-time device "
	    "pairing request.", js(r, "requestId"));
	return EXIT_FAIL;
}

/* approve / reject: resolve the request id, call, print. */
static int
dev_decide(struct cli *c, const char *verb, const char *id)
{
	json_t		*l, *r, *p;
	char		 err[1024], rid[256], method[64];
	int		 approve = strcmp(verb, "approve") == 0;

	if ((l = rpc(c, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (id == NULL) {
		int rc = approve ? preview(l) :
		    cli_usage(help_devices, "reject needs a request id");

		json_decref(l);
		return rc;
	}
	r = resolve(json_object_get(l, "pending"), "requestId", id,
	    "pending device request", err, sizeof(err));
	if (r == NULL) {
		cli_warnx("%s", err);
		json_decref(l);
		return EXIT_FAIL;
	}
	cg_strlcpy(rid, js(r, "requestId"), sizeof(rid));
	json_decref(l);
	snprintf(method, sizeof(method), "device.pair.%s", verb);
	if ((p = rpc(c, method, json_pack("{s:s}", "requestId", rid), err,
	    sizeof(err))) == NULL) {
		if (strstr(err, "unknown requestId") != NULL)
			cli_warnx("No pending device request matches %s. Run "
			    "`clawgate devices list` and retry with the current "
			    "request ID (requests expire after 5 minutes and "
			    "are replaced when the device retries with other "
			    "roles or scopes).", id);
		else
			cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (c->json)
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

/* A paired device id from a unique prefix. */
static int
paired_id(struct cli *c, const char *id, char *out, size_t len)
{
	json_t	*l, *d;
	char	 err[1024];

	if ((l = rpc(c, "device.pair.list", NULL, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return -1;
	}
	d = resolve(json_object_get(l, "paired"), "deviceId", id,
	    "paired device", err, sizeof(err));
	if (d == NULL) {
		cli_warnx("%s", err);
		json_decref(l);
		return -1;
	}
	cg_strlcpy(out, js(d, "deviceId"), len);
	json_decref(l);
	return 0;
}

static int
dev_remove(struct cli *c, const char *id)
{
	json_t	*p;
	char	 dev[256], err[1024];

	if (paired_id(c, id, dev, sizeof(dev)) == -1)
		return EXIT_FAIL;
	if ((p = rpc(c, "device.pair.remove", json_pack("{s:s}", "deviceId",
	    dev), err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (c->json)
		out_json(p);
	else
		printf("Removed %s\n", js(p, "deviceId")[0] ? js(p, "deviceId") :
		    dev);
	json_decref(p);
	return EXIT_OK;
}

static int
dev_token(struct cli *c, int rotate, const char *id, const char *role,
    char **scopes, int nscopes)
{
	json_t	*params, *a, *p;
	char	 dev[256], err[1024], sc[CELL];
	int	 i;

	if (paired_id(c, id, dev, sizeof(dev)) == -1)
		return EXIT_FAIL;
	params = json_pack("{s:s, s:s}", "deviceId", dev, "role", role);
	if (rotate && nscopes > 0) {
		a = json_array();
		for (i = 0; i < nscopes; i++)
			json_array_append_new(a, json_string(scopes[i]));
		json_object_set_new(params, "scopes", a);
	}
	if ((p = rpc(c, rotate ? "device.token.rotate" : "device.token.revoke",
	    params, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	/* A token in the answer is never printed: it is the device's. */
	json_object_del(p, "token");
	if (c->json)
		out_json(p);
	else if (rotate) {
		join(json_object_get(p, "scopes"), sc, sizeof(sc));
		printf("Rotated the %s token of %s (scopes: %s); its sessions "
		    "with that role were closed and it gets the new token when "
		    "it reconnects.\n", role, dev, sc);
	} else
		printf("Revoked the %s token of %s; its sessions with that role "
		    "were closed.\n", role, dev);
	json_decref(p);
	return EXIT_OK;
}

int
cmd_devices(struct cli *c, int argc, char *argv[])
{
	enum { O_DEVICE = OPT_FIRST_LOCAL, O_ROLE, O_SCOPE };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "role", required_argument, NULL, O_ROLE },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ NULL, 0, NULL, 0 }
	};
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
	argc--;
	argv++;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
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
	nargs = argc - optind;
	argv += optind;
	if (strcmp(sub, "list") == 0 && nargs == 0)
		return dev_list(c);
	if ((strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) &&
	    nargs <= 1)
		return dev_decide(c, sub, nargs ? argv[0] : NULL);
	if (strcmp(sub, "remove") == 0 && nargs == 1)
		return dev_remove(c, argv[0]);
	if ((strcmp(sub, "rotate") == 0 || strcmp(sub, "revoke") == 0) &&
	    nargs == 0) {
		if (device == NULL || role == NULL)
			return cli_usage(help_devices, "%s needs --device ID "
			    "and --role ROLE", sub);
		if (sub[2] == 'v' && nscopes > 0)
			return cli_usage(help_devices, "revoke takes no "
			    "--scope");
		return dev_token(c, sub[2] == 't', device, role, scopes,
		    nscopes);
	}
	return cli_usage(help_devices, "bad use of devices %s", sub);
}
