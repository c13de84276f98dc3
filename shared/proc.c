/* shared/proc.c — bounded polling and helper programs (see proc.h). */
#include "shared/proc.h"
#include "shared/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
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

int run_cmd(char *const argv[], unsigned timeout_ms, bool quiet)
{
        int pfd[2];
        /* the pipe tells the parent whether exec itself failed */
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(pfd[0]);
                close(pfd[1]);
                return -e;
        }
        if (pid == 0) {
                close(pfd[0]);
                if (quiet) {
                        int nul = open("/dev/null", O_WRONLY);
                        if (nul >= 0)
                                dup2(nul, 1);
                }
                execvp(argv[0], argv);
                int e = errno;
                if (write(pfd[1], &e, sizeof(e)) < 0) {
                        /* parent sees EOF and reports a generic failure */
                }
                _exit(127);
        }
        close(pfd[1]);
        int exec_errno = 0;
        ssize_t n = read(pfd[0], &exec_errno, sizeof(exec_errno));
        close(pfd[0]);
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        unsigned step = 50;
        int status;
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (now_usec() >= deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        return -ETIMEDOUT;
                }
                backoff(&step);
        }
        if (n == (ssize_t)sizeof(exec_errno))
                return -exec_errno;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static const char *const bin_dirs[] = { "usr/local/sbin", "usr/local/bin", "usr/sbin", "usr/bin", "sbin", "bin" };

bool prog_find(const struct pgs_root *r, const char *sysroot, const char *name, char *buf, size_t size)
{
        for (size_t i = 0; i < sizeof(bin_dirs) / sizeof(bin_dirs[0]); i++) {
                char p[256];
                snprintf(p, sizeof(p), "%s/%s", bin_dirs[i], name);
                if (faccessat(r->fd, p, X_OK, 0) == 0) {
                        snprintf(buf, size, "%s/%s", sysroot ? sysroot : "", p);
                        return true;
                }
        }
        return false;
}

int run_prog(char *const argv[], char *const env[], const char *sysroot, unsigned timeout_ms)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                if (sysroot)
                        setenv("PGS_SYSROOT", sysroot, 1);
                int nul = open("/dev/null", O_RDONLY);
                if (nul >= 0)
                        dup2(nul, 0);
                dup2(2, 1);     /* its chatter goes to stderr, not the caller's report */
                execvp(argv[0], argv);
                fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        int st;
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        unsigned step = 50;
        for (;;) {
                pid_t w = waitpid(pid, &st, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (now_usec() > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        return -ETIMEDOUT;
                }
                backoff(&step);
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int run_capture(char *const argv[], const char *sysroot, unsigned timeout_ms, char *out, size_t size)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return -errno;
        }
        if (pid == 0) {
                if (sysroot)
                        setenv("PGS_SYSROOT", sysroot, 1);
                int nul = open("/dev/null", O_RDONLY);
                if (nul >= 0)
                        dup2(nul, 0);
                dup2(pfd[1], 1);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(pfd[1]);
        size_t len = 0;
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        for (;;) {
                ssize_t n = read(pfd[0], out + len, size - 1 - len);
                if (n > 0 && len + (size_t)n < size - 1) {
                        len += (size_t)n;
                        continue;
                }
                if (n > 0)
                        len += (size_t)n;
                if (n < 0 && errno == EINTR && now_usec() < deadline)
                        continue;
                break;
        }
        close(pfd[0]);
        out[len] = '\0';
        if (len && out[len - 1] == '\n')
                out[len - 1] = '\0';
        int st;
        while (waitpid(pid, &st, WNOHANG) == 0) {
                if (now_usec() > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        return -ETIMEDOUT;
                }
                unsigned step = 200;
                backoff(&step);
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
