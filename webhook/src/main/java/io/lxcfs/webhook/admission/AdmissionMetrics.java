package io.lxcfs.webhook.admission;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.lxcfs.webhook.core.SkipReason;
import io.lxcfs.webhook.policy.PolicyStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Prometheus metrics of the webhook (at /q/metrics):
 * lxcfs_webhook_admissions_total{outcome=mutated|skipped|rejected}, lxcfs_webhook_mutations_total,
 * lxcfs_webhook_skips_total{reason}, lxcfs_webhook_warnings_total, lxcfs_webhook_admission_seconds (histogram),
 * lxcfs_webhook_policies.
 */
@ApplicationScoped
public class AdmissionMetrics {
    private final Counter mutated;
    private final Counter skipped;
    private final Counter rejected;
    private final Counter mutations;
    private final Counter warnings;
    private final Map<SkipReason, Counter> skips = new EnumMap<>(SkipReason.class);
    private final Timer latency;

    @Inject
    public AdmissionMetrics(MeterRegistry registry, PolicyStore policies) {
        mutated = Counter.builder("lxcfs.webhook.admissions").tag("outcome", "mutated")
                .description("AdmissionReview requests answered").register(registry);
        skipped = Counter.builder("lxcfs.webhook.admissions").tag("outcome", "skipped")
                .description("AdmissionReview requests answered").register(registry);
        rejected = Counter.builder("lxcfs.webhook.admissions").tag("outcome", "rejected")
                .description("AdmissionReview requests answered").register(registry);
        mutations = Counter.builder("lxcfs.webhook.mutations").description("Pods given the LXCFS view")
                .register(registry);
        warnings = Counter.builder("lxcfs.webhook.warnings").description("Admission warnings returned")
                .register(registry);
        for (SkipReason r : SkipReason.values()) {
            skips.put(r, Counter.builder("lxcfs.webhook.skips").tag("reason", r.label)
                    .description("Admissions without mutation, by reason").register(registry));
        }
        latency = Timer.builder("lxcfs.webhook.admission").description("Time to answer an AdmissionReview")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(0).plusNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(2)).register(registry);
        Gauge.builder("lxcfs.webhook.policies", policies, p -> p.policies().size())
                .description("ProcViewPolicy objects known").register(registry);
    }

    void mutated() {
        mutated.increment();
        mutations.increment();
    }

    void skipped(SkipReason reason) {
        skipped.increment();
        skips.get(reason).increment();
    }

    void rejected() {
        rejected.increment();
    }

    void warnings(int n) {
        if (n > 0) {
            warnings.increment(n);
        }
    }

    void latency(long nanos) {
        latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
