/*
 * The load of the load-average scale bench (io.lxcfs.bench.LoadavgScaleBench): N "containers", each one process
 * in its own cgroup with T sleeping threads, each of which has read a view file once (the daemon tracks a
 * container from its first read).
 *
 *   loadavg-scale-load <threads-per-container> <view-file> <containers-file> [<wake-ms>]
 *
 * <containers-file> has one line per container: the cgroup directories it joins (one per v1 controller, or its
 * one v2 directory), separated by spaces. Each container starts threads-per-container - 1 threads on small stacks that sleep in pause(), reads <view-file>, reports,
 * and sleeps. The parent prints "ready containers=<n> threads=<n> failed=<n> <first error>" once every container
 * has reported, then waits for its stdin to end (the bench closing it, or dying): it then SIGKILLs every
 * container, reaps them and prints "stopped". A container dies with the parent (PR_SET_PDEATHSIG), so nothing
 * outlives a killed bench. With <wake-ms> > 0 each container's first thread, instead of pause(), wakes every
 * <wake-ms> ms and sleeps again: a little CPU that moves the container's usage counter, as a busy container's would
 * (so the daemon cannot skip it as idle).
 *
 *   loadavg-scale-load --floor <containers-file>
 *
 * The floor: the system calls one sampler pass makes, from C, over the containers of <containers-file> (first
 * directory of each line): check the directory, list it, read its task list, and open, read to the end and close
 * /proc/<tid>/task/<tid>/stat of every thread. Prints the best of three passes' CPU time (user and system).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Sleeping threads touch a page or two of stack: 64 KiB of address space each, a few KiB resident. */
#define STACK_SIZE (64 * 1024)

static void *sleeper(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

/* A report from a container to the parent: status 0 or an errno, and what failed. */
struct report {
    int status;
    char what[120];
};

static void send_report(int fd, int status, const char *what) {
    struct report r = {status, {0}};
    snprintf(r.what, sizeof r.what, "%s", what);
    /* PIPE_BUF-sized writes are atomic: reports of concurrent containers never interleave. */
    if (write(fd, &r, sizeof r) != (ssize_t) sizeof r) {
        _exit(3);
    }
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    ssize_t n = write(fd, text, strlen(text));
    int err = n < 0 ? errno : 0;
    close(fd);
    return err;
}

static void container(int index, int threads, const char *view, char *dirs, int report_fd, pid_t parent, int wake_ms) {
    char buf[4096];
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        _exit(2); /* the parent is gone already */
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", getpid());
    char *save = NULL;
    for (char *dir = strtok_r(dirs, " \t\n", &save); dir != NULL; dir = strtok_r(NULL, " \t\n", &save)) {
        snprintf(buf, sizeof buf, "%s/cgroup.procs", dir);
        int err = write_file(buf, pid);
        if (err != 0) {
            snprintf(buf, sizeof buf, "container %d: join %s: %s", index, dir, strerror(err));
            send_report(report_fd, err, buf);
            _exit(1);
        }
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_SIZE);
    for (int t = 1; t < threads; t++) {
        pthread_t th;
        int err = pthread_create(&th, &attr, sleeper, NULL);
        if (err != 0) {
            snprintf(buf, sizeof buf, "thread %d of container %d: %s", t + 1, index, strerror(err));
            send_report(report_fd, err, buf);
            _exit(1);
        }
    }
    int fd = open(view, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    if (n <= 0) {
        int err = n == 0 ? EIO : errno;
        snprintf(buf, sizeof buf, "read %s: %s", view, strerror(err));
        send_report(report_fd, err, buf);
        _exit(1);
    }
    close(fd);
    send_report(report_fd, 0, "");
    close(report_fd);
    struct timespec nap = {wake_ms / 1000, (long) (wake_ms % 1000) * 1000000L};
    for (;;) {
        if (wake_ms > 0) {
            nanosleep(&nap, NULL);
        } else {
            pause();
        }
    }
}

static double seconds(struct timeval tv) {
    return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

/* Reads a whole file into buf (as the daemon's reader does: until read returns 0); returns its length or -1. */
static ssize_t read_all(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, size - 1 - len)) > 0) {
        len += (size_t) n;
    }
    close(fd);
    buf[len] = '\0';
    return n < 0 ? -1 : (ssize_t) len;
}

