/*
 * procread: a tiny reader of /proc-style files for benchmarks and integration tests.
 * Built by the daemon module's Maven build (exec-maven-plugin, process-test-classes) into
 * target/tools/procread:  gcc -O2 -pthread -o target/tools/procread procread.c
 *
 * Every "read" below is one open(2) + read(2) until EOF (64 KiB chunks) + close(2), which is what
 * cat, free, top and glibc do with these files.
 *
 *   procread bench <file> <threads> <N|Ns>
 *       Each thread reads <file> in a loop: N = N reads in total (split over the threads),
 *       Ns (e.g. 5s) = for N seconds. Records each read's latency and prints one line:
 *       file=<f> threads=<t> ops=<n> errors=<e> p50_us=<..> p99_us=<..> ops_per_s=<..> \
 *       mean_us=<..> max_us=<..> seconds=<..> bytes=<size of the last read>
 *       A read is an error when open or read fails (an empty file is not an error here: a
 *       container's /proc/diskstats is empty until it does I/O). Exit 0 unless every read failed.
 *
 *   procread check <count> <file>...
 *       Reads each file <count> times and checks every copy: non-empty (except diskstats, empty
 *       for a container without I/O), ends with "\n", no NUL
 *       byte, and a per-file shape chosen by the base name (meminfo starts with "MemTotal:" and
 *       has MemFree/MemAvailable, no negative values; cpuinfo starts with "processor"; stat has
 *       a "cpu  " line and cpuN lines; uptime is "<float> <float>"; loadavg is
 *       "<f> <f> <f> <r>/<t> <pid>"; swaps starts with "Filename"; diskstats lines have >= 14
 *       fields; online is a CPU list such as "0-3,6"). Prints one summary line per file and
 *       a final "check: ok|FAILED reads=... errors=...". Exit 1 on any error.
 *
 *   procread loop <file> <interval_ms>
 *       Reads forever, one line per read on stdout (line-buffered):
 *       <ISO-8601 UTC time with ms> ok <first line of the file>
 *       <ISO-8601 UTC time with ms> err=<errno name>(<errno>) <strerror>
 *       For restart tests: shows exactly when reads fail and when they come back.
 *
 *   procread watch <file> <interval_ms> <memtotal_kB>
 *       For restart and upgrade tests (the file is a meminfo). Reads forever and classifies every
 *       read: "ok" (first line is MemTotal: <memtotal_kB> kB, the container's limit), "host"
 *       (read fine but another MemTotal: the host's file) or "fail" (open/read error or empty).
 *       Prints (line-buffered, times in ms since the epoch):
 *         <ms> state <ok|host|fail> [<errno name>]   at the first read and at every change
 *         <ms> beat ok=<n> host=<n> fail=<n>         every 100 ms
 *         <ms> total ok=<n> host=<n> fail=<n>        on SIGTERM or SIGINT, then exits 0
 *       Needs nothing but itself (built static too, for a root filesystem holding only this file).
 *
 *   procread sendfile <file>
 *       Copies <file> to stdout with sendfile(2) until it returns 0, as busybox cat does (and as
 *       the kernel does for splice/copy_file_range readers): sendfile stops at st_size, so a file
 *       whose st_size is smaller than its content comes out cut short (size 0: empty). Prints
 *       "st_size=<n> copied=<n>" on stderr. Exit 1 on an error.
 *
 *   procread keep <rounds> <interval_ms> <file>...
 *       Opens every file once and keeps it open, as procps top/vmstat/free -s do; each round
 *       re-reads every file with lseek(fd, 0, SEEK_SET) + read(2) until EOF and prints
 *       "@@<round> <file>" followed by what it read. Sleeps <interval_ms> between rounds.
 *       Exit 1 on an open, seek or read error.
 *
 *   procread pkeep <rounds> <interval_ms> <file>...
 *       The same with pread(2) from offset 0 upwards (the file offset never moves).
 *   procread paced <file> <interval_ms> <seconds>
 *       One read every <interval_ms> on a fixed schedule (a victim polling its meminfo) for <seconds>:
 *       paced file=<f> ops=<n> errors=<e> p50_us=<..> p99_us=<..> max_us=<..>
 *       An error is a failed open/read or an empty file.
 *
 *   procread hammer <threads> <seconds> <file>...
 *       Each thread reads every <file> in turn, in a tight loop, for <seconds>:
 *       hammer threads=<t> ops=<n> errors=<e> ops_per_s=<..>   (an error: failed or empty, diskstats may be empty)
 *
 *   procread hostile <busy>
 *       A tenant whose task names and states are meant to confuse parsers of /proc/<pid>/stat and status:
 *       sleeping threads named (prctl PR_SET_NAME and writes to /proc/self/task/<tid>/comm) with ")", spaces,
 *       tabs, newlines, "State:" and "NSpid:"; <busy> spinning threads named "busy) S"; a zombie child, a
 *       stopped child (T) and a traced child (t, PTRACE_TRACEME + SIGSTOP). Prints "ready" when all exist.
 *       SIGUSR1 starts a thread that creates and joins short-lived threads without end (tasks that exit
 *       between the cgroup listing and the stat read); prints "churning". Runs until killed.
 *
 *   procread writeops <file>
 *       Tries every write-like operation on <file> and its directory (open for writing, O_TRUNC, truncate,
 *       chmod, chown, utimensat, setxattr, mknod, mkdir, unlink, rename, symlink, link, create) and prints
 *       "<operation>:<ok|ERRNO name>" per line. Exit 0.
 *
 *   procread threads <n>
 *       Creates up to <n> sleeping threads (64 KiB stacks), stopping at the first failure (EAGAIN at the
 *       cgroup's pids.max), then lets 8 of them exit so the container can still fork its readers; prints
 *       "threads created=<k> error=<errno name or none> kept=<k - 8>", then sleeps until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/xattr.h>
#include <libgen.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long read_fd(int fd, int keep, char **buf, size_t *cap);

/* One full read into *buf (grown as needed). Returns bytes read, or -errno. */
static long read_file(const char *path, char **buf, size_t *cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    return read_fd(fd, 0, buf, cap);
}

