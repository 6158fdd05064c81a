package io.lxcfs.daemon.reattach;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which mounts a reconciliation pass re-attaches, decided from mountinfo text alone. */
class ViewMountsTest {

    private static final String CURRENT = "0:41";

    /** A runc container: its root, procfs, sysfs, and the view's eight files from a crashed daemon (0:39). */
    private static final String CONTAINER_ON_DEAD_VIEW = """
            600 580 254:0 /var/lib/runc/rootfs / ro,relatime - ext4 /dev/vda rw
            601 600 0:50 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
            602 600 0:51 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
            603 601 0:39 /proc/meminfo /proc/meminfo ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            604 601 0:39 /proc/cpuinfo /proc/cpuinfo ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            605 601 0:39 /proc/stat /proc/stat ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            606 601 0:39 /proc/uptime /proc/uptime ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            607 601 0:39 /proc/loadavg /proc/loadavg ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            608 601 0:39 /proc/swaps /proc/swaps ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            609 601 0:39 /proc/diskstats /proc/diskstats ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            610 602 0:39 /sys/devices/system/cpu/online /sys/devices/system/cpu/online ro,nosuid,nodev,relatime shared:7 - fuse.lxcfs-k8s lxcfs-k8s ro,user_id=0,group_id=0,default_permissions,allow_other
            """;

    @Test
    void everyViewFileOfADeadConnectionIsStaleWithTheFileItShows() {
        List<ViewMounts.Stale> stale = ViewMounts.stale(MountInfo.parse(CONTAINER_ON_DEAD_VIEW), CURRENT);
        assertEquals(8, stale.size(), stale.toString());
        assertEquals(new ViewMounts.Stale("/proc/meminfo", "/proc/meminfo", "0:39"), stale.get(0));
        assertEquals(new ViewMounts.Stale("/sys/devices/system/cpu/online", "/sys/devices/system/cpu/online", "0:39"), stale.get(7));
    }

