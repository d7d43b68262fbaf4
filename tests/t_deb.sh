#!/bin/bash
# t_deb.sh: the Debian package (debian/, README "Install the package").
#
# Takes about 2 to 3 minutes on 2 cores, most of it the package build
# (dpkg-buildpackage with nocheck: the Check unit tests run in this
# make check anyway); the rest is about 30 s.  CLAWGATE_TEST_DEB=0 skips
# it.  Root only: it installs and purges the package on this host.
#
#   1. builds clawgate_<version>_<arch>.deb (and the -dbgsym package)
#      with `dpkg-buildpackage -us -uc -b' from a copy of the source in
#      the scratch directory: `git archive HEAD' with the working tree's
#      debian/ on top (the packaging under test), or `make distdir' when
#      the source is not a git checkout; never in the build directory;
#   2. checks the version against configure.ac's AC_INIT, the contents
#      (programs, manual pages, unit, sysusers.d, tmpfiles.d, the
#      conffile with no token in it) and, when installed, runs lintian
#      (no error or warning);
#   3. installs it with `apt-get install ./clawgate_…deb' (an existing
#      /etc/clawgate/clawgate.json5 is kept: --force-confold), checks the
#      packaged defaults (conffile, /var/lib/clawgate, the users, the
#      maintainer scripts restarting the unit on upgrade and stopping it
#      only on remove), then runs the unit's ExecStart (its Environment=
#      and UMask=) from the installed files, in the foreground with -d,
#      on a free loopback port (--port) and with a copy of the conffile
#      that names its own state and run directories: a token generated at
#      the first start, a handshake (tests/wsclient), `clawgate -f CONF
#      gateway status', the children on their users, and a stop by pid
#      that closes an open session with 1001 (what an upgrade's restart
#      does);
#   4. `apt-get remove' keeps the configuration (and the state), and
#      `apt-get purge' leaves nothing but what the policy keeps: the
#      users _clawgate and _clawgate_auth and /var/empty.
#
# A quick-start clawgated (scripts/quickstart.sh, scripts/test.sh) may
# run on this host on port 18789 with /run/clawgate and /var/lib/clawgate:
# it is left alone.  The package never touches a state directory it did
# not make (postinst makes /var/lib/clawgate with a marker only when it
# is missing; postrm purges only a marked one), and this test checks
# that mode, owner and entries of a pre-existing one are the same after
# the purge.  /etc/clawgate, when it exists, is saved with tar before the
# install and restored after the purge (dpkg purges a conffile even when
# the file was there first), and compared with what it was.  A clawgate
# package already installed (or removed but not purged) is a skip: the
# test would replace and purge it.  Under a systemd PID 1 the install
# would start clawgated.service on 18789; a temporary
# /usr/sbin/policy-rc.d (exit 101) prevents that, or, if one exists
# already, the test skips.
[ "$(id -u)" = 0 ] && export CLAWGATE_TEST_ROOT=1
. "$top_srcdir/tests/lib.sh"

[ "${CLAWGATE_TEST_DEB:-1}" = 0 ] && skip_all "CLAWGATE_TEST_DEB=0"
[ "$(id -u)" = 0 ] ||
    skip_all "not root: the test installs and purges the package (apt-get)"
[ -f "$top_srcdir/debian/control" ] || skip_all "no debian/ in $top_srcdir"
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
    skip_all "not a Debian system (no apt-get/dpkg)"

tools_present()
{
	command -v dpkg-buildpackage >/dev/null 2>&1 &&
	    command -v dh >/dev/null 2>&1 &&
	    command -v fakeroot >/dev/null 2>&1
}
if ! tools_present; then
	sh "$top_srcdir/scripts/install-deb-deps.sh" >"$TESTDIR/deps.log" 2>&1
	tools_present || skip_all "dpkg-buildpackage/debhelper missing and" \
	    "scripts/install-deb-deps.sh could not install them" \
	    "($(tail -n 1 "$TESTDIR/deps.log"))"
