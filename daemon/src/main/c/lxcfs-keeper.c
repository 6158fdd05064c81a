/*
 * lxcfs-keeper: holds the view's FUSE connection (/dev/fuse descriptor) for the life of the node's view,
 * starts the daemon's JVM with it, starts a new JVM when that one dies, and hands the descriptor to a
 * successor keeper over a unix socket (SCM_RIGHTS). The daemon container's entrypoint.
 *
 * Why a separate program: a FUSE connection dies when the last process holding its /dev/fuse descriptor
 * exits, and every file a reader has open on it dies with it. A JVM can crash or be OOM-killed; this
 * small single-threaded program (one poll loop, static buffers, no allocation after start-up) keeps the
 * descriptor open meanwhile. Built by the daemon module's Maven build (exec-maven-plugin, cc) into
 * target/lxcfs-keeper. See docs/restarts-and-upgrades.md.
 *
 *   lxcfs-keeper [--socket PATH] [--deadline SECONDS] [--max-restarts N] -- COMMAND [ARGS...]
 *
 *   --socket        where keepers meet for a planned handover (a host directory both pods mount).
 *   --deadline      how long a successor may take to say "serving" (default 10 s); also the grace before
 *                   SIGKILL of a retiring child.
 *   --max-restarts  more than N child deaths within 60 s end the keeper (default 5).
 *
 * The child (COMMAND) gets the keeper's environment plus:
 *   LXCFS_FUSE_FD=3          the /dev/fuse descriptor, at fd 3 (the keeper keeps its own duplicate)
 *   LXCFS_KEEPER_FD=4        its end of a socketpair with the keeper
 *   LXCFS_FUSE_STATE=<tok>   only when the connection is already mounted and initialized
 *   LXCFS_KEEPER_RESTARTS=n  children of this keeper that died and were replaced so far
 *   LXCFS_HANDED_OVER=0|1    1 when this keeper received the descriptor from a predecessor
 *   LXCFS_RETIRED=1          the retired child after a handover: no fd 3, no LXCFS_FUSE_FD
 * and dies with the keeper (PR_SET_PDEATHSIG SIGKILL). It writes lines on fd 4:
 *   "state <token>"  space-free key=value,... (up to 1 KiB), kept opaque except dev=MAJ:MIN and resend=0|1
 *   "serving"        it reads requests (a successor: after its FUSE_NOTIFY_RESEND)
 *
 * Keepers on the socket: the new one connects and writes "take"; the old one answers "busy" (no state
 * yet, a child being replaced, a handover under way) or "fd <token>" with the descriptor attached. The
 * new one writes "serving" once its child serves; the old one then stops its child, writes
 * FUSE_NOTIFY_RESEND (requests the stopped child had read but not answered go back to the queue), drops
 * the descriptor and runs COMMAND once more as the retired child (health endpoints say "retired") until
 * SIGTERM. The new keeper binds PATH.<pid> at start and renames it over PATH once its child serves, so a
 * successor that fails leaves PATH to the keeper that still serves.
 *
 * When the child dies: with a known state and resend=1 the keeper writes FUSE_NOTIFY_RESEND (the dead
 * child's unanswered requests go back to the queue) and a new child starts at once with the state; it must
 * say "serving" within the deadline; otherwise (resend=0, no state, too many restarts, deadline passed)
 * the keeper aborts the connection through fusectl (/sys/fs/fuse/connections/<dev>/abort) so readers
 * get an error instead of waiting forever, and exits 1. A handed-over keeper whose child fails before it
 * serves exits 1 without aborting: its predecessor still serves the connection.
 *
 * Exit status: the child's (128+signal if it was killed) after SIGTERM/SIGINT or as a retired keeper;
 * 1 on failure; 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_MAX 1024
#define LINE_BUF (TOKEN_MAX + 64)
#define MAX_PEERS 4
#define MAX_RESTARTS_CAP 1000
#define RESTART_WINDOW_NS (60LL * 1000000000LL)
#define ENV_MAX 4096
#define FUSECTL_DIR "/sys/fs/fuse/connections"
#define FUSECTL_SUPER_MAGIC 0x65735543
#define FUSE_NOTIFY_RESEND_CODE 7 /* enum fuse_notify_code, protocol 7.40 (Linux 6.9) */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* Options. */
static const char *socket_path;
static long long deadline_ns = 10LL * 1000000000LL;
static int max_restarts = 5;
static char **command;

