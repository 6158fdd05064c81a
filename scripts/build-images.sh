#!/usr/bin/env bash
# Builds the two container images (daemon/Dockerfile, webhook/Dockerfile) with docker or podman.
#   IMAGE_REGISTRY (default ghcr.io/lxcfs-k8s), IMAGE_TAG (default: chart/Chart.yaml appVersion),
#   CONTAINER_ENGINE (docker|podman; default: the first one whose engine answers),
#   LXCFS_REATTACH (the native re-attach helper; default daemon/target/lxcfs-reattach),
#   SKIP_MAVEN=1 (use the jars already in */target/quarkus-app), IMAGE_BUILD_OPTS (more build options, e.g.
#   "--build-arg JDK_VERSION=..." when the pinned Debian versions are gone from the mirror).
# The base image debian:12-slim is pulled, or made here when no registry answers (scripts/make-base-image.sh; kept in
# the engine's storage, so one machine makes it once). podman runs with the containers.conf of scripts/podman-env.sh.
# Fails (exit 2) with an explanation when no engine works: a CLI without a running engine (e.g. docker without
# dockerd) cannot build images, and silently skipping would look like success.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/podman-env.sh
. scripts/podman-env.sh

registry="${IMAGE_REGISTRY:-ghcr.io/lxcfs-k8s}"
tag="${IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' chart/Chart.yaml)}"

engine=""
tried=()
for e in ${CONTAINER_ENGINE:-docker podman}; do
  if ! command -v "$e" >/dev/null 2>&1; then
    tried+=("$e: not installed")
  elif ! out="$("$e" info 2>&1 >/dev/null)"; then
    tried+=("$e: installed, but its engine does not answer ($(printf '%s' "$out" | head -n 1))")
  else
    engine="$e"
    break
  fi
done
if [ -z "$engine" ]; then
  {
    echo "make images: no working container engine, no image was built."
    for t in "${tried[@]}"; do echo "  - $t"; done
    echo "Start dockerd (or install podman), or set CONTAINER_ENGINE, then run 'make images' again."
    echo "The chart and its tests do not need the images; a cluster pulls ${registry}/lxcfs-{daemon,webhook}:${tag}."
  } >&2
  exit 2
fi

if [ "${SKIP_MAVEN:-0}" != 1 ]; then
  ${MVN:-mvn -B -ntp} -pl daemon,crds,webhook -am -DskipTests package
fi
for app in daemon webhook; do
  [ -f "$app/target/quarkus-app/quarkus-run.jar" ] || { echo "missing $app/target/quarkus-app (build failed?)" >&2; exit 1; }
done

# daemon/target/image-bin: what the daemon image gets in /opt/lxcfs-daemon/bin.
rm -rf daemon/target/image-bin
mkdir -p daemon/target/image-bin
cp daemon/bin/lxcfs-daemon daemon/target/image-bin/
# The keeper holds the FUSE connection across JVM restarts and upgrades (the start script execs it).
cp daemon/target/lxcfs-keeper daemon/target/image-bin/
helper="${LXCFS_REATTACH:-daemon/target/lxcfs-reattach}"
if [ -x "$helper" ]; then
  cp "$helper" daemon/target/image-bin/lxcfs-reattach
else
  echo "WARNING: no re-attach helper at $helper: the daemon image cannot re-attach running containers after a" \
       "restart or upgrade (build it first, or point LXCFS_REATTACH at it)" >&2
fi

# podman: our containers.conf unless the caller set CONTAINERS_CONF (works with and without systemd).
if [ "$engine" = podman ]; then lxcfs_podman_env; fi
scripts/make-base-image.sh "$engine"
start=$SECONDS
"$engine" build ${IMAGE_BUILD_OPTS:-} -f daemon/Dockerfile -t "${registry}/lxcfs-daemon:${tag}" .
"$engine" build ${IMAGE_BUILD_OPTS:-} -f webhook/Dockerfile -t "${registry}/lxcfs-webhook:${tag}" .
echo "built with $engine in $((SECONDS - start)) s:"
for app in daemon webhook; do
  echo "  ${registry}/lxcfs-${app}:${tag} $("$engine" image inspect --format '{{.Size}}' "${registry}/lxcfs-${app}:${tag}" \
    | awk '{ printf "%.0f MB", $1 / 1000000 }')"
done
