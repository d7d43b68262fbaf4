#!/bin/sh
# fuzz/seeds.sh: (re)build the text seed corpora under fuzz/corpus from
# the recorded reference transcripts and the sample configurations.
# The binary corpora (ipc, authreq, store, rpc) come from fuzz/mkseeds,
# which `make fuzz-seeds' builds and runs after this script.
#
#   fuzz/seeds.sh [TRANSCRIPTS_DIR]   (default ../shared/peer/transcripts)
#
# The corpora are committed: CI does not need the transcripts.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
tr=${1:-$top/../shared/peer/transcripts}
out=$here/corpus
command -v jq >/dev/null || { echo "seeds.sh: jq is required" >&2; exit 1; }
[ -d "$tr" ] || { echo "seeds.sh: no transcripts in $tr" >&2; exit 1; }
mkdir -p "$out/connect" "$out/frame" "$out/config"

# Every text frame a client sent: the first frames (connect) seed the
# first-frame parser, all of them the post-connect frame check.
for f in "$tr"/*.json; do
	base=$(basename "$f" .json)
	jq -c '.cases[]?.events[]? | select(.dir == "out" and .kind == "text")
	    | if .json != null then (.json | tojson) else .text end' "$f" |
	    jq -r '.' | {
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			printf '%s' "$line" > "$out/frame/$base-$n.json"
			case $line in
			*'"method":"connect"'*)
				printf '%s' "$line" > "$out/connect/$base-$n.json" ;;
			esac
		done
	}
done

# Edge cases the transcripts do not have (see protocol.md §1.4, §2.4).
printf '%s' 'not json' > "$out/connect/edge-not-json"
printf '%s' '[]' > "$out/connect/edge-array"
printf '%s' '{"type":"req","id":"1","method":"health"}' > "$out/connect/edge-not-connect"
printf '%s' '{"type":"req","id":"c1","method":"connect","params":{"minProtocol":1,"maxProtocol":2,"client":{"id":"cli","mode":"cli","platform":"linux","version":"1"}}}' > "$out/connect/edge-protocol"
printf '%s' '{"type":"req","id":"c1","method":"connect","params":{"minProtocol":4,"maxProtocol":4,"role":"god","client":{"id":"cli","mode":"cli","platform":"linux","version":"1"}}}' > "$out/connect/edge-role"
printf '%s' '{"type":"req","id":"c1","method":"connect","params":{"minProtocol":4,"maxProtocol":4,"client":{"id":"cli","mode":"cli","platform":"linux","version":"1","displayName":"a\u0000b"},"auth":{"token":"t\u0000k"}}}' > "$out/connect/edge-nul"

# Configurations: the sample, the man page examples, and the config
# test's cases.
cp "$top/etc/clawgate.json5.sample" "$out/config/sample.json5"
awk '/^\.Bd -literal/ { n++; on = 1; next } /^\.Ed/ { on = 0; next }
    on { print > (dir "/man-" n ".json5") }' dir="$out/config" \
    "$top/man/clawgated.conf.5"
printf '%s' '{ gateway: { port: 18789 ' > "$out/config/truncated.json5"
printf '%s' "{ gateway: { bind: 'lan', auth: { mode: 'none' } } }" > "$out/config/none-lan.json5"
printf '%s' '{ gateway: { auth: { mode: "token", token: "${FUZZ_TOKEN}" }, trustedProxies: ["127.0.0.1/32", "::1"], localPeers: ["10.0.0.0/8"], controlUi: { basePath: "/ui", allowedOrigins: ["https://a.example"] } }, clawgate: { workers: 2, stateDir: "/tmp/x", runDir: "/tmp/y" } }' > "$out/config/full.json5"
printf '%s' '{ "gateway": { "auth": { "token": "${FUZZ_EMPTY}" } } }' > "$out/config/env-empty.json5"
echo "seeds.sh: $(ls "$out/connect" | wc -l) connect, $(ls "$out/frame" | wc -l) frame, $(ls "$out/config" | wc -l) config seeds"
