package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzz run of the cgroup and /proc parsers and renderers through {@link ProcView}: one container on each layout,
 * then, case after case, one to three of its input files (cgroup knobs, {@code /proc/<pid>/cgroup|stat|status}, the
 * host's files) are mutated the ways kernel-shaped text can go wrong (truncated, emptied, huge or negative numbers,
 * garbage, byte flips, repeated or dropped lines, removed) and all eight files rendered. Properties: no exception
 * escapes a render; a fallback is exactly the host's file; a container render is well formed for its file (shape,
 * no negative number). Seeded: case {@code i} of a layout uses {@code seed + i}; {@code -Dlxcfs.fuzz.case=i} replays it.
 */
class ViewFuzzTest {

    static final long SEED = Long.getLong("lxcfs.fuzz.seed", 20261201L);
    static final int CASES = Integer.getInteger("lxcfs.fuzz.view-cases", 3000);
    static final long BUDGET_MS = Long.getLong("lxcfs.fuzz.view-budget-ms", 10_000);
    static final String CTR = "/kubepods/burstable/pod5a7e/1b2c3d";
    static final long PID = 9000;

    static final Map<ProcFile, Pattern> SHAPES = new EnumMap<>(ProcFile.class);

    static {
        SHAPES.put(ProcFile.LOADAVG, Pattern.compile("\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+/\\d+ \\d+\n"));
        SHAPES.put(ProcFile.UPTIME, Pattern.compile("\\d+\\.\\d\\d \\d+\\.\\d\\d\n"));
        SHAPES.put(ProcFile.CPU_ONLINE, Pattern.compile("0(-\\d+)?\n"));
        SHAPES.put(ProcFile.SWAPS, Pattern.compile("Filename\t+Type\t+Size\t+Used\t+Priority\n(none +virtual[ \t]+\\d+[ \t]+\\d+[ \t]+0\n)?"));
        SHAPES.put(ProcFile.DISKSTATS, Pattern.compile("( +\\d+ +\\d+ \\S+( \\d+){14,}\n)*"));
        SHAPES.put(ProcFile.MEMINFO, Pattern.compile("MemTotal: +\\d+ kB\nMemFree: +\\d+ kB\nMemAvailable: +\\d+ kB\n(?s).*"));
        SHAPES.put(ProcFile.STAT, Pattern.compile("cpu  \\d+( \\d+){9}\n(cpu\\d+( \\d+){10}\n)+(?s).*"));
        SHAPES.put(ProcFile.CPUINFO, Pattern.compile("processor\t: 0\n(?s).*"));
    }

    static FixtureTree build(CgroupLayout.Kind kind) {
        FixtureTree t = FixtureTree.inMemory().withLayout(kind);
        CgroupNode memory = t.exampleContainer(CTR, new long[] {PID, PID + 3}, new long[] {PID, PID + 1, PID + 2, PID + 3});
        if (kind == CgroupLayout.Kind.V2) {
            memory.set("memory.swap.max", "104857600\n").set("memory.swap.current", "1048576\n");
        } else {
            memory.set("memory.memsw.limit_in_bytes", "641728512\n").set("memory.memsw.usage_in_bytes", "135266304\n");
        }
        t.hostSwap(2097148, 1048574);
        t.thread(PID + 1, 'R').thread(PID + 2, 'D');
        t.process(PID + 3, FixtureTree.cgroupFile(kind, CTR), 950_000, 7);
        return t;
    }

