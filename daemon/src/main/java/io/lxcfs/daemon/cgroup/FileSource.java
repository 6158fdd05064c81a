package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.List;

/**
 * The only way the pure core touches the machine: read a small text file, list a directory.
 * Production reads the real /proc and /sys; tests point it at fixture trees.
 */
public interface FileSource {

    /** Whole content of a (small, procfs/cgroupfs-like) file. */
    String read(String path) throws IOException;

    /** Names of the sub-directories of {@code dir}; empty if it does not exist. */
    List<String> subdirectories(String dir);

    boolean exists(String path);

    /** Read, or {@code null} when the file is missing or unreadable (optional cgroup knobs). */
    default String readOrNull(String path) {
        try {
            return read(path);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
