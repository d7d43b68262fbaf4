#!/bin/bash
# t_channel.sh: nothing for authd is dropped because its socket is full
# (issue 11, "no message can be dropped by a full socket"; issue 10 item
# 6).  authd is stopped, one operator connection pipelines 1,500 RPCs and
# then 20 paired devices' sessions close; authd's socket fills, the worker
# queues the rest; when authd runs again every RPC is answered (none
# "busy") and every session has ended (no device left "connected").
# About 15 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed for the pipelining client"

TOKEN=channel-token-0123456789abcdef
start_daemon "$(jq -n --arg t "$TOKEN" '{gateway: {auth: {mode: "token",
    token: $t}}, clawgate: {workers: 1}}')"
AUTHD=$(pgrep -P "$DAEMON_PID" -f clawgate-authd | head -n 1)
ok '[ -n "$AUTHD" ]' "authd found (pid ${AUTHD:-none})"

# 20 devices, paired silently from loopback, each holding a session.
DEVPIDS=
for i in $(seq 1 20); do
	bg_ws "$TESTDIR/dev$i" --hold 60000 --timeout 90000 \
	    --device-seed "$(printf '%064x' $((700 + i)))" \
	    --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.device="SIGN"')"
	DEVPIDS="$DEVPIDS $BG_PID"
done
for i in $(seq 1 20); do
	wait_lines "$TESTDIR/dev$i" hello-ok 1 100 || diag "device $i: no hello-ok"
done

cat >"$TESTDIR/pipe.py" <<'PY'
import base64, json, os, signal, socket, struct, sys, time

port, token, authd, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
closers = [int(p) for p in sys.argv[5:]]

def frame(text):
    data = text.encode()
    mask = os.urandom(4)
    hdr = bytearray([0x81])
    if len(data) < 126:
        hdr.append(0x80 | len(data))
    elif len(data) < 65536:
        hdr.append(0x80 | 126); hdr += struct.pack("!H", len(data))
    else:
        hdr.append(0x80 | 127); hdr += struct.pack("!Q", len(data))
    return bytes(hdr) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

class Reader:
    def __init__(self, s): self.s, self.buf = s, b""
    def need(self, k):
        while len(self.buf) < k:
            d = self.s.recv(65536)
            if not d: raise EOFError
            self.buf += d
        out, self.buf = self.buf[:k], self.buf[k:]
        return out
    def message(self):
        b0, b1 = self.need(2)
        ln = b1 & 0x7f
        if ln == 126: ln = struct.unpack("!H", self.need(2))[0]
        elif ln == 127: ln = struct.unpack("!Q", self.need(8))[0]
        data = self.need(ln)
        return b0 & 0x0f, data

def connect():
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    r = Reader(s)
    r.message()                     # connect.challenge
    s.sendall(frame(json.dumps({"type": "req", "id": "c1", "method": "connect",
        "params": {"minProtocol": 4, "maxProtocol": 4,
            "client": {"id": "cli", "version": "0.0.1-test", "platform": "linux", "mode": "cli"},
            "role": "operator", "scopes": ["operator.pairing", "operator.read"],
            "auth": {"token": token}}})))
    while True:
        op, data = r.message()
        if op == 1:
            m = json.loads(data)
            if m.get("id") == "c1":
                assert m.get("ok"), m
                return s, r

ops, r = connect()
others = [connect()[0] for _ in range(200)]
os.kill(authd, signal.SIGSTOP)
try:
    for i in range(n):
        ops.sendall(frame(json.dumps({"type": "req", "id": "r%d" % i,
            "method": "device.pair.list", "params": {}})))
    for s in others:
        s.close()                   # 200 SESSION_ENDs behind the RPCs
    for p in closers:
        os.kill(p, signal.SIGTERM)  # and the paired devices' sessions
    time.sleep(1.0)
finally:
    os.kill(authd, signal.SIGCONT)
got, ok = 0, 0
ops.settimeout(30)
while got < n:
    op, data = r.message()
    if op != 1: continue
    m = json.loads(data)
    if m.get("type") != "res": continue
    got += 1
    ok += 1 if m.get("ok") else 0
print(json.dumps({"answered": got, "ok": ok}))
PY

OUT=$(timeout 60 python3 "$TESTDIR/pipe.py" "$PORT" "$TOKEN" "$AUTHD" 1500 $DEVPIDS 2>&1)
diag "$OUT"
is "$(jq -r .answered <<<"$OUT" 2>/dev/null)" 1500 "every one of 1,500 pipelined RPCs is answered"
is "$(jq -r .ok <<<"$OUT" 2>/dev/null)" 1500 "… and none with \"busy\": a full authd socket delays, never refuses"
ok '! grep -q "sending to authd" "$DAEMON_LOG"' "the worker logged no failed send to authd"

# Every session of the 20 devices ended in authd, though their
# SESSION_ENDs waited behind 1,500 RPCs in the worker's queue.
wait $DEVPIDS 2>/dev/null
_bg_pids=
wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' \
    '.scopes=["operator.pairing","operator.read"]')" \
    --then 'device.pair.list {}'
is "$(qs '[.[] | select(.ev == "recv" and .json.id == "r1") | .json.payload.paired[]] | length')" \
    20 "the 20 devices are paired"
is "$(qs '[.[] | select(.ev == "recv" and .json.id == "r1") | .json.payload.paired[] | select(.connected)] | length')" \
    0 "… and none is left connected: every SESSION_END arrived"
stop_daemon
is "$DAEMON_STATUS" 0 "the daemon stopped cleanly afterwards"
done_testing
