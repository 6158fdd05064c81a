package io.lxcfs.daemon.it;

import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.ServiceProcess;

import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lxcfs-keeper (src/main/c/lxcfs-keeper.c) with a bash stub in place of the daemon's JVM: the stub records
 * what it received (environment, what fd 3 and 4 are), reports over fd 4 as the JVM would, and mounts the
 * keeper's descriptor for real where a test needs a live FUSE connection (nobody answers its requests:
 * readers block until the connection is served or aborted).
 *
 * "The same open file" is checked with kcmp(2) KCMP_FILE, which compares two descriptors' struct file (the
 * open file description) in the kernel: fd 3 of each child against the keeper's own duplicate. The path
 * (/dev/fuse) or the inode would be the same for any fresh open of the device, which starts a new connection.
 */
class KeeperIT {

    private static final Path KEEPER = RepoLayout.keeper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long SYS_KCMP = 312; // x86_64
    private static final int KCMP_FILE = 0;
    private static final int FUSE_INIT = 26;
    private static final long FUSE_UNIQUE_RESEND = 1L << 63;

    /**
     * syscall(2): kcmp has no libc wrapper. jnr-ffi is on the classpath through jnr-fuse. Declared with all six
     * syscall arguments: with five, jnr-ffi's invoker passed the last ones wrongly (EBADF for valid descriptors).
     */
    public interface LibC {
        long syscall(long number, long pid1, long pid2, long type, long fd1, long fd2, long unused);
    }

    private static LibC libc;

    /** What every stub starts with: records what it got, answers SIGTERM with $term_status. */
    private static final String PRELUDE = """
            #!/bin/bash
            # A stand-in for the daemon's JVM under lxcfs-keeper (KeeperIT).
            R="$KIT"
            event() { echo "$$ $1" >> "$R/events"; }
            term_status=7
            trap 'event TERM; [ -n "${sp:-}" ] && kill "$sp" 2>/dev/null; exit $term_status' TERM
            { env | grep '^LXCFS_'; echo "fd3=$(readlink /proc/self/fd/3 2>/dev/null)"; echo "fd4=$(readlink /proc/self/fd/4 2>/dev/null)"; } > "$R/$$.tmp"
            mv "$R/$$.tmp" "$R/$$.env"
            echo $$ >> "$R/children"
            wait_term() { sleep 600 & sp=$!; echo "$sp" >> "$R/pids"; wait "$sp"; exit 0; }
            await_file() { while [ ! -e "$R/$1" ]; do sleep 0.02; done; }
            # Mounts the keeper's descriptor (fd 3) at $R/mnt (-i: no mount.fuse helper) and prints its device.
            mount_fd3() {
              mount -i -t fuse.keepertest -o fd=3,rootmode=40000,user_id=0,group_id=0 keepertest "$R/mnt" || exit 9
              awk -v d="$R/mnt" '$5 == d {print $3}' /proc/self/mountinfo
            }
            # A reader that blocks on the connection; it keeps fd 3 open, so only an abort can end it.
            start_reader() { stat "$R/mnt/x" > "$R/reader.out" 2>&1 & echo $! > "$R/reader.pid"; echo $! >> "$R/pids"; }
            """;

    private Path dir;
    private final List<Keeper> keepers = new ArrayList<>();

