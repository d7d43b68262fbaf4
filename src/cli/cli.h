/*
 * cli.h: clawgate(1), the operator's command line.  It edits the
 * configuration file in place and talks to the running daemon over its
 * control socket (docs/CONTROL.md); it never needs the gateway token
 * to do so, and never takes a secret from its arguments.
 */
#ifndef CG_CLI_H
#define CG_CLI_H

#include <limits.h>
#include <stdio.h>

#include <jansson.h>

#include "config.h"

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

struct cli {
	char	 config_path[PATH_MAX];	/* -f, $CLAWGATE_CONFIG or default */
	int	 config_explicit;	/* named, not the default */
	char	 socket_path[PATH_MAX];	/* --socket; "" = from the config */
	int	 timeout_ms;		/* control socket answers */
	int	 json;			/* --json */
	int	 show_token;		/* --show-token */
	int	 daemon_checked;	/* its daemon runs config_path */
};

/* Long options every command accepts (values >= 0x100). */
enum {
	OPT_SOCKET = 0x100,
	OPT_JSON,
	OPT_TIMEOUT,
	OPT_SHOW_TOKEN,
	OPT_FIRST_LOCAL		/* commands number theirs from here */
};

#define COMMON_LONGOPTS \
	{ "config", required_argument, NULL, 'f' }, \
	{ "socket", required_argument, NULL, OPT_SOCKET }, \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT }, \
	{ "help", no_argument, NULL, 'h' }

/* A command: argv[0] is its name. */
typedef int	 cmd_fn(struct cli *, int argc, char *argv[]);

/* main.c */
/* Handle -f/--socket/--timeout; 1 if `ch' was one of them. */
int	 cli_common_opt(struct cli *, int ch, const char *arg);
/* "clawgate: <message>" on stderr; returns EXIT_USAGE. */
int	 cli_usage(const char *help, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 cli_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * " -f FILE" (shell-quoted) when the user named the config (-f or
 * $CLAWGATE_CONFIG), else "": every clawgate command a message suggests
 * carries it.
 */
const char *cli_fopt(const struct cli *);
/* The same inserted into each "`clawgate CMD" of `s' (in place). */
void	 cli_fopt_hints(const struct cli *, char *s, size_t len);
/* printf to stdout with cli_fopt_hints (cli_warnx and cli_usage do it). */
void	 cli_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cfgfile.c: the configuration file. */
/* The default path as clawgated picks it; 1 if named by $CLAWGATE_CONFIG. */
/*
 * Defaults plus the file, as the daemon would read it.  A missing file
 * that was not named explicitly is the built-in defaults (returns 0).
 */
int	 cfg_load(const struct cli *, struct cg_config *,
	    struct cg_config_error *);
/* Read a whole file (at most 1 MiB + 1); malloc'd, NUL-terminated. */
char	*cfg_read(const char *path, size_t *len, char *err, size_t errlen);
/* Replace `path' atomically with `text', keeping mode and owner. */
int	 cfg_write(const char *path, const char *text, size_t len,
	    char *err, size_t errlen);
/* Lock the file against other clawgate editors; fd or -1. */
int	 cfg_lock(const char *path);
/* "file:line:col: msg" of a config error. */
void	 cfg_errstr(const struct cg_config_error *, char *, size_t);

/* ctl.c: the control socket. */
/*
 * CTL_CONFIG: the named config file cannot be read or parsed, so no
 * daemon was asked; CTL_MISMATCH: the daemon on the socket runs another
 * config file.  For these two, msg[fix_at] starts "; " and the fix.
 */
enum ctl_status { CTL_OK = 0, CTL_NOT_RUNNING, CTL_FAILED, CTL_CONFIG,
	CTL_MISMATCH };
struct ctl_error {
	enum ctl_status	 status;
	char		 msg[1024];
	int		 fix_at;
};
/* The socket's path: --socket, or <runDir>/clawgated.sock. */
void	 ctl_path(struct cli *, char *buf, size_t len);
/* ctl_path, or -1 (CTL_CONFIG in `e') for a named file that is broken. */
int	 ctl_resolve(struct cli *, char *buf, size_t len, struct ctl_error *);
/*
 * One request, one answer (a JSON object), or NULL with `e' saying why:
 * CTL_NOT_RUNNING when nothing listens on the socket.
 */
json_t	*ctl_call(struct cli *, json_t *req, struct ctl_error *e);
/* ctl_call with {"cmd": cmd}. */
json_t	*ctl_cmd(struct cli *, const char *cmd, struct ctl_error *e);
/*
 * The running daemon's fingerprint of `secret' (only the daemon holds
 * the key): {"ok":true, "fingerprint", "expected", "mode", "match"}, or
 * NULL with `e' saying why (CTL_NOT_RUNNING: no daemon).  The request
 * is wiped after sending.
 */
json_t	*ctl_fingerprint(struct cli *, const char *secret,
	    struct ctl_error *e);
/* The "error" of an {"ok":false} answer, as text. */
const char *ctl_answer_error(const json_t *ans, char *buf, size_t len);

/* secret_input.c: secrets for `config set'. */
/* NULL if `s' is safe in URLs and shells, else why not (no secret in it). */
const char *secret_unsafe(const char *s, char *why, size_t len);
/* Read one secret from a file ("-" = stdin).  malloc'd or NULL + err. */
char	*secret_read(const char *file, char *err, size_t errlen);
/* A new URL-safe token: 32 random bytes, base64url (43 chars). */
char	*secret_generate(void);
/* Is `path' one of the secret keys? */
int	 secret_path(const char *path);

/* out.c: presentation. */
void	 out_json(const json_t *);		/* pretty, to stdout */
/* "3m12s", "2d4h" */
void	 out_duration(char *buf, size_t len, long long ms);
/* "2026-11-22T10:31:04Z" from ms since the epoch */
void	 out_time(char *buf, size_t len, long long ms);
/* Strip "#token=..." from a URL in place. */
void	 out_strip_token(char *url);
/* A table: rows of `ncols' cells, first row the header. */
void	 out_table(FILE *, const char *const *cells, int nrows, int ncols);

/* Commands. */
cmd_fn	 cmd_config;
cmd_fn	 cmd_gateway;
cmd_fn	 cmd_devices;
cmd_fn	 cmd_dashboard;
cmd_fn	 cmd_token;
cmd_fn	 cmd_logs;
cmd_fn	 cmd_doctor;

/* config_cmd.c, for doctor --fix: one validated, atomic batch. */
struct cfg_change {
	const char	*path;
	json_t		*value;		/* NULL: unset */
};
#define CFG_QUIET	0x01	/* cfg_apply: no warnings */
#define CFG_DRY_RUN	0x02	/* cfg_apply: validate, write nothing */
int	 cfg_apply(struct cli *, const struct cfg_change *, int n, int quiet,
	    char *err, size_t errlen);

/* gateway.c, for doctor and logs: the daemon's status, or NULL. */
json_t	*gateway_status(struct cli *, struct ctl_error *);
/* The systemd unit running pid, or "" ("clawgated.service"). */
int	 gateway_systemd_unit(long pid, char *unit, size_t len);

#endif /* CG_CLI_H */
