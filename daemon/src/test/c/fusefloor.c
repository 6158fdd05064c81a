/*
 * fusefloor: the floor of the benchmark (docs/benchmarks.md): a FUSE server that does nothing but serve one
 * fixed 1,503-byte file at <dir>/proc/meminfo, the way our daemon serves its view (raw /dev/fuse, timeouts 0,
 * FOPEN_DIRECT_IO, N threads reading the one shared descriptor). What a read costs through it is what the
 * kernel's FUSE round trips cost (LOOKUP proc, LOOKUP meminfo, OPEN, READ, READ at EOF, FLUSH, RELEASE), with
 * no rendering and no JVM; our daemon's latency is compared with it.
 *
 *   fusefloor <dir> [threads]     mounts at <dir> (read-only, allow_other), serves in the foreground;
 *                                 SIGTERM/SIGINT unmount (lazily) and exit. Default 4 threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT_ID 1
#define DIR_ID 2
#define FILE_ID 3
#define FILE_SIZE 1503
#define IN_BUF (128 * 1024 + 4096)

static int fuse_fd = -1;
static const char *mount_dir;
static char content[FILE_SIZE];

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void reply(uint64_t unique, int error, const void *body, size_t len) {
    char out[sizeof(struct fuse_out_header) + FILE_SIZE + 256];
    struct fuse_out_header *h = (struct fuse_out_header *)out;
    h->len = sizeof *h + len;
    h->error = error;
    h->unique = unique;
    if (len) memcpy(out + sizeof *h, body, len);
    /* ENOENT: the caller was interrupted; nothing to do. */
    if (write(fuse_fd, out, h->len) < 0 && errno != ENOENT && errno != ENODEV) perror("fusefloor: write");
}

static void attr_of(uint64_t node, struct fuse_attr *a) {
    memset(a, 0, sizeof *a);
    a->ino = node;
    a->nlink = node == FILE_ID ? 1 : 2;
    a->mode = node == FILE_ID ? (S_IFREG | 0444) : (S_IFDIR | 0555);
    a->size = node == FILE_ID ? FILE_SIZE : 0;
    a->blksize = 4096;
}

static void *serve(void *arg) {
    (void)arg;
    char *buf = malloc(IN_BUF);
    if (!buf) die("malloc");
    for (;;) {
        ssize_t n = read(fuse_fd, buf, IN_BUF);
        if (n < 0) {
            if (errno == EINTR || errno == ENOENT || errno == EAGAIN) continue;
            if (errno == ENODEV) exit(0); /* unmounted */
            die("fusefloor: read");
        }
        if ((size_t)n < sizeof(struct fuse_in_header)) continue;
        struct fuse_in_header *in = (struct fuse_in_header *)buf;
        void *body = buf + sizeof *in;
        switch (in->opcode) {
        case FUSE_INIT: {
            struct fuse_init_in *ii = body;
            struct fuse_init_out o;
            memset(&o, 0, sizeof o);
            o.major = FUSE_KERNEL_VERSION;
            o.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ? ii->minor : FUSE_KERNEL_MINOR_VERSION;
            o.max_readahead = ii->max_readahead;
            o.flags = ii->flags & FUSE_PARALLEL_DIROPS;
            o.max_background = 16;
            o.congestion_threshold = 12;
            o.max_write = 4096;
            o.time_gran = 1;
            reply(in->unique, 0, &o, sizeof o);
            break;
        }
        case FUSE_LOOKUP: {
            const char *name = body;
            uint64_t id = 0;
            if (in->nodeid == ROOT_ID && !strcmp(name, "proc")) id = DIR_ID;
            else if (in->nodeid == DIR_ID && !strcmp(name, "meminfo")) id = FILE_ID;
            if (!id) {
                reply(in->unique, -ENOENT, NULL, 0);
                break;
            }
            struct fuse_entry_out e;
            memset(&e, 0, sizeof e);
            e.nodeid = id;
            attr_of(id, &e.attr);
            reply(in->unique, 0, &e, sizeof e);
            break;
        }
        case FUSE_GETATTR: {
            struct fuse_attr_out a;
            memset(&a, 0, sizeof a);
            attr_of(in->nodeid, &a.attr);
            reply(in->unique, 0, &a, sizeof a);
            break;
        }
        case FUSE_OPEN: {
            struct fuse_open_out o;
            memset(&o, 0, sizeof o);
            o.fh = 1;
            o.open_flags = FOPEN_DIRECT_IO;
            reply(in->unique, in->nodeid == FILE_ID ? 0 : -EISDIR, &o, in->nodeid == FILE_ID ? sizeof o : 0);
            break;
        }
        case FUSE_READ: {
            struct fuse_read_in *r = body;
            uint64_t off = r->offset;
            size_t len = off >= FILE_SIZE ? 0 : FILE_SIZE - off;
            if (len > r->size) len = r->size;
            reply(in->unique, 0, content + (off < FILE_SIZE ? off : 0), len);
            break;
        }
        case FUSE_OPENDIR: {
            struct fuse_open_out o;
            memset(&o, 0, sizeof o);
            reply(in->unique, 0, &o, sizeof o);
            break;
        }
        case FUSE_RELEASE:
        case FUSE_RELEASEDIR:
        case FUSE_FLUSH:
        case FUSE_ACCESS:
            reply(in->unique, 0, NULL, 0);
            break;
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:
        case FUSE_INTERRUPT:
            break;
        default:
            reply(in->unique, -ENOSYS, NULL, 0);
        }
    }
    return NULL;
}

static void on_signal(int sig) {
    (void)sig;
    umount2(mount_dir, MNT_DETACH);
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fusefloor <dir> [threads]\n");
        return 2;
    }
    mount_dir = argv[1];
    int threads = argc == 3 ? atoi(argv[2]) : 4;
    if (threads < 1 || threads > 64) threads = 4;
    /* meminfo-like text: lines of "Name: value kB" up to exactly FILE_SIZE bytes. */
    size_t at = 0;
    for (int i = 0; at < FILE_SIZE; i++) {
        char line[64];
        int l = snprintf(line, sizeof line, "Field%02d:        %12d kB\n", i, i * 4096);
        if (at + l > FILE_SIZE) l = FILE_SIZE - at;
        memcpy(content + at, line, l);
        at += l;
    }
    content[FILE_SIZE - 1] = '\n';

    fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse_fd < 0) die("/dev/fuse");
    char data[160];
    snprintf(data, sizeof data, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions", fuse_fd);
    if (mount("fusefloor", mount_dir, "fuse.fusefloor", MS_RDONLY | MS_NOSUID | MS_NODEV, data) < 0) die("mount");
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    pthread_t t;
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&t, NULL, serve, NULL)) die("pthread_create");
    }
    serve(NULL);
    return 0;
}
