/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/root.c — the root: opening it, resolving a path inside it, listing
 * a directory (see root.h; the file operations are in fs.c). */
#include "shared/root-internal.h"
#include "shared/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *root_rel(const char *path)
{
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

/* A caller's path never names "..": what it means is only known after the
 * links before it are resolved, and the root must not be left that way. */
bool root_has_dotdot(const char *p)
{
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
                        return true;
        return false;
}

/* openat2(2) with RESOLVE_IN_ROOT: every symlink (sysfs is made of relative
 * ones full of "../", and an absolute one means the root's own /) resolves as
 * if the root were "/": ".." stops at it. musl has no wrapper, so syscall(). */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct pgs_open_how {
        uint64_t flags, mode, resolve;
};
#define PGS_RESOLVE_IN_ROOT 0x10

/* The same, for kernels without openat2 (before 5.6): the path is resolved as
 * text, a component at a time, each symlink read and its target walked from
 * the root (absolute) or from its directory (relative), ".." never above the
 * root; then the resolved path, which names no symlink, is opened. */
static int walk_in_root(int rootfd, const char *path, int flags, int mode)
{
        char res[4096] = "", queue[8192];
        size_t rl = 0;
        int links = 0;
        if (snprintf(queue, sizeof(queue), "%s", path) >= (int)sizeof(queue))
                return -ENAMETOOLONG;
        char *q = queue;
        for (;;) {
                while (*q == '/')
                        q++;
                if (!*q)
                        break;
                size_t n = strcspn(q, "/");
                char comp[256];
                if (n >= sizeof(comp))
                        return -ENAMETOOLONG;
                memcpy(comp, q, n);
                comp[n] = '\0';
                q += n;
                if (!strcmp(comp, "."))
                        continue;
                if (!strcmp(comp, "..")) {
                        char *sl = strrchr(res, '/');
                        rl = sl ? (size_t)(sl - res) : 0;
                        res[rl] = '\0';
                        continue;
                }
                if (rl + 1 + n + 1 > sizeof(res))
                        return -ENAMETOOLONG;
                size_t prev = rl;
                rl += (size_t)sprintf(res + rl, "%s%s", rl ? "/" : "", comp);
                bool last = !q[strspn(q, "/")];
                if (last && (flags & O_NOFOLLOW))
                        break;
                char target[4096];
                ssize_t tl = readlinkat(rootfd, res, target, sizeof(target) - 1);
                if (tl < 0)
                        continue;       /* not a link (or missing: the open says which) */
                if (++links > 40)
                        return -ELOOP;
                target[tl] = '\0';
                char next[8192];
                if (snprintf(next, sizeof(next), "%s/%s", target, q) >= (int)sizeof(next))
                        return -ENAMETOOLONG;
                strcpy(queue, next);
                q = queue;
                rl = target[0] == '/' ? 0 : prev;       /* the link's own directory */
                res[rl] = '\0';
        }
        int fd = openat(rootfd, rl ? res : ".", flags | O_CLOEXEC, mode);
        return fd < 0 ? -errno : fd;
}

static int have_openat2 = 1;

void root_test_walk_only(bool on)
{
        have_openat2 = !on;
}

/* open path under the root, resolved inside it; -EINVAL for a ".." */
int root_resolve(const struct pgs_root *r, const char *path, int flags, int mode)
{
        const char *p = root_rel(path);
        if (root_has_dotdot(p))
                return -EINVAL;
        if (have_openat2) {
                struct pgs_open_how how = {
                        .flags = (uint64_t)(flags | O_CLOEXEC),
                        .mode = (flags & O_CREAT) ? (uint64_t)mode : 0,
                        .resolve = PGS_RESOLVE_IN_ROOT,
                };
                /* EAGAIN: a rename or mount raced the lookup of a ".." (sysfs
                 * links are made of them, and devices appear while we look:
                 * new VFs). openat2(2) says retry; one that keeps racing is
                 * resolved by our own walk, which needs no such check. */
                long fd = -1;
                for (int tries = 0; tries < 8; tries++) {
                        fd = syscall(SYS_openat2, r->fd, p, &how, sizeof(how));
                        if (fd >= 0)
                                return (int)fd;
                        if (errno != EAGAIN)
                                break;
                }
                if (errno == EAGAIN)
                        return walk_in_root(r->fd, p, flags, mode);
                if (errno != ENOSYS)
                        return -errno;
                have_openat2 = 0;
        }
        return walk_in_root(r->fd, p, flags, mode);
}

/* the directory holding path's last component, opened inside the root, and
 * that component: for what must act on a name itself (readlink, unlink,
 * rename, mkdir, create) */
int root_resolve_parent(const struct pgs_root *r, const char *path, char *base, size_t size)
{
        const char *p = root_rel(path);
        if (root_has_dotdot(p))
                return -EINVAL;
        char dir[4096];
        if (strlen(p) >= sizeof(dir))
                return -ENAMETOOLONG;
        strcpy(dir, p);
        size_t l = strlen(dir);
        while (l > 1 && dir[l - 1] == '/')
                dir[--l] = '\0';
        char *sl = strrchr(dir, '/');
        const char *b = sl ? sl + 1 : dir;
        if (strlen(b) >= size || !strcmp(b, "."))
                return -EINVAL;
        strcpy(base, b);
        if (!sl)
                return root_resolve(r, ".", O_PATH | O_DIRECTORY, 0);
        *sl = '\0';
        return root_resolve(r, dir, O_PATH | O_DIRECTORY, 0);
}

int root_open(struct pgs_root *r, const char *dir)
{
        if (!dir || !*dir)
                dir = "/";
        if (strlen(dir) >= sizeof(r->dir))
                return -ENAMETOOLONG;
        int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r->fd = fd;
        strcpy(r->dir, dir);
        return 0;
}

void root_close(struct pgs_root *r)
{
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

int root_openat(const struct pgs_root *r, const char *path, int flags, int mode)
{
        return root_resolve(r, path, flags, mode);
}

int fs_scandir(const struct pgs_root *r, const char *path, struct dirent ***ret,
               int (*filter)(const struct dirent *), int (*compar)(const struct dirent **, const struct dirent **))
{
        int d = root_resolve(r, path, O_RDONLY | O_DIRECTORY, 0);
        if (d < 0)
                return d;
        DIR *dir = fdopendir(d);
        if (!dir) {
                int e = errno;
                close(d);
                return -e;
        }
        /* scandir(3) by hand: musl has no scandirat */
        struct dirent **v = NULL, *de;
        size_t n = 0, cap = 0;
        int rc = 0;
        while ((de = readdir(dir))) {
                if (filter && !filter(de))
                        continue;
                if (n == cap) {
                        size_t nc = cap ? cap * 2 : 32;
                        struct dirent **nv = realloc(v, nc * sizeof(*nv));
                        if (!nv) {
                                rc = -ENOMEM;
                                break;
                        }
                        v = nv;
                        cap = nc;
                }
                size_t sz = offsetof(struct dirent, d_name) + strlen(de->d_name) + 1;
                if (!(v[n] = malloc(sz < sizeof(*de) ? sizeof(*de) : sz))) {
                        rc = -ENOMEM;
                        break;
                }
                memcpy(v[n], de, sz);
                n++;
        }
        closedir(dir);
        if (rc < 0 || n > INT_MAX) {
                while (n)
                        free(v[--n]);
                free(v);
                return rc < 0 ? rc : -EOVERFLOW;
        }
        if (compar && n > 1)
                qsort(v, n, sizeof(*v), (int (*)(const void *, const void *))compar);
        *ret = v;
        return (int)n;
}

char *path_fmt(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= size) {
                errno = ENAMETOOLONG;
                buf[0] = '\0';
                return NULL;
        }
        return buf;
}

int fs_dir_open(const struct pgs_root *r, const char *path)
{
        return root_resolve(r, path, O_PATH | O_DIRECTORY, 0);
}
