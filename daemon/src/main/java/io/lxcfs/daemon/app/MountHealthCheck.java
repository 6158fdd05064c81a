package io.lxcfs.daemon.app;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live only when a virtual file can actually be read through the mount. A retired daemon (a successor
 * took over the mount path) stays live: it still serves containers not yet moved, and restarting it
 * would only cut them off.
 */
@Liveness
@ApplicationScoped
public class MountHealthCheck implements HealthCheck {

    private final ViewDaemon daemon;
    private final MountProbe probe;

    public MountHealthCheck(ViewDaemon daemon, MountProbe probe) {
        this.daemon = daemon;
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        if (daemon.refreshState() == ViewDaemon.State.RETIRED) {
            return HealthCheckResponse.named("proc-view").up().withData("state", "retired").build();
        }
        return probe.read(daemon);
    }
}
