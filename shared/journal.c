/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/journal.c — the change journal (see journal.h): its format, the
 * lock, and undo dispatch; the holds and exclusion records are in holds.c. */
#include "shared/journal.h"
#include "shared/journal-internal.h"

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

/* one formatted line appended with one write, then fsync'ed */
static int vappendf(const struct pgs_root *r, const char *path, const char *fmt, va_list ap)
{
        char line[1200];
        int n = vsnprintf(line, sizeof(line), fmt, ap);
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

int journal_appendf(const struct pgs_root *r, const char *path, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = vappendf(r, path, fmt, ap);
        va_end(ap);
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
        return journal_appendf(r, j->path, "# pgs-hook 1\nname %s\n", esc);
}

int journal_append(struct journal *j, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int rc = vappendf(j->root, j->path, fmt, ap);
        va_end(ap);
        return rc;
}

static void vsay(journal_report_fn report, void *ud, const char *fmt, va_list ap)
{
        if (!report)
                return;
        char m[1024];
        vsnprintf(m, sizeof(m), fmt, ap);
        report(ud, m);
}

void journal_report(journal_report_fn report, void *ud, const char *fmt, ...)
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

bool journal_path_ok(const struct journal_ops *ops, const char *path)
{
        return (!strncmp(path, "sys/", 4) || !strncmp(path, "proc/", 5) || journal_store_of(ops, path)) && !strstr(path, "..");
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
                        journal_report(report, ud, "%s: not a /sys, /proc or systemd value; not replayed", path);
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
                                r2 = journal_undo_hold(r, ops, uuid, path, report, ud);
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
