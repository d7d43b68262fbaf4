/*
 * lock.c: one clawgated per run directory, and one per state directory.
 *
 * Each lock is an flock(2) on a file that names its holder, so a crashed
 * daemon never leaves a stale lock behind and a second start can say who
 * is in the way:
 *
 *   <runDir>/clawgated.pid	the instance lock, also the pid file;
 *   <stateDir>/clawgated.lock	two daemons on one state directory would
 *				replace each other's pairing store and token
 *				file, each erasing what the other saved.
 *
 * Both are held until the master exits; the children never have them.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

struct lockfile {
	int	fd;
	int	is_pidfile;	/* removed on release */
	char	path[4200];
};

/* Who holds a lock, from its file's second line. */
struct holder {
	long	pid;
	char	started[32];
	char	config[4096];
	char	line[4400];	/* the whole line, for what did not parse */
};

static struct lockfile	run_lock = { -1, 1, "" };
static struct lockfile	state_lock = { -1, 0, "" };

/* Line 1: the bare pid (pid-file contract); line 2: who, for humans. */
static int
write_owner(struct lockfile *l, const char *config_path)
{
	char		 owner[4400], when[32];
	struct tm	 tm;
	time_t		 now;
	int		 n;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(owner, sizeof(owner), "%ld\npid %ld, started %s, "
	    "config %s\n", (long)getpid(), (long)getpid(), when,
	    config_path[0] ? config_path : "(built-in defaults)");
	if (n < 0 || (size_t)n >= sizeof(owner))
		n = (int)strlen(owner);
	if (ftruncate(l->fd, 0) == -1 ||
	    pwrite(l->fd, owner, (size_t)n, 0) != n)
		return -1;
	return 0;
}

static void
read_holder(int fd, struct holder *h)
{
	char	 buf[sizeof(h->line) + 32], *line;
	ssize_t	 n;

	memset(h, 0, sizeof(*h));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	line = strchr(buf, '\n');
	line = line != NULL ? line + 1 : buf;
	line[strcspn(line, "\n")] = '\0';
	cg_strlcpy(h->line, line, sizeof(h->line));
	if (sscanf(line, "pid %ld, started %31[^,], config %4095[^\n]",
	    &h->pid, h->started, h->config) != 3)
		h->pid = 0;
}

/*
 * Lock <dir>/<name>, creating the directory with `mode' if need be.
 * 0: held, and the file names us; 1: someone else holds it, described
 * in `h'; -1: an error, in `err'.
 */
static int
lock_take(struct lockfile *l, const char *dir, mode_t mode, const char *name,
    const char *what, const char *key, const char *config_path,
    struct holder *h, char *err, size_t errlen)
{
	int	fd;

	if (mkdir_p(dir, mode) == -1) {
		snprintf(err, errlen, "cannot create %s directory %s: %s (set "
		    "clawgate.%s to a writable directory)", what, dir,
		    strerror(errno), key);
		return -1;
	}
	snprintf(l->path, sizeof(l->path), "%s/%s", dir, name);
	fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    l->is_pidfile ? 0644 : 0600);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s (set clawgate.%s to "
		    "a writable directory)", l->path, strerror(errno), key);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		read_holder(fd, h);
		close(fd);
		return 1;
	}
	l->fd = fd;
	if (write_owner(l, config_path) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", l->path,
		    strerror(errno));
		lock_release();
		return -1;
	}
	return 0;
}

int
lock_acquire(const char *run_dir, const char *config_path, char *err,
    size_t errlen)
{
	struct holder	h;
	int		rc;

	rc = lock_take(&run_lock, run_dir, 0755, "clawgated.pid", "run",
	    "runDir", config_path, &h, err, errlen);
	if (rc != 1)
		return rc;
	snprintf(err, errlen, "clawgated is already running (%s; lock %s): "
	    "stop it first (`clawgate gateway stop`, or `kill $(head -n 1 "
	    "%s)`), or give this instance its own clawgate.runDir and port",
	    h.line[0] ? h.line : "pid unknown", run_lock.path, run_lock.path);
	return -1;
}

/*
 * The state directory holds the pairing store, the token file and the
 * fingerprint key: a second daemon there would silently undo the first
 * one's pairings, so it is a configuration error (exit 78).
 */
int
lock_state_dir(const char *state_dir, const char *config_path, char *err,
    size_t errlen)
{
	struct holder	h;
	char		stop[4200];
	int		rc;

	rc = lock_take(&state_lock, state_dir, 0700, "clawgated.lock",
	    "state", "stateDir", config_path, &h, err, errlen);
	if (rc != 1)
		return rc;
	if (h.pid == 0) {
		snprintf(err, errlen, "stateDir %s is in use by another "
		    "clawgated (lock %s: \"%s\"): stop it or give this instance "
		    "its own clawgate.stateDir", state_dir, state_lock.path,
		    h.line);
		return -1;
	}
	if (h.config[0] == '/')
		snprintf(stop, sizeof(stop), "clawgate -f %s gateway stop",
		    h.config);
	else
		snprintf(stop, sizeof(stop), "clawgate gateway stop");
	snprintf(err, errlen, "stateDir %s is in use by clawgated pid %ld "
	    "(config %s) started %s: stop it (`%s`) or give this instance its "
	    "own clawgate.stateDir", state_dir, h.pid, h.config, h.started,
	    stop);
	return -1;
}

/*
 * The pid file goes; the state lock file stays, emptied: removing a
 * lock file lets a waiter lock the old inode while a newcomer locks a
 * new one.
 */
static void
lock_drop(struct lockfile *l)
{
	if (l->fd == -1)
		return;
	if (l->is_pidfile)
		(void)unlink(l->path);
	else
		(void)!ftruncate(l->fd, 0);
	close(l->fd);
	l->fd = -1;
}

void
lock_release(void)
{
	lock_drop(&state_lock);
	lock_drop(&run_lock);
}

void
lock_update_pid(const char *config_path)
{
	if (run_lock.fd != -1 && write_owner(&run_lock, config_path) == -1)
		log_warn("rewriting %s", run_lock.path);
	if (state_lock.fd != -1 && write_owner(&state_lock, config_path) == -1)
		log_warn("rewriting %s", state_lock.path);
}
