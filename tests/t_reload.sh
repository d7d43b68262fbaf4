#!/bin/bash
# t_reload.sh: live reload (SIGHUP and the control socket).  A valid new
# file applies whole: secrets rotate for new connects, listeners move,
# established sessions stay.  An invalid one changes nothing and the log
# says where it is wrong.
. "$top_srcdir/tests/lib.sh"

T1=reload-token-one-0123456789abcdef
T2=reload-token-two-0123456789abcdef
P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done

conf()	# conf PORT TOKEN
{
	printf '{ gateway: { port: %s, auth: { mode: "token", token: "%s" } },\n  clawgate: { workers: 2, stateDir: "@STATEDIR@", runDir: "@RUNDIR@" } }\n' "$1" "$2"
}

# start_daemon always pins --port; reload must see the file's port, so
# start it by hand with the same conventions.
start_daemon "$(conf "$P1" "$T1")"
stop_daemon
sed -i "s/port: [0-9]*/port: $P1/" "$DAEMON_CONF"
HOME=$DAEMON_DIR "${_daemon_prefix[@]}" "$CLAWGATED" -d -f "$DAEMON_CONF" \
    >>"$DAEMON_LOG" 2>&1 </dev/null &
DAEMON_PID=$!
PORT=$P1
_daemon_ready || bail_out "clawgated did not start on $P1"

hello()	# hello PORT TOKEN: prints true/false/none
{
	"$WSCLIENT" --timeout 5000 --connect "$(cparams ".auth={token:\"$2\"}")" \
	    "ws://127.0.0.1:$1/" 2>/dev/null |
	    jq -r 'select(.ev=="recv" and .json.id=="c1") | .json.ok' | head -n 1
}

is "$(hello "$P1" "$T1")" true "before: the first token works on the first port"

# An established session, held open across the reloads.
HELD=$TESTDIR/held.out
bg_ws "$HELD" --connect "$(cparams ".auth={token:\"$T1\"}")" --hold 8000 --timeout 12000
HELD_PID=$BG_PID
wait_lines "$HELD" '"hello-ok"' 1 50 || bail_out "the held session did not connect"

# --- an invalid file: nothing changes -------------------------------------
cp "$DAEMON_CONF" "$TESTDIR/good.json5"
printf '{ gateway: { port: %s, nope: 1 } }\n' "$P2" >"$DAEMON_CONF"
kill -HUP "$DAEMON_PID"
wait_lines "$DAEMON_LOG" "reload failed" 1 50
like "$(cat "$DAEMON_LOG")" "reload failed, the old configuration stays active: .*clawgate.json5:1:[0-9]+: " \
    "invalid reload: the log names file:line:col"
is "$(hello "$P1" "$T1")" true "invalid reload: the old token still works"

# --- a valid file: new token and a new port --------------------------------
conf "$P2" "$T2" | sed -e "s|@STATEDIR@|$DAEMON_DIR/state|" \
    -e "s|@RUNDIR@|$DAEMON_DIR/run|" >"$DAEMON_CONF"
kill -HUP "$DAEMON_PID"
for i in $(seq 50); do
	grep -q "reload: listeners" "$DAEMON_LOG" && break
	sleep 0.1
done
like "$(cat "$DAEMON_LOG")" "reload: listeners 127\\.0\\.0\\.1:$P1.* -> 127\\.0\\.0\\.1:$P2" \
    "reload: the log shows old -> new listeners"
is "$(hello "$P2" "$T2")" true "after reload: the new token works on the new port"
is "$(hello "$P2" "$T1")" false "after reload: the old token is refused"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$P1/healthz")
is "$code" 000 "after reload: the old port is closed"
PORT=$P2

# The control socket reports what is bound now.
STATUS=$(python3 - "$DAEMON_DIR/run/clawgated.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"status"}\n')
d = b''
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
print(d.decode().strip())
PY
)
is "$(jq -r '.listeners.actual[0]' <<<"$STATUS")" "127.0.0.1:$P2" "status: actual listener is the new one"
is "$(jq -r '.listeners.match' <<<"$STATUS")" true "status: configured and actual match"
is "$(jq -r '.generation' <<<"$STATUS")" 2 "status: config generation counted"

# --- reload through the control socket with a broken file ---------------------
printf '{ gateway: { port: "x" } }\n' >"$DAEMON_CONF"
ANS=$(python3 - "$DAEMON_DIR/run/clawgated.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"reload"}\n')
print(s.makefile().readline().strip())
PY
)
is "$(jq -r '.ok' <<<"$ANS")" false "control reload of a broken file: ok false"
like "$(jq -r '.error' <<<"$ANS")" "clawgate.json5:1:[0-9]+: " "control reload: the error names file:line:col"
is "$(jq -r '.oldConfigActive' <<<"$ANS")" true "control reload: says the old config stays"
is "$(hello "$P2" "$T2")" true "after the failed reload: still serving"

# The session opened before both reloads was never closed by the server.
wait "$HELD_PID" 2>/dev/null
server_closed() { jq -e 'select(.ev=="close" and (.reply|not))' "$HELD" >/dev/null 2>&1; }
ok '! server_closed' "the established session survived the reloads (no server close)"
ok 'grep -q "\"hello-ok\"" "$HELD"' "(the held session had connected)"
stop_daemon
is "$DAEMON_STATUS" 0 "clean stop after reloads"

done_testing
