#!/usr/bin/env bash
# `make bench`: our daemon and the reference LXCFS side by side, read from inside one limited cgroup.
#
# For each of the 8 view files and each implementation: open+read+close latency (p50/p99) and
# reads/s with 1 and 2 reader threads (target/tools/procread), the daemon's CPU time per read
# (utime+stime delta of /proc/<pid>/stat over that file's runs / reads), and our daemon's VmRSS idle
# and after the run (>= 100,000 reads). Prints a Markdown table; BENCH_OUT=<file> also writes it there.
#
# Knobs (environment): BENCH_SECONDS (per run, default 2), BENCH_ROUNDS (default 3; the table shows
# the median over rounds), BENCH_WARMUP (reads per file and
# implementation before measuring, default 3000), BENCH_FILES (space-separated subset),
# BENCH_OURS_CMD (command that serves a view at the directory given as its last argument; default
# daemon/bin/lxcfs-daemon with LXCFS_MOUNT_PATH), BENCH_MEM (default 256M), BENCH_CPU_QUOTA /
# BENCH_CPU_PERIOD (default 100000/100000 = 1 CPU), BENCH_CPUSET (default: all online CPUs).
# Needs root, FUSE, the reference `lxcfs` and a built tree (`make build`).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
procread="$root/daemon/target/tools/procread"
daemon_script="$root/daemon/bin/lxcfs-daemon"
seconds="${BENCH_SECONDS:-2}"
rounds="${BENCH_ROUNDS:-3}"
warmup="${BENCH_WARMUP:-3000}"
files="${BENCH_FILES:-proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps proc/diskstats sys/devices/system/cpu/online}"
mem_limit="${BENCH_MEM:-256M}"
cpu_quota="${BENCH_CPU_QUOTA:-100000}"
cpu_period="${BENCH_CPU_PERIOD:-100000}"
cpuset="${BENCH_CPUSET:-$(cat /sys/devices/system/cpu/online)}"
min_reads_for_rss=100000

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (FUSE mounts and cgroups)"
[ -x "$procread" ] || die "$procread missing: run 'make build' first"
command -v lxcfs >/dev/null || die "reference lxcfs not installed (apt-get install lxcfs)"
if [ -z "${BENCH_OURS_CMD:-}" ]; then
  [ -f "$root/daemon/target/quarkus-app/quarkus-run.jar" ] || die "daemon not built: run 'make build' first"
fi

id="lxcfs-bench-$$-$RANDOM"
work="$(mktemp -d "/tmp/$id.XXXXXX")"
ours_dir="$work/ours"
ref_dir="$work/lxcfs"
mkdir -p "$ours_dir" "$ref_dir"
ours_pid=""
ref_pid=""
child_pid=""

