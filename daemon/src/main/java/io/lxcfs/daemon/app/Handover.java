package io.lxcfs.daemon.app;

import io.lxcfs.daemon.fuse.FuseDevice;
import io.lxcfs.daemon.fuse.FuseServer;
import io.lxcfs.daemon.fuse.InitState;
import io.lxcfs.daemon.fuse.ReadListener;
import io.lxcfs.daemon.reattach.HelperReport;
import io.lxcfs.daemon.reattach.MountInfo;
import io.lxcfs.daemon.reattach.ViewMounts;
import io.lxcfs.daemon.view.ProcView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * This daemon's hold on the mount path, from taking it over to handing it on. {@link #start} serves the view there:
 * the keeper's live connection as it is (a predecessor JVM died, or a predecessor daemon handed it over), or a fresh
 * mount put in place of whatever view is there (a live predecessor's: MOVE_MOUNT_BENEATH, no gap); then every
 * container is re-attached to it, at once and each period. Ready once that first pass ran. A successor's view at
 * the mount path retires us for good. See docs/restarts-and-upgrades.md.
 */
final class Handover {

    private static final Logger LOG = Logger.getLogger(Handover.class);

    /** STARTING until mounted and installed; ACTIVE while our view is the one at the mount path; then RETIRED. */
    enum State { STARTING, ACTIVE, RETIRED }

    private final DaemonConfig config;
    private final KeeperLink keeper;
    private final ProcView view;
    private final ReadListener listener;
    private final LiveConnectionStart.Started early;
    private final Reconciler reconciler;
    private final PeriodicTask reconcileTimer;

    private volatile State state = State.STARTING;
    private volatile boolean mounted;
    private volatile boolean firstPassDone;
    private volatile FuseServer server;
    /** Our FUSE connection's device, "major:minor" as mountinfo shows it. */
    private volatile String viewDevice;
    private volatile Path mountPathReal;
    /** Our view's mount source: names this installation ({@link ViewMounts#source}). */
    private volatile String viewSource;
    /** Devices of the views found at the mount path at start-up: predecessors, adopted whatever their source. */
    private final Set<String> predecessors = ConcurrentHashMap.newKeySet();

    /**
     * @param early    the live connection served since before Quarkus booted, or null
     * @param listener where the view's reads are reported
     */
    Handover(DaemonConfig config, KeeperLink keeper, ProcView view, ReadListener listener,
             LiveConnectionStart.Started early, Reconciler reconciler, MeterRegistry registry) {
        this.config = config;
        this.keeper = keeper;
        this.view = view;
        this.listener = listener;
        this.early = early;
        this.reconciler = reconciler;
        this.reconcileTimer = PeriodicTask.withFixedDelay("reconciler", "reconciliation pass",
                config.reconcile().interval(), this::periodicPass);
        Gauge.builder("lxcfs.view.active", this, h -> h.state == State.ACTIVE ? 1 : 0)
                .description("1 while this daemon's view is the one at the mount path (0 starting or retired)")
                .register(registry);
        Gauge.builder("lxcfs.fuse.requests.resent", this, h -> h.server == null ? 0 : h.server.resentRequests())
                .description("Requests the kernel sent again at our FUSE_NOTIFY_RESEND: a predecessor had read them and died")
                .register(registry);
        Gauge.builder("lxcfs.keeper.restarts", keeper, KeeperLink::restarts)
                .description("JVMs of this daemon's keeper that died and were replaced on the live connection before this one")
                .register(registry);
        Gauge.builder("lxcfs.handovers", keeper, k -> k.handedOver() ? 1 : 0)
                .description("1 when this daemon took the live FUSE connection over from a predecessor daemon")
                .register(registry);
    }

    /**
     * Serves the view at the mount path and runs the first reconciliation; or retires at once when this JVM's
     * keeper has handed the view on already.
     */
    void start() throws IOException {
        Path mountPath = Path.of(config.mountPath());
        if (keeper.retired()) {
            state = State.RETIRED;
            LOG.infof("retired: this daemon's keeper handed the view at %s on to a successor; health only", mountPath);
            return;
        }
        if (keeper.liveState().isPresent() && keeper.fuseFd().isPresent()) {
            serveLiveConnection(mountPath, InitState.parse(keeper.liveState().get()));
        } else {
            mountFresh(mountPath);
        }
        mounted = true;
        state = State.ACTIVE;
        if (early == null) {
            keeper.report("serving"); // the early start told the keeper then
        }
        startReconciling();
    }

    /**
     * ACTIVE until another view of ours is found at the mount path: then RETIRED for good (a successor took
     * over; we keep serving containers it has not moved yet, and stop reconciling so the two never fight).
     */
    State state() {
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

    /** Whether this daemon served a view at the mount path (it stays mounted once retired). */
    boolean mounted() {
        return mounted;
    }

    /** Active, and the start-up reconciliation has run (so a predecessor may now be stopped). */
    boolean ready() {
        return state == State.ACTIVE && firstPassDone;
    }

    /** One pass now (start-up, periodic, {@code POST /admin/reconcile}); only the active daemon re-attaches. */
    Reconciler.PassResult reconcile() {
        if (state() != State.ACTIVE) {
            throw new IllegalStateException("not the active view (" + state + "): the daemon at the mount path reconciles");
        }
        if (!reconciler.helperUsable()) {
            throw new IllegalStateException("the re-attach helper " + config.reconcile().helper() + " is missing");
        }
        Predicate<MountInfo.Mount> adoptable = config.reconcile().adopt() == DaemonConfig.Reconcile.Adopt.NODE
                ? m -> true : ViewMounts.sameInstallation(viewSource, predecessors);
        return reconciler.pass(mountPathReal, viewDevice, adoptable, () -> state() == State.ACTIVE);
    }

    /** Stops serving and reconciling; never unmounts: containers keep using the view until a successor re-attaches them. */
    void stop() {
        FuseServer s = server;
        if (s != null) {
            s.stop(Duration.ofMillis(500));
        }
        reconcileTimer.stop();
        if (mounted) {
            LOG.infof(state == State.RETIRED ? "stopping (retired): the mount path belongs to the successor"
                    : "stopping: the view stays mounted at %s until a new daemon takes over", config.mountPath());
        }
    }

    /** The keeper gave us the node's live connection: serve it as it is, mounts and open files included. */
    private void serveLiveConnection(Path mountPath, InitState live) throws IOException {
        mountPathReal = mountPath.toRealPath();
        viewSource = ViewMounts.source(config.installation().orElse(mountPathReal.toString()));
        // Requests the predecessor had read and not answered: its keeper asked the kernel to send them again
        // (FUSE_NOTIFY_RESEND) once that JVM was gone; they come to us with bit 63 in their id.
        server = early != null ? early.server() : LiveConnectionStart.serve(config, keeper, live, view, listener);
        viewDevice = live.device();
        LOG.infof("serving the live view at %s (device %s)%s%s", mountPath, viewDevice,
                keeper.handedOver() ? ", handed over by the previous daemon" : "",
                keeper.restarts() > 0 ? ", after " + keeper.restarts() + " JVM restart(s)" : "");
    }

    /**
     * Mounts the view privately at a staging directory, then has the helper put it at the mount path in place of
     * whatever view is there. Without the helper, or on a kernel without the new mount API, mounts directly.
     */
    private void mountFresh(Path mountPath) throws IOException {
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
        if (!reconciler.helperUsable()) {
            LOG.errorf("re-attach helper %s is missing: mounting directly at %s; containers will NOT be re-attached "
                    + "after a restart (set lxcfs.reconcile.helper)", config.reconcile().helper(), mountPath);
            viewDevice = mountAt(mountPathReal, device());
            LOG.infof("serving the proc view at %s (device %s)", mountPath, viewDevice);
            return;
        }
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
    }

    /** The connection to mount: the keeper's descriptor, or one of our own without a keeper. */
    private FuseDevice device() throws IOException {
        return keeper.fuseFd().isPresent() ? FuseDevice.inherited(keeper.fuseFd().getAsInt()) : FuseDevice.open();
    }

    /**
     * Mounts a connection at {@code at}, serves it, and returns the mount's device once the kernel's FUSE_INIT
     * is answered; tells the keeper the connection's state.
     */
    private String mountAt(Path at, FuseDevice device) throws IOException {
        device.mount(at, viewSource, ViewMounts.SOURCE);
        server = FuseServer.forView(device, view, listener, config.fuseOptions(), config.fuseResend());
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

    private void startReconciling() {
        if (reconciler.helperUsable()) {
            LOG.infof("start-up reconciliation: %s", reconcile().summary());
            reconcileTimer.start();
        }
        firstPassDone = true;
    }

    private void periodicPass() {
        if (state() != State.ACTIVE || !atMountPath()) {
            return;
        }
        Reconciler.PassResult r = reconcile();
        if (r.reattached() > 0 || !r.failures().isEmpty()) {
            LOG.infof("reconciliation: %s", r.summary());
        }
    }

    private boolean atMountPath() {
        return ViewMounts.viewDeviceAt(ownMounts(), mountPathReal.toString()).map(viewDevice::equals).orElse(false);
    }

    private static List<MountInfo.Mount> ownMounts() {
        try {
            return MountInfo.parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
