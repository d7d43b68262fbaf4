#!/bin/bash
# t_devices_interop.sh: the REAL reference CLI (`openclaw devices ...`,
# `openclaw gateway probe`) manages clawgated's pairing: list, approve,
# reject, rotate, revoke and remove a remote device's pairing exactly as it
# does against the reference gateway (protocol.md §7, §8.2, §9.1-§9.3,
# §9.6; operations.md §2.2).  Installation, environment and conventions as
# in t_interop.sh:
#
#   CLAWGATE_OPENCLAW=PATH       use this CLI wrapper, do not install
#   CLAWGATE_INTEROP_DIR=DIR     install cache (see install-interop.sh)
#   CLAWGATE_INTEROP=skip        skip this file
#   CLAWGATE_INTEROP_REQUIRED=1  fail, not skip, when the CLI cannot be
#                                installed (default when CI=true)
#   CLI_TIMEOUT=S                bound on one CLI command (60)
#
# The remote devices are tests/wsclient connections (v3-signed, as the
# Node clients sign) from 127.0.0.2 and 127.0.0.3, which are remote because
# gateway.localPeers is narrowed to 127.0.0.1/32.  The CLI itself runs on
# 127.0.0.1 with --url and --token: a device-less loopback cli/cli, which
# keeps the scopes it asks for (§5.7, §9).
#
# What the CLI does and prints (2026.9.6, recorded against clawgated; the
# command shapes are those captured against the reference, §9):
# `devices list --url U --token T`: connect scopes ["operator.pairing"],
#   device.pair.list {}; exit 0; "Pending (N)" then a box table (Request,
#   Device = displayName or deviceId [+ " · remoteIp"], Requested,
#   Approved, Age, Status "new pairing"), "Paired (N)" and a "Full device
#   IDs" list, or "No device pairing entries."; cells wrap at a fixed
#   width without a TTY, so only whole tokens (ids, names) are matched.
#   `--json`: {pending, paired} as the gateway sent them, pretty-printed.
# `devices approve <id>`: list, then a second connection with
#   ["operator.pairing", ...the requested scopes] and device.pair.approve;
#   exit 0, stdout "Approved <deviceId> (<requestId>)".  Unknown id: exit 1,
#   stderr "No pending device request matches <id>. Run openclaw devices
#   list and retry with the current request ID."
# `devices reject <id>`: exit 0, stdout "Rejected <deviceId>".
# `devices rotate --device D --role operator`: exit 0, stdout the payload
#   ({deviceId, role, scopes, rotatedAtMs, tokenDelivery}) as JSON.
# `devices revoke --device D --role operator`: exit 0, the payload
#   ({deviceId, role, revokedAtMs}) as JSON.
# `devices remove D`: exit 0, "Removed <deviceId>"; again: exit 1, stderr
#   "[openclaw] Reason: unknown deviceId".
# `gateway probe --json`: ok:true; the probe connects as cli/probe without a
#   device, so its scopes are cleared (§5.7, as the reference does):
#   degraded:true, capability "connected_no_operator_scope", the explicit
#   target's connect {ok:true, rpcOk:false, error:"missing scope:
#   operator.read"}.
# Each command takes 2-9 s, almost all of it Node start-up.

. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

use_openclaw

# devices LABEL SUBCOMMAND ARGS...: `openclaw devices ...` against clawgated.
devices()
{
	local label=$1
	shift
	cli "devices $label" devices "$@" --url "$URL" --token "$TOKEN"
}

# jout FILTER: FILTER on the CLI's stdout as JSON.
jout()
{
	jq -rc "$1" <<<"$COUT" 2>/dev/null
}

# --- clawgated and the waiting devices ---------------------------------------

TOKEN=$(secret)
[ ${#TOKEN} = 43 ] || bail_out "secret generation"
start_daemon "$(jq -cn --arg t "$TOKEN" '{gateway: {bind: "loopback",
    auth: {mode: "token", token: $t}, localPeers: ["127.0.0.1/32"]}}')"
URL=ws://127.0.0.1:$PORT
UUID4='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
SEED_A=$(printf '%064x' 7)
SEED_B=$(printf '%064x' 8)
A_PARAMS=$(cparams '.auth={token:"'"$TOKEN"'"}' '.client.displayName="remote-box"')
B_PARAMS=$(cparams '.auth={token:"'"$TOKEN"'"}' '.scopes=["operator.read"]')

# device A: remote, asks for operator.read + operator.write
wsr --bind 127.0.0.2 --device-seed "$SEED_A" --connect "$A_PARAMS"
is "$(q 'select(.ev == "signed") | .version')" v3 "device A signs v3"
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "device A (127.0.0.2): pairing required"
RID_A=$(resq c1 .error.details.requestId)
DID_A=$(q 'select(.ev == "sent") | .json.params.device.id')
like "$RID_A" "$UUID4" "device A: a requestId"

