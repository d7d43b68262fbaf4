/*
 * ipc.h: messages between clawgate processes.
 *
 * Every channel is an AF_UNIX SOCK_SEQPACKET socketpair created by the
 * master.  One message per datagram: a fixed header, then `len' bytes of
 * payload, at most one fd (SCM_RIGHTS).  Receivers check the type against
 * the channel's permit table and the size against the type's rule;
 * anything unexpected is fatal for that channel (OpenSSH monitor style).
 *
 * This header and authproto.h (the connect request's TLV tags and the
 * verdict) are the whole inter-process contract.  IPC_MESSAGES below is
 * the one table of every message: who sends it to whom, its size rule and
 * its fd rule.  It is also the permit table: a receiver accepts exactly
 * the rows addressed to it from that sender (ipc_check()).
 */
#ifndef CG_IPC_H
#define CG_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_VERSION	1
#define IPC_MAX_MSG	16384
#define IPC_F_HASFD	0x01

struct ipc_hdr {
	uint16_t	type;		/* enum ipc_type */
	uint8_t		version;	/* IPC_VERSION */
	uint8_t		flags;		/* IPC_F_* */
	uint32_t	len;		/* payload bytes after the header */
	uint64_t	id;		/* request id or generation, echoed */
};

enum ipc_type {
	IPC_NONE = 0,
	/* child -> master */
	IPC_X2M_READY = 1,		/* u32 generation */
	IPC_X2M_LOG,			/* u8 level, text */
	IPC_W2M_STATS,			/* struct ipc_worker_stats */
	/* master -> authd */
	IPC_M2A_SECRETS = 16,		/* struct ipc_secrets + secret bytes */
	IPC_M2A_WORKER_CHANNEL,		/* u32 slot, fd = authd end */
	IPC_M2A_POLICY,			/* struct ipc_auth_policy */
	IPC_M2A_RPC,			/* JSON {method, params[, operator]}:
					   the local operator */
	IPC_M2A_AUDIT_FD,		/* u32 enum ipc_audit_mode, fd = the
					   audit log (AUDIT_FILE only) */
	/* authd -> master */
	IPC_A2M_SECRETS_RESULT = 32,	/* u32 ok */
	IPC_A2M_RPC_RESULT,		/* JSON, pieces as IPC_A2W_RPC_RESULT */
	IPC_A2M_AUDIT,			/* one audit line for syslog(3) */
	/* master -> worker */
	IPC_M2W_CONFIG = 48,		/* struct ipc_worker_config, fd = pre-auth zone */
	IPC_M2W_AUTHD_CHANNEL,		/* fd = new authd channel */
	IPC_M2W_DRAIN,			/* u32 grace_ms */
	IPC_M2W_LISTENER,		/* struct ipc_listener, fd = the socket */
	/* worker <-> authd */
	IPC_W2A_AUTH_REQ = 64,		/* TLV, see authproto.h */
	IPC_A2W_VERDICT,		/* struct auth_verdict (fixed size) */
	/*
	 * Authenticated RPCs that touch authd's state (device.pair.*,
	 * device.token.*).  JSON text, see authproto.h "RPC".  The caller's
	 * authority is the session authd created with the verdict, never a
	 * claim of the worker's.
	 */
	IPC_W2A_RPC,			/* JSON {session, method, params} */
	IPC_A2W_RPC_RESULT,		/* JSON {ok, payload | error} */
	IPC_A2W_EVENT,			/* JSON {event, payload, scope} or {close} */
	IPC_W2A_SESSION_END,		/* char session[AUTH_SESSION_LEN] */
	IPC_TYPE_MAX
};

/* Senders and receivers, as bits for the table's "from" column. */
#define IPC_R_MASTER	0x1
#define IPC_R_AUTHD	0x2
#define IPC_R_WORKER	0x4
#define IPC_R_CHILD	(IPC_R_AUTHD | IPC_R_WORKER)

/*
 * M(type, from, to, min, max, fd): a fixed payload has min == max; fd is
 * 1 when the message must carry one, 0 when it must not, 2 when it may.
 * Sizes refer to the structs of this header and authproto.h.
 */
