package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CpuList;
import io.lxcfs.daemon.cgroup.CpuView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The directory {@code /sys/devices/system/cpu} as one caller sees it. For a container ({@link CpuView} given):
 * {@code online}, {@code possible} and {@code present} are {@code 0-(N-1)}, {@code offline} is empty, only
 * {@code cpu0}..{@code cpu(N-1)} exist, each the host's directory of the visible CPU it stands for (the same
 * renumbering as cpuinfo), with {@code online} = 1 and the CPU lists and masks of {@code topology/} and
 * {@code cache/index*} renumbered within the container's CPUs (lscpu counts threads, cores, sockets and cache
 * instances from them). Everything else is the host's, read-only. For the host ({@code null} view): the host's
 * tree unchanged.
 *
 * <p>Paths are relative to the directory: {@code ""} is the directory itself, {@code "cpu0/topology/core_id"}.
 */
public final class CpuDirectory {

    /** Where the directory is inside the view, which is also where containers mount it. */
    public static final String PATH = "/sys/devices/system/cpu";

    public enum Kind { DIRECTORY, FILE, SYMLINK }

    /** What {@code stat} says: the kind, and the permission bits (write bits never set). */
    public record Node(Kind kind, int mode) {
    }

    private static final Pattern CPU_DIR = Pattern.compile("cpu(0|[1-9][0-9]*)");
    /** Files generated for a container whatever the host has. */
    private static final Set<String> CPU_LISTS_AT_TOP = Set.of("online", "possible", "present", "offline");
    /** Hex CPU masks in topology/ and cache/index*: renumbered. Files ending in {@code _list} are lists. */
    private static final Set<String> MASKS = Set.of("thread_siblings", "core_siblings", "core_cpus", "package_cpus",
            "die_cpus", "cluster_cpus", "book_siblings", "drawer_siblings", "shared_cpu_map");
    private static final Set<String> LISTS = Set.of("thread_siblings_list", "core_siblings_list", "core_cpus_list",
            "package_cpus_list", "die_cpus_list", "cluster_cpus_list", "book_siblings_list", "drawer_siblings_list",
            "shared_cpu_list");

    private final Path host;

    /** @param hostCpuDir the host's {@code /sys/devices/system/cpu} (a fixture tree in tests) */
    public CpuDirectory(Path hostCpuDir) {
        this.host = hostCpuDir;
    }

    /** The host's directory this one shows. */
    public Path hostDir() {
        return host;
    }

    /**
     * The host path a view path shows, or null when the path does not exist for this caller (a CPU the
     * container does not have). Says nothing about whether the host path exists.
     */
    public Path hostPath(String rel, CpuView view) {
        String[] parts = split(rel);
        if (parts == null) {
            return null;
        }
        if (view == null || parts.length == 0 || !CPU_DIR.matcher(parts[0]).matches()) {
            return parts.length == 0 ? host : host.resolve(String.join("/", parts));
        }
        int index = Integer.parseInt(parts[0].substring(3));
        if (index >= view.count()) {
            return null;
        }
        Path p = host.resolve("cpu" + view.visible()[index]);
        for (int i = 1; i < parts.length; i++) {
            p = p.resolve(parts[i]);
        }
        return p;
    }

    /** The node at a view path, or null when there is none for this caller. */
    public Node stat(String rel, CpuView view) {
        if (generated(rel, view) != null) {
            return new Node(Kind.FILE, 0444);
        }
        Path p = hostPath(rel, view);
        if (p == null) {
            return null;
        }
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (a.isSymbolicLink()) {
            return new Node(Kind.SYMLINK, 0777);
        }
        Kind kind = a.isDirectory() ? Kind.DIRECTORY : Kind.FILE;
        return new Node(kind, readBits(a.permissions(), kind == Kind.DIRECTORY));
    }

