# Thin wrapper over Maven; the build logic lives in the poms.
MVN ?= mvn -B -ntp

.PHONY: all deps build run test e2e bench clean

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

## Only the end-to-end test (examples/pod.yaml through the webhook, run with runc against the daemon's FUSE view):
## builds the modules it needs and skips every other test.
e2e: deps
	$(MVN) -pl src-test -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
		-Dit.test=PodEndToEndIT -Dfailsafe.failIfNoSpecifiedTests=false

## Side-by-side benchmark against the reference LXCFS (prints a table; see docs/benchmarks.md).
bench: deps build
	scripts/bench.sh

clean:
	$(MVN) clean