/* The whole file from offset 0 through fd (closed unless keep, then lseek'ed back to 0 first). */
static long read_fd(int fd, int keep, char **buf, size_t *cap) {
    if (keep && lseek(fd, 0, SEEK_SET) < 0) return -errno;
    size_t len = 0;
    for (;;) {
        if (*cap - len < CHUNK) {
            size_t ncap = *cap ? *cap * 2 : 2 * CHUNK;
            while (ncap - len < CHUNK) ncap *= 2;
            char *nb = realloc(*buf, ncap);
            if (!nb) { if (!keep) close(fd); return -ENOMEM; }
            *buf = nb;
            *cap = ncap;
        }
        ssize_t n = read(fd, *buf + len, CHUNK);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            if (!keep) close(fd);
            return -e;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    if (!keep) close(fd);
    return (long)len;
}

/* ---------------------------------------------------------------- bench */

struct worker {
    pthread_t tid;
    const char *path;
    long count;        /* reads to do, or -1 for "until deadline" */
    double deadline;   /* monotonic seconds */
    uint32_t *lat_ns;  /* per-read latency, saturated at ~4.29 s */
    size_t n, cap;
    long errors;
    long last_bytes;
};

static void *bench_worker(void *arg) {
    struct worker *w = arg;
    char *buf = NULL;
    size_t bcap = 0;
    for (long i = 0; w->count < 0 || i < w->count; i++) {
        if (w->count < 0 && (i & 15) == 0 && now_s() >= w->deadline) break;
        uint64_t t0 = now_ns();
        long r = read_file(w->path, &buf, &bcap);
        uint64_t d = now_ns() - t0;
        if (r < 0) w->errors++;
        else w->last_bytes = r;
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 65536;
            w->lat_ns = realloc(w->lat_ns, w->cap * sizeof *w->lat_ns);
            if (!w->lat_ns) { perror("realloc"); exit(2); }
        }
        w->lat_ns[w->n++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    free(buf);
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmd_bench(const char *path, int threads, const char *amount) {
    if (threads < 1 || threads > 256) { fprintf(stderr, "threads must be 1..256\n"); return 2; }
    size_t alen = strlen(amount);
    long count = -1;
    double secs = 0;
    if (alen > 1 && amount[alen - 1] == 's') secs = atof(amount);
    else count = atol(amount);
    if (count == 0 || (count < 0 && secs <= 0)) { fprintf(stderr, "bad amount: %s\n", amount); return 2; }

    struct worker *w = calloc(threads, sizeof *w);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        w[i].path = path;
        w[i].count = count < 0 ? -1 : count / threads + (i < count % threads);
        w[i].deadline = t0 + secs;
        if (pthread_create(&w[i].tid, NULL, bench_worker, &w[i])) { perror("pthread_create"); return 2; }
    }
    size_t total = 0;
    long errors = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(w[i].tid, NULL);
        total += w[i].n;
        errors += w[i].errors;
    }
    double elapsed = now_s() - t0;

    uint32_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    double sum = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + k, w[i].lat_ns, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat_ns);
    }
    for (size_t i = 0; i < total; i++) sum += all[i];
    qsort(all, total, sizeof *all, cmp_u32);
    double p50 = total ? all[(total - 1) * 50 / 100] / 1000.0 : 0;
    double p99 = total ? all[(total - 1) * 99 / 100] / 1000.0 : 0;
    double mx = total ? all[total - 1] / 1000.0 : 0;
    printf("file=%s threads=%d ops=%zu errors=%ld p50_us=%.1f p99_us=%.1f ops_per_s=%.0f "
           "mean_us=%.1f max_us=%.1f seconds=%.3f bytes=%ld\n",
           path, threads, total, errors, p50, p99, elapsed > 0 ? total / elapsed : 0,
           total ? sum / total / 1000.0 : 0, mx, elapsed, w[0].last_bytes);
    free(all);
    free(w);
    return total > (size_t)errors ? 0 : 1;
}

