/*
 * backend.h: what a connection talks to once its handshake is done.
 *
 * The handshake (handshake.c) is the same for every connection; after
 * hello-ok, each text frame goes to the connection's backend.  Two kinds
 * are planned: local (this worker answers: backend_local.c) and relay (an
 * upstream OpenClaw gateway answers; the relay issue plugs in here).
 */
#ifndef CG_WORKER_BACKEND_H
#define CG_WORKER_BACKEND_H

#include <stddef.h>

struct conn;
struct worker;

struct backend {
	const char	*name;
	/* One whole text frame from the client, after hello-ok. */
	void		(*frame)(struct worker *, struct conn *,
			    const char *text, size_t len);
};

extern const struct backend	backend_local;

#endif /* CG_WORKER_BACKEND_H */
