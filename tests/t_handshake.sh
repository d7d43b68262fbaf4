#!/bin/bash
# t_handshake.sh: connect.challenge, protocol negotiation, hello-ok, the
# post-connect methods and the handshake timeout (protocol.md §1.3, §1.6,
# §2, §3, §4.6, §5.7; transcripts 03, 08, 11).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=abc123
UUID4='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# --- the client signs exactly as the reference does (§6.4 vectors) -------
OUT=$("$WSCLIENT" --selftest-sign)
is "$(q .publicKey)" "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg" \
    "wsclient: §6.4 public key (base64url)"
is "$(q .deviceId)" \
    "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c" \
    "wsclient: §6.4 device id = sha256(public key)"
is "$(q .v3.signature)" \
    "mvijIY_GIsuhwLByk8zxefipGgcMXSSJh6hJYUakD6pu44GuMe8HTgDvWcLq9p9k5iILHXYe1BVEeg1gxEyeCQ" \
    "wsclient: §6.4 v3 signature"
is "$(q .v2.signature)" \
    "AibzYWTGth--3T4hevcPpdFgFvBeN6ZjgXY3YyQU20_xkcVIxh4pQI8K-mnc8XAbPgD-WEu0nLhFHZuX1a4tAw" \
    "wsclient: §6.4 v2 signature"
is "$(q .v3edge.payload)" \
    "v3|56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c|cli|cli|operator||1737264000000||3cabda82-4782-4df7-a1fe-1b4d291960da|macos|" \
    "wsclient: §6.4 edge-case v3 payload (trim, lowercase, empty token)"
is "$(q .v3edge.signature)" \
    "6Xyz2ZtpmI9bIGIj756PZkbD97c-YMiteuR72B1BFNrLDo__3su-Uw403SCZoN2i5JEyf0zwN5VCv2AFIpbYAg" \
    "wsclient: §6.4 edge-case v3 signature"

start_daemon '{
  "gateway": {
    "auth": { "mode": "token", "token": "'$TOKEN'" },
    "localPeers": ["127.0.0.1/32"]
  }
}'

# --- connect.challenge ----------------------------------------------------
t_before=$(now_ms)
wsr --hold 300
t_after=$(now_ms)
is "$RC" 0 "challenge: client ran"
is "$(nev open)" 1 "challenge: upgrade answered 101"
chal=$(qs '[.[] | select(.ev == "recv")][0].json')
is "$(jq -r .type <<<"$chal")" event "challenge: first frame is an event"
is "$(jq -r .event <<<"$chal")" connect.challenge \
    "challenge: first frame is connect.challenge"
like "$(jq -r .payload.nonce <<<"$chal")" "$UUID4" \
    "challenge: nonce is a lowercase UUID v4"
ts=$(jq -r .payload.ts <<<"$chal")
like "$ts" '^[0-9]+$' "challenge: ts is a non-negative integer"
ok '[ "$ts" -ge $((t_before - 2000)) ] && [ "$ts" -le $((t_after + 2000)) ]' \
    "challenge: ts is the server's wall clock in ms"
is "$(jq -c 'has("seq")' <<<"$chal")" false "challenge: no seq"
is "$(jq -c '.payload | keys - ["nonce", "ts", "capabilities"]' <<<"$chal")" \
    "[]" "challenge: payload has only nonce, ts (and capabilities)"
is "$(jq -c '.payload.capabilities // [] | type' <<<"$chal")" '"array"' \
    "challenge: capabilities, if sent, is an array"
lag=$(qs '([.[] | select(.ev == "recv")][0].t_ms) - ([.[] | select(.ev == "open")][0].t_ms)')
ok '[ "$lag" -le 750 ]' "challenge: sent immediately (${lag} ms after open)"
is "$(srv_close)" none "challenge: server keeps an idle socket open"
nonce1=$(jq -r .payload.nonce <<<"$chal")

wsr --hold 100
isnt "$(qs '[.[] | select(.ev == "recv")][0].json.payload.nonce')" "$nonce1" \
    "challenge: a fresh nonce per socket"

WS_PATH=/some/random/path wsr --hold 100
is "$(qs '[.[] | select(.ev == "recv")][0].json.event')" connect.challenge \
    "upgrade on any path: /some/random/path gets a challenge"

wsr -H 'Sec-WebSocket-Protocol: openclaw.v1' --hold 100
is "$RC" 0 "subprotocol offered: upgrade is valid"
like "$(qs '[.[] | select(.ev == "open")][0].headers["sec-websocket-protocol"] // "none"')" \
    '^(none|openclaw\.v1)$' "subprotocol offered: echoed or omitted"
is "$(qs '[.[] | select(.ev == "recv")][0].json.event')" connect.challenge \
    "subprotocol offered: challenge still arrives"

wsr -H 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' \
    --hold 100