/* The connection. */
static int fuse_fd = -1;
static char state[TOKEN_MAX + 1];
static int have_state, dev_known, resend;
static unsigned dev_major, dev_minor;
static int handed_over; /* received from a predecessor */
static int owner;       /* we serve the connection: a fresh start, or a successor whose child served */

/* The child. */
static pid_t child = -1;
static int child_sock = -1;
static char child_buf[LINE_BUF];
static size_t child_len;
static int child_discard; /* inside an over-long line */
static long long serving_deadline; /* 0: none */
static int restarts;
static long long deaths[MAX_RESTARTS_CAP + 1];
static int death_count;

static enum { SERVING, RETIRING, RETIRED } mode = SERVING;
static int stopping;
static long long kill_deadline; /* RETIRING: SIGKILL the old child then */

/* Sockets. */
static int listen_fd = -1;
static char tmp_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int bound, published;
static dev_t sock_dev;
static ino_t sock_ino;
static int pred_fd = -1; /* new side: the predecessor, until our child serves */
static pid_t pred_pid;

struct peer {
    int fd;
    int offered; /* 0: waiting for "take"; 1: descriptor sent, waiting for "serving" */
    pid_t pid;
    char buf[64];
    size_t len;
    long long deadline;
};
static struct peer peers[MAX_PEERS];

static int sig_fd = -1, timer_fd = -1;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...) {
    static char line[LINE_BUF + 256];
    int n = snprintf(line, sizeof line, "lxcfs-keeper: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n); /* one write: lines of two keepers never mix */
    (void)w;
}

static const char *err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int status_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* Keeps what the token says about the connection: its device and whether FUSE_NOTIFY_RESEND may be used. */
static void parse_state(const char *token) {
    snprintf(state, sizeof state, "%s", token);
    have_state = 1;
    dev_known = 0;
    resend = 0;
    for (const char *p = state; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[32], tail;
        unsigned ma, mi;
        if (len > 4 && len < sizeof item && !strncmp(p, "dev=", 4)) {
            memcpy(item, p + 4, len - 4);
            item[len - 4] = 0;
            if (sscanf(item, "%u:%u%c", &ma, &mi, &tail) == 2) {
                dev_major = ma;
                dev_minor = mi;
                dev_known = 1;
            }
        } else if (len == 8 && !strncmp(p, "resend=", 7)) {
            resend = p[7] == '1';
        }
        p += len;
        if (*p == ',') p++;
    }
}

static int valid_token(const char *t) {
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_MAX) return 0;
    for (const char *p = t; *p; p++)
        if (*p <= ' ' || *p == 0x7f) return 0;
    return 1;
}

/* Removes our socket file: the temporary name if never published, PATH only if it still is ours. */
static void cleanup_socket(void) {
    if (!bound) return;
    struct stat st;
    if (!published) {
        unlink(tmp_path);
    } else if (stat(socket_path, &st) == 0 && st.st_dev == sock_dev && st.st_ino == sock_ino) {
        unlink(socket_path);
    }
    bound = 0;
}