fi

pkg_status()	# installed, config-files, ... or not-installed
{
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' clawgate 2>/dev/null)
	echo "${s:-not-installed}"
}
st=$(pkg_status)
[ "$st" = not-installed ] || skip_all "the clawgate package is $st on" \
    "this host: the test would replace and purge it (and its configuration)"

POLICY_RC=
if [ -d /run/systemd/system ]; then
	[ -e /usr/sbin/policy-rc.d ] && skip_all "systemd runs here and" \
	    "/usr/sbin/policy-rc.d exists: installing would start" \
	    "clawgated.service on port 18789"
fi

unset MAKEFLAGS MFLAGS MAKELEVEL
ARCH=$(dpkg --print-architecture)
V=$(sed -n 's/^AC_INIT(\[clawgate\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
DEBV=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version 2>/dev/null)

# ------------------------------------------------------------ cleanup
INSTALLED=0
ETC_SAVED=0
deb_cleanup()
{
	stop_daemon
	if [ "$INSTALLED" = 1 ] && [ "$(pkg_status)" != not-installed ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq clawgate \
		    >>"$TESTDIR/apt.log" 2>&1
	fi
	INSTALLED=0
	if [ "$ETC_SAVED" = 1 ]; then
		rm -rf /etc/clawgate
		tar -C /etc -xpf "$TESTDIR/etc-clawgate.tar"
		ETC_SAVED=0
	fi
	if [ -n "$POLICY_RC" ]; then
		rm -f "$POLICY_RC"
		POLICY_RC=
	fi
}
trap '_st=$?; deb_cleanup; (exit $_st); _lib_cleanup' EXIT

# snapshot DIR: its entries with type, mode, owner (and checksums with
# "sums"); contents of files are not compared without it (a running
# quick-start daemon appends to its log).
snapshot()
{
	[ -e "$1" ] || { echo absent; return; }
	(cd "$1" && find . -printf '%y %m %u:%g %p\n' | sort)
	if [ "${2:-}" = sums ]; then
		(cd "$1" && find . -type f -exec md5sum {} + | sort -k 2)
	fi
}

# ------------------------------------------------------------ 1. build
is "$DEBV" "$V-1" "debian/changelog's version is AC_INIT's ($V) plus -1"
[ -n "$DEBV" ] || DEBV=$V-1

SRC=$TESTDIR/src/clawgate-$V
mkdir -p "$TESTDIR/src"
if git -C "$top_srcdir" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	how="git archive HEAD + the working tree's debian/"
	git -C "$top_srcdir" archive --format=tar --prefix="clawgate-$V/" HEAD |
	    tar -C "$TESTDIR/src" -xf - &&
	    rm -rf "$SRC/debian" && cp -a "$top_srcdir/debian" "$SRC/debian"
else
	how="make distdir"
	make -s -C "$top_builddir" distdir distdir="$SRC" >"$TESTDIR/distdir.log" 2>&1
fi
ok "[ -f '$SRC/configure.ac' ] && [ -x '$SRC/debian/rules' ]" \
    "source copy in the scratch directory ($how)"

t0=$(date +%s)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b -Pnocheck) >"$TESTDIR/build.log" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b succeeds ($(($(date +%s) - t0)) s)" ||
    diag "$(tail -n 30 "$TESTDIR/build.log")"
DEB=$TESTDIR/src/clawgate_${DEBV}_$ARCH.deb
ok "[ -f '$DEB' ]" "clawgate_${DEBV}_$ARCH.deb built" ||
    bail_out "no package to test"
ok "[ -f '$TESTDIR/src/clawgate-dbgsym_${DEBV}_$ARCH.deb' ]" \
    "the automatic clawgate-dbgsym package built"

