#!/usr/bin/env bash
# build-guest.sh: the Debian bookworm guest of the cgroup v2 VM tier (see docs/vm-tests.md).
# Prints the directory that holds vmlinuz, initrd.img and rootfs.ext4.
#
# The guest is built once per machine and per version of this script: it is cached under
# ${LXCFS_VM_CACHE:-/var/cache/lxcfs-k8s}/guest-<hash of this file>, so editing the script rebuilds it
# and a fresh machine builds it from scratch (debootstrap + the kernel + a JRE: a few minutes).
# The Debian mirror is the one this machine's apt uses (/etc/apt/sources.list*), read at run time.
#
# The guest's PID 1 is scripts/vm/guest-init.sh, read from the build share at boot (not baked in),
# so changing it does not rebuild the image.
set -euo pipefail

self="$(readlink -f "$0")"
cache="${LXCFS_VM_CACHE:-/var/cache/lxcfs-k8s}"
key="$(sha256sum "$self" | cut -c1-16)"
out="$cache/guest-$key"
if [ -f "$out/ready" ]; then
  echo "$out"
  exit 0
fi

# The first Debian archive URI apt is configured with (one-line or deb822 format), not the security one.
mirror="$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
  | awk '/^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }
         /^[[:space:]]*URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
  | { grep -v -- '-security' || true; } | head -n1)"
[ -n "$mirror" ] || { echo "build-guest: no Debian mirror in /etc/apt/sources.list*" >&2; exit 1; }

# What the tests run inside the guest: the daemon (a JRE, libfuse2, fusermount), runc, the tools the view
# tests and scripts/make-rootfs.sh use (procps, busybox-static, dash, coreutils, getconf), kmod for 9p/fuse,
# and the CPU directory's readers of ConsumerProgramsIT: lscpu (util-linux), mpstat (sysstat), htop drawn in a
# tmux pane (terminfo from ncurses-base).
packages=(
  linux-image-amd64 initramfs-tools kmod
  openjdk-17-jre-headless libfuse2 fuse
  runc procps busybox-static util-linux coreutils dash libc-bin ncurses-base
  sysstat htop tmux
)

started=$(date +%s)
mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
# debootstrap mounts proc (and more) inside the tree; never let rm walk into them. (No mount left is the usual
# case: a bare grep would fail there and, under set -e, end the trap before the rm, leaving the tree behind.)
cleanup() {
  { grep -o " $work/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
tree="$work/tree"

echo "build-guest: debootstrap bookworm from $mirror into $tree" >&2
# openjdk's postinst runs update-alternatives for its man pages; the directory must exist.
debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" bookworm "$tree" "$mirror" >&2 \
  || { tail -n 50 "$tree/debootstrap/debootstrap.log" >&2 2>/dev/null; exit 1; }

# Trim what the guest never uses (the image is copied as a sparse file; smaller is faster to build).
chroot "$tree" apt-get clean
rm -rf "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/locale/* "$tree"/var/lib/apt/lists/*
mkdir -p "$tree"/usr/share/man/man1
echo lxcfs-v2-guest >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n' >"$tree/etc/hosts"
# Mount points of the shares and the test tree (the guest's / is read-write on a throw-away overlay).
mkdir -p "$tree"/mnt/build "$tree"/mnt/m2 "$tree"/mnt/results
# PID 1 (init=/sbin/lxcfs-vm-init): mounts the build share and runs the tier's init script from it, so that
# what the guest does is versioned with the tests and not baked into the image.
cat >"$tree/sbin/lxcfs-vm-init" <<'INIT'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
modprobe 9pnet_virtio; modprobe 9p
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 build /mnt/build; then
  exec /bin/sh /mnt/build/scripts/vm/guest-init.sh
fi
echo "lxcfs-vm-init: no build share; powering off"
echo o >/proc/sysrq-trigger
INIT
chmod 755 "$tree/sbin/lxcfs-vm-init"

mkdir -p "$work/out"
cp -L "$tree/vmlinuz" "$work/out/vmlinuz"
cp -L "$tree/initrd.img" "$work/out/initrd.img"
# Root filesystem image: the tree plus ~1 GiB free for the tests' temporary files.
size_mb=$(( $(du -sm "$tree" | cut -f1) + 1024 ))
mkfs.ext4 -q -F -L lxcfs-guest -d "$tree" "$work/out/rootfs.ext4" "${size_mb}M" >&2

rm -rf "$out"
mv "$work/out" "$out"
echo "built in $(( $(date +%s) - started )) s with $mirror" >"$out/ready"
echo "build-guest: $(cat "$out/ready")" >&2
# Older versions of the guest are of no further use.
find "$cache" -maxdepth 1 -name 'guest-*' ! -name "guest-$key" -exec rm -rf {} +
echo "$out"