/* ---------------------------------------------------------------- check */

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Returns NULL when the content is well formed, else a short reason. buf is NUL-terminated. */
static const char *check_content(const char *name, const char *buf, size_t len) {
    if (len == 0) return strcmp(name, "diskstats") ? "empty" : NULL;
    if (memchr(buf, '\0', len)) return "contains a NUL byte";
    if (buf[len - 1] != '\n') return "does not end with a newline";

    if (!strcmp(name, "meminfo")) {
        if (!starts_with(buf, "MemTotal:")) return "does not start with MemTotal:";
        if (!strstr(buf, "\nMemFree:") || !strstr(buf, "\nMemAvailable:")) return "no MemFree/MemAvailable";
        for (const char *l = buf; *l; l = strchr(l, '\n') + 1) {
            const char *colon = strchr(l, ':'), *eol = strchr(l, '\n');
            if (!colon || colon > eol) return "line without ':'";
            for (const char *c = colon + 1; c < eol; c++)
                if (*c == '-') return "negative value";
        }
    } else if (!strcmp(name, "cpuinfo")) {
        if (!starts_with(buf, "processor")) return "does not start with processor";
    } else if (!strcmp(name, "stat")) {
        if (!starts_with(buf, "cpu  ")) return "no \"cpu  \" first line";
        if (!strstr(buf, "\ncpu0 ")) return "no cpu0 line";
        if (!strstr(buf, "\nbtime ")) return "no btime line";
        for (const char *l = buf; *l && starts_with(l, "cpu"); l = strchr(l, '\n') + 1) {
            const char *eol = strchr(l, '\n');
            const char *c = strchr(l, ' ');
            int fields = 0;
            for (; c && c < eol; c++) {
                if (*c == '-') return "negative cpu time";
                if (*c != ' ' && (c[-1] == ' ')) fields++;
                if (*c != ' ' && (*c < '0' || *c > '9')) return "non-numeric cpu time";
            }
            if (fields < 10) return "cpu line with fewer than 10 fields";
        }
    } else if (!strcmp(name, "uptime")) {
        double a, b;
        char nl;
        if (sscanf(buf, "%lf %lf%c", &a, &b, &nl) != 3 || nl != '\n' || a < 0 || b < 0)
            return "not \"<uptime> <idle>\\n\"";
    } else if (!strcmp(name, "loadavg")) {
        double a, b, c;
        int r, t, pid;
        if (sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &r, &t, &pid) != 6 || a < 0 || b < 0 || c < 0
            || r < 0 || t < 0 || pid < 0)
            return "not \"l1 l5 l15 r/t pid\"";
    } else if (!strcmp(name, "swaps")) {
        if (!starts_with(buf, "Filename")) return "does not start with Filename";
    } else if (!strcmp(name, "diskstats")) {
        for (const char *l = buf; *l; l = strchr(l, '\n') + 1) {
            const char *eol = strchr(l, '\n');
            int fields = 0, in = 0;
            for (const char *c = l; c < eol; c++) {
                if (*c != ' ' && !in) fields++;
                in = *c != ' ';
            }
            if (fields < 14) return "diskstats line with fewer than 14 fields";
        }
    } else if (!strcmp(name, "online") || !strcmp(name, "possible") || !strcmp(name, "present")) {
        for (size_t i = 0; i + 1 < len; i++)
            if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == ','))
                return "not a CPU list";
        if (buf[0] < '0' || buf[0] > '9') return "not a CPU list";
    }
    return NULL;
}

