#!/bin/sh
# Create the unprivileged users authd and the workers run as, and their
# empty chroot directory.  Idempotent; run as root.
set -eu
for u in _clawgate _clawgate_auth; do
	id "$u" >/dev/null 2>&1 || useradd --system --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done
mkdir -p -m 0755 /var/empty
chown root:root /var/empty
chmod 0755 /var/empty
