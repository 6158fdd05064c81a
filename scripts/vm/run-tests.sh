#!/usr/bin/env bash
# run-tests.sh: boots the cgroup v2 guest (scripts/vm/build-guest.sh) under qemu and runs JUnit tests in it.
#
# Environment (CgroupV2VmIT sets it):
#   LXCFS_VM_RESULTS    directory for the results (emptied first): junit/*.xml, launcher.log, guest.log,
#                       console.log, exit-code
#   LXCFS_VM_CLASSPATH  the test classpath (paths under the repository and the local Maven repository)
#   LXCFS_VM_SELECTORS  JUnit console launcher selectors, e.g. "--select-class=a.B --select-class=a.C"
#   LXCFS_VM_JAVA_PROPS -D options for the test JVM in the guest
#   LXCFS_VM_M2         the local Maven repository (default ~/.m2/repository)
#   LXCFS_VM_TIMEOUT    seconds before the guest is killed (default 1500)
#   LXCFS_VM_MEMORY     guest memory in MiB (default 3584); LXCFS_VM_CPUS (default 2)
#   LXCFS_VM_DEBUG      1: thread dumps of the guest's JVMs every 30 s (progress.log shows its processes anyway)
# Exits with the launcher's exit code (0: all passed), or 125 when the guest produced no result.
#
# The guest: Debian 12's kernel booted with a pure cgroup v2 hierarchy (cgroup_no_v1=all), software
# emulation (TCG; the nested /dev/kvm here does not run a stock kernel), the repository and the Maven
# repository shared read-only over 9p at their host paths, a throw-away overlay over the root disk and a
# second disk as swap.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
results="${LXCFS_VM_RESULTS:?}"
m2="${LXCFS_VM_M2:-$HOME/.m2/repository}"
timeout_s="${LXCFS_VM_TIMEOUT:-1500}"

t0=$(date +%s)
guest="$("$repo/scripts/vm/build-guest.sh")"
t1=$(date +%s)
echo "run-tests: guest $guest ready in $(( t1 - t0 )) s ($(cat "$guest/ready"))"

rm -rf "$results"
mkdir -p "$results/junit"
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "REPO=$(q "$repo")"
  echo "M2=$(q "$(cd "$m2" && pwd)")"
  echo "CLASSPATH=$(q "${LXCFS_VM_CLASSPATH:?}")"
  echo "SELECTORS=$(q "${LXCFS_VM_SELECTORS:?}")"
  echo "JAVA_PROPS=$(q "${LXCFS_VM_JAVA_PROPS:-}")"
  echo "DEBUG=$(q "${LXCFS_VM_DEBUG:-}")"
} >"$results/run.env"

swap="$(mktemp /tmp/lxcfs-vm-swap.XXXXXX)"
trap 'rm -f "$swap"' EXIT
truncate -s 1G "$swap"

# snapshot=on: the cached image is never written; the guest's writes go to a temporary overlay.
set +e
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
  -nodefaults -machine q35 -accel tcg,thread=multi -cpu max -device virtio-rng-pci \
  -smp "${LXCFS_VM_CPUS:-2}" -m "${LXCFS_VM_MEMORY:-3584}" \
  -display none -monitor none -no-reboot -nic none \
  -serial "file:$results/console.log" \
  -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all init=/sbin/lxcfs-vm-init" \
  -drive "file=$guest/rootfs.ext4,format=raw,if=virtio,snapshot=on" \
  -drive "file=$swap,format=raw,if=virtio" \
  -virtfs "local,path=$repo,mount_tag=build,security_model=none,readonly=on" \
  -virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on" \
  -virtfs "local,path=$m2,mount_tag=m2,security_model=none,readonly=on" \
  -virtfs "local,path=$results,mount_tag=results,security_model=none"
qemu_rc=$?
set -e
t2=$(date +%s)
echo "run-tests: guest ran $(( t2 - t1 )) s (qemu exit $qemu_rc)"
[ -f "$results/guest.log" ] && sed 's/^/  /' "$results/guest.log"
if [ ! -f "$results/exit-code" ]; then
  echo "run-tests: the guest left no result; console:" >&2
  tail -n 40 "$results/console.log" >&2 || true
  exit 125
fi
exit "$(cat "$results/exit-code")"
