/*
 * mkseeds.c: write the binary seed corpora the text transcripts cannot
 * give directly:
 *   corpus/authreq/  IPC_W2A_AUTH_REQ payloads (TLV) built from the
 *                    connect seeds the way the worker builds them, plus
 *                    requests with fuzz_authreq's token and a validly
 *                    signed device;
 *   corpus/ipc/      one datagram per message type (byte 0: fd count);
 *   corpus/store/    pairing.json documents (empty, with a paired device
 *                    and a pending request);
 *   corpus/rpc/      RPC requests with fuzz_rpc's placeholders.
 *
 *   mkseeds CORPUS_DIR
 * (reads the files in CORPUS_DIR/connect, writes the rest; deterministic apart
 * from the random ids and keys inside the store documents).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "authd.h"
#include "authproto.h"
#include "connect_params.h"
#include "ipc.h"
#include "store.h"

/* Keep in step with fuzz_authreq.c and fuzz_rpc.c. */
#define TOKEN	"fuzz-token-0123456789abcdefghijklmnop"
#define NONCE	"fuzz-nonce-0001"
#define NOW	1767225600000ULL
#define S(x)	((struct auth_str){ (x), strlen(x) })

static const char	*dir;

static void
put(const char *sub, const char *name, const void *p, size_t len)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* An IPC datagram seed: fd count, header, payload. */
static void
put_ipc(const char *name, uint16_t type, int nfds, const void *p,
    size_t len)
{
	static uint8_t	buf[1 + IPC_MAX_MSG];
	struct ipc_hdr	h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.version = IPC_VERSION;
	h.flags = nfds == 1 ? IPC_F_HASFD : 0;
	h.len = (uint32_t)len;
	h.id = 7;
	buf[0] = (uint8_t)nfds;
	memcpy(buf + 1, &h, sizeof(h));
	memcpy(buf + 1 + sizeof(h), p, len);
	put("ipc", name, buf, 1 + sizeof(h) + len);
}

static void
put_req(const char *name, const struct auth_req *r)
{
	static struct tlv_buf	tb;

	if (auth_req_encode(r, &tb) != 0)
		return;
	put("authreq", name, tb.data, tb.len);
	put_ipc(name, IPC_W2A_AUTH_REQ, 0, tb.data, tb.len);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The worker's request for every connect seed that passes the parser. */
static void
from_connect_seeds(void)
{
	struct connect_params	 cp;
	struct auth_req		 r;
	struct dirent		*de;
	char			 path[4096], err[CP_ERR_MAX], *text;
	size_t			 len;
	DIR			*d;

	snprintf(path, sizeof(path), "%s/connect", dir);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/connect/%s", dir, de->d_name);
		if ((text = slurp(path, &len)) == NULL)
			continue;
		if (connect_parse(text, len, &cp, err, sizeof(err)) == FF_OK) {
			memset(&r, 0, sizeof(r));
			connect_params_to_auth_req(&cp, &r);
			r.flags |= AUTH_F_LOOPBACK | AUTH_F_LOCAL;
			r.peer = S("127.0.0.1");
			r.challenge_nonce = S(NONCE);
			put_req(de->d_name, &r);
		}
		connect_params_free(&cp);
		free(text);
	}
	closedir(d);
}

struct dev {
	uint8_t	pk[32], sk[64];
	char	id[DEVICE_ID_LEN + 1], pub[64], sig[128];
};