# ------------------------------------------------------------ 2. contents
contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/clawgated /usr/bin/clawgate /usr/libexec/clawgate-authd \
    /usr/libexec/clawgate-worker /usr/share/man/man8/clawgated.8.gz \
    /usr/share/man/man5/clawgated.conf.5.gz /usr/share/man/man1/clawgate.1.gz \
    /lib/systemd/system/clawgated.service /usr/lib/sysusers.d/clawgate.conf \
    /usr/lib/tmpfiles.d/clawgate.conf /etc/clawgate/clawgate.json5 \
    /usr/share/clawgate/ui/index.html; do
	grep -qxF "$f" <<<"$contents" || missing_files="${missing_files:-} $f"
done
is "${missing_files:-}" "" "the package has the programs, manual pages, unit, sysusers.d, tmpfiles.d, conffile and UI"
is "$(grep -cE '^/(var|run)/' <<<"$contents")" 0 \
    "no /var or /run in the package (made by postinst and tmpfiles.d)"
is "$(dpkg-deb -I "$DEB" conffiles 2>/dev/null | sort | tr '\n' ' ')" \
    "/etc/clawgate/clawgate.json5 /etc/logrotate.d/clawgated " \
    "the conffiles: the configuration and the audit log's logrotate snippet"
mkdir -p "$TESTDIR/pkg"
dpkg-deb -x "$DEB" "$TESTDIR/pkg"
PKGCONF=$TESTDIR/pkg/etc/clawgate/clawgate.json5
out=$("$TESTDIR/pkg/usr/sbin/clawgated" -n -f "$PKGCONF" 2>&1)
like "$out" "configuration OK" "the packaged configuration passes clawgated -n"
ok "grep -qE '^[[:space:]]*bind:[[:space:]]*\"loopback\"' '$PKGCONF' &&
    ! grep -qE '^[[:space:]]*(token|password)[[:space:]]*:' '$PKGCONF'" \
    "the conffile binds loopback and ships no token or password"

if command -v lintian >/dev/null 2>&1; then
	lint=$(cd "$TESTDIR/src" && lintian --fail-on error,warning \
	    "clawgate_${DEBV}_$ARCH.changes" 2>&1)
	rc=$?
	is "$rc" 0 "lintian: no error or warning" || diag "$lint"
else
	skip 1 "lintian not installed (scripts/install-deb-deps.sh)"
fi

# ------------------------------------------------------------ 3. install
had_etc=0
if [ -e /etc/clawgate ]; then
	had_etc=1
	tar -C /etc -cpf "$TESTDIR/etc-clawgate.tar" clawgate ||
	    bail_out "cannot save /etc/clawgate"
	ETC_SAVED=1
	etc_before=$(snapshot /etc/clawgate sums)
	diag "/etc/clawgate exists: saved, restored after the purge"
fi
state_before=$(snapshot /var/lib/clawgate)
[ "$state_before" != absent ] &&
    diag "/var/lib/clawgate exists (a quick start?): the package must leave it alone"
empty_before=$(snapshot /var/empty)
if [ -d /run/systemd/system ]; then
	POLICY_RC=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# tests/t_deb.sh: start no service\nexit 101\n' >"$POLICY_RC"
	chmod 755 "$POLICY_RC"
fi

chmod 755 "$TESTDIR" "$TESTDIR/src"	# apt's _apt user reads the .deb
INSTALLED=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confold "$DEB" >"$TESTDIR/apt.log" 2>&1
rc=$?
is "$rc" 0 "apt-get install -y ./clawgate_${DEBV}_$ARCH.deb" ||
    diag "$(tail -n 20 "$TESTDIR/apt.log")"
is "$(pkg_status)" installed "dpkg: clawgate installed"
ok "[ -f /etc/clawgate/clawgate.json5 ]" "/etc/clawgate/clawgate.json5 exists"
if [ "$had_etc" = 1 ]; then
	# dpkg puts the packaged version next to the kept file.
	is "$(snapshot /etc/clawgate sums | grep -v 'clawgate\.json5\.dpkg-dist$')" \
	    "$etc_before" "the existing /etc/clawgate was not changed (--force-confold)"
	ok "cmp -s /etc/clawgate/clawgate.json5.dpkg-dist '$PKGCONF'" \
	    "the packaged default is beside it, as clawgate.json5.dpkg-dist"