#define IPC_MESSAGES(M)							\
	M(X2M_READY, CHILD, MASTER, 4, 4, 0)				\
	M(X2M_LOG, CHILD, MASTER, 2, 1025, 0)				\
	M(W2M_STATS, WORKER, MASTER, sizeof(struct ipc_worker_stats),	\
	    sizeof(struct ipc_worker_stats), 0)				\
	M(M2A_SECRETS, MASTER, AUTHD, sizeof(struct ipc_secrets),	\
	    sizeof(struct ipc_secrets) + 2 * 1024, 0)			\
	M(M2A_WORKER_CHANNEL, MASTER, AUTHD, 4, 4, 1)			\
	M(M2A_POLICY, MASTER, AUTHD, sizeof(struct ipc_auth_policy),	\
	    sizeof(struct ipc_auth_policy), 0)				\
	M(M2A_RPC, MASTER, AUTHD, 2, IPC_MAX_MSG, 0)			\
	M(M2A_AUDIT_FD, MASTER, AUTHD, 4, 4, 2)				\
	M(A2M_SECRETS_RESULT, AUTHD, MASTER, 4, 4, 0)			\
	M(A2M_RPC_RESULT, AUTHD, MASTER, 1, IPC_MAX_MSG, 0)		\
	M(A2M_AUDIT, AUTHD, MASTER, 2, IPC_MAX_MSG, 0)			\
	M(M2W_CONFIG, MASTER, WORKER, sizeof(struct ipc_worker_config),	\
	    sizeof(struct ipc_worker_config), 1)			\
	M(M2W_AUTHD_CHANNEL, MASTER, WORKER, 4, 4, 1)			\
	M(M2W_DRAIN, MASTER, WORKER, 4, 4, 0)				\
	M(M2W_LISTENER, MASTER, WORKER, sizeof(struct ipc_listener),	\
	    sizeof(struct ipc_listener), 1)				\
	M(W2A_AUTH_REQ, WORKER, AUTHD, 1, IPC_MAX_MSG, 0)		\
	M(A2W_VERDICT, AUTHD, WORKER, sizeof(struct auth_verdict),	\
	    sizeof(struct auth_verdict), 0)				\
	M(W2A_RPC, WORKER, AUTHD, 2, IPC_MAX_MSG, 0)			\
	M(A2W_RPC_RESULT, AUTHD, WORKER, 2, IPC_MAX_MSG, 0)		\
	M(A2W_EVENT, AUTHD, WORKER, 2, IPC_MAX_MSG, 0)			\
	M(W2A_SESSION_END, WORKER, AUTHD, AUTH_SESSION_LEN,		\
	    AUTH_SESSION_LEN, 0)

/* A received message: header plus payload copied into `buf'. */
struct ipc_msg {
	struct ipc_hdr	hdr;
	int		fd;		/* -1 unless IPC_F_HASFD */
	uint8_t		buf[IPC_MAX_MSG];
};

/*
 * Send one message.  Returns 0, or -1 with errno set (EAGAIN when the
 * socket is full: callers on an event loop queue and retry).
 */
int	ipc_send(int sock, uint16_t type, uint64_t id, const void *payload,
	    size_t len, int fd);
/*
 * Receive one message.  Returns 1 with `m' filled, 0 on EOF, -1 on error
 * (errno EAGAIN when nothing is pending, EPROTO for a malformed message:
 * truncated, wrong version, length mismatch, extra fds).
 */
int	ipc_recv(int sock, struct ipc_msg *m);

/* Permit tables: which types a receiver accepts on a channel. */
enum ipc_channel {
	IPC_CH_MASTER_FROM_AUTHD,
	IPC_CH_MASTER_FROM_WORKER,
	IPC_CH_AUTHD_FROM_MASTER,
	IPC_CH_AUTHD_FROM_WORKER,
	IPC_CH_WORKER_FROM_MASTER,
	IPC_CH_WORKER_FROM_AUTHD,
};
/* 0 if `m' is permitted on `ch' with a valid size for its type, else -1. */
int	ipc_check(enum ipc_channel ch, const struct ipc_msg *m);
const char *ipc_type_name(uint16_t type);

