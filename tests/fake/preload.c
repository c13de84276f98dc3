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
