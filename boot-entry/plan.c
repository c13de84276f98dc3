/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/plan.c — the plan of `pgs boot`: every file it edits read once
 * and changed in memory, the commands to run, then all of it carried out with
 * the record written ahead and everything put back when a command fails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/boot.h"
#include "shared/alloc.h"
#include "shared/log.h"

int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr("pgs boot", fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- files ------------------------------------------------------------- */

struct fedit *edit_find(struct boot *b, const char *path)
{
        for (size_t i = 0; i < b->n_edits; i++)
                if (!strcmp(b->edits[i].path, path))
                        return &b->edits[i];
        return NULL;
}

/* Load a text file into the plan (once). ENOENT is fine when may_miss. */
int edit_load(struct boot *b, const char *path, bool may_miss, struct fedit **ret)
{
        struct fedit *e = edit_find(b, path);
        if (e) {
                *ret = e;
                return 0;
        }
        if (b->n_edits == MAX_EDITS)
                return fail("too many files to edit");
        e = &b->edits[b->n_edits];
        *e = (struct fedit){ .mode = 0644 };
        snprintf(e->path, sizeof(e->path), "%s", path);
        char *t;
        size_t len;
        int rc = fs_read_file(&b->root, path, 1 << 20, &t, &len);
        if (rc == -ENOENT && may_miss) {
                b->n_edits++;
                *ret = e;
                return 0;
        }
        if (rc < 0)
                return fail("/%s: cannot read it: %s; nothing changed", path, rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
        if (memchr(t, '\0', len)) {
                free(t);
                return fail("/%s: binary data, not a text file; nothing changed", path);
        }
        struct stat st;
        if (fs_stat(&b->root, path, &st) == 0)
                e->mode = st.st_mode & 07777;
        e->old = t;
        e->old_len = len;
        e->new = xmalloc(len + 1);
        memcpy(e->new, t, len + 1);
        e->new_len = len;
        b->n_edits++;
        *ret = e;
        return 0;
}

void edit_set(struct fedit *e, char *text, size_t len)
{
        free(e->new);
        e->new = text;
        e->new_len = len;
}

bool edit_changes(const struct fedit *e)
{
        if (!e->old != !e->new)
                return true;
        return e->old && (e->old_len != e->new_len || memcmp(e->old, e->new, e->old_len) != 0);
}

/* ---- commands ---------------------------------------------------------- */

bool find_prog(struct boot *b, const char *name, char *buf, size_t size)
{
        return prog_find(&b->root, b->sysroot, name, buf, size);
}

struct cmd *cmd_add(struct boot *b, const char *prog, ...)
{
        if (b->n_cmds == MAX_CMDS)
                return NULL;
        struct cmd *c = &b->cmds[b->n_cmds++];
        *c = (struct cmd){ 0 };
        c->argv[0] = strdup(prog);
        size_t n = 1, tl = (size_t)snprintf(c->text, sizeof(c->text), "%s", prog);
        va_list ap;
        va_start(ap, prog);
        const char *a;
        while ((a = va_arg(ap, const char *)) && n < 15) {
                c->argv[n++] = strdup(a);
                tl += (size_t)snprintf(c->text + tl, tl < sizeof(c->text) ? sizeof(c->text) - tl : 0, strchr(a, ' ') ? " '%s'" : " %s", a);
        }
        va_end(ap);
        return c;
}

void cmd_env(struct cmd *c, const char *fmt, ...)
{
        size_t n = 0;
        while (c->env[n])
                n++;
        if (n >= 7)
                return;
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        c->env[n] = strdup(buf);
}

/* a path as the host sees it */
void host_path(struct boot *b, const char *rel, char *buf, size_t size)
{
        snprintf(buf, size, "%s/%s", b->sysroot ? b->sysroot : "", rel);
}

static int cmd_run(struct boot *b, struct cmd *c)
{
        return run_prog(c->argv, c->env, b->sysroot, CMD_TIMEOUT_MS);
}

/* the words joined by spaces, then tail (malloc'ed) */
char *join_alloc(const struct words *w, const char *tail, size_t *ret_len)
{
        size_t n = strlen(tail) + 1;
        for (size_t i = 0; i < w->n; i++)
                n += strlen(w->v[i]) + 1;
        char *t = malloc(n), *p = t;
        if (!t)
                abort();
        for (size_t i = 0; i < w->n; i++)
                p += sprintf(p, "%s%s", i ? " " : "", w->v[i]);
        p += sprintf(p, "%s", tail);
        if (ret_len)
                *ret_len = (size_t)(p - t);
        return t;
}

/* "PREFIX" + the words joined by spaces (malloc'ed), one argv element */
char *join_arg(const char *prefix, const struct words *w)
{
        char *j = join_alloc(w, "", NULL), *a;
        if (asprintf(&a, "%s%s", prefix, j) < 0)
                abort();
        free(j);
        return a;
}

/* ---- executing a plan --------------------------------------------------- */

void print_plan(struct boot *b)
{
        for (size_t i = 0; i < b->n_edits; i++) {
                struct fedit *e = &b->edits[i];
                if (!edit_changes(e))
                        continue;
                char p[600];
                snprintf(p, sizeof(p), "/%s", e->path);
                diff_unified(stdout, p, e->old, e->old_len, e->new, e->new_len);
        }
        for (size_t i = 0; i < b->n_cmds; i++)
                printf("%s %s\n", b->dry_run ? "would run:" : "running:", b->cmds[i].text);
}

static int restore_files(struct boot *b, size_t upto)
{
        int bad = 0;
        for (size_t i = 0; i < upto; i++) {
                struct fedit *e = &b->edits[i];
                if (!edit_changes(e) || !strcmp(e->path, STATE_PATH))
                        continue;
                int rc = e->old ? fs_write_file_atomic(&b->root, e->path, e->old, e->old_len, e->mode)
                                : fs_unlink(&b->root, e->path);
                if (rc == -ENOENT && !e->old)
                        rc = 0;
                if (rc < 0) {
                        fail("/%s: could not be put back (%s); its backup is /%s.pgs-bak", e->path, strerror(-rc), e->path);
                        bad = 1;
                }
        }
        return bad;
}

/* the record as it was before this run */
static void state_restore(struct boot *b, const struct fedit *st)
{
        if (!st)
                return;
        if (st->old)
                fs_write_file_atomic(&b->root, STATE_PATH, st->old, st->old_len, 0644);
        else
                fs_unlink(&b->root, STATE_PATH);
}

/* The record is written ahead: first the new one marked "pending
 * regeneration", then the files, then the commands, then the record without
 * the mark. Killed anywhere in between, the next run finds the mark (what pgs
 * added is listed, so revert can take it back) and runs the regeneration
 * again even when no file needs to change. */
static int state_mark(struct boot *b, const struct fedit *s)
{
        const char *base = s->new ? s->new : s->old;
        size_t len = s->new ? s->new_len : s->old_len;
        if (!base)
                return 0;       /* no record before or after: nothing to mark */
        char *t = malloc(len + 32);
        if (!t)
                return -ENOMEM;
        memcpy(t, base, len);
        size_t n = len + (size_t)sprintf(t + len, "pending regeneration\n");
        int rc = fs_write_file_atomic(&b->root, STATE_PATH, t, n, 0644);
        free(t);
        return rc;
}

int execute(struct boot *b)
{
        print_plan(b);
        if (b->dry_run)
                return PGS_EXIT_OK;
        struct fedit *st = edit_find(b, STATE_PATH);
        int rc = st ? state_mark(b, st) : 0;
        if (rc < 0) {
                fail("/%s: cannot write it: %s; nothing changed", STATE_PATH, strerror(-rc));
                return PGS_EXIT_FAILED;
        }
        size_t i;
        for (i = 0; i < b->n_edits; i++) {
                struct fedit *e = &b->edits[i];
                if (e == st || !edit_changes(e))
                        continue;
                rc = 0;
                char bak[600];
                snprintf(bak, sizeof(bak), "%s.pgs-bak", e->path);
                /* a backup of every file pgs edits; not of the files it owns whole */
                if (e->old && strcmp(e->path, MODLOAD_PATH) && strcmp(e->path, "etc/cmdline.d/pgs.conf"))
                        rc = fs_write_file_atomic(&b->root, bak, e->old, e->old_len, e->mode);
                if (rc == 0)
                        rc = e->new ? fs_write_file_atomic(&b->root, e->path, e->new, e->new_len, e->mode)
                                    : fs_unlink(&b->root, e->path);
                if (rc < 0) {
                        fail("/%s: cannot write it: %s; putting every file back", e->path, strerror(-rc));
                        restore_files(b, i);
                        state_restore(b, st);
                        return PGS_EXIT_FAILED;
                }
        }
        for (size_t k = 0; k < b->n_cmds; k++) {
                rc = cmd_run(b, &b->cmds[k]);
                if (rc != 0) {
                        char how[80];
                        if (rc < 0)
                                snprintf(how, sizeof(how), "failed: %s", strerror(-rc));
                        else
                                snprintf(how, sizeof(how), "exited with status %d", rc);
                        fail("%s %s; every file is put back as it was", b->cmds[k].text, how);
                        int bad = restore_files(b, b->n_edits);
                        state_restore(b, st);
                        if (bad)
                                return PGS_EXIT_FAILED;
                        /* what the earlier commands generated follows the restored files again */
                        for (size_t j = 0; j < k; j++)
                                cmd_run(b, &b->cmds[j]);
                        return PGS_EXIT_FAILED;
                }
        }
        /* done: the record as planned, without the mark */
        if (st) {
                rc = st->new ? fs_write_file_atomic(&b->root, STATE_PATH, st->new, st->new_len, 0644) : fs_unlink(&b->root, STATE_PATH);
                if (rc == -ENOENT && !st->new)
                        rc = 0;
                if (rc < 0) {
                        fail("/%s: cannot write it: %s", STATE_PATH, strerror(-rc));
                        return PGS_EXIT_FAILED;
                }
        }
        return PGS_EXIT_OK;
}

