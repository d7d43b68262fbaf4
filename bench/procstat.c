/*
 * procstat.c: see procstat.h.
 */
#include <sys/resource.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

struct pinfo {
	pid_t	pid, ppid;
	double	cpu_s;
};

/* ppid and cumulative CPU of one process; -1 if it is gone. */
static int
read_stat(pid_t pid, struct pinfo *pi)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	long long		 cut, cst;
	int			 ppid;
	FILE			*f;
	size_t			 n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: skip to the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %lld %lld", &ppid, &ut, &st, &cut, &cst) != 5)
		return -1;
	pi->pid = pid;
	pi->ppid = ppid;
	pi->cpu_s = (double)(ut + st + (unsigned long long)cut +
	    (unsigned long long)cst) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

static void
read_mem(pid_t pid, uint64_t *rss, uint64_t *pss)
{
	char			 path[64], line[256];
	unsigned long long	 v;
	FILE			*f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Rss: %llu kB", &v) == 1)
			*rss += v;
		else if (sscanf(line, "Pss: %llu kB", &v) == 1)
			*pss += v;
	}
	fclose(f);
}

/* Every process on the system (bounded); returns the count. */
static size_t
list_all(struct pinfo **out)
{
	struct pinfo	*v = NULL, *nv;
	struct dirent	*de;
	size_t		 n = 0, cap = 0;
	DIR		*d;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if (read_stat((pid_t)atoi(de->d_name), &v[n]) == 0)
			n++;
	}
	closedir(d);
	*out = v;
	return n;
}

int
proctree_sample(pid_t root, int mem, struct proc_sample *out)
{
	struct pinfo	*all = NULL;
	pid_t		 tree[PROC_MAX_TREE];
	size_t		 n, i, nt = 0, k;
	int		 found = 0;

	memset(out, 0, sizeof(*out));
	n = list_all(&all);
	for (i = 0; i < n; i++)
		if (all[i].pid == root) {
			tree[nt++] = root;
			out->cpu_s += all[i].cpu_s;
			found = 1;
		}
	/* Breadth first: a child is listed after its parent is found. */
	for (k = 0; k < nt; k++)
		for (i = 0; i < n && nt < PROC_MAX_TREE; i++)
			if (all[i].ppid == tree[k] && all[i].pid != root) {
				tree[nt++] = all[i].pid;
				out->cpu_s += all[i].cpu_s;
			}
	free(all);
	if (!found)
		return -1;
	out->nproc = (int)nt;
	if (mem)
		for (k = 0; k < nt; k++)
			read_mem(tree[k], &out->rss_kib, &out->pss_kib);
	return 0;
}

double
self_cpu_s(void)
{
	struct rusage	ru, rc;

	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &rc);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6 +
	    (double)rc.ru_utime.tv_sec + rc.ru_utime.tv_usec / 1e6 +
	    (double)rc.ru_stime.tv_sec + rc.ru_stime.tv_usec / 1e6;
}
