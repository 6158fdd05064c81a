#!/usr/bin/env bash
# Sourced by the image scripts (and printed by `scripts/podman-env.sh --print` for tests): a containers.conf for
# podman on a build machine without systemd and without CAP_SYS_RESOURCE, used through CONTAINERS_CONF so that the
# machine's own configuration is never edited.
#   - runtime runc: crun fails on a hybrid cgroup v1 layout;
#   - cgroup_manager cgroupfs, events_logger file: no systemd, no journald;
#   - default_ulimits at the hard limits: podman's defaults (nofile 1048576) are above them and cannot be raised
#     without CAP_SYS_RESOURCE ("error setting rlimit type 7").
# A CONTAINERS_CONF already set by the caller wins. LXCFS_PODMAN_CONF_DIR chooses where the file is written.
lxcfs_podman_env() {
  if [ -n "${CONTAINERS_CONF:-}" ]; then
    return 0
  fi
  local dir="${LXCFS_PODMAN_CONF_DIR:-${TMPDIR:-/tmp}/lxcfs-k8s-podman-$(id -u)}"
  local nofile nproc
  nofile="$(ulimit -Hn)"
  [ "$nofile" = unlimited ] && nofile=1048576
  # nproc: no more than pid_max (a higher value was refused here even below the hard limit)
  nproc="$(cat /proc/sys/kernel/pid_max)"
  local hard_nproc
  hard_nproc="$(ulimit -Hu)"
  if [ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt "$nproc" ]; then nproc="$hard_nproc"; fi
  mkdir -p "$dir"
  cat >"$dir/containers.conf.tmp" <<EOF
# Written by scripts/podman-env.sh (lxcfs-k8s); regenerated on every run.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  mv -f "$dir/containers.conf.tmp" "$dir/containers.conf"
  export CONTAINERS_CONF="$dir/containers.conf"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run, not sourced: print the variable for the caller (e.g. a test) to use.
  set -euo pipefail
  lxcfs_podman_env
  echo "CONTAINERS_CONF=$CONTAINERS_CONF"
fi
