/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/fs.c — reading, writing and linking files under the root (see
 * root.h); every path is resolved by root.c. */
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
        const char *p = root_rel(path);
        if (strlen(p) >= sizeof(buf))
                return -ENAMETOOLONG;
        if (root_has_dotdot(p))
                return -EINVAL;
        strcpy(buf, p);
        for (char *s = buf;; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;
                        *s = '\0';
                        char base[256];
                        int d = root_resolve_parent(r, buf, base, sizeof(base));
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
        const char *p = root_rel(path);
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
        int d = root_resolve_parent(r, p, base, sizeof(base));
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
        int d = root_resolve_parent(r, path, base, sizeof(base));
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
        int fd = root_resolve(r, path, O_PATH, 0);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

int fs_access(const struct pgs_root *r, const char *path, int mode)
{
        int fd = root_resolve(r, path, O_PATH, 0);
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
        int fd = root_resolve(r, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        int rc = fstat(fd, ret) < 0 ? -errno : 0;
        close(fd);
        return rc;
}

int fs_lstat(const struct pgs_root *r, const char *path, struct stat *ret)
{
        char base[256];
        int d = root_resolve_parent(r, path, base, sizeof(base));
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
        int d = root_resolve_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        int rc = symlinkat(target, d, base) < 0 ? -errno : 0;
        close(d);
        return rc;
}

/* unlinkat(2) under the root: a file, or (AT_REMOVEDIR) an empty directory */
static int unlink_in_root(const struct pgs_root *r, const char *path, int flags)
{
        char base[256];
        int d = root_resolve_parent(r, path, base, sizeof(base));
        if (d < 0)
                return d;
        int rc = unlinkat(d, base, flags) < 0 ? -errno : 0;
        close(d);
        return rc;
}

int fs_unlink(const struct pgs_root *r, const char *path)
{
        return unlink_in_root(r, path, 0);
}

int fs_rmdir(const struct pgs_root *r, const char *path)
{
        return unlink_in_root(r, path, AT_REMOVEDIR);
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
