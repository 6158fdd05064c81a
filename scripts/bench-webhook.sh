#!/usr/bin/env bash
# Admission latency of the webhook over HTTPS at fixed request rates (default 100, 500, 1000 req/s).
# Starts the built webhook locally (local TLS mode, a free port), drives it with scripts/WebhookLoad.java (open loop,
# latency from each request's scheduled send time), prints a table, the webhook's RSS, and stops it.
# Usage: scripts/bench-webhook.sh [--rates 100,500,1000] [--seconds 20] [--warmup 30]
# Needs: a built webhook (mvn -B -ntp -pl crds,webhook -am package -DskipTests), JDK 17, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=webhook/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "build first: mvn -B -ntp -pl crds,webhook -am package -DskipTests" >&2; exit 1; }
port="${BENCH_WEBHOOK_PORT:-18443}"
tlsdir="$(mktemp -d)"
log="$tlsdir/webhook.log"
JAVA_OPTS="-Dlxcfs.webhook.tls.mode=local -Dlxcfs.webhook.tls.local-dir=$tlsdir -Dquarkus.http.ssl-port=$port \
  -Dquarkus.http.host=127.0.0.1 -Dlxcfs.webhook.policies.enabled=false ${JAVA_OPTS:-}" \
  webhook/bin/lxcfs-webhook >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tlsdir"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if curl -fsS --cacert "$tlsdir/ca.crt" "https://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
echo "webhook pid $pid on https://127.0.0.1:$port/mutate ($(nproc) CPUs shared by webhook and load generator)"
rc=0
java -XX:+UseSerialGC -Xmx512m -Xmn256m scripts/WebhookLoad.java --url "https://127.0.0.1:$port/mutate" \
  --ca "$tlsdir/ca.crt" --warmup 30 "$@" || rc=$?
echo "webhook RSS after the run: $(( $(awk '/VmRSS/{print $2}' /proc/$pid/status) / 1024 )) MiB"
metrics="$(curl -fsS --cacert "$tlsdir/ca.crt" "https://127.0.0.1:$port/q/metrics")"
echo "$metrics" | grep -E '^lxcfs_webhook_(admissions_total|mutations_total)' || true
# server-side time (parse, decide, mutate, diff, serialise; no TLS/HTTP), all requests including warm-up
echo "$metrics" | awk -F'[{}"]' '/^lxcfs_webhook_admission_seconds_bucket/ {le[n]=$3; split($0,f," "); c[n++]=f[2]}
  /^lxcfs_webhook_admission_seconds_count/ {split($0,f," "); total=f[2]}
  END { for (q=50; q<=99; q+=49) { for (i=0;i<n;i++) if (c[i] >= total*q/100) { printf "server-side p%d <= %.3f ms\n", q, le[i]*1000; break } } }'

exit $rc
