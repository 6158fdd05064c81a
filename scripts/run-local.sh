#!/usr/bin/env bash
# `make run`: the daemon in the foreground on this machine. Ctrl-C / SIGTERM unmounts and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
export LXCFS_MOUNT_PATH="${LXCFS_MOUNT_PATH:-/var/lib/lxcfs}"
exec daemon/bin/lxcfs-daemon
