/*
 * logs.c: `clawgate logs': this instance's log and no other.  The path
 * comes from the running daemon (status.logFile) or, when it is down,
 * from its configuration; under systemd with no log file, journald for
 * the daemon's own unit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define TS_LEN		19	/* YYYY-MM-DDTHH:MM:SS */
#define MAX_LINES	100000

static const char help_logs[] =
"usage: clawgate logs [--follow] [--since TIME] [-n N]\n"
"\n"
"Shows the last N lines (default 50) of this clawgated's log: the file\n"
"the running daemon writes, or the one its configuration names when it\n"
"is stopped; journald (`journalctl -u UNIT`) when it runs under a\n"
"clawgate*.service unit without a log file.\n"
"  --follow      keep printing new lines (follows rotation and\n"
"                truncation) until interrupted\n"
"  --since TIME  only lines from TIME on: 2026-11-22, 2026-11-22T10:30,\n"
"                '2026-11-22 10:30:00' (UTC, as the log), or 30s, 10m,\n"
"                2h, 1d ago\n"
"  -n N          at most N lines before following (0: none)\n";

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* TIME -> "YYYY-MM-DDTHH:MM:SS" (UTC), the log's own prefix. */
static int
parse_since(const char *s, char out[TS_LEN + 1])
{
	struct tm	 tm;
	time_t		 t;
	char		*end;
	long		 v;
	size_t		 n;

	v = strtol(s, &end, 10);
	if (end != s && v >= 0 && end[0] != '\0' && end[1] == '\0' &&
	    strchr("smhd", end[0]) != NULL && s[0] != '-' && v < 100000) {
		t = time(NULL) - v * (end[0] == 's' ? 1 : end[0] == 'm' ? 60 :
		    end[0] == 'h' ? 3600 : 86400);
		gmtime_r(&t, &tm);
		strftime(out, TS_LEN + 1, "%Y-%m-%dT%H:%M:%S", &tm);
		return 0;
	}
	/* An absolute time: pad "2026-11-22" to a full timestamp. */
	n = strlen(s);
	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n != 10 && n != 16 && n != 19)
		return -1;
	memcpy(out, "0000-00-00T00:00:00", TS_LEN + 1);
	memcpy(out, s, n);
	if (n > 10) {
		if (s[10] != 'T' && s[10] != ' ')
			return -1;
		out[10] = 'T';
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(out, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return -1;
	return 0;
}

/* A line's timestamp, if it starts with one. */
static int
line_ts(const char *line, size_t len)
{
	return len >= TS_LEN && line[4] == '-' && line[7] == '-' &&
	    line[10] == 'T' && line[13] == ':' && line[16] == ':';
}

/* The last `max' lines at or after `since' ("" = all). */
static off_t
print_tail(FILE *fp, long max, const char *since)
{
	char	**ring, *line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	long	 head = 0, count = 0, i;
	int	 keep = since[0] == '\0';
	off_t	 end;

	if ((ring = calloc((size_t)(max > 0 ? max : 1), sizeof(*ring))) ==
	    NULL)
		return -1;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (since[0] != '\0' && line_ts(line, (size_t)n))
			keep = strncmp(line, since, TS_LEN) >= 0;
		if (!keep || max == 0)
			continue;
		free(ring[head]);
		ring[head] = strdup(line);
		head = (head + 1) % max;
		if (count < max)
			count++;
	}
	for (i = 0; i < count; i++) {
		char *l = ring[(head - count + i + max) % max];

		if (l != NULL)
			fputs(l, stdout);
	}
	for (i = 0; i < (max > 0 ? max : 1); i++)
		free(ring[i]);
	free(ring);
	free(line);
	fflush(stdout);
	end = ftello(fp);
	return end;
}

/* Print what is appended; reopen on rotation, rewind on truncation. */
static int
follow(const char *path, FILE *fp, off_t off)
{
	struct stat	 a, b;
	char		 buf[8192];
	size_t		 n;

	memset(&a, 0, sizeof(a));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		clearerr(fp);
		if (fseeko(fp, off, SEEK_SET) == 0)
			while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
				fwrite(buf, 1, n, stdout);
				off += (off_t)n;
			}
		fflush(stdout);
		if (fstat(fileno(fp), &a) == 0 && a.st_size < off)
			off = 0;	/* truncated */
		if (stat(path, &b) == 0 && (b.st_ino != a.st_ino ||
		    b.st_dev != a.st_dev)) {
			FILE *nf = fopen(path, "re");

			if (nf != NULL) {	/* rotated: the new file */
				fclose(fp);
				fp = nf;
				off = 0;
				continue;
			}
		}
		usleep(200000);
	}
	fclose(fp);
	return EXIT_OK;
}

