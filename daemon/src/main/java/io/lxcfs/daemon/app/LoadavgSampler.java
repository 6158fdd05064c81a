package io.lxcfs.daemon.app;

import io.lxcfs.daemon.loadavg.ContainerTracker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/** Samples every tracked container's load average once a period (the kernel's is 5 s), and meters it. */
final class LoadavgSampler {

    private final PeriodicTask task;

    LoadavgSampler(ContainerTracker tracker, Duration period, MeterRegistry registry) {
        Gauge.builder("lxcfs.containers.tracked", tracker, ContainerTracker::size)
                .description("Containers whose view state (load average, counters) the daemon keeps")
                .register(registry);
        Timer sampleTime = Timer.builder("lxcfs.loadavg.sample")
                .description("Duration of one load-average sampling pass over all tracked containers")
                .publishPercentileHistogram().register(registry);
        task = PeriodicTask.atFixedRate("loadavg-sampler", "load average sampling", period,
                () -> sampleTime.record(tracker::sampleAll));
    }

    void start() {
        task.start();
    }

    void stop() {
        task.stop();
    }
}
