/*
 * check_store.c: the pairing store on disk (src/authd/store.c): round
 * trips, atomic replacement, and refusal of damaged documents.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>

#include "authd.h"
#include "authd_fixture.h"
#include "authproto.h"
#include "check_main.h"
#include "config.h"
#include "scopes.h"
#include "store.h"

static char	dir[64];

/* A signed connect with the shared token, or with `devtok' if set. */
static void
req_for(struct auth_req *r, struct tdev *d, int local, uint64_t now,
    const char *devtok)
{
	req_base(r, local);
	if (!local) {
		r->flags |= AUTH_F_HAS_ORIGIN;
		r->origin = S("HTTPS://UI.clawgate.test:443");
		r->peer = S("10.1.2.3");
	}
	r->name = S("box \"one\"");
	r->scopes[1] = S("operator.pairing");
	if (devtok != NULL)
		r->device_token = S(devtok);
	else
		r->token = S(TOKEN);
	r->dev_signed_at = now;
	tdev_sign(d, r, 1);
}

static struct authd *
new_authd(void)
{
	return test_authd(AUTHMODE_TOKEN, TOKEN, NULL, NULL);
}

static void
setup(void)
{
	A = new_authd();
	test_dir_make(dir, sizeof(dir), "check_store");
}

static void
teardown(void)
{
	test_authd_free();
	test_dir_remove(dir);
}

static char *
file_path(const char *name)
{
	static char	p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *name, const char *text)
{
	FILE	*f = fopen(file_path(name), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static char *
read_file(const char *name)
{
	FILE	*f = fopen(file_path(name), "r");
	char	*buf;
	long	 n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Pair `d' silently (local), leaving its device token in `tok'. */
static void
pair(struct authd *a, struct tdev *d, char tok[DEVICE_TOKEN_LEN + 1])
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_for(&r, d, 1, NOW, NULL);
	authd_decide(a, &r, NOW, &v);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	memcpy(tok, v.device_token, DEVICE_TOKEN_LEN + 1);
}

/* A remote device's pending request; its id in `rid'. */
static void
request(struct authd *a, struct tdev *d, uint64_t now,
    char rid[REQUEST_ID_LEN + 1])
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_for(&r, d, 0, now, NULL);
	authd_decide(a, &r, now, &v);
	ck_assert_uint_eq(v.reason, AUTH_R_PAIRING_REQUIRED);
	memcpy(rid, v.request_id, REQUEST_ID_LEN + 1);
}

static struct store *
open_store(void)
{
	struct store	*st;
	char		 err[512];

	st = store_open(dir, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	return st;
}

/* Load the store into a fresh authd; -1/0/1 as store_load, err kept. */
static int
load_into(struct authd **out, char *err, size_t errlen)
{
	struct store	*st = open_store();
	int		 rc;

	*out = new_authd();
	rc = store_load(st, *out, err, errlen);
	store_close(st);
	return rc;
}

static int
verify(struct authd *a, struct tdev *d, const char *tok)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_for(&r, d, 1, NOW, tok);
	authd_decide(a, &r, NOW, &v);
	return v.result == VERDICT_OK && v.method == AUTH_M_DEVICE_TOKEN;
}

START_TEST(round_trip)
{
	struct store		*st;
	struct authd		*b;
	struct tdev		 d1, d2, d3;
	struct pair_result	 res;
	char			 tok1[DEVICE_TOKEN_LEN + 1];
	char			 tok2[DEVICE_TOKEN_LEN + 1];
	char			 rid[REQUEST_ID_LEN + 1], err[512];
	json_t			*ja, *jb;
	char			*text;
	struct stat		 sb;

	tdev_init(&d1, 1);
	tdev_init(&d2, 2);
	tdev_init(&d3, 3);
	pair(A, &d1, tok1);
	pair(A, &d2, tok2);
	ck_assert_int_eq(pairing_revoke(authd_pairing(A), d2.id,
	    PAIR_ROLE_OPERATOR, PAIR_CALLER_ANY, NOW + 5, &res), PAIR_OK);
	request(A, &d3, NOW + 10, rid);
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	store_close(st);

	ck_assert_int_eq(stat(file_path(STORE_FILE), &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(access(file_path(STORE_TMP), F_OK), -1);
	/* No bearer token in the file, only salts. */
	text = read_file(STORE_FILE);
	ck_assert_ptr_null(strstr(text, tok1));
	ck_assert_ptr_null(strstr(text, tok2));
	ck_assert_ptr_nonnull(strstr(text, "\"version\":1"));
	free(text);

	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_count(authd_pairing(b)), 2);
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(b), NOW + 10),
	    1);
	ck_assert_str_eq(pairing_pending_get(authd_pairing(b), rid,
	    NOW + 10)->browser_origin, "https://ui.clawgate.test");
	ja = store_encode(A);
	jb = store_encode(b);
	ck_assert_int_eq(json_equal(ja, jb), 1);
	json_decref(ja);
	json_decref(jb);
	/* The token key came back: the same strings verify. */
	ck_assert_int_eq(verify(b, &d1, tok1), 1);
	ck_assert_int_eq(verify(b, &d2, tok2), 0);	/* revoked */
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d2.id)->
	    tokens[PAIR_ROLE_OPERATOR].revoked_at_ms, NOW + 5);
	/* The approved request comes back approvable. */
	ck_assert_int_eq(pairing_approve(authd_pairing(b), rid,
	    PAIR_CALLER_ANY, NOW + 20, &res), PAIR_OK);
	ck_assert_str_eq(res.device_id, d3.id);
	ck_assert_str_eq(pairing_get(authd_pairing(b), d3.id)->browser_origin,
	    "https://ui.clawgate.test");
	authd_free(b);
}
END_TEST