# device B: remote, asks for operator.read
wsr --bind 127.0.0.3 --device-seed "$SEED_B" --connect "$B_PARAMS"
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "device B (127.0.0.3): pairing required"
RID_B=$(resq c1 .error.details.requestId)
DID_B=$(q 'select(.ev == "sent") | .json.params.device.id')
like "$RID_B" "$UUID4" "device B: a requestId"

# --- devices list ---------------------------------------------------------------
devices list list
is "$CRC" 0 "devices list: exit 0" || show
has "$COUT" "Pending (2)"
ok $? "devices list: 'Pending (2)'" || show
contains "$COUT" "$RID_A"
ok $? "devices list: device A's requestId" || show
contains "$COUT" "$RID_B"
ok $? "devices list: device B's requestId" || show
contains "$COUT" "remote-box"
ok $? "devices list: device A shown by its displayName" || show
is "$(grep -c 'new pairing' <<<"$COUT")" 2 \
    "devices list: both rows are 'new pairing'" || show
contains "$COUT" "No device pairing entries."
ok $((!$?)) "devices list: not 'No device pairing entries.'" || show

devices "list --json" list --json
is "$CRC" 0 "devices list --json: exit 0" || show
is "$(jout '[.pending[].requestId] | sort | join(" ")')" \
    "$(printf '%s\n' "$RID_A" "$RID_B" | sort | paste -sd ' ')" \
    "devices list --json: both requests in .pending" || show
is "$(jout '.pending[] | select(.requestId == "'"$RID_A"'")
    | "\(.deviceId) \(.displayName) \(.remoteIp) \(.scopes | join(","))"')" \
    "$DID_A remote-box 127.0.0.2 operator.read,operator.write" \
    "devices list --json: device A's request (deviceId, displayName, remoteIp, scopes)" ||
    show
is "$(jout '.paired | length')" 0 "devices list --json: nothing paired yet" ||
    show

# --- approve ----------------------------------------------------------------------
devices "approve A" approve "$RID_A"
is "$CRC" 0 "devices approve: exit 0" || show
is "$COUT" "Approved $DID_A ($RID_A)" \
    "devices approve: 'Approved <deviceId> (<requestId>)'" || show

wsr --bind 127.0.0.2 --device-seed "$SEED_A" --connect "$A_PARAMS"
is "$(resq c1 '.ok and .payload.type == "hello-ok"')" true \
    "device A after approval: hello-ok"
DT_A=$(resq c1 .payload.auth.deviceToken)
like "$DT_A" '^[A-Za-z0-9_-]{43}$' "device A after approval: a device token"
wsr --bind 127.0.0.2 --device-seed "$SEED_A" \
    --connect "$(cparams '.auth={deviceToken:"'"$DT_A"'"}')"
is "$(resq c1 .payload.auth.method)" device-token \
    "device A: its device token authenticates it"

devices "approve unknown" approve 00000000-0000-4000-8000-000000000000
is "$CRC" 1 "devices approve <unknown>: exit 1" || show
contains "$CERR$COUT" \
    "No pending device request matches 00000000-0000-4000-8000-000000000000"
ok $? "devices approve <unknown>: 'No pending device request matches <id>'" ||
    show

devices "approve A again" approve "$RID_A"
is "$CRC" 1 "devices approve of an approved request: exit 1" || show
contains "$CERR$COUT" "No pending device request matches $RID_A"
ok $? "devices approve of an approved request: no pending request" || show

# --- reject -------------------------------------------------------------------------
devices "reject B" reject "$RID_B"
is "$CRC" 0 "devices reject: exit 0" || show
is "$COUT" "Rejected $DID_B" "devices reject: 'Rejected <deviceId>'" || show

wsr --bind 127.0.0.3 --device-seed "$SEED_B" --connect "$B_PARAMS"
is "$(resq c1 .error.details.code)" PAIRING_REQUIRED \
    "device B after rejection: still pairing required"
RID_B2=$(resq c1 .error.details.requestId)
isnt "$RID_B2" "$RID_B" "device B after rejection: a new request"

devices "reject B again" reject "$RID_B"
is "$CRC" 1 "devices reject of a rejected request: exit 1" || show
contains "$CERR" "unknown requestId"
ok $? "devices reject of a rejected request: 'unknown requestId'" || show

# --- the list afterwards --------------------------------------------------------------
devices "list --json (after)" list --json
is "$CRC" 0 "devices list --json after: exit 0" || show
is "$(jout '[.pending[].requestId] | join(" ")')" "$RID_B2" \
    "devices list --json after: only B's new request is pending" || show
is "$(jout '[.paired[] | "\(.deviceId) \(.approvedVia) \(.tokens | map(.role) | join(","))"] | join(" ")')" \
    "$DID_A owner operator" \
    "devices list --json after: A paired by the owner, an operator token" ||
    show
is "$(jout '[.. | objects | has("token")] | any')" false \
    "devices list --json after: no token value" || show

