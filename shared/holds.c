/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/holds.c — the journal's holds: a value several domains may change
 * (run/pgs/shared/KEY records who holds it and what it was), the per-VM
 * exclusion arithmetic, and putting a held value back (see journal.h). */
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

#include "shared/alloc.h"
#include "shared/proc.h"
/* A value is a file under the root, or a key of a registered store. */
const struct journal_store *journal_store_of(const struct journal_ops *ops, const char *path)
{
        for (size_t i = 0; ops && i < ops->n_stores; i++)
                if (!strncmp(path, ops->stores[i].prefix, strlen(ops->stores[i].prefix)))
                        return &ops->stores[i];
        return NULL;
}

static int val_read(const struct pgs_root *r, const struct journal_ops *ops, const char *path, char *buf, size_t size)
{
        const struct journal_store *st = journal_store_of(ops, path);
        return st ? st->read(r, path, buf, size) : fs_read_str(r, path, buf, size);
}

static int val_write(const struct pgs_root *r, const struct journal_ops *ops, const char *path, const char *value)
{
        const struct journal_store *st = journal_store_of(ops, path);
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
                        rc = journal_appendf(j->root, j->path, "hold %s\n", path);
                        if (rc == 0)
                                rc = journal_appendf(j->root, key, "holder %s\n", j->uuid);
                }
                free(st);
        } else {
                /* first holder: the original value is kept before anything changes */
                char body[1024];
                snprintf(body, sizeof(body), "orig %s\npath %s\nholder %s\n", cur, path, j->uuid);
                rc = journal_appendf(j->root, j->path, "hold %s\n", path);
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
                st = xstrdup(body);
        } else {
                prev = xstrdup(st);
        }
        char h[64];
        snprintf(h, sizeof(h), "holder %s ", j->uuid);
        if (!strstr(st, h)) {
                size_t l = strlen(st);
                char *n = realloc(st, l + 1200);
                if (!n) {
                        free(st);
                        free(prev);
                        return -ENOMEM;
                }
                st = n;
                snprintf(st + l, 1200, "holder %s excl=%s\n", j->uuid, list);
        }
        char value[1024];
        rc = journal_excl_value(st, NULL, value, sizeof(value), NULL);
        if (rc == 0)
                rc = journal_appendf(j->root, j->path, "hold %s\n", path);
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
                journal_appendf(j->root, j->path, "drop %s\n", path);
        }
        free(prev);
        return rc;
}

int journal_undo_hold(const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, const char *path, journal_report_fn report,
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
                journal_report(report, ud, rc == 0 ? "%s: back to %s" : "%s: could not set %s", path, value);
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
                journal_report(report, ud, "%s: still needed by another VM; left as it is", path);
        } else {
                char cur[256];
                if (fs_read_str(r, path, cur, sizeof(cur)) >= 0 && strcmp(cur, orig) != 0)
                        rc = fs_write_str(r, path, orig);
                if (rc == 0)
                        fs_unlink(r, key);
                journal_report(report, ud, rc == 0 ? "%s: back to %s" : "%s: could not put back %s", path, orig);
        }
        free(st);
        return rc;
}

