#!/bin/bash
# t_ui.sh: the Control UI (issue 7; protocol.md §11.2-11.3, operations.md
# §3): the files served from memory (types, ETag, CSP, basePath, enabled),
# the fallback signer, and every state of the page end to end in headless
# Chromium (tests/browser/ui_e2e.mjs).
#
# Screenshots of each state go to $CLAWGATE_UI_ARTIFACTS (default
# $top_builddir/tests/artifacts/ui); with CLAWGATE_UPDATE_SCREENSHOTS=1
# they also replace docs/screenshots/.  The browser part needs Debian's
# chromium and playwright-core (scripts/install-browser.sh, which this
# runs when they are missing and it may).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TOKEN=ui-test-token-0123456789abcdefghij
UI_DIR=$top_srcdir/ui
E2E=$top_srcdir/tests/browser/ui_e2e.mjs
BROWSER_DIR=${CLAWGATE_BROWSER_DIR:-${HOME:-/root}/.cache/clawgate-browser}
SHOTS=${CLAWGATE_UI_ARTIFACTS:-$top_builddir/tests/artifacts/ui}
CSP="default-src 'self'; connect-src 'self' ws: wss:; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
RATE_MAX=3

# results CMD...: turn "RESULT ok|fail<TAB>desc" / "DIAG text" lines into
# TAP; WANT (if set) checks are expected, missing ones fail.
results()
{
	local line got=0
	while IFS= read -r line; do
		case $line in
		"RESULT ok"$'\t'*)	ok 0 "${line#*$'\t'}"; got=$((got + 1)) ;;
		"RESULT fail"$'\t'*)	ok 1 "${line#*$'\t'}"; got=$((got + 1)) ;;
		"DIAG "*)		diag "${line#DIAG }" ;;
		*)			[ -n "$line" ] && diag "$line" ;;
		esac
	done < <("$@" 2>&1)
	while [ -n "${WANT:-}" ] && [ "$got" -lt "$WANT" ]; do
		ok 1 "browser check $((got + 1)) of $WANT did not run (the" \
		    "runner stopped; see the diagnostics above)"
		got=$((got + 1))
	done
}

# The served body, compared byte for byte with a file.
same_as()
{
	curl -s --max-time 5 "$1" | cmp -s - "$2"
}

# --- the files as they are in the tree ------------------------------------
# Every <script> has a src, no inline style or handler: the CSP forbids
# them and the page must not need them.
no_inline()
{
	local f=$UI_DIR/index.html
	! grep -Eo '<script[^>]*>' "$f" | grep -vq 'src=' &&
	    ! grep -Eq '<script[^>]*>[^<]*[^[:space:]<]' "$f" &&
	    ! grep -Eiq '<style|[[:space:]]style=|[[:space:]]on[a-z]+=' "$f"
}

