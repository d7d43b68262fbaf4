/*
 * out.c: presentation helpers shared by the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void
out_json(const json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENCODE_ANY)) == NULL)
		return;
	printf("%s\n", s);
	free(s);
}

void
out_duration(char *buf, size_t len, long long ms)
{
	long long	s = ms / 1000;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

void
out_time(char *buf, size_t len, long long ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
out_strip_token(char *url)
{
	char	*h;

	if ((h = strstr(url, "#token=")) != NULL) {
		/* Wipe what we cut: it is the token. */
		memset(h, 0, strlen(h));
	}
}

/* Display width of UTF-8 text: one column per code point. */
static size_t
width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
out_table(FILE *fp, const char *const *cells, int nrows, int ncols)
{
	size_t	w[16] = { 0 }, cw;
	int	r, c;

	if (ncols > 16)
		ncols = 16;
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			if ((cw = width(cells[r * ncols + c])) > w[c])
				w[c] = cw;
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			const char *s = cells[r * ncols + c];

			fputs(s, fp);
			if (c < ncols - 1)
				fprintf(fp, "%*s", (int)(w[c] - width(s) + 2),
				    "");
		}
		fputc('\n', fp);
	}
}
