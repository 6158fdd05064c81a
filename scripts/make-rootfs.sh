#!/usr/bin/env bash
# make-rootfs.sh <dir>: a minimal OCI root filesystem for runc, built from this host's own
# binaries (no registry, no network). Contents:
#   - the host's busybox and a symlink per applet (in /bin, never overriding a real tool); busybox-static
#     is what install-deps.sh installs, but a dynamically linked busybox works too (its libraries are copied)
#   - procps free, uptime, top, vmstat; coreutils cat, nproc, sleep, head; glibc getconf; util-linux lscpu
#   - dash as /bin/sh (busybox's shell would run its own `free`, which uses sysinfo(2))
#   - every library `ldd` lists for those binaries and for busybox, and the dynamic loader
#   - terminfo entries dumb, xterm, linux, vt100 (procps top needs "dumb" in batch mode)
#   - empty proc/ sys/ dev/ tmp/ etc/ (+ tiny etc/passwd, etc/group)
# Idempotent (safe to rerun on the same directory) and takes well under a second.
set -euo pipefail

dir="${1:?usage: make-rootfs.sh <dir>}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

busybox=/bin/busybox
[ -x "$busybox" ] || busybox=/usr/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1; then
  echo "make-rootfs: no working busybox on the host (apt-get install busybox-static)" >&2
  exit 1
fi

tools=(free uptime top vmstat cat nproc sleep head getconf lscpu dash)

mkdir -p "$dir"/{bin,usr/bin,lib,lib64,proc,sys,dev,tmp,etc,root,run,var/tmp}
chmod 1777 "$dir/tmp" "$dir/var/tmp"

# copy_file <host path>: copy a file to the same path in the rootfs, following symlinks so that
# the rootfs holds real files, keeping the host's names (libs are found through their sonames).
copy_file() {
  local src="$1" dst="$dir$1"
  mkdir -p "$(dirname "$dst")"
  # cp -L: dereference; -u: skip if the copy is not older (idempotent and fast on rerun).
  cp -Lu --preserve=mode "$src" "$dst"
}

copy_file "$busybox"
[ "$busybox" = /bin/busybox ] || ln -sf "..$busybox" "$dir/bin/busybox"

libs=()
# add_libs <binary>: remember the libraries it needs (none for a static binary: ldd says "not a dynamic
# executable"). ldd prints "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and the loader as
# "/lib64/ld-linux-x86-64.so.2 (0x...)"; vdso lines have no path.
add_libs() {
  local lib
  while read -r lib; do libs+=("$lib"); done < <(ldd "$1" 2>/dev/null | awk '
    $2 == "=>" && $3 ~ /^\// { print $3; next }
    $1 ~ /^\//               { print $1 }')
}

# A dynamically linked busybox (Debian's `busybox` package) needs its libraries too (libresolv, libc, ...).
add_libs "$(readlink -f "$busybox")"

for t in "${tools[@]}"; do
  p="$(command -v "$t")" || { echo "make-rootfs: $t not found on the host" >&2; exit 1; }
  p="$(readlink -f "$p")"
  copy_file "$p"
  # Real tools also get a name in /bin (scripts and `runc spec`'s PATH find them there).
  [ "$(dirname "$p")" = /bin ] || ln -sfn "$p" "$dir/bin/$t"
  add_libs "$p"
done

for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
  copy_file "$lib"
  # Also copy the symlink chain's target name (e.g. /lib64/ld-linux-x86-64.so.2 is a link to
  # /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; the copy above is already a real file at the link's
  # path, which is what the kernel and the loader open).
done

# On merged-/usr hosts `ldd` may print /lib/... while the real file lives in /usr/lib/...; both are
# fine, the loader searches the default paths /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu.

# Terminfo for top: `top -b` asks for the "dumb" terminal; interactive use wants xterm/linux/vt100.
for t in d/dumb x/xterm l/linux v/vt100; do
  for base in /lib/terminfo /usr/share/terminfo; do
    if [ -f "$base/$t" ]; then copy_file "$base/$t"; break; fi
  done
done

# Busybox applets as symlinks, never over a real tool copied above.
while read -r applet; do
  [ -n "$applet" ] || continue
  for d in bin usr/bin; do
    if [ -e "$dir/$d/$applet" ] && [ ! -L "$dir/$d/$applet" ]; then continue 2; fi
  done
  [ -L "$dir/bin/$applet" ] && continue
  ln -s busybox "$dir/bin/$applet"
done < <("$busybox" --list)

# /bin/sh is dash, even if a busybox `sh` symlink exists from an older run.
ln -sfn "$(readlink -f "$(command -v dash)")" "$dir/bin/sh"

[ -f "$dir/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
[ -f "$dir/etc/group" ] || printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
[ -f "$dir/etc/hostname" ] || echo container >"$dir/etc/hostname"
: >>"$dir/etc/hosts"
: >>"$dir/etc/resolv.conf"