START_TEST(missing_file_is_empty)
{
	struct store	*st;
	char		 err[512] = "";
	struct authd	*b;
	json_t		*doc;
	uint8_t		 key[32];

	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 1);
	ck_assert_uint_eq(pairing_count(authd_pairing(b)), 0);
	/* The caller then saves the fresh key: it is what loads next. */
	memcpy(key, authd_keys(b)->token_key, 32);
	st = open_store();
	ck_assert_int_eq(store_save(st, b, err, sizeof(err)), 0);
	store_close(st);
	authd_free(b);
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_int_eq(memcmp(authd_keys(b)->token_key, key, 32), 0);
	doc = store_encode(b);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "devices")), 0);
	json_decref(doc);
	authd_free(b);
}
END_TEST

/* Load must fail with "<path>: <want...>". */
static void
assert_refused(const char *want)
{
	struct authd	*b;
	char		 err[1024], prefix[256];
	int		 rc;

	rc = load_into(&b, err, sizeof(err));
	authd_free(b);
	ck_assert_int_eq(rc, -1);
	snprintf(prefix, sizeof(prefix), "%s: ", file_path(STORE_FILE));
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "no path in \"%s\"", err);
	ck_assert_msg(strstr(err, want) != NULL, "\"%s\" not in \"%s\"",
	    want, err);
}

/* The saved document of one paired device, as text to tamper with. */
static char *
saved_doc(void)
{
	struct store	*st;
	struct tdev	 d;
	char		 tok[DEVICE_TOKEN_LEN + 1], err[512];

	tdev_init(&d, 9);
	pair(A, &d, tok);
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	store_close(st);
	return read_file(STORE_FILE);
}

/* Replace the first `from' in the saved document with `to', write it. */
static void
tamper(const char *from, const char *to)
{
	char	*doc = saved_doc(), *p, *out;

	p = strstr(doc, from);
	ck_assert_msg(p != NULL, "\"%s\" not in the document", from);
	out = calloc(1, strlen(doc) + strlen(to) + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, doc, (size_t)(p - doc));
	strcat(out, to);
	strcat(out, p + strlen(from));
	write_file(STORE_FILE, out);
	free(out);
	free(doc);
}

START_TEST(corrupt_json_refused)
{
	write_file(STORE_FILE, "{\"version\":1,\"tokenKey\":");
	assert_refused("not valid JSON: line 1");
	write_file(STORE_FILE, "");
	assert_refused("not valid JSON");
	write_file(STORE_FILE, "[]");
	assert_refused("document: not a JSON object");
	write_file(STORE_FILE, "{\"version\":1,\"version\":1}");
	assert_refused("duplicate object key");
}
END_TEST

START_TEST(version_mismatch_refused)
{
	tamper("\"version\":1", "\"version\":2");
	assert_refused("version: 2 is not supported");
	tamper("\"version\":1", "\"version\":\"1\"");
	assert_refused("version: missing or not an integer");
}
END_TEST