/* fusectl: /sys/fs/fuse/connections/<dev>/abort ends every request with ECONNABORTED/ENOTCONN. */
static void abort_connection(const char *why) {
    if (!dev_known) {
        logmsg("cannot abort the connection (%s): its device is unknown", why);
        return;
    }
    unsigned long n = ((unsigned long)dev_major << 20) | dev_minor;
    struct statfs sf;
    if (statfs(FUSECTL_DIR, &sf) != 0 || sf.f_type != FUSECTL_SUPER_MAGIC) {
        if (mount("fusectl", FUSECTL_DIR, "fusectl", 0, NULL) != 0) {
            logmsg("cannot mount fusectl on %s: %s", FUSECTL_DIR, err_name(errno));
        } else {
            logmsg("mounted fusectl on %s", FUSECTL_DIR);
        }
    }
    char path[96];
    snprintf(path, sizeof path, FUSECTL_DIR "/%lu/abort", n);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1", 1) != 1) {
        logmsg("abort of connection %lu (%u:%u) failed (%s): %s", n, dev_major, dev_minor, why, err_name(errno));
    } else {
        logmsg("aborted connection %lu (%u:%u): %s", n, dev_major, dev_minor, why);
    }
    if (fd >= 0) close(fd);
}

/* The kernel moves every request read but not answered on the connection back to its queue (Linux >= 6.9). */
static void send_resend(void) {
    struct {
        uint32_t len;
        int32_t error;
        uint64_t unique;
    } h = {16, FUSE_NOTIFY_RESEND_CODE, 0};
    if (write(fuse_fd, &h, sizeof h) != (ssize_t)sizeof h) {
        logmsg("FUSE_NOTIFY_RESEND failed: %s", err_name(errno));
    } else {
        logmsg("sent FUSE_NOTIFY_RESEND");
    }
}

/* Exit paths: a child still running is killed and reaped (bounded), then the socket file is cleaned. */
static void finish(int code) __attribute__((noreturn));
static void finish(int code) {
    if (child > 0) {
        logmsg("killing child %d", (int)child);
        kill(child, SIGKILL);
        long long until = now_ns() + 2000000000LL;
        while (waitpid(child, NULL, WNOHANG) == 0 && now_ns() < until) {
            struct pollfd p = {.fd = sig_fd, .events = POLLIN};
            if (poll(&p, 1, 50) > 0) {
                struct signalfd_siginfo si;
                ssize_t r = read(sig_fd, &si, sizeof si);
                (void)r;
            }
        }
        child = -1;
    }
    cleanup_socket();
    logmsg("exit %d", code);
    exit(code);
}

static void fail_abort(const char *why) __attribute__((noreturn));
static void fail_abort(const char *why) {
    abort_connection(why);
    finish(1);
}

