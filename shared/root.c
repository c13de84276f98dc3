/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/root.c — root-prefixed file I/O (see root.h). */
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

static const char *rel(const char *path)
{
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

/* A caller's path never names "..": what it means is only known after the
 * links before it are resolved, and the root must not be left that way. */
static bool has_dotdot(const char *p)
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
static int open_in_root(const struct pgs_root *r, const char *path, int flags, int mode)
{
        const char *p = rel(path);
        if (has_dotdot(p))
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
static int open_parent(const struct pgs_root *r, const char *path, char *base, size_t size)
{
        const char *p = rel(path);
        if (has_dotdot(p))
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
                return open_in_root(r, ".", O_PATH | O_DIRECTORY, 0);
        *sl = '\0';
        return open_in_root(r, dir, O_PATH | O_DIRECTORY, 0);
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
        return open_in_root(r, path, flags, mode);
}

/* one read() of an open attribute, one trailing newline stripped; closes fd */
static int read_str_fd(int fd, char *buf, size_t size)
{
        ssize_t n = read(fd, buf, size);
        int e = errno;
        close(fd);
        if (n < 0)
                return -e;
        if ((size_t)n >= size)
                return -EFBIG;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        return (int)n;
}

int fs_read_str(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        if (size < 2)
                return -EINVAL;
        int fd = root_openat(r, path, O_RDONLY, 0);
        return fd < 0 ? fd : read_str_fd(fd, buf, size);
}

int fs_read_file(const struct pgs_root *r, const char *path, size_t max, char **ret, size_t *ret_len)
{
        int fd = root_openat(r, path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
        /* grow as the file does: max is a limit, not a size (a journal may be
         * allowed 64 MiB and hold 2 KiB) */
        struct stat st;
        size_t cap = 4096;
        if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size < max)
                cap = (size_t)st.st_size + 1;
        if (cap > max + 1)
                cap = max + 1;
        char *buf = malloc(cap + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        size_t len = 0;
        int rc = 0;
        for (;;) {
                if (len == cap) {
                        if (cap > max) {
                                rc = -EFBIG;
                                break;
                        }
                        size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        char *nb = realloc(buf, nc + 1);
                        if (!nb) {
                                rc = -ENOMEM;
                                break;
                        }
                        buf = nb;
                        cap = nc;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        rc = -errno;
                        break;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max) {
                        rc = -EFBIG;
                        break;
                }
        }
        close(fd);
        if (rc < 0) {
                free(buf);
                return rc;
        }
        buf[len] = '\0';
        *ret = buf;
        if (ret_len)
                *ret_len = len;
        return 0;
}

int parse_u64(const char *s, int base, uint64_t *ret)
{
        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                s += 2;
                base = 16;
                if (!*s)
                        return -EINVAL;
        } else if (base == 0) {
                base = 10;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, base);
        if (errno == ERANGE)
                return -ERANGE;
        if (end == s)
                return -EINVAL;
        if (*end == '\n')
                end++;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int fs_read_u64(const struct pgs_root *r, const char *path, int base, uint64_t *ret)
{
        char buf[64];
        int n = fs_read_str(r, path, buf, sizeof(buf));
        if (n < 0)
                return n;
        return parse_u64(buf, base, ret);
}

int fs_write_str(const struct pgs_root *r, const char *path, const char *value)
{
        int fd = root_openat(r, path, O_WRONLY, 0);
        if (fd < 0)
                return fd;
        /* a zero-length write never reaches a sysfs/cgroup store method:
         * an empty value is written as a lone newline */
        if (!*value)
                value = "\n";
        size_t len = strlen(value);
        ssize_t n = write(fd, value, len);
        int rc = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
        /* sysfs reports some errors only at close */
        if (close(fd) < 0 && rc == 0 && errno != EINTR)
                rc = -errno;
        return rc;
}

int fs_mkdir_p(const struct pgs_root *r, const char *path, int mode)
{
        char buf[4096];
        const char *p = rel(path);
        if (strlen(p) >= sizeof(buf))
                return -ENAMETOOLONG;
        if (has_dotdot(p))
                return -EINVAL;
        strcpy(buf, p);
        for (char *s = buf;; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;
                        *s = '\0';
                        char base[256];
                        int d = open_parent(r, buf, base, sizeof(base));
                        if (d < 0)
                                return d;
                        int rc = mkdirat(d, base, mode) < 0 && errno != EEXIST ? -errno : 0;
                        close(d);
                        if (rc < 0)
                                return rc;
                        *s = c;
                        if (!c)
                                break;
                }
        }
        return 0;
}

int fs_write_file_atomic(const struct pgs_root *r, const char *path, const char *data, size_t len, int mode)
{
        char dir[4096], base[256], tmp[300];
        const char *p = rel(path);
        if (strlen(p) >= sizeof(dir))
                return -ENAMETOOLONG;
        strcpy(dir, p);
        char *slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                int rc = fs_mkdir_p(r, dir, 0755);
                if (rc < 0)
                        return rc;
        }
        int d = open_parent(r, p, base, sizeof(base));
        if (d < 0)
                return d;
        snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", base, (int)getpid());
        /* O_EXCL|O_NOFOLLOW: a link planted under the temporary name is not followed */
        unlinkat(d, tmp, 0);
        int fd = openat(d, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
                int e = errno;
                close(d);
                return -e;
        }
        int rc = 0;
        size_t off = 0;
        while (off < len) {
                ssize_t n = write(fd, data + off, len - off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        rc = -errno;
                        break;
                }
                off += (size_t)n;
        }
        if (rc == 0 && fchmod(fd, (mode_t)mode) < 0)
                rc = -errno;
        if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
                rc = -errno;
        if (close(fd) < 0 && rc == 0)
                rc = -errno;
        if (rc == 0 && renameat(d, tmp, d, base) < 0)
                rc = -errno;
        if (rc < 0)
                unlinkat(d, tmp, 0);
        close(d);
        return rc;
}

int fs_readlink(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        char base[256];
        int d = open_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        ssize_t n = readlinkat(d, base, buf, size);
        int e = errno;
        close(d);
        if (n < 0)
                return -e;
        if ((size_t)n >= size)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        return (int)n;
}

/* the last component of a link's target */
static int link_base(const char *target, char *buf, size_t size)
{
        const char *b = strrchr(target, '/');
        b = b ? b + 1 : target;
        if (strlen(b) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, b);
        return (int)strlen(buf);
}

int fs_readlink_base(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        char target[4096];
        int n = fs_readlink(r, path, target, sizeof(target));
        return n < 0 ? n : link_base(target, buf, size);
}

bool fs_exists(const struct pgs_root *r, const char *path)
{
        int fd = open_in_root(r, path, O_PATH, 0);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

int fs_access(const struct pgs_root *r, const char *path, int mode)
{
        int fd = open_in_root(r, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        int rc = faccessat(fd, "", mode, AT_EMPTY_PATH) < 0 ? -errno : 0;
        if (rc == -EINVAL) {
                /* faccessat without AT_EMPTY_PATH support (older libcs): by /proc */
                char p[64];
                snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
                rc = access(p, mode) < 0 ? -errno : 0;
        }
        close(fd);
        return rc;
}

int fs_stat(const struct pgs_root *r, const char *path, struct stat *ret)
{
        int fd = open_in_root(r, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        int rc = fstat(fd, ret) < 0 ? -errno : 0;
        close(fd);
        return rc;
}

int fs_lstat(const struct pgs_root *r, const char *path, struct stat *ret)
{
        char base[256];
        int d = open_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        int rc = fstatat(d, base, ret, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
        close(d);
        return rc;
}

bool fs_lexists(const struct pgs_root *r, const char *path)
{
        struct stat st;
        return fs_lstat(r, path, &st) == 0;
}

int fs_symlink(const struct pgs_root *r, const char *target, const char *path)
{
        char base[256];
        int d = open_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        int rc = symlinkat(target, d, base) < 0 ? -errno : 0;
        close(d);
        return rc;
}

int fs_unlink(const struct pgs_root *r, const char *path)
{
        char base[256];
        int d = open_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        int rc = unlinkat(d, base, 0) < 0 ? -errno : 0;
        close(d);
        return rc;
}

int fs_scandir(const struct pgs_root *r, const char *path, struct dirent ***ret,
               int (*filter)(const struct dirent *), int (*compar)(const struct dirent **, const struct dirent **))
{
        int d = open_in_root(r, path, O_RDONLY | O_DIRECTORY, 0);
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
        return open_in_root(r, path, O_PATH | O_DIRECTORY, 0);
}

static bool one_component(const char *name)
{
        return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

int fs_read_str_at(int dfd, const char *name, char *buf, size_t size)
{
        if (size < 2 || !one_component(name))
                return -EINVAL;
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : read_str_fd(fd, buf, size);
}

int fs_readlink_base_at(int dfd, const char *name, char *buf, size_t size)
{
        char target[4096];
        if (!one_component(name))
                return -EINVAL;
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        return link_base(target, buf, size);
}
