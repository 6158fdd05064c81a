package io.lxcfs.webhook.core;

import static io.lxcfs.webhook.Fixtures.applyPatch;
import static io.lxcfs.webhook.Fixtures.assertOps;
import static io.lxcfs.webhook.Fixtures.json;
import static io.lxcfs.webhook.Fixtures.mount;
import static io.lxcfs.webhook.Fixtures.pod;
import static io.lxcfs.webhook.Fixtures.volume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.zjsonpatch.JsonPatch;
import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.webhook.Fixtures;

class PodMutatorTest {
    static final MutationOptions ALL = MutationOptions.all("/var/lib/lxcfs");
    static final String CPU_DIR = "/sys/devices/system/cpu";
    static final String CPU_DIR_VOLUME = "lxcfs-sys-devices-system-cpu";

    /** Mutates, diffs, and returns the patch for the raw pod JSON. */
    static JsonNode patch(JsonNode raw, MutationOptions options) {
        Pod before = pod(raw);
        Pod after = PodMutator.mutate(before, options);
        return PodPatch.diff(Fixtures.MAPPER, before, after);
    }

    /** The files' mounts as the default gives them: {@code cpu_online} as the CPU directory. */
    static void assertAllMounts(Container c, EnumSet<ProcFileName> files) {
        for (ProcFileName f : files) {
            boolean dir = f == ProcFileName.cpu_online;
            VolumeMount m = mount(c, dir ? CPU_DIR : f.containerPath());
            assertNotNull(m, c.getName() + " lacks " + f.containerPath());
            assertEquals(dir ? CPU_DIR_VOLUME : f.volumeName(), m.getName());
            assertTrue(m.getReadOnly(), "read-only " + f);
        }
    }

    @Test
    void deploymentPodGetsEightReadOnlyMountsOnEveryContainerAndNothingElseChanges() {
        ObjectNode raw = json("deployment-pod.json");
        JsonNode patch = patch(raw, ALL);
        // 8 mounts appended to each container's list, the volumes appended, the annotation added: nothing else.
        assertEquals(1 + 16 + 8, patch.size(), patch.toString());
        patch.forEach(op -> assertEquals("add", op.get("op").asText()));
        assertEquals("/metadata/annotations/lxcfs.io~1status", patch.get(0).get("path").asText());

        Pod out = applyPatch(raw, patch);
        for (Container c : out.getSpec().getContainers()) {
            assertAllMounts(c, EnumSet.allOf(ProcFileName.class));
        }
        for (ProcFileName f : EnumSet.complementOf(EnumSet.of(ProcFileName.cpu_online))) {
            Volume v = volume(out, f.volumeName());
            assertNotNull(v, f.volumeName());
            assertEquals("File", v.getHostPath().getType());
            assertEquals("/var/lib/lxcfs" + f.containerPath(), v.getHostPath().getPath());
        }
        assertEquals("/var/lib/lxcfs/proc/meminfo", volume(out, "lxcfs-proc-meminfo").getHostPath().getPath());
        // The CPU directory by default, a Directory volume; no online file.
        assertEquals("/var/lib/lxcfs/sys/devices/system/cpu", volume(out, CPU_DIR_VOLUME).getHostPath().getPath());
        assertEquals("Directory", volume(out, CPU_DIR_VOLUME).getHostPath().getType());
        assertNull(volume(out, "lxcfs-sys-devices-system-cpu-online"));
        assertNull(mount(out.getSpec().getContainers().get(0), "/sys/devices/system/cpu/online"));
        assertEquals(10, out.getSpec().getVolumes().size());
        Map<String, String> ann = out.getMetadata().getAnnotations();
        assertEquals("injected", ann.get("lxcfs.io/status"));
        assertEquals("true", ann.get("prometheus.io/scrape"));
        assertEquals(4, ann.size());

        // Undo exactly what we added and the original comes back: nothing else was touched (including unknown fields).
        JsonNode patched = JsonPatch.apply(patch, raw);
        assertEquals(raw.get("status"), patched.get("status"));
        assertEquals(raw.at("/spec/someFutureField"), patched.at("/spec/someFutureField"));
        assertEquals(raw.at("/spec/containers/0/resources"), patched.at("/spec/containers/0/resources"));
        assertEquals(raw.at("/spec/containers/0/livenessProbe"), patched.at("/spec/containers/0/livenessProbe"));
        assertEquals(raw.at("/metadata/managedFields"), patched.at("/metadata/managedFields"));
    }

