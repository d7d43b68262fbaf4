#!/bin/sh
# install-browser.sh: what the Control UI's browser tests need: Debian's
# Chromium (and its driver) and playwright-core from the npm registry, in
# a cache directory.  Playwright never downloads a browser of its own: the
# tests launch /usr/bin/chromium.
#
# usage: scripts/install-browser.sh [DIR]
#   DIR defaults to $CLAWGATE_BROWSER_DIR, else $HOME/.cache/clawgate-browser.
# On success the only line on stdout is DIR (node_modules/playwright-core is
# under it); progress goes to stderr.  Idempotent; the apt part needs root
# and is skipped when the packages are already there.

set -eu

PLAYWRIGHT_VERSION=1.65.1
PKGS="chromium chromium-driver fonts-dejavu-core"
NPM_TIMEOUT=${CLAWGATE_BROWSER_NPM_TIMEOUT:-600}

die()
{
	echo "install-browser: error: $*" >&2
	exit 1
}

note()
{
	echo "install-browser: $*" >&2
}

if [ -z "${HOME:-}" ] && [ -z "${CLAWGATE_BROWSER_DIR:-}" ] && [ $# -eq 0 ]; then
	die "neither HOME nor CLAWGATE_BROWSER_DIR is set; pass DIR"
fi
DIR=${1:-${CLAWGATE_BROWSER_DIR:-$HOME/.cache/clawgate-browser}}
case $DIR in
/*) ;;
*) DIR=$(pwd)/$DIR ;;
esac

apt_part()
{
	missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
	[ -n "$missing" ] || return 0
	[ "$(id -u)" -eq 0 ] || die "missing:$missing (run as root to install)"
	note "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2 ||
	    { apt-get update -qq >&2 &&
	    apt-get install -y -qq --no-install-recommends $missing >&2; } ||
	    die "apt-get could not install:$missing"
}

pw_version()
{
	node -e '
		try {
			const p = require(process.argv[1]);
			process.stdout.write(String(p.version));
		} catch (e) { }' "$DIR/node_modules/playwright-core/package.json" \
	    2>/dev/null || true
}

npm_part()
{
	[ "$(pw_version)" = "$PLAYWRIGHT_VERSION" ] && return 0
	note "installing playwright-core@$PLAYWRIGHT_VERSION into $DIR"
	for try in 1 2; do
		# No browser download: playwright-core has no install script,
		# and --ignore-scripts makes sure of it.
		if PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout "$NPM_TIMEOUT" \
		    npm install --prefix "$DIR" --ignore-scripts --no-audit \
		    --no-fund --no-update-notifier --loglevel=error \
		    "playwright-core@$PLAYWRIGHT_VERSION" >&2; then
			break
		fi
		note "npm install failed (attempt $try)"
	done
	[ "$(pw_version)" = "$PLAYWRIGHT_VERSION" ] ||
	    die "playwright-core@$PLAYWRIGHT_VERSION is not in $DIR"
}

mkdir -p "$DIR" || die "cannot create $DIR"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$DIR/.install.lock"
	flock -w "$NPM_TIMEOUT" 9 || die "timed out waiting for another install"
fi
apt_part
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing"
npm_part
echo "$DIR"
