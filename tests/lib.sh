# tests/lib.sh: shared helpers for the TAP integration tests (bash).
#
# Source it from a test script:  . "$top_srcdir/tests/lib.sh"
#
# TAP:      plan N (or done_testing at the end), ok COND DESC, is GOT WANT DESC, isnt, like GOT ERE DESC,
#           skip N REASON, skip_all REASON, diag MSG, bail_out MSG
# daemon:   start_daemon CONFIG_TEXT [extra clawgated args], stop_daemon;
#           $PORT, $DAEMON_PID, $DAEMON_DIR, $DAEMON_LOG, $DAEMON_CONF
# client:   ws ARGS... (wsclient against ws://127.0.0.1:$PORT$WS_PATH)
#           wsr ARGS...  (same, output in $OUT, exit status in $RC)
#           bg_ws FILE ARGS... (in the background, pid in $BG_PID)
# queries:  jqf FILTER (per line, stdin), q FILTER / qs FILTER (on $OUT,
#           per line / slurped), resq ID FILTER [CONN], srv_close [CONN],
#           nres [CONN], nev EV [CONN], canon JSON, cparams [JQ-UPDATE...]
# misc:     free_port, now_ms, http_get ARGS... (curl wrapper),
#           wait_for TENTHS CMD..., secret, has TEXT LINE, contains TEXT STR,
#           children_named NAME (the daemon's processes of that name)
# CLI:      cg ARGS... / cgd ARGS... ($CLAWGATE; output in $OUT, status $RC)
# interop:  use_openclaw [NOTE] (the reference CLI, or skip_all), then
#           cli LABEL ARGS... ($COUT, $CERR, $CRC, $CMS), show, redact TEXT
#
# Everything a script starts is stopped from an EXIT trap; the scratch
# directory is removed unless CLAWGATE_KEEP_TMP=1.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
WSCLIENT=${WSCLIENT:-$top_builddir/tests/wsclient}
CLAWGATED=${CLAWGATED:-$top_builddir/clawgated}
WS_PATH=${WS_PATH:-/}
READY_WAIT_S=${READY_WAIT_S:-10}

# The suite runs the daemon unprivileged (privdrop and chroot skipped, the
# sandbox still on).  Started as root, we run it as $CLAWGATE_TEST_USER
# (default nobody) unless CLAWGATE_TEST_ROOT=1 asks for the real thing.
_daemon_prefix=()
if [ "$(id -u)" = 0 ] && [ "${CLAWGATE_TEST_ROOT:-0}" != 1 ]; then
	CLAWGATE_TEST_USER=${CLAWGATE_TEST_USER:-nobody}
	_daemon_prefix=(setpriv "--reuid=$(id -u "$CLAWGATE_TEST_USER")"
	    "--regid=$(id -g "$CLAWGATE_TEST_USER")" --clear-groups --)
fi

# The test user must reach the built daemon (a checkout under /root does
# not let it): say so once, with the fix, instead of failing every check.
_lib_reachable()
{
	[ ${#_daemon_prefix[@]} -eq 0 ] || [ ! -e "$CLAWGATED" ] ||
	    "${_daemon_prefix[@]}" test -x "$CLAWGATED"
}

_tap_n=0
_tap_fail=0
_tap_plan=
_daemon_seq=0
_bg_pids=
DAEMON_PID=
PORT=

TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/clawgate-test.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}

# ------------------------------------------------------------------ TAP

diag()
{
	printf '%s\n' "$*" | sed 's/^/# /'
}

plan()
{
	_tap_plan=$1
	echo "1..$1"
}

# done_testing: end with the plan counted as the tests ran, instead of a
# `plan N' kept in step by hand.  A script that dies before it has no
# plan, which fails it.
done_testing()
{
	_tap_plan=$_tap_n
	echo "1..$_tap_n"
}

skip_all()
{
	echo "1..0 # SKIP $*"
	_tap_plan=0
	exit 0
}

bail_out()
{
	echo "Bail out! $*"
	_tap_fail=$((_tap_fail + 1))
	exit 1
}

_tap_result()
{
	# _tap_result STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
	fi
	return "$1"
}

# ok COND DESC: COND is an exit status (0 passes) or a shell expression
# that is evaluated (e.g. '[ "$x" -gt 3 ]').  An empty COND fails.
ok()
{
	local cond=$1 rc
	shift
	case $cond in
	'')		rc=1 ;;
	*[!0-9]*)	eval "$cond" >/dev/null 2>&1; rc=$? ;;
	*)		rc=$cond ;;
	esac
	_tap_result "$rc" "$*" || diag "  failed: $cond"
	return "$rc"
}