static int cmd_check(long count, int nfiles, char **files) {
    long total_reads = 0, total_errors = 0;
    char *buf = NULL;
    size_t cap = 0;
    for (int f = 0; f < nfiles; f++) {
        long errors = 0;
        long bytes_min = -1, bytes_max = 0;
        char first_error[256] = "";
        const char *name = base_name(files[f]);
        for (long i = 0; i < count; i++) {
            long r = read_file(files[f], &buf, &cap);
            const char *why = NULL;
            char tmp[128];
            if (r < 0) {
                snprintf(tmp, sizeof tmp, "read error: %s", strerror((int)-r));
                why = tmp;
            } else {
                if (bytes_min < 0 || r < bytes_min) bytes_min = r;
                if (r > bytes_max) bytes_max = r;
                if ((size_t)r == cap) { /* make room for the terminator */
                    char *nb = realloc(buf, cap + 1);
                    if (!nb) { perror("realloc"); return 2; }
                    buf = nb;
                    cap++;
                }
                buf[r] = '\0';
                why = check_content(name, buf, (size_t)r);
            }
            if (why) {
                if (!errors) snprintf(first_error, sizeof first_error, "read %ld: %s", i + 1, why);
                errors++;
            }
        }
        printf("%s reads=%ld errors=%ld bytes=%ld..%ld%s%s\n", files[f], count, errors,
               bytes_min < 0 ? 0 : bytes_min, bytes_max, errors ? " first_error=" : "", first_error);
        total_reads += count;
        total_errors += errors;
    }
    free(buf);
    printf("check: %s reads=%ld errors=%ld\n", total_errors ? "FAILED" : "ok", total_reads, total_errors);
    return total_errors ? 1 : 0;
}

/* ---------------------------------------------------------------- loop */

static int cmd_loop(const char *path, long interval_ms) {
    char *buf = NULL;
    size_t cap = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (;;) {
        long r = read_file(path, &buf, &cap);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        if (r < 0) {
            printf("%s.%03ldZ err=%s(%ld) %s\n", when, ts.tv_nsec / 1000000, strerrorname_np((int)-r)
                   ? strerrorname_np((int)-r) : "?", -r, strerror((int)-r));
        } else if (r == 0) {
            printf("%s.%03ldZ err=EMPTY(0) empty file\n", when, ts.tv_nsec / 1000000);
        } else {
            char *nl = memchr(buf, '\n', (size_t)r);
            int n = nl ? (int)(nl - buf) : (int)r;
            printf("%s.%03ldZ ok %.*s\n", when, ts.tv_nsec / 1000000, n, buf);
        }
        if (interval_ms > 0) {
            struct timespec d = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
            nanosleep(&d, NULL);
        }
    }
    return 0; /* not reached */
}

