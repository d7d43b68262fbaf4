#!/bin/bash
# t_secrets.sh: secrets from files (issue 10, items 11 and 15).
#
#   (a) gateway.auth.tokenFile read from a Kubernetes Secret volume laid
#       out exactly as the kubelet does it (NAME -> ..data/NAME, ..data ->
#       ..TIMESTAMP) and from a Docker secret file; the log names the file
#       and the fingerprint, never the secret; rotating the Secret (a new
#       timestamped directory, ..data swapped) + `clawgate gateway reload`
#       applies the new token; one trailing newline (\n or \r\n) is
#       stripped; empty, group-writable and foreign-owned files, token +
#       tokenFile, and two disagreeing sources are refused.
#   (b) a stateDir or runDir that is a symbolic link is refused (exit 78)
#       before anything is written through it.
#   (c) item 15: a <stateDir>/gateway.token that differs from the token
#       in use (config, tokenFile or environment) is set aside as
#       gateway.token.stale-<time> at start and reload, with a log line
#       (clawgated -n only reports it), and `clawgate doctor` flags it.
#
# Takes about 12 seconds on 2 cores (four daemon starts; the rest is
# clawgated -n and starts that fail at once).
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
T1=k8s-token-one-0123456789abcdefghij
T2=k8s-token-two-0123456789abcdefghij
T3=docker-token-0123456789abcdefghijk
TX=other-token-0123456789abcdefghijkl

# Root-owned secrets (as mounted), readable by the unprivileged daemon.
chmod 711 "$TESTDIR"

# nok N DESC: N failures at once (what depends on a start that failed).
nok()
{
	local i
	for ((i = 0; i < $1; i++)); do
		_tap_result 1 "$2 (not reached)"
	done
}