/*
 * TLV payloads: a sequence of {u16 tag, u16 len, len bytes}.  The builder
 * refuses to exceed IPC_MAX_MSG; the reader refuses truncated fields.
 */
struct tlv_buf {
	uint8_t		data[IPC_MAX_MSG - sizeof(struct ipc_hdr)];
	size_t		len;
	int		overflow;
};
void	tlv_init(struct tlv_buf *);
void	tlv_put(struct tlv_buf *, uint16_t tag, const void *p, size_t len);
void	tlv_put_str(struct tlv_buf *, uint16_t tag, const char *s);
void	tlv_put_u64(struct tlv_buf *, uint16_t tag, uint64_t v);

struct tlv_iter {
	const uint8_t	*p;
	size_t		 left;
};
void	tlv_iter_init(struct tlv_iter *, const void *p, size_t len);
/* 1 with the next field, 0 at the end, -1 if malformed. */
int	tlv_next(struct tlv_iter *, uint16_t *tag, const uint8_t **val,
	    size_t *len);

/* Fixed payloads. */
struct ipc_worker_config {
	uint64_t	generation;
	uint32_t	slot;
	uint32_t	nlisteners;
	uint32_t	handshake_timeout_ms;
	uint32_t	preauth_per_ip;
	uint32_t	preauth_global;
	uint32_t	tick_interval_ms;
	uint32_t	ping_interval_ms;
	uint32_t	auth_mode;		/* enum cg_auth_mode */
	uint32_t	control_ui_enabled;
	uint32_t	dev_mode;		/* -d: verbose per-connection logs */
	uint32_t	nlocal_peers;
	uint32_t	ntrusted_proxies;
	uint32_t	nallowed_origins;
	uint32_t	port;
	uint32_t	nworkers;		/* slots in the pre-auth zone */
	uint32_t	ipv4_prefix;		/* pre-auth cap key prefixes */
	uint32_t	ipv6_prefix;
	/* CIDRs as {family, prefix, 16 address bytes}. */
	struct ipc_cidr {
		uint8_t	family;		/* 4 or 6 */
		uint8_t	prefix;
		uint8_t	addr[16];
	}		local_peers[16], trusted_proxies[16];
	char		allowed_origins[16][128];
	char		base_path[128];
};

/* A reload's new listener set arrives one socket per message. */
struct ipc_listener {
	uint64_t	generation;
	uint32_t	index;
	uint32_t	total;
};

struct ipc_secrets {
	uint64_t	generation;
	uint32_t	auth_mode;		/* enum cg_auth_mode */
	uint32_t	token_len;		/* bytes of token after the struct */
	uint32_t	password_len;		/* then bytes of password */
	uint8_t		fp_key[32];		/* <stateDir>/fingerprint.key */
};

struct ipc_auth_policy {
	uint32_t	max_attempts;
	uint32_t	window_ms;
	uint32_t	lockout_ms;
	uint32_t	exempt_loopback;
	uint32_t	ipv4_prefix;		/* rate-limit key prefixes */
	uint32_t	ipv6_prefix;
};

/*
 * The audit log (clawgate.audit.path): where authd writes one JSON line
 * per decision.  AUDIT_FILE comes with the file's fd (opened by the
 * master); AUDIT_SYSLOG sends each line to the master (IPC_A2M_AUDIT),
 * which hands it to syslog(3): authd cannot reach /dev/log.
 */
enum ipc_audit_mode {
	AUDIT_OFF = 0,
	AUDIT_FILE = 1,
	AUDIT_SYSLOG = 2,
};

struct ipc_worker_stats {
	uint64_t	connections;		/* currently open */
	uint64_t	authenticated;		/* currently authenticated */
	uint64_t	accepted_total;
	uint64_t	hello_ok_total;
	uint64_t	rejected_total;
};

#endif /* CG_IPC_H */
