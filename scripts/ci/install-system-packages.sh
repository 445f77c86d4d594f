#!/usr/bin/env bash
# Installs the Debian packages CI needs, skipping the apt round trip when all are present.
# Usage: scripts/ci/install-system-packages.sh   (as root)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# docker.io brings the engine (dockerd); mmdebstrap and busybox-static build the test images;
# mount is what mmdebstrap uses to set up its chroot.
PACKAGES=(docker.io mmdebstrap busybox-static git unzip uidmap ca-certificates mount)

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  is_installed "$package" || missing+=("$package")
done
# The Node 24 npm package carries no npm, so npm comes from the machine; Debian's is the
# fallback when the image has none.
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]} == 0)); then
  ci_log "all system packages present: ${PACKAGES[*]}"
  exit 0
fi

ci_log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Package scripts must not start services: this job starts dockerd itself, with known flags and
# a log file, and a machine without an init system would fail the install otherwise.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=true
fi
status=0
apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" || status=$?
$created_policy && rm -f "$policy"
((status == 0)) || ci_die "apt-get install failed (exit $status)"
