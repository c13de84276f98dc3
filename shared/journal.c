/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/journal.c — the change journal (see journal.h). */
#include "shared/journal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* run/pgs and run/pgs/shared hold what release will write back: each must be
 * a real directory (not a link), ours, and writable by nobody else */
static int dir_trusted(const struct pgs_root *r, const char *path)
{
        struct stat st;
        int rc = fs_lstat(r, path, &st);
        if (rc < 0)
                return rc;
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
                return -EPERM;
        return 0;
}

int journal_lock(const struct pgs_root *r, unsigned timeout_ms)
{
        int rc = fs_mkdir_p(r, "run/pgs/shared", 0755);
        if (rc < 0)
                return rc;
        if ((rc = dir_trusted(r, "run/pgs")) < 0 || (rc = dir_trusted(r, "run/pgs/shared")) < 0)
                return rc;
        int fd = lock_open(r, "run/pgs/lock", timeout_ms);
        if (fd < 0)
                return fd;
        /* every writer holds this lock: a temporary file left here is one a
         * killed writer never renamed (fs_write_file_atomic's .NAME.PID.tmp) */
        const char *dirs[] = { "run/pgs", "run/pgs/shared" };
        for (int k = 0; k < 2; k++) {
                struct dirent **list;
                int n = fs_scandir(r, dirs[k], &list, NULL, NULL);
                for (int i = 0; i < n; i++) {
                        const char *d = list[i]->d_name;
                        size_t l = strlen(d);
                        if (d[0] == '.' && l > 5 && !strcmp(d + l - 4, ".tmp")) {
                                char p[600];
                                snprintf(p, sizeof(p), "%s/%s", dirs[k], d);
                                fs_unlink(r, p);
                        }
                        free(list[i]);
                }
                if (n >= 0)
                        free(list);
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

int journal_open(struct journal *j, const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, const char *name)
{
        if (!uuid_valid(uuid))
                return -EINVAL;
        *j = (struct journal){ .root = r, .ops = ops };
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

/* A value is a file under the root, or a key of a registered store. */
static const struct journal_store *store_of(const struct journal_ops *ops, const char *path)
{
        for (size_t i = 0; ops && i < ops->n_stores; i++)
                if (!strncmp(path, ops->stores[i].prefix, strlen(ops->stores[i].prefix)))
                        return &ops->stores[i];
        return NULL;
}

static int val_read(const struct pgs_root *r, const struct journal_ops *ops, const char *path, char *buf, size_t size)
{
        const struct journal_store *st = store_of(ops, path);
        return st ? st->read(r, path, buf, size) : fs_read_str(r, path, buf, size);
}

static int val_write(const struct pgs_root *r, const struct journal_ops *ops, const char *path, const char *value)
{
        const struct journal_store *st = store_of(ops, path);
        return st ? st->write(r, path, value) : fs_write_str(r, path, value);
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

/* the value of an exclusion record: orig minus every holder's CPUs */
int journal_excl_value(const char *rec, const char *skip_uuid, char *buf, size_t size, bool *ret_any)
{
        char orig[1024] = "", kind[8] = "list", base[1024] = "";
        unsigned ncpus = 0;
        struct cpuset excl = { 0 }, val = { 0 };
        bool any = false;
        char *copy = strdup(rec), *save;
        if (!copy)
                return -ENOMEM;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char u[40], list[1024];
                if (!strncmp(l, "orig ", 5))
                        snprintf(orig, sizeof(orig), "%s", l + 5);
                else if (!strncmp(l, "base ", 5))
                        snprintf(base, sizeof(base), "%s", l + 5);
                else if (sscanf(l, "format %7s %u", kind, &ncpus) >= 1)
                        ;
                else if (sscanf(l, "holder %39s excl=%1023s", u, list) == 2 && (!skip_uuid || strcmp(u, skip_uuid))) {
                        cpulist_parse(list, &excl);
                        any = true;
                }
        }
        free(copy);
        bool mask = !strcmp(kind, "mask");
        if ((mask ? cpumask_parse(orig, &val) : cpulist_parse(orig, &val)) < 0)
                return -EINVAL;
        if (cpuset_empty(&val) && cpulist_parse(base, &val) < 0)       /* "" means all */
                return -EINVAL;
        if (!any) {
                snprintf(buf, size, "%s", orig);
        } else {
                cpuset_andnot(&val, &excl);
                if (cpuset_empty(&val))
                        return -ENOSPC;
                if (mask)
                        cpumask_format(&val, ncpus, buf, size);
                else
                        cpulist_format(&val, buf, size);
        }
        if (ret_any)
                *ret_any = any;
        return 0;
}

int journal_hold_exclude(struct journal *j, const char *path, const struct cpuset *cpus, const struct cpuset *base, bool mask,
                         unsigned ncpus)
{
        char key[512], cur[1024], list[1024], bl[1024];
        shared_key(path, key, sizeof(key));
        int rc = val_read(j->root, j->ops, path, cur, sizeof(cur));
        if (rc < 0)
                return rc;
        cpulist_format(cpus, list, sizeof(list));
        char *st = NULL, *prev = NULL;
        size_t len;
        if (fs_read_file(j->root, key, 64 * 1024, &st, &len) < 0) {
                char body[3200];
                cpulist_format(base, bl, sizeof(bl));
                snprintf(body, sizeof(body), "orig %s\npath %s\nformat %s %u\nbase %s\n", cur, path, mask ? "mask" : "list", ncpus, bl);
                st = strdup(body);
        } else {
                prev = strdup(st);
        }
        char h[64];
        snprintf(h, sizeof(h), "holder %s ", j->uuid);
        if (!strstr(st, h)) {
                size_t l = strlen(st);
                char *n = realloc(st, l + 1200);
                if (!n) {
                        free(st);
                        return -ENOMEM;
                }
                st = n;
                snprintf(st + l, 1200, "holder %s excl=%s\n", j->uuid, list);
        }
        char value[1024];
        rc = journal_excl_value(st, NULL, value, sizeof(value), NULL);
        if (rc == 0)
                rc = append(j->root, j->path, "hold %s\n", path);
        if (rc == 0)
                rc = fs_write_file_atomic(j->root, key, st, strlen(st), 0600);
        free(st);
        if (rc < 0) {
                free(prev);
                return rc;
        }
        if (strcmp(cur, value) != 0 && (rc = val_write(j->root, j->ops, path, value)) < 0) {
                /* not taken (a managed IRQ): take the record back */
                if (prev)
                        fs_write_file_atomic(j->root, key, prev, strlen(prev), 0600);
                else
                        fs_unlink(j->root, key);
                append(j->root, j->path, "drop %s\n", path);
        }
        free(prev);
        return rc;
}

int journal_append(struct journal *j, const char *fmt, ...)
{
        char line[1200];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(line))
                return -ENAMETOOLONG;
        return append(j->root, j->path, "%s", line);
}

static void vsay(journal_report_fn report, void *ud, const char *fmt, va_list ap)
{
        if (!report)
                return;
        char m[1024];
        vsnprintf(m, sizeof(m), fmt, ap);
        report(ud, m);
}

static void say(journal_report_fn report, void *ud, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(journal_report_fn report, void *ud, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsay(report, ud, fmt, ap);
        va_end(ap);
}

void journal_say(const struct journal_step *s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsay(s->report, s->ud, fmt, ap);
        va_end(ap);
}

static int undo_hold(const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, const char *path, journal_report_fn report,
                     void *ud)
{
        char key[512];
        shared_key(path, key, sizeof(key));
        char *st;
        size_t len;
        if (fs_read_file(r, key, 64 * 1024, &st, &len) < 0)
                return 0;       /* already given back */
        if (strstr(st, "\nformat ")) {
                /* an exclusion record: recompute without this holder */
                char value[1024], h2[64];
                bool any = false;
                int rc = journal_excl_value(st, uuid, value, sizeof(value), &any);
                snprintf(h2, sizeof(h2), "holder %s ", uuid);
                char *p = strstr(st, h2);
                if (p) {
                        char *e = strchr(p, '\n');
                        memmove(p, e ? e + 1 : p + strlen(p), strlen(e ? e + 1 : p + strlen(p)) + 1);
                }
                char cur[1024];
                if (rc == 0 && val_read(r, ops, path, cur, sizeof(cur)) >= 0 && strcmp(cur, value) != 0)
                        rc = val_write(r, ops, path, value);
                if (rc == 0 && !any)
                        fs_unlink(r, key);
                else if (rc == 0)
                        rc = fs_write_file_atomic(r, key, st, strlen(st), 0600);
                say(report, ud, rc == 0 ? "%s: back to %s" : "%s: could not set %s", path, value);
                free(st);
                return rc;
        }
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
                        fs_unlink(r, key);
                say(report, ud, rc == 0 ? "%s: back to %s" : "%s: could not put back %s", path, orig);
        }
        free(st);
        return rc;
}

bool journal_path_ok(const struct journal_ops *ops, const char *path)
{
        return (!strncmp(path, "sys/", 4) || !strncmp(path, "proc/", 5) || store_of(ops, path)) && !strstr(path, "..");
}

static const struct journal_kind *kind_of(const struct journal_ops *ops, const char *line, const char **ret_args)
{
        for (size_t k = 0; ops && k < ops->n_kinds; k++) {
                size_t l = strlen(ops->kinds[k].word);
                if (!strncmp(line, ops->kinds[k].word, l) && line[l] == ' ') {
                        *ret_args = line + l + 1;
                        return &ops->kinds[k];
                }
        }
        return NULL;
}

int journal_undo(const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, journal_report_fn report, void *ud)
{
        if (!uuid_valid(uuid))
                return -EINVAL;
        char jp[64];
        snprintf(jp, sizeof(jp), "run/pgs/%s", uuid);
        char *t;
        size_t len;
        int rc = fs_read_file(r, jp, JOURNAL_MAX, &t, &len);
        if (rc == -ENOENT)
                return 0;
        if (rc < 0)
                return rc;
        /* every line, however many (a host with thousands of IRQs journals
         * one each): undone newest first */
        size_t cap = 1;
        for (size_t i = 0; i < len; i++)
                cap += t[i] == '\n';
        char **lines = malloc(cap * sizeof(*lines)), **dropped = malloc(cap * sizeof(*dropped));
        if (!lines || !dropped) {
                free(lines);
                free(dropped);
                free(t);
                return -ENOMEM;
        }
        size_t n = 0;
        char *save;
        for (char *l = strtok_r(t, "\n", &save); l && n < cap; l = strtok_r(NULL, "\n", &save))
                lines[n++] = l;
        int first = 0;
        size_t nd = 0;
        for (size_t i = n; i-- > 0;) {
                char path[512];
                int r2 = 0;
                const char *args = NULL;
                const struct journal_kind *kind = kind_of(ops, lines[i], &args);
                /* the hook only ever changes kernel files: a line naming
                 * anything else did not come from it, and is not replayed */
                const char *pp = !strncmp(lines[i], "hold ", 5) ? lines[i] + 5 : kind && kind->path_arg ? args : NULL;
                if (pp && sscanf(pp, "%511s", path) == 1 && !journal_path_ok(ops, path)) {
                        say(report, ud, "%s: not a /sys, /proc or systemd value; not replayed", path);
                        if (!first)
                                first = -EPERM;
                        continue;
                }
                if (!strncmp(lines[i], "drop ", 5)) {
                        dropped[nd++] = lines[i] + 5;
                        continue;
                }
                if (sscanf(lines[i], "hold %511s", path) == 1) {
                        bool skip = false;
                        for (size_t k = 0; k < nd; k++)
                                if (dropped[k] && !strcmp(dropped[k], path)) {
                                        dropped[k] = NULL;
                                        skip = true;
                                        break;
                                }
                        if (!skip)
                                r2 = undo_hold(r, ops, uuid, path, report, ud);
                } else if (kind) {
                        struct journal_step st = { r, uuid, lines, n, i, report, ud };
                        r2 = kind->undo(&st, args);
                }
                if (r2 < 0 && !first)
                        first = r2;
        }
        free(lines);
        free(dropped);
        free(t);
        if (first == 0)
                fs_unlink(r, jp);
        return first;
}

int journal_name(const struct pgs_root *r, const char *uuid, char *buf, size_t size)
{
        char jp[64], *t;
        size_t len;
        snprintf(jp, sizeof(jp), "run/pgs/%s", uuid);
        int rc = fs_read_file(r, jp, JOURNAL_MAX, &t, &len);
        if (rc < 0)
                return rc;
        char *p = strstr(t, "\nname ");
        rc = -ENOENT;
        if (p) {
                p += 6;
                size_t k = 0;
                for (; *p && *p != '\n' && k + 1 < size; p++) {
                        unsigned x;
                        /* %XX, two hex digits exactly (a lone "%a" at the end must not skip the NUL) */
                        if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) && sscanf(p + 1, "%2x", &x) == 1) {
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
