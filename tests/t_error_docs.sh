#!/bin/bash
# t_error_docs.sh: every error code clawgate can send has an entry in the
# README, and every error names it (issue 10 item 18b; operations.md
# "What users struggle with" #10).
#
# The codes are taken from the sources: every code literal of
# src/worker/errors.c (error.code and details.code), the error codes the
# other worker files and authd's RPCs use, and the "type" of the HTTP
# refusals (src/worker/http.c).  Each must be the id of a heading of
# README.md as GitHub makes it (lower case; letters, digits, "-" and "_"
# kept, other punctuation dropped, spaces to "-", "-1" on a repeat).
# Then real answers of a running gateway carry details.docs naming such
# an anchor.  About 3 s.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

README=$top_srcdir/README.md
SRC=$top_srcdir/src
[ -r "$README" ] && [ -r "$SRC/worker/errors.c" ] ||
    skip_all "README.md or src/worker/errors.c not found"

# GitHub's heading ids (github-slugger), in order, repeats numbered.
anchors()
{
	grep -E '^#{1,6} ' "$README" | sed -E 's/^#+ +//; s/ +#* *$//' |
	    sed -E 's/\[([^]]*)\]\([^)]*\)/\1/g' | tr -d '`*' |
	    tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g' |
	    awk '{ n = seen[$0]++; print n ? $0 "-" n : $0 }'
}

# Every code the gateway can send, one per line.
codes()
{
	{
		# errors.c: all of its upper-case literals are codes.
		grep -oE '"[A-Z][A-Z0-9_]{3,}"' "$SRC/worker/errors.c"
		# Other worker files: err_shape("CODE", ...).
		grep -ohE 'err_shape\(\s*"[A-Z_]+"' "$SRC"/worker/*.c |
		    grep -oE '"[A-Z_]+"'
		grep -ohE '^\s*"[A-Z][A-Z_]{3,}", "' "$SRC"/worker/*.c |
		    grep -oE '"[A-Z_]+"'
		# authd's RPC errors, relayed by the workers.
		grep -ohE '#define E_[A-Z]+\s+"[A-Z_]+"' "$SRC/authd/rpc.c" |
		    grep -oE '"[A-Z_]+"'
		grep -ohE '"code", "[A-Z_]+"' "$SRC/authd/rpc.c" |
		    grep -oE '"[A-Z_]+"$'
		# HTTP refusals with a JSON body: their "type".
		grep -ohE 'type\\":\\"[a-z_]+' "$SRC/worker/http.c" |
		    sed 's/.*"//'
	} | tr -d '"' | sort -u
}

ANCHORS=$(anchors)
CODES=$(codes)
ncodes=$(wc -l <<<"$CODES")
plan $((ncodes + 9))

# The extraction finds what it should (a broken grep must not pass).
for c in AUTH_TOKEN_MISMATCH INVALID_REQUEST proxy_attribution_required; do
	ok "grep -qx '$c' <<<\"\$CODES\"" "the codes taken from the sources include $c"
done

for c in $CODES; do
	a=$(tr 'A-Z' 'a-z' <<<"$c")
	ok "grep -qx '$a' <<<\"\$ANCHORS\"" \
	    "$c has a README entry (README.md#$a)"
done

# --- real answers --------------------------------------------------------
TOKEN=docs-test-token-0123456789
start_daemon '{ gateway: { port: @PORT@, auth: { mode: "token",
    token: "'$TOKEN'" } },
  clawgate: { stateDir: "@STATEDIR@", runDir: "@RUNDIR@" } }'

# has_anchor DOCS: "README.md#ANCHOR" with ANCHOR a heading's id.
has_anchor()
{
	[[ $1 == README.md#* ]] && grep -qx "${1#README.md#}" <<<"$ANCHORS"
}

wsr --connect "$(cparams '.auth={token:"wrong-token"}')"
docs=$(CG_KEEP_DOCS=1 resq c1 .error.details.docs)
is "$docs" "README.md#auth_token_mismatch" \
    "a wrong token: details.docs names the AUTH_TOKEN_MISMATCH entry"
ok "has_anchor '$docs'" "a wrong token: that anchor exists in README.md"
is "$(CG_KEEP_DOCS=1 resq c1 '.error | [.code, .message, .details.code,
    (.details | keys_unsorted | last)] | join("|")')" \
    "INVALID_REQUEST|unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)|AUTH_TOKEN_MISMATCH|docs" \
    "a wrong token: the reference's code and message, docs the last key"
is "$(srv_close)" "1008|unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair the device)" \
    "a wrong token: the reference's close code and reason"

# An error the reference sends without details gets details {docs}.
wsr --connect "$(cparams '.role="admin"' '.auth={token:"'$TOKEN'"}')"
is "$(CG_KEEP_DOCS=1 resq c1 .error)" \
    '{"code":"INVALID_REQUEST","details":{"docs":"README.md#invalid_request"},"message":"invalid role"}' \
    "invalid role: details.docs names the INVALID_REQUEST entry"

# A method error from authd, relayed by the worker.
wsr --connect "$(cparams '.auth={token:"'$TOKEN'"}')" \
    --then 'device.pair.approve {"requestId":"no-such-request"}'
docs=$(CG_KEEP_DOCS=1 q 'select(.ev == "recv" and .json.type == "res" and
    .json.ok == false) | .json.error.details.docs')
ok "has_anchor '$docs'" \
    "a method error from authd carries details.docs with an anchor ($docs)"

