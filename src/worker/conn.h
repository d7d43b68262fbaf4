/*
 * conn.h: one client connection, from accept to close.
 */
#ifndef CG_CONN_H
#define CG_CONN_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <ev.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "addr.h"
#include "authproto.h"

enum conn_state {
	CS_HTTP = 0,	/* accepted, no WebSocket yet */
	CS_PREAUTH,	/* challenge sent, waiting for connect */
	CS_AUTHING,	/* connect sent to authd, rx paused */
	CS_OPEN,	/* hello-ok sent */
	CS_CLOSING,	/* close queued */
};

struct out_frame {
	TAILQ_ENTRY(out_frame)	 entry;
	enum lws_write_protocol	 kind;
	size_t			 len;
	unsigned char		 buf[];	/* LWS_PRE + len */
};
TAILQ_HEAD(out_queue, out_frame);

/* What the connect said about the client, kept for errors and logs. */
struct client_info {
	char		id[48];
	char		mode[16];
	char		version[64];
	char		name[96];	/* displayName, else id */
	char		platform[64];
	char		instance[64];
	char		role[16];
	int		class;		/* CLIENT_CLASS_* */
	unsigned	nscopes;
	int		has_device;
	const char	*auth_kind;	/* none|token|password|device-token */
	char		req_id[260];	/* the connect request's id */
	char		*scopes;	/* requested scopes, NUL-separated, */
	size_t		 scopes_len;	/* kept until the verdict */
};

struct backend;

struct conn {
	struct lws		*wsi;
	enum conn_state		 state;
	/* After hello-ok: who answers its frames (backend.h). */
	const struct backend	*backend;
	char			 id[37];	/* connId */
	char			 nonce[37];	/* challenge nonce */
	/* The socket peer and what we attribute to it. */
	int			 family;
	uint8_t			 addr[16];	/* v4 in the first 4 bytes */
	char			 peer[64];	/* numeric address */
	char			 peer_port[64];	/* "ip:port->ip:port" */
	int			 loopback;	/* peer is 127/8 or ::1 */
	int			 local;		/* direct-local or in localPeers */
	int			 forwarded;	/* forwarding headers present */
	char			 origin[160];
	char			 host[160];
	char			 ua[160];
	int			 has_origin;
	uint64_t		 opened_mono;
	ev_timer		 deadline;	/* request/handshake deadline, reply delay */
	int			 request_seen;	/* first request's headers complete */
	/* Receive assembly. */
	char			*rx;
	size_t			 rx_len, rx_cap;
	int			 rx_binary;
	/* Send queue. */
	struct out_queue	 outq;
	size_t			 out_bytes;
	int			 close_code;	/* 0: none queued */
	char			 close_reason[124];
	int			 kill_now;	/* close without a frame */
	/* The handshake. */
	struct client_info	 client;
	uint64_t		 auth_id;	/* pending verdict id, 0 if none */
	struct auth_verdict	 pending;	/* a denial held for delay_ms */
	/*
	 * Counted in the pre-auth zone from accept until authenticated or
	 * freed, under `preauth_key' (the address it was counted as, masked
	 * to the prefix), so the decrement hits the same buckets even after
	 * attribution or a reload changed the address or the prefix.
	 */
	int			 counted_preauth;
	struct cg_addr		 preauth_key;
	struct cg_addr		 sock_addr;	/* the socket peer itself */
	int			 trusted_proxy;	/* ... is a trusted proxy */
	/* After hello-ok. */
	uint64_t		 scopes;
	char			 role[16];
	int			 method;
	char			 principal[80];
	char			 tenant[32];
	char			 session[AUTH_SESSION_LEN + 1];
	char			 device_id[68];	/* the device, however it authenticated */
	uint64_t		 seq;
	int			 awaiting_pong;
	unsigned		 unauthorized_calls;
	TAILQ_ENTRY(conn)	 open_entry;
	TAILQ_ENTRY(conn)	 pending_entry;
};
TAILQ_HEAD(conn_list, conn);

extern struct conn_list	open_conns;

struct conn	*conn_new(int fd, const struct sockaddr_storage *peer);
void		 conn_free(struct conn *);
/* Queue a text frame (copies); closes with 1008 "slow consumer" past the cap. */
int		 conn_send_text(struct conn *, const char *, size_t);
int		 conn_send_json(struct conn *, json_t *);	/* steals */
int		 conn_send_ping(struct conn *);
/* Queue a close frame after what is already queued. */
void		 conn_close(struct conn *, int code, const char *reason);
/* Called from SERVER_WRITEABLE: write one frame; -1 means close now. */
int		 conn_writable(struct conn *);
void		 conn_log(struct conn *, const char *what, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 conn_is_trusted_proxy(const struct conn *);
/* Attribute the connection to `a' (a trusted proxy's client). */
void		 conn_set_client(struct conn *, const struct cg_addr *a);
/* The peer's address as 4/6 and 16 bytes (IPv4-mapped becomes IPv4). */
void		 conn_peer_addr(const struct sockaddr_storage *, struct cg_addr *);
int		 conn_addr_is_trusted_proxy(const struct cg_addr *);

/*
 * Per-source-address count of unauthenticated sockets, across workers.
 * A socket counts from accept (preauth_charge, preauth_attach) until it
 * authenticates or closes (preauth_drop); preauth_rekey moves it to the
 * client a trusted proxy names.
 */
void		 preauth_key_of(const struct cg_addr *, struct cg_addr *key);
unsigned	 preauth_count_key(const struct cg_addr *key);
unsigned	 preauth_total(void);
void		 preauth_charge(const struct cg_addr *key, int delta);
void		 preauth_attach(struct conn *, const struct cg_addr *key);
void		 preauth_drop(struct conn *);
int		 preauth_rekey(struct conn *);
/* One log line per key and interval for refused sockets. */
void		 preauth_log_refusal(const struct cg_addr *key, const char *why);

#endif /* CG_CONN_H */