    @BeforeAll
    static void assumeRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")), "kcmp's syscall number is x86_64's");
        libc = LibraryLoader.create(LibC.class).load("c");
    }

    @BeforeEach
    void createDir() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "keeper-it-");
        Files.createDirectories(dir.resolve("mnt"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Keeper k : keepers) {
            k.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // A failed test must not leave blocked readers or a mount behind: abort the connection, then unmount.
        String dev = mountedDevice();
        if (dev != null) {
            abort(dev);
            new ProcessBuilder("umount", "-l", dir.resolve("mnt").toString()).inheritIO().start().waitFor();
        }
        for (long pid : pids("pids")) {
            kill9IfAlive(pid);
        }
        for (long pid : pids("children")) {
            kill9IfAlive(pid);
        }
        if (mountedDevice() == null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void freshStartGivesTheChildDevFuseAtFd3AndForwardsSigterm() throws Exception {
        Path socket = dir.resolve("sock/keeper.sock"); // the directory does not exist yet: the keeper creates it
        Keeper k = start(socket, 10, PRELUDE + "wait_term\n");
        long stub = awaitChild(k, 0);
        Map<String, String> env = env(stub);
        assertEquals("3", env.get("LXCFS_FUSE_FD"), env.toString());
        assertEquals("4", env.get("LXCFS_KEEPER_FD"));
        assertEquals("0", env.get("LXCFS_KEEPER_RESTARTS"));
        assertEquals("0", env.get("LXCFS_HANDED_OVER"));
        assertNull(env.get("LXCFS_FUSE_STATE"), "a fresh start has no state: the child mounts and answers INIT itself");
        assertNull(env.get("LXCFS_RETIRED"));
        assertEquals("/dev/fuse", env.get("fd3"));
        assertTrue(env.get("fd4").startsWith("socket:"), env.get("fd4"));
        int keeperFd = k.fuseFd();
        assertTrue(sameOpenFile(k.pid(), keeperFd, stub, 3), "fd 3 must be the keeper's own open /dev/fuse");
        assertFalse(sameOpenFile(k.pid(), keeperFd, stub, 4), "kcmp tells files apart (fd 4 is the socket)");
        assertTrue(Files.exists(socket), k.log());

        k.process.destroy(); // SIGTERM
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(7, k.process.exitValue(), "the keeper exits with its child's status:\n" + k.log());
        assertTrue(events().contains(stub + " TERM"), "SIGTERM reaches the child:\n" + k.log());
        assertFalse(Files.exists(socket), "a stopping keeper removes its own socket");
    }

    @Test
    void aChildKilledBySigtermGivesStatus143() throws Exception {
        Keeper k = start(null, 10, PRELUDE + "exec sleep 600\n");
        awaitChild(k, 0);
        k.process.destroy();
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(128 + 15, k.process.exitValue(), k.log());
        assertTrue(k.log().contains("killed by signal 15"), k.log());
    }

    @Test
    void killingTheKeeperKillsTheChild() throws Exception {
        Keeper k = start(null, 10, PRELUDE + "exec sleep 600\n");
        long stub = awaitChild(k, 0);
        k.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        awaitTrue("the child dies with its keeper (PR_SET_PDEATHSIG)", () -> !alive(stub), k);
    }

    @Test
    void aCrashedChildIsReplacedWithTheStateOnTheSameOpenFile() throws Exception {
        String token = "dev=0:0,resend=1,kminor=44,minor=44,flags=0x1234";
        Keeper k = start(null, 5, PRELUDE + """
                [ "$LXCFS_KEEPER_RESTARTS" = 0 ] && echo "state %s" >&4
                echo serving >&4
                wait_term
                """.formatted(token));
        long first = awaitChild(k, 0);
        int keeperFd = k.fuseFd();
        assertTrue(sameOpenFile(k.pid(), keeperFd, first, 3));
        awaitTrue("the keeper has the state", () -> k.log().contains("state " + token), k);

        new ProcessBuilder("kill", "-9", Long.toString(first)).start().waitFor(); // a crash
        long second = awaitChild(k, 1);
        Map<String, String> env = env(second);
        assertEquals(token, env.get("LXCFS_FUSE_STATE"), env.toString());
        assertEquals("1", env.get("LXCFS_KEEPER_RESTARTS"));
        assertEquals("0", env.get("LXCFS_HANDED_OVER"));
        assertEquals("3", env.get("LXCFS_FUSE_FD"));
        assertEquals(keeperFd, k.fuseFd(), "the keeper kept its descriptor");
        assertTrue(sameOpenFile(k.pid(), keeperFd, second, 3), "the new child must get the dead one's open file, not a new /dev/fuse");
        assertTrue(k.log().contains("killed by signal 9") && k.log().contains("respawned child " + second), k.log());
        awaitTrue("the new child serves", () -> k.log().contains("child " + second + " serving"), k);

        k.process.destroy();
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(7, k.process.exitValue(), k.log());
    }

    /** A real mount: the request a killed child had read and never answered is read again by its replacement. */
    @Test
    void aCrashedChildsUnansweredRequestGoesToItsReplacement() throws Exception {
        Keeper k = start(null, 10, PRELUDE + """
                if [ "$LXCFS_KEEPER_RESTARTS" = 0 ]; then
                  dev=$(mount_fd3)
                  dd bs=1M count=1 <&3 > "$R/first-read" 2>/dev/null   # the FUSE_INIT request, never answered
                  start_reader 3>&- 4>&-
                  echo "state dev=$dev,resend=1" >&4
                  echo serving >&4
                else
                  echo serving >&4   # and no FUSE_NOTIFY_RESEND of its own: the keeper's must do
                  dd bs=1M count=1 <&3 > "$R/second-read.tmp" 2>/dev/null && mv "$R/second-read.tmp" "$R/second-read"
                fi
                wait_term
                """);
        long first = awaitChild(k, 0);
        awaitTrue("the first child serves", () -> k.log().contains("child " + first + " serving"), k);
        long reader = Long.parseLong(Files.readString(dir.resolve("reader.pid")).trim());
        awaitTrue("a reader waits on the connection", () -> wchan(reader).equals("fuse_get_req"), k);

        new ProcessBuilder("kill", "-9", Long.toString(first)).start().waitFor();
        Path secondRead = dir.resolve("second-read");
        awaitTrue("the replacement reads the dead child's request", () -> Files.exists(secondRead), k);
        ByteBuffer a = header(dir.resolve("first-read")), b = header(secondRead);
        assertEquals(FUSE_INIT, a.getInt(4));
        assertEquals(FUSE_INIT, b.getInt(4));
        assertEquals(a.getLong(8) | FUSE_UNIQUE_RESEND, b.getLong(8), "the same request, marked as resent");
        assertTrue(alive(reader) && wchan(reader).equals("fuse_get_req"), "the reader still waits: the connection lives");
        assertTrue(k.log().contains("sent FUSE_NOTIFY_RESEND"), k.log());
    }

    @Test
    void moreDeathsThanMaxRestartsWithinAMinuteEndTheKeeper() throws Exception {
        Keeper k = start(null, 5, List.of("--max-restarts", "2"), PRELUDE + """
                echo "state dev=0:0,resend=1" >&4
                echo serving >&4
                exit 1
                """);
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(1, k.process.exitValue(), k.log());
        assertEquals(3, pids("children").size(), "the first child and two replacements:\n" + k.log());
        assertTrue(k.log().contains("too many child deaths"), k.log());
    }

    /**
     * Two keepers on one socket with a real mount: the first's child has read the kernel's FUSE_INIT and never
     * answers it; after the handover the first keeper's FUSE_NOTIFY_RESEND queues that request again, and the
     * second keeper's child reads it (unique marked as resent) from the descriptor it was handed.
     */
    @Test
    void handoverPassesTheConnectionAndItsPendingRequestsToTheSecondKeeper() throws Exception {
        Path socket = dir.resolve("keeper.sock");
        String stub = PRELUDE + """
                if [ "${LXCFS_RETIRED:-0}" = 1 ]; then
                  term_status=5; wait_term
                elif [ -z "${LXCFS_FUSE_STATE:-}" ]; then
                  dev=$(mount_fd3)
                  dd bs=1M count=1 <&3 > "$R/first-read" 2>/dev/null   # the FUSE_INIT request, never answered
                  start_reader 3>&- 4>&-
                  echo "state dev=$dev,resend=1,kminor=44" >&4
                  echo serving >&4
                  term_status=0; wait_term
                else
                  await_file go
                  event said-serving
                  echo serving >&4
                  dd bs=1M count=1 <&3 > "$R/second-read.tmp" 2>/dev/null && mv "$R/second-read.tmp" "$R/second-read"
                  wait_term
                fi
                """;
        Keeper first = start(socket, 10, stub);
        long firstStub = awaitChild(first, 0);
        awaitTrue("the first child serves", () -> first.log().contains("child " + firstStub + " serving"), first);
        String dev = mountedDevice();
        assertTrue(dev != null, "the stub mounted the keeper's descriptor");
        long reader = Long.parseLong(Files.readString(dir.resolve("reader.pid")).trim());
        awaitTrue("a reader waits on the connection", () -> wchan(reader).equals("fuse_get_req"), first);
        Object socketBefore = Files.readAttributes(socket, BasicFileAttributes.class).fileKey();

        Keeper second = start(socket, 10, stub);
        long secondStub = awaitChild(second, 1);
        Map<String, String> env = env(secondStub);
        assertEquals("1", env.get("LXCFS_HANDED_OVER"), env.toString());
        assertEquals("dev=" + dev + ",resend=1,kminor=44", env.get("LXCFS_FUSE_STATE"));
        assertEquals("0", env.get("LXCFS_KEEPER_RESTARTS"));
        assertEquals("/dev/fuse", env.get("fd3"));
        assertTrue(sameOpenFile(first.pid(), first.fuseFd(), secondStub, 3), "the second child has the first keeper's open file");
        assertTrue(sameOpenFile(first.pid(), first.fuseFd(), second.pid(), second.fuseFd()));
        assertTrue(first.log().contains("handover offered to keeper pid " + second.pid()), first.log());
        // Until the second child serves, nothing changes on the first side, and the socket file stays the first's.
        assertFalse(events().contains(firstStub + " TERM"), first.log());
        assertEquals(socketBefore, Files.readAttributes(socket, BasicFileAttributes.class).fileKey());

        Files.createFile(dir.resolve("go"));
        awaitTrue("the first child is stopped", () -> events().contains(firstStub + " TERM"), first);
        List<String> ev = events();
        assertTrue(ev.indexOf(secondStub + " said-serving") < ev.indexOf(firstStub + " TERM"),
                "SIGTERM only after the successor serves: " + ev);
        long retired = awaitChild(first, 2);
        Map<String, String> retiredEnv = env(retired);
        assertEquals("1", retiredEnv.get("LXCFS_RETIRED"), retiredEnv.toString());
        assertNull(retiredEnv.get("LXCFS_FUSE_FD"));
        assertNull(retiredEnv.get("LXCFS_FUSE_STATE"));
        assertEquals("", retiredEnv.get("fd3"), "the retired child has no fd 3");
        assertEquals(-1, first.fuseFdOrNone(), "the retired keeper dropped its descriptor");
        assertTrue(first.log().contains("sent FUSE_NOTIFY_RESEND"), first.log());

        // The request the first child had read and never answered reaches the second child again.
        Path secondRead = dir.resolve("second-read");
        awaitTrue("the second child reads the resent request", () -> Files.exists(secondRead), second);
        ByteBuffer a = header(dir.resolve("first-read")), b = header(secondRead);
        assertEquals(FUSE_INIT, a.getInt(4));
        assertEquals(FUSE_INIT, b.getInt(4), "the resent request is the unanswered FUSE_INIT");
        assertEquals(a.getLong(8) | FUSE_UNIQUE_RESEND, b.getLong(8), "same request, marked as resent");
        assertTrue(alive(reader) && wchan(reader).equals("fuse_get_req"), "the reader still waits: the connection lives");
        Object socketAfter = Files.readAttributes(socket, BasicFileAttributes.class).fileKey();
        assertFalse(socketBefore.equals(socketAfter), "the socket file is now the second keeper's");

        first.process.destroy();
        assertTrue(first.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), first.log());
        assertEquals(5, first.process.exitValue(), "the retired keeper exits with its retired child's status:\n" + first.log());
        assertTrue(events().contains(retired + " TERM"));
        assertEquals(socketAfter, Files.readAttributes(socket, BasicFileAttributes.class).fileKey(),
                "the first keeper leaves the second's socket file alone");
        assertTrue(second.process.isAlive(), second.log());
        second.process.destroy();
        assertTrue(second.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), second.log());
        assertFalse(Files.exists(socket), "the second keeper removes its own socket file");
    }

    @Test
    void aSuccessorThatNeverServesChangesNothingAndTheNextOneTakesOver() throws Exception {
        Path socket = dir.resolve("keeper.sock");
        String stub = PRELUDE + """
                if [ "${LXCFS_RETIRED:-0}" = 1 ]; then
                  term_status=5; wait_term
                elif [ -z "${LXCFS_FUSE_STATE:-}" ]; then
                  echo "state dev=0:0,resend=1" >&4
                  echo serving >&4
                  wait_term
                elif [ -e "$R/serve" ]; then
                  echo serving >&4
                  wait_term
                else
                  wait_term   # a successor that never comes up
                fi
                """;
        Keeper first = start(socket, 10, stub);
        long firstStub = awaitChild(first, 0);
        awaitTrue("the first child serves", () -> first.log().contains("child " + firstStub + " serving"), first);
        Object socketBefore = Files.readAttributes(socket, BasicFileAttributes.class).fileKey();

        Keeper failing = start(socket, 1, stub);
        assertTrue(failing.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), failing.log());
        assertEquals(1, failing.process.exitValue(), failing.log());
        assertTrue(failing.log().contains("did not serve within the deadline"), failing.log());
        assertFalse(failing.log().contains("aborted"), "the predecessor still serves: no abort\n" + failing.log());
        awaitTrue("the first keeper notices", () -> first.log().contains("handover to keeper pid " + failing.pid() + " abandoned"), first);
        assertTrue(first.process.isAlive(), first.log());
        assertFalse(events().contains(firstStub + " TERM"), first.log());
        assertEquals(socketBefore, Files.readAttributes(socket, BasicFileAttributes.class).fileKey(),
                "the socket file stays with the keeper that serves");

        Files.createFile(dir.resolve("serve"));
        Keeper next = start(socket, 10, stub);
        awaitTrue("the first child is stopped", () -> events().contains(firstStub + " TERM"), next);
        assertTrue(first.log().contains("handover given to keeper pid " + next.pid()), first.log());
        awaitTrue("the first keeper retires", () -> first.log().contains("(retired,"), first);
    }

    @Test
    void aKeeperWithoutStateAnswersBusyUntilTheSuccessorsDeadline() throws Exception {
        Path socket = dir.resolve("keeper.sock");
        Keeper first = start(socket, 10, PRELUDE + "wait_term\n"); // never reports a state
        awaitChild(first, 0);
        long t0 = System.nanoTime();
        Keeper second = start(socket, 1, PRELUDE + "wait_term\n");
        assertTrue(second.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), second.log());
        assertEquals(1, second.process.exitValue(), second.log());
        assertTrue((System.nanoTime() - t0) / 1e9 >= 0.9, "it retried until its deadline");
        assertTrue(second.log().contains("still busy at the deadline"), second.log());
        assertTrue(first.log().contains("asked for the connection: busy"), first.log());
        assertEquals(1, pids("children").size(), "the second keeper started no child");
        assertTrue(first.process.isAlive() && Files.exists(socket), first.log());
    }

    @Test
    void withoutResendADeadChildsConnectionIsAbortedAtOnce() throws Exception {
        int deadline = 3;
        Keeper k = start(null, deadline, PRELUDE + """
                dev=$(mount_fd3)
                start_reader
                echo "state dev=$dev,resend=0" >&4
                await_file go
                exit 1
                """);
        long reader = awaitReader(k);
        long t0 = System.nanoTime();
        Files.createFile(dir.resolve("go"));
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(1, k.process.exitValue(), k.log());
        awaitTrue("the reader gets an error", () -> !alive(reader), null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < deadline, "the reader failed after " + seconds + " s");
        assertReaderFailed(k);
        assertEquals(1, pids("children").size(), "no new child without FUSE_NOTIFY_RESEND:\n" + k.log());
    }

    @Test
    void aReplacementThatNeverServesIsAbortedAtTheDeadline() throws Exception {
        int deadline = 2;
        Keeper k = start(null, deadline, PRELUDE + """
                if [ -n "${LXCFS_FUSE_STATE:-}" ]; then wait_term; fi   # the replacement never says serving
                dev=$(mount_fd3)
                start_reader
                echo "state dev=$dev,resend=1" >&4
                await_file go
                exit 1
                """);
        long reader = awaitReader(k);
        long t0 = System.nanoTime();
        Files.createFile(dir.resolve("go"));
        long replacement = awaitChild(k, 1);
        assertTrue(k.process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), k.log());
        assertEquals(1, k.process.exitValue(), k.log());
        awaitTrue("the reader gets an error", () -> !alive(reader), null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // Not at once (the replacement had its chance), and not much later than the deadline.
        assertTrue(seconds > deadline * 0.8 && seconds < deadline + 2, "the reader failed after " + seconds + " s:\n" + k.log());
        assertReaderFailed(k);
        assertTrue(k.log().contains("did not serve within the deadline"), k.log());
        awaitTrue("the replacement is killed", () -> !alive(replacement), null);
    }

    // --- helpers ---

    private final class Keeper {
        final ServiceProcess service;
        final Process process;

        Keeper(ServiceProcess service) {
            this.service = service;
            this.process = service.process();
        }

        long pid() {
            return service.pid();
        }

        String log() {
            return service.log();
        }

        /** The keeper's own /dev/fuse descriptor (exactly one). */
        int fuseFd() throws IOException {
            int fd = fuseFdOrNone();
            assertTrue(fd >= 0, "the keeper holds no /dev/fuse:\n" + log());
            return fd;
        }

        int fuseFdOrNone() throws IOException {
            List<Integer> fds = new ArrayList<>();
            try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
                for (Path p : s.toList()) {
                    try {
                        if (Files.readSymbolicLink(p).toString().equals("/dev/fuse")) {
                            fds.add(Integer.parseInt(p.getFileName().toString()));
                        }
                    } catch (NoSuchFileException e) {
                        // closed meanwhile
                    }
                }
            }
            assertTrue(fds.size() <= 1, "one descriptor, not " + fds);
            return fds.isEmpty() ? -1 : fds.get(0);
        }
    }

    private Keeper start(Path socket, int deadlineSeconds, String stub) throws Exception {
        return start(socket, deadlineSeconds, List.of(), stub);
    }

    private Keeper start(Path socket, int deadlineSeconds, List<String> options, String stub) throws Exception {
        Path script = dir.resolve("stub.sh");
        if (!Files.exists(script)) {
            Files.writeString(script, stub);
            script.toFile().setExecutable(true);
        }
        List<String> cmd = new ArrayList<>(List.of(KEEPER.toString()));
        if (socket != null) {
            cmd.addAll(List.of("--socket", socket.toString()));
        }
        cmd.addAll(List.of("--deadline", Integer.toString(deadlineSeconds)));
        cmd.addAll(options);
        cmd.addAll(List.of("--", script.toString()));
        Keeper k = new Keeper(ServiceProcess.start("keeper", cmd, Map.of("KIT", dir.toString()),
                Files.createTempFile(dir, "keeper-", ".log")));
        keepers.add(k);
        return k;
    }

    /** The pid of the n-th child any keeper of this test started (0-based), once it has recorded itself. */
    private long awaitChild(Keeper k, int n) throws Exception {
        awaitTrue("child " + n + " starts", () -> pids("children").size() > n, k);
        return pids("children").get(n);
    }

    /** The stub's reader, once it waits on the connection (FUSE_INIT unanswered: no request can be sent). */
    private long awaitReader(Keeper k) throws Exception {
        Path pidFile = dir.resolve("reader.pid");
        awaitTrue("the stub starts a reader", () -> Files.exists(pidFile) && k.log().contains(" state dev="), k);
        long reader = Long.parseLong(Files.readString(pidFile).trim());
        awaitTrue("the reader waits on the connection", () -> wchan(reader).equals("fuse_get_req"), k);
        return reader;
    }

    private void assertReaderFailed(Keeper k) throws IOException {
        String out = Files.readString(dir.resolve("reader.out"));
        assertTrue(out.contains("Transport endpoint is not connected") || out.contains("Software caused connection abort"),
                "the reader fails with ENOTCONN/ECONNABORTED, got: " + out + "\n" + k.log());
        assertTrue(k.log().contains("aborted connection"), k.log());
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls until the condition holds (k: the keeper whose log explains a failure, may be null). */
    private void awaitTrue(String goal, Condition c, Keeper k) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (c.holds()) {
                    return;
                }
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError(goal + ": not in time" + (k == null ? "" : ":\n" + k.log()));
    }

    private List<Long> pids(String file) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) {
            return List.of();
        }
        return Files.readAllLines(p).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
    }

    private List<String> events() throws IOException {
        Path p = dir.resolve("events");
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private Map<String, String> env(long pid) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve(pid + ".env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /** The device ("major:minor") of the test's FUSE mount, or null. */
    private String mountedDevice() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(dir.resolve("mnt").toString())) {
                return f[2];
            }
        }
        return null;
    }

    private static void abort(String dev) {
        String[] mm = dev.split(":");
        long n = (Long.parseLong(mm[0]) << 20) | Long.parseLong(mm[1]);
        try {
            Files.writeString(Path.of("/sys/fs/fuse/connections", Long.toString(n), "abort"), "1");
        } catch (IOException e) {
            // already gone with its last descriptor
        }
    }

    /** kcmp(2) KCMP_FILE: 0 when both descriptors are the same open file description. */
    private static boolean sameOpenFile(long pid1, int fd1, long pid2, int fd2) {
        long r = libc.syscall(SYS_KCMP, pid1, pid2, KCMP_FILE, fd1, fd2, 0);
        assertTrue(r >= 0, "kcmp failed: errno " + jnr.ffi.Runtime.getSystemRuntime().getLastError());
        return r == 0;
    }

    /** struct fuse_in_header at the start of a request read from /dev/fuse: len, opcode, unique, ... */
    private static ByteBuffer header(Path request) throws IOException {
        byte[] b = Files.readAllBytes(request);
        assertTrue(b.length >= 40, "a FUSE request of " + b.length + " bytes");
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    }

    private static String wchan(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "wchan")).trim();
    }

    /** Running (a zombie has exited: our stubs' children are reaped by whoever inherits them). */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static void kill9IfAlive(long pid) {
        if (alive(pid)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
