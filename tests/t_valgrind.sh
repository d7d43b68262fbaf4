#!/bin/bash
# t_valgrind.sh: the daemon's main paths under valgrind, every process
# (master, authd, worker): handshakes, a rejection, silent device pairing
# with a device token, methods, the control socket, reload and stop.
# valgrind cannot run under the seccomp filters (it maps code it
# translates as executable), so this needs a build configured with
# --with-sandbox=none; scripts/test.sh makes one.
. "$top_srcdir/tests/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
grep -q -- "--with-sandbox=none" "$top_builddir/config.status" 2>/dev/null ||
    skip_all "needs a build configured with --with-sandbox=none (scripts/test.sh makes one)"

T=valgrind-token-0123456789abcdefghij
VG=$TESTDIR/vg
mkdir -p "$VG"
chmod 777 "$VG"
CLAWGATED_REAL=$CLAWGATED
cat >"$TESTDIR/vgwrap" <<WRAP
#!/bin/sh
exec valgrind --trace-children=yes --child-silent-after-fork=yes \\
    --leak-check=full --errors-for-leak-kinds=definite \\
    --log-file=$VG/vg.%p.log "$CLAWGATED_REAL" "\$@"
WRAP
chmod 755 "$TESTDIR/vgwrap"
CLAWGATED=$TESTDIR/vgwrap
READY_WAIT_S=60
start_daemon '{"gateway":{"auth":{"mode":"token","token":"'$T'"}},"clawgate":{"workers":1}}'

wsr --timeout 20000 --connect "$(cparams ".auth={token:\"$T\"}")" --then health --then status
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.ok')" true "handshake under valgrind"
wsr --timeout 20000 --connect "$(cparams '.auth={token:"wrong"}')"
is "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.error.details.code')" \
    AUTH_TOKEN_MISMATCH "rejection under valgrind"
wsr --timeout 20000 --device-seed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    --connect "$(cparams ".auth={token:\"$T\"}" '.device="SIGN"' '.scopes=["operator.pairing"]')" --then device.pair.list
like "$(q 'select(.ev=="recv" and .json.id=="c1") | .json.payload.auth.deviceToken')" \
    '^[A-Za-z0-9_-]{43}$' "silent pairing issues a device token under valgrind"
is "$(q 'select(.ev=="recv" and .json.id=="r1") | .json.ok')" true \
    "device.pair.list through authd under valgrind"
ANS=$(python3 - "$DAEMON_DIR/run/clawgated.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"status"}\n')
print(s.makefile().readline().strip())
PY
)
is "$(jq -r .ok <<<"$ANS")" true "control socket status under valgrind"
kill -HUP "$DAEMON_PID"
wait_lines "$DAEMON_LOG" "reloaded \\(generation" 1 200
ok 'grep -q "reloaded (generation" "$DAEMON_LOG"' "reload under valgrind"
stop_daemon
is "$DAEMON_STATUS" 0 "clean stop under valgrind"

nlogs=$(ls "$VG"/vg.*.log 2>/dev/null | wc -l)
ok '[ "$nlogs" -ge 3 ]' "valgrind followed master, authd and worker ($nlogs logs)"
errs=$(grep -h "ERROR SUMMARY" "$VG"/vg.*.log | grep -v "ERROR SUMMARY: 0 errors" || true)
if [ -n "$errs" ]; then
	diag "$(cat "$VG"/vg.*.log | head -n 80)"
fi
is "$errs" "" "no valgrind errors in any process"
lost=$(grep -h "definitely lost: [1-9]" "$VG"/vg.*.log || true)
is "$lost" "" "no definitely lost memory in any process"

done_testing
