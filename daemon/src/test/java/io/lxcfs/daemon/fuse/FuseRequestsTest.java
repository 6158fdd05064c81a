package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FUSE protocol as the kernel speaks it, request bytes in and reply bytes out, over the real view of a
 * fixture host. Two servers stand for a daemon and its successor on one live connection: the successor
 * understands the node ids and file handles the first gave the kernel.
 */
class FuseRequestsTest {

    static final long PID = 9000;
    static final String CONTAINER = "/kubepods/pod1/c1";

    @TempDir
    Path tmp;

    FuseRequests first;
    FuseRequests successor;
    final ByteBuffer out = ByteBuffer.allocateDirect(FuseProtocol.OUT_HEADER + FuseProtocol.MAX_READ).order(ByteOrder.nativeOrder());
    long unique = 100;

    @BeforeEach
    void host() {
        FixtureTree t = new FixtureTree(tmp);
        t.v2();
        t.v2Cgroup(CONTAINER).procs(PID).threads(PID).set("memory.max", "536870912\n").set("memory.current", "134217728\n")
                .set("memory.stat", KernelFiles.memoryStatV2(Map.of("file", 0L, "anon", 134217728L)));
        t.process(PID, FixtureTree.cgroupV2(CONTAINER), 900_000, 1);
        t.file("sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
        first = new FuseRequests(new ProcViewFs(t.view(), ReadListener.NONE), FuseRequests.Timeouts.NONE, true);
        successor = new FuseRequests(new ProcViewFs(t.view(), ReadListener.NONE), FuseRequests.Timeouts.NONE, true);
    }

    ByteBuffer request(int opcode, long node, long pid, int bodySize) {
        ByteBuffer in = ByteBuffer.allocateDirect(FuseProtocol.IN_HEADER + bodySize).order(ByteOrder.nativeOrder());
        in.putInt(0, FuseProtocol.IN_HEADER + bodySize);
        in.putInt(4, opcode);
        in.putLong(8, unique++);
        in.putLong(16, node);
        in.putInt(32, (int) pid);
        return in;
    }

    int send(FuseRequests server, ByteBuffer in) {
        int n = server.handle(in, in.getInt(0), out);
        if (n > 0) {
            assertEquals(n, out.getInt(0), "reply length in the header");
            assertEquals(in.getLong(8), out.getLong(8), "reply names its request");
        }
        return n;
    }

    int errno() {
        return -out.getInt(4);
    }

    long lookup(FuseRequests server, long parent, String name) {
        byte[] b = (name + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer in = request(FuseProtocol.LOOKUP, parent, PID, b.length);
        in.put(FuseProtocol.IN_HEADER, b);
        assertEquals(FuseProtocol.OUT_HEADER + FuseProtocol.ENTRY_OUT, send(server, in), () -> name + ": errno " + errno());
        return out.getLong(16);
    }

    long open(FuseRequests server, long node, int flags) {
        ByteBuffer in = request(FuseProtocol.OPEN, node, PID, 8);
        in.putInt(FuseProtocol.IN_HEADER, flags);
        send(server, in);
        return errno() == 0 ? out.getLong(16) : -errno();
    }

    String read(FuseRequests server, long node, long handle, long offset, int size) {
        ByteBuffer in = request(FuseProtocol.READ, node, PID, 40);
        in.putLong(FuseProtocol.IN_HEADER, handle);
        in.putLong(FuseProtocol.IN_HEADER + 8, offset);
        in.putInt(FuseProtocol.IN_HEADER + 16, size);
        int n = send(server, in);
        assertEquals(0, errno());
        byte[] b = new byte[n - FuseProtocol.OUT_HEADER];
        out.get(FuseProtocol.OUT_HEADER, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void initSettlesTheProtocolAndWhetherRequestsCanBeSentAgain() {
        ByteBuffer in = request(FuseProtocol.INIT, 0, 0, 64);
        in.putInt(FuseProtocol.IN_HEADER, 7);
        in.putInt(FuseProtocol.IN_HEADER + 4, 44);
        in.putInt(FuseProtocol.IN_HEADER + 8, 131072);
        in.putInt(FuseProtocol.IN_HEADER + 12, (int) (FuseProtocol.INIT_EXT | FuseProtocol.PARALLEL_DIROPS | 1 /* ASYNC_READ */));
        in.putInt(FuseProtocol.IN_HEADER + 16, (int) (FuseProtocol.HAS_RESEND >>> 32));
        assertEquals(FuseProtocol.OUT_HEADER + FuseProtocol.INIT_OUT, send(first, in));
        assertEquals(0, errno());
        assertEquals(7, out.getInt(16));
        assertEquals(FuseProtocol.MINOR, out.getInt(20), "the older of the two minors");
        assertEquals(131072, out.getInt(24));
        assertEquals((int) (FuseProtocol.INIT_EXT | FuseProtocol.PARALLEL_DIROPS), out.getInt(28), "only flags we want and were offered");
        assertEquals(FuseProtocol.MAX_WRITE, out.getInt(36));
        InitState state = first.init().join();
        assertTrue(state.resend());
        assertEquals(44, state.kernelMinor());
        InitState carried = InitState.parse(state.withDevice("0:63").token());
        assertEquals(state.withDevice("0:63"), carried);

        // A kernel without FUSE_HAS_RESEND (< 6.9), and a daemon configured not to ask.
        in.putInt(FuseProtocol.IN_HEADER + 16, 0);
        send(successor, in);
        assertFalse(successor.init().join().resend());
        FuseRequests disabled = new FuseRequests(new ProcViewFs(new FixtureTree(tmp).view(), ReadListener.NONE), FuseRequests.Timeouts.NONE, false);
        in.putInt(FuseProtocol.IN_HEADER + 16, (int) (FuseProtocol.HAS_RESEND >>> 32));
        send(disabled, in);
        assertFalse(disabled.init().join().resend());
    }

    @Test
    void lookupGivesEveryPathTheSameIdInEveryDaemon() {
        long proc = lookup(first, FuseProtocol.ROOT_ID, "proc");
        long meminfo = lookup(first, proc, "meminfo");
        assertEquals(NodeIds.idOf("/proc/meminfo"), meminfo);
        assertEquals(FuseProtocol.S_IFREG | 0444, out.getInt(16 + 40 + 60), "mode");
        assertTrue(out.getLong(16 + 40 + 8) >= FileSizes.MIN_SIZE, "st_size");
        assertEquals(meminfo, lookup(successor, lookup(successor, FuseProtocol.ROOT_ID, "proc"), "meminfo"));

        ByteBuffer missing = request(FuseProtocol.LOOKUP, proc, PID, 8);
        missing.put(FuseProtocol.IN_HEADER, "nothing\0".getBytes(StandardCharsets.UTF_8));
        send(first, missing);
        assertEquals(FuseProtocol.ENOENT, errno());
    }

    @Test
    void aSuccessorServesIdsAndHandlesItNeverGaveOut() {
        long meminfo = lookup(first, lookup(first, FuseProtocol.ROOT_ID, "proc"), "meminfo");
        long handle = open(first, meminfo, 0);
        String head = read(first, meminfo, handle, 0, 64);
        assertTrue(head.startsWith("MemTotal:         524288 kB\n"), head);

        // The successor never saw a LOOKUP: the kernel goes on with the ids and the handle it has.
        send(successor, request(FuseProtocol.GETATTR, meminfo, PID, 16));
        assertEquals(0, errno());
        String whole = read(successor, meminfo, handle, 0, 4096);
        assertTrue(whole.startsWith("MemTotal:         524288 kB\n"), whole);
        // An offset above 0 with no snapshot here: rendered again, the rest of a whole file.
        assertEquals(whole.substring(64), read(successor, meminfo, handle, 64, 4096));

        long coreId = NodeIds.idOf("/sys/devices/system/cpu/cpu0/topology/core_id");
        send(successor, request(FuseProtocol.GETATTR, coreId, PID, 16));
        assertEquals(0, errno(), "a CPU directory entry found by walking the host's tree");
        send(successor, request(FuseProtocol.GETATTR, NodeIds.idOf("/proc/nothing"), PID, 16));
        assertEquals(FuseProtocol.ESTALE, errno());
    }

    @Test
    void writesAndUnknownRequestsAreRefused() {
        long meminfo = lookup(first, lookup(first, FuseProtocol.ROOT_ID, "proc"), "meminfo");
        assertEquals(-FuseProtocol.EACCES, open(first, meminfo, 1 /* O_WRONLY */));
        send(first, request(FuseProtocol.SETATTR, meminfo, PID, 88));
        assertEquals(FuseProtocol.EROFS, errno());
        send(first, request(9 /* MKDIR */, FuseProtocol.ROOT_ID, PID, 8));
        assertEquals(FuseProtocol.ENOSYS, errno());
        ByteBuffer access = request(FuseProtocol.ACCESS, meminfo, PID, 8);
        access.putInt(FuseProtocol.IN_HEADER, 2 /* W_OK */);
        send(first, access);
        assertEquals(FuseProtocol.EROFS, errno());
        assertEquals(0, send(first, request(FuseProtocol.FORGET, meminfo, PID, 8)), "FORGET has no reply");
        assertEquals(0, send(first, request(FuseProtocol.INTERRUPT, 0, PID, 8)), "INTERRUPT has no reply");
    }

    @Test
    void readdirContinuesAtTheOffsetOfTheLastEntry() {
        long proc = lookup(first, FuseProtocol.ROOT_ID, "proc");
        List<String> names = new ArrayList<>();
        long offset = 0;
        while (true) {
            ByteBuffer in = request(FuseProtocol.READDIR, proc, PID, 40);
            in.putLong(FuseProtocol.IN_HEADER + 8, offset);
            in.putInt(FuseProtocol.IN_HEADER + 16, 80); // room for about two entries per reply
            int n = send(first, in) - FuseProtocol.OUT_HEADER;
            if (n == 0) {
                break;
            }
            for (int at = FuseProtocol.OUT_HEADER; at < FuseProtocol.OUT_HEADER + n; ) {
                int len = out.getInt(at + 16);
                byte[] b = new byte[len];
                out.get(at + FuseProtocol.DIRENT, b);
                names.add(new String(b, StandardCharsets.UTF_8));
                offset = out.getLong(at + 8);
                at += (FuseProtocol.DIRENT + len + 7) & ~7;
            }
        }
        assertEquals(List.of(".", ".."), names.subList(0, 2));
        assertEquals(List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"),
                names.subList(2, names.size()).stream().sorted().toList());
    }

    @Test
    void requestsSentAgainAreCounted() {
        long proc = lookup(first, FuseProtocol.ROOT_ID, "proc");
        ByteBuffer in = request(FuseProtocol.GETATTR, proc, PID, 16);
        in.putLong(8, FuseProtocol.UNIQUE_RESEND | 7);
        send(first, in);
        assertEquals(0, errno());
        assertEquals(1, first.resent());
    }
}
