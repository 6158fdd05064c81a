package io.lxcfs.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Observed state of a {@link ProcViewPolicy}, written by the webhook when its informer sees the policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProcViewPolicyStatus {

    @JsonPropertyDescription("metadata.generation of the spec the webhook applies.")
    private Long observedGeneration;

    public ProcViewPolicyStatus() {
    }

    public ProcViewPolicyStatus(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }
}
