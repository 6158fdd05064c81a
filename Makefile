# Thin wrapper over Maven; the build logic lives in the poms.
MVN ?= mvn -B -ntp

.PHONY: all deps build run test bench clean

all: build

## Debian packages the daemon and the tests need (idempotent; apt only runs when something is missing).
deps:
	scripts/install-deps.sh

build:
	$(MVN) -DskipTests package

## Build and start the daemon in the foreground, serving the view at $${LXCFS_MOUNT_PATH:-/var/lib/lxcfs}.
run: deps build
	scripts/run-local.sh

## Unit tests, then integration tests (real FUSE mounts, real cgroups, runc containers).
test: deps
	$(MVN) verify

## Side-by-side benchmark against the reference LXCFS, then the webhook's admission latency at 100/500/1000 req/s
## (prints tables; see docs/benchmarks.md).
bench: deps build
	scripts/bench.sh
	scripts/bench-webhook.sh

clean:
	$(MVN) clean
