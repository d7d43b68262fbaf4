/*
 * clawgate: the operator's command line (clawgate(1)).  This file only
 * reads the global options and hands the rest to one command.
 */
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clawgate.h"
#include "cli.h"
#include "json5.h"
#include "jsonwipe.h"
#include "util.h"

static const char usage_text[] =
"usage: clawgate [-f config] [--socket path] [--timeout s] command ...\n"
"\n"
"  config get|set|unset|validate   read or edit the configuration in place\n"
"  gateway status|start|stop|restart|reload\n"
"                                  the running clawgated\n"
"  devices list|approve|reject|remove|rotate|revoke\n"
"                                  device pairing\n"
"  dashboard [--show-token]        the Control UI link\n"
"  token rotate                    a new gateway token, applied live\n"
"  token show [--show-token]        the gateway token (to a terminal only)\n"
"  token fingerprint [--from-file FILE | -]\n"
"                                  is this secret the gateway's? (the daemon\n"
"                                  fingerprints it)\n"
"  logs [--follow] [--since T] [-n N] this instance's log\n"
"  doctor [--fix] [--json]         find (and fix) configuration problems\n"
"\n"
"  -f, --config FILE  configuration file (default: as clawgated: \n"
"                     $CLAWGATE_CONFIG, else " SYSCONFDIR "/clawgate/\n"
"                     clawgate.json5 for root, ~/.config/clawgate/...)\n"
"      --socket PATH  control socket (default <runDir>/clawgated.sock)\n"
"      --timeout S    wait at most S seconds for the daemon (default 15)\n"
"\n"
"`clawgate COMMAND --help' describes a command. Exit status: 0 success,\n"
"1 failure, 2 usage error (doctor: 0 clean, 1 warnings, 2 critical).\n"
"See clawgate(1).\n";

static const struct {
	const char	*name;
	cmd_fn		*fn;
} commands[] = {
	{ "config", cmd_config },
	{ "gateway", cmd_gateway },
	{ "devices", cmd_devices },
	{ "dashboard", cmd_dashboard },
	{ "token", cmd_token },
	{ "logs", cmd_logs },
	{ "doctor", cmd_doctor },
	{ NULL, NULL }
};

static const struct cli	*self;	/* for cli_warnx's hints */

const char *
cli_fopt(const struct cli *c)
{
	static char	 buf[PATH_MAX * 4 + 8];
	const char	*p;
	size_t		 n;

	if (c == NULL || !c->config_explicit)
		return "";
	if (c->config_path[strspn(c->config_path, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_./:+,@%=-")] == '\0') {
		snprintf(buf, sizeof(buf), " -f %s", c->config_path);
		return buf;
	}
	cg_strlcpy(buf, " -f '", sizeof(buf));
	n = strlen(buf);
	for (p = c->config_path; *p != '\0' && n + 5 < sizeof(buf); p++) {
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else
			buf[n++] = *p;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

/* Does `s' start with a command's name and a space, '`' or the end? */
static int
is_command(const char *s)
{
	size_t	n;
	int	i;

	for (i = 0; commands[i].name != NULL; i++) {
		n = strlen(commands[i].name);
		if (strncmp(s, commands[i].name, n) == 0 &&
		    strchr(" `'\n", s[n]) != NULL)
			return 1;
	}
	return 0;
}

/*
 * "`clawgate gateway reload`" -> "`clawgate -f FILE gateway reload`",
 * and "clawgated -f CONFIG" names the file, when the user named one.
 */
void
cli_fopt_hints(const struct cli *c, char *s, size_t len)
{
	const char	*f = cli_fopt(c);
	char		*p, *ins;
	size_t		 fl = strlen(f), sl, skip;

	if (fl == 0)
		return;
	for (p = s; (p = strstr(p, "clawgate")) != NULL; p += skip) {
		skip = 8;
		/* a command quoted, bracketed, or after "with: " */
		if (p == s || (strchr("`[(", p[-1]) == NULL &&
		    (p - s < 2 || strncmp(p - 2, ": ", 2) != 0)))
			continue;
		if (strncmp(p, "clawgate ", 9) == 0 && is_command(p + 9))
			ins = p + 8;
		else if (strncmp(p, "clawgated -f CONFIG", 19) == 0) {
			/* " -f CONFIG" -> f */
			ins = p + 9;
			memmove(ins, ins + 10, strlen(ins + 10) + 1);
		} else
			continue;
		sl = strlen(s);
		if (sl + fl >= len)
			return;		/* no room: leave it as it is */
		memmove(ins + fl, ins, strlen(ins) + 1);
		memcpy(ins, f, fl);
		skip = (size_t)(ins - p) + fl;
	}
}

/* printf(3) to stdout for a message that suggests commands. */
void
cli_outf(const char *fmt, ...)
{
	va_list	ap;
	char	buf[4096];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_fopt_hints(self, buf, sizeof(buf));
	fputs(buf, stdout);
}

void
cli_warnx(const char *fmt, ...)
{
	va_list	ap;
	char	buf[4096];

	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_fopt_hints(self, buf, sizeof(buf));
	fprintf(stderr, "clawgate: %s\n", buf);
}

int
cli_usage(const char *help, const char *fmt, ...)
{
	va_list	ap;
	char	buf[4096];

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		cli_fopt_hints(self, buf, sizeof(buf));
		fprintf(stderr, "clawgate: %s\n", buf);
	}
	if (help != NULL)
		fputs(help, stderr);
	return EXIT_USAGE;
}

int
cli_common_opt(struct cli *c, int ch, const char *arg)
{
	char	*end;
	long	 v;

	switch (ch) {
	case 'f':
		if (cg_strlcpy(c->config_path, arg, sizeof(c->config_path)) >=
		    sizeof(c->config_path))
			return -1;
		c->config_explicit = 1;
		return 1;
	case OPT_SOCKET:
		if (cg_strlcpy(c->socket_path, arg, sizeof(c->socket_path)) >=
		    sizeof(c->socket_path))
			return -1;
		return 1;
	case OPT_TIMEOUT:
		v = strtol(arg, &end, 10);
		if (*end != '\0' || v < 1 || v > 3600)
			return -1;
		c->timeout_ms = (int)v * 1000;
		return 1;
	default:
		return 0;
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli	c;
	int		ch, i, r;

	json_wipe_on_free();	/* configs and answers carry secrets */
	memset(&c, 0, sizeof(c));
	self = &c;
	c.timeout_ms = 15000;
	c.config_explicit = config_default_path(c.config_path,
	    sizeof(c.config_path));
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		cli_warnx("libsodium failed to initialise");
		return EXIT_FAIL;
	}
	/* '+': options after the command belong to it. */
	while ((ch = getopt_long(argc, argv, "+f:hV", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(&c, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return cli_usage(NULL, "bad value for %s",
			    argv[optind - 1]);
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("clawgate %s (OpenClaw gateway protocol %d)\n",
			    CG_VERSION, CG_PROTOCOL);
			return EXIT_OK;
		default:
			return cli_usage(usage_text, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage(usage_text, "no command given");
	if (strcmp(argv[0], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (i = 0; commands[i].name != NULL; i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			optind = 0;	/* each command parses its own */
			return commands[i].fn(&c, argc, argv);
		}
	return cli_usage(usage_text, "unknown command \"%s\"", argv[0]);
}
