/*
 * preauth.c: see preauth.h.
 */
#include <sys/mman.h>
#include <sys/random.h>

#include <string.h>
#include <unistd.h>

#include "preauth.h"

int
preauth_shm_create(void)
{
	struct preauth_shm	*z;
	int			 fd;

	if ((fd = memfd_create("clawgate-preauth", MFD_CLOEXEC)) == -1)
		return -1;
	if (ftruncate(fd, sizeof(*z)) == -1)
		goto fail;
	z = mmap(NULL, sizeof(*z), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (z == MAP_FAILED)
		goto fail;
	if (getrandom(z->key, sizeof(z->key), 0) != sizeof(z->key)) {
		munmap(z, sizeof(*z));
		goto fail;
	}
	munmap(z, sizeof(*z));
	return fd;
fail:
	close(fd);
	return -1;
}

struct preauth_shm *
preauth_shm_map(int fd)
{
	struct preauth_shm	*z;

	z = mmap(NULL, sizeof(*z), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return z == MAP_FAILED ? NULL : z;
}

/* FNV-1a over a secret key and the address: not guessable from outside. */
static uint32_t
bucket_of(const struct preauth_shm *z, int row, int family, const uint8_t *a)
{
	uint64_t	h = 1469598103934665603ULL ^ z->key[row];
	int		i;

	for (i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ULL;
	h = (h ^ (uint64_t)family) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32)) % PREAUTH_BUCKETS;
}

void
preauth_shm_reset(struct preauth_shm *z, int s)
{
	memset(&z->slot[s], 0, sizeof(z->slot[s]));
}

unsigned
preauth_shm_count(struct preauth_shm *z, int nslots, int family,
    const uint8_t addr[16])
{
	uint32_t	a, b, i0, i1;
	unsigned	n = 0;
	int		s;

	i0 = bucket_of(z, 0, family, addr);
	i1 = bucket_of(z, 1, family, addr);
	for (s = 0; s < nslots && s < PREAUTH_SLOTS; s++) {
		a = __atomic_load_n(&z->slot[s].row[0][i0], __ATOMIC_RELAXED);
		b = __atomic_load_n(&z->slot[s].row[1][i1], __ATOMIC_RELAXED);
		n += a < b ? a : b;
	}
	return n;
}

unsigned
preauth_shm_total(struct preauth_shm *z, int nslots)
{
	unsigned	n = 0;
	int		s;

	for (s = 0; s < nslots && s < PREAUTH_SLOTS; s++)
		n += __atomic_load_n(&z->slot[s].total, __ATOMIC_RELAXED);
	return n;
}

void
preauth_shm_add(struct preauth_shm *z, int s, int family,
    const uint8_t addr[16], int delta)
{
	struct preauth_slot	*p = &z->slot[s];

	__atomic_add_fetch(&p->row[0][bucket_of(z, 0, family, addr)],
	    (uint32_t)delta, __ATOMIC_RELAXED);
	__atomic_add_fetch(&p->row[1][bucket_of(z, 1, family, addr)],
	    (uint32_t)delta, __ATOMIC_RELAXED);
	__atomic_add_fetch(&p->total, (uint32_t)delta, __ATOMIC_RELAXED);
}