# Nothing fetched from elsewhere, no markup built from strings.
self_contained()
{
	! grep -En '(src|href)="(https?:)?//|url\((https?:)?//|import[^;]*"https?:|fetch\(|XMLHttpRequest|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function' \
	    "$UI_DIR"/*.js "$UI_DIR"/*.html "$UI_DIR"/*.css
}

for f in index.html app.js style.css; do
	ok "[ -f '$UI_DIR/$f' ]" "ui/$f exists"
done
no_inline
ok $? "index.html has no inline script, style or event handler"
self_contained
ok $? "the UI loads nothing from elsewhere and builds no markup from strings"

# --- served from memory ---------------------------------------------------
HOP=$(free_port) || bail_out "no free port"
HOP2=$(free_port) || bail_out "no free port"
# The browser also reaches this gateway as lan.test and ratelimit.test
# (ui_e2e.mjs maps both to 127.0.0.1).  Neither is a loopback origin and
# the Host header vouches for nothing, so they are listed, as a user
# would list them (@PORT@: JSON5 form).
start_daemon '{ gateway: { port: @PORT@,
    auth: { mode: "token", token: "'$TOKEN'",
      rateLimit: { maxAttempts: '$RATE_MAX', lockoutMs: 120000 } },
    localPeers: ["127.0.0.1/32"],
    controlUi: { allowedOrigins: ["http://127.0.0.2:'$HOP'",
      "http://lan.test:@PORT@", "http://ratelimit.test:@PORT@"] } },
  clawgate: { stateDir: "@STATEDIR@", runDir: "@RUNDIR@" } }'
BASE="http://127.0.0.1:$PORT"

http_get "$BASE/"
is "$HTTP_STATUS" 200 "GET /: 200"
is "$(hdr content-type)" "text/html; charset=utf-8" "GET /: text/html"
is "$(hdr content-security-policy)" "$CSP" "GET /: the strict CSP"
is "$(hdr cache-control)" no-cache "GET /: Cache-Control no-cache (revalidate)"
is "$(hdr x-frame-options)" DENY "GET /: X-Frame-Options DENY"
ETAG=$(hdr etag)
like "$ETAG" '^"[0-9a-f]{16}"$' "GET /: a strong ETag"
like "$HTTP_BODY" 'src="/app.js"' "GET /: assets from the root (basePath \"\")"
ok "! grep -q '{{BASE}}' <<<\"\$HTTP_BODY\"" "GET /: no marker left in the page"
LEN=$(hdr content-length)

http_get -H "If-None-Match: $ETAG" "$BASE/"
is "$HTTP_STATUS" 304 "GET / with If-None-Match: 304"
is "$HTTP_BODY" "" "304: no body"
is "$(hdr etag)" "$ETAG" "304: the same ETag"
http_get -H "If-None-Match: \"0000000000000000\", W/$ETAG" "$BASE/"
is "$HTTP_STATUS" 304 "If-None-Match list with a weak match: 304"
http_get -H 'If-None-Match: "0000000000000000"' "$BASE/"
is "$HTTP_STATUS" 200 "If-None-Match that does not match: 200"

http_get -I "$BASE/"
is "$HTTP_STATUS" 200 "HEAD /: 200"
is "$(hdr content-length)" "$LEN" "HEAD /: the same Content-Length"

JS="text/javascript; charset=utf-8"
for f in "app.js|$JS" "ed25519.js|$JS" "style.css|text/css; charset=utf-8" \
    "favicon.svg|image/svg+xml"; do
	http_get "$BASE/${f%%|*}"
	is "$HTTP_STATUS $(hdr content-type)" "200 ${f#*|}" \
	    "GET /${f%%|*}: 200, ${f#*|}"
done
ok "same_as '$BASE/app.js' '$UI_DIR/app.js'" "GET /app.js: the file, byte for byte"
ok "same_as '$BASE/gateway.js' '$UI_DIR/gateway.js'" \
    "GET /gateway.js: the file, byte for byte"

for path in '/chat?session=main' /nonexistent/deeper/path /index.html; do
	http_get "$BASE$path"
	is "$HTTP_STATUS $(hdr etag)" "200 $ETAG" "GET $path: the page itself"
done
for path in /nope.js /x/app.css /healthz/x /readyz/deeper /__openclaw__ \
    /__openclaw__/worker /.hidden; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 404 "GET $path: 404"
done
http_get "$BASE/healthz"
is "$HTTP_STATUS $HTTP_BODY" '200 {"ok":true,"status":"live"}' \
    "probes are untouched"
http_get -X POST -d x "$BASE/"
is "$HTTP_STATUS" 405 "POST /: 405"

# --- the fallback signer -------------------------------------------------
have_node=0
command -v node >/dev/null 2>&1 && have_node=1
if [ $have_node = 1 ]; then
	WANT=6 results node "$top_srcdir/tests/browser/ed25519_vectors.mjs" \
	    "$UI_DIR"
else
	skip 6 "node is not installed"
fi

# --- the browser ---------------------------------------------------------
have_browser()
{
	[ $have_node = 1 ] && [ -x /usr/bin/chromium ] &&
	    [ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]
}
if ! have_browser && [ "$(id -u)" = 0 ] && [ $have_node = 1 ]; then
	diag "installing the browser test dependencies"
	"$top_srcdir/scripts/install-browser.sh" "$BROWSER_DIR" >/dev/null 2>&1 ||
	    diag "scripts/install-browser.sh failed"
fi
CLI=
[ -x "$top_builddir/clawgate" ] && CLI=$top_builddir/clawgate

e2e()
{
	CG_PORT=$PORT CG_TOKEN=$TOKEN CG_HOP=$HOP CG_HOP2=$HOP2 \
	    CG_RATE_MAX=$RATE_MAX CG_CLI=$CLI CG_CONF=$DAEMON_CONF \
	    CG_SOCKET=$DAEMON_DIR/run/clawgated.sock CG_SHOTS=$SHOTS \
	    CG_BROWSER_DIR=$BROWSER_DIR CG_BASE=${CG_BASE:-} \
	    timeout 400 node "$E2E" "$@"
}

if have_browser; then
	rm -rf "$SHOTS"
	WANT=$(node "$E2E" --count main) results e2e main
	if [ "${CLAWGATE_UPDATE_SCREENSHOTS:-0}" = 1 ]; then
		mkdir -p "$top_srcdir/docs/screenshots"
		cp "$SHOTS"/*.png "$top_srcdir/docs/screenshots/"
		diag "screenshots copied to docs/screenshots/"
	fi
	diag "screenshots: $SHOTS"
else
	BROWSER_SKIP="no headless Chromium with playwright-core (run" \
	BROWSER_SKIP="$BROWSER_SKIP scripts/install-browser.sh as root)"
	skip "$([ $have_node = 1 ] && node "$E2E" --count main || echo 1)" \
	    "$BROWSER_SKIP"
fi

# --- gateway.controlUi.basePath ------------------------------------------
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" },
    "controlUi": { "basePath": "/openclaw" } } }'
BASE="http://127.0.0.1:$PORT"
for path in /openclaw /openclaw/ '/openclaw/chat?session=main'; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 200 "basePath: GET $path: 200"
done
like "$HTTP_BODY" 'src="/openclaw/app.js"' "basePath: assets under the prefix"
like "$HTTP_BODY" 'data-base-path="/openclaw"' "basePath: the page knows it"
http_get "$BASE/openclaw/app.js"
is "$HTTP_STATUS $(hdr content-type)" "200 $JS" "basePath: GET /openclaw/app.js"
for path in / /app.js /openclawx /chat; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 404 "basePath: GET $path outside the prefix: 404"
done
http_get "$BASE/readyz"
is "$HTTP_STATUS" 200 "basePath: probes stay at the root"
if have_browser; then
	CG_BASE=/openclaw WANT=$(node "$E2E" --count base) results e2e base
else
	skip "$([ $have_node = 1 ] && node "$E2E" --count base || echo 1)" \
	    "${BROWSER_SKIP:-no browser}"
fi

# --- gateway.controlUi.enabled false -------------------------------------
start_daemon '{ "gateway": { "auth": { "mode": "token", "token": "'$TOKEN'" },
    "controlUi": { "enabled": false } } }'
BASE="http://127.0.0.1:$PORT"
for path in / /app.js /chat; do
	http_get "$BASE$path"
	is "$HTTP_STATUS" 404 "disabled: GET $path: 404"
done
http_get "$BASE/healthz"
is "$HTTP_STATUS" 200 "disabled: probes still answer"

done_testing