is "$RC" 0 "permessage-deflate offered: upgrade is valid"
is "$(qs '[.[] | select(.ev == "open")][0].headers | has("sec-websocket-extensions")')" \
    false "permessage-deflate offered: not negotiated"

# --- hello-ok (local device-less cli with the shared token, transcript 03a) --
wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')" --hold 200
is "$(resq c1 .ok)" true "hello: connect accepted"
hello=$(resq c1 .payload)
is "$(jq -r .type <<<"$hello")" hello-ok "hello: type hello-ok"
is "$(jq -c .protocol <<<"$hello")" 4 "hello: protocol 4"
is "$(jq -r .server.version <<<"$hello")" 2026.9.6 \
    "hello: server.version 2026.9.6 (what the bundled UI compares)"
like "$(jq -r '.server.connId | strings' <<<"$hello")" '.' \
    "hello: server.connId is a non-empty string"
is "$(jq -c '.features.methods | type == "array" and all(type == "string")' <<<"$hello")" \
    true "hello: features.methods is an array of strings"
is "$(jq -c '.features.methods | index("health") != null and index("status") != null' <<<"$hello")" \
    true "hello: features.methods lists health and status"
is "$(jq -c '.features.events | type == "array" and all(type == "string")' <<<"$hello")" \
    true "hello: features.events is an array of strings"
is "$(jq -c '.features.events | index("tick") != null' <<<"$hello")" true \
    "hello: features.events lists tick"
is "$(jq -c '.snapshot.presence | type' <<<"$hello")" '"array"' \
    "hello: snapshot.presence is an array"
is "$(jq -c '.snapshot.health | type' <<<"$hello")" '"object"' \
    "hello: snapshot.health is an object"
is "$(jq -c '.snapshot.stateVersion | (.presence | type == "number" and . >= 0 and floor == .) and (.health | type == "number" and . >= 0 and floor == .)' <<<"$hello")" \
    true "hello: snapshot.stateVersion {presence, health} are integers >= 0"
is "$(jq -c '.snapshot.uptimeMs | type == "number" and . >= 0 and floor == .' <<<"$hello")" \
    true "hello: snapshot.uptimeMs is an integer >= 0"
is "$(jq -r .auth.role <<<"$hello")" operator "hello: auth.role operator"
is "$(jq -c .auth.scopes <<<"$hello")" '["operator.read","operator.write"]' \
    "hello: loopback device-less cli keeps its scopes"
is "$(jq -r .auth.method <<<"$hello")" token "hello: auth.method token"
is "$(jq -c '.auth | has("deviceToken")' <<<"$hello")" false \
    "hello: no deviceToken without a device"
is "$(jq -c .policy.maxPayload <<<"$hello")" 26214400 "hello: policy.maxPayload"
is "$(jq -c .policy.maxBufferedBytes <<<"$hello")" 52428800 \
    "hello: policy.maxBufferedBytes"
is "$(jq -c .policy.tickIntervalMs <<<"$hello")" 30000 \
    "hello: policy.tickIntervalMs 30000 (not the docs' 15000)"
is "$(srv_close)" none "hello: the server keeps the socket open"
is "$(qs '[.[] | select(.ev == "close" and .reply)][0].code')" 1000 \
    "hello: our close 1000 is answered"
connid1=$(jq -r .server.connId <<<"$hello")

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}' '.client={id:"gateway-client",version:"0.0.1-test",platform:"linux",mode:"backend"}')"
is "$(resq c1 .payload.type)" hello-ok \
    "hello: gateway-client/backend device-less on loopback accepted"
is "$(resq c1 .payload.auth.scopes)" '["operator.read","operator.write"]' \
    "hello: gateway-client/backend keeps its scopes"
isnt "$(resq c1 .payload.server.connId)" "$connid1" "hello: connId differs per connection"

# --- protocol negotiation (§2.4, transcript 08e) -------------------------
wsr --connect "$(cparams '.minProtocol=1 | .maxProtocol=2' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .error)" "$(canon '{"code":"INVALID_REQUEST","message":"protocol mismatch",
    "details":{"code":"PROTOCOL_MISMATCH","clientMinProtocol":1,"clientMaxProtocol":2,
    "expectedProtocol":4,"minimumProbeProtocol":3}}')" \
    "protocol 1..2: PROTOCOL_MISMATCH with the range in details"
is "$(srv_close)" "1002|protocol mismatch" "protocol 1..2: close 1002 protocol mismatch"

wsr --connect "$(cparams '.minProtocol=5 | .maxProtocol=6' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .error.details)" "$(canon '{"code":"PROTOCOL_MISMATCH","clientMinProtocol":5,
    "clientMaxProtocol":6,"expectedProtocol":4,"minimumProbeProtocol":3}')" \
    "protocol 5..6: PROTOCOL_MISMATCH details"
is "$(srv_close)" "1002|protocol mismatch" "protocol 5..6: close 1002"

