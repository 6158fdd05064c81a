package io.lxcfs.daemon.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import sun.misc.Signal;

/**
 * SIGTERM is how Kubernetes and `make run` stop the daemon: shut down (unmount) and exit 0, rather than
 * the JVM's 143 for a signal death, so a planned stop is not reported as a failure.
 */
@QuarkusMain
public class DaemonMain implements QuarkusApplication {

    @Override
    public int run(String... args) {
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        Quarkus.waitForExit();
        return 0;
    }
}
