package io.lxcfs.crds.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/**
 * {@code lxcfs.io/v1alpha1 ProcViewPolicy}, cluster-scoped: opts label-selected namespaces and
 * pods in or out of the LXCFS view and chooses which files they get.
 *
 * <p>Conflict rule when several policies match one pod (see docs/webhook.md):
 * <ol>
 *   <li>the pod's own {@code lxcfs.io/enable} annotation always wins over every policy;</li>
 *   <li>otherwise, if any matching policy has {@code enabled: false}, the pod is not mutated
 *       (opt-out wins);</li>
 *   <li>otherwise the pod gets the union of the {@code files} of all matching opt-in policies, and
 *       init containers get the view if any matching opt-in policy has
 *       {@code initContainers: true} (the default).</li>
 * </ol>
 * The outcome does not depend on the order policies were created or listed in.
 */
@Group(ProcViewPolicy.GROUP)
@Version(value = ProcViewPolicy.VERSION, storage = true, served = true)
@Kind("ProcViewPolicy")
@Plural("procviewpolicies")
@Singular("procviewpolicy")
@ShortNames({ "pvp", "procview" })
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ProcViewPolicy extends CustomResource<ProcViewPolicySpec, ProcViewPolicyStatus> {
    public static final String GROUP = "lxcfs.io";
    public static final String VERSION = "v1alpha1";
    public static final String CRD_NAME = "procviewpolicies.lxcfs.io";

    @Override
    protected ProcViewPolicySpec initSpec() {
        return new ProcViewPolicySpec();
    }
}