cg_dirs=()
cleanup() {
  local rc=$?
  set +e
  if [ "$rc" != 0 ]; then
    for l in "$work/ours.log" "$work/lxcfs.log"; do
      [ -s "$l" ] && { echo "bench: --- last lines of $l" >&2; tail -n 20 "$l" >&2; }
    done
    for p in $ours_pid $ref_pid; do
      kill -0 "$p" 2>/dev/null || echo "bench: daemon pid $p is gone" >&2
    done
  fi
  [ -n "$child_pid" ] && kill "$child_pid" 2>/dev/null && wait "$child_pid" 2>/dev/null
  for p in $ours_pid $ref_pid; do
    kill -TERM "$p" 2>/dev/null
  done
  for p in $ours_pid $ref_pid; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for d in "$ours_dir" "$ref_dir"; do
    if mountpoint -q "$d" 2>/dev/null || ! stat "$d" >/dev/null 2>&1; then
      fusermount -u -z "$d" 2>/dev/null || umount -l "$d" 2>/dev/null
    fi
  done
  # Processes that were moved into the bench cgroup are gone by now; remove the cgroups.
  for d in "${cg_dirs[@]:-}"; do
    [ -n "$d" ] && [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  if ! mountpoint -q "$ours_dir" 2>/dev/null && ! mountpoint -q "$ref_dir" 2>/dev/null; then
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- cgroup (v1 or v2)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  cg_version=2
  cg="/sys/fs/cgroup/$id"
  mkdir "$cg"
  cg_dirs=("$cg")
  for c in cpu cpuset memory io pids; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null \
      || echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  done
else
  cg_version=1
  for c in memory cpu cpuacct cpuset blkio pids; do
    [ -d "/sys/fs/cgroup/$c" ] || continue
    # cpu and cpuacct may be co-mounted (cpu,cpuacct): create each directory once.
    d="$(readlink -f "/sys/fs/cgroup/$c")/$id"
    case " ${cg_dirs[*]:-} " in *" $d "*) continue ;; esac
    mkdir "$d"
    cg_dirs+=("$d")
  done
fi


if [ "$cg_version" = 2 ]; then
  echo "$(numfmt --from=iec "$mem_limit")" >"$cg/memory.max"
  echo "$cpu_quota $cpu_period" >"$cg/cpu.max"
  echo "$cpuset" >"$cg/cpuset.cpus"
else
  for d in "${cg_dirs[@]}"; do
    case "$d" in
      */memory/*) echo "$(numfmt --from=iec "$mem_limit")" >"$d/memory.limit_in_bytes" ;;
    esac
    if [ -f "$d/cpu.cfs_quota_us" ]; then
      echo "$cpu_period" >"$d/cpu.cfs_period_us"
      echo "$cpu_quota" >"$d/cpu.cfs_quota_us"
    fi
    if [ -f "$d/cpuset.cpus" ]; then
      echo "$cpuset" >"$d/cpuset.cpus"
      cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
    fi
  done
fi

# in_cgroup <cmd...>: run a command as a member of the bench cgroup (the shell joins every
# controller's cgroup.procs, then execs), in the foreground.
in_cgroup() {
  local rc=0
  sh -c 'for f in $PROCS; do echo $$ >"$f"; done; exec "$@"' in_cgroup "$@" &
  child_pid=$!
  wait "$child_pid" || rc=$?
  child_pid=""
  return $rc
}
export PROCS
PROCS="$(for d in "${cg_dirs[@]}"; do printf '%s/cgroup.procs ' "$d"; done)"

# ---------------------------------------------------------------- daemons
rss_kib_early() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
wait_ready() { # wait_ready <mount dir> <pid> <name> <log>
  local i
  for i in $(seq 600); do
    if head -c1 "$1/proc/meminfo" >/dev/null 2>&1; then return 0; fi
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$4" >&2; die "$3 exited before serving $1"; }
    sleep 0.1
  done
  tail -n 30 "$4" >&2
  die "$3 did not serve $1/proc/meminfo within 60 s"
}

if [ -n "${BENCH_OURS_CMD:-}" ]; then
  # shellcheck disable=SC2086
  $BENCH_OURS_CMD "$ours_dir" >"$work/ours.log" 2>&1 &
else
  # HTTP port 0: a free port, so a daemon already running on this machine does not clash.
  LXCFS_MOUNT_PATH="$ours_dir" QUARKUS_HTTP_PORT=0 "$daemon_script" >"$work/ours.log" 2>&1 &
fi
ours_pid=$!
lxcfs -f --enable-cfs -l -p "$work/lxcfs.pid" "$ref_dir" >"$work/lxcfs.log" 2>&1 &
ref_pid=$!
wait_ready "$ours_dir" "$ours_pid" "our daemon" "$work/ours.log"
wait_ready "$ref_dir" "$ref_pid" "lxcfs" "$work/lxcfs.log"
# The start script execs the keeper, which holds the FUSE connection and runs the JVM: CPU and RSS are the
# JVM's (the keeper is idle: it is not in the request path) plus the keeper's RSS, reported beside.
ours_jvm="$(pgrep -P "$ours_pid" -x java || true)"
ours_jvm="${ours_jvm:-$ours_pid}"
keeper_rss="$( [ "$ours_jvm" != "$ours_pid" ] && rss_kib_early "$ours_pid" || echo 0)"

cpu_ticks() { # utime+stime of a pid, in clock ticks
  local s
  s="$(cat "/proc/$1/stat")"
  s="${s##*) }"   # fields from 3 (state) on; comm may contain spaces
  # shellcheck disable=SC2086
  set -- $s
  echo $(( ${12} + ${13} ))
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz="$(getconf CLK_TCK)"
echo "bench: our JVM pid $ours_jvm (keeper pid $ours_pid, RSS ${keeper_rss} KiB)" >&2

sleep 2
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
ours_rss_idle="$(rss_kib "$ours_jvm")"
ref_rss_idle="$(rss_kib "$ref_pid")"

echo "bench: ours pid $ours_pid at $ours_dir, lxcfs pid $ref_pid at $ref_dir" >&2
echo "bench: cgroup v$cg_version $id: memory $mem_limit, cpu $cpu_quota/$cpu_period, cpuset $cpuset;" \
     "${seconds}s per run, $rounds rounds, warm-up $warmup reads" >&2

declare -A res
total_ours_reads=0
total_ref_reads=0
field() { # field <name> <procread line>
  local k="$1" w
  for w in $2; do [ "${w%%=*}" = "$k" ] && { echo "${w#*=}"; return; }; done
  echo 0
}

# Rounds: every (file, implementation) pair is measured once per round, the implementations in
# alternating order, so that load from elsewhere on the machine hits both alike; the table shows the
# median over the rounds. Warm-up reads (JIT, caches) happen once, before the first round.
for f in $files; do
  for impl in ours lxcfs; do
    if [ "$impl" = ours ]; then dir="$ours_dir"; else dir="$ref_dir"; fi
    in_cgroup "$procread" bench "$dir/$f" 1 "$warmup" >/dev/null
    if [ "$impl" = ours ]; then total_ours_reads=$((total_ours_reads + warmup)); else total_ref_reads=$((total_ref_reads + warmup)); fi
  done
done
for round in $(seq "$rounds"); do
  echo "bench: round $round of $rounds" >&2
  for f in $files; do
    order="ours lxcfs"
    [ $((round % 2)) = 0 ] && order="lxcfs ours"
    for impl in $order; do
      if [ "$impl" = ours ]; then dir="$ours_dir"; pid="$ours_jvm"; else dir="$ref_dir"; pid="$ref_pid"; fi
      c0="$(cpu_ticks "$pid")"
      out1="$(in_cgroup "$procread" bench "$dir/$f" 1 "${seconds}s")"
      out2="$(in_cgroup "$procread" bench "$dir/$f" 2 "${seconds}s")"
      c1="$(cpu_ticks "$pid")"
      echo "  $impl ${out1//$dir\//}" >&2
      echo "  $impl ${out2//$dir\//}" >&2
      ops=$(( $(field ops "$out1") + $(field ops "$out2") ))
      res[$f,$impl,p50]+="$(field p50_us "$out1") "
      res[$f,$impl,p99]+="$(field p99_us "$out1") "
      res[$f,$impl,p50_2]+="$(field p50_us "$out2") "
      res[$f,$impl,rps1]+="$(field ops_per_s "$out1") "
      res[$f,$impl,rps2]+="$(field ops_per_s "$out2") "
      res[$f,$impl,bytes]="$(field bytes "$out1")"
      res[$f,$impl,err]=$(( ${res[$f,$impl,err]:-0} + $(field errors "$out1") + $(field errors "$out2") ))
      res[$f,$impl,ticks]=$(( ${res[$f,$impl,ticks]:-0} + c1 - c0 ))
      res[$f,$impl,ops]=$(( ${res[$f,$impl,ops]:-0} + ops ))
      if [ "$impl" = ours ]; then
        total_ours_reads=$((total_ours_reads + ops))
      else
        total_ref_reads=$((total_ref_reads + ops))
      fi
    done
  done
done
median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for f in $files; do
  for impl in ours lxcfs; do
    for k in p50 p99 p50_2 rps1 rps2; do res[$f,$impl,$k]="$(median "${res[$f,$impl,$k]}")"; done
    res[$f,$impl,cpu]="$(awk -v t="${res[$f,$impl,ticks]}" -v hz="$hz" -v n="${res[$f,$impl,ops]}" 'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')"
  done
done

# RSS "after >= 100,000 reads": top up with meminfo reads if the runs above were too short.
if [ "$total_ours_reads" -lt "$min_reads_for_rss" ]; then
  n=$((min_reads_for_rss - total_ours_reads))
  in_cgroup "$procread" bench "$ours_dir/proc/meminfo" 2 "$n" >/dev/null
  total_ours_reads=$((total_ours_reads + n))
fi
ours_rss_after="$(rss_kib "$ours_jvm")"
ref_rss_after="$(rss_kib "$ref_pid")"
throttled=""
for d in "${cg_dirs[@]}"; do
  [ -f "$d/cpu.stat" ] && throttled="$(awk '{ printf "%s=%s ", $1, $2 }' "$d/cpu.stat")"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

{
  echo "| file | impl | p50 µs (1 reader) | p99 µs (1 reader) | p50 µs (2 readers) | reads/s (1 reader) | reads/s (2 readers) | daemon CPU µs/read | bytes | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for f in $files; do
    for impl in ours lxcfs; do
      echo "| $f | $impl | ${res[$f,$impl,p50]} | ${res[$f,$impl,p99]} | ${res[$f,$impl,p50_2]} | ${res[$f,$impl,rps1]} | ${res[$f,$impl,rps2]} | ${res[$f,$impl,cpu]} | ${res[$f,$impl,bytes]} | ${res[$f,$impl,err]} |"
    done
    echo "| $f | **ours/lxcfs** | $(ratio "${res[$f,ours,p50]}" "${res[$f,lxcfs,p50]}") | $(ratio "${res[$f,ours,p99]}" "${res[$f,lxcfs,p99]}") | $(ratio "${res[$f,ours,p50_2]}" "${res[$f,lxcfs,p50_2]}") | $(ratio "${res[$f,ours,rps1]}" "${res[$f,lxcfs,rps1]}") | $(ratio "${res[$f,ours,rps2]}" "${res[$f,lxcfs,rps2]}") | $(ratio "${res[$f,ours,cpu]}" "${res[$f,lxcfs,cpu]}") | | |"
  done
  echo
  echo "| daemon | RSS idle (MiB) | RSS after run (MiB) | reads served |"
  echo "|---|---:|---:|---:|"
  awk -v a="$ours_rss_idle" -v b="$ours_rss_after" -v n="$total_ours_reads" 'BEGIN { printf "| ours | %.1f | %.1f | %d |\n", a/1024, b/1024, n }'
  awk -v a="$ref_rss_idle" -v b="$ref_rss_after" -v n="$total_ref_reads" 'BEGIN { printf "| lxcfs | %.1f | %.1f | %d |\n", a/1024, b/1024, n }'
  echo
  echo "Reader cgroup: v$cg_version, memory $mem_limit, cpu quota $cpu_quota/$cpu_period, cpuset $cpuset;" \
       "median of $rounds rounds of ${seconds} s per run, after $warmup warm-up reads per file; host: $(nproc --all) CPUs, $(uname -r)."
  [ -n "$throttled" ] && echo "Reader cgroup cpu.stat after the run: $throttled"
  echo "Host load average at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Ratios: latency and CPU lower is better for us (< 1), reads/s higher is better (> 1)."
} | tee "${BENCH_OUT:-/dev/null}"