/* Runs COMMAND with fd 3 = /dev/fuse (unless retired) and fd 4 = a socketpair end; see the header. */
static void spawn(int retired) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        logmsg("socketpair: %s", err_name(errno));
        if (owner && !retired) fail_abort("cannot start a child");
        finish(1);
    }
    pid_t keeper = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        logmsg("fork: %s", err_name(errno));
        if (owner && !retired) fail_abort("cannot start a child");
        finish(1);
    }
    if (pid == 0) {
        static char e_fuse[] = "LXCFS_FUSE_FD=3", e_keeper[] = "LXCFS_KEEPER_FD=4", e_retired[] = "LXCFS_RETIRED=1";
        static char e_state[TOKEN_MAX + 32], e_restarts[48], e_handed[32];
        static char *envp[ENV_MAX];
        static const char *const ours[] = {"LXCFS_FUSE_FD=", "LXCFS_KEEPER_FD=", "LXCFS_FUSE_STATE=",
                "LXCFS_KEEPER_RESTARTS=", "LXCFS_HANDED_OVER=", "LXCFS_RETIRED="};
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != keeper) _exit(1); /* the keeper died before prctl */
        /* Above 4 first, so neither dup2 below overwrites the other's source. */
        int s = fcntl(sv[1], F_DUPFD, 10);
        int f = retired ? -1 : fcntl(fuse_fd, F_DUPFD, 10);
        if (s < 0 || (!retired && f < 0) || dup2(s, 4) != 4 || (!retired && dup2(f, 3) != 3)) {
            logmsg("child setup: %s", err_name(errno));
            _exit(127);
        }
        close(s);
        if (f >= 0) close(f);
        int n = 0;
        for (char **e = environ; *e && n < ENV_MAX - 8; e++) {
            int skip = 0;
            for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
                if (!strncmp(*e, ours[i], strlen(ours[i]))) skip = 1;
            if (!skip) envp[n++] = *e;
        }
        envp[n++] = e_keeper;
        if (retired) {
            envp[n++] = e_retired;
        } else {
            envp[n++] = e_fuse;
            if (have_state) {
                snprintf(e_state, sizeof e_state, "LXCFS_FUSE_STATE=%s", state);
                envp[n++] = e_state;
            }
        }
        snprintf(e_restarts, sizeof e_restarts, "LXCFS_KEEPER_RESTARTS=%d", restarts);
        envp[n++] = e_restarts;
        snprintf(e_handed, sizeof e_handed, "LXCFS_HANDED_OVER=%d", handed_over);
        envp[n++] = e_handed;
        envp[n] = NULL;
        execvpe(command[0], command, envp);
        logmsg("exec %s: %s", command[0], err_name(errno));
        _exit(127);
    }
    close(sv[1]);
    child = pid;
    child_sock = sv[0];
    fcntl(child_sock, F_SETFL, O_NONBLOCK);
    child_len = 0;
    child_discard = 0;
    logmsg("child %d started (%s, restarts %d, handed over %d%s)", (int)pid,
            retired ? "retired" : have_state ? "with the connection's state" : "fresh connection", restarts,
            handed_over, retired ? "" : have_state && resend ? ", resend 1" : "");
}

/* The new side's socket: bound under a temporary name now, renamed over PATH once we own the connection. */
static void bind_socket(void) {
    static char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", socket_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        for (char *p = dir + 1; *p; p++) {
            if (*p != '/') continue;
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            logmsg("mkdir %s: %s", dir, err_name(errno));
            finish(1);
        }
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(tmp_path, sizeof tmp_path, "%s.%d", socket_path, (int)getpid());
    if (n < 0 || n >= (int)sizeof tmp_path) {
        logmsg("socket path too long: %s", socket_path);
        finish(2);
    }
    memcpy(a.sun_path, tmp_path, (size_t)n + 1);
    unlink(tmp_path); /* a stale one of an earlier process with our pid */
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, MAX_PEERS) != 0) {
        logmsg("listen on %s: %s", tmp_path, err_name(errno));
        finish(1);
    }
    bound = 1;
    struct stat st;
    if (stat(tmp_path, &st) == 0) {
        sock_dev = st.st_dev;
        sock_ino = st.st_ino;
    }
}

static void publish_socket(void) {
    if (!bound) return;
    if (rename(tmp_path, socket_path) != 0) {
        logmsg("rename %s -> %s: %s", tmp_path, socket_path, err_name(errno));
        return;
    }
    published = 1;
    logmsg("listening on %s", socket_path);
}

static int connect_socket(long long until) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof a.sun_path) {
        logmsg("socket path too long: %s", socket_path);
        exit(2);
    }
    strcpy(a.sun_path, socket_path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        logmsg("socket: %s", err_name(errno));
        exit(1);
    }
    long long left = until - now_ns();
    if (left < 1000000) left = 1000000;
    struct timeval tv = {.tv_sec = left / 1000000000LL, .tv_usec = (left % 1000000000LL) / 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(s);
        if (e == ENOENT || e == ECONNREFUSED) return -1;
        logmsg("connect %s: %s", socket_path, err_name(e));
        exit(1);
    }
    return s;
}

/*
 * Start-up, new side: asks a live predecessor for the descriptor. Returns 1 with fuse_fd, state and
 * pred_fd set; 0 when nobody listens (a fresh start). Blocking calls with timeouts: nothing else runs yet.
 */