START_TEST(bad_fields_refused)
{
	tamper("\"tokenKey\":\"", "\"tokenKey\":\"AAAA");
	assert_refused("tokenKey: not base64 of 32 bytes");
	tamper("\"deviceId\":\"", "\"deviceId\":\"0");
	assert_refused("devices[0].deviceId: does not match publicKey");
	tamper("\"deviceId\":\"", "\"deviceId\":false,\"d\":\"");
	assert_refused("devices[0]: unexpected field \"d\"");
	tamper("\"platform\":\"linux\"", "\"platform\":\"linux\",\"x\":1");
	assert_refused("devices[0]: unexpected field \"x\"");
	tamper("\"approvedScopes\":[", "\"approvedScopes\":[\"operator.god\",");
	assert_refused("devices[0].approvedScopes: element 0 is not a known "
	    "scope");
	tamper("\"salt\":\"", "\"salt\":\"!");
	assert_refused("devices[0].tokens.operator.salt: not base64 of 16 "
	    "bytes");
	tamper("\"createdAtMs\":", "\"createdAtMs\":-");
	assert_refused("createdAtMs: not a non-negative integer");
	tamper("\"roles\":[\"operator\"]", "\"roles\":[\"admin\"]");
	assert_refused("devices[0].roles: element 0 is not a known role");
	tamper("\"tokens\":{\"operator\"", "\"tokens\":{\"root\"");
	assert_refused("devices[0].tokens: unknown role \"root\"");
	tamper("\"devices\":[", "\"devices\":7,\"x\":[");
	assert_refused("unexpected field \"x\"");
}
END_TEST

START_TEST(identity_and_duplicates_refused)
{
	struct tdev	 other;
	char		*doc, *p, *dup;
	size_t		 n;
	int		 depth;

	/* A device id that is not its key's. */
	tdev_init(&other, 10);
	doc = saved_doc();
	p = strstr(doc, "\"publicKey\":\"") + strlen("\"publicKey\":\"");
	memcpy(p, other.pub, strlen(other.pub));
	write_file(STORE_FILE, doc);
	assert_refused("devices[0].deviceId: does not match publicKey");
	free(doc);

	/* The same record twice. */
	test_dir_remove(dir);
	test_dir_make(dir, sizeof(dir), "check_store");
	doc = saved_doc();
	p = strstr(doc, "\"devices\":[{") + strlen("\"devices\":[");
	for (n = 0, depth = 0; n == 0 || depth > 0; n++)
		depth += p[n] == '{' ? 1 : p[n] == '}' ? -1 : 0;
	dup = calloc(1, strlen(doc) + n + 2);
	ck_assert_ptr_nonnull(dup);
	memcpy(dup, doc, (size_t)(p - doc) + n);
	strcat(dup, ",");
	strncat(dup, p, n);
	strcat(dup, p + n);
	write_file(STORE_FILE, dup);
	assert_refused("devices[1].deviceId: duplicate");
	free(dup);
	free(doc);
}
END_TEST

START_TEST(unreadable_refused)
{
	/* A directory where the file should be. */
	ck_assert_int_eq(mkdir(file_path(STORE_FILE), 0700), 0);
	assert_refused("cannot read");
	ck_assert_int_eq(rmdir(file_path(STORE_FILE)), 0);
	/* A symlink is not followed. */
	ck_assert_int_eq(symlink("/etc/passwd", file_path(STORE_FILE)), 0);
	assert_refused("cannot open");
}
END_TEST

/* Names in the store's directory that start with STORE_TMP. */
static int
count_tmp(void)
{
	struct dirent	*e;
	DIR		*d = opendir(dir);
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, STORE_TMP, strlen(STORE_TMP)) == 0;
	closedir(d);
	return n;
}

/* store_save() as on a full disk: files may not grow past 16 bytes. */
static int
save_limited(struct store *st, char *err, size_t errlen)
{
	struct rlimit	old, small;
	int		rc;

	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_cur = 16;
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = store_save(st, A, err, errlen);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	return rc;
}

