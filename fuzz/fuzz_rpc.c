/*
 * fuzz_rpc.c: authd's RPC handler (rpc_call: device.pair.*,
 * device.token.*) as a compromised worker can drive it, and the
 * operator path (rpc_admin) the control socket uses.  The rpc is
 * memory-only (no store).
 *
 * Every input runs against the same fresh state: a paired device D1
 * (its pairing restored from a snapshot), a pending request from a
 * remote device D2, and three sessions on worker channel 1: an admin
 * operator (shared token, operator.admin), a read/write operator
 * without operator.pairing, and D1 connected with its device token.
 *
 * Input: byte 0 bits 0-1 pick the caller (0 admin, 1 read/write, 2 D1,
 * 3 rpc_admin); bit 2 sends the call on channel 2, which holds no
 * session.  The rest is the request text, in which "@S" becomes the
 * caller's session id, "@R" the pending request id, "@D" D1's device id
 * and "@E" D2's (seeds use them; the fuzzer keeps them).  For rpc_admin
 * byte 1 picks the method and the rest is the params text.
 *
 * Properties: every message is at most RPC_PIECE_MAX bytes; each call
 * gets exactly one result on the asking channel, whose joined text is a
 * JSON object with a boolean "ok"; a caller without operator.pairing,
 * or a session named on the wrong channel, changes nothing durable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "authd.h"
#include "authproto.h"
#include "ipc.h"
#include "rpc.h"
#include "store.h"
#include "fuzz.h"

#define TOKEN	"fuzz-token-0123456789abcdefghijklmnop"
#define NONCE	"fuzz-nonce-0001"
#define NOW	1767225600000ULL
#define S(x)	((struct auth_str){ (x), strlen(x) })

struct dev {
	uint8_t	pk[32], sk[64];
	char	id[DEVICE_ID_LEN + 1];
	char	pub[64];
	char	sig[128];
};

static struct dev	 d1, d2;
static char		*snapshot;		/* store_encode after setup */
static char		 d1_token[DEVICE_TOKEN_LEN + 1];
static char		 request_id[REQUEST_ID_LEN + 1];
static struct auth_req	 d1_req;		/* signed device-token connect */

/* What the handler sent during one input. */
static struct {
	int	results, other_chan, pieces_open;
	char	*buf;
	size_t	 len;
} out;

static const char *const admin_methods[] = {
	"device.pair.list", "device.pair.approve", "device.pair.reject",
	"device.pair.remove", "device.token.rotate", "device.token.revoke",
	"device.pair.bogus",
};

