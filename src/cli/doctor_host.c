/*
 * doctor_host.c: what `clawgate doctor' finds on this host: file modes,
 * stale pid files and sockets, other clawgated processes on the same
 * configuration, the port taken, and container networks that will need
 * pairing.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "util.h"

/* --- files -------------------------------------------------------- */

static void
check_mode(struct doctor *d, const char *path, mode_t bad, mode_t want,
    enum sev sev, const char *what)
{
	struct finding	*f;
	struct stat	 st;

	if (lstat(path, &st) == -1 || S_ISLNK(st.st_mode) ||
	    (st.st_mode & bad) == 0)
		return;
	f = doctor_add(d, sev, "permissions");
	snprintf(f->what, sizeof(f->what), "%s %s is mode %04o: readable by "
	    "%s", what, path, (unsigned)(st.st_mode & 07777),
	    (st.st_mode & 004) ? "everyone on this host" : "its group");
	snprintf(f->fix, sizeof(f->fix), "`chmod %04o %s`", (unsigned)
	    ((st.st_mode & 07777 & ~bad) | want), path);
	f->kind = FIX_CHMOD;
	f->mode = (st.st_mode & 07777 & ~bad) | want;
	cg_strlcpy(f->arg, path, sizeof(f->arg));
}

void
check_files(struct doctor *d)
{
	char		 p[PATH_MAX];
	const char	*sd = d->st ? doctor_jstr(d->st, "stateDir") : d->cfg.state_dir;
	int		 secret;

	secret = doctor_raw_has(d, "gateway.auth.token") ||
	    doctor_raw_has(d, "gateway.auth.password") ||
	    doctor_raw_has(d, "gateway.remote.token") || doctor_raw_has(d, "gateway.token");
	if (secret)
		check_mode(d, d->c->config_path, 077, 0, SEV_WARN,
		    "the config file (it holds a secret)");
	/* An unreadable file: the default stateDir may be another's. */
	if (sd[0] == '\0' || d->ce.status == CTL_CONFIG)
		return;
	/* Group/others may traverse (authd's own user needs to). */
	check_mode(d, sd, 066, 0, SEV_WARN, "the state directory");
	snprintf(p, sizeof(p), "%s/%s", sd, TOKEN_FILE);
	check_mode(d, p, 077, 0, SEV_CRIT, "the gateway token file (clawgated "
	    "refuses to start with it)");
	snprintf(p, sizeof(p), "%s/fingerprint.key", sd);
	check_mode(d, p, 077, 0, SEV_CRIT, "this install's fingerprint key "
	    "(clawgated refuses to start with it)");
	snprintf(p, sizeof(p), "%s/authd", sd);
	check_mode(d, p, 077, 0, SEV_WARN, "authd's pairing store directory");
}

/* --- instances ---------------------------------------------------- */

