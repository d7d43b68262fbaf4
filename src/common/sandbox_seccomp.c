/*
 * sandbox_seccomp.c: Linux seccomp-bpf allowlists per role, built with
 * libseccomp.  Default action: kill the process (not just the thread).
 * Harmless probes (open, stat) fail with EACCES instead, as OpenSSH does,
 * so a lazy libc path degrades rather than dies.  mmap/mprotect may never
 * ask for PROT_EXEC.
 *
 * authd with a pairing store may also create, read, replace and remove
 * files, but only by the *at() calls relative to the store's directory
 * descriptor (the first argument, and both for renameat); any other
 * open or stat still gets the soft EACCES.  Calls on an open descriptor
 * (fsync, fdatasync, fstat, ftruncate, lseek) are allowed on any: authd
 * opens nothing else.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clawgate.h"
#include "ipc.h"
#include "log.h"
#include "sandbox.h"

#ifndef WITH_SANITIZERS
#define WITH_SANITIZERS 0
#endif

/* System calls both roles need on an epoll loop over inherited fds. */
static const int common_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(readv),
	SCMP_SYS(close), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(getpid), SCMP_SYS(getrandom), SCMP_SYS(futex),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(fcntl),
	SCMP_SYS(lseek),
	/*
	 * glibc's qsort() asks sysinfo(2) for the memory size before
	 * sorting a large array (authd sorts the pairing table when it saves
	 * it): found killing authd at 100,000 paired devices.
	 */
	SCMP_SYS(sysinfo),
};

/* Worker only: accepting and serving TCP clients. */
static const int worker_calls[] = {
	SCMP_SYS(accept4), SCMP_SYS(shutdown), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getpeername), SCMP_SYS(getsockname),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(ioctl),
};

/* What the ASan/UBSan runtime needs to report and exit (test builds). */
static const int sanitizer_calls[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(newfstatat),
	SCMP_SYS(fstat), SCMP_SYS(readlink), SCMP_SYS(sigaltstack),
	SCMP_SYS(prctl), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	SCMP_SYS(sched_yield), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
	SCMP_SYS(mprotect), SCMP_SYS(sched_getaffinity), SCMP_SYS(clone),
	SCMP_SYS(clone3), SCMP_SYS(wait4), SCMP_SYS(ptrace),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(getppid),
	SCMP_SYS(pipe2), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(kill),
};

/* authd with a store: calls on descriptors it already holds. */
static const int store_fd_calls[] = {
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate),
};

/* authd with a store: path calls, first argument the store's dirfd. */
static const int store_at_calls[] = {
	SCMP_SYS(openat), SCMP_SYS(unlinkat), SCMP_SYS(newfstatat),
};

/* A store file may grow to this (store.h: STORE_MAX_BYTES, plus room). */
#define STORE_FSIZE_MAX	((rlim_t)2 << 30)

static int sigsys_fd = -1;

/* Debug mode: name the offending call to the master, then exit. */
static void
sigsys_handler(int sig, siginfo_t *si, void *ctx)
{
	char	msg[128];
	char	*name;
	int	n;

	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
	    si->si_syscall);
	msg[0] = (char)LOG_LVL_ERR;
	n = snprintf(msg + 1, sizeof(msg) - 1,
	    "sandbox: blocked system call %d (%s)", si->si_syscall,
	    name != NULL ? name : "?");
	if (n > 0 && sigsys_fd >= 0)
		ipc_send(sigsys_fd, IPC_X2M_LOG, 0, msg,
		    (size_t)n + 1 < sizeof(msg) ? (size_t)n + 1 : sizeof(msg),
		    -1);
	_exit(CG_EXIT_FAIL + 100);
}

static void
allow_list(scmp_filter_ctx ctx, const int *calls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (calls[i] >= 0 &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) < 0)
			fatalx("seccomp_rule_add %d", calls[i]);
}

/* mmap/mprotect without PROT_EXEC; no new executable memory. */
static void
allow_memory(scmp_filter_ctx ctx)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		fatalx("seccomp memory rules");
}

/*
 * Soft denials: libc probes fail with EACCES instead of killing.  With a
 * store directory the *at() calls are denied only away from it (the
 * allow rules cover it), and fstat is allowed outright.
 */