/* ---------------------------------------------------------------- watch */

static volatile sig_atomic_t stop_watch;

static void on_stop(int sig) {
    (void)sig;
    stop_watch = 1;
}

static long long epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * watch: reopens path for every read. kwatch (keep != 0): opens every path once and re-reads each after
 * lseek(0), as top and vmstat do; the first path is /proc/meminfo, checked for MemTotal, the others must be
 * non-empty lines. Both report the longest single read (a stall while no daemon answers) at the end.
 */
static int watch(int keep, long interval_ms, long memtotal_kb, int n, char **paths);

static int cmd_watch(const char *path, long interval_ms, long memtotal_kb) {
    return watch(0, interval_ms, memtotal_kb, 1, (char **)&path);
}

static int watch(int keep, long interval_ms, long memtotal_kb, int n, char **paths) {
    const char *path = paths[0];
    int fds[16];
    if (n > 16) return 2;
    for (int i = 0; keep && i < n; i++) {
        fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) { perror(paths[i]); return 1; }
    }
    uint64_t max_ns = 0;
    char *buf = NULL;
    size_t cap = 0;
    const char *expected = "MemTotal:";
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    long ok = 0, host = 0, fail = 0;
    const char *last = "";
    long long next_beat = 0;
    while (!stop_watch) {
        long r = 0;
        int bad_other = 0;
        for (int i = n - 1; i >= 0; i--) {
            uint64_t t0 = now_ns();
            r = keep ? read_fd(fds[i], 1, &buf, &cap) : read_file(path, &buf, &cap);
            uint64_t took = now_ns() - t0;
            if (took > max_ns) max_ns = took;
            if (i > 0 && (r <= 0 || buf[r - 1] != '\n')) { bad_other = r < 0 ? (int)r : -EBADMSG; break; }
        }
        if (bad_other) r = bad_other;
        const char *state;
        const char *why = "";
        if (r < 0) {
            state = "fail";
            why = strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "?";
        } else if (r == 0) {
            state = "fail";
            why = "EMPTY";
        } else {
            long kb = -1;
            if ((size_t)r == cap) {
                char *nb = realloc(buf, cap + 1);
                if (!nb) return 2;
                buf = nb;
                cap++;
            }
            buf[r] = '\0';
            if (strncmp(buf, expected, strlen(expected)) == 0) kb = atol(buf + strlen(expected));
            state = kb == memtotal_kb ? "ok" : "host";
        }
        if (state[0] == 'o') ok++;
        else if (state[0] == 'h') host++;
        else fail++;
        long long now = epoch_ms();
        if (strcmp(state, last)) {
            printf("%lld state %s%s%s\n", now, state, *why ? " " : "", why);
            last = state;
        }
        if (now >= next_beat) {
            printf("%lld beat ok=%ld host=%ld fail=%ld\n", now, ok, host, fail);
            next_beat = now + 100;
        }
        if (interval_ms > 0 && !stop_watch) {
            struct timespec d = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
            nanosleep(&d, NULL);
        }
    }
    printf("%lld total ok=%ld host=%ld fail=%ld\n", epoch_ms(), ok, host, fail);
    printf("%lld maxread ms=%.1f\n", epoch_ms(), max_ns / 1e6);
    for (int i = 0; keep && i < n; i++) close(fds[i]);
    free(buf);
    return 0;
}

/* ---------------------------------------------------------------- sendfile */

static int cmd_sendfile(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { perror(path); return 1; }
    struct stat st;
    if (fstat(fd, &st) < 0) { perror("fstat"); return 1; }
    long long copied = 0;
    for (;;) {
        ssize_t n = sendfile(STDOUT_FILENO, fd, NULL, 1 << 20);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("sendfile");
            return 1;
        }
        if (n == 0) break;
        copied += n;
    }
    close(fd);
    fprintf(stderr, "st_size=%lld copied=%lld\n", (long long)st.st_size, copied);
    return 0;
}

/* ---------------------------------------------------------------- keep */