    /** The names in a view directory, or null when it is not one for this caller. */
    public List<String> list(String rel, CpuView view) {
        Node node = stat(rel, view);
        if (node == null || node.kind() != Kind.DIRECTORY) {
            return null;
        }
        List<String> hostNames;
        try (Stream<Path> s = Files.list(hostPath(rel, view))) {
            hostNames = s.map(x -> x.getFileName().toString()).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (view == null) {
            return hostNames;
        }
        String[] parts = split(rel);
        List<String> names = new ArrayList<>();
        if (parts.length == 0) {
            boolean cpusListed = false;
            for (String name : hostNames) {
                if (CPU_DIR.matcher(name).matches()) {
                    if (!cpusListed) {
                        // Where the host's cpuN were, in order.
                        for (int i = 0; i < view.count(); i++) {
                            if (Files.isDirectory(host.resolve("cpu" + view.visible()[i]))) {
                                names.add("cpu" + i);
                            }
                        }
                        cpusListed = true;
                    }
                } else {
                    names.add(name);
                }
            }
            for (String generated : CPU_LISTS_AT_TOP) {
                if (!names.contains(generated)) {
                    names.add(generated);
                }
            }
        } else {
            names.addAll(hostNames);
            if (parts.length == 1 && CPU_DIR.matcher(parts[0]).matches() && !names.contains("online")) {
                // The boot CPU of x86 has no online file; a container's CPUs are all on line.
                names.add("online");
            }
        }
        return names;
    }

    /** A file's content for this caller. */
    public byte[] read(String rel, CpuView view) throws IOException {
        String generated = generated(rel, view);
        if (generated != null) {
            return generated.getBytes(StandardCharsets.ISO_8859_1);
        }
        Path p = hostPath(rel, view);
        if (p == null) {
            throw new NoSuchFileException(rel);
        }
        byte[] content = Files.readAllBytes(p);
        if (view == null) {
            return content;
        }
        String[] parts = split(rel);
        if (parts.length < 3 || !CPU_DIR.matcher(parts[0]).matches()
                || !(parts[1].equals("topology") || parts[1].equals("cache"))) {
            return content;
        }
        String name = parts[parts.length - 1];
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (LISTS.contains(name)) {
            return (formatList(renumber(CpuList.parse(text), view)) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        if (MASKS.contains(name)) {
            return (renumberMask(text.trim(), view) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        return content;
    }

    /** A symbolic link's target, passed through from the host (relative targets resolve in the container's /sys). */
    public String readlink(String rel, CpuView view) throws IOException {
        Path p = hostPath(rel, view);
        if (p == null) {
            throw new NoSuchFileException(rel);
        }
        return Files.readSymbolicLink(p).toString();
    }

    /** The content of a file made for a container (not read from the host), or null. */
    private static String generated(String rel, CpuView view) {
        if (view == null) {
            return null;
        }
        String[] parts = split(rel);
        if (parts == null) {
            return null;
        }
        if (parts.length == 1 && CPU_LISTS_AT_TOP.contains(parts[0])) {
            // The kernel prints an empty CPU list as a lone newline.
            return parts[0].equals("offline") ? "\n" : CpuList.firstN(view.count()) + "\n";
        }
        if (parts.length == 2 && parts[1].equals("online") && CPU_DIR.matcher(parts[0]).matches()
                && Integer.parseInt(parts[0].substring(3)) < view.count()) {
            return "1\n";
        }
        return null;
    }

    /** Host CPUs → their indexes among the visible ones; CPUs the container does not have are dropped. */
    static BitSet renumber(BitSet hostCpus, CpuView view) {
        BitSet out = new BitSet();
        for (int i = 0; i < view.count(); i++) {
            if (hostCpus.get(view.visible()[i])) {
                out.set(i);
            }
        }
        return out;
    }

    /** The kernel's list format ({@code %*pbl}): runs of two or more CPUs as ranges ({@code 0-1,4}). */
    static String formatList(BitSet cpus) {
        StringBuilder sb = new StringBuilder();
        int from = cpus.nextSetBit(0);
        while (from >= 0) {
            int to = cpus.nextClearBit(from) - 1;
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(from);
            if (to > from) {
                sb.append('-').append(to);
            }
            from = cpus.nextSetBit(to + 1);
        }
        return sb.toString();
    }

    /**
     * A hex mask ({@code %*pb}: 32-bit groups, most significant first, separated by commas) renumbered and
     * printed in the host's layout (the same groups and digits: the kernel sizes it by nr_cpu_ids).
     */
    static String renumberMask(String hostMask, CpuView view) {
        String[] groups = hostMask.split(",");
        BitSet hostCpus = new BitSet();
        int bit = 0;
        for (int g = groups.length - 1; g >= 0; g--) {
            long value = Long.parseLong(groups[g].trim(), 16);
            for (int b = 0; b < 32; b++) {
                if ((value & (1L << b)) != 0) {
                    hostCpus.set(bit + b);
                }
            }
            bit += 32;
        }
        BitSet cpus = renumber(hostCpus, view);
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < groups.length; g++) {
            int low = (groups.length - 1 - g) * 32;
            long value = 0;
            for (int b = 0; b < 32; b++) {
                if (cpus.get(low + b)) {
                    value |= 1L << b;
                }
            }
            String hex = Long.toHexString(value);
            int width = groups[g].trim().length();
            sb.append(g == 0 ? "" : ",").append("0".repeat(Math.max(0, width - hex.length()))).append(hex);
        }
        return sb.toString();
    }

    private static int readBits(Set<PosixFilePermission> perms, boolean directory) {
        int mode = 0;
        if (perms.contains(PosixFilePermission.OWNER_READ)) {
            mode |= 0400 | (directory ? 0100 : 0);
        }
        if (perms.contains(PosixFilePermission.GROUP_READ)) {
            mode |= 040 | (directory ? 010 : 0);
        }
        if (perms.contains(PosixFilePermission.OTHERS_READ)) {
            mode |= 04 | (directory ? 01 : 0);
        }
        return mode;
    }

    /** The path's components; null for a name that must not leave the directory. */
    private static String[] split(String rel) {
        if (rel.isEmpty() || rel.equals("/")) {
            return new String[0];
        }
        String[] parts = (rel.startsWith("/") ? rel.substring(1) : rel).split("/");
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals("..")) {
                return null;
            }
        }
        return parts;
    }
}
