/*
 * The load of the load-average scale bench (io.lxcfs.bench.LoadavgScaleBench): N "containers", each one process
 * in its own cgroup with T sleeping threads, each of which has read a view file once (the daemon tracks a
 * container from its first read).
 *
 *   loadavg-scale-load <threads-per-container> <view-file> <containers-file>
 *
 * <containers-file> has one line per container: the cgroup directories it joins (one per v1 controller, or its
 * one v2 directory), separated by spaces. Each container starts threads-per-container - 1 threads on small stacks that sleep in pause(), reads <view-file>, reports,
 * and sleeps. The parent prints "ready containers=<n> threads=<n> failed=<n> <first error>" once every container
 * has reported, then waits for its stdin to end (the bench closing it, or dying): it then SIGKILLs every
 * container, reaps them and prints "stopped". A container dies with the parent (PR_SET_PDEATHSIG), so nothing
 * outlives a killed bench.
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
#include <sys/prctl.h>
#include <sys/wait.h>
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

static void container(int index, int threads, const char *view, char *dirs, int report_fd, pid_t parent) {
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
    for (;;) {
        pause();
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s <threads-per-container> <view-file> <containers-file>\n", argv[0]);
        return 64;
    }
    int threads = atoi(argv[1]);
    const char *view = argv[2];
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
            container(i, threads, view, lines[i], pipefd[1], self);
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
