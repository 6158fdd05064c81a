package io.lxcfs.daemon.app;

import io.lxcfs.daemon.fuse.ReadListener;
import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Prometheus metrics of the view: reads, fallbacks (by reason), render time, per file. */
final class ViewMetrics implements ReadListener {

    private final MeterRegistry registry;
    private final Map<ProcFile, Counter> reads = new EnumMap<>(ProcFile.class);
    private final Map<ProcFile, Timer> renderTime = new EnumMap<>(ProcFile.class);
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();

    ViewMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (ProcFile f : ProcFile.values()) {
            reads.put(f, Counter.builder("lxcfs.reads").description("Opens of a view file")
                    .tag("file", f.label).register(registry));
            renderTime.put(f, Timer.builder("lxcfs.render").description("Time to render a view file at open")
                    .tag("file", f.label).publishPercentileHistogram()
                    .minimumExpectedValue(java.time.Duration.ofNanos(10_000))
                    .maximumExpectedValue(java.time.Duration.ofMillis(100))
                    .register(registry));
            RenderResult.FALLBACK_REASONS.forEach(reason -> fallback(f, reason));
        }
    }

    private Counter fallback(ProcFile f, String reason) {
        return fallbacks.computeIfAbsent(f.label + '\n' + reason, k -> Counter.builder("lxcfs.fallbacks")
                .description("Reads served the host file because the container's view failed")
                .tag("file", f.label).tag("reason", reason).register(registry));
    }

    @Override
    public void rendered(ProcFile file, RenderResult result, long nanos) {
        reads.get(file).increment();
        renderTime.get(file).record(nanos, TimeUnit.NANOSECONDS);
        if (result.isFallback()) {
            fallback(file, result.fallbackReason()).increment();
        }
    }
}