static void
dev_sign(struct dev *d, uint8_t seedbyte, struct auth_req *r)
{
	uint8_t	 seed[32], sig[64];
	char	*pl;
	size_t	 len;

	memset(seed, seedbyte, sizeof(seed));
	crypto_sign_seed_keypair(d->pk, d->sk, seed);
	device_id_from_key(d->pk, d->id);
	sodium_bin2base64(d->pub, sizeof(d->pub), d->pk, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r->flags |= AUTH_F_HAS_DEVICE;
	r->dev_id = S(d->id);
	r->dev_pubkey = S(d->pub);
	r->dev_signed_at = NOW;
	r->dev_nonce = S(NONCE);
	if ((pl = device_payload(r, "operator", 1, &len)) == NULL)
		exit(1);
	crypto_sign_detached(sig, NULL, (unsigned char *)pl, len, d->sk);
	free(pl);
	sodium_bin2base64(d->sig, sizeof(d->sig), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r->dev_sig = S(d->sig);
}

static void
req_base(struct auth_req *r, int local)
{
	memset(r, 0, sizeof(*r));
	r->flags = local ? (AUTH_F_LOCAL | AUTH_F_LOOPBACK) : 0;
	r->peer = S(local ? "127.0.0.1" : "192.0.2.7");
	r->client_id = S("cli");
	r->client_mode = S("cli");
	r->platform = S("linux");
	r->role = S("operator");
	r->scopes[0] = S("operator.read");
	r->scopes[1] = S("operator.write");
	r->nscopes = 2;
	r->challenge_nonce = S(NONCE);
}

/* Requests that reach authd's deeper paths; store documents. */
static void
authd_seeds(void)
{
	struct auth_verdict	 v;
	struct auth_req		 r;
	struct dev		 d1, d2;
	struct authd		*a;
	json_t			*doc;
	char			*s;

	if ((a = authd_new()) == NULL ||
	    authd_set_secrets(a, 0, TOKEN, strlen(TOKEN), NULL, 0) != 0)
		exit(1);
	if ((doc = store_encode(a)) == NULL ||
	    (s = json_dumps(doc, JSON_INDENT(2))) == NULL)
		exit(1);
	put("store", "empty.json", s, strlen(s));
	free(s);
	json_decref(doc);

	req_base(&r, 1);
	r.token = S(TOKEN);
	put_req("token-ok", &r);
	r.token = S("fuzz-token-0123456789abcdefghijklmnoX");
	put_req("token-near-miss", &r);
	req_base(&r, 1);
	r.token = S(TOKEN);
	dev_sign(&d1, 1, &r);
	put_req("token-signed-device", &r);
	authd_decide(a, &r, NOW, &v);
	if (v.result == VERDICT_OK) {
		req_base(&r, 1);
		r.device_token = S(v.device_token);
		dev_sign(&d1, 1, &r);
		put_req("device-token", &r);
	}
	req_base(&r, 0);
	r.token = S(TOKEN);
	r.scopes[2] = S("operator.admin");
	r.nscopes = 3;
	dev_sign(&d2, 2, &r);
	put_req("remote-signed-device", &r);
	authd_decide(a, &r, NOW, &v);

	if ((doc = store_encode(a)) == NULL ||
	    (s = json_dumps(doc, JSON_INDENT(2))) == NULL)
		exit(1);
	put("store", "paired-and-pending.json", s, strlen(s));
	free(s);
	json_decref(doc);
	authd_free(a);
}

static void
ipc_seeds(void)
{
	struct ipc_secrets	 sec;
	struct ipc_auth_policy	 pol = { 10, 60000, 300000, 1 };
	struct ipc_worker_stats	 st = { 1, 1, 2, 1, 1 };
	struct auth_verdict	 v;
	static struct ipc_worker_config wc;
	char			 buf[512];
	uint32_t		 u = 0;

	put_ipc("ready", IPC_X2M_READY, 0, &u, 4);
	put_ipc("log", IPC_X2M_LOG, 0, "\x02worker: hello", 15);
	put_ipc("stats", IPC_W2M_STATS, 0, &st, sizeof(st));
	memset(&sec, 0, sizeof(sec));
	sec.generation = 1;
	sec.token_len = strlen(TOKEN);
	memcpy(buf, &sec, sizeof(sec));
	memcpy(buf + sizeof(sec), TOKEN, strlen(TOKEN));
	put_ipc("secrets", IPC_M2A_SECRETS, 0, buf,
	    sizeof(sec) + strlen(TOKEN));
	put_ipc("worker-channel", IPC_M2A_WORKER_CHANNEL, 1, &u, 4);
	put_ipc("policy", IPC_M2A_POLICY, 0, &pol, sizeof(pol));
	put_ipc("m2a-rpc", IPC_M2A_RPC, 0,
	    "{\"method\":\"device.pair.list\",\"params\":{}}", 42);
	put_ipc("secrets-result", IPC_A2M_SECRETS_RESULT, 0, &u, 4);
	put_ipc("a2m-rpc-result", IPC_A2M_RPC_RESULT, 0,
	    "{\"ok\":true,\"payload\":{}}", 24);
	wc.generation = 1;
	wc.nlisteners = 1;
	put_ipc("worker-config", IPC_M2W_CONFIG, 1, &wc, sizeof(wc));
	put_ipc("authd-channel", IPC_M2W_AUTHD_CHANNEL, 1, &u, 4);
	put_ipc("drain", IPC_M2W_DRAIN, 0, &u, 4);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_OK;
	put_ipc("verdict", IPC_A2W_VERDICT, 0, &v, sizeof(v));
	snprintf(buf, sizeof(buf), "{\"session\":\"%032d\",\"method\":"
	    "\"device.pair.list\",\"params\":{}}", 0);
	put_ipc("w2a-rpc", IPC_W2A_RPC, 0, buf, strlen(buf));
	put_ipc("a2w-rpc-result", IPC_A2W_RPC_RESULT, 0,
	    "+{\"ok\":true,", 12);
	put_ipc("event", IPC_A2W_EVENT, 0,
	    "{\"close\":{\"deviceId\":\"x\",\"code\":4001,\"reason\":\"r\"}}",
	    50);
	put_ipc("session-end", IPC_W2A_SESSION_END, 0,
	    "00000000000000000000000000000000", AUTH_SESSION_LEN);
	put_ipc("two-fds", IPC_X2M_READY, 2, &u, 4);
}

/* Byte 0: caller (0 admin, 1 read/write, 2 device, 3 rpc_admin; +4
 * wrong channel); rpc_admin: byte 1 the method index. */
static void
rpc_seeds(void)
{
	static const struct { const char *name, *text; } calls[] = {
		{ "list", "{\"session\":\"@S\",\"method\":\"device.pair.list\","
		    "\"params\":{}}" },
		{ "approve", "{\"session\":\"@S\",\"method\":"
		    "\"device.pair.approve\",\"params\":{\"requestId\":\"@R\"}}" },
		{ "reject", "{\"session\":\"@S\",\"method\":"
		    "\"device.pair.reject\",\"params\":{\"requestId\":\"@R\"}}" },
		{ "remove", "{\"session\":\"@S\",\"method\":"
		    "\"device.pair.remove\",\"params\":{\"deviceId\":\"@D\"}}" },
		{ "rotate", "{\"session\":\"@S\",\"method\":"
		    "\"device.token.rotate\",\"params\":{\"deviceId\":\"@D\","
		    "\"role\":\"operator\",\"scopes\":[\"operator.read\"]}}" },
		{ "revoke", "{\"session\":\"@S\",\"method\":"
		    "\"device.token.revoke\",\"params\":{\"deviceId\":\"@D\","
		    "\"role\":\"operator\"}}" },
		{ "no-params", "{\"session\":\"@S\",\"method\":"
		    "\"device.pair.list\"}" },
	};
	static const char *const admin_params[] = {
		"{}", "{\"requestId\":\"@R\"}", "{\"requestId\":\"@R\"}",
		"{\"deviceId\":\"@E\"}",
		"{\"deviceId\":\"@D\",\"role\":\"operator\"}",
		"{\"deviceId\":\"@D\",\"role\":\"node\"}",
	};
	char	 buf[1024], name[64];
	size_t	 i, len;
	int	 who;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		for (who = 0; who < 8; who++) {
			if ((who & 3) == 3)
				continue;
			buf[0] = (char)who;
			len = strlen(calls[i].text);
			memcpy(buf + 1, calls[i].text, len);
			snprintf(name, sizeof(name), "%s-%d", calls[i].name, who);
			put("rpc", name, buf, len + 1);
		}
	for (i = 0; i < sizeof(admin_params) / sizeof(admin_params[0]); i++) {
		buf[0] = 3;
		buf[1] = (char)i;
		len = strlen(admin_params[i]);
		memcpy(buf + 2, admin_params[i], len);
		snprintf(name, sizeof(name), "admin-%zu", i);
		put("rpc", name, buf, len + 2);
	}
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds CORPUS_DIR\n");
		return 2;
	}
	dir = argv[1];
	if (sodium_init() < 0)
		return 1;
	from_connect_seeds();
	authd_seeds();
	ipc_seeds();
	rpc_seeds();
	return 0;
}
