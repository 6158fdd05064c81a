#!/bin/sh
# guest-init.sh: what the cgroup v2 guest does after boot (run by its PID 1, /sbin/lxcfs-vm-init, from the
# read-only build share). It prepares a node as a kubelet on cgroup v2 finds it, runs the JUnit console
# launcher on the host's test classpath and writes the reports to the results share, then powers off.
#
# The host (scripts/vm/run-tests.sh) leaves results/run.env: REPO, M2 (host paths of the shares, mounted at
# the same paths here so the classpath works unchanged), CLASSPATH, SELECTORS, JAVA_PROPS.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

say() { echo "guest-init: $*"; }
finish() {
  sync
  say "powering off"
  echo o >/proc/sysrq-trigger
  sleep 60
}

mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# The unified hierarchy as systemd mounts it on a v2 node (cgroup_no_v1=all: no v1 hierarchy can exist).
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
modprobe fuse
mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
busybox ip link set lo up
hostname lxcfs-v2-guest

if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /mnt/results; then
  say "no results share"; finish
fi
log=/mnt/results/guest.log
exec >>"$log" 2>&1
say "kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
say "cgroup mount: $(grep cgroup /proc/mounts)"
say "root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

. /mnt/results/run.env
mkdir -p "$REPO" "$M2"
# cache=loose: the shares do not change while the guest runs, and without a cache every path lookup is a
# 9p round trip (emulated): the JVM alone spent 30 s canonicalizing its classpath.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 repo "$REPO"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 m2 "$M2"

# Swap: the second disk (memory.swap.max means something only when the node has swap).
if [ -b /dev/vdb ]; then
  mkswap /dev/vdb >/dev/null && swapon /dev/vdb
fi
say "swap: $(tail -n +2 /proc/swaps)"

# The kubelet (and systemd before it) delegates these controllers from the root down.
echo "+cpuset +cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
say "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

cd "$REPO/daemon" || finish
# Progress for whoever watches a run from the host (the launcher's report comes at the end).
( while sleep 30; do
    echo "== $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    ps -eo pid,etimes,stat,args --sort=pid | grep -E 'java|runc|unshare|sleep|dd ' | grep -v grep | cut -c1-200
    # LXCFS_VM_DEBUG=1: thread dumps of the JVMs into their output (launcher.log, the daemons' logs).
    [ -n "${DEBUG:-}" ] && pkill -QUIT -x java
  done ) >/mnt/results/progress.log 2>&1 &
# Under TCG every JIT compilation is emulated: C1 only (for the daemons the tests start too, via JAVA_OPTS).
export JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
started=$(date +%s)
# JAVA_PROPS are the failsafe system properties of the host's run (daemon jar, start script, tools).
# shellcheck disable=SC2086
java -Xmx512m $JAVA_OPTS $JAVA_PROPS -cp "$CLASSPATH" org.junit.platform.console.ConsoleLauncher execute \
  --disable-banner --details=tree --disable-ansi-colors \
  --reports-dir=/mnt/results/junit $SELECTORS >/mnt/results/launcher.log 2>&1
rc=$?
say "launcher exit $rc after $(( $(date +%s) - started )) s"
echo "$rc" >/mnt/results/exit-code
finish
