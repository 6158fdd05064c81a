package io.lxcfs.daemon.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code lxcfs.*} properties; each also works as an environment variable ({@code LXCFS_MOUNT_PATH}, ...). */
@ConfigMapping(prefix = "lxcfs")
public interface DaemonConfig {

    /** Where the view is mounted. */
    @WithDefault("/var/lib/lxcfs")
    String mountPath();

    /** The host's cgroup mount as the daemon sees it. */
    @WithDefault("/sys/fs/cgroup")
    String cgroupRoot();

    /** The host's procfs (callers' pids and the host files served as fallback). */
    @WithDefault("/proc")
    String procRoot();

    @WithDefault("/sys")
    String sysRoot();

    /**
     * The daemon's cgroup-namespace root inside the host hierarchy, when it runs in a private cgroup
     * namespace. Discovered from the daemon's own pid when unset.
     */
    Optional<String> cgroupNamespaceRoot();

    /** Serve the host's files to everyone (emergency switch; also settable at run time). */
    @WithDefault("false")
    boolean passthrough();

    /** Load average sampling period (the kernel's is 5 s). */
    @WithDefault("5s")
    Duration loadavgInterval();

    /**
     * Names this installation in the view's mount source ({@code lxcfs-k8s@<installation>}), so that daemons of
     * different installations on one node (two Helm releases, a test daemon beside the real one) never adopt
     * each other's containers. Default: the mount path.
     */
    Optional<String> installation();

    /**
     * Whether a daemon that takes over the live FUSE connection (after a JVM crash, or handed over) asks the
     * kernel to send again the requests its predecessor had read and not answered (FUSE_NOTIFY_RESEND, Linux
     * >= 6.9). Off, or on an older kernel, the keeper aborts the connection when a JVM dies instead: readers
     * get an error rather than waiting for an answer that will never come (docs/restarts-and-upgrades.md).
     */
    @WithDefault("true")
    boolean fuseResend();

    /**
     * How long the kernel may cache names and attributes ({@code entry_timeout}, {@code attr_timeout}, seconds;
     * other options are ignored). {@code attr_timeout=0}: every
     * open refreshes the file's size, which the kernel shrinks to one reader's content after a
     * {@code sendfile(2)} (docs/file-sizes-and-snapshots.md); a longer file for the next reader must not be cut.
     * {@code entry_timeout=0}: the kernel's dentries are shared by every caller, and {@code cpu1} looked up by the
     * host must not stay visible to a one-CPU container (every lookup asks the daemon again).
     */
    @WithDefault("entry_timeout=0,attr_timeout=0,negative_timeout=0")
    String fuseOptions();

    /** Whether to mount at all (tests of the HTTP side may switch it off). */
    @WithDefault("true")
    boolean mount();

    /** Re-attachment of containers' view mounts after a restart or upgrade (docs/restarts-and-upgrades.md). */
    Reconcile reconcile();

    interface Reconcile {

        /** Period of the reconciliation pass; 0 switches the periodic pass off (start-up and on-demand remain). */
        @WithDefault("5s")
        Duration interval();

        /** The native helper that enters a container's mount namespace (single-threaded, unlike the JVM). */
        @WithDefault("/opt/lxcfs-daemon/bin/lxcfs-reattach")
        String helper();

        /** Longest wait for one helper run (one mount namespace); a container stuck longer is retried next pass. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * Whose containers to re-attach: {@code installation} (views whose mount source names this daemon's
         * installation, {@code lxcfs.installation}, plus whatever view was at the mount path at start-up: a
         * predecessor of any version), or {@code node} (every view of ours on the node, whatever its
         * installation: for an upgrade that changes the mount path). {@code mount-path} is the older name of
         * {@code installation}.
         */
        @WithDefault("installation")
        Adopt adopt();

        enum Adopt { INSTALLATION, NODE, MOUNT_PATH }

        /**
         * Where the daemon first mounts its view, privately (a directory {@code staging-<pid>} is created
         * here), before putting it at the mount path in place of a predecessor's.
         */
        @WithDefault("/run/lxcfs-k8s")
        String stagingDir();
    }
}
