/*
 * session.c: authd's table of authenticated connections.
 *
 * Sessions are found by handle in a chained hash table keyed with a
 * per-process SipHash key (handles are random anyway, but chains stay
 * short whatever a worker sends).  Each session also hangs off its
 * device's entry, so "is this device connected" and "close that
 * device's sessions" cost what that device has, not what the table has.
 * A channel going away walks the whole list: workers die rarely.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "session.h"

#define MIN_BUCKETS	64

struct dev_ent;

struct sess {
	struct session		 pub;
	struct sess		*hnext;
	uint64_t		 hash;
	struct dev_ent		*dev;		/* NULL without a device */
	LIST_ENTRY(sess)	 dlink;
	TAILQ_ENTRY(sess)	 all;
};

struct dev_ent {
	struct dev_ent		*hnext;
	uint64_t		 hash;
	char			 id[DEVICE_ID_LEN + 1];
	size_t			 count;
	LIST_HEAD(, sess)	 list;
};

struct sessions {
	uint8_t			 key[crypto_shorthash_KEYBYTES];
	struct sess		**sb;
	size_t			 nsb, n;
	struct dev_ent		**db;
	size_t			 ndb, nd;
	TAILQ_HEAD(, sess)	 all;
};

static uint64_t
khash(const struct sessions *ss, const char *s, size_t len)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const unsigned char *)s, len, ss->key);
	memcpy(&h, out, sizeof(h));
	return h;
}

struct sessions *
sessions_new(void)
{
	struct sessions	*ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	crypto_shorthash_keygen(ss->key);
	ss->nsb = ss->ndb = MIN_BUCKETS;
	ss->sb = calloc(ss->nsb, sizeof(*ss->sb));
	ss->db = calloc(ss->ndb, sizeof(*ss->db));
	TAILQ_INIT(&ss->all);
	if (ss->sb == NULL || ss->db == NULL) {
		sessions_free(ss);
		return NULL;
	}
	return ss;
}

static void	sess_delete(struct sessions *, struct sess *);

void
sessions_free(struct sessions *ss)
{
	struct sess	*s;

	if (ss == NULL)
		return;
	while ((s = TAILQ_FIRST(&ss->all)) != NULL)
		sess_delete(ss, s);
	free(ss->sb);
	free(ss->db);
	sodium_memzero(ss, sizeof(*ss));
	free(ss);
}

/* ---- the two tables --------------------------------------------------- */

static void
sess_grow(struct sessions *ss)
{
	struct sess	**nb, *s, *next;
	size_t		  i, n = ss->nsb * 2;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < ss->nsb; i++)
		for (s = ss->sb[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = nb[s->hash & (n - 1)];
			nb[s->hash & (n - 1)] = s;
		}
	free(ss->sb);
	ss->sb = nb;
	ss->nsb = n;
}

static void
dev_grow(struct sessions *ss)
{
	struct dev_ent	**nb, *d, *next;
	size_t		  i, n = ss->ndb * 2;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < ss->ndb; i++)
		for (d = ss->db[i]; d != NULL; d = next) {
			next = d->hnext;
			d->hnext = nb[d->hash & (n - 1)];
			nb[d->hash & (n - 1)] = d;
		}
	free(ss->db);
	ss->db = nb;
	ss->ndb = n;
}

