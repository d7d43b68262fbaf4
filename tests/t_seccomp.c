/*
 * t_seccomp.c: the real per-role sandbox (sandbox_apply() from
 * libcommon) kills, refuses or allows exactly what sandbox_seccomp.c
 * says.  Every probe runs in its own forked child, which applies the
 * filter and makes one call: a filter installed here would stay for
 * the rest of the run (architecture.md P15), and a sandboxed child can
 * not fork again.
 *
 * The parent asserts WTERMSIG == SIGSYS for calls the filter kills,
 * errno EACCES for the soft denials (libc probes degrade, they do not
 * die), and success for what a role needs.  In debug mode the filter
 * traps instead of killing and the handler names the call to the master
 * (fd 3, IPC_X2M_LOG) before exiting.
 *
 * Output is TAP-like for the log; the exit status is what the driver
 * reads: 0 all passed, 1 a failure, 77 no seccomp here (SKIP).
 *
 * Built with --enable-sanitizers the filter also allows what the ASan
 * runtime needs (open, mprotect, clone, ptrace, kill, ...): those probes
 * are reported as skipped there, the others still run.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clawgate.h"
#include "ipc.h"
#include "sandbox.h"

#ifndef WITH_SANITIZERS
#define WITH_SANITIZERS 0
#endif

/* What a probe's child reports when the call returned. */
#define RES_OK		0	/* the call succeeded */
#define RES_EACCES	10	/* failed with EACCES */
#define RES_OTHER		11	/* failed with another errno */
#define RES_WRONG		12	/* succeeded but did the wrong thing */
#define RES_EAGAIN	13	/* failed with EAGAIN (nothing pending) */

enum expect { EXP_SIGSYS, EXP_EACCES, EXP_OK, EXP_EAGAIN };

#define ROLE_A	0x1	/* SANDBOX_AUTHD */
#define ROLE_W	0x2	/* SANDBOX_WORKER */

/* Descriptors opened before the filter, as the daemons do. */
struct pre {
	int	pipe[2];
	int	listen;		/* nonblocking TCP listener on 127.0.0.1 */
	int	store;		/* a scratch directory (authd's store) */
	int	other;		/* another directory */
	pid_t	parent;		/* the test process */
};

struct probe {
	const char	*name;
	int		(*fn)(const struct pre *);
	unsigned	 roles;
	enum expect	 authd, worker;	/* per role */
	int		 allowed_by_san; /* the sanitizer list allows it */
	int		 with_store;	/* authd gets the store dirfd */
};

static int	ntests, nfail, nskip;
static char	scratch[] = "/tmp/t_seccomp.XXXXXX";

