package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The {@code st_size} each file reports. The content depends on who reads, and a {@code stat} cannot know
 * who will, so the size is a bound that is never smaller than any render: readers that copy
 * {@code st_size} bytes ({@code sendfile(2)}, which busybox {@code cat} uses, Node's {@code readFileSync})
 * get the whole file, and readers that read to EOF stop at the real end (the view is served with direct
 * I/O, and the kernel shrinks the cached size to the real end after a short read through the page cache).
 *
 * <p>The bound is twice the longest content seen for the file (the host's file at start-up, every render
 * since), rounded up to a power of two and at least one page. A container's file has at most the host's
 * lines (fewer CPUs, a subset of devices, the same meminfo keys) and numbers of the same width, so it is
 * never near twice the host's; the running maximum makes even that no assumption.
 */
public final class FileSizes {

    public static final int MIN_SIZE = 4096;

    private final AtomicIntegerArray longest = new AtomicIntegerArray(ProcFile.values().length);

    /** Records a content length seen for the file (a render or the host's file). */
    public void seen(ProcFile file, int length) {
        int i = file.ordinal();
        int cur;
        while (length > (cur = longest.get(i))) {
            if (longest.compareAndSet(i, cur, length)) {
                return;
            }
        }
    }

    /** What {@code getattr} reports for the file. */
    public long size(ProcFile file) {
        long twice = 2L * longest.get(file.ordinal());
        return Math.max(MIN_SIZE, Long.highestOneBit(Math.max(1, twice - 1)) << 1);
    }
}
