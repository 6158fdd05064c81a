package io.lxcfs.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** ITs need what CI has: root, /dev/fuse, fusermount, writable cgroups (v1 controllers, or v2 in the VM tier). Elsewhere they are skipped. */
public final class RootAccess {

    private RootAccess() {
    }

    public static void assume() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue(TestCgroup.available(), "needs writable cgroups (v1 controllers or a v2 hierarchy with cpuset, cpu, io, memory, pids)");
    }
}
