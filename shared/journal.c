/* shared/journal.c — the change journal (see journal.h). */
#include "shared/journal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "shared/proc.h"

bool uuid_valid(const char *s)
{
        static const int dash[] = { 8, 13, 18, 23 };
        if (!s || strlen(s) != 36)
                return false;
        for (int i = 0; i < 36; i++) {
                bool d = i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3];
                if (d ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                        return false;
        }
        return true;
}

int journal_lock(const struct pgs_root *r, unsigned timeout_ms)
{
        int rc = fs_mkdir_p(r, "run/pgs/shared", 0755);
        if (rc < 0)
                return rc;
        int fd = root_openat(r, "run/pgs/lock", O_RDWR | O_CREAT, 0644);
        if (fd < 0)
                return fd;
        uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
        while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (now_usec() > deadline) {
                        close(fd);
                        return -ETIMEDOUT;
                }
                usleep(2000);
        }
        return fd;
}

void journal_unlock(int fd)
{
        if (fd >= 0)
                close(fd);
}

static int append(const struct pgs_root *r, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int append(const struct pgs_root *r, const char *path, const char *fmt, ...)
{
        char line[1200];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(line))
                return -ENAMETOOLONG;
        int fd = root_openat(r, path, O_WRONLY | O_APPEND | O_CREAT, 0600);
        if (fd < 0)
                return fd;
        ssize_t w = write(fd, line, (size_t)n);
        int rc = w == n ? 0 : w < 0 ? -errno : -EIO;
        if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
                rc = -errno;
        close(fd);
        return rc;
}

bool journal_exists(const struct pgs_root *r, const char *uuid)
{
        char p[64];
        return uuid_valid(uuid) && path_fmt(p, sizeof(p), "run/pgs/%s", uuid) && fs_exists(r, p);
}

int journal_open(struct journal *j, const struct pgs_root *r, const char *uuid, const char *name)
{
        if (!uuid_valid(uuid))
                return -EINVAL;
        *j = (struct journal){ .root = r };
        snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
        snprintf(j->path, sizeof(j->path), "run/pgs/%s", uuid);
        if (fs_exists(r, j->path))
                return 0;
        char esc[600];
        size_t k = 0;
        for (const char *s = name; *s && k + 4 < sizeof(esc); s++)
                k += (size_t)snprintf(esc + k, sizeof(esc) - k, isgraph((unsigned char)*s) && *s != '/' && *s != '%' ? "%c" : "%%%02x",
                                      (unsigned char)*s);
        esc[k] = '\0';
        return append(r, j->path, "# pgs-hook 1\nname %s\n", esc);
}

/* run/pgs/shared/<key>: the path with '/' as '!' */
static void shared_key(const char *path, char *buf, size_t size)
{
        size_t k = (size_t)snprintf(buf, size, "run/pgs/shared/");
        for (const char *s = path; *s && k + 1 < size; s++)
                buf[k++] = *s == '/' ? '!' : *s;
        buf[k] = '\0';
}

static bool holds(const char *text, const char *uuid)
{
        char h[64];
        snprintf(h, sizeof(h), "holder %s\n", uuid);
        return strstr(text, h) != NULL;
}

int journal_hold_set(struct journal *j, const char *path, const char *value)
{
        char key[512], cur[256];
        shared_key(path, key, sizeof(key));
        int rc = fs_read_str(j->root, path, cur, sizeof(cur));
        if (rc < 0)
                return rc;
        char *st = NULL;
        size_t len;
        if (fs_read_file(j->root, key, 64 * 1024, &st, &len) == 0) {
                if (!holds(st, j->uuid)) {
                        rc = append(j->root, j->path, "hold %s\n", path);
                        if (rc == 0)
                                rc = append(j->root, key, "holder %s\n", j->uuid);
                }
                free(st);
        } else {
                /* first holder: the original value is kept before anything changes */
                char body[1024];
                snprintf(body, sizeof(body), "orig %s\npath %s\nholder %s\n", cur, path, j->uuid);
                rc = append(j->root, j->path, "hold %s\n", path);
                if (rc == 0)
                        rc = fs_write_file_atomic(j->root, key, body, strlen(body), 0600);
        }
        if (rc < 0)
                return rc;
        if (strcmp(cur, value) == 0)
                return 0;
        rc = fs_write_str(j->root, path, value);
        if (rc < 0)
                return rc;
        if (fs_read_str(j->root, path, cur, sizeof(cur)) < 0 || strcmp(cur, value) != 0)
                return -EIO;    /* written but not taken: the kernel kept its value */
        return 0;
}

int journal_pages_begin(struct journal *j, const char *path, unsigned long prev)
{
        return append(j->root, j->path, "pages-begin %s %lu\n", path, prev);
}

int journal_pages_end(struct journal *j, const char *path, unsigned long delta)
{
        return append(j->root, j->path, "pages %s %lu\n", path, delta);
}

