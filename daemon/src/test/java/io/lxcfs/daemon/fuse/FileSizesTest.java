package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FileSizesTest {

    @Test
    void atLeastOnePageAndTwiceTheLongestContentSeenRoundedUp() {
        FileSizes sizes = new FileSizes();
        assertEquals(4096, sizes.size(ProcFile.UPTIME), "nothing seen yet: one page, never 0 (sendfile stops at 0)");
        sizes.seen(ProcFile.UPTIME, 16);
        assertEquals(4096, sizes.size(ProcFile.UPTIME));
        sizes.seen(ProcFile.CPUINFO, 2882);
        assertEquals(8192, sizes.size(ProcFile.CPUINFO));
        sizes.seen(ProcFile.CPUINFO, 1441); // a shorter render never lowers it
        assertEquals(8192, sizes.size(ProcFile.CPUINFO));
        sizes.seen(ProcFile.CPUINFO, 4097);
        assertEquals(16384, sizes.size(ProcFile.CPUINFO));
        assertEquals(4096, sizes.size(ProcFile.MEMINFO), "per file");
    }
}
