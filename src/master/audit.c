/*
 * audit.c: the audit log's file, opened by the master for authd.
 *
 * authd writes one JSON line per decision (src/authd/audit.c) but opens
 * no file: the master opens clawgate.audit.path (O_APPEND, 0600, owned
 * by authd's user, never through a symlink) and hands the descriptor to
 * authd, at spawn in the CG_FD_AUDIT slot and in IPC_M2A_AUDIT_FD after
 * SIGUSR1 (logrotate) or a reload.  With "syslog" authd sends each line
 * here (IPC_A2M_AUDIT) and the master calls syslog(3): authd's sandbox
 * has no socket(2) for /dev/log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

/* The configured destination: a mode, and for a file its path. */
static enum ipc_audit_mode
audit_target(const struct master *m, char *path, size_t len)
{
	const char	*p = m->cfg.audit_path;

	if (strcmp(p, "off") == 0)
		return AUDIT_OFF;
	if (strcmp(p, "syslog") == 0)
		return AUDIT_SYSLOG;
	if (p[0] == '\0')
		snprintf(path, len, "%s/audit.jsonl", m->cfg.state_dir);
	else
		cg_strlcpy(path, p, len);
	return AUDIT_FILE;
}

int
audit_open(struct master *m, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct stat	 st;
	char		 path[4200];
	int		 fd = -1, fl;
	enum ipc_audit_mode mode;

	mode = audit_target(m, path, sizeof(path));
	if (mode == AUDIT_FILE) {
		/* O_NONBLOCK: a FIFO without a reader must not hang us. */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
		if (fd == -1) {
			snprintf(err, errlen, "clawgate.audit.path %s: %s", path,
			    errno == ELOOP ? "is a symbolic link; refusing it" :
			    strerror(errno));
			return -1;
		}
		if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
		    S_ISCHR(st.st_mode))) {
			snprintf(err, errlen, "clawgate.audit.path %s: not a "
			    "regular file", path);
			close(fd);
			return -1;
		}
		if ((fl = fcntl(fd, F_GETFL)) != -1)
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		if (S_ISREG(st.st_mode)) {
			if (geteuid() == 0 &&
			    (pw = getpwnam(m->cfg.auth_user)) != NULL &&
			    fchown(fd, pw->pw_uid, pw->pw_gid) == -1)
				log_warn("chown %s", path);
			if ((st.st_mode & 07777) != 0600 &&
			    fchmod(fd, 0600) == -1)
				log_warn("chmod %s", path);
		}
	}
	if (m->audit_fd != -1)
		close(m->audit_fd);
	m->audit_fd = fd;
	m->audit_mode = mode;
	return 0;
}

/* Give authd the current destination (after SIGUSR1 or a reload). */
void
audit_send(struct master *m)
{
	uint32_t	mode = (uint32_t)m->audit_mode;

	if (m->authd.fd == -1)
		return;		/* a respawned authd gets it at exec */
	if (ipc_send(m->authd.fd, IPC_M2A_AUDIT_FD, 0, &mode, sizeof(mode),
	    mode == AUDIT_FILE ? m->audit_fd : -1) == -1)
		log_warn("sending the audit log to authd");
}

/* SIGUSR1: reopen (logrotate moved the file away) and pass it on. */
void
audit_reopen(struct master *m)
{
	char	err[4400];

	if (audit_open(m, err, sizeof(err)) == -1) {
		log_err("audit log: %s; authd keeps writing the old one", err);
		return;
	}
	audit_send(m);
	log_info("audit log reopened");
}

/* IPC_A2M_AUDIT: authd's line for syslog. */
void
audit_syslog_line(const char *p, size_t len)
{
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\0'))
		len--;
	syslog(LOG_AUTHPRIV | LOG_INFO, "%.*s", (int)len, p);
}