static struct dev_ent *
dev_find(const struct sessions *ss, const char *id)
{
	struct dev_ent	*d;
	size_t		 len = strnlen(id, DEVICE_ID_LEN + 1);
	uint64_t	 h;

	if (len != DEVICE_ID_LEN)
		return NULL;
	h = khash(ss, id, len);
	for (d = ss->db[h & (ss->ndb - 1)]; d != NULL; d = d->hnext)
		if (d->hash == h && strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

static struct dev_ent *
dev_get(struct sessions *ss, const char *id)
{
	struct dev_ent	*d, **b;

	if ((d = dev_find(ss, id)) != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	memcpy(d->id, id, DEVICE_ID_LEN);
	d->hash = khash(ss, d->id, DEVICE_ID_LEN);
	LIST_INIT(&d->list);
	if (ss->nd >= ss->ndb)
		dev_grow(ss);
	b = &ss->db[d->hash & (ss->ndb - 1)];
	d->hnext = *b;
	*b = d;
	ss->nd++;
	return d;
}

static void
dev_put(struct sessions *ss, struct dev_ent *d)
{
	struct dev_ent	**pp;

	if (d->count > 0)
		return;
	for (pp = &ss->db[d->hash & (ss->ndb - 1)]; *pp != d;
	    pp = &(*pp)->hnext)
		;
	*pp = d->hnext;
	ss->nd--;
	free(d);
}

static void
sess_delete(struct sessions *ss, struct sess *s)
{
	struct sess	**pp;

	for (pp = &ss->sb[s->hash & (ss->nsb - 1)]; *pp != s;
	    pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	TAILQ_REMOVE(&ss->all, s, all);
	if (s->dev != NULL) {
		LIST_REMOVE(s, dlink);
		s->dev->count--;
		dev_put(ss, s->dev);
	}
	ss->n--;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

static struct sess *
sess_find(const struct sessions *ss, const char *id, size_t len)
{
	struct sess	*s;
	uint64_t	 h;

	if (id == NULL || len != AUTH_SESSION_LEN)
		return NULL;
	h = khash(ss, id, len);
	for (s = ss->sb[h & (ss->nsb - 1)]; s != NULL; s = s->hnext)
		if (s->hash == h &&
		    sodium_memcmp(s->pub.id, id, AUTH_SESSION_LEN) == 0)
			return s;
	return NULL;
}

/* ---- the interface ---------------------------------------------------- */

int
sessions_create(struct sessions *ss, uint64_t chan, struct auth_verdict *v,
    uint64_t secret_gen)
{
	struct sess	*s, **b;
	uint8_t		 raw[AUTH_SESSION_LEN / 2];
	int		 role;
	size_t		 idlen;

	role = pair_role_from(v->role, strnlen(v->role, sizeof(v->role)));
	idlen = strnlen(v->device_id, sizeof(v->device_id));
	if (ss->n >= SESSION_MAX || role < 0 ||
	    (idlen != 0 && idlen != DEVICE_ID_LEN))
		return -1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	do {
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(s->pub.id, sizeof(s->pub.id), raw, sizeof(raw));
	} while (sess_find(ss, s->pub.id, AUTH_SESSION_LEN) != NULL);
	if (idlen != 0) {
		if ((s->dev = dev_get(ss, v->device_id)) == NULL) {
			free(s);
			return -1;
		}
		memcpy(s->pub.device_id, v->device_id, DEVICE_ID_LEN);
		LIST_INSERT_HEAD(&s->dev->list, s, dlink);
		s->dev->count++;
	}
	s->pub.chan = chan;
	s->pub.method = v->method;
	if (v->method == AUTH_M_TOKEN || v->method == AUTH_M_PASSWORD)
		s->pub.secret_gen = secret_gen;
	s->pub.role = (uint32_t)role;
	s->pub.scopes = v->scopes;
	memcpy(s->pub.principal, v->principal, sizeof(s->pub.principal));
	s->pub.principal[sizeof(s->pub.principal) - 1] = '\0';
	s->hash = khash(ss, s->pub.id, AUTH_SESSION_LEN);
	if (ss->n >= ss->nsb)
		sess_grow(ss);
	b = &ss->sb[s->hash & (ss->nsb - 1)];
	s->hnext = *b;
	*b = s;
	TAILQ_INSERT_TAIL(&ss->all, s, all);
	ss->n++;
	memcpy(v->session, s->pub.id, AUTH_SESSION_LEN);
	return 0;
}

const struct session *
sessions_get(struct sessions *ss, uint64_t chan, const char *id, size_t len)
{
	struct sess	*s = sess_find(ss, id, len);

	return s != NULL && s->pub.chan == chan ? &s->pub : NULL;
}

int
sessions_end(struct sessions *ss, uint64_t chan, const char *id, size_t len)
{
	struct sess	*s = sess_find(ss, id, len);

	if (s == NULL || s->pub.chan != chan)
		return -1;
	sess_delete(ss, s);
	return 0;
}

size_t
sessions_end_channel(struct sessions *ss, uint64_t chan)
{
	struct sess	*s, *next;
	size_t		 n = 0;

	for (s = TAILQ_FIRST(&ss->all); s != NULL; s = next) {
		next = TAILQ_NEXT(s, all);
		if (s->pub.chan == chan) {
			sess_delete(ss, s);
			n++;
		}
	}
	return n;
}

size_t
sessions_end_device(struct sessions *ss, const char *device_id, int role)
{
	struct dev_ent	*d;
	struct sess	*s, *next;
	size_t		 n = 0;

	if (device_id == NULL || (d = dev_find(ss, device_id)) == NULL)
		return 0;
	/* `d' is freed with its last session, after which next is NULL. */
	for (s = LIST_FIRST(&d->list); s != NULL; s = next) {
		next = LIST_NEXT(s, dlink);
		if (role < 0 || s->pub.role == (uint32_t)role) {
			n++;
			sess_delete(ss, s);
		}
	}
	return n;
}

size_t
sessions_end_stale_secret(struct sessions *ss, uint64_t current,
    void (*cb)(void *, const struct session *), void *arg)
{
	struct sess	*s, *next;
	size_t		 n = 0;

	for (s = TAILQ_FIRST(&ss->all); s != NULL; s = next) {
		next = TAILQ_NEXT(s, all);
		if ((s->pub.method != AUTH_M_TOKEN &&
		    s->pub.method != AUTH_M_PASSWORD) ||
		    s->pub.secret_gen == current)
			continue;
		if (cb != NULL)
			cb(arg, &s->pub);
		sess_delete(ss, s);
		n++;
	}
	return n;
}

int
sessions_connected(const struct sessions *ss, const char *device_id)
{
	const struct dev_ent	*d;

	return device_id != NULL && (d = dev_find(ss, device_id)) != NULL &&
	    d->count > 0;
}

size_t
sessions_count(const struct sessions *ss)
{
	return ss->n;
}
