/*
 * remote.h: clawgate(1) as a remote operator client.  With --url a
 * command goes over the OpenClaw protocol 4 WebSocket like any client
 * (connect.challenge -> connect -> hello-ok -> requests), signing with
 * the CLI's own Ed25519 device identity (protocol.md §6, v3 payload)
 * kept in $XDG_CONFIG_HOME/clawgate/identity.json, and remembering the
 * device token a gateway issues, per gateway URL, in device-tokens.json
 * beside it.  Secrets come from a file, stdin or the environment, never
 * from argv.
 */
#ifndef CG_REMOTE_H
#define CG_REMOTE_H

#include <getopt.h>
#include <stddef.h>

#include <jansson.h>

#include "cli.h"

struct remote_opts {
	const char	*url;		/* --url; NULL: control socket */
	const char	*bind_addr;	/* --bind: local source address */
	const char	*token_file;	/* --token-file ("-": stdin) */
	const char	*password_file;	/* --password-file */
};

/* Option values, above any command's own (OPT_FIRST_LOCAL + n). */
enum {
	OPT_URL = 0x200,
	OPT_BIND,
	OPT_TOKEN_FILE,
	OPT_PASSWORD_FILE,
	OPT_TOKEN_ARGV,		/* --token VALUE: refused */
	OPT_PASSWORD_ARGV	/* --password VALUE: refused */
};

#define REMOTE_LONGOPTS \
	{ "url", required_argument, NULL, OPT_URL }, \
	{ "bind", required_argument, NULL, OPT_BIND }, \
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE }, \
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE }, \
	{ "token", required_argument, NULL, OPT_TOKEN_ARGV }, \
	{ "password", required_argument, NULL, OPT_PASSWORD_ARGV }

#define REMOTE_HELP \
"Remote, over the gateway's WebSocket (like any operator client):\n" \
"  --url ws://HOST:PORT   the gateway (ws:// only; wss:// via an SSH\n" \
"                         tunnel or a TLS proxy)\n" \
"  --token-file F | --password-file F   the gateway secret (\"-\": stdin);\n" \
"                         else $CLAWGATE_GATEWAY_TOKEN or\n" \
"                         $OPENCLAW_GATEWAY_TOKEN (or *_PASSWORD), else the\n" \
"                         device token stored for that URL.  Never\n" \
"                         --token VALUE.\n" \
"  --bind ADDR            local source address\n"

/*
 * One of the options above: 1 taken, 0 not one of them, -1 refused
 * (the message is printed; exit EXIT_USAGE).
 */
int		 remote_opt(struct remote_opts *, int ch, const char *arg);
/* After parsing: -1 (printed) when a remote option came without --url. */
int		 remote_check(const struct remote_opts *);

struct remote;

/*
 * Connect, authenticate as role operator asking for `scopes', store a
 * device token from hello-ok.  NULL on failure, after the gateway's
 * message and a hint that fits were printed on stderr; `err' (may be
 * NULL) gets the message alone.
 */
struct remote	*remote_connect(struct cli *, const struct remote_opts *,
		    const char *const *scopes, int nscopes, char *err,
		    size_t errlen);
/*
 * One request (`params' is stolen; NULL sends none).  The payload, or
 * NULL with the gateway's message in `err'.  Changes to this CLI's own
 * device (remove, rotate, revoke) update the stored device token.
 */
json_t		*remote_call(struct remote *, const char *method,
		    json_t *params, char *err, size_t errlen);
/* hello-ok, without the device token. */
const json_t	*remote_hello(const struct remote *);
/* This CLI's device id (64 hex). */
const char	*remote_device_id(const struct remote *);
/* The URL as connected, and "local -> peer" addresses. */
const char	*remote_url(const struct remote *);
const char	*remote_endpoints(const struct remote *);
/* Where this connection's credential came from ("--token-file F", ...). */
const char	*remote_cred_source(const struct remote *);
void		 remote_close(struct remote *);

#endif /* CG_REMOTE_H */
