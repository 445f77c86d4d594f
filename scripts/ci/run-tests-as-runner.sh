#!/usr/bin/env bash
# Runs the README's test command as the unprivileged runner user, the way a GitHub-hosted
# runner would: the clone is only made readable (a test that writes into the source tree is a
# bug), temporary files go to a fresh runner-owned folder, and the environment is rebuilt from
# scratch so nothing of root's leaks in. Exits with the tests' status.
# Usage: scripts/ci/run-tests-as-runner.sh REPO_DIR NPM_CLI [npm test arguments...]
#   NPM_CLI is npm's JavaScript entry point; it runs under the node found first on PATH.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

USER_NAME=runner
repo=$(readlink -f "${1:?usage: run-tests-as-runner.sh REPO_DIR NPM_CLI [args...]}")
npm_cli=${2:?usage: run-tests-as-runner.sh REPO_DIR NPM_CLI [args...]}
shift 2
user_home=$(getent passwd "$USER_NAME" | cut -d: -f6)
[[ -n "$user_home" ]] || ci_die "user $USER_NAME does not exist; run create-runner-user.sh"

# Ancestors such as /root are closed to other users; runner only needs to pass through them.
grant_traversal() {
  local dir="$1"
  while [[ "$dir" != / ]]; do
    # The last mode letter is x, or t for a sticky folder that others may enter.
    if [[ "$(stat -c %A "$dir")" != *[xt] ]]; then
      ci_log "letting other users pass through $dir"
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
}

grant_traversal "$repo"
chmod -R a+rX "$repo"
runuser -u "$USER_NAME" -- test -r "$repo/package.json" \
  || ci_die "$USER_NAME still cannot read $repo/package.json"
# An npm installed under root's home (nvm and the like) would be out of the runner's reach.
runuser -u "$USER_NAME" -- test -r "$npm_cli" \
  || ci_die "$USER_NAME cannot read $npm_cli; install npm system-wide (apt-get install npm)"

tmp_dir=$(mktemp -d /tmp/ci-runner-tmp.XXXXXX)
chown "$USER_NAME:$USER_NAME" "$tmp_dir"
chmod 700 "$tmp_dir"
trap 'rm -rf "$tmp_dir"' EXIT

node_bin=$(command -v node)
runner_path="$(dirname "$node_bin"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
env_vars=(
  "PATH=$runner_path" "HOME=$user_home" "USER=$USER_NAME" "LOGNAME=$USER_NAME"
  "SHELL=/bin/bash" "LANG=C.UTF-8" "TMPDIR=$tmp_dir" "CI=${CI:-true}"
)
[[ -n "${DOCKER_HOST:-}" ]] && env_vars+=("DOCKER_HOST=$DOCKER_HOST")

ci_log "running 'npm test $*' as $(id "$USER_NAME") with TMPDIR=$tmp_dir"
cd "$repo"
status=0
runuser -u "$USER_NAME" -- env -i "${env_vars[@]}" "$node_bin" "$npm_cli" test "$@" || status=$?
ci_log "tests finished with exit status $status"
exit "$status"
