/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/bench/timeit.c — one fork/exec harness for every wall-time figure:
 *   timeit [-n RUNS] [-i STDIN_FILE] [-s SETUP_CMD] -- PROG ARGS...
 * Runs SETUP_CMD (through sh, untimed) before each run, then times fork+exec+
 * wait of PROG; prints "median_us min_us max_us runs". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
        long long x = *(const long long *)a, y = *(const long long *)b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
        int runs = 200, o;
        const char *in = NULL, *setup = NULL;
        while ((o = getopt(argc, argv, "n:i:s:")) != -1) {
                if (o == 'n')
                        runs = atoi(optarg);
                else if (o == 'i')
                        in = optarg;
                else if (o == 's')
                        setup = optarg;
                else
                        return 2;
        }
        if (optind >= argc || runs < 1)
                return 2;
        long long *t = calloc((size_t)runs, sizeof(*t));
        for (int i = 0; i < runs; i++) {
                if (setup && system(setup) != 0) {
                        fprintf(stderr, "timeit: setup failed\n");
                        return 1;
                }
                int fd = in ? open(in, O_RDONLY) : open("/dev/null", O_RDONLY);
                long long t0 = now_ns();
                pid_t pid = fork();
                if (pid == 0) {
                        dup2(fd, 0);
                        int nul = open("/dev/null", O_WRONLY);
                        dup2(nul, 1);
                        dup2(nul, 2);
                        execv(argv[optind], argv + optind);
                        _exit(127);
                }
                int st;
                waitpid(pid, &st, 0);
                t[i] = now_ns() - t0;
                close(fd);
                if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
                        fprintf(stderr, "timeit: cannot run %s\n", argv[optind]);
                        return 1;
                }
        }
        qsort(t, (size_t)runs, sizeof(*t), cmp);
        printf("%lld %lld %lld %d\n", t[runs / 2] / 1000, t[0] / 1000, t[runs - 1] / 1000, runs);
        return 0;
}
