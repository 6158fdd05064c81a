package io.lxcfs.e2e;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * What the kubelet writes into cgroup v1 for a pod's resources: per container and for the pod-level cgroup (memory
 * limit, CFS quota with the 100 ms period, shares), and the QoS class that names the pod's parent cgroup. Mirrors the
 * kubelet's conversions (milliCPU to quota/shares with their minimums; requests default to limits; a pod-level limit
 * only when every container declares one; init containers count as max(sum of containers, largest init container)).
 */
final class KubeletResources {

    static final long CFS_PERIOD_US = 100_000;
    static final long MIN_QUOTA_US = 1_000;
    static final long MIN_SHARES = 2;

    enum QosClass {
        GUARANTEED(""), BURSTABLE("burstable/"), BESTEFFORT("besteffort/");

        /** The segment between {@code kubepods/} and {@code pod<uid>} in the cgroupfs driver's paths. */
        final String parent;

        QosClass(String parent) {
            this.parent = parent;
        }
    }

    /** Limits for one cgroup; empty means no limit. */
    record Limits(OptionalLong memoryBytes, OptionalLong cpuQuotaUs, long cpuShares) {
        long cpuPeriodUs() {
            return CFS_PERIOD_US;
        }
    }

    private KubeletResources() {
    }

    static Limits container(Container c) {
        OptionalLong memory = limit(c, "memory").map(q -> OptionalLong.of(bytes(q))).orElse(OptionalLong.empty());
        OptionalLong quota = limit(c, "cpu").map(q -> OptionalLong.of(quota(milliCpu(q)))).orElse(OptionalLong.empty());
        return new Limits(memory, quota, shares(request(c, "cpu").map(KubeletResources::milliCpu).orElse(0L)));
    }

    static Limits pod(Pod pod) {
        List<Container> containers = pod.getSpec().getContainers();
        List<Container> inits = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        OptionalLong memory = allDeclare(containers, inits, "memory")
                ? OptionalLong.of(effective(containers, inits, c -> bytes(limit(c, "memory").orElseThrow())))
                : OptionalLong.empty();
        OptionalLong quota = allDeclare(containers, inits, "cpu")
                ? OptionalLong.of(quota(effective(containers, inits, c -> milliCpu(limit(c, "cpu").orElseThrow()))))
                : OptionalLong.empty();
        long requestedMilli = effective(containers, inits, c -> request(c, "cpu").map(KubeletResources::milliCpu).orElse(0L));
        return new Limits(memory, quota, shares(requestedMilli));
    }

    static QosClass qosClass(Pod pod) {
        List<Container> all = Stream.concat(pod.getSpec().getContainers().stream(),
                pod.getSpec().getInitContainers() == null ? Stream.empty() : pod.getSpec().getInitContainers().stream()).toList();
        boolean none = all.stream().allMatch(c -> Stream.of("cpu", "memory")
                .noneMatch(r -> limit(c, r).isPresent() || request(c, r).isPresent()));
        if (none) {
            return QosClass.BESTEFFORT;
        }
        boolean guaranteed = all.stream().allMatch(c -> Stream.of("cpu", "memory").allMatch(r -> limit(c, r).isPresent()
                && limit(c, r).get().getNumericalAmount().compareTo(request(c, r).get().getNumericalAmount()) == 0));
        return guaranteed ? QosClass.GUARANTEED : QosClass.BURSTABLE;
    }

    static long milliCpu(Quantity q) {
        return q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    static long quota(long milliCpu) {
        return Math.max(MIN_QUOTA_US, milliCpu * CFS_PERIOD_US / 1000);
    }

    static long shares(long milliCpu) {
        return milliCpu == 0 ? MIN_SHARES : Math.max(MIN_SHARES, milliCpu * 1024 / 1000);
    }

    private static Optional<Quantity> limit(Container c, String resource) {
        return quantity(c, resource, ResourceRequirements::getLimits);
    }

    /** The API server defaults a missing request to the limit. */
    private static Optional<Quantity> request(Container c, String resource) {
        return quantity(c, resource, ResourceRequirements::getRequests).or(() -> limit(c, resource));
    }

    private static Optional<Quantity> quantity(Container c, String resource,
                                                         Function<ResourceRequirements, Map<String, Quantity>> which) {
        if (c.getResources() == null || which.apply(c.getResources()) == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(which.apply(c.getResources()).get(resource));
    }

    private static boolean allDeclare(List<Container> containers, List<Container> inits, String resource) {
        return Stream.concat(containers.stream(), inits.stream()).allMatch(c -> limit(c, resource).isPresent());
    }

    private static long effective(List<Container> containers, List<Container> inits,
                                  ToLongFunction<Container> amount) {
        long sum = containers.stream().mapToLong(amount).sum();
        long largestInit = inits.stream().mapToLong(amount).max().orElse(0);
        return Math.max(sum, largestInit);
    }
}
