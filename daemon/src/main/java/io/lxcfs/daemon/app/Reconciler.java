package io.lxcfs.daemon.app;

import io.lxcfs.daemon.reattach.HelperReport;
import io.lxcfs.daemon.reattach.MountInfo;
import io.lxcfs.daemon.reattach.ViewMounts;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * One reconciliation pass: groups the node's processes by mount namespace, reads one mountinfo per
 * namespace, and for a namespace with stale view mounts runs the native helper once (with a timeout).
 * Failures are per namespace: logged, counted, retried by the next pass; never thrown.
 */
final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /** What a pass did, for the log, the on-demand endpoint and the tests. */
    record PassResult(int namespaces, int repaired, int reattached, int skipped, Map<String, Integer> failures,
                      long nanos, boolean interrupted) {
        String summary() {
            return "namespaces=" + namespaces + " repaired=" + repaired + " reattached=" + reattached
                    + " skipped=" + skipped + " failed=" + failures.values().stream().mapToInt(Integer::intValue).sum()
                    + (failures.isEmpty() ? "" : " failures=" + failures) + " ms=" + nanos / 1_000_000
                    + (interrupted ? " interrupted=retired" : "");
        }
    }

    private final Path procRoot;
    private final Path helper;
    private final Duration timeout;
    private final ReattachMetrics metrics;
    private boolean unsupportedLogged;

    Reconciler(Path procRoot, Path helper, Duration timeout, ReattachMetrics metrics) {
        this.procRoot = procRoot;
        this.helper = helper;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    boolean helperUsable() {
        return Files.isExecutable(helper);
    }

    /**
     * Re-attaches every view mount not served by {@code viewDevice} to the same file under {@code viewRoot}.
     * Only stale mounts {@code adoptable} accepts are touched. {@code stillActive} is asked before each namespace: a daemon replaced mid-pass stops there.
     */
    synchronized PassResult pass(Path viewRoot, String viewDevice, Predicate<MountInfo.Mount> adoptable, BooleanSupplier stillActive) {
        long t0 = System.nanoTime();
        Map<String, List<Long>> namespaces = namespaces();
        int repaired = 0;
        int reattached = 0;
        int skipped = 0;
        boolean interrupted = false;
        Map<String, Integer> failures = new TreeMap<>();
        for (Map.Entry<String, List<Long>> ns : namespaces.entrySet()) {
            long pid = -1;
            List<MountInfo.Mount> mounts = null;
            for (long p : ns.getValue()) {
                try {
                    mounts = MountInfo.parse(Files.readString(procRoot.resolve(p + "/mountinfo")));
                    pid = p;
                    break;
                } catch (IOException e) {
                    // exited since the scan: try another process of the namespace
                }
            }
            if (mounts == null) {
                continue;
            }
            List<ViewMounts.Stale> stale = ViewMounts.stale(mounts, viewDevice, adoptable);
            if (stale.isEmpty()) {
                continue;
            }
            if (!stillActive.getAsBoolean()) {
                interrupted = true;
                break;
            }
            List<String> args = new ArrayList<>(List.of("-n", procRoot.resolve(pid + "/ns/mnt").toString()));
            for (ViewMounts.Stale s : stale) {
                args.add(viewRoot + s.viewFile());
                args.add(s.mountPoint());
                args.add(s.staleDevice());
            }
            String where = ns.getKey() + " (pid " + pid + ")";
            Run run = run(args);
            String runFailure = run.failure();
            if (runFailure != null) {
                failures.merge(runFailure, 1, Integer::sum);
                metrics.failed(runFailure);
                logRunFailure(runFailure, where, run);
                continue;
            }
            int here = 0;
            for (HelperReport.Line line : HelperReport.parse(run.output())) {
                switch (line.outcome()) {
                    case REATTACHED -> {
                        here++;
                        metrics.mountReattached(line.detail(), line.windowMicros());
                        LOG.debugf("re-attached %s in %s (%s)", line.target(), where, line.detail());
                    }
                    case SKIPPED -> skipped++;
                    case FAILED -> {
                        failures.merge("mount", 1, Integer::sum);
                        metrics.failed("mount");
                        LOG.warnf("re-attaching %s in mount namespace %s failed: %s", line.target(), where, line.detail());
                    }
                }
            }
            if (here > 0) {
                repaired++;
                reattached += here;
                metrics.containerRepaired();
                LOG.infof("re-attached %d view mount(s) in mount namespace %s to %s", here, where, viewRoot);
            }
        }
        long nanos = System.nanoTime() - t0;
        metrics.passTook(nanos);
        return new PassResult(namespaces.size(), repaired, reattached, skipped, failures, nanos, interrupted);
    }

    /** The kernel has no open_tree/move_mount (Linux < 5.2). */
    static final class UnsupportedKernel extends IOException {
        UnsupportedKernel(String message) {
            super(message);
        }
    }

    /** Puts the view mounted at {@code staging} at {@code target} in our own namespace, in place of {@code expect}. */
    HelperReport.Line install(Path staging, Path target, String expect) throws IOException {
        Run run = run(List.of(staging.toString(), target.toString(), expect));
        if ("unsupported".equals(run.failure())) {
            metrics.failed("unsupported");
            throw new UnsupportedKernel(run.output().trim());
        }
        List<HelperReport.Line> lines = HelperReport.parse(run.output());
        if (run.failure() != null || lines.isEmpty() || lines.get(0).outcome() == HelperReport.Outcome.FAILED) {
            throw new IOException("cannot put the view at " + target + " (helper " + helper + " exit " + run.exit()
                    + "): " + run.output().trim());
        }
        return lines.get(0);
    }

    private record Run(int exit, String output, boolean timedOut, boolean notStarted) {
        String failure() {
            if (notStarted) {
                return "helper";
            }
            if (timedOut) {
                return "timeout";
            }
            return HelperReport.runFailureReason(exit);
        }
    }

    private Run run(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(helper.toString());
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(-1, String.valueOf(e.getMessage()), false, true);
        }
        try {
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(1, TimeUnit.SECONDS);
                return new Run(-1, "", true, false);
            }
            // A few short lines: they fit the pipe, so reading after the exit cannot dead-lock.
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Run(p.exitValue(), out, false, false);
        } catch (IOException e) {
            return new Run(-1, String.valueOf(e.getMessage()), false, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Run(-1, "interrupted", true, false);
        }
    }

    private void logRunFailure(String reason, String where, Run run) {
        switch (reason) {
            case "gone" -> LOG.debugf("mount namespace %s is gone (the container exited): nothing to re-attach", where);
            case "unsupported" -> {
                if (!unsupportedLogged) {
                    unsupportedLogged = true;
                    LOG.errorf("this kernel has no open_tree/move_mount (Linux >= 5.2 needed): containers cannot be "
                            + "re-attached after a restart and keep failing reads until recreated (%s)", run.output().trim());
                }
            }
            case "helper" -> LOG.errorf("cannot run the re-attach helper %s: %s", helper, run.output().trim());
            case "timeout" -> LOG.warnf("re-attach helper timed out after %s in mount namespace %s; retried next pass", timeout, where);
            default -> LOG.warnf("re-attaching in mount namespace %s failed (%s, exit %d): %s", where, reason, run.exit(),
                    run.output().trim());
        }
    }

    /** Every process's mount namespace ({@code mnt:[inode]}) with its pids, lowest pid first. */
    private Map<String, List<Long>> namespaces() {
        Map<String, List<Long>> byNs = new LinkedHashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    String ns = Files.readSymbolicLink(d.resolve("ns/mnt")).toString();
                    byNs.computeIfAbsent(ns, k -> new ArrayList<>()).add(Long.parseLong(name));
                } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
                    // exited, or a kernel thread we may not inspect
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list %s: %s", procRoot, e.getMessage());
        }
        byNs.values().forEach(pids -> pids.sort(Long::compare));
        return byNs;
    }
}
