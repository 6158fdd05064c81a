/**
 * The one test harness: what the daemon's ITs, {@code src-test}, the webhook's tests and the benchmarks share to set
 * up real cgroups, run the daemon and the reference LXCFS as processes, run runc containers and wait for conditions.
 * A library of the build ({@code src/main/java}) that modules use with {@code <scope>test</scope>}; it runs the built
 * daemon and webhook as processes and depends on neither.
 *
 * <ul>
 *   <li>{@link io.lxcfs.testing.RepoLayout}: where the build's artifacts are (start scripts, jars, keeper, test tools),
 *       from the failsafe properties {@code lxcfs.daemon.jar}, {@code lxcfs.daemon.script}, {@code lxcfs.tools.dir},
 *       {@code lxcfs.keeper}, {@code lxcfs.webhook.*} or the repository root;</li>
 *   <li>{@link io.lxcfs.testing.DaemonProcess}: the built daemon on a private mount path and port;
 *       {@link io.lxcfs.testing.SharedDaemon}: a JUnit extension giving one to every test of a class;</li>
 *   <li>{@link io.lxcfs.testing.ReferenceLxcfs}: Debian's lxcfs on a temporary mount, for comparisons;</li>
 *   <li>{@link io.lxcfs.testing.TestCgroup}: a real cgroup (v1, hybrid or v2) with limits, removed on close;</li>
 *   <li>{@link io.lxcfs.testing.RuncContainer}: an OCI container run by runc, with bind mounts and limits;</li>
 *   <li>{@link io.lxcfs.testing.ServiceProcess}: a long-running program with its output in a log file;
 *       {@link io.lxcfs.testing.ProcessWait}: polls a condition, failing at once when the process exits;
 *       {@link io.lxcfs.testing.Command}: a short-lived command run to completion with a deadline;</li>
 *   <li>{@link io.lxcfs.testing.HttpsClient}: HTTPS trusting only a given CA (as the API server with a caBundle);
 *       {@link io.lxcfs.testing.FreePort}: a port for a service a test starts;</li>
 *   <li>{@link io.lxcfs.testing.RootAccess}: skips a test without root, /dev/fuse and writable cgroups;
 *       {@link io.lxcfs.testing.FuseMounts}, {@link io.lxcfs.testing.TestFiles}: small chores.</li>
 * </ul>
 */
package io.lxcfs.testing;
