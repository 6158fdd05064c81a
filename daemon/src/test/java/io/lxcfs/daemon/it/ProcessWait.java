package io.lxcfs.daemon.it;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition about a started service until it holds (no fixed sleeps), failing at once when the service exits. */
final class ProcessWait {

    /** A check that may fail with I/O while the service is still coming up (not mounted, not listening yet). */
    interface Check {
        boolean holds() throws Exception;
    }

    private ProcessWait() {
    }

    /**
     * Returns when {@code check} holds; throws with the service's log when {@code process} exits first or
     * {@code timeout} passes. {@code name} and {@code goal} make the message, e.g. "daemon did not become ready".
     */
    static void until(Process process, String name, String goal, Duration timeout, Duration every, Supplier<String> log,
            Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log.get());
            }
            try {
                if (check.holds()) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(every.toMillis());
        }
        throw new IllegalStateException(name + " did not " + goal + " in time:\n" + log.get());
    }
}
