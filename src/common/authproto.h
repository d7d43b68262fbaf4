/*
 * authproto.h: the question a worker asks authd about one `connect', and
 * authd's answer.
 *
 * The request carries the credentials and the connection's facts; the
 * worker keeps no copy of the credentials after sending.  The verdict is
 * fixed-size whatever the outcome, and names a principal, a tenant, a
 * role and scopes so that later relaying and multi-tenant ingress can
 * use it unchanged.
 */
#ifndef CG_AUTHPROTO_H
#define CG_AUTHPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define AUTH_MAX_SCOPES		32
#define AUTH_SESSION_LEN	32	/* hex of 16 random bytes, no NUL */
#define AUTH_MAX_SECRET		1024	/* token/password/deviceToken bytes */
#define AUTH_MAX_FIELD		256	/* any other string field */

/* TLV tags of IPC_W2A_AUTH_REQ. */
enum auth_tag {
	AT_FLAGS = 1,		/* u32 AUTH_F_* */
	AT_PEER_ADDR,		/* numeric address of the (attributed) client */
	AT_ORIGIN,		/* Origin header, if any */
	AT_CLIENT_ID,
	AT_CLIENT_MODE,
	AT_CLIENT_PLATFORM,
	AT_CLIENT_FAMILY,	/* client.deviceFamily */
	AT_CLIENT_NAME,		/* client.displayName */
	AT_ROLE,		/* after defaulting to "operator" */
	AT_SCOPE,		/* repeated, in the order sent */
	AT_TOKEN,		/* auth.token, raw (present even if empty) */
	AT_PASSWORD,		/* auth.password */
	AT_DEVICE_TOKEN,	/* auth.deviceToken */
	AT_BOOTSTRAP_TOKEN,	/* auth.bootstrapToken */
	AT_DEV_ID,		/* device.* */
	AT_DEV_PUBKEY,
	AT_DEV_SIG,
	AT_DEV_SIGNED_AT,	/* u64 */
	AT_DEV_NONCE,
	AT_CHALLENGE_NONCE,	/* the nonce this socket was challenged with */
	AT_MAX
};

/* Facts the worker established about the connection. */
#define AUTH_F_LOOPBACK		0x0001	/* socket peer is loopback */
#define AUTH_F_LOCAL		0x0002	/* direct-local or in localPeers */
#define AUTH_F_HAS_ORIGIN	0x0004	/* an Origin header was sent */
#define AUTH_F_HAS_DEVICE	0x0008	/* params.device was present */
#define AUTH_F_FORWARDED	0x0010	/* attributed via a trusted proxy */

struct auth_str {
	const char	*p;		/* not NUL-terminated; NULL if absent */
	size_t		 len;
};

/* The decoded request.  Strings point into the received buffer. */
struct auth_req {
	uint32_t	 flags;
	struct auth_str	 peer, origin;
	struct auth_str	 client_id, client_mode, platform, family, name;
	struct auth_str	 role;
	struct auth_str	 scopes[AUTH_MAX_SCOPES];
	unsigned	 nscopes;
	struct auth_str	 token, password, device_token, bootstrap_token;
	struct auth_str	 dev_id, dev_pubkey, dev_sig, dev_nonce;
	uint64_t	 dev_signed_at;
	struct auth_str	 challenge_nonce;
};

/* Encode into `tb'; returns 0, or -1 if it does not fit. */
int	auth_req_encode(const struct auth_req *, struct tlv_buf *tb);
/*
 * Decode a payload.  Strict: unknown or repeated (non-scope) tags, fields
 * over their limits, NULs inside strings, more than AUTH_MAX_SCOPES
 * scopes: -1.  Returns 0 on success.
 */
int	auth_req_decode(const void *p, size_t len, struct auth_req *);

enum verdict_result {
	VERDICT_OK = 1,
	VERDICT_DENY = 2,
	VERDICT_ERROR = 3,	/* authd could not decide: retry later */
};

