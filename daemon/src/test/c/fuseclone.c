/*
 * fuseclone: what happens to a request a FUSE server has read but not answered when that server exits,
 * depending on how it held the connection. The keeper design rests on the answer (docs/fuse-server.md):
 *
 *   fuseclone clone  <dir>   the server reads from a FUSE_DEV_IOC_CLONE clone of the device and exits
 *   fuseclone shared <dir>   the server reads from the shared descriptor (a fork of its holder) and exits
 *
 * Both mount a connection at <dir>, answer FUSE_INIT, start a reader (stat <dir>/x), let a child server read
 * the reader's LOOKUP and exit without answering, then report what the reader got. For "shared" the holder
 * then writes FUSE_NOTIFY_RESEND, reads the LOOKUP again and answers ENOENT. Output, one line each:
 *   lookup-read-by-child unique=<n>
 *   reader-after-child-exit: waiting | errno=<name>
 *   (shared) resent unique=<n> resend-bit=<0|1>
 *   reader-final: errno=<name>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FUSE_DEV_IOC_CLONE
#define FUSE_DEV_IOC_CLONE _IOR(229, 0, uint32_t)
#endif
#define NOTIFY_RESEND 7
#define UNIQUE_RESEND (1ULL << 63)

static char buf[1 << 17];

static void die(const char *what) {
    perror(what);
    exit(2);
}

static ssize_t read_request(int fd) {
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n >= 0 || errno != EINTR) return n;
    }
}

static void reply(int fd, uint64_t unique, int error, const void *body, size_t len) {
    char out[256];
    struct fuse_out_header *h = (struct fuse_out_header *)out;
    h->len = sizeof *h + len;
    h->error = error;
    h->unique = unique;
    memcpy(out + sizeof *h, body, len);
    if (write(fd, out, h->len) < 0) die("write reply");
}

/* The reader: stat(path); exits with the errno it got (0 for success). */
static pid_t start_reader(const char *path) {
    pid_t p = fork();
    if (p < 0) die("fork");
    if (p == 0) {
        struct stat st;
        _exit(stat(path, &st) == 0 ? 0 : errno);
    }
    return p;
}

/* The reader's state after up to ms milliseconds: -1 still waiting, else its errno. */
static int reader_state(pid_t p, int ms) {
    for (int i = 0; i < ms / 10; i++) {
        int status;
        pid_t r = waitpid(p, &status, WNOHANG);
        if (r == p) return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
        struct timespec d = {0, 10 * 1000000L};
        nanosleep(&d, NULL);
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "clone") && strcmp(argv[1], "shared"))) {
        fprintf(stderr, "usage: fuseclone clone|shared <dir>\n");
        return 2;
    }
    int clone_mode = !strcmp(argv[1], "clone");
    const char *dir = argv[2];
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) die("/dev/fuse");
    char data[128];
    snprintf(data, sizeof data, "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
    if (mount("fuseclone", dir, "fuse.fuseclone", MS_NOSUID | MS_NODEV, data) < 0) die("mount");

    if (read_request(fd) < 0) die("read INIT");
    struct fuse_in_header *in = (struct fuse_in_header *)buf;
    if (in->opcode != FUSE_INIT) { fprintf(stderr, "first request is %u, not INIT\n", in->opcode); return 2; }
    struct fuse_init_out init;
    memset(&init, 0, sizeof init);
    init.major = FUSE_KERNEL_VERSION;
    init.minor = 31;
    init.max_write = 4096;
    init.max_readahead = 65536;
    reply(fd, in->unique, 0, &init, sizeof init);

    char path[4096];
    snprintf(path, sizeof path, "%s/x", dir);
    pid_t reader = start_reader(path);

    pid_t server = fork();
    if (server < 0) die("fork");
    if (server == 0) {
        int from = fd;
        if (clone_mode) {
            from = open("/dev/fuse", O_RDWR | O_CLOEXEC);
            if (from < 0) die("/dev/fuse (clone)");
            uint32_t master = (uint32_t)fd;
            if (ioctl(from, FUSE_DEV_IOC_CLONE, &master) < 0) die("FUSE_DEV_IOC_CLONE");
        }
        if (read_request(from) < 0) die("child read");
        printf("lookup-read-by-child opcode=%u unique=%llu\n", in->opcode, (unsigned long long)in->unique);
        fflush(stdout);
        _exit(0); /* without answering */
    }
    int status;
    waitpid(server, &status, 0);
    int st = reader_state(reader, 500);
    if (st < 0) printf("reader-after-child-exit: waiting\n");
    else printf("reader-after-child-exit: errno=%s\n", st ? strerrorname_np(st) : "0");
    fflush(stdout);

    if (!clone_mode && st < 0) {
        struct fuse_out_header n = {sizeof n, NOTIFY_RESEND, 0};
        if (write(fd, &n, sizeof n) < 0) {
            printf("resend: errno=%s\n", strerrorname_np(errno));
        } else {
            if (read_request(fd) < 0) die("read resent");
            printf("resent opcode=%u unique=%llu resend-bit=%d\n", in->opcode,
                   (unsigned long long)(in->unique & ~UNIQUE_RESEND), (in->unique & UNIQUE_RESEND) != 0);
            reply(fd, in->unique, -ENOENT, NULL, 0);
        }
        st = reader_state(reader, 2000);
    }
    if (st < 0) {
        kill(reader, SIGKILL);
        printf("reader-final: waiting\n");
    } else {
        printf("reader-final: errno=%s\n", st ? strerrorname_np(st) : "0");
    }
    umount2(dir, MNT_DETACH);
    return 0;
}
