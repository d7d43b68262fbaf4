/*
 * dudect_verdict.c: is authd's shared-secret verdict constant time?
 *
 * A dudect-style measurement (Reparaz, Balasch, Verbauwhede, "Dude, is
 * my code constant time?", 2017), not a unit test: time one operation
 * on inputs of two classes, interleaved at random, and compare the two
 * timing distributions with Welch's t-test, on the raw samples and on
 * samples cropped at a ladder of upper percentiles (as dudect does, to
 * drop interrupts and other one-sided noise).  |t| above 10 is evidence
 * of a timing difference; the target here is |t| < 4.5 on at least a
 * million measurements.  No result proves the absence of a leak.
 *
 * What is measured (authd with a configured 40-byte token):
 *
 *   compare/near-far    authd_secret_matches(): a candidate that differs
 *                       from the secret in its last byte vs one that
 *                       differs in every byte.  Must not differ.
 *   compare/near-ok     the same primitive: near miss vs the secret
 *                       itself.  Must not differ: the comparison does
 *                       the same work whatever the outcome.
 *   compare/len         one candidate against a 16-byte and a 200-byte
 *                       secret (two authds): the secret's length must
 *                       not show (only its keyed digest is compared).
 *   decide/near-far     the whole verdict, authd_decide(), for a local
 *                       CLI operator: near vs far miss.  Both deny and
 *                       record the same rate-limit failure, so this
 *                       must not differ either.
 *   decide/wrong-ok     authd_decide(): a wrong token vs the right one.
 *                       EXPECTED to differ: a success resets the
 *                       limiter and fills a grant, a failure records a
 *                       failure and fills a denial.  The outcome is
 *                       sent to the client anyway (hello-ok or an
 *                       error), so this timing says nothing the answer
 *                       does not; it is reported to show the harness
 *                       sees a real difference when there is one.
 *
 * Usage: dudect_verdict [-c] [-n measurements per test] [-t test-name]
 * (-c: time with clock_gettime instead of rdtscp, e.g. where the
 * hypervisor traps rdtscp.)
 * Exit status: 0 if every must-not-differ test stays below |t| = 10,
 * 1 otherwise (a leak), 2 on usage errors.  See ct/README.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* sched_setaffinity, CPU_SET */
#endif
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <math.h>

#include <sodium.h>

#include "authd.h"
#include "authproto.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_RDTSCP	1
#define HAVE_RDTSCP_STR	"rdtscp (cycles)"
#else
#define HAVE_RDTSCP_STR	"clock_gettime(CLOCK_MONOTONIC_RAW) (ns)"
#endif

#define NPERCENTILES	100	/* dudect's DUDECT_NUMBER_PERCENTILES */
#define ENOUGH		10000	/* dudect's DUDECT_ENOUGH_MEASUREMENTS */
#define WARMUP		10000
#define T_TARGET	4.5
#define T_LEAK		10.0

#define TOKEN_OK	"ct-token-0123456789abcdefghijklmnopqrstu"	/* 40 */

#define S(x)	((struct auth_str){ (x), strlen(x) })

/* Welch's t-test, accumulated online (dudect's ttest_ctx_t). */
struct welch {
	double	mean[2], m2[2], n[2];
};

struct test {
	const char	*name;
	const char	*what;
	int		 must_be_constant;
	void		(*prepare)(int cls, void *in);
	void		(*run)(void *in);
};

static struct authd	*A, *A16, *A200;
static struct auth_req	 base_req;
static char		 near_tok[64], far_tok[64], ok_tok[64];
static volatile int	 sink;

static int		 use_clock;	/* -c: clock_gettime, not rdtscp */

