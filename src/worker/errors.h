/*
 * errors.h: the exact error objects (and close frames) the worker sends,
 * byte for byte as the reference gateway does (protocol.md §1.4, §2.4,
 * §4, §7.4, §10).  Pure: builds jansson values, no I/O.
 *
 * Every constructor returns a new `error' object (ErrorShape: code,
 * message[, retryable, retryAfterMs][, details]) or NULL when jansson
 * cannot allocate; wrap it with res_error() to get the `res' frame.
 * Constructors taking a struct err_close also say how to close the socket.
 */
#ifndef CG_ERRORS_H
#define CG_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authproto.h"
#include "clawgate.h"
#include "connect_params.h"

/* WebSocket close codes the gateway uses (§1.6). */
#define CLOSE_NORMAL		1000
#define CLOSE_PROTOCOL_ERROR	1002
#define CLOSE_POLICY		1008
#define CLOSE_TOO_BIG		1009
#define CLOSE_TRY_AGAIN		1013

struct err_close {
	int	 code;
	char	 reason[CG_CLOSE_REASON_MAX + 1];	/* UTF-8, NUL-ended */
};

/*
 * Copy `msg' into `out' cut to at most 120 bytes (and outlen - 1) without
 * splitting a UTF-8 sequence, like the reference's truncateCloseReason();
 * an empty or NULL `msg' becomes "invalid handshake", as there.  Returns
 * the bytes written, excluding the NUL.  outlen 0: writes nothing.
 */
size_t	close_reason_trunc(const char *msg, char *out, size_t outlen);

/*
 * What the error texts depend on, apart from the verdict.  Pointers alias
 * the connect_params (which may be scrubbed, not freed, meanwhile).
 */
struct err_client {
	int			 client_class;	/* CLIENT_CLASS_* bits */
	int			 local;		/* direct-local or local peer */
	int			 control_ui;	/* client.id openclaw-control-ui */
	struct auth_str		 role;		/* effective role */
	const struct auth_str	*scopes;	/* requested, as sent */
	unsigned		 nscopes;
};

void	err_client_init(struct err_client *, const struct connect_params *,
	    int local);

/*
 * The connect failure for a verdict (result DENY or ERROR; NULL for OK):
 * the auth errors of §4.2 (with retryable/retryAfterMs for rate_limited),
 * device-auth errors (§4.3), DEVICE_IDENTITY_REQUIRED, the Control UI's
 * identity error, PAIRING_REQUIRED (§7.4) and UNAVAILABLE (authd could
 * not decide: result ERROR or reason AUTH_R_UNAVAILABLE).
 *
 * clawgate additions (the message stays the reference's):
 *   details.alsoFailed = {code, message} when v->hidden_reason names a
 *     second failure the reference's order hides;
 *   details.expectedFingerprint = v->fingerprint and
 *     details.providedFingerprint = v->provided_fingerprint (of the
 *     secret the client sent) on token/password mismatch, when authd
 *     sent them, to local peers only (c->local; [0-9A-Za-z_-] only).
 *     Both are keyed with the install's key (fingerprint.h): nobody
 *     without the running daemon can compute or test one.
 * Fields of `v' are fixed-size and need not be NUL-terminated; device_id,
 * role, request_id are echoed only if made of safe characters (request_id
 * only if it matches §7.4's pattern).  `c' NULL: "other", remote.
 * requestedScopes comes from c->scopes (trimmed, empty ones dropped, the
 * key omitted when none are left).
 */
json_t	*err_auth(const struct auth_verdict *v, const struct err_client *c,
	    struct err_close *cl);

/*
 * The message of an auth_reason (pairing_reason for PAIRING_REQUIRED),
 * e.g. for the "guidance=" log field.  Returns strlen of the full text;
 * `buf' gets it NUL-terminated (cut on a UTF-8 boundary if short).
 */
size_t	err_auth_message(uint32_t reason, uint32_t pairing_reason,
	    const struct err_client *c, char *buf, size_t len);

/* The "reason=" log token: authReason ("token_mismatch"), details.reason
 * of device-auth failures ("device-signature"), else a fixed word. */
const char *auth_reason_token(uint32_t reason);
/* details.code of an auth_reason ("AUTH_TOKEN_MISMATCH", ...). */
const char *auth_reason_code(uint32_t reason);

/*
 * The response to a first frame that connect_parse() rejected, with `msg'
 * its error text.  NULL (send no res) for FF_NOT_JSON (close 1000 "") and
 * FF_INVALID_FRAME (close 1008 "invalid request frame"); FF_OK: NULL and
 * cl->code 0.
 */
json_t	*err_first_frame(enum first_frame ff, const struct connect_params *cp,
	    const char *msg, struct err_close *cl);

/* §2.4: close 1002 "protocol mismatch". */
json_t	*err_protocol_mismatch(int64_t client_min, int64_t client_max,
	    struct err_close *cl);
/* §2.5 step 3: close 1008 "invalid role". */
json_t	*err_invalid_role(struct err_close *cl);
/* §4.4: details.reason "origin not allowed", or "origin missing or
 * invalid" when `missing'. */
json_t	*err_origin(int missing, struct err_close *cl);
/*
 * §4.4 startup shape: UNAVAILABLE "gateway starting; retry shortly",
 * retryable, retryAfterMs, details {reason: detail_reason}; close 1013
 * "gateway starting".  detail_reason NULL: ERR_UNAVAILABLE_STARTUP.
 */
#define ERR_UNAVAILABLE_STARTUP		"startup-sidecars"
#define ERR_UNAVAILABLE_RETRY_MS	500
json_t	*err_unavailable(const char *detail_reason, uint32_t retry_after_ms,
	    struct err_close *cl);
/* §4.4 Control UI build mismatch; close 1008. */
json_t	*err_ui_build_mismatch(const char *gateway_build_id,
	    struct err_close *cl);

/* Post-connect method errors (§4.6); the socket stays open. */
json_t	*err_missing_scope(const char *missing, const char *const *required,
	    size_t nrequired);
json_t	*err_unknown_method(const char *method);
json_t	*err_unauthorized_role(const char *role);
/* "invalid <method> params: <text>" (text from vschema_check()). */
json_t	*err_invalid_params(const char *method, const char *text);
/* "invalid request frame: <text>" (text from frame_check_request()). */
json_t	*err_invalid_frame(const char *text);
/* {code, message} and nothing else. */
json_t	*err_shape(const char *code, const char *message);

/*
 * clawgate's one addition to every error it sends (README "Compatible,
 * and better"): details.docs, the README section about the error,
 * ERR_DOCS_PREFIX + details.code (else error.code) lowercased, e.g.
 * "README.md#auth_token_mismatch": the id GitHub gives the heading
 * "#### AUTH_TOKEN_MISMATCH" under "Troubleshooting by error message".
 * Every constructor here adds it (after the reference's keys, creating
 * `details' when the reference sends none); err_add_docs() adds it to an
 * error built elsewhere (authd's RPC errors).  Returns 0, or -1 when
 * jansson cannot allocate (or `e' is no object).
 */
#define ERR_DOCS_PREFIX		"README.md#"
int	err_add_docs(json_t *e);

/*
 * {"type":"res","id":<id>,"ok":false,"error":<error>}; steals `error'.
 * id NULL: "invalid" (the reference's id for frames it cannot read).
 */
json_t	*res_error(const char *id, size_t idlen, json_t *error);

#endif /* CG_ERRORS_H */
