/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fake/preload.c — LD_PRELOAD shim: every write() into PGS_FAKE_ROOT
 * goes through the fake kernel (fakesys.c) first. Only the dynamic test build
 * of the programs can be preloaded; the static pgs-early meets the real kernel
 * in the QEMU guest tests instead. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fake/fakesys.h"

static __thread int busy;

ssize_t write(int fd, const void *buf, size_t len)
{
        static ssize_t (*real)(int, const void *, size_t);
        static char root[PATH_MAX];
        static size_t rootlen;
        if (!real)
                real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
        if (busy)
                return real(fd, buf, len);
        if (len == 0)
                return 0;       /* as kernfs: an empty write never reaches the attribute */
        if (!rootlen) {
                const char *r = getenv("PGS_FAKE_ROOT");
                if (!r || !realpath(r, root))
                        return real(fd, buf, len);
                rootlen = strlen(root);
        }
        char lp[64], path[PATH_MAX];
        snprintf(lp, sizeof(lp), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(lp, path, sizeof(path) - 1);
        if (n <= 0)
                return real(fd, buf, len);
        path[n] = '\0';
        if (strncmp(path, root, rootlen) != 0 || path[rootlen] != '/')
                return real(fd, buf, len);
        ssize_t ret;
        busy = 1;
        int handled = fake_handle_write(root, path + rootlen + 1, buf, len, &ret);
        busy = 0;
        if (!handled)
                return real(fd, buf, len);
        if (ret < 0) {
                errno = (int)-ret;
                return -1;
        }
        return ret;
}

/* The host tier asks for this: its module loads under a sysroot come here. */
int pgs_fake_kernel(void)
{
        return 1;
}

/* finit_module(2) and init_module(2), as libkmod calls them (through
 * syscall() and libc's init_module): a module file under PGS_FAKE_ROOT is
 * "loaded" by the fake kernel (its driver registers and probes); anything
 * else is refused. Nothing ever reaches the running kernel. */
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long n, ...)
{
        static long (*real)(long, ...);
        if (!real)
                real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
        va_list ap;
        va_start(ap, n);
        long a[6];
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);
        if (n != SYS_finit_module && n != SYS_init_module)
                return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
        char root[PATH_MAX], lp[64], path[PATH_MAX];
        const char *r = getenv("PGS_FAKE_ROOT");
        ssize_t k = -1;
        if (n == SYS_finit_module) {
                snprintf(lp, sizeof(lp), "/proc/self/fd/%d", (int)a[0]);
                k = readlink(lp, path, sizeof(path) - 1);
        }
        if (!r || !realpath(r, root) || k <= 0) {
                errno = EPERM;  /* the fake kernel loads only files of its tree */
                return -1;
        }
        path[k] = '\0';
        int rc = fake_insmod(root, path);
        if (rc < 0) {
                errno = -rc;
                return -1;
        }
        return 0;
}

int init_module(void *image, unsigned long len, const char *args)
{
        (void)image;
        (void)len;
        (void)args;
        errno = EPERM;          /* compressed modules: not modelled; never the real kernel */
        return -1;
}
