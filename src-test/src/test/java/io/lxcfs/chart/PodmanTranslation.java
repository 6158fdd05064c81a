package io.lxcfs.chart;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a kubelet would do with one pod, written as the arguments of {@code podman run} (pure: no process runs here).
 * It covers the fields this project's chart and the demo pod use, each translated to what the kubelet and runc make of
 * it; any other field, or a value it does not know, is an {@link Untranslatable} error naming it, so the pods test
 * fails when the chart starts asking for something a kubelet would do that this translation would silently drop.
 *
 * <p>Pod: one container; {@code hostPID} ({@code --pid host}); no {@code hostNetwork} (the pod gets its own IP on
 * podman's bridge); {@code hostPath} (type checked as the kubelet does, {@code DirectoryOrCreate} created),
 * {@code emptyDir} (a fresh directory, mode 0777, group {@code fsGroup}) and {@code secret} volumes (files the caller
 * provides, as the kubelet projects them); the pod security context's user, group, {@code fsGroup},
 * {@code runAsNonRoot}, {@code seccompProfile: RuntimeDefault} (podman's default profile);
 * {@code terminationGracePeriodSeconds} ({@code --stop-timeout}); {@code automountServiceAccountToken} must be false
 * (no API server, no token). Scheduling-only fields (tolerations, node selector, affinity, priority class, pull
 * secrets, service account name) mean nothing on one node and are accepted.
 *
 * <p>Container: image (never pulled), command/args (entrypoint/arguments), env ({@code value}, and {@code fieldRef} of
 * {@code metadata.name}/{@code metadata.namespace}), ports (for probes), probes ({@code httpGet}; run by the caller,
 * see {@link Probe}), resources (memory limit, CPU limit as CFS quota, CPU request as shares: what the kubelet writes
 * to the container's cgroup), security context (privileged, allowPrivilegeEscalation, readOnlyRootFilesystem without
 * podman's extra tmpfs mounts, runAsUser/Group/NonRoot, capabilities), volume mounts (read-only, and
 * {@code mountPropagation} as rprivate/rslave/rshared).
 */
final class PodmanTranslation {

    /** The chart asks for something this translation does not cover. */
    static final class Untranslatable extends RuntimeException {
        Untranslatable(String message) {
            super(message);
        }
    }

    /** An httpGet probe with the kubelet's timing fields (defaults as in the Kubernetes API). */
    record Probe(String kind, String scheme, String path, int port, int periodSeconds, int timeoutSeconds,
            int failureThreshold, int initialDelaySeconds) {
    }

    /** A host directory the runtime needs before {@code podman run}. */
    record HostDir(String volume, String path, String kind, Integer group) {
    }

    /** The translation: podman run arguments (before the image), the image and its arguments, and what to prepare. */
    record Plan(String podName, List<String> runOptions, String image, List<String> entrypoint, List<String> args,
            List<HostDir> hostDirs, List<String> sharedHostPaths, Map<String, Probe> probes, int stopTimeoutSeconds) {

        List<String> podmanRun(String containerName) {
            List<String> cmd = new ArrayList<>(List.of("podman", "run", "-d", "--name", containerName));
            cmd.addAll(runOptions);
            if (!entrypoint.isEmpty()) {
                cmd.add("--entrypoint=" + Chart.JSON.valueToTree(entrypoint));
            }
            cmd.add(image);
            cmd.addAll(args);
            return cmd;
        }
    }

    private static final Set<String> SCHEDULING_ONLY = Set.of("tolerations", "nodeSelector", "affinity",
            "priorityClassName", "imagePullSecrets", "serviceAccountName", "serviceAccount", "schedulerName");

    private PodmanTranslation() {
    }

    /**
     * @param pod a Pod, or a workload's {@code spec.template} (metadata + spec), as a JSON tree
     * @param podName the pod's name (a DaemonSet's pod gets one from its controller)
     * @param namespace the pod's namespace
     * @param volumeDirs where emptyDir and secret volumes of this pod live on the host, by volume name
     */
    static Plan translate(JsonNode pod, String podName, String namespace, Map<String, String> volumeDirs) {
        JsonNode spec = pod.path("spec");
        allowOnly(spec, "spec", Set.of("containers", "volumes", "hostPID", "hostNetwork", "securityContext",
                "automountServiceAccountToken", "terminationGracePeriodSeconds", "restartPolicy", "dnsPolicy",
                "enableServiceLinks"), SCHEDULING_ONLY);
        if (spec.path("containers").size() != 1) {
            throw new Untranslatable("spec.containers: " + spec.path("containers").size()
                    + " containers; this translation runs exactly one per pod");
        }
        if (spec.path("hostNetwork").asBoolean(false)) {
            throw new Untranslatable("spec.hostNetwork: true is not translated (the chart's pods use their own IP)");
        }
        if (!spec.path("automountServiceAccountToken").isMissingNode()
                ? spec.path("automountServiceAccountToken").asBoolean() : true) {
            throw new Untranslatable("spec.automountServiceAccountToken is not false: the kubelet would mount a"
                    + " service account token, and there is no API server here");
        }
        expect(spec, "restartPolicy", "spec", "Always", "Never", "OnFailure");
        expect(spec, "dnsPolicy", "spec", "ClusterFirst");

        List<String> opts = new ArrayList<>();
        opts.add("--hostname=" + podName);
        opts.add("--pull=never");
        opts.add("--network=bridge");
        if (spec.path("hostPID").asBoolean(false)) {
            opts.add("--pid=host");
        }

        JsonNode psc = spec.path("securityContext");
        allowOnly(psc, "spec.securityContext", Set.of("runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup",
                "seccompProfile"), Set.of());
        if (!psc.path("seccompProfile").isMissingNode()) {
            allowOnly(psc.path("seccompProfile"), "spec.securityContext.seccompProfile", Set.of("type"), Set.of());
            expect(psc.path("seccompProfile"), "type", "spec.securityContext.seccompProfile", "RuntimeDefault");
        }
        Integer fsGroup = psc.has("fsGroup") ? psc.get("fsGroup").asInt() : null;

        JsonNode c = spec.path("containers").get(0);
        String where = "spec.containers[" + c.path("name").asText() + "]";
        allowOnly(c, where, Set.of("name", "image", "imagePullPolicy", "command", "args", "env", "ports",
                "startupProbe", "livenessProbe", "readinessProbe", "resources", "securityContext", "volumeMounts",
                "terminationMessagePath", "terminationMessagePolicy"), Set.of());
        expect(c, "imagePullPolicy", where, "IfNotPresent", "Never");

        // user: container over pod, as the kubelet merges them
        JsonNode csc = c.path("securityContext");
        allowOnly(csc, where + ".securityContext", Set.of("privileged", "allowPrivilegeEscalation",
                "readOnlyRootFilesystem", "runAsNonRoot", "runAsUser", "runAsGroup", "capabilities"), Set.of());
        JsonNode uid = csc.has("runAsUser") ? csc.get("runAsUser") : psc.get("runAsUser");
        JsonNode gid = csc.has("runAsGroup") ? csc.get("runAsGroup") : psc.get("runAsGroup");
        boolean nonRoot = csc.path("runAsNonRoot").asBoolean(psc.path("runAsNonRoot").asBoolean(false));
        if (nonRoot && (uid == null || uid.asInt() == 0)) {
            throw new Untranslatable(where + ": runAsNonRoot without a non-zero runAsUser (the image's USER is not"
                    + " checked by this translation)");
        }
        if (uid != null) {
            opts.add("--user=" + uid.asInt() + (gid != null ? ":" + gid.asInt() : ""));
        } else if (gid != null) {
            throw new Untranslatable(where + ": runAsGroup without runAsUser");
        }
        if (fsGroup != null) {
            opts.add("--group-add=" + fsGroup);
        }
        if (csc.path("privileged").asBoolean(false)) {
            opts.add("--privileged");
        }
        if (csc.has("allowPrivilegeEscalation") && !csc.get("allowPrivilegeEscalation").asBoolean()) {
            opts.add("--security-opt=no-new-privileges");
        }
        if (csc.path("readOnlyRootFilesystem").asBoolean(false)) {
            // podman would add tmpfs on /tmp, /var/tmp, /run; a kubelet adds nothing
            opts.add("--read-only");
            opts.add("--read-only-tmpfs=false");
        }
        JsonNode caps = csc.path("capabilities");
        allowOnly(caps, where + ".securityContext.capabilities", Set.of("drop", "add"), Set.of());
        caps.path("drop").forEach(cap -> opts.add("--cap-drop=" + cap.asText()));
        caps.path("add").forEach(cap -> opts.add("--cap-add=" + cap.asText()));

        // resources: what the kubelet writes to the container's cgroup
        JsonNode res = c.path("resources");
        allowOnly(res, where + ".resources", Set.of("limits", "requests"), Set.of());
        allowOnly(res.path("limits"), where + ".resources.limits", Set.of("cpu", "memory"), Set.of());
        allowOnly(res.path("requests"), where + ".resources.requests", Set.of("cpu", "memory"), Set.of());
        if (res.path("limits").has("memory")) {
            opts.add("--memory=" + bytes(res.path("limits").get("memory").asText()));
        }
        if (res.path("limits").has("cpu")) {
            long milli = milliCpu(res.path("limits").get("cpu").asText());
            opts.add("--cpu-period=100000");
            opts.add("--cpu-quota=" + Math.max(1000, milli * 100));
        }
        String requestCpu = res.path("requests").path("cpu").asText(res.path("limits").path("cpu").asText(""));
        if (!requestCpu.isEmpty()) {
            opts.add("--cpu-shares=" + Math.max(2, milliCpu(requestCpu) * 1024 / 1000));
        }

        for (JsonNode e : c.path("env")) {
            allowOnly(e, where + ".env", Set.of("name", "value", "valueFrom"), Set.of());
            String name = e.path("name").asText();
            String value;
            if (e.has("valueFrom")) {
                JsonNode from = e.get("valueFrom");
                allowOnly(from, where + ".env[" + name + "].valueFrom", Set.of("fieldRef"), Set.of());
                String field = from.path("fieldRef").path("fieldPath").asText();
                value = switch (field) {
                    case "metadata.namespace" -> namespace;
                    case "metadata.name" -> podName;
                    default -> throw new Untranslatable(where + ".env[" + name + "]: fieldRef " + field);
                };
            } else {
                value = e.path("value").asText("");
            }
            opts.add("--env=" + name + "=" + value);
        }

        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode p : c.path("ports")) {
            allowOnly(p, where + ".ports", Set.of("name", "containerPort", "protocol"), Set.of());
            expect(p, "protocol", where + ".ports", "TCP");
            ports.put(p.path("name").asText(String.valueOf(p.path("containerPort").asInt())),
                    p.path("containerPort").asInt());
        }
        Map<String, Probe> probes = new LinkedHashMap<>();
        for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            if (c.has(kind)) {
                probes.put(kind, probe(c.get(kind), where + "." + kind, kind, ports));
            }
        }

        // volumes
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        List<HostDir> hostDirs = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            String name = v.path("name").asText();
            allowOnly(v, "spec.volumes[" + name + "]", Set.of("name", "hostPath", "emptyDir", "secret"), Set.of());
            volumes.put(name, v);
            if (v.has("hostPath")) {
                allowOnly(v.get("hostPath"), "spec.volumes[" + name + "].hostPath", Set.of("path", "type"), Set.of());
                String type = v.get("hostPath").path("type").asText("");
                if (!Set.of("", "Directory", "DirectoryOrCreate", "File").contains(type)) {
                    throw new Untranslatable("spec.volumes[" + name + "].hostPath.type " + type);
                }
                hostDirs.add(new HostDir(name, v.get("hostPath").path("path").asText(), "hostPath:" + type, null));
            } else if (v.has("emptyDir")) {
                allowOnly(v.get("emptyDir"), "spec.volumes[" + name + "].emptyDir", Set.of("sizeLimit", "medium"), Set.of());
                expect(v.get("emptyDir"), "medium", "spec.volumes[" + name + "].emptyDir", "");
                hostDirs.add(new HostDir(name, dirOf(volumeDirs, name), "emptyDir", fsGroup));
            } else if (v.has("secret")) {
                allowOnly(v.get("secret"), "spec.volumes[" + name + "].secret", Set.of("secretName", "defaultMode"), Set.of());
                hostDirs.add(new HostDir(name, dirOf(volumeDirs, name), "secret:" + v.get("secret").path("secretName").asText(), fsGroup));
            } else {
                throw new Untranslatable("spec.volumes[" + name + "]: no hostPath, emptyDir or secret");
            }
        }
        Map<String, String> hostPathOf = new LinkedHashMap<>();
        hostDirs.forEach(h -> hostPathOf.put(h.volume(), h.path()));
        List<String> shared = new ArrayList<>();
        for (JsonNode m : c.path("volumeMounts")) {
            allowOnly(m, where + ".volumeMounts", Set.of("name", "mountPath", "readOnly", "mountPropagation"), Set.of());
            String name = m.path("name").asText();
            if (!volumes.containsKey(name)) {
                throw new Untranslatable(where + ".volumeMounts: no volume " + name);
            }
            String propagation = switch (m.path("mountPropagation").asText("None")) {
                case "None" -> "rprivate";
                case "HostToContainer" -> "rslave";
                case "Bidirectional" -> {
                    if (!csc.path("privileged").asBoolean(false)) {
                        throw new Untranslatable(where + ": Bidirectional propagation needs a privileged container");
                    }
                    shared.add(hostPathOf.get(name));
                    yield "rshared";
                }
                default -> throw new Untranslatable(where + ".volumeMounts[" + name + "].mountPropagation "
                        + m.path("mountPropagation").asText());
            };
            boolean readOnly = m.path("readOnly").asBoolean(false) || volumes.get(name).has("secret");
            opts.add("--volume=" + hostPathOf.get(name) + ":" + m.path("mountPath").asText() + ":"
                    + (readOnly ? "ro," : "rw,") + propagation);
        }

        int grace = spec.path("terminationGracePeriodSeconds").asInt(30);
        opts.add("--stop-timeout=" + grace);

        List<String> entrypoint = new ArrayList<>();
        c.path("command").forEach(a -> entrypoint.add(a.asText()));
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        return new Plan(podName, opts, c.path("image").asText(), entrypoint, args, hostDirs, shared, probes, grace);
    }

    private static Probe probe(JsonNode p, String where, String kind, Map<String, Integer> ports) {
        allowOnly(p, where, Set.of("httpGet", "periodSeconds", "timeoutSeconds", "failureThreshold",
                "initialDelaySeconds", "successThreshold"), Set.of());
        JsonNode get = p.path("httpGet");
        if (get.isMissingNode()) {
            throw new Untranslatable(where + ": only httpGet probes are translated");
        }
        allowOnly(get, where + ".httpGet", Set.of("path", "port", "scheme"), Set.of());
        JsonNode port = get.path("port");
        int number = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
        if (number < 0) {
            throw new Untranslatable(where + ".httpGet.port " + port + ": no such container port");
        }
        if (p.path("successThreshold").asInt(1) != 1) {
            throw new Untranslatable(where + ".successThreshold other than 1");
        }
        return new Probe(kind, get.path("scheme").asText("HTTP"), get.path("path").asText("/"), number,
                p.path("periodSeconds").asInt(10), p.path("timeoutSeconds").asInt(1),
                p.path("failureThreshold").asInt(3), p.path("initialDelaySeconds").asInt(0));
    }

    private static String dirOf(Map<String, String> volumeDirs, String volume) {
        String d = volumeDirs.get(volume);
        if (d == null) {
            throw new Untranslatable("no host directory was provided for volume " + volume);
        }
        return d;
    }

    private static void allowOnly(JsonNode node, String where, Set<String> known, Set<String> ignored) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new Untranslatable(where + ": expected an object, got " + node);
        }
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!known.contains(f) && !ignored.contains(f)) {
                unknown.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw new Untranslatable(where + ": " + unknown + " not translated to podman (known: " + new TreeSet<>(known) + ")");
        }
    }

    private static void expect(JsonNode node, String field, String where, String... allowed) {
        if (node.has(field) && !List.of(allowed).contains(node.get(field).asText())) {
            throw new Untranslatable(where + "." + field + ": " + node.get(field).asText() + " (translated: "
                    + List.of(allowed) + ")");
        }
    }

    /** Kubernetes quantity to bytes (the suffixes the chart and the demo use). */
    static long bytes(String q) {
        Map<String, Long> suffix = new LinkedHashMap<>();
        suffix.put("Ki", 1L << 10);
        suffix.put("Mi", 1L << 20);
        suffix.put("Gi", 1L << 30);
        suffix.put("k", 1000L);
        suffix.put("M", 1000_000L);
        suffix.put("G", 1000_000_000L);
        for (Map.Entry<String, Long> s : suffix.entrySet()) {
            if (q.endsWith(s.getKey())) {
                return Long.parseLong(q.substring(0, q.length() - s.getKey().length())) * s.getValue();
            }
        }
        return Long.parseLong(q);
    }

    static long milliCpu(String q) {
        return q.endsWith("m") ? Long.parseLong(q.substring(0, q.length() - 1)) : Math.round(Double.parseDouble(q) * 1000);
    }
}
