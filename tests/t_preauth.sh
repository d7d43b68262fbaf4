#!/bin/bash
# t_preauth.sh: unauthenticated sockets are counted from accept, per
# address prefix, and cannot exhaust a worker (issue 10, items 3 and 5).
#
#  1. slowloris: 100 half-sent requests from one address, only the cap
#     (32) is held, the rest refused at accept; another address is served
#  2. a half-sent request is closed after the 5 s request deadline
#  3. descriptors short (RLIMIT_NOFILE 160): an address that already
#     holds pre-auth sockets is refused, a fresh one is still served
#  4. a trusted proxy's X-Forwarded-For that cannot be read (too long,
#     garbage, empty element, a port) is refused with 400, never
#     attributed to the proxy
#  5. the cap counts an IPv6 /64 once however its addresses are written
#
# Takes about 15 s (the request deadline is waited out once).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

TOKEN=preauth-test-token-0123456789
PY=$TESTDIR/pa.py
cat >"$PY" <<'EOF'
# Raw sockets for t_preauth.sh; prints one JSON object.
import json, select, socket, sys, time

def conn(port, src, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s

def state(s):
    """held, or what the server did: closed / busy503 / reset."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return "held"
    try:
        d = s.recv(4096)
    except OSError:
        return "reset"
    if d.startswith(b"HTTP/1.1 503"):
        return "busy503"
    return "closed" if d == b"" else "data"

def readyz(port, src):
    t0 = time.monotonic()
    try:
        s = conn(port, src, 3.0)
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        d = s.recv(4096)
        st = int(d.split(b" ")[1]) if d.startswith(b"HTTP/1.") else 0
    except OSError:
        st = 0
    return st, int((time.monotonic() - t0) * 1000)

def slowloris(port, srcs, n, probe, wait_close):
    socks = []
    for src in srcs:
        for _ in range(n):
            try:
                s = conn(port, src)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
                socks.append(s)
            except OSError:
                pass
    t0 = time.monotonic()
    time.sleep(1.0)
    out = {"opened": len(socks), "held": 0, "busy503": 0, "other": 0}
    held = []
    for s in socks:
        st = state(s)
        if st == "held":
            held.append(s)
            out["held"] += 1
        elif st == "busy503":
            out["busy503"] += 1
        else:
            out["other"] += 1
    out["readyz"], out["readyz_ms"] = readyz(port, probe)
    if wait_close > 0:
        closed = []
        while held and time.monotonic() - t0 < wait_close:
            r, _, _ = select.select(held, [], [], 0.1)
            for s in r:
                closed.append(int((time.monotonic() - t0) * 1000))
                held.remove(s)
        out["closed"] = len(closed)
        out["close_min_ms"] = min(closed) if closed else -1
        out["close_max_ms"] = max(closed) if closed else -1
    print(json.dumps(out))

def upgrades(port, xffs):
    socks, out = [], []
    for x in xffs:
        s = conn(port, "127.0.0.1")
        s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "X-Forwarded-For: %s\r\n\r\n" % x).encode())
        d = b""
        while b"\r\n" not in d:
            c = s.recv(4096)
            if not c:
                break
            d += c
        out.append(int(d.split(b" ")[1]) if d.startswith(b"HTTP/1.") else 0)
        socks.append(s)
    print(json.dumps(out))

if sys.argv[1] == "slowloris":
    slowloris(int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4]),
        sys.argv[5], float(sys.argv[6]))
else:
    upgrades(int(sys.argv[2]), sys.argv[3:])
EOF

# --- 1, 2: slowloris from one address; the request deadline ---------------
# One worker: two would race for the same count (the cap can then refuse
# early, never admit late; exactness is what is tested here).
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" } },
    "clawgate": { "workers": 1 } }'
R=$(python3 "$PY" slowloris "$PORT" 127.0.0.3 100 127.0.0.2 8)
diag "slowloris: $R"
is "$(jq .held <<<"$R")" 32 "slowloris: 32 of 100 half-sent requests are held (the cap)"
is "$(jq .busy503 <<<"$R")" 68 "slowloris: the other 68 get 503 at once"
is "$(jq .readyz <<<"$R")" 200 "slowloris: /readyz from another address: 200"
ok '[ "$(jq .readyz_ms <<<"$R")" -lt 1000 ]' \
    "slowloris: ... promptly ($(jq .readyz_ms <<<"$R") ms)"
is "$(grep -c 'refused unauthenticated socket remote=127.0.0.3 reason=per-address cap' "$DAEMON_LOG")" 1 \
    "slowloris: one log line for the address, not one per socket"
is "$(jq .closed <<<"$R")" 32 "request deadline: every held request is closed"
ok '[ "$(jq .close_min_ms <<<"$R")" -ge 4000 ] && [ "$(jq .close_max_ms <<<"$R")" -le 6500 ]' \
    "request deadline: after about 5 s ($(jq -c '[.close_min_ms, .close_max_ms]' <<<"$R") ms)"
# Every socket was given back: the address gets its full cap again.
R=$(python3 "$PY" slowloris "$PORT" 127.0.0.3 33 127.0.0.2 0)
is "$(jq -c '[.held, .busy503]' <<<"$R")" "[32,1]" \
    "after the deadline: the address holds 32 again, the 33rd is refused"
wsr --bind 127.0.0.5 --hold 100
is "$(qs '[.[] | select(.ev == "recv")][0].json.event')" connect.challenge \
    "a WebSocket from a fresh address still gets its challenge"

# --- 3: a descriptor reserve for addresses that hold none -------------------
# RLIMIT_NOFILE 160: 8 addresses x 32 half-sent requests would need 256.
ulimit -Sn 160
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" } },
    "clawgate": { "workers": 1 } }'
ulimit -Sn "$(ulimit -Hn)"
R=$(python3 "$PY" slowloris "$PORT" 127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4,127.0.1.5,127.0.1.6,127.0.1.7,127.0.1.8 32 127.0.0.2 0)
diag "descriptors: $R"
ok '[ "$(jq .held <<<"$R")" -lt 160 ]' \
    "descriptors: the worker stays below its limit ($(jq .held <<<"$R") held)"
is "$(jq .readyz <<<"$R")" 200 "descriptors: /readyz from a fresh address: 200"
ok '[ "$(jq .readyz_ms <<<"$R")" -lt 1000 ]' \
    "descriptors: ... promptly ($(jq .readyz_ms <<<"$R") ms)"
like "$(grep -c 'reason=descriptor reserve' "$DAEMON_LOG")" '^[1-9]' \
    "descriptors: the refusals are logged as the descriptor reserve"
ok '! grep -q "pausing accepts" "$DAEMON_LOG"' \
    "descriptors: accept never ran out of descriptors"

# --- 4: a trusted proxy's unreadable X-Forwarded-For is a 400 ---------------
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" },
    "trustedProxies": ["127.0.0.1/32"] } }'
BASE="http://127.0.0.1:$PORT"
LONG="198.51.100.1$(printf ', 198.51.100.%d' $(seq 2 60))"
[ ${#LONG} -gt 600 ] || bail_out "the long chain is only ${#LONG} bytes"
http_get -H "X-Forwarded-For: $LONG" "$BASE/readyz"
is "$HTTP_STATUS" 400 "X-Forwarded-For of ${#LONG} bytes: 400"
like "$HTTP_BODY" bad_forwarded_for "... with a JSON error"
wsr -H "X-Forwarded-For: $LONG" --hold 100
is "$(q 'select(.ev == "http") | .status')" 400 "... and no WebSocket for it either"
like "$(grep 'bad X-Forwarded-For' "$DAEMON_LOG" | head -n 1)" \
    'too long \([0-9]+ bytes\)' "... logged as too long"
http_get -H 'X-Forwarded-For: garbage' "$BASE/readyz"
is "$HTTP_STATUS" 400 "X-Forwarded-For: garbage: 400"
wsr -H 'X-Forwarded-For: garbage"<x>' --hold 100
is "$(q 'select(.ev == "http") | .status')" 400 "upgrade with X-Forwarded-For: garbage: 400"
like "$(grep 'bad X-Forwarded-For' "$DAEMON_LOG" | tail -n 1)" \
    'last hop is not an address .* xff="garbage\\x22<x>"' \
    "... logged with the reason and the header escaped"
http_get -H 'X-Forwarded-For: 203.0.113.7, ' "$BASE/readyz"
is "$HTTP_STATUS" 400 "X-Forwarded-For with an empty element: 400"
http_get -H 'X-Forwarded-For: 203.0.113.7:443' "$BASE/readyz"
is "$HTTP_STATUS" 400 "X-Forwarded-For with a port: 400"
http_get -H 'X-Forwarded-For: unknown, 203.0.113.7' "$BASE/readyz"
is "$HTTP_STATUS" 200 "only the last hop must be an address: 200"
http_get --interface 127.0.0.2 -H 'X-Forwarded-For: garbage' "$BASE/readyz"
is "$HTTP_STATUS" 403 "the same from a peer that is not a trusted proxy: still 403"

# --- 5: one cap per IPv6 /64, however the address is written --------------
XFFS=()
for i in $(seq 1 32); do
	case $((i % 4)) in
	0) XFFS+=("2001:db8::$i") ;;
	1) XFFS+=("2001:DB8:0:0::$i") ;;
	2) XFFS+=("[2001:db8::a:$i]") ;;
	3) XFFS+=("unknown, 2001:0db8:0000:0000:ffff::$i") ;;
	esac
done
R=$(python3 "$PY" upgrades "$PORT" "${XFFS[@]}" 2001:DB8::ffff:33 \
    2001:db8:0:1::1 198.51.100.1)
diag "upgrades: $R"
is "$(jq -c '.[:32] | unique' <<<"$R")" "[101]" \
    "IPv6 /64: 32 sockets from 2001:db8::/64, written four ways, upgrade"
is "$(jq '.[32]' <<<"$R")" 503 "IPv6 /64: the 33rd address of that /64 gets 503"
is "$(jq '.[33]' <<<"$R")" 101 "IPv6 /64: another /64 is not affected"
is "$(jq '.[34]' <<<"$R")" 101 "IPv6 /64: an IPv4 client of the same proxy is not affected"
like "$(grep -c 'remote=2001:db8::/64 reason=per-address cap' "$DAEMON_LOG")" '^1$' \
    "IPv6 /64: the refusal is logged once, with the canonical prefix"
wsr -H 'X-Forwarded-For: 2001:DB8:0:2:0:0:0:5' --hold 100
like "$(grep 'closed before connect' "$DAEMON_LOG" | tail -n 1)" \
    'remote=2001:db8:0:2::5 ' "the attributed client is logged (and sent to authd) in canonical text"

done_testing