else
	ok "cmp -s /etc/clawgate/clawgate.json5 '$PKGCONF'" \
	    "/etc/clawgate/clawgate.json5 is the packaged default"
	skip 1 "no /etc/clawgate before the install: no .dpkg-dist"
fi
ok "[ -d /var/lib/clawgate ] && [ \"\$(stat -c %a:%U /var/lib/clawgate)\" = 711:root ]" \
    "/var/lib/clawgate exists, 0711 root"
if [ "$state_before" = absent ]; then
	ok "[ -f /var/lib/clawgate/.dpkg-created ]" "postinst made it, with its marker"
else
	is "$(snapshot /var/lib/clawgate)" "$state_before" \
	    "the existing /var/lib/clawgate is untouched (no marker, same entries and modes)"
fi
ok "id _clawgate && id _clawgate_auth" "users _clawgate and _clawgate_auth exist"
ok "[ \"\$(stat -c %a:%U /var/empty)\" = 755:root ] && [ -d /run/clawgate ]" \
    "/var/empty (0755 root) and /run/clawgate exist"
ok "grep -q '_dh_action=restart' /var/lib/dpkg/info/clawgate.postinst &&
    grep -q '\"\$1\" = remove' /var/lib/dpkg/info/clawgate.prerm &&
    ! grep -q 'upgrade' /var/lib/dpkg/info/clawgate.prerm" \
    "an upgrade restarts the unit (SIGTERM, not a kill before unpacking); remove stops it"

# --- run the unit's ExecStart from the installed files ---------------------
UNIT=/lib/systemd/system/clawgated.service
directive()
{
	sed -n "s/^$1=//p" "$UNIT"
}
read -r -a cmd <<<"$(directive ExecStart)"
is "${cmd[0]} ${cmd[1]} ${cmd[2]} ${cmd[3]}" \
    "/usr/sbin/clawgated -d -f /etc/clawgate/clawgate.json5" \
    "the unit runs the installed clawgated -d -f /etc/clawgate/clawgate.json5"
