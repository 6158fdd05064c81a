package io.lxcfs.daemon.app;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Reads a virtual file through the mount: "the JVM is up" says nothing about a FUSE mount that hangs or
 * is disconnected. The read runs on its own thread with a timeout so a hung mount reports DOWN instead
 * of hanging the probe.
 */
@ApplicationScoped
public class MountProbe {

    private static final long TIMEOUT_MS = 2000;

    private final ExecutorService reader = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "health-read");
        t.setDaemon(true);
        return t;
    });

    HealthCheckResponse read(ViewDaemon daemon) {
        Path probe = daemon.mountPath().resolve("proc/uptime");
        if (!daemon.mounted()) {
            return HealthCheckResponse.named("proc-view").down().withData("mount", "not mounted").build();
        }
        try {
            String content = CompletableFuture.supplyAsync(() -> {
                try {
                    return Files.readString(probe);
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }, reader).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            boolean ok = content.endsWith("\n") && content.trim().split(" ").length == 2;
            return HealthCheckResponse.named("proc-view").status(ok)
                    .withData("file", probe.toString()).withData("state", daemon.state().name().toLowerCase()).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("proc-view").down()
                    .withData("file", probe.toString())
                    .withData("error", String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.toString()))
                    .build();
        }
    }
}
