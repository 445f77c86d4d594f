#!/usr/bin/env bash
# Makes sure a Docker engine answers, starting the docker.io dockerd when none does, and that
# members of the docker group may use its socket (the tests run as an unprivileged user).
# Usage: scripts/ci/start-docker.sh   (as root)
# Env:   DOCKERD_LOG (default /var/log/dockerd-ci.log), DOCKERD_START_TIMEOUT_S (default 60)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD=/usr/sbin/dockerd
SOCKET=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/var/log/dockerd-ci.log}
TIMEOUT_S=${DOCKERD_START_TIMEOUT_S:-60}

engine_answers() { docker info >/dev/null 2>&1; }

# dockerd hands its socket to the docker group only if that group exists when it starts.
getent group docker >/dev/null || groupadd --system docker

start_dockerd() {
  [[ -x "$DOCKERD" ]] || ci_die "$DOCKERD is missing: install docker.io"
  ci_log "starting $DOCKERD (log: $LOG)"
  # A session of its own keeps the engine alive after this job's shell exits.
  setsid "$DOCKERD" >"$LOG" 2>&1 </dev/null &
  local pid=$! waited_s=0
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$LOG" >&2 || true
      ci_die "dockerd exited during startup; its log tail is above ($LOG)"
    fi
    if ((waited_s >= TIMEOUT_S)); then
      tail -n 40 "$LOG" >&2 || true
      ci_die "dockerd did not answer within ${TIMEOUT_S}s; its log tail is above ($LOG)"
    fi
    sleep 1
    waited_s=$((waited_s + 1))
  done
  ci_log "dockerd (pid $pid) answered after ${waited_s}s"
}

if engine_answers; then
  ci_log 'a Docker engine already answers; leaving it running'
else
  start_dockerd
fi

# An engine started before the docker group existed owns its socket as root:root only.
if [[ -S "$SOCKET" && "$(stat -c %G "$SOCKET")" != docker ]]; then
  ci_log "giving the docker group access to $SOCKET"
  chgrp docker "$SOCKET"
  chmod 660 "$SOCKET"
fi
docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}' \
  | sed 's/^/[ci] /'