static int cmd_keep(int use_pread, long rounds, long interval_ms, int n, char **paths) {
    int *fds = calloc(n, sizeof *fds);
    char buf[CHUNK];
    for (int i = 0; i < n; i++) {
        fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) { perror(paths[i]); return 1; }
    }
    for (long r = 0; r < rounds; r++) {
        if (r > 0 && interval_ms > 0) {
            struct timespec d = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
            nanosleep(&d, NULL);
        }
        for (int i = 0; i < n; i++) {
            if (!use_pread && lseek(fds[i], 0, SEEK_SET) < 0) { perror("lseek"); return 1; }
            printf("@@%ld %s\n", r, paths[i]);
            off_t off = 0;
            for (;;) {
                ssize_t got = use_pread ? pread(fds[i], buf, sizeof buf, off) : read(fds[i], buf, sizeof buf);
                if (got < 0) {
                    if (errno == EINTR) continue;
                    perror("read");
                    return 1;
                }
                if (got == 0) break;
                off += got;
                fwrite(buf, 1, (size_t)got, stdout);
            }
        }
        fflush(stdout);
    }
    for (int i = 0; i < n; i++) close(fds[i]);
    free(fds);
    return 0;
}

/* ---------------------------------------------------------------- paced, hammer */

static int cmd_paced(const char *path, long interval_ms, double seconds) {
    if (interval_ms < 1 || seconds <= 0) { fprintf(stderr, "bad interval or seconds\n"); return 2; }
    size_t cap = (size_t)(seconds * 1000 / interval_ms) + 2, n = 0;
    uint32_t *lat = malloc(cap * sizeof *lat);
    char *buf = NULL;
    size_t bcap = 0;
    long errors = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double end = now_s() + seconds;
    while (now_s() < end && n < cap) {
        uint64_t t0 = now_ns();
        long r = read_file(path, &buf, &bcap);
        uint64_t d = now_ns() - t0;
        if (r <= 0) errors++;
        lat[n++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        next.tv_nsec += interval_ms * 1000000L;
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    qsort(lat, n, sizeof *lat, cmp_u32);
    printf("paced file=%s ops=%zu errors=%ld p50_us=%.1f p99_us=%.1f max_us=%.1f\n", path, n, errors,
           n ? lat[(n - 1) * 50 / 100] / 1000.0 : 0, n ? lat[(n - 1) * 99 / 100] / 1000.0 : 0,
           n ? lat[n - 1] / 1000.0 : 0);
    fflush(stdout);
    free(lat);
    free(buf);
    return errors ? 1 : 0;
}

struct hammer {
    pthread_t tid;
    int nfiles;
    char **files;
    double deadline;
    long ops, errors;
};

static void *hammer_worker(void *arg) {
    struct hammer *h = arg;
    char *buf = NULL;
    size_t bcap = 0;
    for (long i = 0;; i++) {
        if ((i & 7) == 0 && now_s() >= h->deadline) break;
        const char *f = h->files[i % h->nfiles];
        long r = read_file(f, &buf, &bcap);
        if (r < 0 || (r == 0 && strcmp(base_name(f), "diskstats"))) h->errors++;
        h->ops++;
    }
    free(buf);
    return NULL;
}

static int cmd_hammer(int threads, double seconds, int nfiles, char **files) {
    if (threads < 1 || threads > 256 || seconds <= 0) { fprintf(stderr, "bad threads or seconds\n"); return 2; }
    struct hammer *h = calloc(threads, sizeof *h);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        h[i].nfiles = nfiles;
        h[i].files = files;
        h[i].deadline = t0 + seconds;
        if (pthread_create(&h[i].tid, NULL, hammer_worker, &h[i])) { perror("pthread_create"); return 2; }
    }
    long ops = 0, errors = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(h[i].tid, NULL);
        ops += h[i].ops;
        errors += h[i].errors;
    }
    double elapsed = now_s() - t0;
    printf("hammer threads=%d ops=%ld errors=%ld ops_per_s=%.0f\n", threads, ops, errors, ops / elapsed);
    fflush(stdout);
    free(h);
    return errors ? 1 : 0;
}

