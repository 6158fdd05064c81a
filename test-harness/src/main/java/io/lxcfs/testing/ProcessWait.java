package io.lxcfs.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Polls a condition about a started process until it holds (no fixed sleeps), failing at once when the process exits. */
public final class ProcessWait {

    /** A check that may fail with I/O while the process is still coming up (not mounted, not listening yet). */
    @FunctionalInterface
    public interface Check {
        boolean holds() throws Exception;
    }

    private ProcessWait() {
    }

    /**
     * Returns when {@code check} holds; throws with the process's log when {@code process} exits first or
     * {@code timeout} passes. {@code name} and {@code goal} make the message, e.g. "daemon did not become ready".
     * An {@link IOException} from {@code check} means "not yet" (the last one is named in the timeout's message).
     */
    public static void until(Process process, String name, String goal, Duration timeout, Duration every, Supplier<String> log,
            Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it could " + goal
                        + ":\n" + log.get());
            }
            try {
                if (check.holds()) {
                    return;
                }
            } catch (IOException e) {
                last = e; // not up yet
            }
            try {
                process.onExit().get(every.toMillis(), TimeUnit.MILLISECONDS); // returns early only if the process dies
            } catch (TimeoutException stillRunning) {
                // poll again
            }
        }
        throw new IllegalStateException(name + " did not " + goal + " within " + timeout
                + (last == null ? "" : " (last error: " + last + ")") + ":\n" + log.get());
    }
}
