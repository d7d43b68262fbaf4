/*
 * procstat.h: CPU time and memory of a process tree, from /proc.
 *
 * CPU is utime+stime+cutime+cstime summed over the root and every live
 * descendant: a live process counts its own time, a reaped one is in its
 * ancestor's c-times, so each CPU tick is counted once.  Memory is the
 * sum of Rss (what ps shows; shared pages of forked workers counted in
 * each) and of Pss (shared pages divided among their users: the tree's
 * real footprint) from smaps_rollup.
 */
#ifndef CGB_PROCSTAT_H
#define CGB_PROCSTAT_H

#include <sys/types.h>

#include <stdint.h>

#define PROC_MAX_TREE	256

struct proc_sample {
	double		cpu_s;		/* seconds */
	uint64_t	rss_kib;
	uint64_t	pss_kib;
	int		nproc;
};

/* 0, or -1 when `root' does not exist.  `mem' 0 skips smaps (cheaper). */
int	proctree_sample(pid_t root, int mem, struct proc_sample *out);
/* User+system CPU seconds of this process and its reaped children. */
double	self_cpu_s(void);

#endif /* CGB_PROCSTAT_H */