static int take_from_predecessor(void) {
    long long until = now_ns() + deadline_ns;
    for (;;) {
        int s = connect_socket(until);
        if (s < 0) return 0;
        static char reply[LINE_BUF];
        size_t len = 0;
        int fd = -1;
        if (send(s, "take\n", 5, MSG_NOSIGNAL) == 5) {
            while (len < sizeof reply - 1 && !memchr(reply, '\n', len)) {
                union {
                    char buf[CMSG_SPACE(sizeof(int))];
                    struct cmsghdr align;
                } c;
                struct iovec iov = {.iov_base = reply + len, .iov_len = sizeof reply - 1 - len};
                struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
                ssize_t r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
                if (r <= 0) break;
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
                        int got;
                        memcpy(&got, CMSG_DATA(cm), sizeof got);
                        if (fd >= 0) close(fd);
                        fd = got;
                    }
                }
                len += (size_t)r;
            }
        }
        reply[len] = 0;
        char *nl = strchr(reply, '\n');
        if (nl) *nl = 0;
        struct ucred cred = {0};
        socklen_t cl = sizeof cred;
        getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
        struct stat st;
        if (nl && !strncmp(reply, "fd ", 3) && valid_token(reply + 3) && fd >= 0 && fstat(fd, &st) == 0
                && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 && minor(st.st_rdev) == 229) {
            fuse_fd = fd;
            parse_state(reply + 3);
            pred_fd = s;
            pred_pid = cred.pid;
            return 1;
        }
        if (fd >= 0) close(fd);
        close(s);
        if (nl && !strcmp(reply, "busy")) {
            if (now_ns() >= until) {
                logmsg("predecessor keeper pid %d still busy at the deadline", (int)cred.pid);
                exit(1);
            }
        } else {
            logmsg("unexpected answer from predecessor keeper pid %d: \"%.64s\"", (int)cred.pid, reply);
            if (now_ns() >= until) exit(1);
        }
        struct timespec pause = {0, 100000000L};
        nanosleep(&pause, NULL);
    }
}

static void close_peer(struct peer *p) {
    close(p->fd);
    p->fd = -1;
}