/* ---------------------------------------------------------------- hostile, threads */

static volatile int churn_on;
static volatile pid_t unnamed_tid;

static void *sleeper(void *arg) {
    const char *name = arg;
    if (name) prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
    else unnamed_tid = (pid_t)syscall(SYS_gettid);
    for (;;) pause();
    return NULL;
}

static void *spinner(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, (unsigned long)"busy) S", 0, 0, 0);
    for (volatile unsigned long x = 0;; x++) { }
    return NULL;
}

static void *short_lived(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, (unsigned long)"churn) R 1 1", 0, 0, 0);
    return NULL;
}

static void *churner(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, (unsigned long)"churner", 0, 0, 0);
    for (;;) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived, NULL) == 0) pthread_join(t, NULL);
        usleep(2000);
    }
    return NULL;
}

static void on_usr1(int sig) {
    (void)sig;
    churn_on = 1;
}

static int cmd_hostile(int busy) {
    static const char *names[] = {"1) R 1 1 1 1 1", "a b  c\td", "n\nState:\tR", "\nNSpid:\t1\t1", ") D (", NULL};
    pthread_t t;
    for (int i = 0; names[i]; i++) {
        if (pthread_create(&t, NULL, sleeper, (void *)names[i])) { perror("pthread_create"); return 2; }
    }
    /* One more named from outside, as any process of the tenant may: a write to /proc/self/task/<tid>/comm. */
    if (pthread_create(&t, NULL, sleeper, NULL)) { perror("pthread_create"); return 2; }
    while (!unnamed_tid) usleep(1000);
    {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)unnamed_tid);
        int fd = open(path, O_WRONLY);
        const char *n = ") R (\nNSpid:\t1";
        if (fd < 0 || write(fd, n, strlen(n)) < 0) { perror(path); return 2; }
        close(fd);
    }
    for (int i = 0; i < busy; i++) {
        if (pthread_create(&t, NULL, spinner, NULL)) { perror("pthread_create"); return 2; }
    }
    pid_t zombie = fork();
    if (zombie == 0) _exit(0);
    pid_t stopped = fork();
    if (stopped == 0) { prctl(PR_SET_NAME, (unsigned long)"stopped) R", 0, 0, 0); for (;;) pause(); }
    kill(stopped, SIGSTOP);
    pid_t traced = fork();
    if (traced == 0) {
        prctl(PR_SET_NAME, (unsigned long)"traced) R", 0, 0, 0);
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        raise(SIGSTOP);
        for (;;) pause();
    }
    signal(SIGUSR1, on_usr1);
    usleep(100000);
    printf("ready zombie=%d stopped=%d traced=%d\n", (int)zombie, (int)stopped, (int)traced);
    fflush(stdout);
    while (!churn_on) pause();
    if (pthread_create(&t, NULL, churner, NULL)) { perror("pthread_create"); return 2; }
    printf("churning\n");
    fflush(stdout);
    for (;;) pause();
    return 0;
}

static int cmd_threads(long n) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t *ts = calloc(n > 0 ? n : 1, sizeof *ts);
    long k = 0;
    int err = 0;
    for (; k < n; k++) {
        err = pthread_create(&ts[k], &attr, sleeper, NULL);
        if (err) break;
    }
    /* At the limit nothing in the container can fork: let 8 threads go so that its readers can run. */
    long released = 0;
    for (; err && released < 8 && k > 0; released++) {
        k--;
        pthread_cancel(ts[k]);
        pthread_join(ts[k], NULL);
    }
    printf("threads created=%ld error=%s kept=%ld\n", k + released, err ? strerrorname_np(err) : "none", k);
    fflush(stdout);
    for (;;) pause();
    return 0;
}

/* ---------------------------------------------------------------- writeops */

static void report(const char *op, int rc) {
    printf("%s:%s\n", op, rc == 0 ? "ok" : strerrorname_np(errno));
}

