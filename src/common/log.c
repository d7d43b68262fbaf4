/*
 * log.c: one-line log records.  Children never write to a file: they
 * forward to the master (OpenSSH's mm_log_handler idea), which is the
 * only process that owns an output.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"

static int		 log_fd = 2;
static int		 log_ipc = -1;
static int		 log_verbose;
static const char	*log_proc = "clawgated";

void
log_init_master(int fd, int verbose)
{
	log_fd = fd;
	log_ipc = -1;
	log_verbose = verbose;
	log_proc = "clawgated";
	tzset();
}

void
log_init_child(const char *proc, int ipc_fd, int verbose)
{
	log_ipc = ipc_fd;
	log_proc = proc;
	log_verbose = verbose;
}

void
log_set_verbose(int v)
{
	log_verbose = v;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

size_t
log_sanitize(char *out, size_t outlen, const char *in, size_t len)
{
	size_t	i, o = 0;

	if (outlen == 0)
		return 0;
	for (i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
	return o;
}

size_t
log_escape(char *out, size_t outlen, const char *in, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, o = 0;

	if (outlen == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c > 0x20 && c < 0x7f && c != '=' && c != '"' &&
		    c != '\\') {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + 4 >= outlen)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}

static const char *
level_name(int level)
{
	switch (level) {
	case LOG_LVL_ERR:	return "error";
	case LOG_LVL_WARN:	return "warn";
	case LOG_LVL_INFO:	return "info";
	default:		return "debug";
	}
}

/* Master side: timestamp, level, process, message. */
static void
emit(const char *proc, int level, const char *msg)
{
	char		 line[2048], ts[32];
	struct timespec	 now;
	struct tm	 tm;
	int		 n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s %s: %s\n", ts,
	    now.tv_nsec / 1000000, level_name(level), proc, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)!write(log_fd, line, (size_t)n);
}

void
log_child_line(const char *proc, int level, const char *msg, size_t len)
{
	char	clean[1100];

	if (level > LOG_LVL_INFO + log_verbose)
		return;
	log_sanitize(clean, sizeof(clean), msg, len);
	emit(proc, level, clean);
}

/*
 * ... but not an error: it is often the last thing a child says before
 * it exits, and the operator must learn why.  Wait for room; the master
 * reads its channels all the time, and a dead master means EPIPE.
 */
static void
send_waiting(const char *msg, size_t len)
{
	int	fl;

	if ((fl = fcntl(log_ipc, F_GETFL)) == -1 ||
	    fcntl(log_ipc, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return;
	(void)ipc_send(log_ipc, IPC_X2M_LOG, 0, msg, len, -1);
	(void)fcntl(log_ipc, F_SETFL, fl);
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char	msg[1025];
	int	saved = errno;
	int	n;

	if (level > LOG_LVL_INFO + log_verbose) {
		errno = saved;
		return;
	}
	n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg) - 1)
		n = sizeof(msg) - 2;
	if (log_ipc >= 0) {
		msg[0] = (char)level;
		/* The channel is non-blocking: a full queue drops the line... */
		if (ipc_send(log_ipc, IPC_X2M_LOG, 0, msg, (size_t)n + 1,
		    -1) == -1 && errno == EAGAIN && level == LOG_LVL_ERR)
			send_waiting(msg, (size_t)n + 1);
	} else {
		char clean[1025];

		log_sanitize(clean, sizeof(clean), msg + 1, (size_t)n);
		emit(log_proc, level, clean);
	}
	errno = saved;
}

#define LOGFN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_vmsg(level, fmt, ap);				\
	va_end(ap);						\
}
LOGFN(log_err, LOG_LVL_ERR)
LOGFN(log_warnx, LOG_LVL_WARN)
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)

void
log_warn(const char *fmt, ...)
{
	char	buf[900];
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved));
}

void
fatal(const char *fmt, ...)
{
	char	buf[900];
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_err("fatal: %s: %s", buf, strerror(saved));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	buf[900];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_err("fatal: %s", buf);
	exit(1);
}
