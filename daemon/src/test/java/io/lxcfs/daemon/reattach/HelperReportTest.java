package io.lxcfs.daemon.reattach;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Reading the native helper's output and exit status. */
class HelperReportTest {

    @Test
    void targetLinesBecomeOutcomes() {
        String out = """
                /proc/meminfo ok beneath 0
                /proc/cpuinfo ok replaced 37
                /proc/stat skip current
                /proc/uptime skip changed
                /proc/loadavg fail move_mount EINVAL (beneath: EINVAL)
                """;
        assertEquals(List.of(
                new HelperReport.Line("/proc/meminfo", HelperReport.Outcome.REATTACHED, "beneath", 0),
                new HelperReport.Line("/proc/cpuinfo", HelperReport.Outcome.REATTACHED, "replaced", 37),
                new HelperReport.Line("/proc/stat", HelperReport.Outcome.SKIPPED, "current", 0),
                new HelperReport.Line("/proc/uptime", HelperReport.Outcome.SKIPPED, "changed", 0),
                new HelperReport.Line("/proc/loadavg", HelperReport.Outcome.FAILED, "move_mount EINVAL (beneath: EINVAL)", 0)),
                HelperReport.parse(out));
    }

    @Test
    void namespaceAndApiLinesAreNotTargets() {
        assertEquals(List.of(), HelperReport.parse("namespace fail setns EPERM\napi fail open_tree ENOSYS /x\n"));
    }

    @Test
    void exitStatusesMapToFailureReasons() {
        assertNull(HelperReport.runFailureReason(0));
        assertNull(HelperReport.runFailureReason(1));
        assertEquals("gone", HelperReport.runFailureReason(3));
        assertEquals("unsupported", HelperReport.runFailureReason(4));
        assertEquals("namespace", HelperReport.runFailureReason(5));
    }
}