    @Test
    void secondPassYieldsAnEmptyPatch() {
        for (String name : List.of("deployment-pod.json", "init-containers-pod.json", "own-meminfo-pod.json",
                "bare-pod.json")) {
            ObjectNode raw = json(name);
            JsonNode once = JsonPatch.apply(patch(raw, ALL), raw);
            JsonNode second = patch(once, ALL);
            assertEquals(0, second.size(), name + ": " + second);
        }
    }

    @Test
    void initContainersGetTheViewUnlessDisabled() {
        ObjectNode raw = json("init-containers-pod.json");
        Pod with = applyPatch(raw, patch(raw, ALL));
        assertEquals(2, with.getSpec().getInitContainers().size());
        with.getSpec().getInitContainers().forEach(c -> assertAllMounts(c, EnumSet.allOf(ProcFileName.class)));
        assertAllMounts(with.getSpec().getContainers().get(0), EnumSet.allOf(ProcFileName.class));
        assertNotNull(mount(with.getSpec().getInitContainers().get(0), "/data"), "own mount kept");

        Pod without = applyPatch(raw, patch(raw, ALL.withInitContainers(false)));
        without.getSpec().getInitContainers().forEach(c -> assertNull(mount(c, "/proc/meminfo")));
        assertAllMounts(without.getSpec().getContainers().get(0), EnumSet.allOf(ProcFileName.class));
        // a later pass that does want init containers adds them (no duplicates)
        JsonNode again = JsonPatch.apply(patch(raw, ALL.withInitContainers(false)), raw);
        Pod both = applyPatch(again, patch(again, ALL));
        both.getSpec().getInitContainers().forEach(c -> assertAllMounts(c, EnumSet.allOf(ProcFileName.class)));
    }

    @Test
    void containerThatMountsProcMeminfoItselfKeepsItsMount() {
        ObjectNode raw = json("own-meminfo-pod.json");
        Pod out = applyPatch(raw, patch(raw, ALL));
        Container app = out.getSpec().getContainers().get(0);
        assertEquals("fake-meminfo", mount(app, "/proc/meminfo").getName());
        assertEquals("meminfo", mount(app, "/proc/meminfo").getSubPath());
        assertEquals("fake-online", mount(app, "/sys/devices/system/cpu/online").getName(), "trailing slash still same path");
        assertEquals(2 + 6, app.getVolumeMounts().size());
        assertAllMounts(app, EnumSet.complementOf(EnumSet.of(ProcFileName.meminfo, ProcFileName.cpu_online)));
        // the sidecar gets all eight, so those volumes exist
        assertAllMounts(out.getSpec().getContainers().get(1), EnumSet.allOf(ProcFileName.class));
        assertNotNull(volume(out, "lxcfs-proc-meminfo"));
    }

    @Test
    void theSingleOnlineFileIsTheSetting() {
        ObjectNode raw = json("deployment-pod.json");
        Pod out = applyPatch(raw, patch(raw, ALL.withCpuMount(MutationOptions.CpuMount.FILE)));
        for (Container c : out.getSpec().getContainers()) {
            assertEquals("lxcfs-sys-devices-system-cpu-online", mount(c, "/sys/devices/system/cpu/online").getName());
            assertNull(mount(c, CPU_DIR));
        }
        assertEquals("File", volume(out, "lxcfs-sys-devices-system-cpu-online").getHostPath().getType());
        assertEquals("/var/lib/lxcfs/sys/devices/system/cpu/online",
                volume(out, "lxcfs-sys-devices-system-cpu-online").getHostPath().getPath());
        assertNull(volume(out, CPU_DIR_VOLUME));
        assertEquals(10, out.getSpec().getVolumes().size());
    }

    /**
     * A pod mutated with one CPU mount and mutated again with the other (the setting changed between a pod's
     * creation and a reinvocation) keeps what it has: never both, never a second volume.
     */
    @Test
    void switchingTheSettingNeverAddsTheOtherCpuMount() {
        for (MutationOptions.CpuMount first : MutationOptions.CpuMount.values()) {
            MutationOptions.CpuMount other = first == MutationOptions.CpuMount.FILE ? MutationOptions.CpuMount.DIRECTORY
                    : MutationOptions.CpuMount.FILE;
            ObjectNode raw = json("deployment-pod.json");
            JsonNode once = JsonPatch.apply(patch(raw, ALL.withCpuMount(first)), raw);
            assertEquals(0, patch(once, ALL.withCpuMount(first)).size(), first + " twice");
            assertEquals(0, patch(once, ALL.withCpuMount(other)).size(), first + " then " + other);
        }
    }

