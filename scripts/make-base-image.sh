#!/usr/bin/env bash
# make-base-image.sh <engine>: makes sure the engine has the base image of both Dockerfiles, debian:12-slim.
#   1. already in the engine's local storage (pulled before, or made by an earlier run of this script): nothing to do,
#      so one machine builds it once;
#   2. pullable from a registry: pulled;
#   3. otherwise made here: `debootstrap --variant=minbase bookworm` from the Debian mirror this machine's apt uses
#      (read from /etc/apt/sources.list* at run time), trimmed the way the official slim image is (no docs, man pages,
#      locales or apt lists, and dpkg told to keep them out), imported as localhost/debian:12-slim with a PATH (an
#      imported tarball has no environment; without it nothing in the image is found).
# BASE_IMAGE_REBUILD=1 skips steps 1-2. Needs root and debootstrap for step 3.
set -euo pipefail
engine="${1:?usage: make-base-image.sh <docker|podman>}"
image=debian:12-slim
local_name=localhost/debian:12-slim
suite=bookworm
log() { echo "make-base-image: $*" >&2; }

if [ "${BASE_IMAGE_REBUILD:-0}" != 1 ]; then
  if "$engine" image inspect "$image" >/dev/null 2>&1; then
    exit 0
  fi
  if timeout 60 "$engine" pull "$image" >/dev/null 2>&1; then
    log "pulled $image"
    exit 0
  fi
  log "$image is neither local nor pullable: making it with debootstrap"
fi

command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install debootstrap)"; exit 1; }
[ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }

# The first Debian archive URI of the apt sources whose suites include bookworm itself (not -security/-updates):
# deb822 *.sources (URIs:/Suites: fields) or one-line *.list entries.
mirror_from_apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($(i + 1) == s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" 'function flush() { if (uris != "" && (" " suites " ") ~ (" " s " ") && (" " types " ") ~ / deb / && enabled) {
        split(uris, u, " "); print u[1]; found = 1 } uris = ""; suites = ""; types = ""; enabled = 1 }
      BEGIN { enabled = 1 }
      /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Enabled:[ \t]*no/ { enabled = 0 }
      END { if (!found) flush() }' "$f"
  done
}
mirror="${DEBIAN_MIRROR:-$(mirror_from_apt_sources | head -n 1)}"
[ -n "$mirror" ] || { log "no Debian $suite mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lxcfs-base-image.XXXXXX")"
# On failure debootstrap may leave proc/sys mounted in the tree: detach whatever is mounted under it before deleting,
# and never let rm cross into another file system.
cleanup() {
  grep -o " $work/[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/rootfs"
start=$SECONDS
log "debootstrap --variant=minbase $suite (mirror from this machine's apt sources)"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# apt inside the image uses the same sources as this machine (the mirror and the security suite).
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mkdir -p "$root$(dirname "$f")"
  cp "$f" "$root$f"
done

# What the official slim image does (debuerreotype's slimify and its apt/dpkg settings).
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root"/usr/share/{man,groff,info,lintian,linda}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
  "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* "$root"/tmp/* "$root"/root/.bash_history
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
# Like the real image, /usr/share/man is empty: no man1 (the reason the Dockerfiles create it before a JDK/JRE).
: >"$root/etc/machine-id"
echo "$suite-slim" >"$root/etc/hostname"

tar --numeric-owner -C "$root" -c . | "$engine" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - "$local_name" >/dev/null
log "imported $local_name in $((SECONDS - start)) s"
