/*
 * audit.c: authd's audit log (audit.h).  The master opened the file;
 * authd only writes to the descriptor it was given (no open(2) in the
 * sandbox), or, for syslog, hands the line to the master.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "ipc.h"
#include "log.h"
#include "scopes.h"

static int		 audit_fd = -1;
static uint32_t		 audit_mode = AUDIT_OFF;
static uint64_t		 lost;		/* lines not written, in total */
static int		 failing;	/* the last write failed */
static void		(*send_master)(const char *, size_t);

void
audit_init(void (*to_master)(const char *, size_t))
{
	send_master = to_master;
}

void
audit_set(uint32_t mode, int fd)
{
	if (audit_fd != -1 && audit_fd != fd)
		close(audit_fd);
	audit_fd = mode == AUDIT_FILE ? fd : -1;
	if (mode != AUDIT_FILE && fd != -1)
		close(fd);
	audit_mode = mode == AUDIT_FILE && fd == -1 ? AUDIT_OFF : mode;
}

/* RFC 3339, UTC, milliseconds. */
static void
rfc3339(char *buf, size_t len)
{
	struct timespec	ts;
	struct tm	tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void
write_line(json_t *o)
{
	char	*s;
	size_t	 n;
	ssize_t	 w;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL) {
		lost++;
		return;
	}
	n = strlen(s);
	if (audit_mode == AUDIT_SYSLOG) {
		if (send_master != NULL)
			send_master(s, n);
		free(s);
		return;
	}
	s[n] = '\n';	/* json_dumps's NUL: one write of the whole line */
	do
		w = write(audit_fd, s, n + 1);
	while (w == -1 && errno == EINTR);
	if (w == (ssize_t)(n + 1)) {
		if (failing) {
			failing = 0;
			log_info("audit log: writing again; %llu lines were "
			    "lost", (unsigned long long)lost);
		}
	} else {
		lost++;
		if (!failing) {
			failing = 1;
			log_warnx("audit log: cannot write a line (%s): lines "
			    "are lost until it works again (%llu lost so far); "
			    "authentication goes on", w == -1 ?
			    strerror(errno) : "short write",
			    (unsigned long long)lost);
		}
	}
	free(s);
}

/* Put time and tenant first, then the record's fields. */
static void
emit(json_t *rec, const char *tenant)
{
	json_t	*o;
	char	 t[40];

	if (audit_mode == AUDIT_OFF)
		return;
	rfc3339(t, sizeof(t));
	if ((o = json_pack("{s:s,s:s}", "time", t, "tenant",
	    tenant != NULL && tenant[0] != '\0' ? tenant : "default")) ==
	    NULL || json_object_update(o, rec) == -1) {
		lost++;
		json_decref(o);
		return;
	}
	write_line(o);
	json_decref(o);
}

void
audit_change(json_t *rec)
{
	emit(rec, NULL);
}

/* details.code on the wire (src/worker/errors.c), by reason. */
static const char *const codes[AUTH_R_MAX] = {
	[AUTH_R_TOKEN_MISSING] = "AUTH_TOKEN_MISSING",
	[AUTH_R_TOKEN_MISMATCH] = "AUTH_TOKEN_MISMATCH",
	[AUTH_R_TOKEN_MISSING_CONFIG] = "AUTH_TOKEN_NOT_CONFIGURED",
	[AUTH_R_PASSWORD_MISSING] = "AUTH_PASSWORD_MISSING",
	[AUTH_R_PASSWORD_MISMATCH] = "AUTH_PASSWORD_MISMATCH",
	[AUTH_R_PASSWORD_MISSING_CONFIG] = "AUTH_PASSWORD_NOT_CONFIGURED",
	[AUTH_R_RATE_LIMITED] = "AUTH_RATE_LIMITED",
	[AUTH_R_DEVICE_TOKEN_MISMATCH] = "AUTH_DEVICE_TOKEN_MISMATCH",
	[AUTH_R_SCOPE_MISMATCH] = "AUTH_SCOPE_MISMATCH",
	[AUTH_R_DEVICE_IDENTITY_REQUIRED] = "DEVICE_IDENTITY_REQUIRED",
	[AUTH_R_UI_DEVICE_IDENTITY_REQUIRED] =
	    "CONTROL_UI_DEVICE_IDENTITY_REQUIRED",
	[AUTH_R_DEVICE_ID_MISMATCH] = "DEVICE_AUTH_DEVICE_ID_MISMATCH",
	[AUTH_R_DEVICE_SIG_EXPIRED] = "DEVICE_AUTH_SIGNATURE_EXPIRED",
	[AUTH_R_DEVICE_NONCE_REQUIRED] = "DEVICE_AUTH_NONCE_REQUIRED",
	[AUTH_R_DEVICE_NONCE_MISMATCH] = "DEVICE_AUTH_NONCE_MISMATCH",
	[AUTH_R_DEVICE_SIG_INVALID] = "DEVICE_AUTH_SIGNATURE_INVALID",
	[AUTH_R_DEVICE_PUBKEY_INVALID] = "DEVICE_AUTH_PUBLIC_KEY_INVALID",
	[AUTH_R_PAIRING_REQUIRED] = "PAIRING_REQUIRED",
	[AUTH_R_UNAVAILABLE] = "UNAVAILABLE",
	[AUTH_R_BOOTSTRAP_TOKEN_INVALID] = "AUTH_BOOTSTRAP_TOKEN_INVALID",
};

