package io.lxcfs.daemon.it;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.ProcessWait;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.TestCgroup;
import io.lxcfs.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Running containers across a daemon crash and across a planned restart (the handover), measured by
 * readers that read their {@code /proc/meminfo} every 2 ms: two "containers" (private mount namespaces in
 * a 256 MiB cgroup, the view's eight files bind-mounted) and one runc container whose root filesystem
 * holds nothing but the static reader binary (no shell, no {@code mount}). A bystander namespace with a
 * non-view file over {@code /proc/meminfo} must never be touched.
 */
class RestartIT {

    private static final long LIMIT = 256L << 20;
    private static final long LIMIT_KB = LIMIT >> 10;
    private static final Duration START = DaemonProcess.START_TIMEOUT;
    /** Daemons without their keeper: every start mounts a connection of its own, and re-attaches containers to it. */
    private static final Map<String, String> NO_KEEPER = Map.of("LXCFS_KEEPER", "off");

    private Path mount;
    private TestCgroup cgroup;
    private final List<WatchReader> readers = new ArrayList<>();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private Process bystander;

    @BeforeAll
    static void assumeRootAndRunc() {
        RootAccess.assume();
        Assumptions.assumeTrue(RuncContainer.available(), "needs runc");
    }

    @BeforeEach
    void bystanderFirst() throws Exception {
        mount = Files.createTempDirectory("lxcfs-it-restart");
        cgroup = TestCgroup.create("restart").memoryLimit(LIMIT);
        // Started before any daemon: its namespace never holds a view mount, only a tmpfs-free plain file.
        Path fake = Files.writeString(Files.createTempFile("lxcfs-it-fake-meminfo", ""), "MemTotal: 1 kB\n");
        bystander = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind " + fake + " /proc/meminfo && exec sleep 600").start();
        cleanup.add(() -> Files.deleteIfExists(fake));
        awaitBystanderMounted();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (WatchReader r : readers) {
            r.close();
        }
        if (bystander != null) {
            bystander.destroyForcibly().waitFor();
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        cgroup.close();
        if (DaemonProcess.isMounted(mount)) {
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
        }
        Files.deleteIfExists(mount);
    }

    @Test
    void afterACrashEveryContainerReadsCorrectValuesWithinTwoSecondsOfTheNewDaemonBeingReady() throws Exception {
        DaemonProcess first = DaemonProcess.start(mount);
        cleanup.add(first);
        startReaders();
        String bystanderBefore = bystanderMounts();

        first.kill9();
        long killedAt = System.currentTimeMillis();
        for (WatchReader r : readers) {
            r.await(c -> c.fail() > 0, Duration.ofSeconds(10), "reads failing after kill -9");
        }
        DaemonProcess second = DaemonProcess.start(mount);
        cleanup.add(second);
        second.awaitReady(START);
        long readyAt = System.currentTimeMillis();
        for (WatchReader r : readers) {
            WatchReader.Counts recovered = r.await(c -> c.epochMs() > readyAt, Duration.ofSeconds(10), "a heartbeat after ready");
            r.await(c -> c.ok() > recovered.ok(), Duration.ofSeconds(5), "good reads after ready");
        }

        StringBuilder report = new StringBuilder("crash: daemon killed at +0 ms, successor ready at +"
                + (readyAt - killedAt) + " ms\n");
        for (WatchReader r : readers) {
            assertTrue(r.process().isAlive(), r.name() + " was restarted or died\n" + r.tail());
            WatchReader.Counts totals = r.stop();
            List<WatchReader.Change> changes = r.changes();
            long firstFail = changes.stream().filter(c -> c.state().equals("fail")).mapToLong(WatchReader.Change::epochMs).min().orElseThrow();
            long backOk = changes.stream().filter(c -> c.state().equals("ok") && c.epochMs() > firstFail)
                    .mapToLong(WatchReader.Change::epochMs).min().orElseThrow(() -> new AssertionError(r.name() + " never read well again\n" + r.tail()));
            report.append(String.format("  %-16s reads failed for %5d ms (%d failed reads); good again %+5d ms after ready; host reads %d%n",
                    r.name(), backOk - firstFail, totals.fail(), backOk - readyAt, totals.host()));
            assertTrue(backOk - readyAt <= 2000, r.name() + " read well only " + (backOk - readyAt) + " ms after ready\n" + r.tail());
            assertEquals(0, totals.host(), r.name() + " read the host's file\n" + r.tail());
            assertEquals("ok", changes.get(changes.size() - 1).state(), r.name() + "\n" + r.tail());
        }
        System.out.print(report);
        assertEquals(bystanderBefore, bystanderMounts(), "a namespace without the view was touched");
        String metrics = second.http("GET", "/q/metrics", null).body();
        assertTrue(metrics.contains("lxcfs_reattach_containers_total 3.0"), metrics);
    }

    @Test
    void withoutKeepersAPlannedRestartMovesEveryMountWithNoFailedAndNoHostReads() throws Exception {
        boolean beneath = kernelAtLeast(6, 5);
        DaemonProcess successor = handover(Map.of(), beneath ? "mount move (MOVE_MOUNT_BENEATH)" : "mount move (kernel < 6.5)");
        for (WatchReader r : readers) {
            if (beneath) {
                assertEquals(0, r.counts().host(), r.name() + " read the host's file\n" + r.tail());
            } else {
                assertTrue(hostWindowMs(r) < 1000, r.name() + " saw host values for " + hostWindowMs(r) + " ms\n" + r.tail());
            }
        }
        // Three containers, eight files each, all moved without a window (from 6.5 on).
        String metrics = successor.http("GET", "/q/metrics", null).body();
        assertTrue(metrics.contains("lxcfs_reattach_containers_total 3.0"), metrics);
        assertTrue(metrics.contains("lxcfs_reattach_mounts_total{method=\"" + (beneath ? "beneath" : "replaced") + "\"} 24.0"), metrics);
    }

    @Test
    void withoutKeepersOrMoveMountBeneathTheMountMoveNeverFailsAReadAndShowsHostValuesForUnderOneSecond() throws Exception {
        // As on a kernel before 6.5: the helper detaches the old mount, then attaches the new one.
        DaemonProcess successor = handover(Map.of("LXCFS_REATTACH_NO_BENEATH", "1"), "mount move (detach + attach, no BENEATH)");
        StringBuilder report = new StringBuilder();
        for (WatchReader r : readers) {
            long window = hostWindowMs(r);
            report.append(String.format("  %-16s host reads=%d, host window %d ms%n", r.name(), r.counts().host(), window));
            assertTrue(window < 1000, r.name() + " saw host values for " + window + " ms\n" + r.tail());
        }
        String metrics = successor.http("GET", "/q/metrics", null).body();
        assertTrue(metrics.contains("lxcfs_reattach_mounts_total{method=\"replaced\"} 24.0"), metrics);
        report.append("  helper-measured windows: ").append(metrics.lines()
                .filter(l -> l.startsWith("lxcfs_reattach_window_seconds_")).collect(Collectors.joining(", ")));
        System.out.println(report);
    }

    /**
     * The keepers hand the FUSE connection itself to the new daemon: readers that reopen and readers that keep
     * their files open (procread kwatch, top, vmstat) never see an error, and no mount in any container changes.
     */
    @Test
    void aHandoverOfTheConnectionFailsNoReadAndChangesNoMount() throws Exception {
        DaemonProcess old = DaemonProcess.start(mount);
        cleanup.add(old);
        startReaders();
        startKeptReaders();
        List<String> mountsBefore = readerMounts();

        long t0 = System.currentTimeMillis();
        DaemonProcess successor = DaemonProcess.start(mount);
        cleanup.add(successor);
        successor.awaitReady(START);
        long readyAt = System.currentTimeMillis();
        assertTrue(successor.log().contains("handed over by the previous daemon"), successor.log());
        // The old pod's probes: live, not ready (a retired JVM beside the keeper, no FUSE).
        old.awaitLive(START);
        assertTrue(old.log().contains("lxcfs-keeper: retired"), old.log());
        assertEquals(503, old.http("GET", "/q/health/ready", null).statusCode());
        assertEquals(0, old.stop(), old.log());
        long stoppedAt = System.currentTimeMillis();
        assertEquals(mountsBefore, readerMounts(), "the containers' mounts changed");

        String report = finishReaders("connection handover: successor ready after " + (readyAt - t0)
                + " ms, predecessor stopped " + (stoppedAt - readyAt) + " ms later", stoppedAt);
        System.out.print(report);
        String metrics = successor.http("GET", "/q/metrics", null).body();
        assertTrue(metrics.contains("lxcfs_handovers 1.0"), metrics);
        assertTrue(metrics.contains("lxcfs_reattach_containers_total 0.0"), metrics);
    }

    /** kill -9 of the JVM, its keeper alive: the next JVM serves the same connection; requests wait, none fails. */
    @Test
    void killingTheJvmUnderItsKeeperFailsNoRead() throws Exception {
        DaemonProcess d = DaemonProcess.start(mount);
        cleanup.add(d);
        startReaders();
        startKeptReaders();
        List<String> mountsBefore = readerMounts();
        long jvm = jvmOf(d);
        long killedAt = System.currentTimeMillis();
        new ProcessBuilder("kill", "-9", Long.toString(jvm)).start().waitFor();
        ProcessWait.until(d.process(), "keeper", "serve with a new JVM", START, Duration.ofMillis(20), d::log,
                () -> d.log().lines().filter(l -> l.startsWith("lxcfs-keeper: child ") && l.endsWith(" serving")).count() == 2);
        long servingAt = System.currentTimeMillis();
        assertEquals(mountsBefore, readerMounts(), "the containers' mounts changed");
        System.out.print(finishReaders("JVM killed (-9): new JVM serving after " + (servingAt - killedAt) + " ms", servingAt));
        assertTrue(d.http("GET", "/q/metrics", null).body().contains("lxcfs_keeper_restarts 1.0"));
    }

    /**
     * The kernel's OOM killer ends the JVM (a memory-limited daemon cgroup, an allocation beside it): as kill -9.
     */
    @Test
    void anOomKillOfTheJvmFailsNoRead() throws Exception {
        TestCgroup daemonCgroup = TestCgroup.create("restart-daemon");
        cleanup.add(daemonCgroup);
        DaemonProcess d = DaemonProcess.start(List.of("sh", "-c", daemonCgroup.joinScript() + "exec \"$@\"", "sh"), mount, Map.of());
        cleanup.add(d);
        startReaders();
        startKeptReaders();
        long usage = Long.parseLong(Files.readString(daemonCgroup.dir("memory").resolve(
                TestCgroup.V2 ? "memory.current" : "memory.usage_in_bytes")).trim());
        daemonCgroup.memoryLimit(usage + (48L << 20));
        // The JVM first in the OOM killer's line (raising oom_score_adj needs no privilege), then 96 MiB more
        // than the cgroup's limit allows.
        Files.writeString(Path.of("/proc/" + jvmOf(d) + "/oom_score_adj"), "1000");
        Process hog = new ProcessBuilder("sh", "-c", daemonCgroup.joinScript()
                + "exec sh -c 'head -c 100663296 /dev/zero | tail -c 100663296 > /dev/null; sleep 600'").start();
        cleanup.add(() -> hog.destroyForcibly().waitFor());
        long killedAt = System.currentTimeMillis();
        ProcessWait.until(d.process(), "keeper", "see its JVM killed", Duration.ofSeconds(60), Duration.ofMillis(10), d::log,
                () -> d.log().contains("killed by signal 9"));
        hog.destroyForcibly().waitFor();
        daemonCgroup.memoryLimit(usage + (512L << 20));
        String events = Files.readString(daemonCgroup.dir("memory").resolve(TestCgroup.V2 ? "memory.events" : "memory.oom_control"));
        assertTrue(events.matches("(?s).*oom_kill [1-9].*"), events);
        ProcessWait.until(d.process(), "keeper", "serve with a new JVM", START, Duration.ofMillis(20), d::log,
                () -> d.log().lines().filter(l -> l.startsWith("lxcfs-keeper: child ") && l.endsWith(" serving")).count() == 2);
        long servingAt = System.currentTimeMillis();
        System.out.print(finishReaders("JVM OOM-killed: new JVM serving after " + (servingAt - killedAt) + " ms", servingAt));
    }

    /** No JVM serves again within the keeper's deadline: readers get an error, none hangs; the next daemon re-attaches. */
    @Test
    void withoutASuccessorWithinTheDeadlineReadersGetAnErrorAndTheNextDaemonReattaches() throws Exception {
        // The keeper's respawns find no jar: none will ever serve.
        Path app = Files.createTempDirectory("lxcfs-it-app");
        cleanup.add(() -> TestFiles.deleteTree(app));
        copyTree(Path.of(System.getProperty("lxcfs.daemon.jar")).getParent(), app.resolve("quarkus-app"));
        DaemonProcess d = DaemonProcess.start(mount, Map.of("LXCFS_DAEMON_JAR", app.resolve("quarkus-app/quarkus-run.jar").toString(),
                "LXCFS_KEEPER_DEADLINE", "3"));
        cleanup.add(d);
        Files.move(app.resolve("quarkus-app"), app.resolve("gone"));
        abortAndRecover(d, 3000);
    }

    /** Without FUSE_NOTIFY_RESEND (switched off, as on Linux < 6.9) a JVM's death aborts the connection at once. */
    @Test
    void withoutResendAJvmDeathAbortsTheConnectionAndTheNextDaemonReattaches() throws Exception {
        DaemonProcess d = DaemonProcess.start(mount, Map.of("LXCFS_FUSE_RESEND", "false"));
        cleanup.add(d);
        abortAndRecover(d, 0);
    }

    private void abortAndRecover(DaemonProcess d, long deadlineMs) throws Exception {
        startReaders();
        startKeptReaders();
        long killedAt = System.currentTimeMillis();
        new ProcessBuilder("kill", "-9", Long.toString(jvmOf(d))).start().waitFor();
        for (WatchReader r : readers) {
            WatchReader.Counts failed = r.await(c -> c.fail() > 0, Duration.ofMillis(deadlineMs + 5000), "an error, not a hang");
            long after = r.changes().stream().filter(c -> c.state().equals("fail")).mapToLong(WatchReader.Change::epochMs)
                    .min().orElse(failed.epochMs()) - killedAt;
            System.out.printf("  %-16s first error %d ms after the kill (deadline %d ms)%n", r.name(), after, deadlineMs);
            assertTrue(after <= deadlineMs + 2000, r.name() + ": error only after " + after + " ms\n" + r.tail());
        }
        assertTrue(d.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the keeper did not exit\n" + d.log());
        assertEquals(1, d.process().exitValue(), d.log());
        assertTrue(d.log().contains("abort"), d.log());
        DaemonProcess next = DaemonProcess.start(mount);
        cleanup.add(next);
        next.awaitReady(START);
        long readyAt = System.currentTimeMillis();
        for (WatchReader r : readers) {
            if (!r.name().startsWith("kept")) {
                WatchReader.Counts back = r.await(c -> c.epochMs() > readyAt, Duration.ofSeconds(10), "a heartbeat after ready");
                r.await(c -> c.ok() > back.ok(), Duration.ofSeconds(5), "good reads after the re-attach");
            }
        }
    }

    /** The pid of the JVM under a daemon's keeper. */
    private static long jvmOf(DaemonProcess d) {
        return ProcessHandle.of(d.pid()).orElseThrow().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no JVM under the keeper " + d.pid())).pid();
    }

    /**
     * Readers that keep their files open, as monitoring agents do: procread kwatch (meminfo, stat and uptime,
     * re-read after lseek(0) every 2 ms), top -b -d 0.5 and vmstat 1, each in a private mount namespace of the
     * 256 MiB cgroup with the view bind-mounted.
     */
    private void startKeptReaders() throws Exception {
        Path tools = RepoLayout.toolsDir();
        Path out = Files.createTempFile("lxcfs-it-reader-kept", ".out");
        Process p = inContainer(tools.resolve("procread") + " kwatch 2 " + LIMIT_KB + " /proc/meminfo /proc/stat /proc/uptime", out);
        readers.add(new WatchReader("kept-open", out, p, p::destroy));
        readers.get(readers.size() - 1).await(c -> c.ok() > 10, Duration.ofSeconds(30), "good reads before the event");
        for (String[] program : List.of(new String[] {"top", "top -b -d 0.5 -w 200"}, new String[] {"vmstat", "vmstat -n 1"})) {
            Path o = Files.createTempFile("lxcfs-it-" + program[0], ".out");
            Process q = inContainer(program[1], o);
            monitors.add(new Monitor(program[0], q, o));
            cleanup.add(() -> {
                q.destroyForcibly().waitFor();
                Files.deleteIfExists(o);
            });
        }
        for (Monitor m : monitors) {
            ProcessWait.until(m.process(), m.name(), "print two frames", Duration.ofSeconds(30), Duration.ofMillis(50), m::output,
                    () -> m.frames().size() >= 2);
        }
    }

    private Process inContainer(String command, Path out) throws Exception {
        String inner = ViewContainer.bindScript(mount) + "exec " + command;
        String outer = cgroup.joinScript() + "exec unshare --mount --propagation private sh -c " + ViewContainer.quote(inner);
        return new ProcessBuilder("sh", "-c", outer).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    /** top or vmstat, and its frames (top: from "top - " to the next; vmstat: one line per second). */
    private record Monitor(String name, Process process, Path out) {
        String output() {
            try {
                return Files.readString(out);
            } catch (java.io.IOException e) {
                return "";
            }
        }

        List<String> frames() {
            String text = output();
            if (name.equals("top")) {
                List<String> frames = new ArrayList<>(List.of(text.split("(?m)^(?=top - )")));
                frames.removeIf(f -> !f.startsWith("top - "));
                return frames;
            }
            return text.lines().filter(l -> l.matches("\\s*\\d+.*")).toList();
        }
    }

    private final List<Monitor> monitors = new ArrayList<>();

    /**
     * Lets every reader read 100 more times after {@code since}, stops them, and asserts no failed read, and
     * top and vmstat alive with new frames whose numbers move. Returns the report (with each reader's longest read).
     */
    private String finishReaders(String title, long since) throws Exception {
        for (WatchReader r : readers) {
            WatchReader.Counts at = r.await(c -> c.epochMs() > since, Duration.ofSeconds(20), "a heartbeat after the event");
            r.await(c -> c.ok() > at.ok() + 100, Duration.ofSeconds(10), "100 reads after the event");
        }
        Map<String, Integer> framesBefore = new java.util.HashMap<>();
        for (Monitor m : monitors) {
            framesBefore.put(m.name(), m.frames().size());
        }
        for (Monitor m : monitors) {
            ProcessWait.until(m.process(), m.name(), "print three more frames", Duration.ofSeconds(20), Duration.ofMillis(50), m::output,
                    () -> m.frames().size() >= framesBefore.get(m.name()) + 3);
        }
        StringBuilder report = new StringBuilder(title + "\n");
        for (WatchReader r : readers) {
            assertTrue(r.process().isAlive(), r.name() + " died\n" + r.tail());
            WatchReader.Counts totals = r.stop();
            String longest = r.output().lines().filter(l -> l.contains(" maxread ")).findFirst().orElse("? maxread ms=?");
            report.append(String.format("  %-16s reads ok=%d failed=%d host=%d, longest read %s ms%n", r.name(), totals.ok(),
                    totals.fail(), totals.host(), longest.substring(longest.indexOf("ms=") + 3)));
            assertEquals(0, totals.fail(), r.name() + " had failed reads\n" + r.tail());
            assertEquals(0, totals.host(), r.name() + " read the host's file\n" + r.tail());
        }
        for (Monitor m : monitors) {
            assertTrue(m.process().isAlive(), m.name() + " exited\n" + m.output());
            List<String> frames = m.frames();
            List<String> after = frames.subList(framesBefore.get(m.name()), frames.size());
            // Moving numbers: the frames after the event are not all the same (top's header and CPU lines, vmstat's rows).
            assertTrue(after.stream().map(f -> f.replaceAll("(?m)^top - \\S+", "")).distinct().count() > 1,
                    m.name() + " froze:\n" + String.join("\n", after));
            assertTrue(!m.output().contains("Input/output error") && !m.output().contains("Unable to"), m.output());
            report.append(String.format("  %-16s alive, %d frames after the event%n", m.name(), after.size()));
        }
        return report.toString();
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Old daemon, readers, successor on the same mount path (other port); awaits the successor ready,
     * checks idempotence and the predecessor's retirement, SIGTERMs the predecessor, lets every reader
     * read 100 more times, stops the readers; asserts no failed read and an untouched bystander.
     */
    private DaemonProcess handover(Map<String, String> successorEnv, String title) throws Exception {
        DaemonProcess old = DaemonProcess.start(mount, NO_KEEPER);
        cleanup.add(old);
        startReaders();
        String bystanderBefore = bystanderMounts();

        long t0 = System.currentTimeMillis();
        Map<String, String> env = new java.util.HashMap<>(NO_KEEPER);
        env.putAll(successorEnv);
        DaemonProcess successor = DaemonProcess.start(mount, env);
        cleanup.add(successor);
        successor.awaitReady(START);
        long readyAt = System.currentTimeMillis();
        assertTrue(successor.log().contains("in place of the view"), successor.log());
        // Idempotent: the start-up pass moved everyone; two more passes change nothing.
        List<String> mountsAfterHandover = readerMounts();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> pass = successor.http("POST", "/admin/reconcile", null);
            assertEquals(200, pass.statusCode(), pass.body());
            assertTrue(pass.body().contains(" reattached=0 ") && pass.body().contains(" failed=0"), pass.body());
        }
        assertEquals(mountsAfterHandover, readerMounts());
        // The predecessor knows it was replaced: it refuses to reconcile, stays live, and exits 0 on SIGTERM.
        assertEquals(409, old.http("POST", "/admin/reconcile", null).statusCode());
        assertEquals(200, old.http("GET", "/q/health/live", null).statusCode());
        assertEquals(0, old.stop(), old.log());
        long stoppedAt = System.currentTimeMillis();
        assertTrue(old.log().contains("retired"), old.log());
        for (WatchReader r : readers) {
            WatchReader.Counts atStop = r.await(c -> c.epochMs() > stoppedAt, Duration.ofSeconds(10), "a heartbeat after the stop");
            r.await(c -> c.ok() > atStop.ok() + 100, Duration.ofSeconds(10), "100 reads after the old daemon exited");
        }

        StringBuilder report = new StringBuilder(title + ": successor ready after " + (readyAt - t0)
                + " ms, predecessor stopped " + (stoppedAt - readyAt) + " ms later\n");
        for (WatchReader r : readers) {
            assertTrue(r.process().isAlive(), r.name() + " died\n" + r.tail());
            WatchReader.Counts totals = r.stop();
            report.append(String.format("  %-16s reads ok=%d failed=%d host=%d%n", r.name(), totals.ok(), totals.fail(), totals.host()));
            assertEquals(0, totals.fail(), r.name() + " had failed reads\n" + r.tail());
            assertEquals("ok", r.changes().get(r.changes().size() - 1).state(), r.name() + "\n" + r.tail());
        }
        System.out.print(report);
        assertEquals(bystanderBefore, bystanderMounts(), "a namespace without the view was touched");
        return successor;
    }

    /** MOVE_MOUNT_BENEATH exists from Linux 6.5 on. */
    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
        return ma > major || (ma == major && mi >= minor);
    }

    /** Total time a reader spent in the "host" state (from each change to host until the next change). */
    private static long hostWindowMs(WatchReader r) {
        List<WatchReader.Change> changes = r.changes();
        long total = 0;
        for (int i = 0; i < changes.size(); i++) {
            if (changes.get(i).state().equals("host")) {
                long end = i + 1 < changes.size() ? changes.get(i + 1).epochMs() : r.counts().epochMs();
                total += end - changes.get(i).epochMs();
            }
        }
        return total;
    }

    /** Two private-mount-namespace readers in the 256 MiB cgroup, and a runc container with only the reader. */
    private void startReaders() throws Exception {
        Path tools = RepoLayout.toolsDir();
        for (int i = 1; i <= 2; i++) {
            Path out = Files.createTempFile("lxcfs-it-reader", ".out");
            String inner = ViewContainer.bindScript(mount) + "exec "
                    + String.join(" ", WatchReader.command(tools.resolve("procread").toString(), LIMIT_KB));
            String outer = cgroup.joinScript() + "exec unshare --mount --propagation private sh -c " + ViewContainer.quote(inner);
            Process p = new ProcessBuilder("sh", "-c", outer).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            readers.add(new WatchReader("namespace-" + i, out, p, p::destroy));
        }
        Path rootfs = Files.createTempDirectory("lxcfs-it-rootfs-bare");
        cleanup.add(() -> TestFiles.deleteTree(rootfs));
        for (String d : List.of("proc", "sys", "dev", "opt/tools")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(tools.resolve("procread-static"), rootfs.resolve("procread"), StandardCopyOption.REPLACE_EXISTING);
        RuncContainer runc = RuncContainer.builder(rootfs, "restart").memoryLimit(LIMIT)
                .viewFiles(mount, ViewContainer.FILES).tools().command(WatchReader.command("/procread", LIMIT_KB)).create();
        cleanup.add(runc);
        Path out = Files.createTempFile("lxcfs-it-reader-runc", ".out");
        Process p = runc.start(out);
        readers.add(new WatchReader("runc-bare-rootfs", out, p, () -> runc.kill("TERM")));
        for (WatchReader r : readers) {
            r.await(c -> c.ok() > 10, Duration.ofSeconds(30), "good reads before the restart");
            assertEquals(0, r.counts().fail() + r.counts().host(), r.name() + " before the restart\n" + r.tail());
        }
    }

    /** The mount lines of the readers' namespaces at the eight paths (ids change when a mount is re-attached). */
    private List<String> readerMounts() throws Exception {
        List<String> all = new ArrayList<>();
        for (WatchReader r : readers) {
            long pid = r.name().startsWith("runc") ? childPid(r.process().pid()) : r.process().pid();
            all.add(viewLines(pid));
        }
        return all;
    }

    private static long childPid(long runcPid) throws Exception {
        // runc run -> the container's PID 1 (the reader) is a child of runc.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var kids = ProcessHandle.of(runcPid).map(ProcessHandle::children).orElse(Stream.empty()).toList();
            if (!kids.isEmpty()) {
                return kids.get(0).pid();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no container process under runc " + runcPid);
    }

    private static String viewLines(long pid) throws Exception {
        List<String> paths = Stream.of(ProcFile.values()).map(f -> " " + f.path + " ").toList();
        return Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(l -> paths.stream().anyMatch(l::contains)).collect(Collectors.joining("\n"));
    }

    /** The bystander's mounts at the eight paths (the rest of its table follows the host's, e.g. podman's mounts). */
    private String bystanderMounts() throws Exception {
        return viewLines(bystander.pid());
    }

    private void awaitBystanderMounted() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (bystander.isAlive() && viewLines(bystander.pid()).contains(" /proc/meminfo ")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("bystander namespace not ready: " + new String(bystander.getErrorStream().readAllBytes()));
    }
}
