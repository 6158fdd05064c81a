package io.lxcfs.daemon.app;

import io.lxcfs.daemon.fuse.FuseDevice;
import io.lxcfs.daemon.fuse.FuseServer;
import io.lxcfs.daemon.fuse.InitState;
import io.lxcfs.daemon.loadavg.ContainerTracker;
import io.lxcfs.daemon.reattach.HelperReport;
import io.lxcfs.daemon.reattach.MountInfo;
import io.lxcfs.daemon.reattach.ViewMounts;
import io.lxcfs.daemon.view.ProcView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Wires the pure view to the machine: builds it, mounts it (taking over from a predecessor), samples load averages, re-attaches containers. */
@ApplicationScoped
public class ViewDaemon {

    private static final Logger LOG = Logger.getLogger(ViewDaemon.class);

    private final DaemonConfig config;
    private final MeterRegistry registry;
    private ProcView view;
    private FuseServer server;
    private final KeeperLink keeper = KeeperLink.fromEnvironment(System.getenv());
    private ViewMetrics metrics;
    private ScheduledExecutorService sampler;
    private volatile boolean mounted;

    /** STARTING until mounted and installed; ACTIVE while our view is the one at the mount path; then RETIRED. */
    public enum State { STARTING, ACTIVE, RETIRED }

