/*
 * backend_local.c: the post-handshake backend that answers a connection's
 * requests in this worker (health, status, presence, config.get, and the
 * device.* RPCs forwarded to authd; methods.c, rpc.c).
 */
#include <string.h>

#include "backend.h"
#include "conn.h"
#include "errors.h"
#include "log.h"
#include "worker.h"

static void
local_frame(struct worker *w, struct conn *c, const char *text,
    size_t len)
{
	json_error_t	 jerr;
	json_t		*frame;
	char		 msg[VS_MSG_MAX];
	const char	*id;

	/* Duplicate keys: last one wins, as in the reference. */
	frame = json_loadb(text, len, 0, &jerr);
	if (frame == NULL) {
		conn_log(c, "parse/handle error", "error=%s", jerr.text);
		return;
	}
	if (frame_check_request(frame, msg, sizeof(msg)) == -1) {
		id = json_string_value(json_object_get(frame, "id"));
		conn_send_json(c, res_error(id, id ? strlen(id) : 0,
		    err_invalid_frame(msg)));
		json_decref(frame);
		return;
	}
	methods_dispatch(w, c, frame);
	json_decref(frame);
}

const struct backend backend_local = {
	"local",
	local_frame,
};
