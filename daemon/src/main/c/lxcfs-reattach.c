/*
 * lxcfs-reattach: puts fresh view files in place of stale ones, in another mount namespace or our own.
 *
 * Why a separate program: setns(2) into a mount namespace is refused to a multi-threaded process (the
 * JVM), so the daemon runs this small single-threaded helper once per mount namespace to repair.
 * Built by the daemon module's Maven build (exec-maven-plugin, cc) into target/lxcfs-reattach; in the
 * image it lives at /opt/lxcfs-daemon/bin/lxcfs-reattach. See docs/restarts-and-upgrades.md.
 *
 *   lxcfs-reattach [-n <mount namespace file>] <source> <target> <expect> [<source> <target> <expect>]...
 *
 *   <source>  a file or directory of the daemon's fresh view, resolved in the helper's own namespace
 *             before any setns (open_tree(OPEN_TREE_CLONE): a detached copy of that one mount).
 *   -n        e.g. /proc/1234/ns/mnt: setns into that mount namespace after cloning every source
 *             (root and cwd become that namespace's root, so targets are paths as the container
 *             sees them). Without -n, targets are in the helper's own namespace.
 *   <target>  the path whose top mount is replaced.
 *   <expect>  the device ("major:minor", as in mountinfo) of the stale mount the caller saw on top of
 *             <target>; the helper replaces the top mount only if it still is that device (so two
 *             daemons, or a pass racing a container's exit, never replace something unexpected).
 *             "none": <target> holds nothing of ours; the fresh mount is put on top, nothing detached.
 *
 * Per target, with the top mount still the expected one:
 *   1. move_mount(clone, target, MOVE_MOUNT_BENEATH) slides the fresh mount under the stale one (kernel
 *      >= 6.5), then umount2(target, MNT_DETACH) removes the stale top: at no instant is the path
 *      without one of the two views, so a reader never fails and never sees the host file;
 *   2. where BENEATH is refused: umount2(target, MNT_DETACH) then move_mount(clone, target). Between
 *      the two calls the path shows what was under the stale mount (the host file); the window is
 *      printed in microseconds.
 * Environment: LXCFS_REATTACH_NO_BENEATH=1 skips step 1, as on a kernel before 6.5 (tests measure the
 * window of step 2 with it).
 * The device is read with statx(AT_STATX_DONT_SYNC), which sends no request to FUSE, so a dead or hung
 * old daemon cannot block the check.
 *
 * Output: one line per target, "<target> ok beneath|replaced|attached <window_us>",
 * "<target> skip current|changed" or "<target> fail <step> <errno name>"; or a single line
 * "namespace fail <step> <errno name>" / "api fail open_tree <errno name>".
 * Exit status: 0 every target ok or skipped, 1 some target failed, 2 usage, 3 the namespace is gone
 * (the container exited), 4 the new mount API is missing (kernel < 5.2), 5 other namespace failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Raw syscalls: older glibc has no wrappers, and <linux/mount.h> clashes with <sys/mount.h> there. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x00000200
#endif
#ifndef AT_STATX_DONT_SYNC
#define AT_STATX_DONT_SYNC 0x4000
#endif

struct item {
    const char *source, *target, *expect;
    int fd; /* the detached clone of source */
};

static long usec_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000L + (t.tv_nsec - t0->tv_nsec) / 1000;
}

static const char *err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* "major:minor" of what dirfd+path names (the top mount at a path), without a FUSE request. */
static const char *device_of(int dirfd, const char *path, int flags, char *buf, size_t len) {
    struct statx sx;
    if (statx(dirfd, path, flags | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, 0, &sx) != 0) return NULL;
    snprintf(buf, len, "%u:%u", sx.stx_dev_major, sx.stx_dev_minor);
    return buf;
}

static int move_to(int fd, const char *target, unsigned flags) {
    return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | flags);
}

/* Replaces the top mount of one target; prints its line; returns 0 unless it failed. */
static int reattach(struct item *it) {
    char fresh[32], now[32];
    if (!device_of(it->fd, "", AT_EMPTY_PATH, fresh, sizeof fresh)) {
        printf("%s fail statx-source %s\n", it->target, err_name(errno));
        return 1;
    }
    if (!device_of(AT_FDCWD, it->target, 0, now, sizeof now)) {
        printf("%s fail statx-target %s\n", it->target, err_name(errno));
        return 1;
    }
    if (!strcmp(now, fresh)) {
        printf("%s skip current\n", it->target);
        return 0;
    }
    struct timespec t0;
    if (!strcmp(it->expect, "none")) {
        if (move_to(it->fd, it->target, 0) != 0) {
            printf("%s fail move_mount %s\n", it->target, err_name(errno));
            return 1;
        }
        printf("%s ok attached 0\n", it->target);
        return 0;
    }
    if (strcmp(now, it->expect)) {
        printf("%s skip changed\n", it->target);
        return 0;
    }
    const char *no_beneath = getenv("LXCFS_REATTACH_NO_BENEATH");
    if (!(no_beneath && *no_beneath == '1') && move_to(it->fd, it->target, MOVE_MOUNT_BENEATH) == 0) {
        if (umount2(it->target, MNT_DETACH) != 0) {
            printf("%s fail umount-after-beneath %s\n", it->target, err_name(errno));
            return 1;
        }
        printf("%s ok beneath 0\n", it->target);
        return 0;
    }
    int beneath_errno = no_beneath && *no_beneath == '1' ? 0 : errno;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (umount2(it->target, MNT_DETACH) != 0) {
        printf("%s fail umount %s (beneath: %s)\n", it->target, err_name(errno), err_name(beneath_errno));
        return 1;
    }
    if (move_to(it->fd, it->target, 0) != 0) {
        printf("%s fail move_mount %s (beneath: %s)\n", it->target, err_name(errno), err_name(beneath_errno));
        return 1;
    }
    printf("%s ok replaced %ld\n", it->target, usec_since(&t0));
    return 0;
}

int main(int argc, char **argv) {
    const char *ns = NULL;
    int a = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) {
        ns = argv[2];
        a = 3;
    }
    int n = (argc - a) / 3;
    if (n < 1 || (argc - a) % 3 != 0) {
        fprintf(stderr, "usage: lxcfs-reattach [-n <mntns file>] <source> <target> <major:minor|none>...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct item *items = calloc((size_t)n, sizeof *items);
    if (!items) return 2;
    /* Clone every source while still in our own namespace. */
    for (int i = 0; i < n; i++) {
        items[i].source = argv[a + 3 * i];
        items[i].target = argv[a + 3 * i + 1];
        items[i].expect = argv[a + 3 * i + 2];
        items[i].fd = (int)syscall(SYS_open_tree, AT_FDCWD, items[i].source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (items[i].fd < 0) {
            int e = errno;
            printf("api fail open_tree %s %s\n", err_name(e), items[i].source);
            return e == ENOSYS ? 4 : 1;
        }
    }
    if (ns) {
        int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0) {
            int e = errno;
            printf("namespace fail open %s\n", err_name(e));
            return e == ENOENT || e == ESRCH ? 3 : 5;
        }
        if (setns(nsfd, CLONE_NEWNS) != 0) {
            printf("namespace fail setns %s\n", err_name(errno));
            return 5;
        }
        close(nsfd);
    }
    int failed = 0;
    for (int i = 0; i < n; i++) failed |= reattach(&items[i]);
    return failed ? 1 : 0;
}
