/*
 * fuzz_store.c: authd's pairing-store loader.  store_load() reads
 * <stateDir>/pairing.json, parses it with json_loadb(...,
 * JSON_REJECT_DUPLICATES) and hands the document to store_decode(); this
 * harness feeds the same parse and decode from memory (the file read is
 * a bounded read_all() loop and is not what can go wrong).  The file is
 * authd's own, but a damaged or hostile one must be refused, not crash
 * authd or install a half-valid table.
 *
 * Properties: a document that decodes re-encodes (store_encode) to one
 * that decodes again into a fresh table and encodes to the same text
 * (load -> save -> load is stable), and the counts match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "authd.h"
#include "store.h"
#include "fuzz.h"

static struct authd	*A, *B;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	if (sodium_init() < 0 || (A = authd_new()) == NULL ||
	    (B = authd_new()) == NULL)
		abort();
	json_object_seed(1);
	return 0;
}

static char *
dump(struct authd *a)
{
	json_t	*doc;
	char	*s;

	if ((doc = store_encode(a)) == NULL)
		abort();
	s = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	if (s == NULL)
		abort();
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*doc, *doc2;
	char	 err[384], *s1, *s2;
	int	 rc;

	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (doc == NULL)
		return 0;
	memset(err, 'x', sizeof(err));
	rc = store_decode(A, doc, err, sizeof(err));
	json_decref(doc);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -1);
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		pairing_clear(authd_pairing(A));
		return 0;
	}
	s1 = dump(A);
	doc2 = json_loads(s1, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_ASSERT(doc2 != NULL);
	rc = store_decode(B, doc2, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "re-decode failed: %s\n", err);
	FUZZ_ASSERT(rc == 0);
	json_decref(doc2);
	FUZZ_ASSERT(pairing_count(authd_pairing(A)) ==
	    pairing_count(authd_pairing(B)));
	s2 = dump(B);
	if (strcmp(s1, s2) != 0)
		fprintf(stderr, "first:  %s\nsecond: %s\n", s1, s2);
	FUZZ_ASSERT(strcmp(s1, s2) == 0);
	free(s1);
	free(s2);
	pairing_clear(authd_pairing(A));
	pairing_clear(authd_pairing(B));
	return 0;
}