static void refuse_all_peers(void) {
    for (int i = 0; i < MAX_PEERS; i++)
        if (peers[i].fd >= 0) {
            send(peers[i].fd, "busy\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
            close_peer(&peers[i]);
        }
}

/* Old side: the successor serves. Stop our child; the rest follows when it has exited (retire_finish). */
static void retire_begin(struct peer *p) {
    logmsg("handover given to keeper pid %d: stopping child %d", (int)p->pid, (int)child);
    close_peer(p);
    refuse_all_peers();
    mode = RETIRING;
    serving_deadline = 0;
    kill(child, SIGTERM);
    kill_deadline = now_ns() + deadline_ns;
}

static void retire_finish(void) {
    if (resend) send_resend();
    close(fuse_fd);
    fuse_fd = -1;
    if (listen_fd >= 0) close(listen_fd);
    listen_fd = -1;
    refuse_all_peers();
    logmsg("retired: the connection is the successor's");
}

static int may_hand_over(void) {
    if (!have_state || !owner || mode != SERVING || stopping || serving_deadline || child < 0) return 0;
    for (int i = 0; i < MAX_PEERS; i++)
        if (peers[i].fd >= 0 && peers[i].offered) return 0;
    return 1;
}

static void offer(struct peer *p) {
    static char msg[TOKEN_MAX + 8];
    int len = snprintf(msg, sizeof msg, "fd %s\n", state);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    memset(&c, 0, sizeof c);
    struct iovec iov = {.iov_base = msg, .iov_len = (size_t)len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fuse_fd, sizeof(int));
    if (sendmsg(p->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) != len) {
        logmsg("handover to keeper pid %d failed: %s", (int)p->pid, err_name(errno));
        close_peer(p);
        return;
    }
    p->offered = 1;
    p->len = 0;
    p->deadline = now_ns() + deadline_ns;
    logmsg("handover offered to keeper pid %d (state %s)", (int)p->pid, state);
}

static void peer_readable(struct peer *p) {
    ssize_t r = recv(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r <= 0) {
        if (p->offered) {
            /* It may have started a child that read requests and died with them: queue them again. */
            logmsg("handover to keeper pid %d abandoned: it closed the connection; we keep serving", (int)p->pid);
            if (resend && mode == SERVING) send_resend();
        }
        close_peer(p);
        return;
    }
    p->len += (size_t)r;
    p->buf[p->len] = 0;
    char *nl = strchr(p->buf, '\n');
    if (!nl) {
        if (p->len >= sizeof p->buf - 1) close_peer(p);
        return;
    }
    *nl = 0;
    if (!p->offered && !strcmp(p->buf, "take")) {
        if (!may_hand_over()) {
            logmsg("keeper pid %d asked for the connection: busy", (int)p->pid);
            send(p->fd, "busy\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
            close_peer(p);
        } else {
            offer(p);
        }
    } else if (p->offered && !strcmp(p->buf, "serving") && mode == SERVING && !stopping) {
        retire_begin(p);
    } else {
        logmsg("unexpected line from keeper pid %d: \"%.32s\"", (int)p->pid, p->buf);
        close_peer(p);
    }
}

static void accept_peer(void) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    for (int i = 0; i < MAX_PEERS; i++) {
        if (peers[i].fd >= 0) continue;
        struct ucred cred = {0};
        socklen_t cl = sizeof cred;
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
        peers[i] = (struct peer){.fd = fd, .pid = cred.pid, .deadline = now_ns() + deadline_ns};
        return;
    }
    send(fd, "busy\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
}

/* New side: our child serves; publish our socket first, so PATH never names a retiring keeper after this. */
static void became_owner(void) {
    owner = 1;
    publish_socket();
    if (pred_fd >= 0) {
        if (send(pred_fd, "serving\n", 8, MSG_NOSIGNAL) != 8) {
            logmsg("cannot tell predecessor keeper pid %d: %s", (int)pred_pid, err_name(errno));
        } else {
            logmsg("told predecessor keeper pid %d: serving", (int)pred_pid);
        }
        close(pred_fd);
        pred_fd = -1;
    }
}

static void child_line(char *line) {
    if (mode != SERVING) return; /* the retired child, or one being stopped: nothing to learn */
    if (!strncmp(line, "state ", 6) && valid_token(line + 6)) {
        parse_state(line + 6);
        logmsg("child %d state %s", (int)child, state);
    } else if (!strcmp(line, "serving")) {
        logmsg("child %d serving", (int)child);
        serving_deadline = 0;
        if (!owner) became_owner();
    } else {
        logmsg("child %d: unexpected line \"%.64s\"", (int)child, line);
    }
}

/* Reads what the child wrote; on EOF stops watching its socket. */
static void child_readable(void) {
    for (;;) {
        ssize_t r = read(child_sock, child_buf + child_len, sizeof child_buf - 1 - child_len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return; /* EAGAIN */
        if (r == 0) {
            close(child_sock);
            child_sock = -1;
            return;
        }
        child_len += (size_t)r;
        char *start = child_buf, *nl;
        while ((nl = memchr(start, '\n', child_len - (size_t)(start - child_buf)))) {
            *nl = 0;
            if (!child_discard) child_line(start);
            child_discard = 0;
            start = nl + 1;
        }
        child_len -= (size_t)(start - child_buf);
        memmove(child_buf, start, child_len);
        if (child_len == sizeof child_buf - 1) {
            logmsg("child %d: line too long, ignored", (int)child);
            child_discard = 1;
            child_len = 0;
        }
    }
}

static void child_exited(int status) {
    if (child_sock >= 0) child_readable(); /* a "state" written just before it exited */
    if (child_sock >= 0) close(child_sock);
    child_sock = -1;
    if (WIFSIGNALED(status)) {
        logmsg("child %d killed by signal %d", (int)child, WTERMSIG(status));
    } else {
        logmsg("child %d exited with status %d", (int)child, WEXITSTATUS(status));
    }
    child = -1;
    int code = status_code(status);
    if (mode == RETIRED) finish(code);
    if (mode == RETIRING) {
        kill_deadline = 0;
        retire_finish();
        if (stopping) finish(code);
        mode = RETIRED;
        spawn(1);
        return;
    }
    if (stopping) {
        if (have_state && resend && owner) send_resend(); /* for whoever else serves it (harmless if nobody) */
        finish(code);
    }
    if (!owner) {
        logmsg("child died before it served: the connection stays with the predecessor");
        finish(1);
    }
    long long t = now_ns();
    deaths[death_count++ % (max_restarts + 1)] = t;
    if (death_count > max_restarts && t - deaths[death_count % (max_restarts + 1)] < RESTART_WINDOW_NS)
        fail_abort("too many child deaths within 60 s");
    if (!have_state) {
        /* Never mounted (or never said so): our descriptor is the last; closing it ends the connection. */
        fail_abort("the child died before reporting the connection's state");
    }
    if (!resend) fail_abort("no FUSE_NOTIFY_RESEND: requests the dead child had read would wait forever");
    /* The dead child is reaped: what it had read goes back to the queue for the next (which may send its own). */
    send_resend();
    restarts++;
    spawn(0);
    serving_deadline = now_ns() + deadline_ns;
    logmsg("respawned child %d with the connection's state (restart %d)", (int)child, restarts);
}

static void on_signal(int sig) {
    if (sig == SIGCHLD) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == child) child_exited(status); /* others: orphans we reap as a container's pid 1 */
        return;
    }
    logmsg("signal %d: stopping child %d", sig, (int)child);
    if (child < 0) finish(128 + sig);
    if (!stopping || mode == RETIRED) kill(child, sig);
    stopping = 1;
    serving_deadline = 0;
    if (pred_fd >= 0) {
        close(pred_fd); /* the predecessor keeps serving */
        pred_fd = -1;
    }
    refuse_all_peers();
}

static void on_timer(void) {
    long long t = now_ns();
    if (serving_deadline && t >= serving_deadline) {
        serving_deadline = 0;
        if (!owner) {
            logmsg("child %d did not serve within the deadline: the connection stays with the predecessor", (int)child);
            finish(1);
        }
        fail_abort("the respawned child did not serve within the deadline");
    }
    if (kill_deadline && t >= kill_deadline) {
        kill_deadline = 0;
        logmsg("child %d still running at the deadline: SIGKILL", (int)child);
        if (child > 0) kill(child, SIGKILL);
    }
    for (int i = 0; i < MAX_PEERS; i++) {
        if (peers[i].fd < 0 || t < peers[i].deadline) continue;
        if (peers[i].offered) {
            logmsg("handover to keeper pid %d abandoned: no \"serving\" within the deadline; we keep serving", (int)peers[i].pid);
        }
        close_peer(&peers[i]);
    }
}

static void arm_timer(void) {
    long long next = 0;
    long long all[2 + MAX_PEERS] = {serving_deadline, kill_deadline};
    for (int i = 0; i < MAX_PEERS; i++) all[2 + i] = peers[i].fd >= 0 ? peers[i].deadline : 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i] && (!next || all[i] < next)) next = all[i];
    struct itimerspec its = {0};
    if (next) {
        its.it_value.tv_sec = next / 1000000000LL;
        its.it_value.tv_nsec = next % 1000000000LL;
        if (!its.it_value.tv_sec && !its.it_value.tv_nsec) its.it_value.tv_nsec = 1;
    }
    timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void usage(void) {
    fprintf(stderr, "usage: lxcfs-keeper [--socket PATH] [--deadline SECONDS] [--max-restarts N] -- COMMAND [ARGS...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int a = 1;
    for (; a < argc; a++) {
        char *end;
        if (!strcmp(argv[a], "--")) {
            a++;
            break;
        } else if (!strcmp(argv[a], "--socket") && a + 1 < argc) {
            socket_path = argv[++a];
        } else if (!strcmp(argv[a], "--deadline") && a + 1 < argc) {
            double s = strtod(argv[++a], &end);
            if (*end || !(s > 0) || s > 86400) usage();
            deadline_ns = (long long)(s * 1e9);
        } else if (!strcmp(argv[a], "--max-restarts") && a + 1 < argc) {
            long n = strtol(argv[++a], &end, 10);
            if (*end || n < 0 || n > MAX_RESTARTS_CAP) usage();
            max_restarts = (int)n;
        } else {
            usage();
        }
    }
    if (a >= argc) usage();
    command = argv + a;
    for (int i = 0; i < MAX_PEERS; i++) peers[i].fd = -1;
    /* Descriptors we inherited must not reach the child: it gets exactly 0-4. */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    if (socket_path && take_from_predecessor()) {
        handed_over = 1;
        logmsg("start: handed over from keeper pid %d (state %s)", (int)pred_pid, state);
    } else {
        fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fuse_fd < 0) {
            logmsg("open /dev/fuse: %s", err_name(errno));
            return 1;
        }
        owner = 1;
        logmsg("start fresh: opened /dev/fuse");
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (sig_fd < 0 || timer_fd < 0) {
        logmsg("signalfd/timerfd: %s", err_name(errno));
        return 1;
    }
    if (socket_path) {
        bind_socket();
        if (owner) publish_socket();
    }
    spawn(0);
    if (!owner) serving_deadline = now_ns() + deadline_ns;

    for (;;) {
        arm_timer();
        struct pollfd p[4 + MAX_PEERS];
        int n = 0, i_child = -1, i_listen = -1, i_pred = -1, i_peer[MAX_PEERS];
        p[n++] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = timer_fd, .events = POLLIN};
        if (child_sock >= 0) i_child = n, p[n++] = (struct pollfd){.fd = child_sock, .events = POLLIN};
        if (listen_fd >= 0) i_listen = n, p[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
        if (pred_fd >= 0) i_pred = n, p[n++] = (struct pollfd){.fd = pred_fd, .events = POLLIN};
        for (int i = 0; i < MAX_PEERS; i++) {
            i_peer[i] = -1;
            if (peers[i].fd >= 0) i_peer[i] = n, p[n++] = (struct pollfd){.fd = peers[i].fd, .events = POLLIN};
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            logmsg("poll: %s", err_name(errno));
            finish(1);
        }
        /* The child's lines before its death: a "state" written just before exiting must count. */
        if (i_child >= 0 && p[i_child].revents && child_sock >= 0) child_readable();
        if (p[0].revents) {
            struct signalfd_siginfo si;
            while (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si) on_signal((int)si.ssi_signo);
        }
        if (p[1].revents) {
            uint64_t ticks;
            ssize_t r = read(timer_fd, &ticks, sizeof ticks);
            (void)r;
            on_timer();
        }
        if (i_pred >= 0 && p[i_pred].revents && pred_fd >= 0) {
            char b[16];
            ssize_t r = recv(pred_fd, b, sizeof b, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                /* It gave up (its deadline) or died; we hold the descriptor either way and go on. */
                logmsg("predecessor keeper pid %d closed the handover connection", (int)pred_pid);
                close(pred_fd);
                pred_fd = -1;
            }
        }
        for (int i = 0; i < MAX_PEERS; i++)
            if (i_peer[i] >= 0 && p[i_peer[i]].revents && peers[i].fd >= 0) peer_readable(&peers[i]);
        if (i_listen >= 0 && p[i_listen].revents && listen_fd >= 0) accept_peer();
    }
}
