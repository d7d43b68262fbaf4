/*
 * connect_params.h: classify and validate the first (pre-auth) frame of a
 * connection, exactly as the reference gateway does, without any I/O.
 *
 * The reference validates frames with TypeBox and formats the errors with
 * its own formatValidationErrors(); clients show (and some parse) the
 * resulting text, so this file carries a small validator that reproduces
 * both byte for byte for the schemas the worker needs.  It is exported
 * (struct vschema) so that post-connect method params can be checked the
 * same way.
 */
#ifndef CG_CONNECT_PARAMS_H
#define CG_CONNECT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "authproto.h"

/* ------------------------------------------------------------------ */
/* Schema validation with reference-identical error text.             */
/* ------------------------------------------------------------------ */

enum vs_kind {
	VS_ANY = 0,	/* anything (Type.Unknown) */
	VS_STRING,	/* type string; minlen / maxlen */
	VS_INTEGER,	/* type integer; minimum if VS_F_MINIMUM */
	VS_BOOLEAN,
	VS_ENUM,	/* {enum: values}: no type keyword */
	VS_CONST,	/* Type.Literal(string): type string + const values[0] */
	VS_OBJECT,	/* type object; props; closed => additionalProperties */
	VS_ARRAY,	/* type array; items; maxitems */
	VS_RECORD,	/* Type.Record(string, items): patternProperties ^.*$ */
	VS_ANYOF,	/* anyOf alts */
};

#define VS_F_MINIMUM	0x01	/* `minimum' is set */
#define VS_F_BYTES	0x02	/* maxlen counts bytes (a clawgate cap) */

struct vschema;

struct vs_prop {
	const char		*name;
	const struct vschema	*schema;
	int			 required;
};

struct vschema {
	enum vs_kind		 kind;
	unsigned		 flags;		/* VS_F_* */
	int			 closed;	/* VS_OBJECT */
	size_t			 minlen;	/* VS_STRING, 0 = none */
	size_t			 maxlen;	/* VS_STRING, 0 = none */
	long long		 minimum;	/* VS_INTEGER with VS_F_MINIMUM */
	size_t			 maxitems;	/* VS_ARRAY, 0 = none */
	const char *const	*values;	/* VS_ENUM (NULL-ended), VS_CONST */
	const struct vs_prop	*props;		/* VS_OBJECT, {NULL}-ended */
	const struct vschema	*items;		/* VS_ARRAY, VS_RECORD */
	const struct vschema *const *alts;	/* VS_ANYOF, NULL-ended */
};

/* Upper bound of a validation message; longer texts are cut (see .c). */
#define VS_MSG_MAX	2048

/*
 * Validate `v' against `s'.  Returns 0 if valid; otherwise -1 with the
 * reference's error text (e.g. "at /client/id: must be equal to one of
 * the allowed values") in `msg', NUL-terminated (msg may be NULL to
 * test validity only).  The text never includes a value, only keys.
 */
int	vschema_check(const struct vschema *s, json_t *v, char *msg,
	    size_t msglen);

/* The closed RequestFrame schema (§1.2). */
extern const struct vschema vs_request_frame;
/* ConnectParamsSchema (§2.2), with clawgate's size caps. */
extern const struct vschema vs_connect_params;

/*
 * Post-connect: is `root' a valid request frame?  0 if so, else -1 with
 * the ajv text in `msg' (callers send "invalid request frame: <msg>").
 */
int	frame_check_request(json_t *root, char *msg, size_t msglen);

/* ------------------------------------------------------------------ */
/* The first frame.                                                   */
/* ------------------------------------------------------------------ */

/*
 * What to do with the first frame, in the reference's order of checks
 * (§1.4, §2.4, §2.5 steps 2-3).
 */
enum first_frame {
	FF_NOT_JSON = 0,	/* no res; close 1000 "" */
	FF_INVALID_FRAME,	/* no res; close 1008 "invalid request frame" */
	FF_NOT_CONNECT,		/* res INVALID_REQUEST; close 1008 */
	FF_BAD_PARAMS,		/* res INVALID_REQUEST; close 1008 */
	FF_PROTOCOL_MISMATCH,	/* res INVALID_REQUEST; close 1002 */
	FF_INVALID_ROLE,	/* res INVALID_REQUEST; close 1008 */
	FF_OK
};

/*
 * How the reference picks the hint of an auth error (§4.2).  A bit set:
 * mode "cli" with a UI client id is both, and token_missing then uses the
 * UI wording while the others use the CLI one, as the reference does.
 */
