/*
 * fuzz_frame.c: the post-connect request-frame check
 * (frame_check_request) and the schema validator under it
 * (vschema_check with the RequestFrame and ConnectParams schemas), on
 * any JSON value an authenticated client can send.
 *
 * Properties: the message is NUL-terminated within the buffer, empty on
 * success and non-empty on failure, and a small buffer only truncates
 * (the verdict does not change with the buffer size).
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "connect_params.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

static void
check(const struct vschema *s, json_t *v)
{
	char	big[VS_MSG_MAX], small[8];
	int	rc, rc2;

	memset(big, 'x', sizeof(big));
	rc = vschema_check(s, v, big, sizeof(big));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(memchr(big, '\0', sizeof(big)) != NULL);
	FUZZ_ASSERT(rc == 0 || big[0] != '\0');
	rc2 = vschema_check(s, v, small, sizeof(small));
	FUZZ_ASSERT(rc == rc2);
	FUZZ_ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	FUZZ_ASSERT(vschema_check(s, v, NULL, 0) == rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*v;
	char	 msg[VS_MSG_MAX];
	int	 rc;

	/* As the worker parses post-connect frames (ws.c). */
	if ((v = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return 0;
	memset(msg, 'x', sizeof(msg));
	rc = frame_check_request(v, msg, sizeof(msg));
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
	check(&vs_request_frame, v);
	check(&vs_connect_params, v);
	if (json_is_object(v) && json_object_get(v, "params") != NULL)
		check(&vs_connect_params, json_object_get(v, "params"));
	json_decref(v);
	return 0;
}
