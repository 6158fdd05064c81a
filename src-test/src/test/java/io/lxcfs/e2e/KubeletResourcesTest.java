package io.lxcfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.lxcfs.testing.RepoLayout;

/** The kubelet's cgroup v1 numbers that the end-to-end test's pod and containers run with. */
class KubeletResourcesTest {

    @Test
    void examplePodIsBurstableWithPodLimitsTheSumOfItsContainers() throws Exception {
        Pod pod = LocalWebhook.loadPod(RepoLayout.root().resolve(Path.of("examples/pod.yaml")));
        assertEquals(KubeletResources.QosClass.BURSTABLE, KubeletResources.qosClass(pod));
        assertEquals(new KubeletResources.Limits(OptionalLong.of(320L << 20), OptionalLong.of(75_000), 358),
                KubeletResources.pod(pod));
        Container app = pod.getSpec().getContainers().get(0);
        assertEquals(new KubeletResources.Limits(OptionalLong.of(256L << 20), OptionalLong.of(50_000), 256),
                KubeletResources.container(app));
    }

    @Test
    void requestsDefaultToLimitsSoLimitsAloneAreGuaranteed() {
        Pod pod = pod(List.of(container("a", Map.of("cpu", "1", "memory", "1Gi"), Map.of())), List.of());
        assertEquals(KubeletResources.QosClass.GUARANTEED, KubeletResources.qosClass(pod));
        assertEquals(1024, KubeletResources.container(pod.getSpec().getContainers().get(0)).cpuShares());
    }

    @Test
    void noResourcesIsBestEffortWithMinimumSharesAndNoLimits() {
        Pod pod = pod(List.of(container("a", Map.of(), Map.of())), List.of());
        assertEquals(KubeletResources.QosClass.BESTEFFORT, KubeletResources.qosClass(pod));
        assertEquals(new KubeletResources.Limits(OptionalLong.empty(), OptionalLong.empty(), 2), KubeletResources.pod(pod));
    }

    @Test
    void podLimitOnlyWhenEveryContainerDeclaresOneAndInitContainersCountAsMax() {
        Pod partial = pod(List.of(container("a", Map.of("memory", "64Mi"), Map.of()), container("b", Map.of(), Map.of("cpu", "100m"))),
                List.of());
        assertEquals(OptionalLong.empty(), KubeletResources.pod(partial).memoryBytes());
        assertEquals(OptionalLong.empty(), KubeletResources.pod(partial).cpuQuotaUs());

        Pod withInit = pod(List.of(container("a", Map.of("memory", "64Mi", "cpu", "100m"), Map.of())),
                List.of(container("init", Map.of("memory", "1Gi", "cpu", "50m"), Map.of())));
        assertEquals(OptionalLong.of(1L << 30), KubeletResources.pod(withInit).memoryBytes());
        assertEquals(OptionalLong.of(10_000), KubeletResources.pod(withInit).cpuQuotaUs());
    }

    @Test
    void tinyCpuLimitsGetTheMinimumQuota() {
        assertEquals(1_000, KubeletResources.quota(KubeletResources.milliCpu(new Quantity("1m"))));
        assertEquals(150_000, KubeletResources.quota(KubeletResources.milliCpu(new Quantity("1.5"))));
    }

    static Container container(String name, Map<String, String> limits, Map<String, String> requests) {
        ContainerBuilder b = new ContainerBuilder().withName(name).withImage("busybox");
        if (!limits.isEmpty() || !requests.isEmpty()) {
            b.withNewResources().withLimits(quantities(limits)).withRequests(quantities(requests)).endResources();
        }
        return b.build();
    }

    static Map<String, Quantity> quantities(Map<String, String> m) {
        return m.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> new Quantity(e.getValue())));
    }

    static Pod pod(List<Container> containers, List<Container> inits) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata()
                .withNewSpec().withContainers(containers).withInitContainers(inits).endSpec().build();
    }
}
