/*
 * master.h: the privileged parent.  It reads the configuration, owns the
 * listening sockets and the lock, spawns authd and the workers, relays
 * their log lines and respawns them.  It never parses network input.
 */
#ifndef CG_MASTER_H
#define CG_MASTER_H

#include <sys/types.h>

#include <ev.h>
#include <stdint.h>

#include "clawgate.h"
#include "config.h"
#include "fingerprint.h"
#include "ipc.h"
#include "privdrop.h"

#define MAX_WORKERS	64

enum child_kind { CHILD_AUTHD, CHILD_WORKER };

struct child {
	enum child_kind	 kind;
	int		 slot;
	pid_t		 pid;		/* 0 when not running */
	int		 fd;		/* master end of its channel, -1 */
	int		 ready;
	ev_io		 io;
	ev_child	 cw;
	ev_timer	 respawn;
	uint64_t	 started_ms;
	unsigned	 restarts;	/* total respawns */
	unsigned	 backoff_ms;
	uint64_t	 crash_times[8];	/* recent unexpected exits */
	struct ipc_worker_stats stats;	/* last W2M_STATS */
};

/* The resolved shared secret; held only until authd has it. */
struct resolved_secret {
	enum cg_auth_mode	 mode;
	enum cg_secret_source	 source;
	char			*token;		/* malloc'd, wiped */
	char			*password;
	char			 fingerprint[FINGERPRINT_LEN + 1];
	int			 generated;	/* made on this start */
	char			 source_desc[512];
};

struct listener {
	int		family;
	char		host[64];
	int		fds[MAX_WORKERS];	/* one SO_REUSEPORT socket per worker */
};

/* The sockets one configuration asks for (bind + port). */
struct listener_set {
	struct listener	l[CG_MAX_LISTENERS];
	int		n;
	int		port;		/* the bound port (for port 0: the kernel's) */
	int		nworkers;
	uint64_t	generation;
};

struct master {
	struct ev_loop		*loop;
	struct cg_config	 cfg;
	struct resolved_secret	 secret;
	uint8_t			*fp_key;	/* sodium_malloc'd, or NULL */
	char			 config_path[4096];
	char			 config_default[4096];	/* read on reload once it exists */
	int			 foreground;
	int			 verbose;
	int			 sandbox_debug;
	int			 nworkers;
	uint64_t		 generation;
	uint64_t		 started_ms;
	struct listener_set	 ls;
	struct child		 authd;
	struct child		 workers[MAX_WORKERS];
	char			 authd_path[4096];
	char			 authd_state_dir[4200];	/* <stateDir>/authd */
	char			 worker_path[4096];
	int			 stopping;
	int			 exit_code;
	unsigned		 authd_deaths;
	uint64_t		 authd_death_times[4];
	ev_signal		 sigterm, sigint, sighup, sigchld_dummy;
	ev_signal		 sigusr1;	/* reopen the audit log */
	int			 audit_fd;	/* -1 unless AUDIT_FILE */
	enum ipc_audit_mode	 audit_mode;
	ev_timer		 stop_timer;
	int			 notify_fd;	/* daemonizing parent waits on it */
	int			 announced;
	int			 show_token;
	int			 check_only;	/* -n: change nothing on disk */
	int			 preauth_fd;	/* shared pre-auth counting zone */
	int			 port_override;	/* --port or a port env var */
	gid_t			 control_gid;	/* -1: none */
};

/* main.c */
void	master_worker_ready(struct master *);
int	master_reload(struct master *, char *err, size_t errlen);

/* audit.c */
/* Open clawgate.audit.path into m->audit_fd (closing the old one). */
int	audit_open(struct master *, char *err, size_t errlen);
void	audit_send(struct master *);
void	audit_reopen(struct master *);
void	audit_syslog_line(const char *, size_t);

/* control.c */
int	control_open(struct master *, char *err, size_t errlen);
void	control_close(struct master *);
void	control_rpc_result(struct master *, uint64_t id, const char *,
	    size_t);

/* children.c */
void	children_init(struct master *);
int	children_start(struct master *);
void	children_stop(struct master *);
int	children_alive(struct master *);
void	children_refeed(struct master *);
/* Send every running worker the current config and listener set. */
void	children_reconfigure(struct master *, int listeners_changed);

/* listen.c */
int	listeners_open(struct listener_set *, const struct cg_config *,
	    int port, int nworkers, char *err, size_t errlen);
void	listeners_describe(const struct listener_set *, char *buf, size_t len);
int	listeners_probe(const struct cg_config *, int port, char *err,
	    size_t errlen);
void	listeners_close(struct listener_set *);
int	listeners_differ(const struct listener_set *, const struct cg_config *,
	    int port);

/* lock.c */
int	lock_acquire(const char *run_dir, const char *config_path,
	    char *err, size_t errlen);
/* One daemon per state directory: <stateDir>/clawgated.lock. */
int	lock_state_dir(const char *state_dir, const char *config_path,
	    char *err, size_t errlen);
void	lock_release(void);
void	lock_update_pid(const char *config_path);

/* secret.c */
/*
 * Read <stateDir>/fingerprint.key into m->fp_key, or make it (atomically,
 * once per install) when it does not exist; -n (check_only) never makes
 * one and leaves m->fp_key NULL.  secret_resolve() calls it when
 * m->fp_key is NULL.  A damaged file is an error that names it.
 */
int	secret_key_load(struct master *, struct cg_config_error *err);
void	secret_key_free(struct master *);
/*
 * The fingerprint of `s' (trimmed as authd trims a candidate) with the
 * install's key; -1 (and "-") when there is no key or `s' is blank.
 */
int	secret_fingerprint_of(const struct master *, const char *s,
	    size_t len, char out[FINGERPRINT_LEN + 1]);
int	secret_resolve(struct master *, struct cg_config_error *err);
void	secret_wipe(struct resolved_secret *);
void	secret_print_dashboard(struct master *);
/* The dashboard URL; -1 (URL without a token) in password/none mode. */
int	secret_dashboard_url(struct master *, char *buf, size_t len);
/* New generated token, persisted; only for a state-file token. */
int	secret_rotate(struct master *, char *err, size_t errlen);

#endif /* CG_MASTER_H */
