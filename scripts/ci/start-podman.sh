#!/usr/bin/env bash
# Makes sure Podman's Docker-compatible API service answers on its rootful socket, that members
# of the podman group (the runner user among them) may use it, and that Podman has the same
# sandbox test images as Docker. Podman keeps its own image store, so each image is copied over
# with `docker save | podman load`, and only when Podman's copy has a different image id.
#
# Why rootful: this machine has cgroup v1, where a rootless Podman accepts memory, CPU and pids
# limits and then ignores them (the action refuses such an engine). A rootful service whose
# socket belongs to a group is also how the docker group reaches Docker here.
#
# Usage: scripts/ci/start-podman.sh   (as root, after create-runner-user.sh and
#        build-test-images.sh)
# Env:   PODMAN_LOG (default /var/log/podman-service-ci.log), PODMAN_START_TIMEOUT_S (default 30)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOCKET_DIR=/run/podman
SOCKET=$SOCKET_DIR/podman.sock
GROUP=podman
USER_NAME=runner
LOG=${PODMAN_LOG:-/var/log/podman-service-ci.log}
TIMEOUT_S=${PODMAN_START_TIMEOUT_S:-30}
IMAGES=(sandbox-test-busybox:latest sandbox-test-debian:latest)

service_answers() {
  [[ -S "$SOCKET" ]] && timeout 10 podman --remote --url "unix://$SOCKET" info >/dev/null 2>&1
}

install_podman() {
  command -v podman >/dev/null && return 0
  ci_log 'installing podman'
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Recommends would add rootless networking (slirp4netns) and fuse-overlayfs: a rootful
  # service with network none needs neither.
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 podman \
    || ci_die 'apt-get install podman failed'
}

start_service() {
  mkdir -p "$SOCKET_DIR"
  rm -f "$SOCKET"
  ci_log "starting podman system service --time=0 on $SOCKET (log: $LOG)"
  # --time=0: the default 5 s idle timeout would end the service between test files. A
  # session of its own keeps it alive after this job's shell exits.
  setsid podman system service --time=0 "unix://$SOCKET" >"$LOG" 2>&1 </dev/null &
  local pid=$! waited_s=0
  until service_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG" >&2 || true
      ci_die "podman system service exited during startup; its log tail is above ($LOG)"
    fi
    ((waited_s < TIMEOUT_S)) || ci_die "podman did not answer within ${TIMEOUT_S}s (log: $LOG)"
    sleep 1
    waited_s=$((waited_s + 1))
  done
  ci_log "podman system service (pid $pid) answered after ${waited_s}s"
}

grant_group_access() {
  getent group "$GROUP" >/dev/null || groupadd --system "$GROUP"
  if id -u "$USER_NAME" >/dev/null 2>&1; then usermod --append --groups "$GROUP" "$USER_NAME"; fi
  chgrp "$GROUP" "$SOCKET_DIR" "$SOCKET"
  chmod 750 "$SOCKET_DIR"
  chmod 660 "$SOCKET"
}

# Docker prints sha256:<hex>, Podman the bare hex; both name the same image config.
image_id() { "$1" image inspect --format '{{.Id}}' "$2" 2>/dev/null | sed 's/^sha256://' || true; }

copy_images() {
  local image docker_id
  for image in "${IMAGES[@]}"; do
    docker_id=$(image_id docker "$image")
    [[ -n "$docker_id" ]] || ci_die "Docker has no $image: run build-test-images.sh first"
    if [[ "$(image_id podman "$image")" == "$docker_id" ]]; then
      ci_log "podman has $image (${docker_id:0:12}); reusing it"
      continue
    fi
    ci_log "copying $image (${docker_id:0:12}) from Docker to Podman"
    # Podman stores a short name as localhost/NAME:TAG and resolves NAME:TAG to it.
    docker save "$image" | podman load --quiet >/dev/null
  done
  # Replaced copies leave untagged images behind; only those with the test-image label go.
  podman image prune --force --filter label=sandboxed-agent-action.test-image >/dev/null
}

install_podman
if service_answers; then
  ci_log "a Podman service already answers on $SOCKET; leaving it running"
else
  start_service
fi
grant_group_access
copy_images
podman version --format '{{.Server.Version}}, API {{.Server.APIVersion}}' \
  | sed 's/^/[ci] podman /'