static void
deny_soft(scmp_filter_ctx ctx, int dirfd)
{
	static const int soft[] = {
		SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(newfstatat),
		SCMP_SYS(fstat), SCMP_SYS(stat), SCMP_SYS(access),
	};
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++) {
		if (soft[i] < 0)
			continue;
		if (dirfd >= 0 && soft[i] == SCMP_SYS(fstat))
			continue;
		if (dirfd >= 0 && (soft[i] == SCMP_SYS(openat) ||
		    soft[i] == SCMP_SYS(newfstatat)))
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
			    soft[i], 1, SCMP_A0(SCMP_CMP_NE,
			    (scmp_datum_t)dirfd));
		else
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
			    soft[i], 0);
		if (rc < 0 && dirfd >= 0)
			fatalx("seccomp soft-deny rule %d", soft[i]);
	}
}

/* authd's store: file work relative to `dirfd' only. */
static void
allow_store(scmp_filter_ctx ctx, int dirfd)
{
	scmp_datum_t	d = (scmp_datum_t)dirfd;
	size_t		i;

	allow_list(ctx, store_fd_calls, sizeof(store_fd_calls) / sizeof(int));
	if (!WITH_SANITIZERS)	/* the sanitizer list has it already */
		allow_list(ctx, (const int []){ SCMP_SYS(fstat) }, 1);
	for (i = 0; i < sizeof(store_at_calls) / sizeof(int); i++)
		if (store_at_calls[i] >= 0 && seccomp_rule_add(ctx,
		    SCMP_ACT_ALLOW, store_at_calls[i], 1,
		    SCMP_A0(SCMP_CMP_EQ, d)) < 0)
			fatalx("seccomp store rule %d", store_at_calls[i]);
	if ((SCMP_SYS(renameat) >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
	    SCMP_SYS(renameat), 2, SCMP_A0(SCMP_CMP_EQ, d),
	    SCMP_A2(SCMP_CMP_EQ, d)) < 0) ||
	    (SCMP_SYS(renameat2) >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
	    SCMP_SYS(renameat2), 2, SCMP_A0(SCMP_CMP_EQ, d),
	    SCMP_A2(SCMP_CMP_EQ, d)) < 0))
		fatalx("seccomp store rename rules");
}

static void
set_rlimits(enum sandbox_role role, int dirfd)
{
	struct rlimit	zero = { 0, 0 };
	struct rlimit	store = { STORE_FSIZE_MAX, STORE_FSIZE_MAX };

	/* No files grow (bar authd's store), no forks, no cores. */
	if (!WITH_SANITIZERS)
		(void)setrlimit(RLIMIT_NPROC, &zero);
	(void)setrlimit(RLIMIT_FSIZE, role == SANDBOX_AUTHD && dirfd >= 0 ?
	    &store : &zero);
	(void)setrlimit(RLIMIT_CORE, &zero);
}

void
sandbox_apply(enum sandbox_role role, int debug, int dirfd)
{
	scmp_filter_ctx		ctx;
	struct sigaction	sa;
	uint32_t		deflt;

	if (role != SANDBOX_AUTHD)
		dirfd = -1;
	set_rlimits(role, dirfd);
	deflt = debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
	if (debug) {
		sigsys_fd = CG_FD_MASTER;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sigsys_handler;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			fatal("sigaction SIGSYS");
	}
	if ((ctx = seccomp_init(deflt)) == NULL)
		fatalx("seccomp_init");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0)
		fatalx("seccomp bad-arch action");
	allow_list(ctx, common_calls, sizeof(common_calls) / sizeof(int));
	if (role == SANDBOX_WORKER)
		allow_list(ctx, worker_calls, sizeof(worker_calls) / sizeof(int));
	if (WITH_SANITIZERS)
		allow_list(ctx, sanitizer_calls,
		    sizeof(sanitizer_calls) / sizeof(int));
	if (dirfd >= 0)
		allow_store(ctx, dirfd);
	if (!WITH_SANITIZERS) {
		allow_memory(ctx);
		deny_soft(ctx, dirfd);
	}
	if (WITH_SANITIZERS)
		(void)seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 0);
	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load failed");
	seccomp_release(ctx);
}

const char *
sandbox_kind(void)
{
	return "seccomp";
}