void
check_stale(struct doctor *d)
{
	struct finding	*f;
	struct stat	 st;
	char		 pidf[PATH_MAX], sock[PATH_MAX], owner[256];
	const char	*run;
	ssize_t		 n;
	int		 fd;

	if (d->st != NULL)
		return;		/* a live daemon owns both */
	/* Unknown run directory, or another instance's: not ours to judge. */
	if (d->ce.status == CTL_CONFIG || d->ce.status == CTL_MISMATCH)
		return;
	run = d->cfg.run_dir;
	ctl_path(d->c, sock, sizeof(sock));
	if (lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    d->ce.status == CTL_NOT_RUNNING) {
		f = doctor_add(d, SEV_WARN, "stale-socket");
		snprintf(f->what, sizeof(f->what), "%s is a control socket "
		    "nobody listens on: a clawgated died without cleaning up",
		    sock);
		snprintf(f->fix, sizeof(f->fix), "`rm %s`", sock);
		f->kind = FIX_UNLINK;
		cg_strlcpy(f->arg, sock, sizeof(f->arg));
	}
	snprintf(pidf, sizeof(pidf), "%s/clawgated.pid", run);
	if ((fd = open(pidf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	/* The daemon holds an flock while it lives. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		f = doctor_add(d, SEV_WARN, "stale-pidfile");
		snprintf(f->what, sizeof(f->what), "%s names pid %s, but no "
		    "clawgated holds it: it is left over from a daemon that "
		    "died (`kill $(head -n 1 %s)` could now hit an unrelated "
		    "process)", pidf, owner[0] ? owner : "?", pidf);
		snprintf(f->fix, sizeof(f->fix), "`rm %s`", pidf);
		f->kind = FIX_UNLINK;
		cg_strlcpy(f->arg, pidf, sizeof(f->arg));
	} else {
		f = doctor_add(d, SEV_CRIT, "pidfile-locked");
		snprintf(f->what, sizeof(f->what), "%s is locked by a running "
		    "clawgated, but its control socket does not answer (%s)",
		    pidf, d->ce.msg);
		snprintf(f->fix, sizeof(f->fix), "`kill $(head -n 1 %s)` and "
		    "start it again", pidf);
	}
	close(fd);
}

/* The -f argument of a clawgated's command line, made absolute. */
static int
proc_config(long pid, char *out, size_t len)
{
	char	 path[64], buf[8192], real[PATH_MAX], *p, *end;
	ssize_t	 n;
	int	 fd, next = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (next) {
			cg_strlcpy(out, p, len);
			break;
		}
		if (strcmp(p, "-f") == 0 || strcmp(p, "--config") == 0)
			next = 1;
		else if (strncmp(p, "--config=", 9) == 0) {
			cg_strlcpy(out, p + 9, len);
			break;
		}
	}
	snprintf(path, sizeof(path), "/proc/%ld/cwd", pid);
	if (out[0] != '\0' && out[0] != '/') {
		char cwd[PATH_MAX], tmp[PATH_MAX * 2];

		if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0) {
			cwd[n] = '\0';
			snprintf(tmp, sizeof(tmp), "%s/%s", cwd, out);
			cg_strlcpy(out, tmp, len);
		}
	}
	if (out[0] != '\0' && realpath(out, real) != NULL)
		cg_strlcpy(out, real, len);
	return out[0] != '\0' ? 0 : -1;
}

static long
proc_ppid(long pid)
{
	char	 path[64], buf[512], *p;
	long	 ppid = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %ld", &ppid);
	fclose(fp);
	return ppid;
}

static int
is_clawgated(long pid)
{
	char	 path[64], comm[32];
	FILE	*fp;
	int	 r = 0;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), fp) != NULL)
		r = strcmp(comm, "clawgated\n") == 0;
	fclose(fp);
	return r;
}