static void say(void (*report)(void *, const char *), void *ud, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(void (*report)(void *, const char *), void *ud, const char *fmt, ...)
{
        if (!report)
                return;
        char m[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof(m), fmt, ap);
        va_end(ap);
        report(ud, m);
}

static int undo_hold(const struct pgs_root *r, const char *uuid, const char *path, void (*report)(void *, const char *), void *ud)
{
        char key[512];
        shared_key(path, key, sizeof(key));
        char *st;
        size_t len;
        if (fs_read_file(r, key, 64 * 1024, &st, &len) < 0)
                return 0;       /* already given back */
        char orig[256] = "", h[64];
        bool others = false;
        char *copy = strdup(st), *save, *line;
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!strncmp(line, "orig ", 5))
                        snprintf(orig, sizeof(orig), "%s", line + 5);
                else if (!strncmp(line, "holder ", 7) && strcmp(line + 7, uuid) != 0)
                        others = true;
        }
        free(copy);
        int rc = 0;
        if (others) {
                /* another domain still needs it: only leave the holder list */
                snprintf(h, sizeof(h), "holder %s\n", uuid);
                char *p = strstr(st, h);
                if (p) {
                        memmove(p, p + strlen(h), strlen(p + strlen(h)) + 1);
                        rc = fs_write_file_atomic(r, key, st, strlen(st), 0600);
                }
                say(report, ud, "%s: still needed by another VM; left as it is", path);
        } else {
                char cur[256];
                if (fs_read_str(r, path, cur, sizeof(cur)) >= 0 && strcmp(cur, orig) != 0)
                        rc = fs_write_str(r, path, orig);
                if (rc == 0)
                        unlinkat(r->fd, key, 0);
                say(report, ud, rc == 0 ? "%s: back to %s" : "%s: could not put back %s", path, orig);
        }
        free(st);
        return rc;
}

static int undo_pages(const struct pgs_root *r, const char *path, unsigned long delta, void (*report)(void *, const char *), void *ud)
{
        uint64_t cur;
        int rc = fs_read_u64(r, path, 10, &cur);
        if (rc < 0)
                return rc;
        unsigned long target = cur > delta ? (unsigned long)(cur - delta) : 0;
        char v[32];
        snprintf(v, sizeof(v), "%lu", target);
        rc = fs_write_str(r, path, v);
        say(report, ud, rc == 0 ? "%s: gave back %lu pages (%lu -> %lu)" : "%s: could not give back %lu pages (%lu -> %lu)", path, delta,
            (unsigned long)cur, target);
        return rc;
}

int journal_undo(const struct pgs_root *r, const char *uuid, void (*report)(void *ud, const char *msg), void *ud)
{
        if (!uuid_valid(uuid))
                return -EINVAL;
        char jp[64];
        snprintf(jp, sizeof(jp), "run/pgs/%s", uuid);
        char *t;
        size_t len;
        int rc = fs_read_file(r, jp, 1 << 20, &t, &len);
        if (rc == -ENOENT)
                return 0;
        if (rc < 0)
                return rc;
        /* lines newest first */
        char *lines[4096];
        size_t n = 0;
        char *save;
        for (char *l = strtok_r(t, "\n", &save); l && n < 4096; l = strtok_r(NULL, "\n", &save))
                lines[n++] = l;
        int first = 0;
        for (size_t i = n; i-- > 0;) {
                char path[512];
                unsigned long v;
                int r2 = 0;
                if (sscanf(lines[i], "hold %511s", path) == 1) {
                        r2 = undo_hold(r, uuid, path, report, ud);
                } else if (sscanf(lines[i], "pages %511s %lu", path, &v) == 2) {
                        r2 = v ? undo_pages(r, path, v, report, ud) : 0;
                } else if (sscanf(lines[i], "pages-begin %511s %lu", path, &v) == 2) {
                        /* a growth that never reached its `pages` line: back to where it began */
                        bool ended = false;
                        for (size_t k = i + 1; k < n; k++)
                                if (!strncmp(lines[k], "pages ", 6) && strstr(lines[k], path))
                                        ended = true;
                        if (!ended) {
                                char val[32];
                                snprintf(val, sizeof(val), "%lu", v);
                                r2 = fs_write_str(r, path, val);
                                say(report, ud, "%s: back to %lu (an unfinished allocation)", path, v);
                        }
                }
                if (r2 < 0 && !first)
                        first = r2;
        }
        free(t);
        if (first == 0)
                unlinkat(r->fd, jp, 0);
        return first;
}

int journal_name(const struct pgs_root *r, const char *uuid, char *buf, size_t size)
{
        char jp[64], *t;
        size_t len;
        snprintf(jp, sizeof(jp), "run/pgs/%s", uuid);
        int rc = fs_read_file(r, jp, 1 << 20, &t, &len);
        if (rc < 0)
                return rc;
        char *p = strstr(t, "\nname ");
        rc = -ENOENT;
        if (p) {
                p += 6;
                size_t k = 0;
                for (; *p && *p != '\n' && k + 1 < size; p++) {
                        unsigned x;
                        if (*p == '%' && sscanf(p + 1, "%2x", &x) == 1) {
                                buf[k++] = (char)x;
                                p += 2;
                        } else {
                                buf[k++] = *p;
                        }
                }
                buf[k] = '\0';
                rc = 0;
        }
        free(t);
        return rc;
}
