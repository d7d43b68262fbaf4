/*
 * config.h: the clawgated configuration, read from one JSON5 file that
 * uses OpenClaw's `gateway.*' keys plus a `clawgate' section for the
 * process model.  See clawgated.conf(5).
 */
#ifndef CG_CONFIG_H
#define CG_CONFIG_H

#include <limits.h>
#include <stdint.h>

#include "addr.h"

#define CFG_MAX_CIDRS	16
#define CFG_MAX_ORIGINS	16
#define CFG_MAX_WARNINGS 8

enum cg_bind { BIND_LOOPBACK = 0, BIND_LAN, BIND_CUSTOM };
enum cg_auth_mode { AUTHMODE_TOKEN = 0, AUTHMODE_PASSWORD, AUTHMODE_NONE };

/* Where the effective shared secret came from. */
enum cg_secret_source {
	SECRET_NONE = 0,
	SECRET_CONFIG,		/* gateway.auth.token/password in the file */
	SECRET_ENV_CLAWGATE,	/* CLAWGATE_GATEWAY_TOKEN/_PASSWORD */
	SECRET_ENV_OPENCLAW,	/* OPENCLAW_GATEWAY_TOKEN/_PASSWORD */
	SECRET_STATE_FILE,	/* generated, <stateDir>/gateway.token */
	SECRET_FILE,		/* gateway.auth.tokenFile/passwordFile */
};


struct cg_config {
	char		path[PATH_MAX];	/* "" when running on built-in defaults */

	/* gateway.* */
	int		port;			/* 1..65535, default 18789 */
	enum cg_bind	bind;			/* default loopback */
	char		custom_bind_host[64];	/* IPv4 literal, bind=custom */
	enum cg_auth_mode auth_mode;
	int		auth_mode_set;		/* explicit in file or flag */
	char		*auth_token;		/* malloc'd, wiped on free; NULL if absent */
	char		*auth_password;
	/*
	 * gateway.auth.tokenFile / passwordFile: a file that holds the
	 * secret (a Kubernetes Secret volume, /run/secrets/NAME), read by
	 * the master at start and at reload; "" when unset.
	 */
	char		auth_token_file[PATH_MAX];
	char		auth_password_file[PATH_MAX];
	struct {
		int	max_attempts;		/* 10 */
		int	window_ms;		/* 60000 */
		int	lockout_ms;		/* 300000 */
		int	exempt_loopback;	/* 1 */
		int	ipv4_prefix;		/* 32: one key per address */
		int	ipv6_prefix;		/* 64: one key per /64 */
	}		rate_limit;
	int		allow_no_auth_on_network; /* gateway.auth.dangerouslyAllowNoAuthOnNetwork */
	int		allow_any_origin_on_network; /* gateway.controlUi.dangerouslyAllowAnyOriginOnNetwork */
	struct cg_cidr	local_peers[CFG_MAX_CIDRS];
	int		nlocal_peers;		/* gateway.localPeers */
	struct cg_cidr	trusted_proxies[CFG_MAX_CIDRS];
	int		ntrusted_proxies;	/* gateway.trustedProxies */
	int		control_ui_enabled;	/* gateway.controlUi.enabled, 1 */
	char		control_ui_base_path[128]; /* "" or "/prefix" */
	char		allowed_origins[CFG_MAX_ORIGINS][128];
	int		nallowed_origins;

	/* clawgate.* */
	int		workers;		/* 0 = number of CPUs */
	char		user[64];		/* workers, "_clawgate" */
	char		auth_user[64];		/* authd, "_clawgate_auth" */
	char		state_dir[PATH_MAX];
	char		run_dir[PATH_MAX];
	char		chroot_dir[PATH_MAX];	/* empty dir, "/var/empty" */
	char		log_file[PATH_MAX];	/* "" = stderr/syslog */
	char		control_group[64];	/* may use the control socket */
	/* clawgate.audit.path: "" = <stateDir>/audit.jsonl, "syslog", "off" */
	char		audit_path[PATH_MAX];

	/*
	 * Non-fatal findings of the last load, "file:line:col: text", for
	 * the caller to log: a ${VAR} that was missing or empty (that value
	 * is treated as unset), a short secret, a wildcard origin.  Never
	 * holds a secret value.
	 */
	char		warnings[CFG_MAX_WARNINGS][384];
	int		nwarnings;
};

/*
 * A config error: where and what.  `line'/`col' are 1-based; 0 when the
 * error is not tied to a place in the file (e.g. two keys that conflict,
 * then the place is that of the later key when known).
 */
struct cg_config_error {
	char		file[PATH_MAX];
	int		line;
	int		col;
	char		msg[512];
};

/*
 * Where the configuration is when no -f is given: $CLAWGATE_CONFIG, else
 * SYSCONFDIR/clawgate/clawgate.json5 for root, else the user's config
 * directory.  Returns 1 when the path was named explicitly (then a
 * missing file is an error, not "use the defaults").
 */
int	config_default_path(char *buf, size_t len);

/* Fill `c' with the built-in defaults (no file). */
void	config_defaults(struct cg_config *c);

/*
 * Read and validate the JSON5 file at `path' into `c' (which must hold
 * defaults already).  Returns 0, or -1 with `err' filled.  Validation is
 * of the whole file: unknown keys, retired keys, wrong types, and values
 * that need two keys changed together are all errors.  On error `c' is
 * left exactly as it was, so a failed reload keeps the running config.
 */
int	config_load_file(struct cg_config *c, const char *path,
	    struct cg_config_error *err);

/*
 * Parse JSON5 text (used by config_load_file and the tests).  `name' is
 * used in error messages.
 */
int	config_load_text(struct cg_config *c, const char *text, size_t len,
	    const char *name, struct cg_config_error *err);

/*
 * Final cross-checks after flags and environment were applied (e.g. auth
 * mode none on a non-loopback bind).  Mode password without a password
 * is refused here, not at load, because CLAWGATE_GATEWAY_PASSWORD or
 * OPENCLAW_GATEWAY_PASSWORD may provide it: either counts, as does
 * auth_password.  Returns 0 or -1 with `err'.
 */
int	config_check(const struct cg_config *c, struct cg_config_error *err);

/* Wipe secrets and free what config_load_* allocated. */
void	config_free(struct cg_config *c);


#endif /* CG_CONFIG_H */
