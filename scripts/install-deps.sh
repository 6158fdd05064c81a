#!/usr/bin/env bash
# Installs the Debian packages the daemon and its tests use, only when one is missing.
set -euo pipefail
need=()
command -v fusermount >/dev/null 2>&1 || need+=(fuse)
[ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ] || [ -e /lib/x86_64-linux-gnu/libfuse.so.2 ] \
  || ldconfig -p 2>/dev/null | grep -q 'libfuse.so.2' || need+=(libfuse2)
if [ "${LXCFS_RUNTIME_ONLY:-0}" != "1" ]; then
  command -v runc >/dev/null 2>&1 || need+=(runc)
  command -v lxcfs >/dev/null 2>&1 || need+=(lxcfs)
  # The static busybox, by package: Debian's dynamic `busybox` also provides /bin/busybox (and replaces this one).
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  command -v free >/dev/null 2>&1 || need+=(procps)
  # The consumer tier (ConsumerProgramsIT): programs that read the view as users run them.
  /usr/bin/python3 -c 'import psutil' >/dev/null 2>&1 || need+=(python3-psutil)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
  command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
  # The CPU directory's readers: mpstat (sysstat), htop, drawn in a tmux pane; lscpu comes with util-linux.
  command -v mpstat >/dev/null 2>&1 || need+=(sysstat)
  command -v htop >/dev/null 2>&1 || need+=(htop)
  command -v tmux >/dev/null 2>&1 || need+=(tmux)
  command -v unshare >/dev/null 2>&1 && command -v lscpu >/dev/null 2>&1 || need+=(util-linux)
  command -v gcc >/dev/null 2>&1 || need+=(gcc)
  # headers and libc.a: the native re-attach helper and the static reader binary used in runc tests
  [ -e /usr/include/stdio.h ] && [ -e "/usr/lib/$(uname -m)-linux-gnu/libc.a" ] || need+=(libc6-dev)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  # `make bench`: h2load drives the webhook over HTTP/2 (as the API server does) and HTTP/1.1
  command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
  # container images (`make images`, ChartPodsIT): podman builds and runs them; debootstrap makes the base image
  command -v podman >/dev/null 2>&1 || need+=(podman)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v ctr >/dev/null 2>&1 || need+=(containerd)  # the README's `ctr images import`, on a private socket
  # the cgroup v2 VM tier (scripts/vm/): a Debian guest built with debootstrap, booted with qemu (TCG)
  command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
  command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${need[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