envs=()
while read -r -a words; do
	for w in "${words[@]}"; do
		w=${w#\"}; w=${w%\"}
		envs+=("$w")
	done
done < <(directive Environment)

DAEMON_DIR=$TESTDIR/run1
mkdir -p "$DAEMON_DIR"
DAEMON_CONF=$DAEMON_DIR/clawgate.json5
DAEMON_LOG=$DAEMON_DIR/daemon.log
cp "$PKGCONF" "$DAEMON_CONF"
/usr/bin/clawgate -f "$DAEMON_CONF" config set clawgate.stateDir "$DAEMON_DIR/state" >/dev/null &&
    /usr/bin/clawgate -f "$DAEMON_CONF" config set clawgate.runDir "$DAEMON_DIR/run" >/dev/null
ok $? "installed clawgate config set: the conffile's copy gets its own state and run directories"
# The configured file in place of the conffile, then a free port.
for ((i = 1; i < ${#cmd[@]}; i++)); do
	[ "${cmd[i]}" = /etc/clawgate/clawgate.json5 ] && cmd[i]=$DAEMON_CONF
done
PORT=$(free_port) || bail_out "no free port"
umask_unit=$(directive UMask)
diag "running: ${envs[*]} ${cmd[*]} --port $PORT (umask ${umask_unit:-default})"
(
	[ -n "$umask_unit" ] && umask "$umask_unit"
	exec env "${envs[@]}" "${cmd[@]}" --port "$PORT"
) >>"$DAEMON_LOG" 2>&1 </dev/null &
DAEMON_PID=$!
_daemon_ready
ok $? "the installed clawgated becomes ready on 127.0.0.1:$PORT" ||
    diag "$(tail -n 20 "$DAEMON_LOG")"
TOKFILE=$DAEMON_DIR/state/gateway.token
ok "[ -s '$TOKFILE' ] && [ \"\$(stat -c %a '$TOKFILE')\" = 600 ]" \
    "a token was generated at the first start (<stateDir>/gateway.token, 0600)"
TOK=$(cat "$TOKFILE" 2>/dev/null)
wsr --connect "$(cparams ".auth={token:\"$TOK\"}")"
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" true \
    "handshake with the generated token (hello-ok)"
users=$(for k in $(_descendants "$DAEMON_PID"); do
	ps -o user= -p "$k" 2>/dev/null; done | sort -u | tr '\n' ' ')
like "$users" "_clawgate .*_clawgate_auth|_clawgate_auth .*_clawgate " \
    "children run as _clawgate and _clawgate_auth ($users)"
out=$(/usr/bin/clawgate -f "$DAEMON_CONF" gateway status 2>&1)
rc=$?
is "$rc" 0 "clawgate -f CONF gateway status: exit 0" || diag "$out"
like "$out" "127\\.0\\.0\\.1:$PORT" "gateway status shows the listener on port $PORT"

# A session open across the stop: SIGTERM closes it with 1001.
bg_ws "$TESTDIR/held.out" --connect "$(cparams ".auth={token:\"$TOK\"}")" --hold 15000
held=$BG_PID
wait_lines "$TESTDIR/held.out" '"id":"c1"' 1 50 ||
    diag "the held session did not get its hello: $(cat "$TESTDIR/held.out")"
stop_daemon
is "$DAEMON_STATUS" 0 "stopped by pid (SIGTERM): exit status 0"
wait "$held" 2>/dev/null
OUT=$(cat "$TESTDIR/held.out")
like "$(srv_close)" "^1001\\|" "the open session was closed with 1001 (going away)"

# ------------------------------------------------------------ 4. remove, purge
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q clawgate >>"$TESTDIR/apt.log" 2>&1
is "$?:$(pkg_status)" 0:config-files "apt-get remove: the package is in state config-files"
ok "[ ! -e /usr/sbin/clawgated ] && [ ! -e /usr/bin/clawgate ] && [ ! -e $UNIT ]" \
    "remove: the programs and the unit are gone"
ok "[ -f /etc/clawgate/clawgate.json5 ] && [ -d /var/lib/clawgate ]" \
    "remove: the configuration and the state directory stay"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q clawgate >>"$TESTDIR/apt.log" 2>&1
is "$?:$(pkg_status)" 0:not-installed "apt-get purge -y clawgate"
INSTALLED=0
left=
while read -r f; do
	case $f in */) continue ;; esac
	[ -e "$f" ] || [ -L "$f" ] || continue
	[ "$had_etc" = 1 ] && [ "$f" = /etc/clawgate/clawgate.json5 ] && continue
	left="$left $f"
done <<<"$contents"
is "$left" "" "purge: no file of the package is left (programs, manual pages, unit, config)"
ok "[ ! -e /etc/systemd/system/multi-user.target.wants/clawgated.service ]" \
    "purge: the unit's enablement symlink is gone"
if [ "$state_before" = absent ]; then
	ok "[ ! -e /var/lib/clawgate ]" "purge: the state directory the package made is gone"
else
	is "$(snapshot /var/lib/clawgate)" "$state_before" \
	    "purge: the pre-existing /var/lib/clawgate is kept as it was"
fi
if [ "$had_etc" = 1 ]; then
	deb_cleanup	# restores /etc/clawgate now
	is "$(snapshot /etc/clawgate sums)" "$etc_before" \
	    "the saved /etc/clawgate is restored exactly"
else
	ok "[ ! -e /etc/clawgate ]" "purge: /etc/clawgate is gone"
fi
ok "id _clawgate && id _clawgate_auth" \
    "purge keeps the users _clawgate and _clawgate_auth (policy: files may still be theirs)"
[ "$empty_before" = absent ] &&
    diag "/var/empty was made by the package's tmpfiles.d and stays (policy: a shared chroot)"

done_testing