# is GOT WANT DESC: exact string equality.
is()
{
	local got=$1 want=$2 rc=0
	shift 2
	[ "$got" = "$want" ] || rc=1
	_tap_result "$rc" "$*" || {
		diag "       got: '$got'"
		diag "  expected: '$want'"
	}
	return "$rc"
}

isnt()
{
	local got=$1 bad=$2 rc=0
	shift 2
	[ "$got" != "$bad" ] || rc=1
	_tap_result "$rc" "$*" || diag "  got: '$got' (must differ)"
	return "$rc"
}

# like GOT ERE DESC: GOT matches the extended regular expression ERE.
like()
{
	local got=$1 re=$2 rc=0
	shift 2
	[[ $got =~ $re ]] || rc=1
	_tap_result "$rc" "$*" || {
		diag "       got: '$got'"
		diag "  expected to match: $re"
	}
	return "$rc"
}

skip()
{
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $*"
	done
}

# --------------------------------------------------------------- helpers

now_ms()
{
	date +%s%3N
}

# A TCP port nobody listens on, below the ephemeral range so that our own
# client sockets cannot be sitting on it.
free_port()
{
	local lo=20000 hi=32000 p i
	if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
		read -r i _ </proc/sys/net/ipv4/ip_local_port_range
		[ "$i" -gt 21000 ] && hi=$((i - 1))
	fi
	for ((i = 0; i < 200; i++)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# canon JSON: the JSON with sorted keys, compact (for exact comparison).
canon()
{
	jq -cS . <<<"$1" 2>/dev/null || echo "invalid-json: $1"
}

# jqf FILTER: run FILTER over each JSON line on stdin (raw, compact, sorted).
jqf()
{
	jq -rcS "$@" 2>/dev/null
}

# cparams [JQ-UPDATE...]: connect params of a plain loopback CLI operator
# (as the reference transcripts send them), with jq updates applied, e.g.
#   cparams '.auth={token:"abc123"}' '.device="SIGN"'
cparams()
{
	local base expr='.' u
	base='{"minProtocol":4,"maxProtocol":4,
	  "client":{"id":"cli","version":"0.0.1-test","platform":"linux","mode":"cli"},
	  "role":"operator","scopes":["operator.read","operator.write"]}'
	for u in "$@"; do
		expr="$expr | $u"
	done
	jq -c "$expr" <<<"$base"
}

# wait_for TENTHS CMD...: poll every 0.1 s, at most TENTHS times, until
# CMD succeeds; 0 if it did.
wait_for()
{
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# secret: a fresh 43-char base64url value (32 random bytes).
secret()
{
	head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

# has TEXT LINE: TEXT has LINE as one whole line.
has()
{
	grep -qxF -- "$2" <<<"$1"
}

# contains TEXT STRING: STRING occurs in TEXT.
contains()
{
	[[ $1 == *"$2"* ]]
}

# --------------------------------------------------------------- daemon

_descendants()
{
	# all live descendants of pid $1, via /proc (no procps dependency)
	local parent=$1 f line rest pid ppid
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		pid=${line%% *}
		rest=${line##*) }
		# shellcheck disable=SC2086 # split the fields on purpose
		set -- $rest
		ppid=$2
		if [ "$ppid" = "$parent" ]; then
			echo "$pid"
			_descendants "$pid"
		fi
	done
}

# children_named NAME: pids of the daemon's processes whose comm is NAME.
children_named()
{
	local pid
	for pid in $(_descendants "$DAEMON_PID"); do
		[ "$(cat /proc/$pid/comm 2>/dev/null)" = "$1" ] && echo "$pid"
	done
}

_wait_gone()
{
	# _wait_gone PID TENTHS: poll until PID is gone; 0 if it is
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

_daemon_ready()
{
	local code i
	for ((i = 0; i < READY_WAIT_S * 10; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || return 2
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		    "http://127.0.0.1:$PORT/readyz" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# start_daemon CONFIG_TEXT [extra args]: write the config (JSON, merged
# with clawgate.stateDir/runDir and, unless it has one, gateway.port; or
# JSON5 text that uses @STATEDIR@, @RUNDIR@ and @PORT@ where those go),
# start clawgated in the foreground mode in the background on a free port
# and wait until /readyz answers 200.  The config names its own port and
# directories, so that the CLI (doctor included) run on it later, with
# the daemon stopped, never meets another instance's defaults
# (18789, /run/clawgate: a quick-start daemon on the same host).
start_daemon()
{
	local text=$1 attempt rc conf
	shift
	stop_daemon
	_daemon_seq=$((_daemon_seq + 1))
	DAEMON_DIR=$TESTDIR/daemon$_daemon_seq
	if ! mkdir -p "$DAEMON_DIR/state" "$DAEMON_DIR/run" ||
	    ! chmod 700 "$DAEMON_DIR/state" "$DAEMON_DIR/run"; then
		bail_out "cannot create $DAEMON_DIR"
	fi
	DAEMON_CONF=$DAEMON_DIR/clawgate.json5
	DAEMON_LOG=$DAEMON_DIR/daemon.log
	[ -x "$CLAWGATED" ] || bail_out "$CLAWGATED is not built"

	for attempt in 1 2 3; do
		PORT=$(free_port) || bail_out "no free port"
		if [[ $text == *@STATEDIR@* ]]; then
			conf=${text//@STATEDIR@/$DAEMON_DIR/state}
			conf=${conf//@RUNDIR@/$DAEMON_DIR/run}
			conf=${conf//@PORT@/$PORT}
		else
			conf=$(jq --arg s "$DAEMON_DIR/state" \
			    --arg r "$DAEMON_DIR/run" --argjson p "$PORT" \
			    '.clawgate = ((.clawgate // {}) + {stateDir: $s, runDir: $r})
			    | .gateway.port //= $p' <<<"$text") ||
			    bail_out "start_daemon: config is neither JSON nor uses @STATEDIR@"
		fi
		printf '%s\n' "$conf" >"$DAEMON_CONF"
		if [ ${#_daemon_prefix[@]} -gt 0 ]; then
			chmod 711 "$TESTDIR"
			chown -R "$CLAWGATE_TEST_USER:" "$DAEMON_DIR" ||
			    bail_out "cannot hand $DAEMON_DIR to $CLAWGATE_TEST_USER"
		fi
		HOME=$DAEMON_DIR "${_daemon_prefix[@]}" \
		    "$CLAWGATED" -d -f "$DAEMON_CONF" --port "$PORT" "$@" \
		    >>"$DAEMON_LOG" 2>&1 </dev/null &
		DAEMON_PID=$!
		_daemon_ready
		rc=$?
		[ $rc = 0 ] && return 0
		# a port taken in the meantime (parallel make check): retry
		if [ $rc = 2 ] && grep -qi 'in use' "$DAEMON_LOG"; then
			wait "$DAEMON_PID" 2>/dev/null
			DAEMON_PID=
			continue
		fi
		break
	done
	diag "clawgated did not become ready on port $PORT; log tail:"
	[ -f "$DAEMON_LOG" ] && diag "$(tail -n 30 "$DAEMON_LOG")"
	bail_out "clawgated did not become ready (config $DAEMON_CONF)"
}

# stop_daemon: TERM, bounded wait, then KILL; children too.  Sets
# DAEMON_STATUS to the exit status of the master.
stop_daemon()
{
	local kids k
	[ -n "$DAEMON_PID" ] || return 0
	kids=$(_descendants "$DAEMON_PID")
	kill -TERM "$DAEMON_PID" 2>/dev/null
	if ! _wait_gone "$DAEMON_PID" 50; then
		diag "clawgated (pid $DAEMON_PID) ignored SIGTERM for 5 s; killing"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_STATUS=$?
	for k in $kids; do
		_wait_gone "$k" 20 && continue
		diag "left-over clawgated child $k; killing"
		kill -KILL "$k" 2>/dev/null
	done
	DAEMON_PID=
}

# ------------------------------------------------------------------ client

ws()
{
	"$WSCLIENT" "$@" "ws://127.0.0.1:$PORT$WS_PATH"
}

# wsr ARGS...: run the client; its output in $OUT, exit status in $RC.
wsr()
{
	OUT=$(ws "$@")
	RC=$?
}

# bg_ws FILE ARGS...: run the client in the background, output to FILE.
bg_ws()
{
	local f=$1
	shift
	# not through ws(): $! must be the client itself, not a subshell
	"$WSCLIENT" "$@" "ws://127.0.0.1:$PORT$WS_PATH" >"$f" 2>&1 &
	BG_PID=$!
	_bg_pids="$_bg_pids $BG_PID"
}

# wait_lines FILE ERE N TENTHS: until FILE has N lines matching ERE.
wait_lines()
{
	local i
	for ((i = 0; i < $4; i++)); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

q()
{
	printf '%s\n' "$OUT" | jq -rcS "$@" 2>/dev/null
}

qs()
{
	printf '%s\n' "$OUT" | jq -rcsS "$@" 2>/dev/null
}

# The details.docs clawgate adds to every error (src/worker/errors.h):
# removed, with a details it leaves empty, when it is exactly "README.md#"
# + details.code (else code) lowercased, so that comparisons are with the
# reference's bytes; a wrong one stays in and fails them.
# tests/t_error_docs.sh checks the README anchors themselves.
_CG_NODOCS='def cg_nodocs: if (.error | type) == "object" and
    (.error.details | type) == "object" and .error.details.docs ==
    "README.md#" + ((.error.details.code // .error.code) | ascii_downcase)
    then del(.error.details.docs) | if .error.details == {} then
    del(.error.details) else . end else . end;'

# resq ID FILTER [CONN]: FILTER applied to the res frame with that id
# ("none" if there is none), without clawgate's details.docs (above);
# CG_KEEP_DOCS=1 keeps it.
resq()
{
	local strip='cg_nodocs'
	[ "${CG_KEEP_DOCS:-0}" = 1 ] && strip='.'
	qs --arg id "$1" --argjson c "${3:-1}" "$_CG_NODOCS"'
	    [.[] | select(.ev == "recv"
	    and .conn == $c and .json.type == "res" and .json.id == $id)]
	    | if length == 0 then "none" else (.[0].json | '"$strip"' |
	    '"$2"') end'
}

# srv_close [CONN]: "CODE|REASON" of the close the server started, or
# "none" (the server's answer to our own close does not count).
srv_close()
{
	qs --argjson c "${1:-1}" '[.[] | select(.ev == "close" and
	    .conn == $c and (.reply | not))] | if length == 0 then "none"
	    else (.[0] | "\(.code)|\(.reason)") end'
}

# nres [CONN]: how many res frames arrived.
nres()
{
	qs --argjson c "${1:-1}" '[.[] | select(.ev == "recv" and
	    .conn == $c and .json.type == "res")] | length'
}

# nev EV [CONN]: how many events of that kind.
nev()
{
	qs --arg e "$1" --argjson c "${2:-1}" \
	    '[.[] | select(.ev == $e and .conn == $c)] | length'
}

# http_get ARGS...: curl with headers in $HDRS_FILE, body on stdout,
# status code in $HTTP_STATUS.
http_get()
{
	HDRS_FILE=$TESTDIR/http.hdrs
	local out
	out=$(curl -s --max-time 5 -D "$HDRS_FILE" -w '\n%{http_code}' "$@")
	HTTP_STATUS=${out##*$'\n'}
	HTTP_BODY=${out%$'\n'*}
}

# hdr NAME: a response header of the last http_get (lowercased name).
hdr()
{
	tr -d '\r' <"$HDRS_FILE" | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
	    { i = index($0, ":"); if (i == 0) next
	      k = tolower(substr($0, 1, i - 1))
	      if (k == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }'
}

# ----------------------------------------------------------- clawgate(1)

# cg ARGS...: run $CLAWGATE (the script sets it); stdout+stderr in $OUT,
# status in $RC.
cg()
{
	OUT=$("$CLAWGATE" "$@" 2>&1 </dev/null)
	RC=$?
}

# cgd ARGS...: cg on the running daemon's config.
cgd()
{
	cg -f "$DAEMON_CONF" "$@"
}

# ------------------------------------------------- the reference CLI (interop)

# use_openclaw [NOTE]: $OPENCLAW, the REAL reference CLI (`openclaw'):
# $CLAWGATE_OPENCLAW, or installed from the npm registry by
# scripts/install-interop.sh (cache $CLAWGATE_INTEROP_DIR).  Without it
# the script is skipped, or bails out when CLAWGATE_INTEROP_REQUIRED=1
# (the default when CI=true); CLAWGATE_INTEROP=skip skips it.  Then a
# scratch HOME ($CLI_HOME) and TMPDIR for cli(); NOTE goes into the diag
# line that names the CLI.
use_openclaw()
{
	local required=0 why t0

	CLI_TIMEOUT=${CLI_TIMEOUT:-60}
	[ "${CLAWGATE_INTEROP:-}" = skip ] && skip_all "CLAWGATE_INTEROP=skip"
	case ${CLAWGATE_INTEROP_REQUIRED:-${CI:-}} in
	1 | true | yes) required=1 ;;
	esac
	t0=$(now_ms)
	if ! OPENCLAW=$(_find_openclaw) || [ ! -x "$OPENCLAW" ]; then
		why="the reference CLI could not be installed"
		[ -n "${CLAWGATE_OPENCLAW:-}" ] && why="$CLAWGATE_OPENCLAW is not executable"
		if [ "$required" = 1 ]; then
			[ -f "$TESTDIR/install.log" ] && diag "$(tail -n 20 "$TESTDIR/install.log")"
			bail_out "$why (CLAWGATE_INTEROP_REQUIRED)"
		fi
		[ -f "$TESTDIR/install.log" ] &&
		    why="$why: $(grep 'install-interop: error' "$TESTDIR/install.log" | tail -n 1)"
		skip_all "$why"
	fi
	diag "reference CLI: $OPENCLAW (ready in $(($(now_ms) - t0)) ms)${1:+; $1}"

	CLI_HOME=$TESTDIR/clihome
	mkdir -p "$CLI_HOME/.openclaw" "$TESTDIR/clitmp" || bail_out "mkdir"
	chmod 700 "$CLI_HOME" "$TESTDIR/clitmp"
}

_find_openclaw()
{
	if [ -n "${CLAWGATE_OPENCLAW:-}" ]; then
		[ -x "$CLAWGATE_OPENCLAW" ] && echo "$CLAWGATE_OPENCLAW"
		return
	fi
	"$top_srcdir/scripts/install-interop.sh" 2>"$TESTDIR/install.log"
}

# cli LABEL ARGS...: run the reference CLI with a scratch HOME, state dir
# and TMPDIR, no stdin, a clean environment and a time bound (CLI_TIMEOUT,
# 60 s).  Sets COUT, CERR, CRC (exit status, 124 = timed out) and CMS
# (wall time, ms).  The LABEL, not the arguments, is printed: the
# arguments hold secrets.
cli()
{
	local t
	CLI_LABEL=$1
	shift
	t=$(now_ms)
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$CLI_HOME" \
	    OPENCLAW_STATE_DIR="$CLI_HOME/.openclaw" TMPDIR="$TESTDIR/clitmp" \
	    OPENCLAW_GATEWAY_PORT="$PORT" OPENCLAW_LOG_LEVEL=silent \
	    LANG=C.UTF-8 NO_COLOR=1 TERM=dumb timeout -k 5 "$CLI_TIMEOUT" "$OPENCLAW" "$@" \
	    </dev/null >"$TESTDIR/cli.out" 2>"$TESTDIR/cli.err"
	CRC=$?
	CMS=$(($(now_ms) - t))
	COUT=$(<"$TESTDIR/cli.out")
	CERR=$(<"$TESTDIR/cli.err")
	diag "openclaw $CLI_LABEL: exit $CRC in $CMS ms"
	[ "$CRC" = 124 ] && diag "  (timed out after $CLI_TIMEOUT s)"
	return 0
}

# redact TEXT: TEXT with the script's secrets ($TOKEN, $WRONG, $PASSWORD)
# blanked out.
redact()
{
	local s=$1 x
	for x in "${TOKEN:-}" "${WRONG:-}" "${PASSWORD:-}"; do
		[ -n "$x" ] && s=${s//"$x"/<secret>}
	done
	printf '%s' "$s"
}

# show: the last cli command's output, redacted, for a failed assertion.
show()
{
	diag "stdout of '$CLI_LABEL':"
	diag "$(redact "$(head -c 3000 <<<"$COUT")")"
	diag "stderr:"
	diag "$(redact "$(head -c 3000 <<<"$CERR")")"
	return 1
}

# ------------------------------------------------------------------ cleanup

_lib_cleanup()
{
	local status=$? p
	trap - EXIT
	for p in $_bg_pids; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ "$_tap_fail" -gt 0 ] && [ -n "$DAEMON_LOG" ] && [ -f "$DAEMON_LOG" ]
	then
		diag "daemon log tail ($DAEMON_LOG):"
		diag "$(tail -n 40 "$DAEMON_LOG")"
	fi
	stop_daemon
	if [ -n "$_tap_plan" ] && [ "$_tap_plan" != "$_tap_n" ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"
		status=1
	elif [ -z "$_tap_plan" ]; then
		diag "no plan: the script ended before done_testing ($_tap_n run)"
		status=1
	fi
	[ "$_tap_fail" -gt 0 ] && status=1
	if [ "${CLAWGATE_KEEP_TMP:-0}" = 1 ]; then
		diag "scratch directory kept: $TESTDIR"
	else
		rm -rf "$TESTDIR"
	fi
	exit "$status"
}
trap _lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"
_lib_reachable || bail_out "user $CLAWGATE_TEST_USER cannot run $CLAWGATED: \
the suite runs the daemon unprivileged, so the checkout must be in a \
directory other users can traverse (not under /root or a mode-0700 \
directory): move it (e.g. to /srv/clawgate), or run as root with \
CLAWGATE_TEST_ROOT=1"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"
[ -x "$WSCLIENT" ] || skip_all "$WSCLIENT is not built (make check builds it)"
