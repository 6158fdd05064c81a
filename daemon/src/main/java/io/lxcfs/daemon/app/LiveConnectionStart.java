package io.lxcfs.daemon.app;

import io.lxcfs.daemon.fuse.FuseDevice;
import io.lxcfs.daemon.fuse.FuseServer;
import io.lxcfs.daemon.fuse.InitState;
import io.lxcfs.daemon.fuse.ReadListener;
import io.lxcfs.daemon.host.LibC;
import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

/**
 * Serves a live FUSE connection before Quarkus boots. When the keeper starts a JVM on the node's live connection
 * (its predecessor JVM died, or a predecessor daemon handed it over), readers' requests wait in the kernel until
 * that JVM serves: the FUSE server needs only the view, so it starts from {@code main} (about 0.5 s after exec)
 * rather than at Quarkus' StartupEvent (about 2 s, most of it Quarkus' own boot). {@link ViewDaemon} takes the
 * running server over at StartupEvent; HTTP, metrics, load-average sampling and reconciliation come up then, and
 * readiness still waits for the first reconciliation. A fresh mount keeps its order (all at StartupEvent).
 */
final class LiveConnectionStart {

    private static final Logger LOG = Logger.getLogger(LiveConnectionStart.class);

    /** What was started before Quarkus; the view's metrics plug in when the registry exists. */
    record Started(ViewParts parts, FuseServer server, InitState live, DeferredReadListener listener, String settings) { }

    /**
     * The settings the early server was built from. Read early: system properties, environment and the jar's
     * application.properties; Quarkus' other sources (a .env file, config/application.properties in the working
     * directory) only at StartupEvent, where {@link ViewDaemon} warns if they changed one of these.
     */
    static String viewSettings(DaemonConfig c) {
        return String.join(" ", "cgroup-root=" + c.cgroupRoot(), "proc-root=" + c.procRoot(), "sys-root=" + c.sysRoot(),
                "cgroup-namespace-root=" + c.cgroupNamespaceRoot().orElse(""), "passthrough=" + c.passthrough(),
                "fuse-options=" + c.fuseOptions(), "fuse-resend=" + c.fuseResend());
    }

    private static volatile Started started;

    private LiveConnectionStart() { }

    /**
     * Starts serving when the keeper gave this JVM a live connection; otherwise does nothing. Any failure leaves
     * the start to {@link ViewDaemon} as without this shortcut.
     */
    static void serveIfLive(Map<String, String> env) {
        KeeperLink keeper = KeeperLink.fromEnvironment(env);
        if (keeper.retired() || keeper.liveState().isEmpty() || keeper.fuseFd().isEmpty()) {
            return;
        }
        // Binding the C library (jnr-ffi generates its stubs: the longest step here) overlaps reading the configuration.
        Thread binding = new Thread(() -> LibC.RUNTIME.hashCode(), "libc-binding");
        binding.setDaemon(true);
        binding.start();
        try {
            DaemonConfig config = config();
            if (!config.mount()) {
                return;
            }
            InitState live = InitState.parse(keeper.liveState().get());
            ViewParts parts = ViewParts.build(config);
            DeferredReadListener listener = new DeferredReadListener();
            FuseServer server = serve(config, keeper, live, parts.view(), listener);
            started = new Started(parts, server, live, listener, viewSettings(config));
            keeper.report("serving");
        } catch (RuntimeException | IOException e) {
            LOG.warn("could not serve the live connection before start-up; serving it at start-up instead", e);
        }
    }

    /** Serves the keeper's live connection, whose INIT happened before this JVM. */
    static FuseServer serve(DaemonConfig config, KeeperLink keeper, InitState live, io.lxcfs.daemon.view.ProcView view,
                            ReadListener listener) {
        FuseServer server = FuseServer.forView(FuseDevice.inherited(keeper.fuseFd().getAsInt()), view, listener,
                config.fuseOptions(), config.fuseResend());
        server.initialized(live);
        server.start();
        return server;
    }

    /** The server started before Quarkus, once (null when none was). */
    static Started take() {
        Started s = started;
        started = null;
        return s;
    }

    /**
     * The daemon's {@code lxcfs.*} configuration as Quarkus will see it (system properties, environment,
     * application.properties), read before Quarkus has a configuration of its own.
     */
    private static DaemonConfig config() throws IOException {
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors()
                .withProfile("prod").withMapping(DaemonConfig.class).withValidateUnknown(false)
                .withConverter(Duration.class, 200, new DurationConverter()); // Quarkus' "5s", as DaemonConfig's defaults
        URL props = LiveConnectionStart.class.getClassLoader().getResource("application.properties");
        if (props != null) {
            b.withSources(new PropertiesConfigSource(props, 250));
        }
        SmallRyeConfig c = b.build();
        return c.getConfigMapping(DaemonConfig.class);
    }

    /** Drops renders until the metrics registry exists (the first second of a new JVM), then forwards them. */
    static final class DeferredReadListener implements ReadListener {

        private volatile ReadListener target = ReadListener.NONE;

        void forwardTo(ReadListener target) {
            this.target = target;
        }

        @Override
        public void rendered(ProcFile file, RenderResult result, long nanos) {
            target.rendered(file, result, nanos);
        }
    }
}
