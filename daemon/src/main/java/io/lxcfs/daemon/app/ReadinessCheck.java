package io.lxcfs.daemon.app;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once this daemon's view is the one at the mount path and the start-up reconciliation has moved
 * every container to it (only then may a rollout stop the predecessor), and a file reads well through
 * the mount. A retired daemon is not ready: the node's view is its successor's.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private final ViewDaemon daemon;
    private final MountProbe probe;

    public ReadinessCheck(ViewDaemon daemon, MountProbe probe) {
        this.daemon = daemon;
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        ViewDaemon.State state = daemon.refreshState();
        if (daemon.mounted() && !daemon.takenOver()) {
            return HealthCheckResponse.named("proc-view").down().withData("state", state.name().toLowerCase()).build();
        }
        return probe.read(daemon);
    }
}
