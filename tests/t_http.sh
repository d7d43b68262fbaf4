#!/bin/bash
# t_http.sh: the plain-HTTP surface and the upgrade-time rejections
# (protocol.md §1.1, §11.1; operations.md §3.7, §5.3; transcript 12,
# README row 13).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=abc123
FWD_BODY='{"error":{"message":"Proxy client attribution is required. Configure gateway.trustedProxies narrowly and make the proxy overwrite or safely rebuild forwarded client headers.","type":"proxy_attribution_required"}}'
JSON_CT='application/json; charset=utf-8'

start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" } } }'
BASE="http://127.0.0.1:$PORT"

# --- probe endpoints (§11.1) ---------------------------------------------
for path in /healthz /health; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 200 "GET $path: 200"
	is "$HTTP_BODY" '{"ok":true,"status":"live"}' "GET $path: body"
	is "$(hdr content-type)" "$JSON_CT" "GET $path: JSON content type"
	is "$(hdr cache-control)" no-store "GET $path: Cache-Control no-store"
done
is "$(hdr x-content-type-options)" nosniff "probe: X-Content-Type-Options nosniff"
is "$(hdr referrer-policy)" no-referrer "probe: Referrer-Policy no-referrer"

for path in /readyz /ready; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 200 "GET $path: 200"
	is "$(jq -c .ready <<<"$HTTP_BODY")" true "GET $path: ready true"
	is "$(hdr content-type)" "$JSON_CT" "GET $path: JSON content type"
done

http_get "$BASE/startupz"
is "$HTTP_STATUS" 200 "GET /startupz: 200"
is "$(jq -c '[.ok, .status]' <<<"$HTTP_BODY")" '[true,"started"]' \
    "GET /startupz: ok true, status started"

http_get -I "$BASE/healthz"
is "$HTTP_STATUS" 200 "HEAD /healthz: 200"
is "$(hdr content-type)" "$JSON_CT" "HEAD /healthz: same headers as GET"
raw=$(exec 3<>"/dev/tcp/127.0.0.1/$PORT" &&
    printf 'HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
    timeout 5 cat <&3 | od -An -c | tr -d ' \n')
like "$raw" '\\r\\n\\r\\n$' "HEAD /healthz: nothing after the header block"

http_get -X POST -d '{}' "$BASE/healthz"
is "$HTTP_STATUS" 405 "POST /healthz: 405"
is "$(hdr allow)" "GET, HEAD" "POST /healthz: Allow: GET, HEAD"
http_get -X PUT -d x "$BASE/readyz"
is "$HTTP_STATUS" 405 "PUT /readyz: 405"
http_get -X DELETE "$BASE/health"
is "$HTTP_STATUS" 405 "DELETE /health: 405"

# --- everything else is the Control UI (a placeholder page here) ----------
for path in / /chat?session=main /nonexistent-path; do
	http_get -H 'Accept: text/html' "$BASE$path"
	is "$HTTP_STATUS" 200 "GET $path: 200"
	like "$(hdr content-type)" '^text/html' "GET $path: text/html"
done
http_get "$BASE/"
is "$(hdr x-frame-options)" DENY "UI: X-Frame-Options DENY"
is "$(hdr x-content-type-options)" nosniff "UI: X-Content-Type-Options nosniff"
is "$(hdr referrer-policy)" no-referrer "UI: Referrer-Policy no-referrer"
like "$(hdr content-security-policy)" "frame-ancestors 'none'" \
    "UI: a Content-Security-Policy (frame-ancestors 'none')"
like "$HTTP_BODY" '<' "UI: an HTML body"

# --- forwarding headers from a peer that is not a trusted proxy (§1.1) ---
for h in 'X-Forwarded-For: 203.0.113.7' 'X-Real-IP: 203.0.113.7' \
    'Forwarded: for=203.0.113.7' 'X-Forwarded-Proto: https'; do
	wsr -H "$h" --hold 100
	is "$(q 'select(.ev == "http") | .status')" 403 "upgrade with $h: HTTP 403"
	is "$(q 'select(.ev == "http") | .body')" "$FWD_BODY" \
	    "upgrade with $h: proxy_attribution_required body"
done
is "$(q 'select(.ev == "http") | .headers["content-type"]')" "$JSON_CT" \
    "forwarding rejection: JSON content type"
is "$(nev open)" 0 "forwarding rejection: no WebSocket"

http_get -H 'X-Forwarded-For: 203.0.113.7' "$BASE/readyz"
is "$HTTP_STATUS" 403 "GET /readyz with X-Forwarded-For: 403"
is "$HTTP_BODY" "$FWD_BODY" "GET /readyz with X-Forwarded-For: body"

# --- at most 32 unauthenticated sockets per client address (row 13) ------
HELD=$TESTDIR/held.out
bg_ws "$HELD" --hold-open 32 --hold 15000 --timeout 20000
wait_lines "$HELD" '"ev":"(open|http|eof|error)"' 32 100
is "$(grep -c '"ev":"open"' "$HELD")" 32 "pre-auth cap: 32 idle sockets upgraded"
wsr --hold 100
is "$(q 'select(.ev == "http") | .status')" 503 "pre-auth cap: the 33rd gets HTTP 503"
is "$(q 'select(.ev == "http") | .body')" "Too many unauthenticated sockets" \
    "pre-auth cap: body Too many unauthenticated sockets"
like "$(q 'select(.ev == "http") | .headers["content-type"]')" '^text/plain' \
    "pre-auth cap: text/plain"
wsr --bind 127.0.0.2 --hold 100
is "$(qs '[.[] | select(.ev == "recv")][0].json.event')" connect.challenge \
    "pre-auth cap: another source address still gets a challenge"
# Every socket counts from accept (issue 10 item 5), a plain request too.
http_get "$BASE/healthz"
is "$HTTP_STATUS" 503 "pre-auth cap: a plain HTTP socket from that address is refused too"
http_get --interface 127.0.0.2 "$BASE/healthz"
is "$HTTP_STATUS" 200 "pre-auth cap: plain HTTP from another address is not affected"
kill -TERM "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
for i in $(seq 1 30); do
	wsr --hold 100
	[ "$(nev open)" = 1 ] && break
	sleep 0.1
done
is "$(nev open)" 1 "pre-auth cap: 127.0.0.1 is accepted again once they close"

# --- a trusted proxy's X-Forwarded-For is believed (§7.2) -----------------
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" },
    "trustedProxies": ["127.0.0.1/32"] } }'
BASE="http://127.0.0.1:$PORT"
wsr -H 'X-Forwarded-For: 203.0.113.7' --connect "$(cparams '.auth={token:"'$TOKEN'"}')"
is "$(nev open)" 1 "trusted proxy: upgrade with X-Forwarded-For accepted"
is "$(resq c1 .payload.type)" hello-ok "trusted proxy: hello-ok"
is "$(resq c1 .payload.auth.scopes)" "[]" \
    "trusted proxy: the forwarded client is remote (device-less scopes cleared)"
http_get -H 'X-Forwarded-For: 203.0.113.7' "$BASE/readyz"
is "$HTTP_STATUS" 200 "trusted proxy: GET /readyz with X-Forwarded-For: 200"
wsr --bind 127.0.0.2 -H 'X-Forwarded-For: 203.0.113.7' --hold 100
is "$(q 'select(.ev == "http") | .status')" 403 \
    "trusted proxy: the same header from an untrusted peer is still 403"

done_testing
