package io.lxcfs.daemon.cgroup;

/** Cumulative block I/O of a container on one device. */
public record DeviceIo(int major, int minor, long readBytes, long writeBytes, long reads, long writes,
                       long discardBytes, long discards) {
}
