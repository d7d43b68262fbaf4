/*
 * ident.c: see ident.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "devsig.h"
#include "ident.h"

#define SEED_MAGIC	"cgbench-identities-v1 "

static int
read_master(const char *path, uint8_t master[32], char *err, size_t errlen)
{
	char	 line[256], hex[65];
	FILE	*f;
	int	 fd;

	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(line, sizeof(line), f) == NULL ||
		    strncmp(line, SEED_MAGIC, strlen(SEED_MAGIC)) != 0 ||
		    sodium_hex2bin(master, 32, line + strlen(SEED_MAGIC), 64,
		    NULL, NULL, NULL) != 0) {
			fclose(f);
			snprintf(err, errlen, "%s: not an identity file", path);
			return -1;
		}
		fclose(f);
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(master, 32);
	sodium_bin2hex(hex, sizeof(hex), master, 32);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1 || dprintf(fd, "%s%s\n", SEED_MAGIC, hex) < 0 || close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ident_pool_load(const char *path, size_t n, struct ident_pool *p, char *err,
    size_t errlen)
{
	uint8_t		master[32], seed[32], pk[32], dig[32], idx[8];
	size_t		i;
	int		b;

	memset(p, 0, sizeof(*p));
	if (read_master(path, master, err, errlen) == -1)
		return -1;
	if ((p->v = calloc(n ? n : 1, sizeof(*p->v))) == NULL) {
		snprintf(err, errlen, "out of memory for %zu identities", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++)
			idx[b] = (uint8_t)((uint64_t)i >> (8 * b));
		crypto_generichash(seed, 32, idx, 8, master, 32);
		crypto_sign_seed_keypair(pk, p->v[i].sk, seed);
		crypto_hash_sha256(dig, pk, 32);
		sodium_bin2hex(p->v[i].id, sizeof(p->v[i].id), dig, 32);
		sodium_bin2base64(p->v[i].pk, sizeof(p->v[i].pk), pk, 32,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	sodium_memzero(master, sizeof(master));
	sodium_memzero(seed, sizeof(seed));
	p->n = n;
	return 0;
}

void
ident_pool_free(struct ident_pool *p)
{
	if (p->v != NULL)
		sodium_memzero(p->v, p->n * sizeof(*p->v));
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int
ident_sign_v3(const struct ident *d, const char *client_id, const char *mode,
    const char *role, const char *scopes_csv, long long signed_at,
    const char *token, const char *nonce, const char *platform,
    const char *family, char *sig, size_t siglen)
{
	/* The CSV, already joined, is the one element of the list. */
	struct devsig_str	sc = devsig_s(scopes_csv);
	struct devsig		p;

	memset(&p, 0, sizeof(p));
	p.v3 = 1;
	p.device_id = devsig_s(d->id);
	p.client_id = devsig_s(client_id);
	p.client_mode = devsig_s(mode);
	p.role = devsig_s(role);
	p.scopes = &sc;
	p.nscopes = 1;
	p.signed_at = (uint64_t)signed_at;
	p.token = devsig_s(token);
	p.nonce = devsig_s(nonce);
	p.platform = devsig_s(platform);
	p.family = devsig_s(family);
	return devsig_sign(&p, d->sk, sig, siglen);
}

static long long
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ident_write_pairing(const struct ident_pool *p, size_t n, const char *path,
    const char *scopes_json, char *err, size_t errlen)
{
	uint8_t		 key[32], salt[16];
	char		 kb[64], sb[32];
	long long	 now = wall_ms();
	size_t		 i;
	FILE		*f;
	int		 fd;

	if (n > p->n) {
		snprintf(err, errlen, "only %zu identities loaded", p->n);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(kb, sizeof(kb), key, sizeof(key),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	fprintf(f, "{\"version\":1,\"tokenKey\":\"%s\",\"devices\":[", kb);
	for (i = 0; i < n; i++) {
		randombytes_buf(salt, sizeof(salt));
		sodium_bin2base64(sb, sizeof(sb), salt, sizeof(salt),
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s\n{\"deviceId\":\"%s\",\"publicKey\":\"%s\","
		    "\"platform\":\"linux\",\"clientId\":\"cli\","
		    "\"clientMode\":\"cli\",\"role\":\"operator\","
		    "\"roles\":[\"operator\"],\"approvedScopes\":%s,"
		    "\"approvedVia\":\"silent\",\"createdAtMs\":%lld,"
		    "\"approvedAtMs\":%lld,\"tokens\":{\"operator\":"
		    "{\"salt\":\"%s\",\"scopes\":%s,\"createdAtMs\":%lld}}}",
		    i ? "," : "", p->v[i].id, p->v[i].pk, scopes_json, now, now,
		    sb, scopes_json, now);
	}
	fprintf(f, "],\"pending\":[]}\n");
	sodium_memzero(kb, sizeof(kb));
	if (fflush(f) != 0 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