static inline uint64_t
cycles(void)
{
	struct timespec	ts;

#ifdef HAVE_RDTSCP
	unsigned int	aux;

	if (!use_clock)
		return __rdtscp(&aux);
#endif
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
welch_push(struct welch *w, double x, int cls)
{
	double	d;

	w->n[cls]++;
	d = x - w->mean[cls];
	w->mean[cls] += d / w->n[cls];
	w->m2[cls] += d * (x - w->mean[cls]);
}

static double
welch_t(const struct welch *w)
{
	double	v0, v1;

	if (w->n[0] < 2 || w->n[1] < 2)
		return 0;
	v0 = w->m2[0] / (w->n[0] - 1);
	v1 = w->m2[1] / (w->n[1] - 1);
	if (v0 + v1 == 0)
		return 0;
	return (w->mean[0] - w->mean[1]) /
	    sqrt(v0 / w->n[0] + v1 / w->n[1]);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- the operations ------------------------------------------------ */

/*
 * The candidate is copied into one buffer before timing, so that both
 * classes are read from the same address: only their content differs
 * (strlen and the hash are otherwise sensitive to alignment, which says
 * nothing about the secret but shows up at a million samples).
 */
struct input {
	char		 tok[64];
	struct authd	*a;
};

static void
set_tok(struct input *in, const char *tok)
{
	memcpy(in->tok, tok, strlen(tok) + 1);
}

static void
prep_near_far(int cls, void *p)
{
	struct input	*in = p;

	set_tok(in, cls == 0 ? near_tok : far_tok);
	in->a = A;
}

static void
prep_near_ok(int cls, void *p)
{
	struct input	*in = p;

	set_tok(in, cls == 0 ? near_tok : ok_tok);
	in->a = A;
}

static void
prep_len(int cls, void *p)
{
	struct input	*in = p;

	set_tok(in, far_tok);
	in->a = cls == 0 ? A16 : A200;
}

static void
run_compare(void *p)
{
	struct input	*in = p;

	sink ^= authd_secret_matches(in->a, in->tok, strlen(in->tok));
}

static void
run_decide(void *p)
{
	struct input		*in = p;
	struct auth_req		 r = base_req;
	struct auth_verdict	 v;

	r.token = S(in->tok);
	authd_decide(in->a, &r, 1767225600000ULL, &v);
	sink ^= (int)v.result;
}

static const struct test tests[] = {
	{ "compare/near-far", "authd_secret_matches: last byte wrong vs all "
	    "bytes wrong", 1, prep_near_far, run_compare },
	{ "compare/near-ok", "authd_secret_matches: last byte wrong vs "
	    "correct", 1, prep_near_ok, run_compare },
	{ "compare/len", "authd_secret_matches: same candidate, 16- vs "
	    "200-byte secret", 1, prep_len, run_compare },
	{ "decide/near-far", "authd_decide (local CLI operator): last byte "
	    "wrong vs all wrong", 1, prep_near_far, run_decide },
	{ "decide/wrong-ok", "authd_decide: wrong vs correct token "
	    "(expected to differ)", 0, prep_near_ok, run_decide },
};

/* ---- one test -------------------------------------------------------- */

struct result {
	double	t_raw, t_max, mean[2];
	int	at;		/* percentile index of t_max, -1: raw */
	size_t	n_at;
};

static void
measure(const struct test *t, size_t n, struct result *res)
{
	static struct welch	 w[NPERCENTILES];
	struct welch		 raw;
	static struct input	 in;
	uint64_t		*x, *sorted, thr[NPERCENTILES];
	uint8_t			*cls;
	size_t			 i, k;
	double			 tv;

	x = calloc(n, sizeof(*x));
	sorted = calloc(n, sizeof(*sorted));
	cls = malloc(n);
	if (x == NULL || sorted == NULL || cls == NULL) {
		perror("calloc");
		exit(2);
	}
	randombytes_buf(cls, n);
	for (i = 0; i < n; i++)
		cls[i] &= 1;
	/* Warm caches and branch predictors on both classes. */
	for (i = 0; i < WARMUP; i++) {
		t->prepare((int)(i & 1), &in);
		t->run(&in);
	}
	for (i = 0; i < n; i++) {
		uint64_t	t0, t1;

		t->prepare(cls[i], &in);
		t0 = cycles();
		t->run(&in);
		t1 = cycles();
		x[i] = t1 - t0;
	}
	/* dudect's crop ladder: 1 - 0.5^(10 (k+1) / NPERCENTILES). */
	memcpy(sorted, x, n * sizeof(*x));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (k = 0; k < NPERCENTILES; k++) {
		double	q = 1 - pow(0.5, 10.0 * (double)(k + 1) / NPERCENTILES);

		thr[k] = sorted[(size_t)(q * (double)(n - 1))];
	}
	memset(&raw, 0, sizeof(raw));
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		welch_push(&raw, (double)x[i], cls[i]);
		for (k = 0; k < NPERCENTILES; k++)
			if (x[i] < thr[k])
				welch_push(&w[k], (double)x[i], cls[i]);
	}
	res->t_raw = welch_t(&raw);
	res->t_max = fabs(res->t_raw);
	res->at = -1;
	res->n_at = n;
	res->mean[0] = raw.mean[0];
	res->mean[1] = raw.mean[1];
	for (k = 0; k < NPERCENTILES; k++) {
		if (w[k].n[0] + w[k].n[1] < ENOUGH)
			continue;
		tv = fabs(welch_t(&w[k]));
		if (tv > res->t_max) {
			res->t_max = tv;
			res->at = (int)k;
			res->n_at = (size_t)(w[k].n[0] + w[k].n[1]);
		}
	}
	free(x);
	free(sorted);
	free(cls);
}

/* ---- setup ------------------------------------------------------------ */

static struct authd *
new_authd(const char *token)
{
	struct authd	*a;

	if ((a = authd_new()) == NULL ||
	    authd_set_secrets(a, 0 /* token */, token, strlen(token), NULL,
	    0) != 0) {
		fprintf(stderr, "authd setup failed\n");
		exit(2);
	}
	authd_set_policy(a, NULL);
	return a;
}

static void
setup(void)
{
	char	s200[201];
	size_t	i, len = strlen(TOKEN_OK);

	if (sodium_init() < 0)
		exit(2);
	A = new_authd(TOKEN_OK);
	A16 = new_authd("ct-short-token-1");
	memset(s200, 'L', 200);
	s200[200] = '\0';
	A200 = new_authd(s200);
	snprintf(ok_tok, sizeof(ok_tok), "%s", TOKEN_OK);
	snprintf(near_tok, sizeof(near_tok), "%s", TOKEN_OK);
	near_tok[len - 1] ^= 0x01;
	for (i = 0; i < len; i++)
		far_tok[i] = (char)(TOKEN_OK[i] == 'z' ? 'y' : 'z');
	far_tok[len] = '\0';
	if (!authd_secret_matches(A, ok_tok, len) ||
	    authd_secret_matches(A, near_tok, len) ||
	    authd_secret_matches(A, far_tok, len)) {
		fprintf(stderr, "setup: the classes are not what they claim\n");
		exit(2);
	}
	/* A device-less CLI operator on loopback: exempt from lockout. */
	memset(&base_req, 0, sizeof(base_req));
	base_req.flags = AUTH_F_LOCAL | AUTH_F_LOOPBACK;
	base_req.peer = S("127.0.0.1");
	base_req.client_id = S("cli");
	base_req.client_mode = S("cli");
	base_req.platform = S("linux");
	base_req.role = S("operator");
	base_req.scopes[0] = S("operator.read");
	base_req.nscopes = 1;
	base_req.challenge_nonce = S("ct-nonce");
}

static void
pin_cpu(void)
{
	cpu_set_t	set;
	long		n = sysconf(_SC_NPROCESSORS_ONLN);

	/* The last CPU: often the least busy with interrupts. */
	CPU_ZERO(&set);
	CPU_SET(n > 1 ? (int)n - 1 : 0, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

int
main(int argc, char *argv[])
{
	const char	*only = NULL;
	struct result	 r;
	size_t		 n = 1000000, i;
	int		 ch, leak = 0;

	while ((ch = getopt(argc, argv, "cn:t:")) != -1) {
		switch (ch) {
		case 'c': use_clock = 1; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 't': only = optarg; break;
		default:
			fprintf(stderr, "usage: dudect_verdict [-c] "
			    "[-n measurements] [-t test]\n");
			return 2;
		}
	}
	if (n < 2 * ENOUGH) {
		fprintf(stderr, "dudect_verdict: -n must be at least %d\n",
		    2 * ENOUGH);
		return 2;
	}
	setup();
	pin_cpu();
	printf("# timer: %s; %zu measurements per test; classes interleaved "
	    "at random\n", use_clock ? "clock_gettime(CLOCK_MONOTONIC_RAW) "
	    "(ns)" : HAVE_RDTSCP_STR, n);
	printf("# %-16s %12s %12s %8s %8s %9s  %s\n", "test", "mean0",
	    "mean1", "|t| raw", "max |t|", "(crop)", "verdict");
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (only != NULL && strcmp(only, tests[i].name) != 0)
			continue;
		measure(&tests[i], n, &r);
		printf("%-18s %12.1f %12.1f %8.2f %8.2f %9s  %s\n",
		    tests[i].name, r.mean[0], r.mean[1], fabs(r.t_raw),
		    r.t_max, r.at < 0 ? "raw" : "p-ladder",
		    r.t_max < T_TARGET ? "no evidence of a difference" :
		    r.t_max < T_LEAK ? "inconclusive (4.5 <= |t| < 10)" :
		    tests[i].must_be_constant ? "LEAK" :
		    "differs (expected)");
		if (r.at >= 0)
			printf("%-18s   max at crop %d (%zu samples kept)\n", "",
			    r.at, r.n_at);
		printf("%-18s   %s\n", "", tests[i].what);
		fflush(stdout);
		if (tests[i].must_be_constant && r.t_max >= T_LEAK)
			leak = 1;
	}
	authd_free(A);
	authd_free(A16);
	authd_free(A200);
	return leak;
}