    /** The webhook's default: the CPU directory over /sys/devices/system/cpu, beside the seven /proc files. */
    @Test
    void theCpuDirectoryMountIsStaleLikeTheFiles() {
        String withDirectory = CONTAINER_ON_DEAD_VIEW.lines().filter(l -> !l.startsWith("610 ")).map(l -> l + "\n")
                .reduce("", String::concat)
                + "611 602 0:39 /sys/devices/system/cpu /sys/devices/system/cpu ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro\n";
        List<ViewMounts.Stale> stale = ViewMounts.stale(MountInfo.parse(withDirectory), CURRENT);
        assertEquals(8, stale.size(), stale.toString());
        assertEquals(new ViewMounts.Stale("/sys/devices/system/cpu", "/sys/devices/system/cpu", "0:39"), stale.get(7));
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(withDirectory.replace(" 0:39 ", " " + CURRENT + " ")), CURRENT));
        // Our view's directory mounted anywhere else, or another directory of ours at that path, is left alone.
        String elsewhere = "612 602 0:39 /sys/devices/system/cpu /opt/cpu ro,relatime - fuse.lxcfs-k8s lxcfs-k8s ro\n"
                + "613 602 0:39 /proc /sys/devices/system/cpu ro,relatime - fuse.lxcfs-k8s lxcfs-k8s ro\n";
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(elsewhere), CURRENT));
    }

    @Test
    void idempotentOnceEveryMountIsOnTheCurrentView() {
        String repaired = CONTAINER_ON_DEAD_VIEW.replace(" 0:39 ", " " + CURRENT + " ");
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(repaired), CURRENT));
    }

    @Test
    void aContainerWithoutTheViewIsNeverSelected() {
        String plain = """
                700 680 254:0 /rootfs / ro,relatime - ext4 /dev/vda rw
                701 700 0:60 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
                702 700 0:61 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
                """;
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(plain), CURRENT));
    }

    @Test
    void otherFileSystemsAtTheEightPathsAreNeverSelected() {
        // Debian's lxcfs (fuse.lxcfs), a tmpfs file, and our type with a foreign source name.
        String others = """
                800 780 254:0 /rootfs / ro,relatime - ext4 /dev/vda rw
                801 800 0:70 / /proc rw,relatime - proc proc rw
                802 801 0:71 /proc/meminfo /proc/meminfo rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other
                803 801 0:72 /fake /proc/cpuinfo rw,relatime - tmpfs tmpfs rw
                804 801 0:73 /proc/stat /proc/stat ro,relatime - fuse.lxcfs-k8s someone-else ro
                """;
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(others), CURRENT));
    }

    @Test
    void ourViewMountedAnywhereElseIsNotAContainerMount() {
        // The host's (or the daemon's) own view at the mount path, and a view file bound to an unusual place.
        String host = """
                27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
                43 27 0:39 / /var/lib/lxcfs ro,nosuid,nodev,relatime shared:2 - fuse.lxcfs-k8s lxcfs-k8s ro
                44 27 0:39 /proc/meminfo /opt/meminfo ro,nosuid,nodev,relatime - fuse.lxcfs-k8s lxcfs-k8s ro
                """;
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(host), CURRENT));
    }

    @Test
    void onlyTheTopOfStackedMountsCounts() {
        // A current view mount sits on a dead one at /proc/meminfo: what readers see is current, leave it.
        String stacked = """
                901 900 0:80 / /proc rw,relatime - proc proc rw
                902 901 0:39 /proc/meminfo /proc/meminfo ro,relatime - fuse.lxcfs-k8s lxcfs-k8s ro
                903 902 0:41 /proc/meminfo /proc/meminfo ro,relatime - fuse.lxcfs-k8s lxcfs-k8s ro
                """;
        assertEquals(List.of(), ViewMounts.stale(MountInfo.parse(stacked), CURRENT));
        // The other way round (a dead one on top of the current one): stale, and it is the top one.
        String deadOnTop = stacked.replace("902 901 0:39", "902 901 0:41").replace("903 902 0:41", "903 902 0:39");
        assertEquals(List.of(new ViewMounts.Stale("/proc/meminfo", "/proc/meminfo", "0:39")),
                ViewMounts.stale(MountInfo.parse(deadOnTop), CURRENT));
    }

    @Test
    void anOlderLiveViewIsStaleToo() {
        // Handover: the previous daemon still serves 0:39, but the current view is 0:41.
        List<ViewMounts.Stale> stale = ViewMounts.stale(MountInfo.parse(CONTAINER_ON_DEAD_VIEW), "0:99");
        assertEquals(8, stale.size());
        assertTrue(stale.stream().allMatch(s -> s.staleDevice().equals("0:39")));
    }

    @Test
    void aDaemonSharingTheMachineAdoptsOnlyTheViewsItFoundAtItsMountPath() {
        List<MountInfo.Mount> mounts = MountInfo.parse(CONTAINER_ON_DEAD_VIEW);
        assertEquals(List.of(), ViewMounts.stale(mounts, CURRENT, ViewMounts.sameInstallation("lxcfs-k8s@/b", Set.of("0:77"))));
        assertEquals(8, ViewMounts.stale(mounts, CURRENT, ViewMounts.sameInstallation("lxcfs-k8s@/b", Set.of("0:39"))).size());
    }

    @Test
    void twoInstallationsOnOneNodeNeverAdoptEachOthersContainers() {
        String twoContainers = """
                701 700 0:50 /proc/meminfo /proc/meminfo ro,relatime - fuse.lxcfs-k8s lxcfs-k8s@/var/lib/lxcfs-a ro
                702 700 0:51 /proc/stat /proc/stat ro,relatime - fuse.lxcfs-k8s lxcfs-k8s@/var/lib/lxcfs-b ro
                """;
        List<MountInfo.Mount> mounts = MountInfo.parse(twoContainers);
        assertTrue(mounts.stream().allMatch(ViewMounts::isView));
        // Daemon "a" (current device 0:60) re-attaches its own stale mount only, and "b" (0:61) likewise.
        assertEquals(List.of(new ViewMounts.Stale("/proc/meminfo", "/proc/meminfo", "0:50")),
                ViewMounts.stale(mounts, "0:60", ViewMounts.sameInstallation(ViewMounts.source("/var/lib/lxcfs-a"), Set.of())));
        assertEquals(List.of(new ViewMounts.Stale("/proc/stat", "/proc/stat", "0:51")),
                ViewMounts.stale(mounts, "0:61", ViewMounts.sameInstallation(ViewMounts.source("/var/lib/lxcfs-b"), Set.of())));
        // adopt=node widens it to both.
        assertEquals(2, ViewMounts.stale(mounts, "0:60", m -> true).size());
    }

    @Test
    void viewDeviceAtTheMountPathIsTheTopMountThereWhenOurs() {
        String mounts = """
                27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
                43 27 0:39 / /var/lib/lxcfs ro,nosuid,nodev,relatime shared:2 - fuse.lxcfs-k8s lxcfs-k8s ro
                50 43 0:41 / /var/lib/lxcfs ro,nosuid,nodev,relatime shared:3 - fuse.lxcfs-k8s lxcfs-k8s ro
                51 27 0:90 / /var/lib/other rw,relatime - tmpfs tmpfs rw
                """;
        List<MountInfo.Mount> parsed = MountInfo.parse(mounts);
        assertEquals(Optional.of("0:41"), ViewMounts.viewDeviceAt(parsed, "/var/lib/lxcfs"));
        assertEquals(Optional.empty(), ViewMounts.viewDeviceAt(parsed, "/var/lib/other"));
        assertEquals(Optional.empty(), ViewMounts.viewDeviceAt(parsed, "/var/lib/nothing"));
        assertEquals(List.of("0:39", "0:41"), ViewMounts.viewDevicesAt(parsed, "/var/lib/lxcfs"));
    }

    @Test
    void mountinfoEscapesAndOptionalFieldsAreParsed() {
        MountInfo.Mount m = MountInfo.parseLine(
                "61 27 0:45 /a\\040dir /mnt/with\\040space\\011tab rw,relatime shared:5 master:2 - fuse.lxcfs-k8s lxcfs-k8s ro");
        assertEquals(new MountInfo.Mount(61, 27, "0:45", "/a dir", "/mnt/with space\ttab", "fuse.lxcfs-k8s", "lxcfs-k8s"), m);
        assertNull(MountInfo.parseLine(""));
        assertNull(MountInfo.parseLine("garbage without separator fields at all here"));
        assertEquals("\\x", MountInfo.unescape("\\x"));
    }
}
