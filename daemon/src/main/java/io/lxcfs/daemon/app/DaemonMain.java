package io.lxcfs.daemon.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * SIGTERM is how Kubernetes and `make run` stop the daemon: exit 0 rather than the JVM's 143 for a signal
 * death, so a planned stop is not reported as a failure. Neither case unmounts (containers keep their
 * view until a successor re-attaches them). A retired daemon (a successor already took over the mount
 * path) exits at once: it owns nothing any more.
 */
@QuarkusMain
public class DaemonMain implements QuarkusApplication {

    private static final Logger LOG = Logger.getLogger(DaemonMain.class);

    @Inject
    ViewDaemon daemon;

    /** A JVM the keeper started on the live connection serves it first (LiveConnectionStart), then boots Quarkus. */
    public static void main(String... args) {
        LiveConnectionStart.serveIfLive(System.getenv());
        Quarkus.run(DaemonMain.class, args);
    }

    @Override
    public int run(String... args) {
        Signal.handle(new Signal("TERM"), signal -> {
            if (daemon.state() == Handover.State.RETIRED) {
                LOG.info("SIGTERM while retired: exiting now");
                Runtime.getRuntime().halt(0);
            }
            Quarkus.asyncExit(0);
        });
        Quarkus.waitForExit();
        return 0;
    }
}