    /**
     * A container that mounts the CPU directory or its online file keeps its own, in both settings; with the
     * directory setting, also one that mounts anything inside the directory (the directory would hide it).
     */
    @Test
    void aContainerWithItsOwnCpuMountKeepsIt() {
        for (String own : List.of(CPU_DIR, CPU_DIR + "/", CPU_DIR + "/online", CPU_DIR + "/cpu0/topology")) {
            for (MutationOptions.CpuMount setting : MutationOptions.CpuMount.values()) {
                if (own.contains("topology") && setting == MutationOptions.CpuMount.FILE) {
                    continue; // the online file does not clash with cpu0/topology
                }
                ObjectNode raw = json("bare-pod.json");
                com.fasterxml.jackson.databind.node.ArrayNode mounts = ((ObjectNode) raw.at("/spec/containers/0"))
                        .putArray("volumeMounts");
                mounts.addObject().put("name", "own").put("mountPath", own);
                ((ObjectNode) raw.get("spec")).putArray("volumes").addObject().put("name", "own").putObject("emptyDir");
                Pod out = applyPatch(raw, patch(raw, ALL.withCpuMount(setting)));
                Container c = out.getSpec().getContainers().get(0);
                String where = own + " with " + setting;
                assertEquals(1 + 7, c.getVolumeMounts().size(), where + ": " + c.getVolumeMounts());
                assertEquals("own", c.getVolumeMounts().get(0).getName(), where);
                assertNull(volume(out, CPU_DIR_VOLUME), where);
                assertNull(volume(out, "lxcfs-sys-devices-system-cpu-online"), where);
                assertNotNull(mount(c, "/proc/meminfo"), where);
            }
        }
        // A mount of /sys as a whole is not in the way: the runtime mounts the deeper path on top of it.
        ObjectNode raw = json("bare-pod.json");
        ((ObjectNode) raw.at("/spec/containers/0")).putArray("volumeMounts").addObject().put("name", "sys").put("mountPath", "/sys");
        ((ObjectNode) raw.get("spec")).putArray("volumes").addObject().put("name", "sys").putObject("emptyDir");
        Pod out = applyPatch(raw, patch(raw, ALL));
        assertEquals(CPU_DIR_VOLUME, mount(out.getSpec().getContainers().get(0), CPU_DIR).getName());
    }

