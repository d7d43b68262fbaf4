#!/bin/bash
# t_cli_verbs.sh: operator regressions of issue 10 (items 10, 14, 16, 17).
# About 15 s on an idle machine (four short-lived daemons, one of them
# stopped with SIGSTOP for a second).
#
#  10  no secret from argv at any depth: `config set gateway.auth
#      '{"token":...}'` and the like are refused with the fix;
#  14  doctor never suggests killing a healthy instance, or one that is
#      not the config's own, and only the exact pid; a localPeers fix
#      keeps the list and loopback; --fix re-checks and its exit code is
#      what is still wrong;
#  16  the short device code (first 8 characters of the device id, as
#      the Control UI shows it) in devices list/approve/reject and in the
#      worker's "pairing required" log line;
#  17  gateway start, token show, config get of a default, localPeers /
#      allowedOrigins / trustedProxies in gateway status and the reload
#      log line, doctor's client config with remote.url and no token.
#
# Every daemon and config here has its own port and directories: a
# quick-start daemon on 18789 (/run/clawgate) may run on this host.
. "$top_srcdir/tests/lib.sh"

CLAWGATE=${CLAWGATE:-$top_builddir/clawgate}
[ -x "$CLAWGATE" ] || skip_all "$CLAWGATE is not built"

plan 24

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

cg()	# cg ARGS...: run clawgate; stdout+stderr in $OUT, status in $RC
{
	OUT=$("$CLAWGATE" "$@" 2>&1 </dev/null)
	RC=$?
}

cgd()	# cgd ARGS...: clawgate on the running daemon's config
{
	cg -f "$DAEMON_CONF" "$@"
}

