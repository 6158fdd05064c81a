package io.lxcfs.webhook.core;

/** Why a pod was admitted without mutation (the {@code reason} label of the skip metric). */
public enum SkipReason {
    /** Namespace in {@code lxcfs.webhook.excluded-namespaces}. */
    EXCLUDED_NAMESPACE("excluded-namespace"),
    /** {@code spec.os.name: windows} or a Windows node selector. */
    WINDOWS("windows"),
    /** The node daemon's own pod (hostPID plus the daemon's labels). */
    DAEMON_POD("daemon-pod"),
    /** {@code lxcfs.io/enable: "false"}. */
    ANNOTATION_OPT_OUT("annotation-opt-out"),
    /** {@code lxcfs.io/enable} with a value other than "true"/"false" (also answered with a warning). */
    INVALID_ANNOTATION("invalid-annotation"),
    /** A matching ProcViewPolicy with {@code enabled: false}. */
    POLICY_OPT_OUT("policy-opt-out"),
    /**
     * {@code spec.hostUsers: false} (a user namespace) on a pod that would get the view: an idmapped bind mount of a
     * FUSE file needs the FUSE server to allow idmapped mounts (FUSE_ALLOW_IDMAP, Linux 6.12), which the daemon does not
     * do yet, so the pod is left alone (also answered with a warning).
     */
    USER_NAMESPACE("user-namespace"),
    /** No annotation and no matching opt-in policy. */
    NOT_SELECTED("not-selected"),
    /** Already carries everything the mutation would add. */
    ALREADY_INJECTED("already-injected"),
    /** The request is not about a Pod (or is about a Pod subresource). */
    NOT_POD("not-pod"),
    /** Not a CREATE operation. */
    NOT_CREATE("not-create"),
    /** A dry-run request. */
    DRY_RUN("dry-run"),
    /** An unexpected internal failure: the pod is admitted unchanged (this webhook never blocks a pod). */
    ERROR("error");

    public final String label;

    SkipReason(String label) {
        this.label = label;
    }
}