void
check_instances(struct doctor *d)
{
	struct finding	*f;
	struct dirent	*de;
	DIR		*dir;
	char		 ours[PATH_MAX], theirs[PATH_MAX];
	long		 pid, me = 0, ppid;

	if (realpath(d->c->config_path, ours) == NULL)
		return;
	if (d->st != NULL)
		me = (long)json_integer_value(json_object_get(d->st, "pid"));
	if ((dir = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if ((pid = strtol(de->d_name, NULL, 10)) <= 0 || pid == me ||
		    !is_clawgated(pid))
			continue;
		/* A daemonizing parent, waiting for its child: not another. */
		if ((ppid = proc_ppid(pid)) > 0 && is_clawgated(ppid))
			continue;
		if (proc_config(pid, theirs, sizeof(theirs)) == -1 ||
		    strcmp(theirs, ours) != 0)
			continue;
		f = doctor_add(d, SEV_WARN, "second-instance");
		snprintf(f->what, sizeof(f->what), "another clawgated (pid %ld) "
		    "runs with the same config file %s%s", pid, ours, me ?
		    "; it has its own run directory, so it is an old instance "
		    "that kept running" : ", but its control socket is not the "
		    "one this config names: it was started with another "
		    "clawgate.runDir (an old instance?)");
		snprintf(f->fix, sizeof(f->fix), "stop the one you do not want: "
		    "`kill %ld`", pid);
	}
	closedir(dir);
}

/* Who listens on the port, when our daemon does not (it cannot start). */
void
check_port(struct doctor *d)
{
	static const char *const tabs[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct finding	*f;
	char		 line[512], local[128];
	unsigned	 port, state;
	unsigned long	 inode;
	FILE		*fp;
	int		 i;

	if (d->st != NULL || !d->cfg_ok)
		return;
	for (i = 0; i < 2; i++) {
		if ((fp = fopen(tabs[i], "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, " %*d: %127s %*s %x %*s %*s %*s %*s "
			    "%*s %lu", local, &state, &inode) != 3 ||
			    state != 0x0A || strchr(local, ':') == NULL)
				continue;
			port = (unsigned)strtoul(strrchr(local, ':') + 1, NULL,
			    16);
			if ((int)port != d->cfg.port)
				continue;
			f = doctor_add(d, SEV_CRIT, "port-in-use");
			snprintf(f->what, sizeof(f->what), "port %d is already "
			    "in use (socket inode %lu) while clawgated is not "
			    "running: it cannot start", d->cfg.port, inode);
			snprintf(f->fix, sizeof(f->fix), "`ss -ltnp 'sport = "
			    ":%d'` shows the owner; stop it or change "
			    "gateway.port", d->cfg.port);
			fclose(fp);
			return;
		}
		fclose(fp);
	}
}

/* --- container networks ------------------------------------------ */

static int
container_if(const char *name)
{
	static const char *const pfx[] = { "docker", "br-", "cni", "cbr0",
	    "flannel", "cali", "weave", "podman", "kube", "vxlan.calico",
	    NULL };
	int	i;

	for (i = 0; pfx[i] != NULL; i++)
		if (strncmp(name, pfx[i], strlen(pfx[i])) == 0)
			return 1;
	return 0;
}

void
check_containers(struct doctor *d)
{
	struct ifaddrs	*ifa, *i;
	struct finding	*f;
	char		 addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], cidr[64];
	uint32_t	 a, m;
	int		 prefix, k, covered, seen = 0;

	if (!d->cfg_ok || getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    i->ifa_netmask == NULL || !container_if(i->ifa_name) ||
		    seen++ >= 8)
			continue;
		a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		m = ntohl(((struct sockaddr_in *)
		    i->ifa_netmask)->sin_addr.s_addr);
		for (prefix = 0; prefix < 32 && (m & (0x80000000u >> prefix));
		    prefix++)
			;
		inet_ntop(AF_INET, &((struct sockaddr_in *)
		    i->ifa_addr)->sin_addr, addr, sizeof(addr));
		{
			struct in_addr na = { htonl(a & m) };

			inet_ntop(AF_INET, &na, net, sizeof(net));
		}
		snprintf(cidr, sizeof(cidr), "%s/%d", net, prefix);
		covered = 0;
		for (k = 0; k < d->cfg.nlocal_peers; k++) {
			uint32_t nb = htonl(a & m);

			covered |= cidr_match(&d->cfg.local_peers[k], 4,
			    (const uint8_t *)&nb);
		}
		if (covered)
			continue;
		if (d->cfg.bind == BIND_LOOPBACK) {
			f = doctor_add(d, SEV_INFO, "container-network");
			snprintf(f->what, sizeof(f->what), "%s (%s/%d) is a "
			    "container network, but the gateway listens on "
			    "loopback only: containers cannot reach it over "
			    "TCP", i->ifa_name, addr, prefix);
			snprintf(f->fix, sizeof(f->fix), "for a clawgate CLI in "
			    "a container, mount the control socket's directory "
			    "(%s) instead of opening the port", d->cfg.run_dir);
			continue;
		}
		f = doctor_add(d, SEV_WARN, "container-network");
		snprintf(f->what, sizeof(f->what), "%s (%s/%d) is a container "
		    "network not in gateway.localPeers: CLIs in containers "
		    "(from %s) and browsers through published ports (from %s) "
		    "count as remote and every new device waits for `clawgate "
		    "devices approve`", i->ifa_name, addr, prefix, cidr, addr);
		snprintf(f->fix, sizeof(f->fix), "if they are yours, add \"%s\" "
		    "to gateway.localPeers (\"%s/32\" for published ports "
		    "only): `clawgate config set gateway.localPeers '[\"%s\"]'`"
		    " (keep any entries already there), then `clawgate gateway "
		    "reload`", cidr, addr, cidr);
	}
	freeifaddrs(ifa);
}

