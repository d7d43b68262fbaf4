/*
 * fuzz_config.c: the JSON5 configuration reader (config_load_text, with
 * ${VAR} substitution) and the final cross-checks (config_check), on
 * arbitrary text.  The config is root's file, but it is also what
 * `clawgate config set' edits and what reload re-reads, so it must fail
 * cleanly on anything.
 *
 * Properties: on failure the configuration is left exactly as it was
 * (reload keeps the running config), the error message is
 * NUL-terminated, and warnings never exceed their table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static struct cg_config	defaults;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	setenv("FUZZ_TOKEN", "fuzz-token-0123456789abcdefghijklmnop", 1);
	setenv("FUZZ_EMPTY", "", 1);
	unsetenv("CLAWGATE_GATEWAY_TOKEN");
	unsetenv("OPENCLAW_GATEWAY_TOKEN");
	memset(&defaults, 0, sizeof(defaults));
	config_defaults(&defaults);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cg_config		c;
	static struct cg_config_error	err;
	int				rc;

	memcpy(&c, &defaults, sizeof(c));
	memset(&err, 'x', sizeof(err));
	rc = config_load_text(&c, (const char *)data, size, "fuzz.json5",
	    &err);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(c.nwarnings >= 0 && c.nwarnings <= CFG_MAX_WARNINGS);
	if (rc == -1) {
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		FUZZ_ASSERT(err.msg[0] != '\0');
		FUZZ_ASSERT(memcmp(&c, &defaults, sizeof(c)) == 0);
		return 0;
	}
	memset(&err, 'x', sizeof(err));
	if (config_check(&c, &err) == -1)
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	config_free(&c);
	return 0;
}