    @ParameterizedTest
    @EnumSource(CgroupLayout.Kind.class)
    void mutatedKernelFilesNeverBreakARender(CgroupLayout.Kind kind) throws Exception {
        FixtureTree t = build(kind);
        ProcView view = t.view();
        for (ProcFile f : ProcFile.values()) {
            assertEquals(RenderResult.Source.CONTAINER, view.render(f, PID).source(), f + " before fuzzing");
        }
        List<String> inputs = t.files();
        Integer only = Integer.getInteger("lxcfs.fuzz.case");
        long start = System.currentTimeMillis();
        int cases = 0;
        int fallbacks = 0;
        int renders = 0;
        long slowestNs = 0;
        for (int i = only != null ? only : 0; i < (only != null ? only + 1 : CASES); i++) {
            if (only == null && System.currentTimeMillis() - start > BUDGET_MS) {
                break;
            }
            Random rnd = new Random(SEED + i);
            Map<String, String> saved = new java.util.HashMap<>();
            List<String> what = new ArrayList<>();
            for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
                String p = inputs.get(rnd.nextInt(inputs.size()));
                if (!t.exists(p)) {
                    continue; // removed by this case already
                }
                if (!saved.containsKey(p)) {
                    saved.put(p, t.read(p));
                }
                what.add(p + ": " + mutate(t, p, rnd, !isHostFile(p)));
            }
            try {
                for (ProcFile f : ProcFile.values()) {
                    long t0 = System.nanoTime();
                    RenderResult r;
                    try {
                        r = view.render(f, PID);
                    } catch (Exception e) {
                        throw new AssertionError(f + ": exception escaped the render: " + e, e);
                    }
                    slowestNs = Math.max(slowestNs, System.nanoTime() - t0);
                    renders++;
                    String text = new String(r.content(), StandardCharsets.ISO_8859_1);
                    if (r.source() != RenderResult.Source.CONTAINER) {
                        fallbacks++;
                        // HOST: a mutated /proc/<pid>/cgroup can put the caller at the root, outside any container.
                        assertTrue(r.source() == RenderResult.Source.FALLBACK || r.source() == RenderResult.Source.HOST, f + " " + r.source());
                        assertEquals(view.hostFile(f), text, f + ": a fallback is exactly the host's file");
                        assertTrue(r.source() == RenderResult.Source.HOST || RenderResult.FALLBACK_REASONS.contains(r.fallbackReason()),
                                String.valueOf(r.fallbackReason()));
                        continue;
                    }
                    boolean hostInputMutated = saved.keySet().stream().anyMatch(ViewFuzzTest::isHostFile);
                    // Copied host lines may carry the host file's own damage; the container's own shape must hold.
                    if (!hostInputMutated || f == ProcFile.LOADAVG || f == ProcFile.UPTIME) {
                        assertTrue(SHAPES.get(f).matcher(text).matches(), f + " is not well formed:\n" + text);
                    }
                    if (f != ProcFile.CPUINFO && !hostInputMutated) {
                        assertTrue(!Pattern.compile("(^|[ \t:])-\\d").matcher(text).find(), f + " has a negative number:\n" + text);
                    }
                }
            } catch (AssertionError e) {
                fail(kind + " case " + i + " (seed " + SEED + ", replay with -Dlxcfs.fuzz.case=" + i + "): " + what
                        + "\n" + e.getMessage(), e);
            } finally {
                saved.forEach(t::file);
            }
            cases++;
        }
        System.out.printf("view fuzz %s: %d cases, %d renders in %.1f s (seed %d): %d fell back to the host file, "
                        + "slowest render %.1f ms%n", kind, cases, renders, (System.currentTimeMillis() - start) / 1000.0,
                SEED, fallbacks, slowestNs / 1e6);
        assertTrue(only != null || cases >= 200, "too few cases in the budget: " + cases);
        assertTrue(slowestNs < 2_000_000_000L, "a render took " + slowestNs / 1e6 + " ms");
    }

    /** The host's own /proc and /sys files (what a fallback serves), as opposed to cgroup and per-process files. */
    static boolean isHostFile(String rel) {
        return rel.startsWith("proc/") && rel.indexOf('/', "proc/".length()) < 0 || rel.startsWith("sys/devices/");
    }

    /**
     * Mutates the file in place; returns what was done. Host files are not removed: when even the host's file cannot
     * be read, render throws by contract (the FUSE layer answers EIO).
     */
    static String mutate(FixtureTree t, String rel, Random rnd, boolean removable) {
        String s = t.read(rel);
        String out;
        String what;
        switch (rnd.nextInt(11)) {
            case 0 -> {
                out = s.isEmpty() ? "" : s.substring(0, rnd.nextInt(s.length()));
                what = "truncated";
            }
            case 1 -> {
                out = "";
                what = "emptied";
            }
            case 2 -> {
                out = replaceNumber(s, rnd, "99999999999999999999999");
                what = "number overflow";
            }
            case 3 -> {
                out = replaceNumber(s, rnd, "-" + (1 + rnd.nextInt(1_000_000)));
                what = "negative number";
            }
            case 4 -> {
                out = replaceNumber(s, rnd, Long.toString(Long.MAX_VALUE - rnd.nextInt(3)));
                what = "Long.MAX_VALUE";
            }
            case 5 -> {
                byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
                for (int k = 1 + rnd.nextInt(6); k > 0 && b.length > 0; k--) {
                    b[rnd.nextInt(b.length)] = (byte) " \n\t:()-=x0\u0000\u00ff".charAt(rnd.nextInt(12));
                }
                out = new String(b, StandardCharsets.ISO_8859_1);
                what = "byte flips";
            }
            case 6 -> {
                String[] lines = s.split("\n", -1);
                StringBuilder sb = new StringBuilder();
                for (String l : lines) {
                    sb.append(l).append('\n');
                    if (rnd.nextInt(3) == 0) {
                        sb.append(l).append('\n');
                    }
                }
                out = sb.toString();
                what = "repeated lines";
            }
            case 7 -> {
                StringBuilder sb = new StringBuilder();
                for (String l : s.split("\n")) {
                    if (rnd.nextInt(3) != 0) {
                        sb.append(l).append('\n');
                    }
                }
                out = sb.toString();
                what = "dropped lines";
            }
            case 8 -> {
                if (removable) {
                    t.delete(rel);
                    return "removed";
                }
                out = "";
                what = "emptied";
            }
            case 9 -> {
                out = "garbage \u0000\u00ff ) ( : = \n\n\n" + "x".repeat(rnd.nextInt(100_000));
                what = "garbage";
            }
            default -> {
                out = s.replace("\n", rnd.nextBoolean() ? "\r\n" : " ");
                what = "line ends";
            }
        }
        t.file(rel, out);
        return what;
    }

    static String replaceNumber(String s, Random rnd, String with) {
        java.util.regex.Matcher m = Pattern.compile("\\d+").matcher(s);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return with + "\n";
        }
        int[] span = spans.get(rnd.nextInt(spans.size()));
        return s.substring(0, span[0]) + with + s.substring(span[1]);
    }
}
