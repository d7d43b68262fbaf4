/*
 * util.h: small helpers every process uses.
 */
#ifndef CG_UTIL_H
#define CG_UTIL_H

#include <stddef.h>
#include <stdint.h>

uint64_t	now_ms(void);		/* wall clock, ms since the epoch */
uint64_t	mono_ms(void);		/* monotonic, ms */
/* A lowercase RFC 4122 version 4 UUID, 36 chars + NUL. */
void		uuid_v4(char out[37]);
/* base64url without padding.  Returns the length written (excl. NUL). */
size_t		b64url_encode(const uint8_t *in, size_t len, char *out,
		    size_t outlen);
/* Copy with truncation; always NUL-terminates; returns strlen(src). */
size_t		cg_strlcpy(char *dst, const char *src, size_t size);
int		fd_set_nonblock(int fd);
int		fd_set_cloexec(int fd, int on);
int		fd_set_blocking(int fd);
/* Zero memory in a way the compiler keeps. */
void		cg_wipe(void *p, size_t len);
/* Percent-encode for a URL fragment (unreserved chars kept). */
size_t		url_encode(const char *in, char *out, size_t outlen);

/* mkdir -p; intermediate directories 0755, the last one `mode'. */
int		mkdir_p(const char *dir, unsigned mode);

#endif /* CG_UTIL_H */