START_TEST(atomic_replace)
{
	struct store	*st;
	struct authd	*b;
	struct tdev	 d1, d2;
	char		 tok[DEVICE_TOKEN_LEN + 1], err[512];
	char		*old, *now;

	tdev_init(&d1, 21);
	pair(A, &d1, tok);
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	old = read_file(STORE_FILE);

	/* A crash while writing the next version: the old one loads. */
	write_file(STORE_TMP, "{\"version\":1,\"tokenKey\":\"trunc");
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_count(authd_pairing(b)), 1);
	authd_free(b);
	/* ... and the stale temporary file is gone. */
	ck_assert_int_eq(access(file_path(STORE_TMP), F_OK), -1);

	/* A save that cannot write leaves the old document whole, and no
	 * temporary file; the error names the one it wrote. */
	tdev_init(&d2, 22);
	pair(A, &d2, tok);
	ck_assert_int_eq(save_limited(st, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, file_path(STORE_TMP "."),
	    strlen(file_path(STORE_TMP "."))) == 0 &&
	    strstr(err, ": cannot write: ") != NULL, "%s", err);
	now = read_file(STORE_FILE);
	ck_assert_str_eq(now, old);
	free(now);
	ck_assert_int_eq(count_tmp(), 0);
	/* Then the next save replaces it as a whole. */
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_count(authd_pairing(b)), 2);
	ck_assert_int_eq(verify(b, &d2, tok), 1);
	authd_free(b);
	store_close(st);
	free(old);
}
END_TEST

START_TEST(pending_order_and_expiry)
{
	struct store	*st;
	struct authd	*b;
	struct tdev	 d[3];
	char		 rid[3][REQUEST_ID_LEN + 1], err[512];
	int		 i;

	for (i = 0; i < 3; i++) {
		tdev_init(&d[i], (uint8_t)(30 + i));
		request(A, &d[i], NOW + (uint64_t)i * 100000, rid[i]);
	}
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	store_close(st);
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	/* The oldest expires first, in the restored table too. */
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(b),
	    NOW + PAIR_PENDING_TTL_MS + 1), 2);
	ck_assert_ptr_null(pairing_pending_get(authd_pairing(b), rid[0],
	    NOW + PAIR_PENDING_TTL_MS + 1));
	ck_assert_ptr_nonnull(pairing_pending_get(authd_pairing(b), rid[2],
	    NOW + PAIR_PENDING_TTL_MS + 1));
	authd_free(b);
}
END_TEST

/*
 * Two writers on one directory (two clawgated sharing a stateDir, issue
 * 10 item 8) must not write the same temporary file: one would truncate
 * or rename away the other's half-written document.  Every version so
 * far used pairing.json.tmp; a save now uses a name of its own.
 */
START_TEST(temp_file_is_private)
{
	struct store	*st;
	struct authd	*b;
	struct tdev	 d1;
	char		 tok[DEVICE_TOKEN_LEN + 1], err[512], *other;

	tdev_init(&d1, 31);
	pair(A, &d1, tok);
	st = open_store();
	/* The other writer is half way through its document. */
	write_file(STORE_TMP, "{\"version\":1,\"tokenKey\":\"half");
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	ck_assert_int_eq(access(file_path(STORE_TMP), F_OK), 0);
	other = read_file(STORE_TMP);
	ck_assert_str_eq(other, "{\"version\":1,\"tokenKey\":\"half");
	free(other);
	ck_assert_int_eq(count_tmp(), 1);	/* ours is gone */
	store_close(st);
	/* Opening the store (authd's start, under the stateDir lock)
	 * removes what a crash left behind. */
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_int_eq(verify(b, &d1, tok), 1);
	authd_free(b);
	ck_assert_int_eq(count_tmp(), 0);
}
END_TEST

START_TEST(open_refuses_shared_dir)
{
	char	err[512];

	ck_assert_int_eq(chmod(dir, 0750), 0);
	ck_assert_ptr_null(store_open(dir, err, sizeof(err)));
	ck_assert_msg(strstr(err, "must not be accessible to group") != NULL,
	    "%s", err);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_ptr_null(store_open("/nonexistent/x", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/x: No such file or directory");
}
END_TEST

START_TEST(many_devices)
{
	struct store		*st;
	struct authd		*b;
	struct pair_device	 rec;
	uint8_t			 pk[32];
	char			 err[512];
	uint32_t		 i;

	memset(&rec, 0, sizeof(rec));
	rec.roles = PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR);
	rec.approved_scopes = SCOPE_BIT(SCOPE_READ);
	rec.tokens[PAIR_ROLE_OPERATOR].present = 1;
	rec.tokens[PAIR_ROLE_OPERATOR].scopes = SCOPE_BIT(SCOPE_READ);
	for (i = 0; i < 5000; i++) {
		memset(pk, 0, sizeof(pk));
		memcpy(pk, &i, sizeof(i));
		memcpy(rec.public_key, pk, 32);
		device_id_from_key(pk, rec.device_id);
		rec.created_at_ms = rec.approved_at_ms = NOW + i;
		ck_assert_int_eq(pairing_restore(authd_pairing(A), &rec),
		    PAIR_OK);
	}
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	store_close(st);
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_count(authd_pairing(b)), 5000);
	authd_free(b);
}
END_TEST

