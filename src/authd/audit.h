/*
 * audit.h: authd's audit log, one JSON object per line for every
 * connect verdict and every pairing or token change.
 *
 * A line never holds a secret, a token or a fingerprint.  It is written
 * with one write(2) to the O_APPEND descriptor the master opened, before
 * the answer it records leaves authd; a failed write is counted, logged
 * once (and again when writes work again), and never stops a decision.
 */
#ifndef CG_AUDIT_H
#define CG_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "authproto.h"

/*
 * Where lines go: enum ipc_audit_mode; `fd' for AUDIT_FILE (taken over,
 * the previous one is closed), else -1.  `to_master' carries a line for
 * AUDIT_SYSLOG.
 */
void	audit_init(void (*to_master)(const char *, size_t));
void	audit_set(uint32_t mode, int fd);
/* A connect's verdict, before it is sent. */
void	audit_verdict(const struct auth_req *, const struct auth_verdict *);
/* A change record from rpc.c: time and tenant are added; `rec' is kept. */
void	audit_change(json_t *rec);
/* Scope bits as an array of names. */
json_t	*audit_scopes(uint64_t);

#endif /* CG_AUDIT_H */
