#!/usr/bin/env bash
# Builds the two local images the integration and e2e tests run the sandbox in:
#   sandbox-test-busybox:latest  a static busybox and nothing else (no git, no rg), so tests
#                                 can prove the tools degrade gracefully on a bare image;
#   sandbox-test-debian:latest   Debian bookworm minbase with git, ripgrep, python3 and the
#                                 Node binary at /usr/local/bin/node, so the agent can run a
#                                 Node project's tests inside the sandbox.
# Both are built from local files and Debian's apt repositories only (no Docker Hub), because
# CI machines can reach nothing else. Each image carries a content key in a label; an image
# whose key matches is reused, and the Debian root filesystem is also kept as a tar under
# CACHE_DIR so a fresh engine re-imports it in seconds instead of bootstrapping again.
#
# Usage: scripts/build-test-images.sh [--force]   (run as root; needs mmdebstrap and docker)
# Env:   SANDBOX_TEST_NODE  Node binary to bake into the Debian image (default: node on PATH)
set -euo pipefail
shopt -s inherit_errexit

readonly BUSYBOX_IMAGE=sandbox-test-busybox:latest
readonly DEBIAN_IMAGE=sandbox-test-debian:latest
readonly DEBIAN_BASE_REPO=sandbox-test-debian-base
readonly DEBIAN_SUITE=bookworm
readonly DEBIAN_PACKAGES=git,ripgrep,python3,ca-certificates
readonly CACHE_DIR=/var/cache/sandbox-test-images
readonly KEY_LABEL=sandboxed-agent-action.test-image.key
readonly PURPOSE_LABEL=sandboxed-agent-action.test-image
readonly IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly BUSYBOX_BIN=/bin/busybox

force=false
[[ "${1:-}" == --force ]] && force=true

log() { printf '[build-test-images] %s\n' "$*"; }
die() { printf '[build-test-images] error: %s\n' "$*" >&2; exit 1; }

sha256_of_text() { printf '%s' "$1" | sha256sum | cut -c1-64; }
sha256_of_file() { sha256sum "$1" | cut -c1-64; }

# Prints the key label of an image, or nothing when the image does not exist.
image_key() {
  docker image inspect --format "{{ index .Config.Labels \"$KEY_LABEL\" }}" "$1" 2>/dev/null \
    || true
}

