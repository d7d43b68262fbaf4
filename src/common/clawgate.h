/*
 * clawgate.h: constants shared by every clawgate process.
 */
#ifndef CLAWGATE_H
#define CLAWGATE_H

#define CG_VERSION		"0.1.0"
/* The version reported in hello-ok: clients compare it with their own. */
#define CG_SERVER_VERSION	"2026.9.6"
#define CG_PROTOCOL		4
#define CG_MIN_PROTOCOL		4
#define CG_MIN_PROBE_PROTOCOL	3
#define CG_MIN_NODE_PROTOCOL	3
#define CG_DEFAULT_PORT		18789

/* Exit codes (sysexits(3) where one fits). */
#define CG_EXIT_OK		0
#define CG_EXIT_FAIL		1
#define CG_EXIT_OSERR		71	/* an fd slot was wrong, etc. */
#define CG_EXIT_CONFIG		78	/* EX_CONFIG: never respawn */

/*
 * A child that stayed up this long before it died is respawned after the
 * shortest delay again: its crash was not part of a crash loop.
 */
#define CG_RESPAWN_STABLE_MS	10000

/* Fixed fd slots for children (sshd's REEXEC_* idea). */
#define CG_FD_MASTER		3	/* SEQPACKET to the master */
#define CG_FD_AUTHD		4	/* worker only: SEQPACKET to authd */
#define CG_FD_AUDIT		4	/* authd only: the audit log, if any */
#define CG_FD_LISTEN0		5	/* worker only: first listening socket */
#define CG_MAX_LISTENERS	8

/* Wire limits from the reference gateway. */
#define CG_PREAUTH_MAX_PAYLOAD	65536
#define CG_MAX_PAYLOAD		26214400
#define CG_MAX_BUFFERED		52428800
#define CG_TICK_INTERVAL_MS	30000
#define CG_HANDSHAKE_TIMEOUT_MS	15000
/* From accept until the request headers are complete (slowloris). */
#define CG_HTTP_REQUEST_TIMEOUT_MS 5000
#define CG_PING_INTERVAL_MS	25000
#define CG_PREAUTH_PER_IP	32
#define CG_PREAUTH_GLOBAL	4096
/*
 * Descriptors a worker keeps for addresses that hold no unauthenticated
 * socket: max(CG_FD_RESERVE, RLIMIT_NOFILE / 16).
 */
#define CG_FD_RESERVE		32
#define CG_CLOSE_REASON_MAX	120

#endif /* CLAWGATE_H */
