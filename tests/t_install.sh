#!/bin/bash
# t_install.sh: `make install DESTDIR=...' lays the daemon out as the
# documentation says (clawgated(8) FILES, docs/SECURITY.md): the master
# in sbin, the two children in libexec (not on PATH), the manual pages,
# the sample configuration (never the live one), the state and run
# directories with their modes; and `make uninstall' takes the files
# away again.  Directories are those configure chose, read from the
# Makefile.
. "$top_srcdir/tests/lib.sh"

command -v make >/dev/null 2>&1 || skip_all "make not found"
[ -f "$top_builddir/Makefile" ] || skip_all "no Makefile in $top_builddir"

D=$TESTDIR/destdir

# mkvar NAME: a make variable of the build tree, fully expanded.
mkvar()
{
	printf 'print-var:\n\t@echo $(%s)\n' "$1" |
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" -f Makefile -f - \
	    print-var 2>/dev/null
}

mode()	# octal permission bits of a path
{
	stat -c %a "$1" 2>/dev/null
}

sbindir=$(mkvar sbindir)
libexecdir=$(mkvar libexecdir)
sysconfdir=$(mkvar sysconfdir)
localstatedir=$(mkvar localstatedir)
runstatedir=$(mkvar runstatedir)
mandir=$(mkvar mandir)
unitdir=$(mkvar systemdsystemunitdir)
[ -n "$sbindir" ] && [ -n "$libexecdir" ] && [ -n "$mandir" ] ||
    bail_out "cannot read the install directories from the Makefile"
diag "sbindir=$sbindir libexecdir=$libexecdir sysconfdir=$sysconfdir"
diag "localstatedir=$localstatedir runstatedir=$runstatedir"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" install DESTDIR="$D" >"$TESTDIR/install.log" 2>&1
rc=$?
is "$rc" 0 "make install DESTDIR=... succeeds" ||
    diag "$(tail -n 20 "$TESTDIR/install.log")"

ok "[ -x '$D$sbindir/clawgated' ]" "sbin/clawgated installed, executable"
ok "[ -x '$D$libexecdir/clawgate-authd' ]" "libexec/clawgate-authd installed"
ok "[ -x '$D$libexecdir/clawgate-worker' ]" "libexec/clawgate-worker installed"
ok "[ ! -e '$D$sbindir/clawgate-authd' ] && [ ! -e '$D$sbindir/clawgate-worker' ]" \
    "the children are not on PATH"
# The master execs the children from the configured libexecdir.
ok "grep -qF '$libexecdir' '$D$sbindir/clawgated'" \
    "clawgated has the configured libexecdir compiled in"
bad=$(find "$D" -type f \( -perm -4000 -o -perm -2000 -o -perm -0002 \) 2>/dev/null)
is "$bad" "" "nothing setuid, setgid or world-writable"

ok "[ -f '$D$mandir/man8/clawgated.8' ]" "man8/clawgated.8 installed"
ok "[ -f '$D$mandir/man5/clawgated.conf.5' ]" "man5/clawgated.conf.5 installed"
if [ -f "$top_srcdir/man/clawgate.1" ]; then
	ok "[ -f '$D$mandir/man1/clawgate.1' ]" "man1/clawgate.1 installed"
else
	skip 1 "no man/clawgate.1 in the tree yet"
fi

sample=$D$sysconfdir/clawgate/clawgate.json5.sample
ok "[ -f '$sample' ]" "etc/clawgate/clawgate.json5.sample installed"
is "$(mode "$sample")" 644 "the sample is mode 0644"
ok "[ ! -e '$D$sysconfdir/clawgate/clawgate.json5' ]" \
    "the live configuration is never installed (nor overwritten)"
out=$("$D$sbindir/clawgated" -n -f "$sample" 2>&1)
like "$out" "configuration OK" "the installed sample passes clawgated -n"

is "$(mode "$D$localstatedir/lib/clawgate")" 711 \
    "state directory $localstatedir/lib/clawgate is 0711"
is "$(mode "$D$runstatedir/clawgate")" 755 \
    "run directory $runstatedir/clawgate is 0755"

if [ -n "$unitdir" ]; then
	unit=$D$unitdir/clawgated.service
	ok "[ -f '$unit' ]" "systemd unit installed in $unitdir"
	like "$(sed -n 's/^ExecStart=//p' "$unit")" "^$sbindir/clawgated -d " \
	    "the installed unit starts the installed clawgated"
else
	skip 2 "configured without --with-systemdsystemunitdir"
fi

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top_builddir" uninstall DESTDIR="$D" >"$TESTDIR/uninstall.log" 2>&1
is "$?" 0 "make uninstall DESTDIR=... succeeds"
left=$(find "$D" -type f 2>/dev/null)
is "$left" "" "make uninstall leaves no files behind"

done_testing