is_current() {
  ! $force && [[ "$(image_key "$1")" == "$2" ]]
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

script_hash=$(sha256_of_file "${BASH_SOURCE[0]}")
# The root filesystem does not depend on Node, so a Node upgrade reuses the cached tar.
debian_base_key=$(sha256_of_text "debian|$script_hash|$DEBIAN_SUITE|$DEBIAN_PACKAGES|$(uname -m)")

build_busybox_image() {
  [[ -x "$BUSYBOX_BIN" ]] || die "$BUSYBOX_BIN is missing: apt-get install busybox-static"
  local key
  key=$(sha256_of_text "busybox|$script_hash|$(sha256_of_file "$BUSYBOX_BIN")")
  if is_current "$BUSYBOX_IMAGE" "$key"; then
    log "$BUSYBOX_IMAGE is current (key ${key:0:12}); reusing it"
    return
  fi
  log "building $BUSYBOX_IMAGE (key ${key:0:12})"
  local root="$scratch/busybox-root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,home,root,workspace,tmp}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  local applet
  # --list-full gives each applet's usual path, so shebangs like /usr/bin/env resolve.
  for applet in $("$BUSYBOX_BIN" --list-full); do
    [[ "$applet" == bin/busybox || -e "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . \
    | docker import --message 'busybox-static test image' \
      --change "ENV PATH=$IMAGE_PATH" --change 'CMD ["/bin/sh"]' \
      --change "LABEL $PURPOSE_LABEL=busybox $KEY_LABEL=$key" \
      - "$BUSYBOX_IMAGE" >/dev/null
  log "built $BUSYBOX_IMAGE"
}

# Bootstraps the Debian root filesystem into the cache unless a tar for this key is there.
ensure_debian_rootfs_tar() {
  local tar_path="$1"
  if [[ -s "$tar_path" ]] && ! $force; then
    log "reusing cached root filesystem $tar_path"
    return
  fi
  command -v mmdebstrap >/dev/null || die 'mmdebstrap is missing: apt-get install mmdebstrap'
  mkdir -p "$CACHE_DIR"
  local partial="$tar_path.partial-$$.tar"
  log "bootstrapping Debian $DEBIAN_SUITE minbase with $DEBIAN_PACKAGES (takes about a minute)"
  # Docs, man pages and translations are dropped: the sandbox never needs them and they
  # slow every import.
  mmdebstrap --quiet --format=tar --variant=minbase --include="$DEBIAN_PACKAGES" \
    --aptopt='Acquire::Retries "3"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_SUITE" "$partial" \
    || { rm -f "$partial"; die 'mmdebstrap failed; see its output above'; }
  # Renamed only when complete, so an interrupted run never leaves a truncated cache entry.
  mv "$partial" "$tar_path"
}

# Prints the tag of the imported Debian base image for the given key, importing it if needed.
ensure_debian_base_image() {
  local key="$1"
  local tag="$DEBIAN_BASE_REPO:${key:0:12}"
  if is_current "$tag" "$key"; then
    log "base image $tag is present; reusing it" >&2
    printf '%s' "$tag"
    return
  fi
  local tar_path="$CACHE_DIR/debian-$key.tar"
  ensure_debian_rootfs_tar "$tar_path" >&2
  log "importing $tar_path as $tag" >&2
  docker import --message "mmdebstrap $DEBIAN_SUITE minbase + $DEBIAN_PACKAGES" \
    --change "ENV PATH=$IMAGE_PATH" --change 'CMD ["/bin/bash"]' \
    --change "LABEL $PURPOSE_LABEL=debian-base $KEY_LABEL=$key" \
    "$tar_path" "$tag" >/dev/null
  printf '%s' "$tag"
}

build_debian_image() {
  local node_bin="${SANDBOX_TEST_NODE:-$(command -v node || true)}"
  [[ -n "$node_bin" && -x "$node_bin" ]] \
    || die 'no Node binary: put node on PATH or set SANDBOX_TEST_NODE'
  node_bin=$(readlink -f "$node_bin")
  local node_version
  node_version=$("$node_bin" --version)
  local base_key=$debian_base_key key
  key=$(sha256_of_text "$base_key|node $node_version")
  if is_current "$DEBIAN_IMAGE" "$key"; then
    log "$DEBIAN_IMAGE is current (key ${key:0:12}, node $node_version); reusing it"
    return
  fi
  log "building $DEBIAN_IMAGE (key ${key:0:12}, node $node_version)"
  local base
  base=$(ensure_debian_base_image "$base_key")
  local context="$scratch/debian-context"
  mkdir -p "$context/rootfs/usr/local/bin" "$context/rootfs/workspace"
  cp "$node_bin" "$context/rootfs/usr/local/bin/node"
  printf 'FROM %s\nCOPY rootfs/ /\n' "$base" >"$context/Dockerfile"
  # The classic builder ships with every engine; BuildKit would need the buildx plugin, which
  # a bare docker client does not have.
  DOCKER_BUILDKIT=0 docker build --quiet \
    --label "$PURPOSE_LABEL=debian" --label "$KEY_LABEL=$key" \
    --tag "$DEBIAN_IMAGE" "$context" >/dev/null
  docker run --rm --network none "$DEBIAN_IMAGE" \
    sh -c 'git --version && rg --version | head -n 1 && python3 --version && node --version' \
    | sed 's/^/[build-test-images]   /'
  log "built $DEBIAN_IMAGE"
}

# Every edit of this script changes the keys, so without this a long-lived machine would keep
# one root filesystem tar (about 200 MB) and one base image per edit.
prune_stale() {
  local current_base_key="$1" path tag
  for path in "$CACHE_DIR"/debian-*.tar; do
    [[ -e "$path" && "$path" != "$CACHE_DIR/debian-$current_base_key.tar" ]] || continue
    log "removing stale cache entry $path"
    rm -f "$path"
  done
  for tag in $(docker image ls --format '{{.Tag}}' "$DEBIAN_BASE_REPO"); do
    [[ "$tag" == "${current_base_key:0:12}" ]] && continue
    log "removing stale image $DEBIAN_BASE_REPO:$tag"
    docker image rm "$DEBIAN_BASE_REPO:$tag" >/dev/null 2>&1 || log "  still in use; kept"
  done
  # Only untagged images with our label: earlier builds that a new one replaced.
  docker image prune --force --filter "label=$PURPOSE_LABEL" >/dev/null
}

docker info >/dev/null 2>&1 || die 'no Docker engine answers; start dockerd first'
build_busybox_image
build_debian_image
prune_stale "$debian_base_key"
