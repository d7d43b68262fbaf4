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

static int	proc_config(long, char *, size_t);
static int	is_clawgated(long);

/* The pid in the first line of a pid file (0 if none). */
static long
pidfile_pid(const char *pidf, int fd)
{
	char	 buf[64];
	ssize_t	 n;
	long	 pid;
	int	 myfd = -1;

	if (fd == -1 && (fd = myfd = open(pidf, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (myfd != -1)
		close(myfd);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : 0;
}

/*
 * The pid file of this config's runDir is locked, and this config's
 * socket did not answer.  A kill is suggested only for the exact pid of
 * the instance this config names (it runs this file) and only when that
 * instance is broken: its own socket refuses or does not answer.  An
 * instance of another config that shares the runDir, or one we may not
 * talk to, is never to be killed.
 */
static void
locked_pidfile(struct doctor *d, const char *pidf, int fd)
{
	struct finding	*f;
	char		 ours[PATH_MAX], theirs[PATH_MAX];
	long		 pid = pidfile_pid(pidf, fd);
	int		 mine;

	if (pid == 0 || !is_clawgated(pid)) {
		f = doctor_add(d, SEV_WARN, "pidfile-locked");
		snprintf(f->what, sizeof(f->what), "%s is locked, but the pid "
		    "it names (%ld) is not a clawgated this user can see",
		    pidf, pid);
		snprintf(f->fix, sizeof(f->fix), "`fuser -v %s` shows who "
		    "holds it; do not kill anything before you know it is "
		    "this config's clawgated", pidf);
		return;
	}
	if (realpath(d->c->config_path, ours) == NULL)
		cg_strlcpy(ours, d->c->config_path, sizeof(ours));
	mine = proc_config(pid, theirs, sizeof(theirs)) == 0 &&
	    strcmp(theirs, ours) == 0;
	if (!mine) {
		f = doctor_add(d, SEV_WARN, "run-dir-shared");
		snprintf(f->what, sizeof(f->what), "%s belongs to another "
		    "clawgated: pid %ld runs %s, not %s; the two configs share "
		    "the run directory %s", pidf, pid, theirs[0] ? theirs :
		    "its default config file", d->c->config_path,
		    d->cfg.run_dir);
		snprintf(f->fix, sizeof(f->fix), "leave pid %ld alone (it is "
		    "not this config's); give %s its own clawgate.runDir "
		    "(`clawgate config set clawgate.runDir "
		    "/run/clawgate-NAME`)", pid, d->c->config_path);
		return;
	}
	if (d->ce.status == CTL_NOT_RUNNING && d->c->socket_path[0] != '\0') {
		/* --socket named another socket: this instance was not asked. */
		f = doctor_add(d, SEV_INFO, "asked-elsewhere");
		snprintf(f->what, sizeof(f->what), "clawgated pid %ld runs this "
		    "config (it holds %s), but --socket named %s, where nothing "
		    "listens", pid, pidf, d->c->socket_path);
		snprintf(f->fix, sizeof(f->fix), "leave out --socket: `clawgate "
		    "gateway status` asks it on its own socket");
		return;
	}
	if (strstr(d->ce.msg, "permission denied") != NULL) {
		f = doctor_add(d, SEV_WARN, "daemon-not-asked");
		snprintf(f->what, sizeof(f->what), "clawgated pid %ld runs this "
		    "config, but this user may not use its control socket (%s)",
		    pid, d->ce.msg);
		snprintf(f->fix, sizeof(f->fix), "run `clawgate doctor` as root, "
		    "as the daemon's user, or as a member of "
		    "clawgate.controlGroup");
		return;
	}
	f = doctor_add(d, SEV_CRIT, "pidfile-locked");
	snprintf(f->what, sizeof(f->what), "clawgated pid %ld runs this config "
	    "and holds %s, but does not answer on its control socket (%s): it "
	    "is stuck", pid, pidf, d->ce.msg);
	snprintf(f->fix, sizeof(f->fix), "`kill %ld` (this config's clawgated; "
	    "`kill -9 %ld` if it is still there after 30 s), then `clawgate "
	    "gateway start`", pid, pid);
}

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
	/*
	 * Unknown run directory, or another instance's: not ours to judge.
	 * A file that does not load leaves the default runDir in d->cfg,
	 * which may be another instance's (/run/clawgate).
	 */
	if (d->ce.status == CTL_CONFIG || d->ce.status == CTL_MISMATCH ||
	    !d->cfg_ok)
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
		    "died (that pid may now be an unrelated process: never "
		    "kill it)", pidf, owner[0] ? owner : "?");
		snprintf(f->fix, sizeof(f->fix), "`rm %s`", pidf);
		f->kind = FIX_UNLINK;
		cg_strlcpy(f->arg, pidf, sizeof(f->arg));
	} else
		locked_pidfile(d, pidf, fd);
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
	char		 ours[PATH_MAX], theirs[PATH_MAX], pidf[PATH_MAX];
	long		 pid, me = 0, ppid;

	if (realpath(d->c->config_path, ours) == NULL)
		return;
	if (d->st != NULL)
		me = (long)json_integer_value(json_object_get(d->st, "pid"));
	else if (d->ce.status != CTL_CONFIG && d->ce.status != CTL_MISMATCH &&
	    d->cfg_ok) {
		/* The run directory's own instance: check_stale judges it. */
		snprintf(pidf, sizeof(pidf), "%s/clawgated.pid",
		    d->cfg.run_dir);
		me = pidfile_pid(pidf, -1);
	}
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

/* --- local peers ------------------------------------------------- */

/* Is `addr' (family 4 or 6) a local peer under the effective list? */
static int
peer_covered(const struct doctor *d, int family, const uint8_t *addr)
{
	int	k;

	if (d->cfg.nlocal_peers == 0)	/* the default: loopback */
		return family == 4 ? addr[0] == 127 : memcmp(addr,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	for (k = 0; k < d->cfg.nlocal_peers; k++)
		if (cidr_match(&d->cfg.local_peers[k], family, addr))
			return 1;
	return 0;
}

static int
v4_loopback_covered(const struct doctor *d)
{
	static const uint8_t	a[4] = { 127, 0, 0, 1 };

	return peer_covered(d, 4, a);
}

static int
v6_loopback_covered(const struct doctor *d)
{
	static const uint8_t	a[16] = { [15] = 1 };

	return peer_covered(d, 6, a);
}

/*
 * The localPeers list to suggest or write: the current entries as
 * written, loopback (127.0.0.0/8, ::1) unless it is covered, and `add'.
 * A list replaces the loopback default, so a list written without it
 * would lock this host's own browser and CLI out.
 */
static void
peers_with(const struct doctor *d, const char *add, char *out, size_t len)
{
	json_t		*cur = NULL, *a, *v;
	const char	*extra[3];
	char		*s;
	size_t		 i, o = 0;
	int		 k, n = 0;

	if (d->raw != NULL)
		cur = json_object_get(json_object_get(json5_root(d->raw),
		    "gateway"), "localPeers");
	a = json_array();
	if (json_is_array(cur) && d->cfg.nlocal_peers > 0)
		json_array_foreach(cur, i, v)
			json_array_append(a, v);
	if (!v4_loopback_covered(d))
		extra[n++] = "127.0.0.0/8";
	if (!v6_loopback_covered(d))
		extra[n++] = "::1";
	if (d->cfg.nlocal_peers == 0) {
		/* the default, made explicit */
		json_array_append_new(a, json_string("127.0.0.0/8"));
		json_array_append_new(a, json_string("::1"));
		n = 0;
	}
	if (add != NULL)
		extra[n++] = add;
	for (k = 0; k < n; k++)
		json_array_append_new(a, json_string(extra[k]));
	o = (size_t)snprintf(out, len, "[");
	json_array_foreach(a, i, v) {
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
			continue;
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    i ? ", " : "", s);
		free(s);
	}
	if (o < len)
		snprintf(out + o, len - o, "]");
	json_decref(a);
}

void
check_loopback_peers(struct doctor *d)
{
	struct finding	*f;
	char		 list[900];
	int		 v4, v6;

	if (!d->cfg_ok || d->cfg.nlocal_peers == 0)
		return;
	v4 = v4_loopback_covered(d);
	v6 = v6_loopback_covered(d);
	if (v4 && v6)
		return;
	peers_with(d, NULL, list, sizeof(list));
	f = doctor_add(d, SEV_WARN, "local-peers-no-loopback");
	snprintf(f->what, sizeof(f->what), "gateway.localPeers leaves out "
	    "%s: a list replaces the loopback default, so this host's own "
	    "browser and CLI over TCP count as remote and every new device "
	    "waits for `clawgate devices approve`", !v4 && !v6 ?
	    "loopback (127.0.0.0/8 and ::1)" : !v4 ? "127.0.0.0/8" : "::1");
	snprintf(f->fix, sizeof(f->fix), "`clawgate config set "
	    "gateway.localPeers '%s'` (the current entries kept, loopback "
	    "added), then `clawgate gateway reload`", list);
	f->kind = FIX_SET;
	cg_strlcpy(f->arg, "gateway.localPeers", sizeof(f->arg));
	cg_strlcpy(f->value, list, sizeof(f->value));
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
	char		 list[500];
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
		peers_with(d, cidr, list, sizeof(list));
		snprintf(f->fix, sizeof(f->fix), "if they are yours, add \"%s\" "
		    "to gateway.localPeers (\"%s/32\" for published ports "
		    "only): `clawgate config set gateway.localPeers '%s'` (the "
		    "current entries and loopback kept), then `clawgate gateway "
		    "reload`", cidr, addr, list);
	}
	freeifaddrs(ifa);
}

