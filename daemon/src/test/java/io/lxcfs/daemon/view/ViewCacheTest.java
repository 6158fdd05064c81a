package io.lxcfs.daemon.view;

import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.atomic.AtomicLong;

import static io.lxcfs.daemon.fixture.FixtureTree.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The short-lived input cache: what it may reuse, for how long, and never across containers. */
@ExtendWith(FixtureHostExtension.class)
class ViewCacheTest {

    static final String A = "/kubepods/burstable/podA/ctrA";
    static final String B = "/kubepods/burstable/podB/ctrB";
    static final long PID_A = 4100;
    static final long PID_B = 4200;
    static final long TTL = 100_000_000L;

    FixtureTree t;
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final ViewCache cache = new ViewCache(TTL, now::get);
    ProcView view;

    @BeforeEach
    void setUp() {
        t.v2();
        t.v2Cgroup(A).procs(PID_A).threads(PID_A).set("memory.max", "268435456\n").set("memory.current", "0\n");
        t.v2Cgroup(B).procs(PID_B).threads(PID_B).set("memory.max", "134217728\n").set("memory.current", "0\n");
        t.process(PID_A, FixtureTree.cgroupV2(A), 900_000, 1);
        t.process(PID_B, FixtureTree.cgroupV2(B), 900_000, 1);
        view = t.view(t.layout(), cache);
    }

    String render(ProcFile f, long pid) throws Exception {
        RenderResult r = view.render(f, pid);
        assertEquals(RenderResult.Source.CONTAINER, r.source(), () -> f + " fell back: " + r.fallbackReason());
        return text(r);
    }

    /** "running/total lastpid" of a loadavg line. */
    static String tail(String loadavg) {
        String[] f = loadavg.trim().split(" ");
        return f[3] + " " + f[4];
    }

    static String memTotal(String meminfo) {
        return meminfo.lines().filter(l -> l.startsWith("MemTotal:")).findFirst().orElseThrow();
    }

    @Test
    void aChangedLimitShowsOnceTheTtlHasPassed() throws Exception {
        assertEquals("MemTotal:         262144 kB", memTotal(render(ProcFile.MEMINFO, PID_A)));
        t.v2Cgroup(A).set("memory.max", "536870912\n"); // in-place resize
        now.addAndGet(TTL - 1);
        assertEquals("MemTotal:         262144 kB", memTotal(render(ProcFile.MEMINFO, PID_A)), "within the TTL: cached");
        now.addAndGet(1);
        assertEquals("MemTotal:         524288 kB", memTotal(render(ProcFile.MEMINFO, PID_A)), "TTL over: re-read");
    }

    @Test
    void memoryUsageIsReadFreshWhileTheLimitIsCached() throws Exception {
        String before = render(ProcFile.MEMINFO, PID_A);
        assertTrue(before.contains("MemFree:          262144 kB"), before);
        t.v2Cgroup(A).set("memory.current", "104857600\n"); // the container allocates 100 MiB and reads again
        String after = render(ProcFile.MEMINFO, PID_A);
        assertTrue(after.contains("MemFree:          159744 kB"), "usage is never cached\n" + after);
    }

    @Test
    void containersNeverShareAnEntry() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals("MemTotal:         262144 kB", memTotal(render(ProcFile.MEMINFO, PID_A)));
            assertEquals("MemTotal:         131072 kB", memTotal(render(ProcFile.MEMINFO, PID_B)));
        }
        assertEquals(2, cache.containers());
    }

    @Test
    void aCachedThreadSampleStillCountsEachReader() throws Exception {
        t.v2Cgroup(A).threads(PID_A, PID_A + 1);
        t.thread(PID_A + 1, 'R');
        assertEquals("2/2 4101", tail(render(ProcFile.LOADAVG, PID_A)), "no status file: the host tid");
        // A new reader thread within the TTL: not in the cached sample, yet it is running and counted (PID_A,
        // no longer reading, is back to its S).
        t.thread(PID_A + 7, 'S');
        t.process(PID_A + 7, FixtureTree.cgroupV2(A), 900_000, 8);
        assertEquals("2/3 8", tail(render(ProcFile.LOADAVG, PID_A + 7)), "reader added to the cached sample");
        // The next snapshot reads the cgroup again.
        t.v2Cgroup(A).threads(PID_A);
        now.addAndGet(TTL);
        assertEquals("1/1 1", tail(render(ProcFile.LOADAVG, PID_A)));
    }

    @Test
    void hostFilesCopiedIntoTheViewAreCachedButTheHostPassthroughIsNot() throws Exception {
        String before = render(ProcFile.STAT, PID_A);
        String hostStat = t.read("proc/stat");
        t.file("proc/stat", hostStat.replaceFirst("ctxt \\d+", "ctxt 999999"));
        assertEquals(before, render(ProcFile.STAT, PID_A), "within the TTL");
        assertTrue(text(view.render(ProcFile.STAT, 0)).contains("ctxt 999999"), "host reader: always the live file");
        now.addAndGet(TTL);
        assertTrue(render(ProcFile.STAT, PID_A).contains("ctxt 999999"));
    }

    @Test
    void expiredEntriesAreSweptAndTheMapIsBounded() throws Exception {
        render(ProcFile.MEMINFO, PID_A);
        render(ProcFile.MEMINFO, PID_B);
        assertEquals(2, cache.containers());
        // A's cgroup vanishes; a second later any read sweeps what has expired.
        now.addAndGet(1_000_000_000L);
        render(ProcFile.MEMINFO, PID_B);
        assertEquals(1, cache.containers());

        for (int i = 0; i < ViewCache.MAX_CONTAINERS + 10; i++) {
            cache.snapshot("key-" + i);
        }
        assertTrue(cache.containers() <= ViewCache.MAX_CONTAINERS, "bounded: " + cache.containers());
    }

    @Test
    void disabledCacheReadsEveryTime() throws Exception {
        ViewCache off = ViewCache.disabled();
        ViewCache.Snapshot first = off.snapshot("k");
        first.set(0, "kept for this read only");
        assertEquals(null, off.snapshot("k").get(0), "a disabled cache keeps nothing across reads");
        assertEquals(0, off.containers());
        off.putHost(ProcFile.STAT, "x");
        assertEquals(null, off.host(ProcFile.STAT));
    }
}
