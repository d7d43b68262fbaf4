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

unset OPENCLAW_GATEWAY_TOKEN CLAWGATE_GATEWAY_TOKEN CLAWGATE_CONFIG \
    OPENCLAW_CONFIG_PATH OPENCLAW_STATE_DIR
export HOME=$TESTDIR/home
mkdir -p "$HOME"

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

# ==================================================== item 16: device codes
if command -v python3 >/dev/null 2>&1; then
	FAKE=$TESTDIR/fake.sock
	REQS=$TESTDIR/fake.reqs
	cat >"$TESTDIR/fake.py" <<'EOF'
import json, socket, sys
path, log = sys.argv[1], sys.argv[2]
def req(rid, dev, name, ts):
    return {"requestId": rid, "deviceId": dev, "publicKey": "k" + rid[:4],
            "displayName": name, "clientId": "cli", "role": "operator",
            "roles": ["operator"], "scopes": ["operator.read"],
            "remoteIp": "192.0.2.2", "silent": False, "isRepair": False, "ts": ts}
lst = {"pending": [
    req("b8480e32-35c2-48d0-a5df-925a8117e811", "77" * 32, "box-one", 3),
    req("c0ffee00-0000-4000-8000-000000000001", "77777777" + "88" * 28, "box-two", 2),
    req("d00dfeed-0000-4000-8000-000000000002", "abcdef01" + "99" * 28, "box-three", 1)],
    "paired": [{"deviceId": "1234abcd" + "00" * 28, "publicKey": "p", "clientId": "cli",
        "roles": ["operator"], "scopes": ["operator.read"], "tokens": []}]}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(8)
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(65536)
        if not d: break
        buf += d
    r = json.loads(buf)
    with open(log, "a") as f: f.write(json.dumps(r, sort_keys=True) + "\n")
    m, p = r.get("method"), r.get("params", {})
    if m == "device.pair.list": ans = {"ok": True, "payload": lst}
    elif m == "device.pair.approve":
        ans = {"ok": True, "payload": {"requestId": p["requestId"], "device": {"deviceId": "ab" * 32}}}
    elif m == "device.pair.reject": ans = {"ok": True, "payload": {"requestId": p["requestId"], "deviceId": "ab" * 32}}
    else: ans = {"ok": False, "error": "unknown"}
    c.sendall((json.dumps(ans) + "\n").encode()); c.close()
EOF
	python3 "$TESTDIR/fake.py" "$FAKE" "$REQS" &
	_bg_pids="$_bg_pids $!"
	wait_for 50 test -S "$FAKE"
	fk() { cg --socket "$FAKE" devices "$@"; }
	fk list
	like "$OUT" "Request +Code +Device" "devices list has a Code column"
	like "$OUT" "d00dfeed-0000-4000-8000-000000000002 +abcdef01 +box-three" \
	    "a pending row shows the device code"
	like "$OUT" "Device +Code +Device ID" "the paired table too"
	fk list --json
	is "$(jq -r '.pending[2].code + " " + .paired[0].code' <<<"$OUT")" "abcdef01 1234abcd" \
	    "--json has each entry's code"
	fk approve abcdef01
	is "$RC" 0 "approve by device code: exit 0"
	is "$(tail -n 1 "$REQS" | jq -r .params.requestId)" d00dfeed-0000-4000-8000-000000000002 \
	    "the code was resolved to its request"
	fk reject ABCDEF01
	is "$(tail -n 1 "$REQS" | jq -r '.method + " " + .params.requestId')" \
	    "device.pair.reject d00dfeed-0000-4000-8000-000000000002" "reject takes it too (any case)"
	N=$(wc -l <"$REQS")
	fk approve 77777777
	is "$RC" 1 "an ambiguous code: exit 1"
	like "$OUT" "b8480e32-35c2-48d0-a5df-925a8117e811.*box-one" "it lists the first candidate"
	like "$OUT" "c0ffee00-0000-4000-8000-000000000001.*box-two" "and the second, with request ids and names"
	is "$(tail -n 1 "$REQS" | jq -r .method)" device.pair.list "nothing was approved"
	fk approve b8480e32
	is "$(tail -n 1 "$REQS" | jq -r .params.requestId)" b8480e32-35c2-48d0-a5df-925a8117e811 \
	    "a request id prefix still works"
else
	skip 12 "python3 is not installed (fake control socket)"
fi

# the real daemon: a pending request from 127.0.0.2
start_daemon '{"gateway":{"auth":{"mode":"token","token":"devtok-0123456789abcdefghijkl"},"localPeers":["127.0.0.1/32"]}}'
cgd --timeout 12 devices list --json
if [ "$RC" = 0 ]; then
	wsr --bind 127.0.0.2 --device-seed "$(printf '%064x' 9)" \
	    --connect "$(cparams '.auth={token:"devtok-0123456789abcdefghijkl"}' '.device="SIGN"')"
	REQ=$(q 'select(.ev=="recv" and .json.id=="c1") | .json.error.details.requestId')
	cgd devices list --json
	CODE=$(jq -r '.pending[0].deviceId[0:8]' <<<"$OUT")
	is "$(jq -r '.pending[0].code' <<<"$OUT")" "$CODE" "the daemon's pending request has its code"
	wait_for 30 grep -q "pairing required.*request=$REQ" "$DAEMON_LOG"
	like "$(grep "pairing required" "$DAEMON_LOG" | tail -n 1)" "code=$CODE.*request=$REQ|request=$REQ.*code=$CODE" \
	    "the worker's log line names the request and the code"
	cgd devices approve "$CODE"
	like "$OUT" "^Approved [0-9a-f]{64} \\($REQ\\)" "approve by the code the UI shows"