static int
journal(const char *unit, int fol, const char *since, long n)
{
	char	 nb[32], sb[64], *argv[12];
	int	 i = 0;

	snprintf(nb, sizeof(nb), "%ld", n);
	argv[i++] = "journalctl";
	argv[i++] = "--no-pager";
	argv[i++] = "-u";
	argv[i++] = (char *)unit;
	argv[i++] = "-n";
	argv[i++] = nb;
	if (fol)
		argv[i++] = "-f";
	if (since[0] != '\0') {
		snprintf(sb, sizeof(sb), "%.10s %s UTC", since, since + 11);
		argv[i++] = "--since";
		argv[i++] = sb;
	}
	argv[i] = NULL;
	fflush(stdout);
	execvp("journalctl", argv);
	cli_warnx("cannot run journalctl: %s", strerror(errno));
	return EXIT_FAIL;
}

int
cmd_logs(struct cli *c, int argc, char *argv[])
{
	enum { O_FOLLOW = OPT_FIRST_LOCAL, O_SINCE };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ "since", required_argument, NULL, O_SINCE },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_error	 e;
	struct cg_config	 cfg;
	struct cg_config_error	 ce;
	json_t			*s;
	char			 path[PATH_MAX] = "", since[TS_LEN + 1] = "";
	char			 unit[256], *end;
	long			 n = 50, pid = 0;
	int			 ch, r, fol = 0;
	FILE			*fp;
	off_t			 off;

	while ((ch = getopt_long(argc, argv, "f:hn:", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		switch (ch) {
		case O_FOLLOW: fol = 1; break;
		case O_SINCE:
			if (parse_since(optarg, since) == -1)
				return cli_usage(help_logs, "--since: cannot "
				    "read \"%s\" as a time", optarg);
			break;
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 0 || n > MAX_LINES)
				return cli_usage(help_logs, "-n takes 0 to %d",
				    MAX_LINES);
			break;
		case 'h':
			fputs(help_logs, stdout);
			return EXIT_OK;
		default:
			return cli_usage(help_logs, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(help_logs, "unexpected argument \"%s\"",
		    argv[optind]);
	if ((s = gateway_status(c, &e)) != NULL) {
		cg_strlcpy(path, json_string_value(json_object_get(s,
		    "logFile")) ? json_string_value(json_object_get(s,
		    "logFile")) : "", sizeof(path));
		pid = (long)json_integer_value(json_object_get(s, "pid"));
		json_decref(s);
		if (path[0] == '\0') {
			if (gateway_systemd_unit(pid, unit, sizeof(unit)))
				return journal(unit, fol, since, n);
			cli_warnx("clawgated (pid %ld) runs in the foreground "
			    "(-d) and logs to its standard error, not to a "
			    "file: read the terminal or supervisor that started "
			    "it", pid);
			return EXIT_FAIL;
		}
	} else {
		/* Stopped: the file its configuration names. */
		if (cfg_load(c, &cfg, &ce) == 0) {
			if (cfg.log_file[0] != '\0')
				cg_strlcpy(path, cfg.log_file, sizeof(path));
			else
				snprintf(path, sizeof(path), "%s/clawgated.log",
				    cfg.state_dir);
		}
		config_free(&cfg);
		if (path[0] == '\0') {
			cli_warnx("%s, and its configuration does not load; "
			    "`clawgate config validate` says why", e.msg);
			return EXIT_FAIL;
		}
	}
	if ((fp = fopen(path, "re")) == NULL) {
		cli_warnx("cannot open the log %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	fprintf(stderr, "Log file: %s%s\n", path, pid ? "" :
	    " (clawgated is not running)");
	if ((off = print_tail(fp, n, since)) == -1) {
		fclose(fp);
		cli_warnx("out of memory");
		return EXIT_FAIL;
	}
	if (!fol) {
		fclose(fp);
		return EXIT_OK;
	}
	return follow(path, fp, off);
}