devices "list (after)" list
is "$CRC" 0 "devices list after: exit 0" || show
has "$COUT" "Paired (1)"
ok $? "devices list after: 'Paired (1)'" || show
has "$COUT" "Pending (1)"
ok $? "devices list after: 'Pending (1)'" || show
like "$COUT" "(^|"$'\n'")  $DID_A  " \
    "devices list after: A under 'Full device IDs'" || show

# --- rotate, revoke, remove ----------------------------------------------------------
devices rotate rotate --device "$DID_A" --role operator
is "$CRC" 0 "devices rotate: exit 0" || show
is "$(jout '"\(.deviceId) \(.role) \(.scopes | join(",")) \(.tokenDelivery) \(.rotatedAtMs | type)"')" \
    "$DID_A operator operator.read,operator.write withheld-cross-device number" \
    "devices rotate: the payload (token withheld)" || show
is "$(jout 'has("token")')" false "devices rotate: no token printed" || show
wsr --bind 127.0.0.2 --device-seed "$SEED_A" \
    --connect "$(cparams '.auth={deviceToken:"'"$DT_A"'"}')"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "after rotate: the old device token is refused"
wsr --bind 127.0.0.2 --device-seed "$SEED_A" --connect "$A_PARAMS"
DT_A2=$(resq c1 .payload.auth.deviceToken)
like "$DT_A2" '^[A-Za-z0-9_-]{43}$' "after rotate: A gets the new token"
isnt "$DT_A2" "$DT_A" "after rotate: a different token"

devices revoke revoke --device "$DID_A" --role operator
is "$CRC" 0 "devices revoke: exit 0" || show
is "$(jout '"\(.deviceId) \(.role) \(.revokedAtMs | type)"')" \
    "$DID_A operator number" "devices revoke: the payload" || show
wsr --bind 127.0.0.2 --device-seed "$SEED_A" \
    --connect "$(cparams '.auth={deviceToken:"'"$DT_A2"'"}')"
is "$(resq c1 .error.details.code)" AUTH_DEVICE_TOKEN_MISMATCH \
    "after revoke: the device token is refused"

# a revoked role must be approved again (§7.7 role-upgrade)
wsr --bind 127.0.0.2 --device-seed "$SEED_A" --connect "$A_PARAMS"
is "$(resq c1 '.error.details | "\(.code) \(.reason)"')" \
    "PAIRING_REQUIRED role-upgrade" \
    "after revoke: A with the shared token needs approval again"
RID_A3=$(resq c1 .error.details.requestId)
devices "approve A (role upgrade)" approve "$RID_A3"
is "$CRC" 0 "devices approve of the role upgrade: exit 0" || show
is "$COUT" "Approved $DID_A ($RID_A3)" \
    "devices approve of the role upgrade: 'Approved <deviceId> (<requestId>)'" ||
    show

# A connected while it is removed: its socket is closed 4001
HELD=$TESTDIR/held.out
bg_ws "$HELD" --timeout 120000 --hold 110000 --bind 127.0.0.2 \
    --device-seed "$SEED_A" --connect "$A_PARAMS"
HELD_PID=$BG_PID
wait_lines "$HELD" '"hello-ok"' 1 100 || diag "device A: no hello-ok to hold"
devices "remove A" remove "$DID_A"
is "$CRC" 0 "devices remove: exit 0" || show
is "$COUT" "Removed $DID_A" "devices remove: 'Removed <deviceId>'" || show
wait_lines "$HELD" '"ev":"close"' 1 100
OUT=$(<"$HELD")
is "$(srv_close)" "4001|device removed" \
    "devices remove: A's open connection closed 4001 device removed"
kill "$HELD_PID" 2>/dev/null

devices "remove A again" remove "$DID_A"
is "$CRC" 1 "devices remove of a removed device: exit 1" || show
contains "$CERR" "unknown deviceId"
ok $? "devices remove of a removed device: 'unknown deviceId'" || show

# --- gateway probe --------------------------------------------------------------------
explicit='.targets[] | select(.id == "explicit")'
cli "gateway probe --json" gateway probe --json --url "$URL" --token "$TOKEN"
is "$CRC" 0 "probe --json: exit 0" || show
is "$(jout .ok)" true "probe --json: ok: true" || show
is "$(jout "$explicit | .connect.ok")" true \
    "probe --json: explicit target connect.ok" || show
is "$(jout "$explicit | \"\(.connect.rpcOk) \(.auth.capability)\"")" \
    "false connected_no_operator_scope" \
    "probe --json: device-less probe, scopes cleared as the reference does" ||
    show
is "$(jout '"\(.capability) \(.degraded)"')" \
    "connected_no_operator_scope true" \
    "probe --json: capability, degraded (as the reference)" || show
diag "probe: rpcOk=$(jout "$explicit | .connect.rpcOk")" \
    "capability=$(jout .capability)" \
    "error=$(jout "$explicit | .connect.error")"

stop_daemon

done_testing
