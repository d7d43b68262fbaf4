/*
 * doctor.h: `clawgate doctor', shared between its files: doctor.c (the
 * command, inputs, fixes, report), doctor_checks.c (the daemon, the
 * configuration and its secrets) and doctor_host.c (files, processes,
 * ports and container networks on this host).
 */
#ifndef CG_DOCTOR_H
#define CG_DOCTOR_H

#include <sys/types.h>

#include <limits.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "json5.h"

#define MAX_FINDINGS	64
#define TOKEN_FILE	"gateway.token"

enum sev { SEV_INFO = 0, SEV_WARN, SEV_CRIT };

enum fix_kind {
	FIX_NONE = 0,
	FIX_CHMOD,		/* chmod(arg, mode) */
	FIX_UNLINK,		/* unlink(arg) */
	FIX_UNSET,		/* config unset arg */
	FIX_MOVE_SECRET,	/* arg's value to gateway.auth.token, unset arg2 */
	FIX_GEN_TOKEN,		/* write <stateDir>/gateway.token */
	FIX_SET,		/* config set arg to the JSON text in value */
};

struct finding {
	char		 id[40];
	enum sev	 sev;
	char		 what[1200];
	char		 fix[700];
	enum fix_kind	 kind;
	char		 arg[PATH_MAX];
	char		 arg2[128];
	mode_t		 mode;
	char		 value[1024];	/* FIX_SET: JSON text */
	int		 fixed;
	char		 done[600];
};

struct doctor {
	struct cli		*c;
	int			 fix;
	json_t			*st;		/* daemon status, or NULL */
	struct ctl_error	 ce;
	struct cg_config	 cfg;
	int			 cfg_ok;
	struct cg_config_error	 cerr;
	struct json5_doc	*raw;		/* the file as written, or NULL */
	const char		*client_config;
	char			 dfp[17];	/* the daemon's fingerprint */
	char			 dsrc[512];	/* and where it comes from */
	struct finding		 f[MAX_FINDINGS];
	int			 n;
	int			 rechecked;	/* after --fix */
};


/* doctor.c */
struct finding	*doctor_add(struct doctor *, enum sev, const char *id);
const char	*doctor_jstr(const json_t *, const char *key);
void		 load_inputs(struct doctor *);
const char	*doctor_raw_str(const struct doctor *, const char *path);
int		 doctor_raw_has(const struct doctor *, const char *path);
char		*doctor_state_token(const struct doctor *);
void		 doctor_wipe_free(char *);

/* doctor_checks.c */
void	check_daemon(struct doctor *);
void	check_config(struct doctor *);
void	check_exposure(struct doctor *);
void	check_env(struct doctor *);
void	check_client(struct doctor *);
void	check_tokens(struct doctor *);

/* doctor_host.c */
void	check_files(struct doctor *);
void	check_stale(struct doctor *);
void	check_instances(struct doctor *);
void	check_port(struct doctor *);
void	check_containers(struct doctor *);
void	check_loopback_peers(struct doctor *);
/* doctor_nat.c */
void	check_nat_peers(struct doctor *);

#endif /* CG_DOCTOR_H */
