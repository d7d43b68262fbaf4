/*
 * rpc.h: everything authd does for a worker after the secrets: connect
 * verdicts with their sessions, the device.pair.* / device.token.* RPCs,
 * and the events both produce (authproto.h "RPC" is the wire contract).
 *
 * Every operation follows the same order, which is what makes changes
 * safe to acknowledge:
 *
 *   1. decide / apply the change in memory;
 *   2. if the change must be durable, save the store; if that fails,
 *      reload the table from the store (undoing the change), drop the
 *      events and answer UNAVAILABLE / VERDICT_ERROR instead;
 *   3. broadcast the events (device.pair.requested / .resolved) to every
 *      worker channel;
 *   4. answer (the verdict is returned to the caller, an RPC result is
 *      sent on the asking channel);
 *   5. end the sessions a removal/rotation/revocation invalidated and
 *      broadcast their {"close":...} messages.
 *
 * Results larger than one IPC message are split: a message whose first
 * byte is '{' is a whole result; otherwise its first byte is '+' (a
 * piece, more follow) or '$' (the last piece), and the worker joins the
 * rest of each piece, in order, for the same hdr.id.  Results never
 * exceed RPC_RESULT_MAX bytes.
 */
#ifndef CG_AUTHD_RPC_H
#define CG_AUTHD_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "authd.h"
#include "authproto.h"
#include "ipc.h"

#define RPC_ALL_CHANNELS	UINT64_MAX
#define RPC_PIECE_MAX		(IPC_MAX_MSG - sizeof(struct ipc_hdr))
#define RPC_RESULT_MAX		((size_t)16 << 20)
#define RPC_MAX_SCOPES_PARAM	64	/* device.token.rotate scopes[] */

struct rpc;
struct sessions;
struct store;

/*
 * How authd's replies leave: one IPC message (`type' is IPC_A2W_EVENT or
 * IPC_A2W_RPC_RESULT, len <= RPC_PIECE_MAX) for channel `chan', or for
 * every channel when chan == RPC_ALL_CHANNELS.
 */
typedef void	 rpc_send_fn(void *arg, uint64_t chan, uint16_t type,
		    uint64_t id, const void *payload, size_t len);

/* `st' may be NULL: the table then lives in memory only. */
struct rpc	*rpc_new(struct authd *, struct store *st, rpc_send_fn *,
		    void *arg);
void		 rpc_free(struct rpc *);
struct sessions	*rpc_sessions(struct rpc *);
/* Call after loading the store: its content is the saved state. */
void		 rpc_mark_saved(struct rpc *);

/*
 * A connect on channel `chan': decide, make it durable, create the
 * session on VERDICT_OK, broadcast the events.  `v' is what to send.
 */
void		 rpc_connect(struct rpc *, uint64_t chan,
		    const struct auth_req *, uint64_t now_ms,
		    struct auth_verdict *v);
/* One IPC_W2A_RPC payload; the reply goes out through the send hook. */
void		 rpc_call(struct rpc *, uint64_t chan, uint64_t id,
		    const void *req, size_t len, uint64_t now_ms);
/* IPC_W2A_SESSION_END; unknown sessions are ignored (already closed). */
void		 rpc_session_end(struct rpc *, uint64_t chan, const void *id,
		    size_t len);
/* A worker channel went away: its sessions end. */
void		 rpc_channel_gone(struct rpc *, uint64_t chan);
/*
 * Save changes nobody is waiting for (last use, metadata, expiry) if
 * there are any.  0, or -1 if the save failed (nothing is undone).
 */
int		 rpc_flush(struct rpc *);
/* Are there unsaved changes? */
int		 rpc_dirty(const struct rpc *);

/*
 * For the local operator (the control socket): run `method' with
 * `params' (JSON text, NULL for {}) with full authority, as a shared-
 * secret operator.admin caller.  Events are broadcast as for a worker's
 * call.  Returns the result document ({"ok":...}) as malloc'd text, at
 * most RPC_RESULT_MAX bytes, or NULL on ENOMEM.  Methods: device.pair.list, .approve, .reject,
 * .remove, device.token.rotate, .revoke.
 */
char		*rpc_admin(struct rpc *, const char *method,
		    const char *params, uint64_t now_ms);
/*
 * The audit log: `fn' gets each pairing or token change once the save
 * has told whether it holds ("outcome"), before the answer leaves.
 * `rec' is rpc.c's.  NULL (the default): no records.
 */
struct json_t;
void		 rpc_set_audit(struct rpc *, void (*fn)(struct json_t *rec));

/*
 * The same for an IPC_M2A_RPC payload, {"method":..., "params":...,
 * "operator":...} (params optional; operator, "local uid N", names the
 * caller in the audit log): the control socket's request as the master
 * forwards it.  A malformed request gets an INVALID_REQUEST result.
 * One method more is the master's own, sent after a token rotation
 * once authd holds the new secret: "gateway.secret.rotated"
 * {revokeDevices?: bool} ends the sessions opened with another shared
 * secret (4001 "gateway auth changed"), retires the device tokens of
 * the devices paired silently with one (of every device with
 * revokeDevices; their sessions close 4001 "client invalidated: device
 * token revoked"), and answers {"sessionsClosed", "deviceTokensRetired",
 * "revokeDevices"}.
 */
char		*rpc_admin_request(struct rpc *, const void *req, size_t len,
		    uint64_t now_ms);
/*
 * Split a result text into IPC payloads as described above, calling
 * `emit' for each in order (once, unchanged, if it fits).
 */
void		 rpc_pieces(const char *text, size_t len,
		    void (*emit)(void *arg, const void *p, size_t len),
		    void *arg);

#endif /* CG_AUTHD_RPC_H */