static void
dev_init(struct dev *d, uint8_t seedbyte)
{
	uint8_t	seed[32];

	memset(d, 0, sizeof(*d));
	memset(seed, seedbyte, sizeof(seed));
	crypto_sign_seed_keypair(d->pk, d->sk, seed);
	device_id_from_key(d->pk, d->id);
	sodium_bin2base64(d->pub, sizeof(d->pub), d->pk, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void
dev_sign(struct dev *d, struct auth_req *r)
{
	uint8_t	 sig[64];
	char	*pl;
	size_t	 len;

	r->flags |= AUTH_F_HAS_DEVICE;
	r->dev_id = S(d->id);
	r->dev_pubkey = S(d->pub);
	r->dev_signed_at = NOW;
	r->dev_nonce = S(NONCE);
	if ((pl = device_payload(r, r->role.p != NULL &&
	    r->role.len == 4 ? "node" : "operator", 1, &len)) == NULL)
		abort();
	crypto_sign_detached(sig, NULL, (unsigned char *)pl, len, d->sk);
	free(pl);
	sodium_bin2base64(d->sig, sizeof(d->sig), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r->dev_sig = S(d->sig);
}

static void
req_base(struct auth_req *r, int local, const char *const *scopes)
{
	memset(r, 0, sizeof(*r));
	r->flags = local ? (AUTH_F_LOCAL | AUTH_F_LOOPBACK) : 0;
	r->peer = S(local ? "127.0.0.1" : "192.0.2.7");
	r->client_id = S("cli");
	r->client_mode = S("cli");
	r->platform = S("linux");
	r->role = S("operator");
	for (r->nscopes = 0; scopes[r->nscopes] != NULL; r->nscopes++)
		r->scopes[r->nscopes] = S(scopes[r->nscopes]);
	r->challenge_nonce = S(NONCE);
}

static void
capture(void *arg, uint64_t chan, uint16_t type, uint64_t id,
    const void *p, size_t len)
{
	const char	*t = p;

	FUZZ_ASSERT(len <= RPC_PIECE_MAX);
	FUZZ_ASSERT(len > 0);
	if (type != IPC_A2W_RPC_RESULT)
		return;		/* events: broadcast, any channel */
	if (chan != *(uint64_t *)arg) {
		out.other_chan++;
		return;
	}
	/* '{' whole, '+' a piece (more follow), '$' the last piece. */
	if (t[0] == '{') {
		FUZZ_ASSERT(!out.pieces_open);
		out.results++;
	} else {
		FUZZ_ASSERT(t[0] == '+' || t[0] == '$');
		out.pieces_open = t[0] == '+';
		if (t[0] == '$')
			out.results++;
		t++;
		len--;
	}
	if ((out.buf = realloc(out.buf, out.len + len + 1)) == NULL)
		abort();
	memcpy(out.buf + out.len, t, len);
	out.len += len;
	out.buf[out.len] = '\0';
}

static uint64_t		 cur_chan;
static struct authd	*A;		/* the harness's authd and rpc */
static struct rpc	*R;
static json_t		*snapdoc;

static struct rpc *
new_rpc(struct authd **ap)
{
	struct authd	*a;
	struct rpc	*rpc;

	if ((a = authd_new()) == NULL ||
	    authd_set_secrets(a, 0, TOKEN, strlen(TOKEN), NULL, 0) != 0)
		abort();
	authd_set_policy(a, NULL);
	if ((rpc = rpc_new(a, NULL, capture, &cur_chan)) == NULL)
		abort();
	*ap = a;
	return rpc;
}

/*
 * Back to the same state for every input: the snapshot's table, no
 * sessions but the three of channel 1.  (A fresh authd per input is
 * ten times slower: sodium_malloc and the tables' callocs are mmaps.)
 */
static void
reset(char sid[3][AUTH_SESSION_LEN + 1])
{
	static const char *const admin[] = { "operator.admin", NULL };
	static const char *const rw[] = { "operator.read", "operator.write",
	    NULL };
	struct auth_verdict	 v;
	struct auth_req		 r;
	char			 err[256];

	rpc_channel_gone(R, 1);
	rpc_channel_gone(R, 2);
	pairing_clear(authd_pairing(A));
	if (store_decode(A, snapdoc, err, sizeof(err)) != 0)
		abort();
	req_base(&r, 1, admin);
	r.token = S(TOKEN);
	rpc_connect(R, 1, &r, NOW, &v);
	FUZZ_ASSERT(v.result == VERDICT_OK);
	memcpy(sid[0], v.session, AUTH_SESSION_LEN);
	req_base(&r, 1, rw);
	r.token = S(TOKEN);
	rpc_connect(R, 1, &r, NOW, &v);
	FUZZ_ASSERT(v.result == VERDICT_OK);
	memcpy(sid[1], v.session, AUTH_SESSION_LEN);
	rpc_connect(R, 1, &d1_req, NOW, &v);
	FUZZ_ASSERT(v.result == VERDICT_OK &&
	    v.method == AUTH_M_DEVICE_TOKEN);
	memcpy(sid[2], v.session, AUTH_SESSION_LEN);
	sid[0][AUTH_SESSION_LEN] = sid[1][AUTH_SESSION_LEN] =
	    sid[2][AUTH_SESSION_LEN] = '\0';
}

/* Build the snapshot: D1 paired locally, D2 pending from remote. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const rw[] = { "operator.read", "operator.write",
	    NULL };
	static const char *const adm[] = { "operator.admin", NULL };
	struct auth_verdict	 v;
	struct auth_req		 r;
	struct authd		*a;
	struct rpc		*rpc;
	json_t			*doc;

	fuzz_quiet_logs();
	if (sodium_init() < 0)
		abort();
	dev_init(&d1, 1);
	dev_init(&d2, 2);
	rpc = new_rpc(&a);
	req_base(&r, 1, rw);
	r.token = S(TOKEN);
	dev_sign(&d1, &r);
	rpc_connect(rpc, 1, &r, NOW, &v);
	if (v.result != VERDICT_OK || strlen(v.device_token) !=
	    DEVICE_TOKEN_LEN)
		abort();
	memcpy(d1_token, v.device_token, sizeof(d1_token));
	req_base(&r, 0, adm);
	r.token = S(TOKEN);
	dev_sign(&d2, &r);
	rpc_connect(rpc, 9, &r, NOW, &v);
	if (v.reason != AUTH_R_PAIRING_REQUIRED)
		abort();
	memcpy(request_id, v.request_id, sizeof(request_id));
	if ((doc = store_encode(a)) == NULL ||
	    (snapshot = json_dumps(doc, JSON_COMPACT)) == NULL)
		abort();
	json_decref(doc);
	rpc_free(rpc);
	authd_free(a);
	if ((snapdoc = json_loads(snapshot, 0, NULL)) == NULL)
		abort();
	R = new_rpc(&A);

	/* D1 reconnecting with its device token (signature reused). */
	req_base(&d1_req, 1, rw);
	d1_req.device_token = S(d1_token);
	dev_sign(&d1, &d1_req);
	return 0;
}

/* Replace the placeholders; a malloc'd NUL-terminated text. */
static char *
expand(const uint8_t *p, size_t n, const char *sid)
{
	const char	*rep;
	char		*s;
	size_t		 i, o = 0, cap = n * 33 + 1;

	if ((s = malloc(cap)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		rep = NULL;
		if (p[i] == '@' && i + 1 < n)
			switch (p[i + 1]) {
			case 'S': rep = sid; break;
			case 'R': rep = request_id; break;
			case 'D': rep = d1.id; break;
			case 'E': rep = d2.id; break;
			}
		if (rep != NULL && strlen(rep) <= 64) {
			memcpy(s + o, rep, strlen(rep));
			o += strlen(rep);
			i++;
		} else
			s[o++] = (char)p[i];
	}
	s[o] = '\0';
	return s;
}

static void
check_result(const char *text)
{
	json_t	*j;

	j = json_loads(text, 0, NULL);
	FUZZ_ASSERT(j != NULL);
	FUZZ_ASSERT(json_is_object(j));
	FUZZ_ASSERT(json_is_boolean(json_object_get(j, "ok")));
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 sid[3][AUTH_SESSION_LEN + 1], *req, *res;
	uint64_t	 dur0, dur1, soft;
	int		 who, other;

	if (size < 2 || size > 65536)
		return 0;
	who = data[0] & 3;
	other = (data[0] & 4) != 0;
	memset(&out, 0, sizeof(out));
	reset(sid);
	memset(&out, 0, sizeof(out));
	pairing_versions(authd_pairing(A), &dur0, &soft);
	if (who == 3) {
		cur_chan = 0;
		req = expand(data + 2, size - 2, sid[0]);
		res = rpc_admin(R, admin_methods[data[1] %
		    (sizeof(admin_methods) / sizeof(admin_methods[0]))],
		    size > 2 ? req : NULL, NOW + 1000);
		FUZZ_ASSERT(res != NULL);
		FUZZ_ASSERT(out.results == 0);	/* nothing for a worker */
		check_result(res);
		free(res);
	} else {
		cur_chan = other ? 2 : 1;
		req = expand(data + 1, size - 1, sid[who]);
		rpc_call(R, cur_chan, 42, req, strlen(req), NOW + 1000);
		FUZZ_ASSERT(out.results == 1 && !out.pieces_open);
		FUZZ_ASSERT(out.other_chan == 0);
		check_result(out.buf);
		pairing_versions(authd_pairing(A), &dur1, &soft);
		if (who == 1 || other)
			FUZZ_ASSERT(dur1 == dur0);
	}
	free(req);
	free(out.buf);
	return 0;
}
