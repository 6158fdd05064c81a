package io.lxcfs.daemon.app;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler's and the reconciler's timer: a failing run does not end the task; its thread never holds the JVM. */
class PeriodicTaskTest {

    @Test
    void aRunThatFailsIsFollowedByTheNextOne() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(3);
        AtomicReference<Thread> thread = new AtomicReference<>();
        PeriodicTask task = PeriodicTask.withFixedDelay("periodic-test", "test run", Duration.ofMillis(10), () -> {
            thread.set(Thread.currentThread());
            third.countDown();
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("first run fails");
            }
        });
        task.start();
        try {
            assertTrue(third.await(10, TimeUnit.SECONDS), "runs after a failure: " + runs.get());
            assertEquals("periodic-test", thread.get().getName());
            assertTrue(thread.get().isDaemon());
        } finally {
            task.stop();
        }
    }

    @Test
    void stopEndsTheThread() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        PeriodicTask task = PeriodicTask.atFixedRate("periodic-stop", "test run", Duration.ofMillis(10), () -> {
            thread.set(Thread.currentThread());
            ran.countDown();
        });
        task.start();
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        task.stop();
        thread.get().join(10_000);
        assertFalse(thread.get().isAlive(), "the task's thread ended");
    }
}
