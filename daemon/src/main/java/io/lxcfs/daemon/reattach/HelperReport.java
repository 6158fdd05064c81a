package io.lxcfs.daemon.reattach;

import java.util.ArrayList;
import java.util.List;

/** Reads what the native helper {@code lxcfs-reattach} printed and what its exit status means. */
public final class HelperReport {

    public enum Outcome { REATTACHED, SKIPPED, FAILED }

    /**
     * One target's line. For {@code REATTACHED}, {@code detail} is the method ({@code beneath}: no window;
     * {@code replaced}: detach then attach, {@code windowMicros} during which the path showed what was
     * under the stale mount; {@code attached}: put on top of nothing of ours); for {@code SKIPPED} the
     * reason ({@code current}, {@code changed}); for {@code FAILED} the step and errno name.
     */
    public record Line(String target, Outcome outcome, String detail, long windowMicros) {
    }

    /** Exit statuses of the helper (documented in lxcfs-reattach.c). */
    public static final int EXIT_OK = 0;
    public static final int EXIT_TARGET_FAILED = 1;
    public static final int EXIT_NAMESPACE_GONE = 3;
    public static final int EXIT_UNSUPPORTED = 4;

    private HelperReport() {
    }

    public static List<Line> parse(String output) {
        List<Line> lines = new ArrayList<>();
        for (String raw : output.split("\n")) {
            String[] f = raw.trim().split(" ");
            if (f.length < 3 || f[0].equals("namespace") || f[0].equals("api")) {
                continue;
            }
            switch (f[1]) {
                case "ok" -> lines.add(new Line(f[0], Outcome.REATTACHED, f[2], f.length > 3 ? parseLong(f[3]) : 0));
                case "skip" -> lines.add(new Line(f[0], Outcome.SKIPPED, f[2], 0));
                case "fail" -> lines.add(new Line(f[0], Outcome.FAILED,
                        String.join(" ", java.util.Arrays.copyOfRange(f, 2, f.length)), 0));
                default -> {
                    // not a target line
                }
            }
        }
        return lines;
    }

    /**
     * The metric reason for a helper run that did not get as far as the targets: the container exited
     * ({@code gone}), the kernel lacks open_tree/move_mount ({@code unsupported}), setns refused
     * ({@code namespace}); {@code null} when the exit status leaves it to the per-target lines.
     */
    public static String runFailureReason(int exit) {
        return switch (exit) {
            case EXIT_OK, EXIT_TARGET_FAILED -> null;
            case EXIT_NAMESPACE_GONE -> "gone";
            case EXIT_UNSUPPORTED -> "unsupported";
            case 2 -> "usage";
            default -> "namespace";
        };
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
