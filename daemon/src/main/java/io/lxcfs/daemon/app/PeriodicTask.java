package io.lxcfs.daemon.app;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A task run on its own daemon thread, first one period after {@link #start}; a run that fails is logged and the
 * next one runs. A period of zero switches it off.
 */
final class PeriodicTask {

    private static final Logger LOG = Logger.getLogger(PeriodicTask.class);

    private final String thread;
    private final String what;
    private final Duration period;
    /** At a fixed rate (a sampler's clock) rather than with a fixed delay between runs (a pass that may run long). */
    private final boolean fixedRate;
    private final Runnable body;
    private ScheduledExecutorService executor;

    private PeriodicTask(String thread, String what, Duration period, boolean fixedRate, Runnable body) {
        this.thread = thread;
        this.what = what;
        this.period = period;
        this.fixedRate = fixedRate;
        this.body = body;
    }

    static PeriodicTask atFixedRate(String thread, String what, Duration period, Runnable body) {
        return new PeriodicTask(thread, what, period, true, body);
    }

    static PeriodicTask withFixedDelay(String thread, String what, Duration period, Runnable body) {
        return new PeriodicTask(thread, what, period, false, body);
    }

    synchronized void start() {
        long ms = period.toMillis();
        if (ms <= 0 || executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, thread);
            t.setDaemon(true);
            return t;
        });
        Runnable guarded = () -> {
            try {
                body.run();
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s failed", what);
            }
        };
        if (fixedRate) {
            executor.scheduleAtFixedRate(guarded, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            executor.scheduleWithFixedDelay(guarded, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