static int floor_pass(char **dirs, int count, long *threads, long *active) {
    static char tasks[1 << 20];
    char line[4096], path[PATH_MAX];
    *threads = 0;
    *active = 0;
    for (int i = 0; i < count; i++) {
        struct stat st;
        if (stat(dirs[i], &st) != 0) {
            continue;
        }
        DIR *d = opendir(dirs[i]);
        if (d != NULL) {
            while (readdir(d) != NULL) {
            }
            closedir(d);
        }
        snprintf(path, sizeof path, "%s/tasks", dirs[i]);
        if (read_all(path, tasks, sizeof tasks) < 0) {
            snprintf(path, sizeof path, "%s/cgroup.threads", dirs[i]);
            if (read_all(path, tasks, sizeof tasks) < 0) {
                return -1;
            }
        }
        for (char *p = tasks; *p != '\0';) {
            char *end;
            long tid = strtol(p, &end, 10);
            if (end == p) {
                break;
            }
            p = *end == '\n' ? end + 1 : end;
            snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", tid, tid);
            if (read_all(path, line, sizeof line) <= 0) {
                continue;
            }
            char *close_paren = strrchr(line, ')');
            char state = close_paren != NULL && close_paren[1] == ' ' ? close_paren[2] : '?';
            (*threads)++;
            if (state == 'R' || state == 'D') {
                (*active)++;
            }
        }
    }
    return 0;
}

static int floor_mode(const char *containers_file) {
    FILE *list = fopen(containers_file, "r");
    if (list == NULL) {
        perror(containers_file);
        return 64;
    }
    int count = 0, cap = 1024;
    char **dirs = malloc((size_t) cap * sizeof(char *));
    char *line = NULL;
    size_t len = 0;
    while (getline(&line, &len, list) > 0) {
        char *save = NULL;
        char *first = strtok_r(line, " \t\n", &save);
        if (first == NULL) {
            continue;
        }
        if (count == cap) {
            cap *= 2;
            dirs = realloc(dirs, (size_t) cap * sizeof(char *));
        }
        dirs[count++] = strdup(first);
    }
    fclose(list);
    double best = 1e9, best_user = 0, best_sys = 0;
    long threads = 0, active = 0;
    for (int pass = 0; pass < 3; pass++) {
        struct rusage r0, r1;
        getrusage(RUSAGE_SELF, &r0);
        if (floor_pass(dirs, count, &threads, &active) != 0) {
            fprintf(stderr, "floor: cannot read a task list\n");
            return 1;
        }
        getrusage(RUSAGE_SELF, &r1);
        double user = seconds(r1.ru_utime) - seconds(r0.ru_utime);
        double sys = seconds(r1.ru_stime) - seconds(r0.ru_stime);
        if (user + sys < best) {
            best = user + sys;
            best_user = user;
            best_sys = sys;
        }
    }
    printf("floor containers=%d threads=%ld active=%ld cpu_ms=%.1f user_ms=%.1f sys_ms=%.1f\n", count, threads, active,
           best * 1e3, best_user * 1e3, best_sys * 1e3);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--floor") == 0) {
        return floor_mode(argv[2]);
    }
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s <threads-per-container> <view-file> <containers-file> [<wake-ms>] | --floor <containers-file>\n",
                argv[0]);
        return 64;
    }
    int threads = atoi(argv[1]);
    const char *view = argv[2];
    int wake_ms = argc == 5 ? atoi(argv[4]) : 0;
    FILE *list = fopen(argv[3], "r");
    if (threads <= 0 || list == NULL) {
        fprintf(stderr, "threads must be positive and %s readable\n", argv[3]);
        return 64;
    }
    int containers = 0, cap = 1024;
    char **lines = malloc((size_t) cap * sizeof(char *));
    char *line = NULL;
    size_t len = 0;
    while (getline(&line, &len, list) > 0) {
        if (containers == cap) {
            cap *= 2;
            lines = realloc(lines, (size_t) cap * sizeof(char *));
        }
        lines[containers++] = strdup(line);
    }
    fclose(list);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t *pids = calloc((size_t) containers, sizeof(pid_t));
    pid_t self = getpid();
    int started = 0;
    char first_error[160] = "";
    for (int i = 0; i < containers; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(pipefd[0]);
            container(i, threads, view, lines[i], pipefd[1], self, wake_ms);
        }
        if (pid < 0) {
            snprintf(first_error, sizeof first_error, "fork of container %d: %s", i, strerror(errno));
            break;
        }
        pids[started++] = pid;
    }
    close(pipefd[1]);
    int ok = 0, failed = containers - started;
    struct report r;
    for (int got = 0; got < started; got++) {
        ssize_t n = read(pipefd[0], &r, sizeof r);
        if (n != (ssize_t) sizeof r) {
            failed += started - got; /* containers died without a report */
            if (first_error[0] == '\0') {
                snprintf(first_error, sizeof first_error, "containers exited without reporting");
            }
            break;
        }
        if (r.status == 0) {
            ok++;
        } else {
            failed++;
            if (first_error[0] == '\0') {
                snprintf(first_error, sizeof first_error, "%s", r.what);
            }
        }
    }
    printf("ready containers=%d threads=%ld failed=%d %s\n", ok, (long) ok * threads, failed, first_error);
    /* Until the bench closes stdin (or dies). */
    char rest[256];
    while (fgets(rest, sizeof rest, stdin) != NULL) {
    }
    for (int i = 0; i < started; i++) {
        kill(pids[i], SIGKILL);
    }
    for (int i = 0; i < started; i++) {
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {
        }
    }
    printf("stopped\n");
    return 0;
}