/* Why a connect failed (or AUTH_R_NONE).  Maps to details.code. */
enum auth_reason {
	AUTH_R_NONE = 0,
	AUTH_R_TOKEN_MISSING,		/* AUTH_TOKEN_MISSING */
	AUTH_R_TOKEN_MISMATCH,		/* AUTH_TOKEN_MISMATCH */
	AUTH_R_TOKEN_MISSING_CONFIG,	/* AUTH_TOKEN_NOT_CONFIGURED */
	AUTH_R_PASSWORD_MISSING,	/* AUTH_PASSWORD_MISSING */
	AUTH_R_PASSWORD_MISMATCH,	/* AUTH_PASSWORD_MISMATCH */
	AUTH_R_PASSWORD_MISSING_CONFIG,	/* AUTH_PASSWORD_NOT_CONFIGURED */
	AUTH_R_RATE_LIMITED,		/* AUTH_RATE_LIMITED */
	AUTH_R_DEVICE_TOKEN_MISMATCH,	/* AUTH_DEVICE_TOKEN_MISMATCH */
	AUTH_R_SCOPE_MISMATCH,		/* AUTH_SCOPE_MISMATCH */
	AUTH_R_DEVICE_IDENTITY_REQUIRED, /* NOT_PAIRED DEVICE_IDENTITY_REQUIRED */
	AUTH_R_UI_DEVICE_IDENTITY_REQUIRED, /* CONTROL_UI_DEVICE_IDENTITY_REQUIRED */
	AUTH_R_DEVICE_ID_MISMATCH,	/* DEVICE_AUTH_DEVICE_ID_MISMATCH */
	AUTH_R_DEVICE_SIG_EXPIRED,	/* DEVICE_AUTH_SIGNATURE_EXPIRED */
	AUTH_R_DEVICE_NONCE_REQUIRED,	/* DEVICE_AUTH_NONCE_REQUIRED */
	AUTH_R_DEVICE_NONCE_MISMATCH,	/* DEVICE_AUTH_NONCE_MISMATCH */
	AUTH_R_DEVICE_SIG_INVALID,	/* DEVICE_AUTH_SIGNATURE_INVALID */
	AUTH_R_DEVICE_PUBKEY_INVALID,	/* DEVICE_AUTH_PUBLIC_KEY_INVALID */
	AUTH_R_PAIRING_REQUIRED,	/* NOT_PAIRED PAIRING_REQUIRED */
	AUTH_R_UNAVAILABLE,		/* authd not ready */
	AUTH_R_BOOTSTRAP_TOKEN_INVALID,	/* AUTH_BOOTSTRAP_TOKEN_INVALID */
	AUTH_R_MAX
};

enum auth_method {
	AUTH_M_NONE = 0,
	AUTH_M_TOKEN,
	AUTH_M_PASSWORD,
	AUTH_M_DEVICE_TOKEN,
};

/* Pairing sub-reason (details.reason). */
enum pairing_reason {
	PAIR_R_NONE = 0,
	PAIR_R_NOT_PAIRED,
	PAIR_R_ROLE_UPGRADE,
	PAIR_R_SCOPE_UPGRADE,
	PAIR_R_METADATA_UPGRADE,
};

#define VERDICT_F_RETRY_DEVICE_TOKEN	0x0001	/* canRetryWithDeviceToken */
#define VERDICT_F_SCOPES_CLEARED	0x0002	/* device-less remote operator */
#define VERDICT_F_SILENT_PAIRED		0x0004	/* paired on this connect */

/* authd -> worker, IPC_A2W_VERDICT.  Fixed size, zero-filled. */
struct auth_verdict {
	uint32_t	result;		/* enum verdict_result */
	uint32_t	reason;		/* enum auth_reason */
	uint32_t	hidden_reason;	/* a second failure the first one hid */
	uint32_t	method;		/* enum auth_method, on success */
	uint32_t	flags;		/* VERDICT_F_* */
	uint32_t	retry_after_ms;	/* rate limiting */
	uint32_t	delay_ms;	/* answer no earlier than this */
	uint32_t	pairing_reason;	/* enum pairing_reason */
	uint64_t	scopes;		/* granted, SCOPE_BIT() set */
	uint64_t	issued_at_ms;	/* with device_token */
	char		principal[80];	/* "device:<id>", "shared", "none" */
	char		tenant[32];	/* "default" until multi-tenant */
	char		role[16];
	char		device_id[68];
	char		device_token[48];
	char		request_id[40];	/* pairing request */
	char		fingerprint[17]; /* of the shared secret, NUL-ended */
	char		provided_fingerprint[17]; /* of the one presented */
	char		session[AUTH_SESSION_LEN]; /* on OK: authd's handle */
};

/*
 * RPC (IPC_W2A_RPC / IPC_A2W_RPC_RESULT / IPC_A2W_EVENT), JSON text:
 *
 *   worker -> authd  {"session":"<hex>", "method":"device.pair.list",
 *                     "params":{...}}            hdr.id = request id
 *   authd -> worker  {"ok":true, "payload":{...}}
 *                    {"ok":false, "error":{"code","message"[,"details"]}}
 *   authd -> worker  {"event":"device.pair.requested", "payload":{...},
 *                     "scope":"operator.pairing"}    (hdr.id = 0)
 *                    {"close":{"deviceId":"<id>"[,"role":"operator"],
 *                     "code":4001, "reason":"device removed"}}
 *                    {"close":{"sessions":["<hex>",...], "code":4001,
 *                     "reason":"gateway auth changed"}}  (that channel's
 *                     sessions opened with a rotated shared secret)
 *
 * A session is created by authd with every VERDICT_OK, bound to the
 * worker channel that asked, and ended by IPC_W2A_SESSION_END when the
 * connection closes (authd also drops a channel's sessions when the
 * channel goes away).  authd decides what a session may do from what it
 * recorded at connect time; the worker only names the session.
 */

#endif /* CG_AUTHPROTO_H */