else
	skip 3 "this clawgated's authd does not answer control-socket RPCs"
fi
stop_daemon

# ==================================================== item 17: verbs
cg --help
like "$OUT" "gateway status\\|start" "--help lists gateway start"
like "$OUT" "token show \\[--show-token\\]" "--help lists token show"
cg gateway --help
like "$OUT" "clawgate gateway start" "gateway --help describes start"
cg token --help
like "$OUT" "token show \\[--show-token\\]" "token --help describes show"

# config get of an unset key: the default, marked on stderr
own_conf "$D/def.json5" "auth: { mode: 'token' }"
OUT=$("$CLAWGATE" -f "$D/def.json5" config get gateway.bind 2>"$D/err")
RC=$?
is "$RC" 0 "config get of an unset key with a default: exit 0"
is "$OUT" loopback "stdout is the bare default"
like "$(cat "$D/err")" "\\(default\\)" "stderr says it is the default"
OUT=$("$CLAWGATE" -f "$D/def.json5" config get gateway.localPeers 2>/dev/null)
is "$(jq -c . <<<"$OUT")" '["127.0.0.0/8","::1"]' "the localPeers default is loopback"
OUT=$("$CLAWGATE" -f "$D/def.json5" config get gateway.controlUi.enabled 2>/dev/null)
is "$OUT" true "a nested default"

# gateway start / status / token show / reload log
start_daemon '{"gateway":{"auth":{"mode":"token"},"localPeers":["127.0.0.1/32","10.9.0.0/16"],"trustedProxies":["10.0.0.7"],"controlUi":{"allowedOrigins":["https://ui.example"]}},"clawgate":{"workers":1}}'
stop_daemon
# started as the test user, as start_daemon does (root would drop to a
# system user this host may not have)
OUT=$(HOME=$DAEMON_DIR "${_daemon_prefix[@]}" "$CLAWGATE" -f "$DAEMON_CONF" gateway start 2>&1 </dev/null)
RC=$?
is "$RC" 0 "gateway start: exit 0" || diag "$OUT"
cgd gateway status --json
SPID=$(jq -r '.pid' <<<"$OUT")
[ "$SPID" -gt 0 ] 2>/dev/null && _bg_pids="$_bg_pids $SPID"
like "$SPID" '^[0-9]+$' "a daemon runs after gateway start"
ok 'tr "\0" " " <"/proc/$SPID/cmdline" | grep -q -- "-f $DAEMON_CONF"' \
    "started with -f and the same config file"
is "$(jq -c '.localPeers' <<<"$OUT")" '["127.0.0.1/32","10.9.0.0/16"]' "status --json: localPeers"
is "$(jq -c '.allowedOrigins' <<<"$OUT")" '["https://ui.example"]' "status --json: allowedOrigins"
is "$(jq -c '.trustedProxies' <<<"$OUT")" '["10.0.0.7/32"]' "status --json: trustedProxies"
cgd gateway start
is "$RC" 0 "gateway start of a running daemon: exit 0"
like "$OUT" "already running.*pid $SPID" "it says so, with the pid"
cgd gateway status
like "$OUT" "Local peers: +127\\.0\\.0\\.1/32, 10\\.9\\.0\\.0/16" "status lists the local peers"
like "$OUT" "Origins: +https://ui\\.example" "the allowed origins"
like "$OUT" "Proxies: +10\\.0\\.0\\.7/32" "and the trusted proxies"
TOKEN=$(head -n 1 "$DAEMON_DIR/state/gateway.token")
cgd token show
is "$RC" 1 "token show, piped: exit 1"
ok '! grep -q "$TOKEN" <<<"$OUT"' "piped, the token is not printed"
like "$OUT" "--show-token" "it explains --show-token"
OUT=$("$CLAWGATE" -f "$DAEMON_CONF" token show --show-token 2>/dev/null)
is "$OUT" "$TOKEN" "token show --show-token prints the bare token"
cgd gateway reload
wait_for 30 grep -q "reloaded (generation" "$DAEMON_DIR/state/clawgated.log"
like "$(grep "local peers\\|localPeers" "$DAEMON_DIR/state/clawgated.log" | tail -n 1)" \
    "127\\.0\\.0\\.1/32.*10\\.0\\.0\\.7/32.*https://ui\\.example|127\\.0\\.0\\.1/32.*https://ui\\.example.*10\\.0\\.0\\.7" \
    "the reload log line names local peers, origins and proxies"
cgd gateway stop
is "$RC" 0 "stopped"

# doctor: a client config with remote.url and no token
own_conf "$D/srv.json5" "auth: { mode: 'token' }"
printf '{ gateway: { mode: "remote", remote: { url: "ws://127.0.0.1:1" } } }\n' >"$D/client.json"
cg -f "$D/srv.json5" doctor --json --client-config "$D/client.json"
is "$(jq -r '.findings[] | select(.id == "client-no-token") | .severity' <<<"$OUT")" warning \
    "a client config with remote.url and no token is found"
like "$(jq -r '.findings[] | select(.id == "client-no-token") | .fix' <<<"$OUT")" \
    "gateway\\.remote\\.token" "the fix names gateway.remote.token"

done_testing
