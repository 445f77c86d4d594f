#!/usr/bin/env bash
# Creates the unprivileged user the tests run as, shaped like a GitHub-hosted runner's user:
# uid and gid 1001, a home folder, and membership of the docker group (engine access without
# root). The sandbox maps the workspace owner into the container, so running the tests as
# root would hide permission bugs users hit.
# Usage: scripts/ci/create-runner-user.sh   (as root)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

USER_NAME=runner
USER_ID=1001

getent group docker >/dev/null || groupadd --system docker

if ! getent group "$USER_NAME" >/dev/null; then
  getent group "$USER_ID" >/dev/null \
    && ci_die "gid $USER_ID is taken by group '$(getent group "$USER_ID" | cut -d: -f1)'"
  groupadd --gid "$USER_ID" "$USER_NAME"
fi

if id -u "$USER_NAME" >/dev/null 2>&1; then
  usermod --append --groups docker "$USER_NAME"
else
  getent passwd "$USER_ID" >/dev/null \
    && ci_die "uid $USER_ID is taken by user '$(getent passwd "$USER_ID" | cut -d: -f1)'"
  useradd --uid "$USER_ID" --gid "$USER_NAME" --groups docker --create-home \
    --shell /bin/bash "$USER_NAME"
fi

actual_id=$(id -u "$USER_NAME")
[[ "$actual_id" == "$USER_ID" ]] || ci_die "user $USER_NAME has uid $actual_id, expected $USER_ID"
ci_log "user: $(id "$USER_NAME")"