#define CLIENT_CLASS_OTHER	0x00
#define CLIENT_CLASS_CLI	0x01	/* client.mode == "cli" */
#define CLIENT_CLASS_UI		0x02	/* operator UI or webchat */

/* Errors text buffer size that is always large enough for connect_parse. */
#define CP_ERR_MAX	(VS_MSG_MAX + 64)

/*
 * The decoded first frame.  Every auth_str points into `frame' (p == NULL:
 * absent; p != NULL and len == 0: present but empty) and stays valid until
 * connect_params_free().  The fields below `method' are filled only for
 * FF_PROTOCOL_MISMATCH, FF_INVALID_ROLE and FF_OK (params passed the
 * schema), so the worker may still reorder the last three checks.
 */
struct connect_params {
	json_t		*frame;		/* owned */
	struct auth_str	 req_id;	/* set from FF_NOT_CONNECT on */
	struct auth_str	 method;

	int64_t		 min_protocol;	/* clamped to [1, 2^53] */
	int64_t		 max_protocol;
	struct auth_str	 client_id, client_mode, client_version;
	struct auth_str	 platform, device_family, display_name;
	struct auth_str	 instance_id, build_id;
	struct auth_str	 role;		/* effective: "operator" if absent */
	int		 role_sent;	/* params.role was present */
	struct auth_str	 scopes[AUTH_MAX_SCOPES];	/* in the order sent */
	unsigned	 nscopes;
	int		 has_auth;	/* params.auth present */
	struct auth_str	 token, password, device_token, bootstrap_token;
	const char	*auth_kind;	/* see connect_auth_kind(); survives scrub */
	int		 has_device;	/* params.device present */
	struct auth_str	 dev_id, dev_pubkey, dev_sig, dev_nonce;
	uint64_t	 dev_signed_at;
	int		 client_class;	/* CLIENT_CLASS_* bits */
};

/*
 * Parse and classify one text frame of `len' bytes (need not be NUL-
 * terminated).  `out' is always initialised and must be released with
 * connect_params_free() whatever the result.  `err' (at least 1 byte;
 * CP_ERR_MAX never truncates) receives the error message the reference
 * sends, which is also its close reason before truncation:
 *   FF_NOT_JSON		"invalid JSON at line L column C" (log only)
 *   FF_INVALID_FRAME		"invalid request frame"
 *   FF_NOT_CONNECT		"invalid handshake: first request must be connect"
 *   FF_BAD_PARAMS		"invalid connect params: <validation text>"
 *   FF_PROTOCOL_MISMATCH	"protocol mismatch"
 *   FF_INVALID_ROLE		"invalid role"
 *   FF_OK			""
 * None of these contains a value sent by the client.
 */
enum first_frame connect_parse(const char *text, size_t len,
	    struct connect_params *out, char *err, size_t errlen);

/*
 * Wipe the secrets in place (every string under params.auth), drop
 * params.auth and clear the four credential fields.  The rest of `cp'
 * (client, role, scopes, device, auth_kind) stays usable, e.g. to build
 * the error once authd's verdict arrives.
 */
void	connect_params_scrub(struct connect_params *);
/* Wipe every string of the frame, then release everything. */
void	connect_params_free(struct connect_params *);

/* §2.4: would the reference accept this protocol range? */
int	connect_protocol_ok(int64_t min, int64_t max,
	    const struct auth_str *mode, const struct auth_str *role);

/* The client class of a (client.id, client.mode) pair. */
int	connect_client_class(const struct auth_str *id,
	    const struct auth_str *mode);

/*
 * The credential kind for the "[ws] unauthorized ... auth=" log field:
 * the first non-blank of auth.token, .password, .bootstrapToken,
 * .deviceToken as "token", "password", "bootstrap-token", "device-token";
 * else "none".
 */
const char *connect_auth_kind(const struct connect_params *);

/*
 * Fill the connect-derived fields of an authd request (client, role,
 * scopes, credentials, device) and OR AUTH_F_HAS_DEVICE into its flags.
 * The caller sets the other flags, peer, origin and challenge_nonce.
 * Pointers alias `cp'; encode before scrubbing.
 */
void	connect_params_to_auth_req(const struct connect_params *cp,
	    struct auth_req *req);

/* Does `s' equal the NUL-terminated `lit'? (NULL s: no) */
int	auth_str_eq(const struct auth_str *s, const char *lit);

#endif /* CG_CONNECT_PARAMS_H */
