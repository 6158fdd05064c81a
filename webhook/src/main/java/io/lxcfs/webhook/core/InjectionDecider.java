package io.lxcfs.webhook.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Pod;
import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;

/**
 * Decides whether a pod gets the view, and with which options. Pure: everything it needs is passed in.
 *
 * <p>Order (docs/webhook.md):
 * <ol>
 *   <li>excluded namespace, Windows pod, the daemon's own pod: skip;</li>
 *   <li>annotation {@code lxcfs.io/enable}: "true" injects (with the options of matching opt-in policies if any,
 *       otherwise all files and init containers), "false" skips, anything else skips with a warning;</li>
 *   <li>matching {@link ProcViewPolicy} objects: any {@code enabled: false} skips (opt-out wins); otherwise the
 *       union of files of the matching opt-in policies, init containers if any of them wants them;</li>
 *   <li>nothing matches: skip;</li>
 *   <li>a pod that would get the view but runs in a user namespace ({@code hostUsers: false}): skip with a warning
 *       ({@link #USER_NAMESPACE_WARNING}).</li>
 * </ol>
 */
public final class InjectionDecider {

    /** Configuration the decision depends on. */
    public record Settings(String mountPath, Set<String> excludedNamespaces, Map<String, String> daemonPodLabels) {
        public Settings {
            excludedNamespaces = Set.copyOf(excludedNamespaces);
            daemonPodLabels = Map.copyOf(daemonPodLabels);
        }
    }

    /** Why a {@code hostUsers: false} pod is left alone, as the admission warning says it. */
    public static final String USER_NAMESPACE_WARNING = "pod has hostUsers: false: the LXCFS view was not injected,"
            + " because its files would need idmapped bind mounts of a FUSE file system, which the LXCFS daemon does not"
            + " allow yet (FUSE_ALLOW_IDMAP); the pod sees the node's /proc files";

    private final Settings settings;

    public InjectionDecider(Settings settings) {
        this.settings = settings;
    }

    /**
     * @param namespace the request's namespace
     * @param namespaceLabels labels of that namespace (at least {@code kubernetes.io/metadata.name})
     * @param pod the pod being created
     * @param policies all known policies
     */
    public Decision decide(String namespace, Map<String, String> namespaceLabels, Pod pod,
            Collection<ProcViewPolicy> policies) {
        Decision d = select(namespace, namespaceLabels, pod, policies);
        if (d.inject() && pod.getSpec() != null && Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
            return Decision.skip(SkipReason.USER_NAMESPACE, d.source() + ", hostUsers: false", USER_NAMESPACE_WARNING);
        }
        return d;
    }

    private Decision select(String namespace, Map<String, String> namespaceLabels, Pod pod,
            Collection<ProcViewPolicy> policies) {
        if (namespace != null && settings.excludedNamespaces().contains(namespace)) {
            return Decision.skip(SkipReason.EXCLUDED_NAMESPACE, "namespace " + namespace);
        }
        if (PodMutator.isWindows(pod)) {
            return Decision.skip(SkipReason.WINDOWS, "windows pod");
        }
        if (isDaemonPod(pod)) {
            return Decision.skip(SkipReason.DAEMON_POD, "lxcfs daemon pod");
        }
        Map<String, String> annotations = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
        String enable = annotations == null ? null : annotations.get(PodMutator.ENABLE_ANNOTATION);
        Map<String, String> podLabels = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();

        List<ProcViewPolicy> optIn = new ArrayList<>();
        List<ProcViewPolicy> optOut = new ArrayList<>();
        if (policies != null) {
            for (ProcViewPolicy p : policies) {
                if (p.getSpec() == null || p.getSpec().getEnabled() == null) {
                    continue; // invalid; the CRD schema requires spec.enabled
                }
                if (LabelSelectors.matches(p.getSpec().getNamespaceSelector(), namespaceLabels)
                        && LabelSelectors.matches(p.getSpec().getPodSelector(), podLabels)) {
                    (p.getSpec().getEnabled() ? optIn : optOut).add(p);
                }
            }
        }

        if (enable != null) {
            if ("true".equals(enable)) {
                MutationOptions options = optIn.isEmpty() ? MutationOptions.all(settings.mountPath()) : merge(optIn);
                return Decision.inject(options, "annotation" + (optIn.isEmpty() ? "" : " + " + names(optIn)));
            }
            if ("false".equals(enable)) {
                return Decision.skip(SkipReason.ANNOTATION_OPT_OUT, "annotation");
            }
            return Decision.skip(SkipReason.INVALID_ANNOTATION, "annotation",
                    "annotation " + PodMutator.ENABLE_ANNOTATION + " must be \"true\" or \"false\", got \""
                            + truncate(enable) + "\"; the pod was not given the LXCFS view");
        }
        if (!optOut.isEmpty()) {
            return Decision.skip(SkipReason.POLICY_OPT_OUT, "policy " + names(optOut));
        }
        if (!optIn.isEmpty()) {
            return Decision.inject(merge(optIn), "policy " + names(optIn));
        }
        return Decision.skip(SkipReason.NOT_SELECTED, "no annotation or policy");
    }

    private MutationOptions merge(List<ProcViewPolicy> optIn) {
        Set<ProcFileName> files = EnumSet.noneOf(ProcFileName.class);
        boolean init = false;
        for (ProcViewPolicy p : optIn) {
            files.addAll(p.getSpec().effectiveFiles());
            init |= p.getSpec().effectiveInitContainers();
        }
        return new MutationOptions(settings.mountPath(), files, init);
    }

    private boolean isDaemonPod(Pod pod) {
        if (pod.getSpec() == null || !Boolean.TRUE.equals(pod.getSpec().getHostPID())
                || settings.daemonPodLabels().isEmpty()) {
            return false;
        }
        Map<String, String> labels = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
        if (labels == null) {
            return false;
        }
        for (Map.Entry<String, String> e : settings.daemonPodLabels().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static String names(List<ProcViewPolicy> policies) {
        Set<String> names = new TreeSet<>();
        policies.forEach(p -> names.add(p.getMetadata() == null ? "?" : p.getMetadata().getName()));
        return String.join(",", names);
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
