/*
 * doctor_nat.c: gateway.localPeers entries that carry translated remote
 * traffic (issue 10 item 18).  Silent pairing trusts the source address;
 * where a NAT rewrites it, strangers arrive from the same address as the
 * operator's own clients, and a local peer entry then admits them.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "doctor.h"
#include "util.h"

/* Addresses that stand for many remote clients, and why. */
static const struct {
	const char	*addr;
	const char	*why;
} translators[] = {
	{ "192.168.65.1", "Docker Desktop's host gateway: every connection "
	    "through a published port comes from it" },
	{ "192.168.65.254", "Docker Desktop's VM address" },
	{ "10.0.2.2", "the slirp4netns/QEMU user-network gateway (rootless "
	    "Docker and Podman): remote clients appear as it" },
	{ "10.0.2.100", "slirp4netns's host loopback address" },
	{ "169.254.1.1", "a link-local gateway (pasta, some CNIs): remote "
	    "clients can appear as it" },
};

/* The IPv4 default gateway from /proc/net/route, or 0. */
static int
default_gateway(uint8_t out[4])
{
	char		 line[256], ifn[64];
	unsigned long	 dst, gw;
	FILE		*fp;
	int		 found = 0;

	if ((fp = fopen("/proc/net/route", "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%63s %lx %lx", ifn, &dst, &gw) == 3 &&
		    dst == 0 && gw != 0) {
			uint32_t g = (uint32_t)gw;	/* network order */

			memcpy(out, &g, 4);
			found = 1;
		}
	fclose(fp);
	return found;
}

static void
warn_peer(struct doctor *d, int k, const char *addr, const char *why)
{
	struct finding	*f;
	char		 net[INET6_ADDRSTRLEN];
	const struct cg_cidr *c = &d->cfg.local_peers[k];

	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, net,
	    sizeof(net));
	f = doctor_add(d, SEV_WARN, "local-peer-nat");
	snprintf(f->what, sizeof(f->what), "gateway.localPeers entry %s/%d "
	    "covers %s, %s: devices from anywhere behind it that hold the "
	    "token would pair silently", net, c->prefix, addr, why);
	snprintf(f->fix, sizeof(f->fix), "remove %s/%d from "
	    "gateway.localPeers (keep loopback) and approve those devices "
	    "with `clawgate devices approve`, or run clawgate where it sees "
	    "the clients' real addresses", net, c->prefix);
}

void
check_nat_peers(struct doctor *d)
{
	uint8_t		 a[4];
	char		 txt[INET_ADDRSTRLEN];
	size_t		 i;
	int		 k;

	if (!d->cfg_ok)
		return;
	for (k = 0; k < d->cfg.nlocal_peers; k++) {
		for (i = 0; i < sizeof(translators) / sizeof(translators[0]);
		    i++) {
			if (inet_pton(AF_INET, translators[i].addr, a) == 1 &&
			    cidr_match(&d->cfg.local_peers[k], 4, a)) {
				warn_peer(d, k, translators[i].addr,
				    translators[i].why);
				break;
			}
		}
		if (i < sizeof(translators) / sizeof(translators[0]))
			continue;
		if (default_gateway(a) && cidr_match(&d->cfg.local_peers[k],
		    4, a)) {
			inet_ntop(AF_INET, a, txt, sizeof(txt));
			warn_peer(d, k, txt, "this host's default gateway: "
			    "behind a NAT router every remote client comes "
			    "from it");
		}
	}
}
