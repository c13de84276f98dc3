/* shared/root.c — root-prefixed file I/O (see root.h). */
#include "shared/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *rel(const char *path)
{
        while (*path == '/')
                path++;
        return *path ? path : ".";
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
        int fd = openat(r->fd, rel(path), flags | O_CLOEXEC, mode);
        return fd < 0 ? -errno : fd;
}

int fs_read_str(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        if (size < 2)
                return -EINVAL;
        int fd = root_openat(r, path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
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

int fs_read_file(const struct pgs_root *r, const char *path, size_t max, char **ret, size_t *ret_len)
{
        int fd = root_openat(r, path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
        char *buf = malloc(max + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        size_t len = 0;
        int rc = 0;
        for (;;) {
                ssize_t n = read(fd, buf + len, max + 1 - len);
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
        strcpy(buf, p);
        for (char *s = buf;; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;
                        *s = '\0';
                        if (mkdirat(r->fd, buf, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *s = c;
                        if (!c)
                                break;
                }
        }
        return 0;
}

int fs_write_file_atomic(const struct pgs_root *r, const char *path, const char *data, size_t len, int mode)
{
        char dir[4096], tmp[4096];
        const char *p = rel(path);
        if (strlen(p) + 16 >= sizeof(tmp))
                return -ENAMETOOLONG;
        strcpy(dir, p);
        char *slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                int rc = fs_mkdir_p(r, dir, 0755);
                if (rc < 0)
                        return rc;
        }
        snprintf(tmp, sizeof(tmp), "%s.%d.tmp", p, (int)getpid());
        int fd = openat(r->fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
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
        if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
                rc = -errno;
        if (close(fd) < 0 && rc == 0)
                rc = -errno;
        if (rc == 0 && renameat(r->fd, tmp, r->fd, p) < 0)
                rc = -errno;
        if (rc < 0)
                unlinkat(r->fd, tmp, 0);
        return rc;
}

int fs_readlink(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        ssize_t n = readlinkat(r->fd, rel(path), buf, size);
        if (n < 0)
                return -errno;
        if ((size_t)n >= size)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        return (int)n;
}

int fs_readlink_base(const struct pgs_root *r, const char *path, char *buf, size_t size)
{
        char target[4096];
        int n = fs_readlink(r, path, target, sizeof(target));
        if (n < 0)
                return n;
        const char *b = strrchr(target, '/');
        b = b ? b + 1 : target;
        if (strlen(b) >= size)
                return -ENAMETOOLONG;
        strcpy(buf, b);
        return (int)strlen(buf);
}

bool fs_exists(const struct pgs_root *r, const char *path)
{
        return faccessat(r->fd, rel(path), F_OK, 0) == 0;
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
