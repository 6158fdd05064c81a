package io.lxcfs.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.zjsonpatch.JsonPatch;

/** Test pods and checks shared by the unit and HTTP tests. */
public final class Fixtures {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Fixtures() {
    }

    public static ObjectNode json(String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/pods/" + resource)) {
            return (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Pod pod(JsonNode json) {
        try {
            return MAPPER.treeToValue(json, Pod.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies an RFC 6902 patch to the raw JSON the API server would hold and reads the result as a Pod. */
    public static Pod applyPatch(JsonNode original, JsonNode patch) {
        JsonNode patched = JsonPatch.apply(patch, original);
        Pod pod = pod(patched);
        assertValid(pod);
        return pod;
    }

    /** No duplicate volume names, no duplicate mount paths in a container, every mount names a volume. */
    public static void assertValid(Pod pod) {
        Set<String> volumes = new HashSet<>();
        for (Volume v : pod.getSpec().getVolumes()) {
            assertTrue(volumes.add(v.getName()), "duplicate volume " + v.getName());
        }
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        all.addAll(pod.getSpec().getInitContainers());
        for (Container c : all) {
            Set<String> paths = new HashSet<>();
            for (VolumeMount m : c.getVolumeMounts()) {
                String p = m.getMountPath().replaceAll("/+$", "");
                assertTrue(paths.add(p), "duplicate mount path " + p + " in " + c.getName());
                assertTrue(volumes.contains(m.getName()), "mount of unknown volume " + m.getName());
            }
        }
    }

    public static VolumeMount mount(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().replaceAll("/+$", "").equals(path))
                .findFirst().orElse(null);
    }

    public static Volume volume(Pod pod, String name) {
        return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElse(null);
    }

    public static void assertOps(JsonNode patch, String... opsAndPaths) {
        List<String> actual = new ArrayList<>();
        patch.forEach(op -> actual.add(op.get("op").asText() + " " + op.get("path").asText()));
        assertEquals(List.of(opsAndPaths), actual);
    }
}
