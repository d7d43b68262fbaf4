/*
 * worker.h: an unprivileged, sandboxed process that terminates HTTP and
 * WebSocket for the clients the kernel hands it, runs the OpenClaw
 * handshake, and asks authd for every verdict.  It never holds a
 * configured secret; a client's credentials pass through it once, on
 * their way to authd.
 */
#ifndef CG_WORKER_H
#define CG_WORKER_H

#include <ev.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "clawgate.h"
#include "ipc.h"

struct conn;

struct worker {
	struct ev_loop		*loop;
	struct lws_context	*ctx;
	struct lws_vhost	*vhost;
	struct ipc_worker_config cfg;
	int			 slot;
	int			 authd_fd;	/* -1 while authd is away */
	ev_io			 authd_io;
	ev_io			 master_io;
	ev_io			 listen_io[CG_MAX_LISTENERS];
	int			 listen_fd[CG_MAX_LISTENERS];
	int			 nlisteners;
	/* A new listener set being received (reload). */
	int			 next_fd[CG_MAX_LISTENERS];
	uint32_t		 next_have;
	uint64_t		 next_gen;
	ev_timer		 accept_pause;
	ev_timer		 tick;
	ev_timer		 ping;
	ev_timer		 stats;
	uint64_t		 next_req_id;
	uint64_t		 started_ms;	/* wall clock */
	uint64_t		 started_mono;
	char			 boot_id[37];
	struct preauth_shm	*preauth;	/* shared with every worker */
	struct ipc_worker_stats	 st;
	int			 draining;
};

extern struct worker	*W;

/* accept.c */
void	accept_init(struct worker *);
void	accept_start(struct worker *);
void	accept_stop(struct worker *);
void	accept_swap(struct worker *, const int *fds, int n);
void	accept_request_seen(struct conn *);

/* authq.c: the pending-verdict table and the authd channel */
void	authq_set_channel(struct worker *, int fd);
int	authq_ready(const struct worker *);
int	authq_send(struct worker *, uint16_t type, uint64_t id,
	    const void *buf, size_t len);
struct connect_params;
int	authq_submit(struct worker *, struct conn *,
	    const struct connect_params *);
void	authq_forget(struct conn *);

/* ws.c */
extern const struct lws_protocols worker_protocols[];
void	ws_tick_all(struct worker *);
struct auth_verdict;
/* handshake.c */
void	handshake_connect(struct worker *, struct conn *, const char *text,
	    size_t len);
void	handshake_verdict(struct conn *, const struct auth_verdict *);
void	ws_ping_all(struct worker *);

/* hello.c */
struct auth_verdict;
json_t	*hello_challenge(struct conn *);
json_t	*hello_ok(struct worker *, struct conn *, const struct auth_verdict *);
json_t	*scopes_json(uint64_t scopes);

/* methods.c */
void	methods_dispatch(struct worker *, struct conn *, json_t *frame);

/* rpc.c: requests and events that authd answers */
int	rpc_is_forwarded(const char *method);
const char *const *rpc_methods(void);
void	rpc_forward(struct worker *, struct conn *, const char *id,
	    const char *method, json_t *params);
void	rpc_conn_gone(struct conn *);
void	rpc_result(struct worker *, uint64_t id, const char *, size_t);
void	rpc_event(struct worker *, const char *, size_t);
void	rpc_fail_all(struct worker *);

/* http.c */
int	http_serve(struct lws *wsi, struct conn *c, const char *uri);
int	http_refuse_upgrade(struct lws *wsi, struct conn *c);

#endif /* CG_WORKER_H */
