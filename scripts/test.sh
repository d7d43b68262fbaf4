#!/bin/sh
# Install, build and run the whole test suite: once plain, once under
# AddressSanitizer + UBSan.  Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# As root the daemon under test runs as `nobody`, which must reach the
# build: stop now, with the fix, rather than fail every daemon test.
if [ "$(id -u)" = 0 ] && [ "${CLAWGATE_TEST_ROOT:-0}" != 1 ] &&
    ! setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
    --clear-groups -- test -x "$top"; then
	echo "test: user nobody cannot reach $top: the suite runs the daemon" \
	    "unprivileged, so the checkout must be in a directory other users" \
	    "can traverse (not under /root or a mode-0700 directory). Move it" \
	    "(e.g. to /srv/clawgate) or run with CLAWGATE_TEST_ROOT=1." >&2
	echo "0 passed, 1 failed"
	exit 1
fi
"$top/scripts/install-deps.sh" || exit 1
"$top/scripts/install-users.sh" || exit 1
# The Debian packaging tools, for tests/t_deb.sh (it says why it skips).
"$top/scripts/install-deb-deps.sh" >/dev/null || echo "test: package build tools not installed; tests/t_deb.sh will say why" >&2
# The reference OpenClaw CLI, for the interop tests (cached after the first run).
"$top/scripts/install-interop.sh" >/dev/null || echo "test: interop client not installed; interop tests will say why" >&2
# Headless Chromium and playwright-core, for the Control UI tests.
"$top/scripts/install-browser.sh" >/dev/null || echo "test: browser not installed; browser tests will say why" >&2

# The README's two commands run in order: the suite runs next to the
# quick-start daemon (defaults: port 18789, /run/clawgate,
# /var/lib/clawgate), so a test that leans on those defaults instead of
# its own port and directories fails here rather than on a user's
# machine.  A daemon that was already running is left alone; one we
# start is stopped by its pid at the end.  Not being able to start it
# is said, never a failure of the suite.
qs_pid=
qs_stop() {
	[ -n "$qs_pid" ] || return 0
	kill -TERM "$qs_pid" 2>/dev/null
	i=0
	while kill -0 "$qs_pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -0 "$qs_pid" 2>/dev/null && kill -KILL "$qs_pid" 2>/dev/null
	echo "test: stopped the quick-start clawgated (pid $qs_pid)"
	qs_pid=
}
trap qs_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
qs_running() {
	[ -s /run/clawgate/clawgated.pid ] &&
	    kill -0 "$(head -n 1 /run/clawgate/clawgated.pid)" 2>/dev/null
}
if qs_running; then
	echo "test: a clawgated already runs on the defaults (pid $(head -n 1 /run/clawgate/clawgated.pid)); the suite runs next to it"
elif mkdir -p "$top/build" &&
    sh "$top/scripts/quickstart.sh" >"$top/build/quickstart.log" 2>&1 &&
    qs_running; then
	qs_pid=$(head -n 1 /run/clawgate/clawgated.pid)
	echo "test: quick-start clawgated started (pid $qs_pid); the suite runs next to it"
else
	echo "test: the quick-start clawgated could not start (see build/quickstart.log); running the suite without it" >&2
fi

status=0
run_suite() {
	name=$1; shift
	echo "=== $name build ==="
	if ! "$top/scripts/build.sh" "$name" "$@"; then
		echo "FAIL: $name build" >&2
		status=1
		return
	fi
	( cd "build/$name" && make -s -j2 check ) || status=1
	if [ -f "build/$name/test-suite.log" ]; then
		sed -n '1,12p' "build/$name/test-suite.log"
	fi
}
run_suite_only() {
	name=$1; tests=$2; shift 2
	echo "=== $name build ==="
	if ! "$top/scripts/build.sh" "$name" "$@"; then
		echo "FAIL: $name build" >&2
		status=1
		return
	fi
	( cd "build/$name" && make -s check TESTS="$tests" ) || status=1
}
run_suite plain
# The package is built from the source, not from this build: once is enough.
deb_was=${CLAWGATE_TEST_DEB-unset}
CLAWGATE_TEST_DEB=0; export CLAWGATE_TEST_DEB
run_suite asan --enable-sanitizers
if [ "$deb_was" = unset ]; then unset CLAWGATE_TEST_DEB; else CLAWGATE_TEST_DEB=$deb_was; fi
# valgrind cannot run under the seccomp filters: a sandbox-free build
# runs the daemon's main paths under it.
run_suite_only valgrind tests/t_valgrind.sh --with-sandbox=none
# A short libFuzzer run of every harness (make fuzz-long runs for hours).
echo "=== fuzz build ==="
mkdir -p build/fuzz
if ( cd build/fuzz && { [ -f Makefile ] ||
    CC=clang-14 "$top/configure" -q --enable-fuzzing; } ); then
	# Builds only the harnesses and the code under test, then runs them.
	( cd build/fuzz && make -s -j2 fuzz-short FUZZ_SECONDS=10 ) &&
	    fuzz_ok=1 || { status=1; fuzz_ok=0; }
else
	echo "FAIL: fuzz build" >&2
	status=1
	fuzz_ok=0
fi

pass=0; fail=0
for log in build/plain/test-suite.log build/asan/test-suite.log \
    build/valgrind/test-suite.log; do
	[ -f "$log" ] || { fail=$((fail + 1)); continue; }
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log"); x=$(sed -n 's/^# XPASS: *//p' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
done
# The fuzz run counts as one test: every harness ran clean, or not.
if [ "${fuzz_ok:-0}" = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
[ "$fail" -eq 0 ] || status=1
echo "$pass passed, $fail failed"
exit $status