static int open_close(const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int cmd_writeops(const char *path) {
    char copy[4096], in_dir[4200], target[4200];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    report("open_wronly", open_close(path, O_WRONLY));
    report("open_rdwr", open_close(path, O_RDWR));
    report("open_trunc", open_close(path, O_RDONLY | O_TRUNC));
    report("truncate", truncate(path, 0));
    report("chmod", chmod(path, 0666));
    report("chown", chown(path, 1, 1));
    struct timespec times[2] = {{0, 0}, {0, 0}};
    report("utime", utimensat(AT_FDCWD, path, times, 0));
    snprintf(in_dir, sizeof in_dir, "%s/x-node", dir);
    report("mknod", mknod(in_dir, S_IFIFO | 0600, 0));
    snprintf(in_dir, sizeof in_dir, "%s/x-dir", dir);
    report("mkdir", mkdir(in_dir, 0755));
    report("unlink", unlink(path));
    snprintf(target, sizeof target, "%s.x", path);
    report("rename", rename(path, target));
    report("setxattr", setxattr(path, "user.x", "1", 1, 0));
    snprintf(in_dir, sizeof in_dir, "%s/x-link", dir);
    report("symlink", symlink("/tmp", in_dir));
    snprintf(in_dir, sizeof in_dir, "%s/x-hard", dir);
    report("link", link(path, in_dir));
    snprintf(in_dir, sizeof in_dir, "%s/x-new", dir);
    report("create", open_close(in_dir, O_CREAT | O_WRONLY));
    fflush(stdout);
    return 0;
}

static int usage(void) {
    fprintf(stderr,
            "usage: procread bench <file> <threads> <count|seconds's'>\n"
            "       procread check <count> <file>...\n"
            "       procread loop <file> <interval_ms>\n"
            "       procread watch <file> <interval_ms> <memtotal_kB>\n"
            "       procread kwatch <interval_ms> <memtotal_kB> /proc/meminfo <file>...\n"
            "       procread sendfile <file>\n"
            "       procread keep <rounds> <interval_ms> <file>...\n"
            "       procread pkeep <rounds> <interval_ms> <file>...\n"
            "       procread paced <file> <interval_ms> <seconds>\n"
            "       procread hammer <threads> <seconds> <file>...\n"
            "       procread hostile <busy>\n"
            "       procread writeops <file>\n"
            "       procread threads <n>\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc >= 5 && !strcmp(argv[1], "bench")) return cmd_bench(argv[2], atoi(argv[3]), argv[4]);
    if (argc >= 4 && !strcmp(argv[1], "check")) return cmd_check(atol(argv[2]), argc - 3, argv + 3);
    if (argc >= 4 && !strcmp(argv[1], "loop")) return cmd_loop(argv[2], atol(argv[3]));
    if (argc >= 5 && !strcmp(argv[1], "watch")) return cmd_watch(argv[2], atol(argv[3]), atol(argv[4]));
    if (argc >= 5 && !strcmp(argv[1], "kwatch")) return watch(1, atol(argv[2]), atol(argv[3]), argc - 4, argv + 4);
    if (argc >= 3 && !strcmp(argv[1], "sendfile")) return cmd_sendfile(argv[2]);
    if (argc >= 5 && !strcmp(argv[1], "keep")) return cmd_keep(0, atol(argv[2]), atol(argv[3]), argc - 4, argv + 4);
    if (argc >= 5 && !strcmp(argv[1], "pkeep")) return cmd_keep(1, atol(argv[2]), atol(argv[3]), argc - 4, argv + 4);
    if (argc >= 5 && !strcmp(argv[1], "paced")) return cmd_paced(argv[2], atol(argv[3]), atof(argv[4]));
    if (argc >= 5 && !strcmp(argv[1], "hammer")) return cmd_hammer(atoi(argv[2]), atof(argv[3]), argc - 4, argv + 4);
    if (argc >= 3 && !strcmp(argv[1], "hostile")) return cmd_hostile(atoi(argv[2]));
    if (argc >= 3 && !strcmp(argv[1], "threads")) return cmd_threads(atol(argv[2]));
    if (argc >= 3 && !strcmp(argv[1], "writeops")) return cmd_writeops(argv[2]);
    return usage();
}
