package io.lxcfs.crds.v1alpha1;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Desired state of a {@link ProcViewPolicy}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProcViewPolicySpec {

    @JsonPropertyDescription("Namespaces this policy applies to, selected by their labels (every namespace has "
            + "kubernetes.io/metadata.name). Absent or empty: all namespaces.")
    private LabelSelector namespaceSelector;

    @JsonPropertyDescription("Pods this policy applies to, selected by their labels. Absent or empty: all pods "
            + "of the selected namespaces.")
    private LabelSelector podSelector;

    @Required
    @PrinterColumn(name = "Enabled", priority = 0)
    @JsonPropertyDescription("true opts the selected pods in, false opts them out. When several policies match a "
            + "pod, opt-out wins; the pod annotation lxcfs.io/enable always wins over policies.")
    private Boolean enabled;

    @Size(min = 1, max = 8)
    @PrinterColumn(name = "Files", priority = 1)
    @JsonPropertyDescription("Which files of the view to mount. Absent: all eight. Allowed: meminfo, cpuinfo, "
            + "stat, uptime, loadavg, swaps, diskstats, cpu_online.")
    private List<ProcFileName> files;

    @Default("true")
    @PrinterColumn(name = "InitContainers", priority = 1)
    @JsonPropertyDescription("Whether init containers get the view too (default true).")
    private Boolean initContainers = Boolean.TRUE;

    public LabelSelector getNamespaceSelector() {
        return namespaceSelector;
    }

    public void setNamespaceSelector(LabelSelector namespaceSelector) {
        this.namespaceSelector = namespaceSelector;
    }

    public LabelSelector getPodSelector() {
        return podSelector;
    }

    public void setPodSelector(LabelSelector podSelector) {
        this.podSelector = podSelector;
    }

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public List<ProcFileName> getFiles() {
        return files;
    }

    public void setFiles(List<ProcFileName> files) {
        this.files = files == null ? null : new ArrayList<>(files);
    }

    public Boolean getInitContainers() {
        return initContainers;
    }

    public void setInitContainers(Boolean initContainers) {
        this.initContainers = initContainers;
    }

    /** The files this policy selects: all eight when {@code files} is absent or empty. */
    @JsonIgnore
    public Set<ProcFileName> effectiveFiles() {
        if (files == null || files.isEmpty()) {
            return EnumSet.allOf(ProcFileName.class);
        }
        return EnumSet.copyOf(files);
    }

    /** {@code initContainers} with its default applied. */
    @JsonIgnore
    public boolean effectiveInitContainers() {
        return initContainers == null || initContainers;
    }
}
