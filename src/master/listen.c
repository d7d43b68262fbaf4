/*
 * listen.c: the listening sockets.  The master binds them (as root if it
 * must) and keeps them, so a crashed or respawned worker finds its queue
 * intact and a reload can bind new addresses before giving up the old
 * ones.  On Linux each worker gets its own SO_REUSEPORT socket per
 * address and the kernel balances accepts.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

static int
bind_one(int family, const char *host, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)*port);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto badaddr;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)*port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto badaddr;
		sl = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -2;	/* e.g. no IPv6 on this host */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#ifdef SO_REUSEPORT
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
#endif
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		int saved = errno;

		close(fd);
		if (family == AF_INET6 && (saved == EADDRNOTAVAIL ||
		    saved == EAFNOSUPPORT))
			return -2;
		snprintf(err, errlen, "cannot listen on %s%s%s:%d: %s%s",
		    family == AF_INET6 ? "[" : "", host,
		    family == AF_INET6 ? "]" : "", *port, strerror(saved),
		    saved == EADDRINUSE ? " (another process owns the port: "
		    "`ss -ltnp` shows which; change gateway.port or stop it)" :
		    saved == EACCES ? " (ports below 1024 need root)" :
		    saved == EADDRNOTAVAIL ? " (no interface has this address: "
		    "check gateway.customBindHost)" : "");
		return -1;
	}
	if (listen(fd, 511) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (*port == 0) {
		/* Port 0: every further socket must share the kernel's pick. */
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*port = ntohs(family == AF_INET ?
			    ((struct sockaddr_in *)&ss)->sin_port :
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
badaddr:
	snprintf(err, errlen, "invalid listen address %s", host);
	return -1;
}

static void
add_addr(struct listener_set *ls, int family, const char *host)
{
	struct listener	*l = &ls->l[ls->n++];
	int		 w;

	l->family = family;
	cg_strlcpy(l->host, host, sizeof(l->host));
	for (w = 0; w < MAX_WORKERS; w++)
		l->fds[w] = -1;
}

/* The addresses `gateway.bind' means. */
static void
plan_addresses(struct listener_set *ls, const struct cg_config *c)
{
	ls->n = 0;
	switch (c->bind) {
	case BIND_LOOPBACK:
		add_addr(ls, AF_INET, "127.0.0.1");
		add_addr(ls, AF_INET6, "::1");
		break;
	case BIND_LAN:
		add_addr(ls, AF_INET, "0.0.0.0");
		add_addr(ls, AF_INET6, "::");
		break;
	case BIND_CUSTOM:
		add_addr(ls, AF_INET, c->custom_bind_host);
		/* Like the reference: a custom address also opens loopback. */
		if (strcmp(c->custom_bind_host, "127.0.0.1") != 0 &&
		    strcmp(c->custom_bind_host, "0.0.0.0") != 0)
			add_addr(ls, AF_INET, "127.0.0.1");
		break;
	}
}

int
listeners_differ(const struct listener_set *ls, const struct cg_config *c,
    int port)
{
	struct listener_set	plan;
	int			i;

	if (port != 0 && port != ls->port)
		return 1;
	memset(&plan, 0, sizeof(plan));
	plan_addresses(&plan, c);
	/* IPv6 may have been skipped: compare the IPv4 part and the rest. */
	for (i = 0; i < plan.n; i++) {
		int j, found = 0;

		for (j = 0; j < ls->n; j++)
			if (strcmp(ls->l[j].host, plan.l[i].host) == 0)
				found = 1;
		if (!found && plan.l[i].family == AF_INET)
			return 1;
	}
	return ls->n > plan.n;
}

/*
 * SO_REUSEPORT would let us share a port with another process of the
 * same user, which then gets half of our clients.  Before the first bind,
 * a plain socket finds out whether anybody listens there already.
 */
int
listeners_probe(const struct cg_config *c, int port, char *err,
    size_t errlen)
{
	struct listener_set	plan;
	struct sockaddr_storage	ss;
	socklen_t		sl;
	int			i, fd, saved;

	if (port == 0)
		return 0;
	memset(&plan, 0, sizeof(plan));
	plan_addresses(&plan, c);
	for (i = 0; i < plan.n; i++) {
		memset(&ss, 0, sizeof(ss));
		if (plan.l[i].family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)port);
			inet_pton(AF_INET, plan.l[i].host, &s4->sin_addr);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)port);
			inet_pton(AF_INET6, plan.l[i].host, &s6->sin6_addr);
			sl = sizeof(*s6);
		}
		if ((fd = socket(plan.l[i].family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			continue;
		if (plan.l[i].family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
			    &(int){ 1 }, sizeof(int));
		/* TIME_WAIT leftovers are fine; a live listener is not. */
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 },
		    sizeof(int));
		if (bind(fd, (struct sockaddr *)&ss, sl) == -1 &&
		    errno == EADDRINUSE) {
			saved = errno;
			close(fd);
			snprintf(err, errlen, "cannot listen on %s%s%s:%d: %s "
			    "(another process owns the port: `ss -ltnp` shows "
			    "which; change gateway.port or stop it)",
			    plan.l[i].family == AF_INET6 ? "[" : "",
			    plan.l[i].host, plan.l[i].family == AF_INET6 ? "]" :
			    "", port, strerror(saved));
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
listeners_open(struct listener_set *ls, const struct cg_config *c, int port,
    int nworkers, char *err, size_t errlen)
{
	struct listener	*l;
	int		 i, w, fd, kept = 0;

	memset(ls, 0, sizeof(*ls));
	ls->port = port;
	ls->nworkers = nworkers;
	plan_addresses(ls, c);
	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		for (w = 0; w < nworkers; w++) {
			fd = bind_one(l->family, l->host, &ls->port, err, errlen);
			if (fd == -1) {
				listeners_close(ls);
				return -1;
			}
			if (fd == -2) {
				log_debug("no IPv6 for %s: skipped", l->host);
				for (w--; w >= 0; w--) {
					close(l->fds[w]);
					l->fds[w] = -1;
				}
				break;
			}
			l->fds[w] = fd;
		}
		if (w == nworkers && kept++ != i) {
			ls->l[kept - 1] = *l;
			for (w = 0; w < MAX_WORKERS; w++)
				l->fds[w] = -1;
		}
	}
	ls->n = kept;
	if (kept == 0) {
		snprintf(err, errlen, "no address could be bound");
		return -1;
	}
	return 0;
}

void
listeners_describe(const struct listener_set *ls, char *buf, size_t len)
{
	size_t	o = 0;
	int	i, n;

	buf[0] = '\0';
	for (i = 0; i < ls->n && o < len; i++) {
		const struct listener *l = &ls->l[i];

		n = snprintf(buf + o, len - o, "%s%s%s%s:%d", i ? ", " : "",
		    l->family == AF_INET6 ? "[" : "", l->host,
		    l->family == AF_INET6 ? "]" : "", ls->port);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

void
listeners_close(struct listener_set *ls)
{
	int	i, w;

	for (i = 0; i < CG_MAX_LISTENERS; i++)
		for (w = 0; w < MAX_WORKERS; w++)
			if (ls->l[i].fds[w] > 0) {
				close(ls->l[i].fds[w]);
				ls->l[i].fds[w] = -1;
			}
	ls->n = 0;
}
