package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotReadsTest {

    /** Each render is a new, longer file ("render 1\n", "render 2 2\n", ...), so mixing two shows. */
    private final AtomicInteger renders = new AtomicInteger();
    private final SnapshotReads reads = new SnapshotReads((file, pid) -> {
        int n = renders.incrementAndGet();
        return new RenderResult(("render " + (n + " ").repeat(n).trim() + "\n").getBytes(StandardCharsets.US_ASCII),
                RenderResult.Source.CONTAINER, null);
    });

    private String readAll(long handle, int chunk) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            SnapshotReads.Slice s = reads.read(handle, ProcFile.STAT, 42, offset, chunk);
            if (s.length() == 0) {
                return out.toString(StandardCharsets.US_ASCII);
            }
            out.write(s.content(), s.offset(), s.length());
            offset += s.length();
        }
    }

    @Test
    void aReadAtOffsetZeroRendersAFreshSnapshotOnTheSameHandle() throws Exception {
        assertEquals("render 1\n", readAll(1, 4096));
        assertEquals("render 2 2\n", readAll(1, 4096)); // lseek(0) + read, as top and vmstat do
        assertEquals(2, renders.get());
    }

    @Test
    void chunkedReadsOfOneSnapshotAreOneConsistentFile() throws Exception {
        renders.set(9); // "render 10 10 ... 10\n": longer than the chunks
        String whole = readAll(7, 3);
        assertEquals("render " + "10 ".repeat(10).trim() + "\n", whole);
        assertEquals(10, renders.get(), "one render for every chunk of the file");
    }

    @Test
    void theReadAfterTheLastByteIsEofEvenWhenANewRenderWouldBeLonger() throws Exception {
        SnapshotReads.Slice first = reads.read(3, ProcFile.STAT, 42, 0, 4096);
        assertEquals("render 1\n".length(), first.length());
        // The next render is longer; the reader asking at its offset must get EOF, not the tail of another file.
        assertEquals(0, reads.read(3, ProcFile.STAT, 42, first.length(), 4096).length());
        assertEquals(1, renders.get());
        assertEquals(0, reads.pending(), "the snapshot is dropped once its reader reached the end");
    }

    @Test
    void openHandlesCostNothingAndHalfReadOnesAreBounded() throws Exception {
        SnapshotReads small = new SnapshotReads((file, pid) -> new RenderResult(new byte[1000], RenderResult.Source.CONTAINER, null),
                64 * 1000, 1000);
        for (long h = 1; h <= 100_000; h++) {
            small.read(h, ProcFile.MEMINFO, 1, 0, 10); // read a little, never finish, never close
        }
        assertTrue(small.pendingBytes() <= 64 * 1000, "bounded in bytes: " + small.pendingBytes());
        assertEquals(64, small.pending());
        assertEquals(100_000 - 64, small.evictions());
        // An evicted reader's next chunk is a fresh render, still a well-formed slice.
        assertEquals(10, small.read(1, ProcFile.MEMINFO, 1, 10, 10).length());
    }

    @Test
    void releaseDropsTheSnapshotAndAHandleFromAnEarlierDaemonReadsFine() throws Exception {
        reads.read(5, ProcFile.STAT, 42, 0, 3);
        assertEquals(1, reads.pending());
        reads.release(5);
        assertEquals(0, reads.pending());
        // No snapshot for this handle (opened before a handover, or evicted): offset > 0 renders anew.
        SnapshotReads.Slice s = reads.read(99, ProcFile.STAT, 42, 2, 100);
        assertArrayEquals("nder 2 2\n".getBytes(StandardCharsets.US_ASCII),
                java.util.Arrays.copyOfRange(s.content(), s.offset(), s.offset() + s.length()));
    }
}
