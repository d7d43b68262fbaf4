/*
 * fuzz_connect.c: the worker's first-frame parser (connect_parse) on
 * arbitrary text, as a client sends it before any authentication.
 *
 * Properties beyond memory safety:
 *  - the error text is NUL-terminated inside CP_ERR_MAX and empty
 *    exactly for FF_OK;
 *  - for a frame that reaches authd (FF_OK), the request the worker
 *    builds encodes, and authd's strict decoder accepts it and reads back
 *    the same fields: otherwise one client could make authd drop the
 *    whole worker's channel;
 *  - scrubbing leaves no credential field set.
 */
#include <stdint.h>
#include <string.h>

#include "authproto.h"
#include "connect_params.h"
#include "ipc.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

static void
roundtrip(const struct connect_params *cp)
{
	static struct tlv_buf	tb;
	struct auth_req		req, back;

	memset(&req, 0, sizeof(req));
	connect_params_to_auth_req(cp, &req);
	req.flags |= AUTH_F_LOOPBACK | AUTH_F_LOCAL;
	req.peer = (struct auth_str){ "127.0.0.1", 9 };
	req.challenge_nonce = (struct auth_str){ "n-0123456789", 12 };
	/* A frame is at most 64 KiB, an IPC message 16 KiB: may not fit. */
	if (auth_req_encode(&req, &tb) != 0)
		return;
	FUZZ_ASSERT(auth_req_decode(tb.data, tb.len, &back) == 0);
	FUZZ_ASSERT(fuzz_auth_req_eq(&req, &back));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct connect_params	cp;
	char			err[CP_ERR_MAX];
	enum first_frame	ff;

	memset(err, 'x', sizeof(err));
	ff = connect_parse((const char *)data, size, &cp, err, sizeof(err));
	FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	FUZZ_ASSERT((ff == FF_OK) == (err[0] == '\0'));
	FUZZ_ASSERT(ff >= FF_NOT_JSON && ff <= FF_OK);
	if (ff == FF_OK) {
		FUZZ_ASSERT(auth_str_eq(&cp.role, "operator") ||
		    auth_str_eq(&cp.role, "node"));
		FUZZ_ASSERT(cp.nscopes <= AUTH_MAX_SCOPES);
		(void)connect_auth_kind(&cp);
		roundtrip(&cp);
		connect_params_scrub(&cp);
		FUZZ_ASSERT(cp.token.p == NULL && cp.password.p == NULL &&
		    cp.device_token.p == NULL && cp.bootstrap_token.p == NULL);
	}
	connect_params_free(&cp);
	return 0;
}
