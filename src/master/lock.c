/*
 * lock.c: one clawgated per run directory.  The lock is an flock(2) on
 * <runDir>/clawgated.pid, so a crashed daemon never leaves a stale lock
 * behind; the file names the owner so that a second start can say who.
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

static int	lock_fd = -1;
static char	lock_path[4200];

/* Line 1: the bare pid (pid-file contract); line 2: who, for humans. */
static int
write_owner(const char *config_path)
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
	if (ftruncate(lock_fd, 0) == -1 ||
	    pwrite(lock_fd, owner, (size_t)n, 0) != n)
		return -1;
	return 0;
}

int
lock_acquire(const char *run_dir, const char *config_path, char *err,
    size_t errlen)
{
	char		 owner[512];
	ssize_t		 n;
	int		 fd;

	if (mkdir_p(run_dir, 0755) == -1) {
		snprintf(err, errlen, "cannot create run directory %s: %s "
		    "(set clawgate.runDir to a writable directory)", run_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(lock_path, sizeof(lock_path), "%s/clawgated.pid", run_dir);
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", lock_path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		char *desc;

		n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		/* Line 1 is the bare pid (pid-file contract), line 2 says who. */
		desc = strchr(owner, '\n');
		desc = desc != NULL ? desc + 1 : owner;
		desc[strcspn(desc, "\n")] = '\0';
		snprintf(err, errlen, "clawgated is already running (%s; lock "
		    "%s): stop it first (`clawgate gateway stop`, or "
		    "`kill $(head -n 1 %s)`), or give this instance its own "
		    "clawgate.runDir and port", desc[0] ? desc : "pid unknown",
		    lock_path, lock_path);
		close(fd);
		return -1;
	}
	lock_fd = fd;
	if (write_owner(config_path) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", lock_path,
		    strerror(errno));
		lock_release();
		return -1;
	}
	return 0;
}
void
lock_release(void)
{
	if (lock_fd == -1)
		return;
	(void)unlink(lock_path);
	close(lock_fd);
	lock_fd = -1;
}

void
lock_update_pid(const char *config_path)
{
	if (lock_fd != -1 && write_owner(config_path) == -1)
		log_warn("rewriting %s", lock_path);
}
