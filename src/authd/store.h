/*
 * store.h: the pairing table and the device-token key on disk.
 *
 * One JSON document, <dir>/pairing.json, replaced atomically: written to
 * a file of the save's own, pairing.json.tmp.<8 random hex digits>
 * (O_EXCL, 0600, O_NOFOLLOW), fsync'd, renamed over the old file, then
 * the directory fsync'd.  Leftovers of a crash go when the store is
 * opened.  There is no checksum: crash safety rests on rename(2) being
 * atomic and on the two fsyncs, so a reader sees the old document or the
 * new one, never a mixture; a document that does not parse or validate
 * was damaged by something else, and authd then refuses to start rather
 * than forget its devices.
 *
 * The directory is opened once, before privileges are dropped; all
 * later file access is relative to that descriptor (openat, renameat,
 * unlinkat), which is all the sandbox lets authd do with files.
 *
 * The document holds no bearer secret except the token key itself:
 * device tokens are derived from it (see pairing.c), and records keep
 * only the per-token salts.
 *
 *   {"version":1, "tokenKey":"<base64 of 32 bytes>",
 *    "devices":[{"deviceId", "publicKey", ..., "tokens":{"operator":
 *      {"salt", "scopes", "issuer"?, "createdAtMs", ...}}}],
 *    "pending":[{"requestId", "deviceId", ..., "ts", "refreshedAtMs"?}]}
 */
#ifndef CG_AUTHD_STORE_H
#define CG_AUTHD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authd.h"

#define STORE_FILE		"pairing.json"
#define STORE_TMP		"pairing.json.tmp"	/* a prefix */
#define STORE_VERSION		1
#define STORE_MAX_BYTES		((size_t)1 << 30)	/* 1 GiB */

struct store;

/*
 * Open the store directory (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC).  Call
 * before privdrop/chroot.  NULL with a message in `err' on failure.
 */
struct store	*store_open(const char *dir, char *err, size_t errlen);
void		 store_close(struct store *);
int		 store_dirfd(const struct store *);
/* "<dir>/pairing.json", for messages. */
const char	*store_path(const struct store *);

/*
 * Load the document into `a' (its table must be empty): the token key,
 * the records and the pending requests.  Removes a stale temporary file
 * first.  Returns 0 when loaded, 1 when there is no document yet (the
 * table stays empty and `a' keeps its fresh token key: save it), -1 on
 * any error with "<path>: <problem>" in `err'.
 */
int		 store_load(struct store *, struct authd *a, char *err,
		    size_t errlen);
/* Replace the document with `a''s table.  0, or -1 with `err'. */
int		 store_save(struct store *, struct authd *a, char *err,
		    size_t errlen);

/* The document itself (also for tests).  NULL on ENOMEM. */
json_t		*store_encode(struct authd *a);
/*
 * Validate and install a document into `a' (empty table).  0, or -1
 * with "<field>: <problem>" in `err'; on error the table may hold part
 * of the document (the caller clears it or exits).
 */
int		 store_decode(struct authd *a, json_t *doc, char *err,
		    size_t errlen);

/* Shared JSON helpers (rpc.c too). */
/* Scope names of `bits', sorted as JavaScript's sort() would. */
json_t		*json_scopes(uint64_t bits);
/* A pending request: stored form (1) or the public §7.3 record (0). */
json_t		*pending_json(const struct pair_pending *, int stored);
/* Role names of PAIR_ROLE_BIT() `bits', in enum order. */
json_t		*json_roles(uint32_t bits);
/* base64url (no padding) of a raw Ed25519 key, 43 chars + NUL. */
void		 pubkey_b64url(const uint8_t pk[32], char out[44]);

#endif /* CG_AUTHD_STORE_H */