wsr --connect "$(cparams '.minProtocol=3 | .maxProtocol=3' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .error.message)" "protocol mismatch" \
    "protocol 3..3 for a cli: mismatch (only probes and nodes may use 3)"
is "$(srv_close)" "1002|protocol mismatch" "protocol 3..3: close 1002"

wsr --connect "$(cparams '.minProtocol=3 | .maxProtocol=4' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .payload.protocol)" 4 "protocol 3..4 for a cli: accepted, protocol 4"

wsr --connect "$(cparams '.minProtocol=3 | .maxProtocol=4' '.client.mode="probe"' \
    '.scopes=["operator.read"]' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .payload.protocol)" 4 "probe 3..4: accepted, hello-ok says protocol 4"
is "$(resq c1 .payload.auth.scopes)" "[]" \
    "probe: device-less non-cli operator gets scopes [] (§5.7)"

# --- invalid role (§2.5 step 3) ------------------------------------------
wsr --connect "$(cparams '.role="admin"' '.auth={token:"'$TOKEN'"}')"
is "$(resq c1 .error)" "$(canon '{"code":"INVALID_REQUEST","message":"invalid role"}')" \
    "role admin: INVALID_REQUEST invalid role"
is "$(srv_close)" "1008|invalid role" "role admin: close 1008 invalid role"

# --- methods after hello (transcripts 03, 08l, 11; §4.6) -----------------
wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')" --then health \
    --then 'status {}' --ping
is "$(resq r1 .ok)" true "health: ok on a read/write connection"
is "$(resq r1 '.payload | type')" object "health: payload is an object"
is "$(resq r2 .ok)" true "status: ok with operator.read"
is "$(resq r2 '.payload | type')" object "status: payload is an object"
is "$(nev pong)" 1 "WebSocket ping after hello is answered with a pong"
is "$(srv_close)" none "methods: socket stays open"

wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')" --then 'no.such.method {}' \
    --then 'connect '"$(cparams '.auth={token:"'$TOKEN'"}')" --then health
is "$(resq r1 .error)" "$(canon '{"code":"FORBIDDEN","message":"missing scope: operator.admin",
    "details":{"code":"MISSING_SCOPE","missingScope":"operator.admin","requiredScopes":["operator.admin"]}}')" \
    "unknown method, non-admin caller: FORBIDDEN missing scope: operator.admin"
is "$(resq r2 .error)" "$(canon '{"code":"FORBIDDEN","message":"missing scope: operator.admin",
    "details":{"code":"MISSING_SCOPE","missingScope":"operator.admin","requiredScopes":["operator.admin"]}}')" \
    "second connect after hello: FORBIDDEN missing scope: operator.admin"
is "$(resq r3 .ok)" true "method errors keep the socket usable"
is "$(srv_close)" none "method errors do not close the socket"

wsr --connect "$(cparams '.scopes=["operator.admin"]' '.auth={token:"'$TOKEN'"}')" \
    --then 'no.such.method {}'
is "$(resq c1 .payload.auth.scopes)" '["operator.admin"]' \
    "admin: loopback device-less cli keeps operator.admin"
is "$(resq r1 .error)" "$(canon '{"code":"INVALID_REQUEST","message":"unknown method: no.such.method"}')" \
    "unknown method, admin caller: INVALID_REQUEST unknown method: no.such.method"

# remote (127.0.0.2 is not in gateway.localPeers): scopes are cleared
wsr --bind 127.0.0.2 --connect "$(cparams '.auth={token:"'$TOKEN'"}')" \
    --then health --then status --then health
is "$(qs '[.[] | select(.ev == "open")][0].local | startswith("127.0.0.2:")')" \
    true "remote: the client really connects from 127.0.0.2"
is "$(resq c1 .payload.auth.scopes)" "[]" "remote device-less cli: scopes []"
is "$(resq r1 .ok)" true "remote, no scopes: health needs no scope"
is "$(resq r2 .error)" "$(canon '{"code":"FORBIDDEN","message":"missing scope: operator.read",
    "details":{"code":"MISSING_SCOPE","missingScope":"operator.read","requiredScopes":["operator.read"]}}')" \
    "remote, no scopes: status is FORBIDDEN missing scope: operator.read"
is "$(resq r3 .ok)" true "remote, no scopes: the socket still works after FORBIDDEN"
is "$(srv_close)" none "remote, no scopes: no close"

# --- pre-auth frames waiting and the handshake timeout (§1.3, 08k) -------
wsr --timeout 25000
is "$RC" 0 "handshake timeout: the server closed before our 25 s deadline"
is "$(srv_close)" "1000|" "handshake timeout: close 1000 with an empty reason"
is "$(nres)" 0 "handshake timeout: no res frame"
el=$(qs '([.[] | select(.ev == "close")][0].t_ms) - ([.[] | select(.ev == "open")][0].t_ms)')
ok '[ "$el" -ge 14500 ] && [ "$el" -le 17000 ]' \
    "handshake timeout: after about 15 s (${el} ms)"

done_testing