wait_for()	# wait_for TENTHS CMD...
{
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# A config of our own (port, stateDir, runDir), no daemon.
own_conf()	# own_conf FILE EXTRA-GATEWAY-MEMBERS
{
	local dir=${1%/*}
	mkdir -p "$dir/state" "$dir/run"
	printf '{ gateway: { port: %s, %s }, clawgate: { stateDir: "%s/state", runDir: "%s/run" } }\n' \
	    "$(free_port)" "$2" "$dir" "$dir" >"$1"
}

# ==================================================== item 10: argv secrets
D=$TESTDIR/cfg
mkdir -p "$D"
own_conf "$D/c.json5" "bind: 'loopback'"
cp "$D/c.json5" "$D/orig"
S=argvsecret0123456789abcdefghijkl
cg -f "$D/c.json5" config set gateway.auth "{\"mode\":\"token\",\"token\":\"$S\"}"
is "$RC" 2 "an object holding gateway.auth.token from argv: usage error"
like "$OUT" "gateway\\.auth\\.token.*--from-file.*--generate" \
    "the message names the secret's path and the fix"
ok '! grep -q "$S" <<<"$OUT"' "the message does not echo the secret"
cmp -s "$D/orig" "$D/c.json5"
ok $? "the file is untouched"
cg -f "$D/c.json5" config set gateway "{port: 1234, auth: {password: '$S'}}"
is "$RC" 2 "gateway: {auth: {password}} set at the root: refused"
like "$OUT" "gateway\\.auth\\.password" "naming the nested path"
cg -f "$D/c.json5" config set gateway.controlUi "{deep: {nested: {token: '$S'}}}"
is "$RC" 2 "a token key at any depth: refused"
cmp -s "$D/orig" "$D/c.json5"
ok $? "the file is still untouched"
cg -f "$D/c.json5" config set gateway.auth '{"mode":"token"}'
is "$RC" 0 "an object without a secret is still accepted"

# ==================================================== item 14: doctor's fixes
# (a) another, healthy instance holds the pid file of the runDir this
# config names: not ours, never a kill.
start_daemon '{"gateway":{"auth":{"mode":"token","token":"verbs-tok-0123456789abcdefghij"}}}'
A_PID=$DAEMON_PID
mkdir -p "$TESTDIR/b/state"
printf '{ gateway: { port: %s }, clawgate: { stateDir: "%s", runDir: "%s" } }\n' \
    "$(free_port)" "$TESTDIR/b/state" "$DAEMON_DIR/run" >"$TESTDIR/b/c.json5"
cg -f "$TESTDIR/b/c.json5" --socket "$TESTDIR/b/none.sock" doctor
ok '! grep -q "kill" <<<"$OUT"' "another config's healthy instance: no kill suggested" ||
    diag "$OUT"
like "$OUT" "pid $A_PID.*$DAEMON_CONF" "it names that instance's pid and config file"
# our own, healthy instance (asked on another socket): no kill
cgd --socket "$TESTDIR/b/none.sock" doctor
ok '! grep -q "kill" <<<"$OUT"' "our own instance that answers on its socket: no kill" ||
    diag "$OUT"
kill -STOP "$A_PID"
cgd --timeout 1 doctor
kill -CONT "$A_PID"
like "$OUT" "pidfile-locked: clawgated pid $A_PID .*fix: \`kill $A_PID\`" \
    "our own hung instance (SIGSTOP): kill its exact pid"
ok '! grep -q "head -n" <<<"$OUT"' "never kill \$(head -n 1 pidfile)"
stop_daemon

# localPeers without loopback
own_conf "$D/peers.json5" "localPeers: ['10.213.0.0/30']"
chmod 600 "$D/peers.json5"
cg -f "$D/peers.json5" doctor --json
is "$(jq -r '.findings[] | select(.id == "local-peers-no-loopback") | .severity' <<<"$OUT")" warning \
    "localPeers without loopback is found"
like "$(jq -r '.findings[] | select(.id == "local-peers-no-loopback") | .fix' <<<"$OUT")" \
    "gateway\\.localPeers '\\[\"10\\.213\\.0\\.0/30\", \"127\\.0\\.0\\.0/8\", \"::1\"\\]'" \
    "the fix keeps the entry and adds loopback"
cg -f "$D/peers.json5" doctor --fix
cg -f "$D/peers.json5" config get --json gateway.localPeers
is "$(jq -c . <<<"$OUT")" '["10.213.0.0/30","127.0.0.0/8","::1"]' \
    "--fix appended loopback to the list"
cg -f "$D/peers.json5" doctor --json
is "$(jq '[.findings[] | select(.id == "local-peers-no-loopback")] | length' <<<"$OUT")" 0 \
    "and doctor no longer finds it"
if unshare -n true 2>/dev/null; then
	own_conf "$D/cont.json5" "bind: 'lan', localPeers: ['10.213.0.0/30']"
	OUT=$(unshare -n sh -c 'ip link add docker0 type bridge &&
	    ip addr add 172.17.0.1/16 dev docker0 &&
	    "$0" -f "$1" doctor --json' "$CLAWGATE" "$D/cont.json5" 2>&1)
	like "$(jq -r '.findings[] | select(.id == "container-network") | .fix' <<<"$OUT")" \
	    "gateway\\.localPeers '\\[\"10\\.213\\.0\\.0/30\", \"127\\.0\\.0\\.0/8\", \"::1\", \"172\\.17\\.0\\.0/16\"\\]'" \
	    "a container-network fix appends to the list and keeps loopback"
else
	skip 1 "needs unshare -n for a dummy docker0"
fi

# --fix re-checks: a retired key hid auth none on a network bind
own_conf "$D/hidden.json5" "reload: { mode: 'hot' }, bind: 'lan', auth: { mode: 'none', dangerouslyAllowNoAuthOnNetwork: true }"
cp "$D/hidden.json5" "$D/hidden.orig"
cg -f "$D/hidden.json5" doctor
ok '! grep -q "kill" <<<"$OUT"' \
    "a file that does not load: no other instance's pid file is judged (the default runDir)"
cg -f "$D/hidden.json5" doctor --fix
is "$RC" 2 "--fix: the exit code is the re-check's (critical left)"
like "$OUT" "FIXED +retired-key" "the applied fix is reported"
like "$OUT" "CRITICAL +no-auth-on-network" "and what the re-check still finds"
cp "$D/hidden.orig" "$D/hidden.json5"
cg -f "$D/hidden.json5" doctor --fix --json
is "$(jq -r '.exitCode' <<<"$OUT")" 2 "--json: exitCode from the re-check"