static void
report(int pass, const char *fmt, ...)
{
	va_list	ap;

	ntests++;
	if (!pass)
		nfail++;
	printf("%s %d - ", pass ? "ok" : "not ok", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void
skip(const char *why, const char *fmt, ...)
{
	va_list	ap;

	ntests++;
	nskip++;
	printf("ok %d - ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

static int
errno_result(void)
{
	if (errno == EACCES)
		return RES_EACCES;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return RES_EAGAIN;
	return RES_OTHER;
}

/* ---- the probes: each makes one call after the filter ----------------- */

static int
p_socket(const struct pre *pre)
{
	return socket(AF_INET, SOCK_STREAM, 0) == -1 ? errno_result() : RES_OK;
}

static int
p_socketpair(const struct pre *pre)
{
	int	sv[2];

	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ?
	    errno_result() : RES_OK;
}

static int
p_connect(const struct pre *pre)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* On the listener's fd: the call itself is what is filtered. */
	return connect(pre->listen, (struct sockaddr *)&sin, sizeof(sin)) ==
	    -1 ? errno_result() : RES_OK;
}

static int
p_execve(const struct pre *pre)
{
	char	*argv[] = { (char *)"/bin/true", NULL };
	char	*envp[] = { NULL };

	execve(argv[0], argv, envp);
	return errno_result();
}

static int
p_fork(const struct pre *pre)
{
	pid_t	pid;

	if ((pid = fork()) == 0)
		_exit(0);
	return pid == -1 ? errno_result() : RES_OK;
}

static int
p_ptrace(const struct pre *pre)
{
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 ?
	    errno_result() : RES_OK;
}

static int
p_kill(const struct pre *pre)
{
	/*
	 * Signal 0 to the parent (its pid read before the filter, as
	 * getppid is not allowed either): a worker must not reach authd.
	 */
	return kill(pre->parent, 0) == -1 ? errno_result() : RES_OK;
}

static int
p_setuid(const struct pre *pre)
{
	/* The raw call: glibc's wrapper may broadcast to threads first. */
	return syscall(SYS_setuid, 0) == -1 ? errno_result() : RES_OK;
}

static int
p_mmap_exec(const struct pre *pre)
{
	void	*p;

	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? errno_result() : RES_OK;
}

static int
p_mprotect_exec(const struct pre *pre)
{
	void	*p;

	/* A plain mapping is allowed; making it executable is not. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return RES_WRONG;
	return mprotect(p, 4096, PROT_READ | PROT_EXEC) == -1 ?
	    errno_result() : RES_OK;
}

static int
p_open_passwd(const struct pre *pre)
{
	int	fd;

	if ((fd = open("/etc/passwd", O_RDONLY)) == -1)
		return errno_result();
	return RES_OK;
}

static int
p_stat_passwd(const struct pre *pre)
{
	struct stat	st;

	return stat("/etc/passwd", &st) == -1 ? errno_result() : RES_OK;
}

static int
p_openat_store(const struct pre *pre)
{
	int	fd;

	fd = openat(pre->store, "probe", O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return errno_result();
	if (write(fd, "x", 1) != 1 || fsync(fd) == -1)
		return RES_WRONG;
	return RES_OK;
}

static int
p_openat_other(const struct pre *pre)
{
	/* A directory descriptor that is not the store's. */
	return openat(pre->other, "probe", O_WRONLY | O_CREAT, 0600) == -1 ?
	    errno_result() : RES_OK;
}

static int
p_rename_in_store(const struct pre *pre)
{
	int	fd;

	fd = openat(pre->store, "a.tmp", O_WRONLY | O_CREAT, 0600);
	if (fd == -1)
		return errno_result();
	close(fd);
	if (renameat(pre->store, "a.tmp", pre->store, "a") == -1)
		return errno_result();
	return unlinkat(pre->store, "a", 0) == -1 ? errno_result() : RES_OK;
}

static int
p_rename_out_of_store(const struct pre *pre)
{
	/* The file exists (created before the filter). */
	return renameat(pre->store, "seed", pre->other, "stolen") == -1 ?
	    errno_result() : RES_OK;
}

static int
p_pipe_rw(const struct pre *pre)
{
	char	c = 0;

	if (write(pre->pipe[1], "z", 1) != 1)
		return errno_result();
	if (read(pre->pipe[0], &c, 1) != 1)
		return errno_result();
	return c == 'z' ? RES_OK : RES_WRONG;
}

static int
p_getrandom(const struct pre *pre)
{
	unsigned char	b[32];
	size_t		i, nz = 0;

	if (syscall(SYS_getrandom, b, sizeof(b), 0) != (long)sizeof(b))
		return errno_result();
	for (i = 0; i < sizeof(b); i++)
		nz += b[i] != 0;
	return nz > 0 ? RES_OK : RES_WRONG;
}

static int
p_malloc(const struct pre *pre)
{
	char	*p;
	size_t	 n = 4 << 20;	/* above the mmap threshold */

	if ((p = malloc(n)) == NULL)
		return RES_WRONG;
	memset(p, 0xa5, n);
	p = realloc(p, 2 * n);	/* mremap */
	if (p == NULL)
		return RES_WRONG;
	free(p);
	return RES_OK;
}

static int
p_clock(const struct pre *pre)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return errno_result();
	return ts.tv_sec > 0 || ts.tv_nsec > 0 ? RES_OK : RES_WRONG;
}

static int
p_accept4(const struct pre *pre)
{
	/* Nothing is pending: EAGAIN if the call is allowed at all. */
	return accept4(pre->listen, NULL, NULL, SOCK_NONBLOCK) == -1 ?
	    errno_result() : RES_WRONG;
}

static const struct probe probes[] = {
	/* name          fn        roles          authd     worker   san st */
	{ "socket(2)", p_socket, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 0, 0 },
	{ "socketpair(2)", p_socketpair, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS,
	    0, 0 },
	{ "connect(2)", p_connect, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 0, 0 },
	{ "execve(2)", p_execve, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 0, 0 },
	{ "fork(2)", p_fork, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 1, 0 },
	{ "ptrace(2)", p_ptrace, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 1, 0 },
	{ "kill(2)", p_kill, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 1, 0 },
	{ "setuid(2)", p_setuid, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS, 0, 0 },
	{ "mmap(PROT_EXEC)", p_mmap_exec, ROLE_A | ROLE_W, EXP_SIGSYS, EXP_SIGSYS,
	    1, 0 },
	{ "mprotect(PROT_EXEC)", p_mprotect_exec, ROLE_A | ROLE_W, EXP_SIGSYS,
	    EXP_SIGSYS, 1, 0 },
	{ "open(\"/etc/passwd\")", p_open_passwd, ROLE_A | ROLE_W, EXP_EACCES,
	    EXP_EACCES, 1, 0 },
	{ "stat(\"/etc/passwd\")", p_stat_passwd, ROLE_A | ROLE_W, EXP_EACCES,
	    EXP_EACCES, 1, 0 },
	{ "read/write on a pipe", p_pipe_rw, ROLE_A | ROLE_W, EXP_OK, EXP_OK, 0,
	    0 },
	{ "getrandom(2)", p_getrandom, ROLE_A | ROLE_W, EXP_OK, EXP_OK, 0, 0 },
	{ "malloc/realloc of 4-8 MiB", p_malloc, ROLE_A | ROLE_W, EXP_OK, EXP_OK,
	    0, 0 },
	{ "clock_gettime(2)", p_clock, ROLE_A | ROLE_W, EXP_OK, EXP_OK, 0, 0 },
	{ "accept4(2) on an inherited listener", p_accept4, ROLE_A | ROLE_W,
	    EXP_SIGSYS, EXP_EAGAIN, 0, 0 },
	/* authd with its store directory; a worker never gets one. */
	{ "openat(store dirfd) create+write+fsync", p_openat_store,
	    ROLE_A | ROLE_W, EXP_OK, EXP_EACCES, 1, 1 },
	{ "openat(another dirfd)", p_openat_other, ROLE_A, EXP_EACCES, EXP_EACCES,
	    1, 1 },
	{ "open(\"/etc/passwd\") with a store", p_open_passwd, ROLE_A,
	    EXP_EACCES, EXP_EACCES, 1, 1 },
	{ "renameat+unlinkat inside the store", p_rename_in_store, ROLE_A,
	    EXP_OK, EXP_OK, 0, 1 },
	{ "renameat out of the store", p_rename_out_of_store, ROLE_A,
	    EXP_SIGSYS, EXP_SIGSYS, 0, 1 },
	{ "socket(2) with a store", p_socket, ROLE_A, EXP_SIGSYS, EXP_SIGSYS, 0,
	    1 },
};

/* ---- running one probe ------------------------------------------------ */

static const char *
expect_name(enum expect x)
{
	switch (x) {
	case EXP_SIGSYS:	return "killed by SIGSYS";
	case EXP_EACCES:	return "fails with EACCES";
	case EXP_OK:	return "allowed";
	case EXP_EAGAIN:	return "allowed (EAGAIN)";
	}
	return "?";
}

static void
describe(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		switch (WEXITSTATUS(st)) {
		case RES_OK:	snprintf(buf, len, "call succeeded"); break;
		case RES_EACCES:	snprintf(buf, len, "EACCES"); break;
		case RES_EAGAIN:	snprintf(buf, len, "EAGAIN"); break;
		case RES_OTHER:	snprintf(buf, len, "another errno"); break;
		case RES_WRONG:	snprintf(buf, len, "wrong result"); break;
		default:	snprintf(buf, len, "exit %d", WEXITSTATUS(st));
		}
	else
		snprintf(buf, len, "status %#x", st);
}

static int
status_matches(int st, enum expect x)
{
	switch (x) {
	case EXP_SIGSYS:
		return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
	case EXP_EACCES:
		return WIFEXITED(st) && WEXITSTATUS(st) == RES_EACCES;
	case EXP_OK:
		return WIFEXITED(st) && WEXITSTATUS(st) == RES_OK;
	case EXP_EAGAIN:
		return WIFEXITED(st) && WEXITSTATUS(st) == RES_EAGAIN;
	}
	return 0;
}

static int
open_dir(const char *name)
{
	char	path[256];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* In the child: what the daemons hold before the filter. */
static void
prepare(struct pre *pre)
{
	struct sockaddr_in	sin;
	int			fd;

	pre->parent = getppid();
	if (pipe(pre->pipe) == -1)
		_exit(90);
	if ((pre->listen = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0))
	    == -1)
		_exit(91);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(pre->listen, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(pre->listen, 4) == -1)
		_exit(92);
	if ((pre->store = open_dir("store")) == -1 ||
	    (pre->other = open_dir("other")) == -1)
		_exit(93);
	if ((fd = openat(pre->store, "seed", O_WRONLY | O_CREAT, 0600)) == -1)
		_exit(94);
	close(fd);
}

static void
run_probe(const struct probe *p, enum sandbox_role role)
{
	const char	*rname = role == SANDBOX_AUTHD ? "authd" : "worker";
	enum expect	 x = role == SANDBOX_AUTHD ? p->authd : p->worker;
	struct pre	 pre;
	char		 got[96];
	pid_t		 pid;
	int		 st;

	if (!(p->roles & (role == SANDBOX_AUTHD ? ROLE_A : ROLE_W)))
		return;
	if (WITH_SANITIZERS && p->allowed_by_san && x != EXP_OK) {
		skip("the sanitizer build allows it", "%s: %s %s", rname,
		    p->name, expect_name(x));
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		alarm(10);	/* a hung probe dies with SIGALRM */
		prepare(&pre);
		sandbox_apply(role, 0, p->with_store ? pre.store : -1);
		_exit(p->fn(&pre));
	}
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		exit(1);
	}
	describe(st, got, sizeof(got));
	report(status_matches(st, x), "%s: %s %s%s%s", rname, p->name,
	    expect_name(x), status_matches(st, x) ? "" : "; got: ",
	    status_matches(st, x) ? "" : got);
}

/*
 * Debug mode: the filter traps, the handler sends "sandbox: blocked
 * system call N (name)" to the master on fd 3 and exits 101.
 */
static void
run_debug(enum sandbox_role role)
{
	const char	*rname = role == SANDBOX_AUTHD ? "authd" : "worker";
	struct ipc_msg	*m;
	char		 text[1100];
	pid_t		 pid;
	int		 sv[2], st, rc, ok_exit, ok_msg = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}
	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		alarm(10);
		if (sv[1] != CG_FD_MASTER &&
		    dup2(sv[1], CG_FD_MASTER) != CG_FD_MASTER)
			_exit(95);
		sandbox_apply(role, 1, -1);
		(void)socket(AF_INET, SOCK_STREAM, 0);
		_exit(96);	/* not reached: the call trapped */
	}
	close(sv[1]);
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		exit(1);
	}
	ok_exit = WIFEXITED(st) && WEXITSTATUS(st) == CG_EXIT_FAIL + 100;
	report(ok_exit, "%s debug mode: a forbidden call exits %d, not SIGSYS",
	    rname, CG_EXIT_FAIL + 100);

	if ((m = malloc(sizeof(*m))) == NULL)
		exit(1);
	rc = ipc_recv(sv[0], m);
	text[0] = '\0';
	if (rc == 1 && m->hdr.type == IPC_X2M_LOG && m->hdr.len >= 2 &&
	    ipc_check(role == SANDBOX_AUTHD ? IPC_CH_MASTER_FROM_AUTHD :
	    IPC_CH_MASTER_FROM_WORKER, m) == 0) {
		/* u8 level, then the text (NUL-terminated by the sender). */
		snprintf(text, sizeof(text), "%.*s", (int)m->hdr.len - 1,
		    (const char *)m->buf + 1);
		ok_msg = strstr(text, "socket") != NULL &&
		    m->buf[0] == 0 /* LOG_LVL_ERR */;
	}
	report(ok_msg, "%s debug mode: IPC_X2M_LOG on fd 3 names the call "
	    "(\"%s\")", rname, text);
	if (m->fd != -1)
		close(m->fd);
	free(m);
	close(sv[0]);
}

