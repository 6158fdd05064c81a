package io.lxcfs.daemon.app;

import io.lxcfs.daemon.view.ProcView;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Wires the pure view to the machine and runs it for the application's lifetime: builds the view (or takes over the
 * one served since before Quarkus booted), starts the load-average sampler and the {@link Handover} of the mount
 * path, stops them at shutdown.
 */
@ApplicationScoped
public class ViewDaemon {

    private static final Logger LOG = Logger.getLogger(ViewDaemon.class);

    private final DaemonConfig config;
    private final MeterRegistry registry;
    private final KeeperLink keeper = KeeperLink.fromEnvironment(System.getenv());
    private volatile ProcView view;
    private volatile Handover handover;
    private LoadavgSampler sampler;

    public ViewDaemon(DaemonConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        // A live connection may be served already, since before Quarkus booted (LiveConnectionStart): take it over.
        LiveConnectionStart.Started early = LiveConnectionStart.take();
        ViewParts parts = early != null ? early.parts() : ViewParts.build(config);
        ViewMetrics metrics = new ViewMetrics(registry);
        if (early != null) {
            early.listener().forwardTo(metrics);
            String now = LiveConnectionStart.viewSettings(config);
            if (!now.equals(early.settings())) {
                LOG.warnf("the live connection is served with the settings read before start-up (%s), not %s: "
                        + "set lxcfs.* as system properties or environment variables", early.settings(), now);
            }
        }
        view = parts.view();
        Reconciler reconciler = new Reconciler(Path.of(config.procRoot()), Path.of(config.reconcile().helper()),
                config.reconcile().timeout(), new ReattachMetrics(registry));
        handover = new Handover(config, keeper, view, metrics, early, reconciler, registry);
        sampler = new LoadavgSampler(parts.tracker(), config.loadavgInterval(), registry);
        sampler.start();
        if (config.mount()) {
            handover.start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (handover != null) {
            handover.stop();
        }
        if (sampler != null) {
            sampler.stop();
        }
    }

    public ProcView view() {
        return view;
    }

    /** STARTING before start-up; see {@link Handover#state}. */
    Handover.State state() {
        Handover h = handover;
        return h == null ? Handover.State.STARTING : h.state();
    }

    boolean mounted() {
        Handover h = handover;
        return h != null && h.mounted();
    }

    /** Readiness: active, and the start-up reconciliation has run. */
    boolean ready() {
        Handover h = handover;
        return h != null && h.ready();
    }

    Reconciler.PassResult reconcile() {
        Handover h = handover;
        if (h == null) {
            throw new IllegalStateException("not started yet");
        }
        return h.reconcile();
    }

    Path mountPath() {
        return Path.of(config.mountPath());
    }
}