    private volatile State state = State.STARTING;
    private volatile boolean firstPassDone;
    /** Our FUSE connection's device, "major:minor" as mountinfo shows it. */
    private volatile String viewDevice;
    private Path mountPathReal;
    /** Our view's mount source: names this installation ({@link ViewMounts#source}). */
    private volatile String viewSource;
    /** Devices of the views found at the mount path at start-up: predecessors, adopted whatever their source. */
    private final Set<String> predecessors = ConcurrentHashMap.newKeySet();
    private Reconciler reconciler;
    private final ScheduledExecutorService reconcileTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "reconciler");
        t.setDaemon(true);
        return t;
    });

    public ViewDaemon(DaemonConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        // A live connection may be served already, since before Quarkus booted (LiveConnectionStart): take it over.
        LiveConnectionStart.Started early = LiveConnectionStart.take();
        ViewParts parts = early != null ? early.parts() : ViewParts.build(config);
        view = parts.view();
        ContainerTracker tracker = parts.tracker();
        metrics = new ViewMetrics(registry);
        if (early != null) {
            early.listener().forwardTo(metrics);
            String now = LiveConnectionStart.viewSettings(config);
            if (!now.equals(early.settings())) {
                LOG.warnf("the live connection is served with the settings read before start-up (%s), not %s: "
                        + "set lxcfs.* as system properties or environment variables", early.settings(), now);
            }
        }
        reconciler = new Reconciler(Path.of(config.procRoot()), Path.of(config.reconcile().helper()),
                config.reconcile().timeout(), new ReattachMetrics(registry));
        Gauge.builder("lxcfs.view.active", this, d -> d.state == State.ACTIVE ? 1 : 0)
                .description("1 while this daemon's view is the one at the mount path (0 starting or retired)")
                .register(registry);
        Gauge.builder("lxcfs.fuse.requests.resent", this, d -> d.server == null ? 0 : d.server.resentRequests())
                .description("Requests the kernel sent again at our FUSE_NOTIFY_RESEND: a predecessor had read them and died")
                .register(registry);
        Gauge.builder("lxcfs.keeper.restarts", keeper, KeeperLink::restarts)
                .description("JVMs of this daemon's keeper that died and were replaced on the live connection before this one")
                .register(registry);
        Gauge.builder("lxcfs.handovers", keeper, k -> k.handedOver() ? 1 : 0)
                .description("1 when this daemon took the live FUSE connection over from a predecessor daemon")
                .register(registry);
        Gauge.builder("lxcfs.containers.tracked", tracker, ContainerTracker::size)
                .description("Containers whose view state (load average, counters) the daemon keeps")
                .register(registry);
        Timer sampleTime = Timer.builder("lxcfs.loadavg.sample")
                .description("Duration of one load-average sampling pass over all tracked containers")
                .publishPercentileHistogram().register(registry);
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadavg-sampler");
            t.setDaemon(true);
            return t;
        });
        long period = config.loadavgInterval().toMillis();
        sampler.scheduleAtFixedRate(() -> {
            try {
                sampleTime.record(tracker::sampleAll);
            } catch (RuntimeException e) {
                LOG.warn("load average sampling failed", e);
            }
        }, period, period, TimeUnit.MILLISECONDS);

        if (config.mount()) {
            mount(early);
        }
    }

    /**
     * Mounts the view privately at a staging directory, puts it at the mount path in place of whatever view
     * is there (a live predecessor's: MOVE_MOUNT_BENEATH, no gap), then re-attaches every container to it.
     * Readiness turns UP only after that first pass. See docs/restarts-and-upgrades.md.
     */
    private void mount(LiveConnectionStart.Started early) throws IOException {
        Path mountPath = Path.of(config.mountPath());
        if (keeper.retired()) {
            state = State.RETIRED;
            LOG.infof("retired: this daemon's keeper handed the view at %s on to a successor; health only", mountPath);
            return;
        }
        if (keeper.liveState().isPresent() && keeper.fuseFd().isPresent()) {
            serveLiveConnection(mountPath, InitState.parse(keeper.liveState().get()), early);
            return;
        }
        // The views found at the mount path, dead or alive, before a dead one is detached: our predecessors.
        Path parent = mountPath.toAbsolutePath().normalize().getParent();
        Path asListed = parent != null && Files.isDirectory(parent)
                ? parent.toRealPath().resolve(mountPath.getFileName()) : mountPath.toAbsolutePath().normalize();
        predecessors.addAll(ViewMounts.viewDevicesAt(ownMounts(), asListed.toString()));
        MountPoint.prepare(mountPath);
        mountPathReal = mountPath.toRealPath();
        predecessors.addAll(ViewMounts.viewDevicesAt(ownMounts(), mountPathReal.toString()));
        Path stagingRoot = Path.of(config.reconcile().stagingDir());
        MountPoint.detachDeadStaging(stagingRoot, ownMounts());
        viewSource = ViewMounts.source(config.installation().orElse(mountPathReal.toString()));
        if (reconciler.helperUsable()) {
            Path staging = Files.createDirectories(stagingRoot.resolve("staging-" + ProcessHandle.current().pid())).toRealPath();
            viewDevice = mountAt(staging, device());
            String predecessor = ViewMounts.viewDeviceAt(ownMounts(), mountPathReal.toString()).orElse("none");
            try {
                HelperReport.Line installed = reconciler.install(staging, mountPathReal, predecessor);
                MountPoint.lazyUnmount(staging);
                Files.deleteIfExists(staging);
                if (predecessor.equals("none")) {
                    LOG.infof("serving the proc view at %s (device %s)", mountPath, viewDevice);
                } else {
                    LOG.infof("serving the proc view at %s (device %s) in place of the view %s (%s)", mountPath,
                            viewDevice, predecessor, installed.detail());
                }
            } catch (Reconciler.UnsupportedKernel e) {
                // Dropping the staging mount ends that FUSE session; serve a new one at the mount path itself.
                LOG.errorf("this kernel has no open_tree/move_mount (Linux >= 5.2 needed): mounting directly at %s; "
                        + "running containers cannot be re-attached after a restart (%s)", mountPath, e.getMessage());
                MountPoint.lazyUnmount(staging);
                Files.deleteIfExists(staging);
                // The keeper's connection ended with the staging mount: this one is the JVM's own.
                viewDevice = mountAt(mountPathReal, FuseDevice.open());
            }
        } else {
            LOG.errorf("re-attach helper %s is missing: mounting directly at %s; containers will NOT be re-attached "
                    + "after a restart (set lxcfs.reconcile.helper)", config.reconcile().helper(), mountPath);
            viewDevice = mountAt(mountPathReal, device());
            LOG.infof("serving the proc view at %s (device %s)", mountPath, viewDevice);
        }
        mounted = true;
        state = State.ACTIVE;
        keeper.report("serving");
        startReconciling();
    }

    /**
     * The keeper gave us the node's live connection (a predecessor JVM died, or a predecessor daemon handed it
     * over): serve it as it is, mounts and open files included.
     */
    private void serveLiveConnection(Path mountPath, InitState live, LiveConnectionStart.Started early) throws IOException {
        mountPathReal = mountPath.toRealPath();
        viewSource = ViewMounts.source(config.installation().orElse(mountPathReal.toString()));
        if (early != null) {
            server = early.server(); // serving since before Quarkus booted; the keeper was told then
        } else {
            server = LiveConnectionStart.serve(config, keeper, live, view, metrics);
        }
        // Requests the predecessor had read and not answered: its keeper asked the kernel to send them again
        // (FUSE_NOTIFY_RESEND) once that JVM was gone; they come to us with bit 63 in their id.
        viewDevice = live.device();
        LOG.infof("serving the live view at %s (device %s)%s%s", mountPath, viewDevice,
                keeper.handedOver() ? ", handed over by the previous daemon" : "",
                keeper.restarts() > 0 ? ", after " + keeper.restarts() + " JVM restart(s)" : "");
        mounted = true;
        this.state = State.ACTIVE;
        if (early == null) {
            keeper.report("serving");
        }
        startReconciling();
    }

    /** The connection to mount: the keeper's descriptor, or one of our own without a keeper. */
    private FuseDevice device() throws IOException {
        return keeper.fuseFd().isPresent() ? FuseDevice.inherited(keeper.fuseFd().getAsInt()) : FuseDevice.open();
    }

    private void startReconciling() {
        if (reconciler.helperUsable()) {
            Reconciler.PassResult first = reconcile();
            LOG.infof("start-up reconciliation: %s", first.summary());
            long period = config.reconcile().interval().toMillis();
            if (period > 0) {
                reconcileTimer.scheduleWithFixedDelay(this::periodicPass, period, period, TimeUnit.MILLISECONDS);
            }
        }
        firstPassDone = true;
    }

    private void periodicPass() {
        try {
            if (refreshState() != State.ACTIVE || !atMountPath()) {
                return;
            }
            Reconciler.PassResult r = reconcile();
            if (r.reattached() > 0 || !r.failures().isEmpty()) {
                LOG.infof("reconciliation: %s", r.summary());
            }
        } catch (RuntimeException e) {
            LOG.warn("reconciliation pass failed", e);
        }
    }

    /** One pass now (start-up, periodic, {@code POST /admin/reconcile}); only the active daemon re-attaches. */
    Reconciler.PassResult reconcile() {
        if (refreshState() != State.ACTIVE) {
            throw new IllegalStateException("not the active view (" + state + "): the daemon at the mount path reconciles");
        }
        if (!reconciler.helperUsable()) {
            throw new IllegalStateException("the re-attach helper " + config.reconcile().helper() + " is missing");
        }
        Predicate<MountInfo.Mount> adoptable = config.reconcile().adopt() == DaemonConfig.Reconcile.Adopt.NODE
                ? m -> true : ViewMounts.sameInstallation(viewSource, predecessors);
        return reconciler.pass(mountPathReal, viewDevice, adoptable, () -> refreshState() == State.ACTIVE);
    }

    /**
     * ACTIVE until another view of ours is found at the mount path: then RETIRED for good (a successor took
     * over; we keep serving containers it has not moved yet, and stop reconciling so the two never fight).
     */
    public State refreshState() {
        if (state == State.ACTIVE && viewDevice != null) {
            Optional<String> top = ViewMounts.viewDeviceAt(ownMounts(), mountPathReal.toString());
            if (top.isPresent() && !top.get().equals(viewDevice)) {
                state = State.RETIRED;
                LOG.infof("the view %s replaced ours (%s) at %s: retired; still serving containers not yet moved, "
                        + "until stopped", top.get(), viewDevice, mountPathReal);
            }
        }
        return state;
    }

    private boolean atMountPath() {
        return ViewMounts.viewDeviceAt(ownMounts(), mountPathReal.toString()).map(viewDevice::equals).orElse(false);
    }

    private List<MountInfo.Mount> ownMounts() {
        try {
            return MountInfo.parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Mounts a connection at {@code at}, serves it, and returns the mount's device once the kernel's FUSE_INIT
     * is answered; tells the keeper the connection's state.
     */
    private String mountAt(Path at, FuseDevice device) throws IOException {
        device.mount(at, viewSource, ViewMounts.SOURCE);
        server = FuseServer.forView(device, view, metrics, config.fuseOptions(), config.fuseResend());
        server.start();
        InitState init;
        try {
            init = server.init().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("the kernel's FUSE_INIT for " + at + " was not answered: " + e);
        }
        String dev = ViewMounts.viewDeviceAt(ownMounts(), at.toString())
                .orElseThrow(() -> new IOException("the view did not appear at " + at + " in /proc/self/mountinfo"));
        keeper.report("state " + init.withDevice(dev).token());
        return dev;
    }

    /** Never unmounts: containers keep using the view until a successor re-attaches them. */
    void onStop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.stop(java.time.Duration.ofMillis(500));
        }
        if (sampler != null) {
            sampler.shutdownNow();
        }
        reconcileTimer.shutdownNow();
        if (mounted) {
            LOG.infof(state == State.RETIRED ? "stopping (retired): the mount path belongs to the successor"
                    : "stopping: the view stays mounted at %s until a new daemon takes over", config.mountPath());
        }
    }

    public ProcView view() {
        return view;
    }

    public boolean mounted() {
        return mounted;
    }

    public State state() {
        return state;
    }

    /** Readiness: active, and the start-up reconciliation has run (so a predecessor may now be stopped). */
    public boolean takenOver() {
        return state == State.ACTIVE && firstPassDone;
    }

    public Path mountPath() {
        return Path.of(config.mountPath());
    }
}
