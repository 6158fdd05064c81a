#!/usr/bin/env bash
# `make run`: the daemon serving the view on this machine, with the admission webhook beside it.
#   view:    $LXCFS_MOUNT_PATH (default /var/lib/lxcfs), health/metrics on http://127.0.0.1:9440/q/...
#   webhook: https://127.0.0.1:8443/mutate with a self-signed certificate; the CA file is named in its log
#            (default $LXCFS_WEBHOOK_TLS_DIR = /tmp/lxcfs-webhook-tls/ca.crt). Without a Kubernetes API the webhook
#            runs stand-alone: no policies, only the pod annotation decides.
# Ctrl-C or SIGTERM stops both. LXCFS_RUN_WEBHOOK=false runs the daemon alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export LXCFS_MOUNT_PATH="${LXCFS_MOUNT_PATH:-/var/lib/lxcfs}"
tls_dir="${LXCFS_WEBHOOK_TLS_DIR:-/tmp/lxcfs-webhook-tls}"

pids=()
stop() {
  trap - INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap stop INT TERM

if [ "${LXCFS_RUN_WEBHOOK:-true}" = true ]; then
  webhook/bin/lxcfs-webhook \
    -Dlxcfs.webhook.tls.mode=local \
    -Dlxcfs.webhook.tls.local-dir="$tls_dir" \
    -Dquarkus.http.host=127.0.0.1 \
    -Dlxcfs.webhook.mount-path="$LXCFS_MOUNT_PATH" &
  pids+=($!)
fi

daemon/bin/lxcfs-daemon &
daemon_pid=$!
pids+=("$daemon_pid")

# The daemon is the main job: when it ends, stop the webhook and exit with the daemon's own status.
# A signal interrupts `wait` (the trap forwards it); wait again until the daemon has really ended.
while :; do
  status=0
  wait "$daemon_pid" || status=$?
  kill -0 "$daemon_pid" 2>/dev/null || break
done
stop
wait
exit "$status"
