#!/bin/sh
# Install what building the Debian package needs (debian/, README
# "Install the package"): the packaging tools and the Build-Depends of
# debian/control.  Idempotent; run as root on Debian 12.
# tests/t_deb.sh runs it when the tools are missing.
set -eu

PKGS="dpkg-dev debhelper fakeroot lintian
pkg-config libev-dev libjansson-dev libseccomp-dev libsodium-dev
libwebsockets-dev libwebsockets-evlib-ev check"

# shellcheck disable=SC2086
CG_DEPS_NAME=install-deb-deps exec sh "$(dirname "$0")/install-deps.sh" $PKGS
