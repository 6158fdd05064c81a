package io.lxcfs.daemon.host;

import io.lxcfs.daemon.cgroup.FileSource;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads procfs/cgroupfs files the cheap way: one open, reads into a per-thread buffer, no
 * channels or charset decoders (these files are ASCII). Pseudo-files report size 0, so we read
 * until EOF rather than trusting the size.
 */
public final class LinuxFileSource implements FileSource {

    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[16384]);

    @Override
    public String read(String path) throws IOException {
        byte[] buf = BUFFER.get();
        int len = 0;
        try (FileInputStream in = new FileInputStream(path)) {
            int n;
            while ((n = in.read(buf, len, buf.length - len)) > 0) {
                len += n;
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                    BUFFER.set(buf);
                }
            }
        }
        return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    }

    @Override
    public List<String> subdirectories(String dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of(dir), Files::isDirectory)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (IOException | RuntimeException e) {
            // A cgroup removed while we list it simply has no children.
        }
        return names;
    }

    @Override
    public boolean exists(String path) {
        return new java.io.File(path).exists();
    }
}