static void
cleanup(void)
{
	static const char *const names[] = {
		"store/seed", "store/probe", "store/a", "store/a.tmp",
		"other/probe", "other/stolen", "store", "other", NULL,
	};
	char	path[256];
	int	i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, names[i]);
		(void)remove(path);
	}
	(void)rmdir(scratch);
}

int
main(void)
{
	struct stat	st;
	size_t		i;

	if (strcmp(sandbox_kind(), "seccomp") != 0) {
		printf("1..0 # SKIP sandbox is %s, not seccomp\n",
		    sandbox_kind());
		return 77;
	}
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == -1 && errno == EINVAL) {
		printf("1..0 # SKIP the kernel has no seccomp\n");
		return 77;
	}
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		run_probe(&probes[i], SANDBOX_AUTHD);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		run_probe(&probes[i], SANDBOX_WORKER);

	/* The out-of-store rename was refused: nothing moved. */
	{
		char	path[256];

		snprintf(path, sizeof(path), "%s/other/stolen", scratch);
		report(stat(path, &st) == -1 && errno == ENOENT,
		    "authd: nothing was renamed out of the store");
	}
	run_debug(SANDBOX_AUTHD);
	run_debug(SANDBOX_WORKER);

	printf("1..%d\n", ntests);
	printf("%d passed, %d failed, %d skipped\n", ntests - nfail - nskip,
	    nfail, nskip);
	return nfail == 0 ? 0 : 1;
}
