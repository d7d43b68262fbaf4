/*
 * log.h: logging.  The master writes to stderr (-d) or its log file;
 * sandboxed children send their lines to the master over IPC and never
 * open files or sockets to log.
 */
#ifndef CG_LOG_H
#define CG_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Master: to `fp' (stderr or an opened log file). */
void	log_init_master(int fd, int verbose);
/* Child: lines go to the master over `ipc_fd' tagged with `proc'. */
void	log_init_child(const char *proc, int ipc_fd, int verbose);
void	log_set_verbose(int);
int	log_get_verbose(void);

void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_vmsg(int level, const char *fmt, va_list ap);
/* Master: write a line that a child sent (sanitised, level-filtered). */
void	log_child_line(const char *proc, int level, const char *msg,
	    size_t len);
/* Copy `in' replacing control characters, at most `max' bytes. */
size_t	log_sanitize(char *out, size_t outlen, const char *in, size_t len);
/*
 * Client-chosen text for a `key=value' log field: a space, `=', `"',
 * `\', control and non-ASCII bytes become \xHH, so the value cannot end
 * early or forge another field.  Never splits an escape; NUL-terminated.
 */
size_t	log_escape(char *out, size_t outlen, const char *in, size_t len);

#endif /* CG_LOG_H */
