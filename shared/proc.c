/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/proc.c — bounded polling and helper programs (see proc.h). */
#include "shared/proc.h"
#include "shared/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void backoff(unsigned *step_us)
{
        struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)*step_us * 1000L };
        nanosleep(&ts, NULL);
        if (*step_us < 5000)
                *step_us *= 2;
}

int poll_until(int (*check)(void *data), void *data, unsigned timeout_ms)
{
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        unsigned step = 50;
        for (;;) {
                int r = check(data);
                if (r != 0)
                        return r;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                backoff(&step);
        }
}

/* fork + exec argv with extra environment, stdin from /dev/null (unless
 * keep_stdin), stdout to out_fd (-1: /dev/null, -2: left as it is). A pipe
 * tells whether exec itself failed: *ret_exec_errno. */
static pid_t spawn(char *const argv[], char *const env[], const char *sysroot, int out_fd, int *ret_exec_errno)
{
        int pfd[2];
        *ret_exec_errno = 0;
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                *ret_exec_errno = errno;
                return -1;
        }
        pid_t pid = fork();
        if (pid < 0) {
                *ret_exec_errno = errno;
                close(pfd[0]);
                close(pfd[1]);
                return -1;
        }
        if (pid == 0) {
                close(pfd[0]);
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                if (sysroot)
                        setenv("PGS_SYSROOT", sysroot, 1);
                int nul = open("/dev/null", O_RDWR);
                if (nul >= 0)
                        dup2(nul, 0);
                if (out_fd == -1 && nul >= 0)
                        dup2(nul, 1);
                else if (out_fd >= 0)
                        dup2(out_fd, 1);
                execvp(argv[0], argv);
                int e = errno;
                if (write(pfd[1], &e, sizeof(e)) < 0) {
                        /* the parent sees EOF and reports the exit status */
                }
                _exit(127);
        }
        close(pfd[1]);
        int e = 0;
        if (read(pfd[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
                *ret_exec_errno = e;
        close(pfd[0]);
        return pid;
}

/* wait for pid until the deadline (SIGKILL past it): exit status, 128+signal,
 * -ETIMEDOUT or -errno */
static int wait_deadline(pid_t pid, uint64_t deadline)
{
        unsigned step = 50;
        int st;
        for (;;) {
                pid_t w = waitpid(pid, &st, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (now_usec() >= deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        return -ETIMEDOUT;
                }
                backoff(&step);
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int run(char *const argv[], char *const env[], const char *sysroot, unsigned timeout_ms, int out_fd)
{
        int exec_errno;
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        pid_t pid = spawn(argv, env, sysroot, out_fd, &exec_errno);
        if (pid < 0)
                return -exec_errno;
        int rc = wait_deadline(pid, deadline);
        return exec_errno ? -exec_errno : rc;
}

int run_cmd(char *const argv[], unsigned timeout_ms, bool quiet)
{
        return run(argv, NULL, NULL, timeout_ms, quiet ? -1 : -2);
}

static const char *const bin_dirs[] = { "usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin" };

bool prog_find(const struct pgs_root *r, const char *sysroot, const char *name, char *buf, size_t size)
{
        for (size_t i = 0; i < sizeof(bin_dirs) / sizeof(bin_dirs[0]); i++) {
                char p[256];
                snprintf(p, sizeof(p), "%s/%s", bin_dirs[i], name);
                if (fs_access(r, p, X_OK) == 0) {
                        snprintf(buf, size, "%s/%s", sysroot ? sysroot : "", p);
                        return true;
                }
        }
        return false;
}

int run_prog(char *const argv[], char *const env[], const char *sysroot, unsigned timeout_ms)
{
        /* its chatter goes to stderr, not the caller's report */
        return run(argv, env, sysroot, timeout_ms, 2);
}

/* Read fd until EOF or the deadline; every chunk goes to fn. A helper that
 * hangs with its output open (or leaves a child holding it) cannot hold us
 * past the deadline: poll() bounds each wait. 0 at EOF, -ETIMEDOUT, -errno. */
static int drain(int fd, uint64_t deadline, void (*fn)(const char *buf, size_t len, void *ud), void *ud)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char buf[4096];
        for (;;) {
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                int r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                fn(buf, (size_t)n, ud);
        }
}

/* spawn with stdout on a pipe, drain it under the deadline, reap the child */
static int run_piped(char *const argv[], const char *sysroot, unsigned timeout_ms,
                     void (*fn)(const char *buf, size_t len, void *ud), void *ud)
{
        int pfd[2], exec_errno;
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        pid_t pid = spawn(argv, NULL, sysroot, pfd[1], &exec_errno);
        close(pfd[1]);
        if (pid < 0) {
                close(pfd[0]);
                return -exec_errno;
        }
        int rd = drain(pfd[0], deadline, fn, ud);
        close(pfd[0]);
        if (rd == -ETIMEDOUT)
                kill(pid, SIGKILL);
        int rc = wait_deadline(pid, rd == -ETIMEDOUT ? 0 : deadline);
        if (exec_errno)
                return -exec_errno;
        return rd < 0 ? rd : rc;
}

struct capture {
        char *out;
        size_t size, len;
};

static void capture_chunk(const char *buf, size_t len, void *ud)
{
        struct capture *c = ud;
        size_t room = c->size - 1 - c->len;
        if (len > room)
                len = room;     /* the rest is read and dropped: the child never blocks */
        memcpy(c->out + c->len, buf, len);
        c->len += len;
}

int run_capture(char *const argv[], const char *sysroot, unsigned timeout_ms, char *out, size_t size)
{
        if (size < 1)
                return -EINVAL;
        struct capture c = { out, size, 0 };
        int rc = run_piped(argv, sysroot, timeout_ms, capture_chunk, &c);
        out[c.len] = '\0';
        if (c.len && out[c.len - 1] == '\n')
                out[c.len - 1] = '\0';
        return rc;
}

struct lines {
        void (*fn)(const char *line, void *ud);
        void *ud;
        char *buf;
        size_t len, cap;
        int err;
};

static void lines_chunk(const char *b, size_t n, void *ud)
{
        struct lines *l = ud;
        for (size_t i = 0; i < n; i++) {
                if (b[i] == '\n') {
                        if (l->buf) {
                                l->buf[l->len] = '\0';
                                l->fn(l->buf, l->ud);
                        } else {
                                l->fn("", l->ud);
                        }
                        l->len = 0;
                        continue;
                }
                if (l->len + 2 > l->cap) {
                        size_t cap = l->cap ? l->cap * 2 : 256;
                        char *nb = realloc(l->buf, cap);
                        if (!nb) {
                                l->err = -ENOMEM;
                                continue;
                        }
                        l->buf = nb;
                        l->cap = cap;
                }
                l->buf[l->len++] = b[i];
        }
}

int run_lines(char *const argv[], const char *sysroot, unsigned timeout_ms, void (*fn)(const char *line, void *ud), void *ud)
{
        struct lines l = { .fn = fn, .ud = ud };
        int rc = run_piped(argv, sysroot, timeout_ms, lines_chunk, &l);
        if (l.len) {
                l.buf[l.len] = '\0';
                fn(l.buf, ud);
        }
        free(l.buf);
        return l.err ? l.err : rc;
}

struct flock_try {
        int fd;
};

static int flock_now(void *data)
{
        struct flock_try *t = data;
        return flock(t->fd, LOCK_EX | LOCK_NB) == 0 ? 1 : errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
}

int lock_open(const struct pgs_root *r, const char *path, unsigned timeout_ms)
{
        int fd = root_openat(r, path, O_RDWR | O_CREAT, 0644);
        if (fd < 0)
                return fd;
        int rc = poll_until(flock_now, &(struct flock_try){ fd }, timeout_ms);
        if (rc < 0) {
                close(fd);
                return rc;
        }
        return fd;
}
