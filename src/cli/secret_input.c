/*
 * secret_input.c: how a secret reaches `clawgate config set': from a
 * file or stdin, or generated, never from the command line (argv is in
 * the shell history and in ps(1)).  A secret must survive being pasted
 * into a URL fragment and a shell unquoted, so only RFC 3986 unreserved
 * characters are accepted; messages name the character class and its
 * position, never the secret.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "cli.h"
#include "util.h"

#define TOKEN_BYTES	32

int
secret_path(const char *path)
{
	return strcmp(path, "gateway.auth.token") == 0 ||
	    strcmp(path, "gateway.auth.password") == 0 ||
	    strcmp(path, "gateway.remote.token") == 0 ||
	    strcmp(path, "gateway.remote.password") == 0;
}

/* Why one character is trouble, for the message. */
static const char *
char_problem(unsigned char c)
{
	switch (c) {
	case ' ':	return "a space (shells split words there)";
	case '#':	return "'#' (starts the URL fragment and shell comments)";
	case '?':	return "'?' (starts a URL query; a shell wildcard)";
	case '&':	return "'&' (separates URL parameters; backgrounds a "
			    "shell command)";
	case '%':	return "'%' (starts a URL percent escape)";
	case '+':	return "'+' (becomes a space in URL queries)";
	case ';':	return "';' (ends a shell command)";
	case '@':	return "'@' (separates user info in URLs)";
	case '/':	return "'/' (a URL path separator)";
	case '\\':	return "a backslash (a shell and JSON escape)";
	case '"':
	case '\'':
	case '`':	return "a quote (shells and JSON strip or end it)";
	case '$':	return "'$' (shell and ${VAR} expansion)";
	case '=':	return "'=' (separates URL parameter values)";
	default:
		if (c < 0x20 || c == 0x7f)
			return "a control character (a stray newline?)";
		if (c >= 0x80)
			return "a non-ASCII character (encodings differ "
			    "between terminals, browsers and files)";
		return NULL;
	}
}

const char *
secret_unsafe(const char *s, char *why, size_t len)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_.~";
	const char	*p;
	size_t		 i;

	if (s[0] == '\0') {
		snprintf(why, len, "the value is empty");
		return why;
	}
	if (strlen(s) > AUTH_MAX_SECRET) {
		snprintf(why, len, "the value is longer than %d bytes",
		    AUTH_MAX_SECRET);
		return why;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (strchr(ok, s[i]) != NULL)
			continue;
		p = char_problem((unsigned char)s[i]);
		snprintf(why, len, "character %zu is %s", i + 1, p != NULL ? p :
		    "a URL or shell special character");
		return why;
	}
	return NULL;
}

/*
 * One secret from `file' ("-" = stdin): the first line, without its
 * line break; anything after it is an error (two secrets in one file is
 * a mistake worth hearing about).
 */
char *
secret_read(const char *file, char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[AUTH_MAX_SECRET + 8], *s, *nl;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if (strcmp(file, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", file,
		    strerror(errno));
		return NULL;
	} else if (fstat(fd, &st) == 0 && (st.st_mode & 044) != 0)
		cli_warnx("warning: %s is readable by %s; a secret file "
		    "should be mode 0600", file, (st.st_mode & 004) ? "everyone"
		    : "its group");
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len,
	    sizeof(buf) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "reading %s: %s", file,
			    strerror(errno));
			len = 0;
			goto fail;
		}
		len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	fd = -1;
	buf[len] = '\0';
	if (len >= sizeof(buf) - 1) {
		snprintf(err, errlen, "%s holds more than %d bytes; a secret "
		    "is one line", strcmp(file, "-") ? file : "stdin",
		    AUTH_MAX_SECRET);
		goto fail;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s contains a NUL byte",
		    strcmp(file, "-") ? file : "stdin");
		goto fail;
	}
	if ((nl = strpbrk(buf, "\r\n")) != NULL) {
		s = nl + strspn(nl, "\r\n");
		if (*s != '\0') {
			snprintf(err, errlen, "%s has more than one line; put "
			    "only the secret in it", strcmp(file, "-") ? file :
			    "stdin");
			goto fail;
		}
		*nl = '\0';
	}
	if ((s = strdup(buf)) == NULL)
		snprintf(err, errlen, "out of memory");
	sodium_memzero(buf, sizeof(buf));
	return s;
fail:
	if (fd != -1 && fd != STDIN_FILENO)
		close(fd);
	sodium_memzero(buf, sizeof(buf));
	return NULL;
}

char *
secret_generate(void)
{
	unsigned char	 raw[TOKEN_BYTES];
	char		 tok[64];
	char		*s;

	randombytes_buf(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	s = strdup(tok);
	sodium_memzero(tok, sizeof(tok));
	return s;
}