    @Test
    void onlyVolumesThatAreMountedAreAdded() {
        ObjectNode raw = json("own-meminfo-pod.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) raw.at("/spec/containers")).remove(1); // drop the sidecar
        Pod out = applyPatch(raw, patch(raw, ALL));
        assertNull(volume(out, "lxcfs-proc-meminfo"), "nobody mounts it");
        assertNotNull(volume(out, "lxcfs-proc-cpuinfo"));
    }

    @Test
    void policyWithASubsetOfFiles() {
        ObjectNode raw = json("deployment-pod.json");
        EnumSet<ProcFileName> subset = EnumSet.of(ProcFileName.meminfo, ProcFileName.cpu_online);
        Pod out = applyPatch(raw, patch(raw, ALL.withFiles(subset)));
        for (Container c : out.getSpec().getContainers()) {
            assertAllMounts(c, subset);
            assertNull(mount(c, "/proc/stat"));
            assertNull(mount(c, "/proc/cpuinfo"));
        }
        assertEquals(2 + 2, out.getSpec().getVolumes().size());
        // widening the subset later adds only the missing files
        JsonNode once = JsonPatch.apply(patch(raw, ALL.withFiles(subset)), raw);
        JsonNode wider = patch(once, ALL.withFiles(EnumSet.of(ProcFileName.meminfo, ProcFileName.stat)));
        assertOps(wider, "add /spec/containers/0/volumeMounts/4", "add /spec/containers/1/volumeMounts/3",
                "add /spec/volumes/4");
    }

    @Test
    void customMountPath() {
        ObjectNode raw = json("bare-pod.json");
        Pod out = applyPatch(raw, patch(raw, MutationOptions.all("/run/lxcfs/")));
        assertEquals("/run/lxcfs/proc/uptime", volume(out, "lxcfs-proc-uptime").getHostPath().getPath());
    }

    @Test
    void windowsPodIsLeftAlone() {
        ObjectNode raw = json("windows-pod.json");
        assertTrue(PodMutator.isWindows(pod(raw)));
        assertEquals(0, patch(raw, ALL).size());
        ObjectNode bySelectorOnly = json("windows-pod.json");
        ((ObjectNode) bySelectorOnly.get("spec")).remove("os");
        assertTrue(PodMutator.isWindows(pod(bySelectorOnly)));
        assertEquals(0, patch(bySelectorOnly, ALL).size());
    }

    @Test
    void annotationsWithSlashesAndTildesAreEscapedAndKept() {
        ObjectNode raw = json("bare-pod.json");
        ObjectNode ann = ((ObjectNode) raw.get("metadata")).putObject("annotations");
        ann.put("example.com/owner", "team/a");
        ann.put("weird~key/x", "1");
        JsonNode patch = patch(raw, ALL);
        assertEquals("/metadata/annotations/lxcfs.io~1status", patch.get(0).get("path").asText());
        Pod out = applyPatch(raw, patch);
        assertEquals(Map.of("example.com/owner", "team/a", "weird~key/x", "1", "lxcfs.io/status", "injected"),
                out.getMetadata().getAnnotations());
    }

    @Test
    void podWithoutAnnotationsGetsTheAnnotationsObject() {
        ObjectNode raw = json("bare-pod.json");
        JsonNode patch = patch(raw, ALL);
        assertEquals("/metadata/annotations", patch.get(0).get("path").asText());
        assertEquals("injected", patch.get(0).get("value").get("lxcfs.io/status").asText());
        Pod out = applyPatch(raw, patch);
        assertEquals(8, out.getSpec().getVolumes().size());
    }

    @Test
    void inputIsNotModified() {
        Pod before = pod(json("deployment-pod.json"));
        String snapshot = before.toString();
        PodMutator.mutate(before, ALL);
        assertEquals(snapshot, before.toString());
    }

    @Test
    void volumeNamesAreStableAndPrefixed() {
        assertEquals("lxcfs-proc-meminfo", ProcFileName.meminfo.volumeName());
        assertEquals("lxcfs-proc-diskstats", ProcFileName.diskstats.volumeName());
        assertEquals("lxcfs-sys-devices-system-cpu-online", ProcFileName.cpu_online.volumeName());
    }

    @Test
    void nativeSidecarsGetTheViewEvenWhenInitContainersDoNot() {
        ObjectNode raw = json("init-containers-pod.json");
        // the second init container becomes a native sidecar (Kubernetes 1.29+): it runs beside the containers
        ((ObjectNode) raw.at("/spec/initContainers/1")).put("restartPolicy", "Always");

        Pod without = applyPatch(raw, patch(raw, ALL.withInitContainers(false)));
        Container chown = without.getSpec().getInitContainers().get(0);
        Container sidecar = without.getSpec().getInitContainers().get(1);
        assertNull(mount(chown, "/proc/meminfo"), "an ordinary init container follows initContainers: false");
        assertEquals(1, chown.getVolumeMounts().size());
        assertAllMounts(sidecar, EnumSet.allOf(ProcFileName.class));
        assertEquals("Always", sidecar.getRestartPolicy());
        assertAllMounts(without.getSpec().getContainers().get(0), EnumSet.allOf(ProcFileName.class));

        Pod with = applyPatch(raw, patch(raw, ALL));
        with.getSpec().getInitContainers().forEach(c -> assertAllMounts(c, EnumSet.allOf(ProcFileName.class)));

        // idempotent: a second pass adds nothing
        JsonNode once = JsonPatch.apply(patch(raw, ALL.withInitContainers(false)), raw);
        assertTrue(patch(once, ALL.withInitContainers(false)).isEmpty());
    }

    @Test
    void nativeSidecarAloneKeepsTheVolumesNeeded() {
        ObjectNode raw = json("init-containers-pod.json");
        ((ObjectNode) raw.at("/spec/initContainers/0")).put("restartPolicy", "Always");
        Pod out = applyPatch(raw, patch(raw, ALL.withInitContainers(false).withFiles(
                EnumSet.of(ProcFileName.meminfo))));
        assertNotNull(mount(out.getSpec().getInitContainers().get(0), "/proc/meminfo"));
        assertNull(mount(out.getSpec().getInitContainers().get(1), "/proc/meminfo"));
        assertNotNull(volume(out, "lxcfs-proc-meminfo"));
        assertNull(volume(out, "lxcfs-proc-stat"));
    }
}
