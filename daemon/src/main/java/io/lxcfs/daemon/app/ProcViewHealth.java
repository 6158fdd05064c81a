package io.lxcfs.daemon.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Liveness and readiness of the view, both read a virtual file through the mount: "the JVM is up" says nothing
 * about a FUSE mount that hangs or is disconnected.
 * <ul>
 * <li>Live when the read works. A retired daemon (a successor took over the mount path) stays live: it still serves
 * containers not yet moved, and restarting it would only cut them off.</li>
 * <li>Ready once this daemon's view is the one at the mount path and the start-up reconciliation has moved every
 * container to it (only then may a rollout stop the predecessor), and the read works. A retired daemon is not
 * ready: the node's view is its successor's.</li>
 * </ul>
 */
@ApplicationScoped
public class ProcViewHealth {

    private static final String NAME = "proc-view";
    private static final long READ_TIMEOUT_MS = 2000;

    private final ViewDaemon daemon;
    /** The read runs on its own thread with a timeout, so that a hung mount reports DOWN instead of hanging the probe. */
    private final ExecutorService reader = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "health-read");
        t.setDaemon(true);
        return t;
    });

    public ProcViewHealth(ViewDaemon daemon) {
        this.daemon = daemon;
    }

    @Produces
    @Singleton
    @Liveness
    HealthCheck liveness() {
        return () -> daemon.state() == Handover.State.RETIRED
                ? HealthCheckResponse.named(NAME).up().withData("state", "retired").build()
                : readThroughMount();
    }

    @Produces
    @Singleton
    @Readiness
    HealthCheck readiness() {
        return () -> {
            Handover.State state = daemon.state();
            if (daemon.mounted() && !daemon.ready()) {
                return HealthCheckResponse.named(NAME).down().withData("state", state.name().toLowerCase()).build();
            }
            return readThroughMount();
        };
    }

    private HealthCheckResponse readThroughMount() {
        Path probe = daemon.mountPath().resolve("proc/uptime");
        if (!daemon.mounted()) {
            return HealthCheckResponse.named(NAME).down().withData("mount", "not mounted").build();
        }
        try {
            String content = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(probe);
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }, reader).get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            boolean ok = content.endsWith("\n") && content.trim().split(" ").length == 2;
            return HealthCheckResponse.named(NAME).status(ok)
                    .withData("file", probe.toString()).withData("state", daemon.state().name().toLowerCase()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named(NAME).down()
                    .withData("file", probe.toString())
                    .withData("error", String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.toString()))
                    .build();
        }
    }
}
