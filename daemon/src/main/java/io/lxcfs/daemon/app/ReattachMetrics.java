package io.lxcfs.daemon.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics of re-attachment: containers and mounts re-attached, failures by reason, pass duration.
 * Function-backed meters on our own counts: the start-up pass runs before Quarkus adds the Prometheus
 * registry to the composite one, and a plain counter incremented then would lose those counts.
 */
final class ReattachMetrics {

    /** Failure reasons, registered up front so a dashboard sees zeros rather than missing series. */
    static final List<String> REASONS = List.of("gone", "unsupported", "namespace", "timeout", "helper", "mount", "usage");
    static final List<String> METHODS = List.of("beneath", "replaced", "attached");

    private final AtomicLong containers = new AtomicLong();
    private final Map<String, AtomicLong> mounts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong passNanos = new AtomicLong();
    private final AtomicLong lastPassNanos = new AtomicLong();
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong windowMicros = new AtomicLong();

    ReattachMetrics(MeterRegistry registry) {
        FunctionCounter.builder("lxcfs.reattach.containers", containers, AtomicLong::get)
                .description("Mount namespaces (containers) in which at least one view mount was re-attached")
                .register(registry);
        for (String method : METHODS) {
            FunctionCounter.builder("lxcfs.reattach.mounts", mounts.computeIfAbsent(method, m -> new AtomicLong()), AtomicLong::get)
                    .description("View mounts re-attached, by method (beneath: no window; replaced: detach then attach)")
                    .tag("method", method).register(registry);
        }
        for (String reason : REASONS) {
            FunctionCounter.builder("lxcfs.reattach.failures", failures.computeIfAbsent(reason, r -> new AtomicLong()), AtomicLong::get)
                    .description("Failed re-attachments, by reason (gone: the container exited; unsupported: no new mount API)")
                    .tag("reason", reason).register(registry);
        }
        FunctionTimer.builder("lxcfs.reattach.pass", this, m -> m.passes.get(), m -> m.passNanos.get(), TimeUnit.NANOSECONDS)
                .description("Reconciliation passes over every mount namespace of the node, and their total time")
                .register(registry);
        Gauge.builder("lxcfs.reattach.pass.last.seconds", lastPassNanos, n -> n.get() / 1e9)
                .description("Duration of the latest reconciliation pass").register(registry);
        FunctionTimer.builder("lxcfs.reattach.window", this, m -> m.windows.get(), m -> m.windowMicros.get(), TimeUnit.MICROSECONDS)
                .description("Times a path showed the host file while a stale mount was replaced without MOVE_MOUNT_BENEATH")
                .register(registry);
    }

    void containerRepaired() {
        containers.incrementAndGet();
    }

    void mountReattached(String method, long micros) {
        mounts.computeIfAbsent(method, m -> new AtomicLong()).incrementAndGet();
        if (method.equals("replaced")) {
            windows.incrementAndGet();
            windowMicros.addAndGet(micros);
        }
    }

    void failed(String reason) {
        failures.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    void passTook(long nanos) {
        passes.incrementAndGet();
        passNanos.addAndGet(nanos);
        lastPassNanos.set(nanos);
    }
}
