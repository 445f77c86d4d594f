# Shared helpers for the CI scripts; source it, do not run it.
ci_log() { printf '[ci] %s\n' "$*"; }
ci_die() { printf '[ci] error: %s\n' "$*" >&2; exit 1; }