static const char *
reason_code(uint32_t r)
{
	return r < AUTH_R_MAX && codes[r] != NULL ? codes[r] :
	    "AUTH_UNAUTHORIZED";
}

static int
present(const struct auth_str *s)
{
	return s->p != NULL && s->len > 0;
}

/* The method used, or on a failure the credential presented. */
static const char *
method_name(const struct auth_req *req, const struct auth_verdict *v)
{
	switch (v->result == VERDICT_OK ? v->method : AUTH_M_NONE) {
	case AUTH_M_TOKEN:
		return "token";
	case AUTH_M_PASSWORD:
		return "password";
	case AUTH_M_DEVICE_TOKEN:
		return "device-token";
	}
	if (v->result == VERDICT_OK)
		return "none";
	if (present(&req->device_token))
		return "device-token";
	if (present(&req->bootstrap_token))
		return "bootstrap-token";
	if (present(&req->token))
		return "token";
	if (present(&req->password))
		return "password";
	return "none";
}

static void
set_str(json_t *o, const char *k, const struct auth_str *s)
{
	if (s->p != NULL)
		json_object_set_new(o, k, json_stringn(s->p, s->len));
}

static void
set_cstr(json_t *o, const char *k, const char *s, size_t max)
{
	size_t	n = strnlen(s, max);

	if (n > 0)
		json_object_set_new(o, k, json_stringn(s, n));
}

json_t *
audit_scopes(uint64_t bits)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < SCOPE_COUNT && a != NULL; i++)
		if (bits & SCOPE_BIT(i))
			json_array_append_new(a, json_string(scope_name(
			    (enum cg_scope)i)));
	return a;
}

void
audit_verdict(const struct auth_req *req, const struct auth_verdict *v)
{
	static const char *const outcomes[] = { "ERROR", "OK", "DENY",
	    "ERROR" };
	json_t	*o, *client;

	if (audit_mode == AUDIT_OFF)
		return;
	if ((o = json_object()) == NULL || (client = json_object()) == NULL) {
		json_decref(o);
		lost++;
		return;
	}
	json_object_set_new(o, "event", json_string("connect"));
	set_str(o, "peer", &req->peer);
	set_str(client, "id", &req->client_id);
	set_str(client, "mode", &req->client_mode);
	set_str(client, "platform", &req->platform);
	json_object_set_new(o, "client", client);
	if (v->device_id[0] != '\0')
		set_cstr(o, "deviceId", v->device_id, sizeof(v->device_id));
	else
		set_str(o, "deviceId", &req->dev_id);
	if (v->role[0] != '\0')
		set_cstr(o, "role", v->role, sizeof(v->role));
	else
		set_str(o, "role", &req->role);
	if (v->result == VERDICT_OK) {
		set_cstr(o, "principal", v->principal, sizeof(v->principal));
		json_object_set_new(o, "scopes", audit_scopes(v->scopes));
	}
	json_object_set_new(o, "method", json_string(method_name(req, v)));
	json_object_set_new(o, "outcome", json_string(
	    outcomes[v->result <= VERDICT_ERROR ? v->result : 0]));
	if (v->result != VERDICT_OK) {
		json_t *d = json_pack("{s:s}", "code", reason_code(v->reason));

		if (d != NULL && v->reason == AUTH_R_PAIRING_REQUIRED)
			set_cstr(d, "requestId", v->request_id,
			    sizeof(v->request_id));
		json_object_set_new(o, "details", d);
	}
	{
		char	tenant[sizeof(v->tenant) + 1];

		memcpy(tenant, v->tenant, sizeof(v->tenant));
		tenant[sizeof(v->tenant)] = '\0';
		emit(o, tenant);
	}
	json_decref(o);
}
