package io.lxcfs.daemon.app;

import io.lxcfs.daemon.host.LibC;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the native keeper ({@code lxcfs-keeper}, the daemon container's entrypoint) gave this JVM, and the line
 * protocol back to it: the {@code /dev/fuse} descriptor it holds for the node's one FUSE connection, that
 * connection's state when it is already live (a predecessor JVM or daemon served it), and where to report
 * {@code state <token>} and {@code serving}. Without a keeper every field is empty and the JVM mounts a
 * connection of its own, as a daemon started by hand does. docs/restarts-and-upgrades.md.
 *
 * @param liveState  the live connection's {@link io.lxcfs.daemon.fuse.InitState} token: serve it, do not mount
 * @param retired    this JVM runs beside a keeper that handed the connection on: health only, no FUSE
 * @param restarts   JVMs of this keeper that died and were replaced before this one
 * @param handedOver whether this keeper took the connection over from a predecessor's
 */
record KeeperLink(OptionalInt fuseFd, OptionalInt reportFd, Optional<String> liveState, boolean retired,
                  int restarts, boolean handedOver) {

    private static final Logger LOG = Logger.getLogger(KeeperLink.class);

    static KeeperLink fromEnvironment(Map<String, String> env) {
        return new KeeperLink(number(env, "LXCFS_FUSE_FD"), number(env, "LXCFS_KEEPER_FD"),
                Optional.ofNullable(env.get("LXCFS_FUSE_STATE")).filter(s -> !s.isBlank()),
                "1".equals(env.get("LXCFS_RETIRED")), number(env, "LXCFS_KEEPER_RESTARTS").orElse(0),
                "1".equals(env.get("LXCFS_HANDED_OVER")));
    }

    private static OptionalInt number(Map<String, String> env, String name) {
        String v = env.get(name);
        try {
            return v == null || v.isBlank() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            LOG.warnf("ignoring %s=%s: not a number", name, v);
            return OptionalInt.empty();
        }
    }

    /** One line to the keeper; a keeper gone is logged, never fatal (the JVM still serves). */
    void report(String line) {
        if (reportFd.isEmpty()) {
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).put(0, bytes); // position 0: what jnr-ffi passes
        if (LibC.INSTANCE.write(reportFd.getAsInt(), b, bytes.length) != bytes.length) {
            LOG.warnf("could not tell the keeper '%s': errno %d", line, LibC.errno());
        }
    }
}