/*
 * How a device was approved survives a restart: silentSecret (the
 * generation of the shared secret a silent pairing used) round trips,
 * an owner approval has none, and a record without the field (an older
 * store) counts as approved: a token rotation retires nothing of it.
 */
START_TEST(silent_secret_kept)
{
	struct store		*st;
	struct authd		*b;
	struct tdev		 d1, d3;
	struct pair_result	 res;
	char			 tok1[DEVICE_TOKEN_LEN + 1];
	char			 rid[REQUEST_ID_LEN + 1], err[512], *doc, *p, *q;
	uint64_t		 gen;

	tdev_init(&d1, 1);
	tdev_init(&d3, 3);
	pair(A, &d1, tok1);
	request(A, &d3, NOW, rid);
	ck_assert_int_eq(pairing_approve(authd_pairing(A), rid,
	    PAIR_CALLER_ANY, NOW + 1, &res), PAIR_OK);
	gen = pairing_get(authd_pairing(A), d1.id)->silent_gen;
	ck_assert_uint_eq(gen, authd_secret_generation(A));
	ck_assert_uint_ne(gen, 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(A), d3.id)->silent_gen, 0);
	st = open_store();
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	store_close(st);

	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d1.id)->silent_gen,
	    gen);
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d3.id)->silent_gen, 0);
	/* Still the same secret: nothing to retire. */
	ck_assert_uint_eq(pairing_retire(authd_pairing(b), gen, 0, NOW + 2,
	    NULL, NULL), 0);
	/* Another secret: the silent device's token only. */
	ck_assert_uint_eq(pairing_retire(authd_pairing(b), gen + 1, 0,
	    NOW + 2, NULL, NULL), 1);
	ck_assert_int_eq(verify(b, &d1, tok1), 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d3.id)->
	    tokens[PAIR_ROLE_OPERATOR].revoked_at_ms, 0);
	/* All of them: the approved device's too. */
	ck_assert_uint_eq(pairing_retire(authd_pairing(b), gen + 1, 1,
	    NOW + 3, NULL, NULL), 1);
	authd_free(b);

	/* An older store: the same document without silentSecret. */
	doc = read_file(STORE_FILE);
	p = strstr(doc, ",\"silentSecret\":\"");
	ck_assert_ptr_nonnull(p);
	q = strchr(p + strlen(",\"silentSecret\":\""), '"');
	memmove(p, q + 1, strlen(q + 1) + 1);
	ck_assert_ptr_null(strstr(doc, "silentSecret"));
	write_file(STORE_FILE, doc);
	free(doc);
	ck_assert_int_eq(load_into(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d1.id)->silent_gen, 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(b), d1.id)->approved_via,
	    PAIR_VIA_SILENT);
	ck_assert_uint_eq(pairing_retire(authd_pairing(b), gen + 1, 0,
	    NOW + 2, NULL, NULL), 0);
	ck_assert_int_eq(verify(b, &d1, tok1), 1);
	authd_free(b);

	tamper("\"silentSecret\":\"", "\"silentSecret\":\"00");
	assert_refused("silentSecret: not 16 hex digits");
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, missing_file_is_empty);
	tcase_add_test(tc, corrupt_json_refused);
	tcase_add_test(tc, version_mismatch_refused);
	tcase_add_test(tc, bad_fields_refused);
	tcase_add_test(tc, identity_and_duplicates_refused);
	tcase_add_test(tc, unreadable_refused);
	tcase_add_test(tc, atomic_replace);
	tcase_add_test(tc, temp_file_is_private);
	tcase_add_test(tc, pending_order_and_expiry);
	tcase_add_test(tc, open_refuses_shared_dir);
	tcase_add_test(tc, many_devices);
	tcase_add_test(tc, silent_secret_kept);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { store_suite,
    authd_fixture_init };