# mkcase NAME JSON: a config with its own state and run directories,
# owned by the daemon's user; its path in $CONF.
mkcase()
{
	local d=$TESTDIR/$1
	mkdir -p "$d/state" "$d/run"
	chmod 700 "$d/state" "$d/run"
	CONF=$d/clawgate.json5
	jq --arg s "$d/state" --arg r "$d/run" --argjson p "$(free_port)" \
	    '.clawgate = ((.clawgate // {}) + {stateDir: $s, runDir: $r})
	    | .gateway.port //= $p' <<<"$2" >"$CONF"
	[ ${#_daemon_prefix[@]} -gt 0 ] &&
	    chown -R "$CLAWGATE_TEST_USER:" "$d"
	CASEDIR=$d
}

# check CONF [VAR=VALUE...]: clawgated -n as the daemon's user.
check()
{
	local conf=$1
	shift
	OUT=$(env "$@" "${_daemon_prefix[@]}" "$CLAWGATED" -n -f "$conf" 2>&1)
	RC=$?
}

# start_fg CONF: a real start (no -n) that must fail at once.
start_fg()
{
	OUT=$(HOME=$TESTDIR timeout 5 "${_daemon_prefix[@]}" "$CLAWGATED" -d \
	    -f "$1" 2>&1 </dev/null)
	RC=$?
}

hello()	# hello TOKEN: true/false/none
{
	"$WSCLIENT" --timeout 5000 --connect "$(cparams ".auth={token:\"$1\"}")" \
	    "ws://127.0.0.1:$PORT/" 2>/dev/null |
	    jq -r 'select(.ev=="recv" and .json.id=="c1") | .json.ok' | head -n 1
}

logged_fp()	# the fingerprint of the last start or reload line
{
	sed -n 's/.*secret source.* fingerprint \([0-9a-f-]*\).*/\1/p' \
	    "$DAEMON_LOG" | tail -n 1
}

# ============================================ a Kubernetes Secret volume
K8S=$TESTDIR/k8s
mkdir -p "$K8S/..2026_12_07_00_00_00.123"
printf '%s\n' "$T1" >"$K8S/..2026_12_07_00_00_00.123/token"
ln -s ..2026_12_07_00_00_00.123 "$K8S/..data"
ln -s ..data/token "$K8S/token"
chmod 755 "$K8S" "$K8S/..2026_12_07_00_00_00.123"
chmod 644 "$K8S/..2026_12_07_00_00_00.123/token"

K8SCONF="{\"gateway\":{\"auth\":{\"tokenFile\":\"$K8S/token\"}}}"
mkcase k8scheck "$K8SCONF"
check "$CONF"
is "$RC" 0 "k8s: clawgated -n accepts gateway.auth.tokenFile through the ..data symlinks"
if [ "$RC" = 0 ]; then
	start_daemon "$K8SCONF"
	is "$(hello "$T1")" true "k8s: the token in the Secret file opens a session"
	is "$(hello "$TX")" false "k8s: another token is refused"
	like "$(grep 'secret source' "$DAEMON_LOG")" "secret source: file $K8S/token \(gateway.auth.tokenFile\); fingerprint [0-9a-f]{16}" \
	    "k8s: the log names the file and the fingerprint"
	ok '! grep -qF "$T1" "$DAEMON_LOG"' "k8s: the log never holds the secret"
	FP1=$(logged_fp)

	# Rotation as the kubelet does it: a new directory, ..data swapped.
	NEW=..2026_12_08_00_00_00.456
	mkdir "$K8S/$NEW"
	printf '%s\n' "$T2" >"$K8S/$NEW/token"
	chmod 755 "$K8S/$NEW"
	chmod 644 "$K8S/$NEW/token"
	ln -s "$NEW" "$K8S/..data_tmp"
	mv -T "$K8S/..data_tmp" "$K8S/..data"
	rm -rf "$K8S/..2026_12_07_00_00_00.123"
	OUT=$("$CLAWGATE" -f "$DAEMON_CONF" gateway reload 2>&1)
	is "$?" 0 "k8s rotation: clawgate gateway reload succeeds"
	is "$(hello "$T2")" true "k8s rotation: the new token opens a session"
	is "$(hello "$T1")" false "k8s rotation: the old token is refused"
	like "$(grep 'reloaded' "$DAEMON_LOG" | tail -n 1)" "secret source file $K8S/token \(gateway.auth.tokenFile\), fingerprint [0-9a-f]{16}" \
	    "k8s rotation: the reload line names the file and the fingerprint"
	isnt "$(logged_fp)" "$FP1" "k8s rotation: the fingerprint changed"
	ok '! grep -qF "$T2" "$DAEMON_LOG"' "k8s rotation: the log never holds the new secret"
	stop_daemon
else
	diag "$OUT"
	nok 9 "k8s"
fi

# ================================================== a Docker secret file
SECRETS=$TESTDIR/run-secrets
mkdir -p "$SECRETS"
printf '%s\r\n' "$T3" >"$SECRETS/gateway_token"
chmod 755 "$SECRETS"
chmod 444 "$SECRETS/gateway_token"
DCONF="{\"gateway\":{\"auth\":{\"tokenFile\":\"$SECRETS/gateway_token\"}}}"
mkcase dockercheck "$DCONF"
check "$CONF"
is "$RC" 0 "docker: clawgated -n accepts a /run/secrets-style file"
if [ "$RC" = 0 ]; then
	start_daemon "$DCONF"
	is "$(hello "$T3")" true "docker: the token (\\r\\n stripped) opens a session"
	like "$(grep 'secret source' "$DAEMON_LOG")" "file $SECRETS/gateway_token .*fingerprint [0-9a-f]{16}" \
	    "docker: the log names the file and the fingerprint"
	stop_daemon
else
	nok 2 "docker"
fi

# ============================================================ refusals
BAD=$TESTDIR/bad
mkdir -p "$BAD"
chmod 755 "$BAD"
printf '%s\n' "$T1" >"$BAD/gw"
chmod 664 "$BAD/gw"
mkcase groupw "{\"gateway\":{\"auth\":{\"tokenFile\":\"$BAD/gw\"}}}"
check "$CONF"
is "$RC" 78 "a group-writable secret file is refused (exit 78)"
like "$OUT" "$BAD/gw is writable by group or others" "... and the message names the file"

: >"$BAD/empty"
chmod 644 "$BAD/empty"
mkcase empty "{\"gateway\":{\"auth\":{\"tokenFile\":\"$BAD/empty\"}}}"
check "$CONF"
is "$RC" 78 "an empty secret file is refused"
like "$OUT" "$BAD/empty is empty" "... and the message says so"

if [ ${#_daemon_prefix[@]} -gt 0 ]; then
	printf '%s\n' "$T1" >"$BAD/foreign"
	chmod 644 "$BAD/foreign"
	chown 54321 "$BAD/foreign"
	mkcase foreign "{\"gateway\":{\"auth\":{\"tokenFile\":\"$BAD/foreign\"}}}"
	check "$CONF"
	is "$RC" 78 "a secret file owned by another user is refused"
	like "$OUT" "owned by uid 54321" "... and the message names the owner"
else
	skip 2 "needs root to give the file another owner"
fi

mkcase both "{\"gateway\":{\"auth\":{\"token\":\"$TX\",\"tokenFile\":\"$K8S/token\"}}}"
check "$CONF"
is "$RC" 78 "token and tokenFile in one file: a config error"
like "$OUT" "gateway.auth.token and gateway.auth.tokenFile are both set" \
    "... that names both keys"

# Real starts from here on: -n makes no fingerprint key, and without
# one no fingerprint can be shown.
mkcase disagree "$K8SCONF"
OPENCLAW_GATEWAY_TOKEN=$TX start_fg "$CONF"
is "$RC" 78 "tokenFile and a different \$OPENCLAW_GATEWAY_TOKEN: refused"
like "$OUT" "gateway.auth.tokenFile $K8S/token \(fingerprint [0-9a-f]{16}\) and \\\$OPENCLAW_GATEWAY_TOKEN \(fingerprint [0-9a-f]{16}\)" \
    "... naming both sources and their fingerprints"
ok '! grep -qF -e "$T2" -e "$TX" <<<"$OUT"' "... and neither secret"
check "$CONF" OPENCLAW_GATEWAY_TOKEN="$T2"
is "$RC" 0 "tokenFile and the same \$OPENCLAW_GATEWAY_TOKEN: accepted"

printf '%s\n' "pw-from-a-file-0123456789abcdef" >"$BAD/pw"
chmod 644 "$BAD/pw"
mkcase pwfile "{\"gateway\":{\"auth\":{\"mode\":\"password\",\"passwordFile\":\"$BAD/pw\"}}}"
check "$CONF"
is "$RC" 0 "gateway.auth.passwordFile works too"
like "$OUT" "password, secret source: file $BAD/pw \(gateway.auth.passwordFile\)" \
    "... and -n names the file"

# ================================================== symbolic links as dirs
REAL=$TESTDIR/realstate
mkdir -p "$REAL"
chmod 700 "$REAL"
mkcase linkstate '{}'
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$REAL"
rm -rf "$CASEDIR/state"
ln -s "$REAL" "$CASEDIR/state"
start_fg "$CONF"
is "$RC" 78 "a stateDir that is a symlink: refused with exit 78"
like "$OUT" "$CASEDIR/state is a symlink; clawgated does not write through symlinks as root: point clawgate.stateDir at the real directory" \
    "... with the message"
is "$(ls -A "$REAL")" "" "... and nothing was written through it"

mkcase linkrun '{}'
REALRUN=$TESTDIR/realrun
mkdir -p "$REALRUN"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$REALRUN"
rm -rf "$CASEDIR/run"
ln -s "$REALRUN" "$CASEDIR/run"
start_fg "$CONF"
is "$RC" 78 "a runDir that is a symlink: refused with exit 78"
like "$OUT" "$CASEDIR/run is a symlink; .*clawgate.runDir" "... naming clawgate.runDir"
is "$(ls -A "$REALRUN")" "" "... and no pid file was written through it"

# ======================================= item 15: a stale gateway.token
# The token in use comes from the config; gateway.token, left by a start
# on the generated token, holds another one: reload (and start) set it
# aside as gateway.token.stale-<time> so that nobody hands it out.
start_daemon "{\"gateway\":{\"auth\":{\"token\":\"$TX\"}}}"
STATE=$DAEMON_DIR/state
printf '%s\n' "$T3" >"$STATE/gateway.token"
chmod 600 "$STATE/gateway.token"
[ ${#_daemon_prefix[@]} -gt 0 ] && chown "$CLAWGATE_TEST_USER:" "$STATE/gateway.token"
OUT=$("$CLAWGATE" -f "$DAEMON_CONF" doctor --json 2>/dev/null)
is "$(jq -r '[.findings[] | select(.id == "stale-token-file")] | length' <<<"$OUT")" 1 \
    "item 15: clawgate doctor reports stale-token-file"
check "$DAEMON_CONF"
is "$RC" 0 "item 15: clawgated -n accepts it ..."
like "$OUT" "$STATE/gateway.token \(fingerprint [0-9a-f]{16}\) is not the token in use \(gateway.auth.token in the config file \(fingerprint [0-9a-f]{16}\)\): the next start renames it" \
    "... and says what the next start does"
is "$(cat "$STATE/gateway.token")" "$T3" "... without touching it"
OUT=$("$CLAWGATE" -f "$DAEMON_CONF" gateway reload 2>&1)
is "$?" 0 "item 15: the reload succeeds"
ok '[ ! -e "$STATE/gateway.token" ]' "... gateway.token is gone"
is "$(cat "$STATE"/gateway.token.stale-2* 2>/dev/null)" "$T3" "... set aside as gateway.token.stale-<time>"
like "$(cat "$DAEMON_LOG")" "$STATE/gateway.token \(fingerprint [0-9a-f]{16}\) held another token than the one in use \(gateway.auth.token in the config file \(fingerprint [0-9a-f]{16}\)\): renamed to $STATE/gateway.token.stale-[0-9]{8}T[0-9]{6}Z" \
    "... with a log line that names both, by fingerprint"
ok '! grep -qF -e "$T3" -e "$TX" "$DAEMON_LOG"' "... and neither secret"
is "$(hello "$TX")" true "item 15: the configured token still works"
OUT=$("$CLAWGATE" -f "$DAEMON_CONF" doctor --json 2>/dev/null)
is "$(jq -r '[.findings[] | select(.id == "stale-token-file")] | length' <<<"$OUT")" 0 \
    "item 15: doctor has nothing stale to report after it"
stop_daemon

stale()	# stale CASE CONFIG: a case whose state dir holds a token file
{
	mkcase "$1" "$2"
	printf '%s\n' "$T3" >"$CASEDIR/state/gateway.token"
	chmod 600 "$CASEDIR/state/gateway.token"
	[ ${#_daemon_prefix[@]} -gt 0 ] &&
	    chown "$CLAWGATE_TEST_USER:" "$CASEDIR/state/gateway.token"
}
stale staleenv '{}'
check "$CONF" OPENCLAW_GATEWAY_TOKEN="$TX"
like "$OUT" "is not the token in use \(\\\$OPENCLAW_GATEWAY_TOKEN" \
    "item 15: outranked by \$OPENCLAW_GATEWAY_TOKEN: reported too"
check "$CONF" OPENCLAW_GATEWAY_TOKEN="$T3"
is "$RC $(grep -c 'not the token in use' <<<"$OUT")" "0 0" \
    "item 15: the same token in both: no conflict"

# item 11: root does not write a config file through a symlink (the
# link's owner would choose which file root replaces)
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$TESTDIR/cfglink"
	printf '{}\n' >"$TESTDIR/cfglink/real.json5"
	ln -s "$TESTDIR/cfglink/real.json5" "$TESTDIR/cfglink/link.json5"
	OUT=$("$CLAWGATE" -f "$TESTDIR/cfglink/link.json5" config set \
	    gateway.port 19999 2>&1)
	is "$?" 1 "item 11: config set through a symlink as root: refused"
	like "$OUT" "link.json5 is a symlink; clawgate does not write through symlinks as root: edit the real file with .clawgate -f $TESTDIR/cfglink/real.json5" \
	    "item 11: … naming the real file"
	is "$(cat "$TESTDIR/cfglink/real.json5")" "{}" "item 11: the target is untouched"
else
	skip 3 "not root: the symlink rule is root's"
fi

done_testing
