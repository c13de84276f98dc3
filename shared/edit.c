/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/edit.c — the edit engine (shared/edit.h): plan, print, write with a
 * record ahead, regenerate, verify, and one rollback rule. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/alloc.h"
#include "shared/command.h"
#include "shared/diff.h"
#include "shared/edit.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "shared/sysroot.h"

void edit_init(struct edit_plan *p, const struct pgs_root *root, const char *who)
{
        memset(p, 0, sizeof(*p));
        p->root = root;
        p->sysroot = sysroot_of(root);
        p->who = who;
        p->timeout_ms = 10 * 60 * 1000;
}

void edit_free(struct edit_plan *p)
{
        for (size_t i = 0; i < p->n_files; i++) {
                free(p->files[i].old);
                free(p->files[i].new);
        }
        for (size_t i = 0; i < p->n_cmds; i++) {
                for (size_t k = 0; p->cmds[i].argv[k]; k++)
                        free(p->cmds[i].argv[k]);
                for (size_t k = 0; p->cmds[i].env[k]; k++)
                        free(p->cmds[i].env[k]);
        }
        p->n_files = p->n_cmds = 0;
}

static int say(const struct edit_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(const struct edit_plan *p, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr(p->who, fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- files ------------------------------------------------------------- */

struct edit_file *edit_find(struct edit_plan *p, const char *path)
{
        for (size_t i = 0; i < p->n_files; i++)
                if (!strcmp(p->files[i].path, path))
                        return &p->files[i];
        return NULL;
}

int edit_load(struct edit_plan *p, const char *path, bool may_miss, struct edit_file **ret)
{
        struct edit_file *e = edit_find(p, path);
        if (e) {
                *ret = e;
                return 0;
        }
        if (p->n_files == EDIT_MAX_FILES)
                return say(p, "/%s: too many files to edit in one run; nothing changed", path);
        if (strlen(path) >= sizeof(e->path))
                return say(p, "/%.64s…: path too long; nothing changed", path);
        e = &p->files[p->n_files];
        *e = (struct edit_file){ .mode = 0644 };
        snprintf(e->path, sizeof(e->path), "%s", path);
        char *t;
        size_t len;
        int rc = fs_read_file(p->root, path, 1 << 20, &t, &len);
        if (rc == -ENOENT && may_miss) {
                p->n_files++;
                *ret = e;
                return 0;
        }
        if (rc < 0)
                return say(p, "/%s: cannot read it: %s; nothing changed", path, rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
        if (memchr(t, '\0', len)) {
                free(t);
                return say(p, "/%s: binary data, not a text file; nothing changed", path);
        }
        struct stat st;
        if (fs_stat(p->root, path, &st) == 0)
                e->mode = st.st_mode & 07777;
        e->old = t;
        e->old_len = len;
        e->new = xmalloc(len + 1);
        memcpy(e->new, t, len + 1);
        e->new_len = len;
        p->n_files++;
        *ret = e;
        return 0;
}

void edit_set(struct edit_file *e, char *text, size_t len)
{
        free(e->new);
        e->new = text;
        e->new_len = len;
}

bool edit_changes(const struct edit_file *e)
{
        if (!e->old != !e->new)
                return true;
        return e->old && (e->old_len != e->new_len || memcmp(e->old, e->new, e->old_len) != 0);
}

static bool is_record(const struct edit_plan *p, const struct edit_file *e)
{
        return p->record && !strcmp(e->path, p->record);
}

bool edit_any(const struct edit_plan *p)
{
        for (size_t i = 0; i < p->n_files; i++)
                if (edit_changes(&p->files[i]) && !is_record(p, &p->files[i]))
                        return true;
        return false;
}

/* ---- commands ---------------------------------------------------------- */

static void cmd_text(const struct edit_cmd *c, char *buf, size_t size, bool short_name)
{
        const char *a0 = c->argv[0], *b = strrchr(a0, '/');
        size_t tl = (size_t)snprintf(buf, size, "%s", short_name && b ? b + 1 : a0);
        for (size_t n = 1; c->argv[n] && tl < size; n++)
                tl += (size_t)snprintf(buf + tl, size - tl, strchr(c->argv[n], ' ') ? " '%s'" : " %s", c->argv[n]);
}

struct edit_cmd *edit_cmd_add(struct edit_plan *p, const char *const argv[])
{
        if (p->n_cmds == EDIT_MAX_CMDS)
                return NULL;
        struct edit_cmd *c = &p->cmds[p->n_cmds++];
        *c = (struct edit_cmd){ 0 };
        for (size_t n = 0; argv[n] && n < EDIT_MAX_ARGS - 1; n++)
                c->argv[n] = xstrdup(argv[n]);
        cmd_text(c, c->text, sizeof(c->text), false);
        return c;
}

struct edit_cmd *edit_cmd_addl(struct edit_plan *p, const char *prog, ...)
{
        const char *argv[EDIT_MAX_ARGS] = { prog };
        size_t n = 1;
        va_list ap;
        va_start(ap, prog);
        const char *a;
        while ((a = va_arg(ap, const char *)) && n < EDIT_MAX_ARGS - 1)
                argv[n++] = a;
        va_end(ap);
        argv[n] = NULL;
        return edit_cmd_add(p, argv);
}

void edit_cmd_env(struct edit_cmd *c, const char *fmt, ...)
{
        size_t n = 0;
        while (c->env[n])
                n++;
        if (n >= sizeof(c->env) / sizeof(c->env[0]) - 1)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&c->env[n], fmt, ap) < 0)
                abort();
        va_end(ap);
}

static int cmd_run(const struct edit_plan *p, struct edit_cmd *c)
{
        return run_prog(c->argv, c->env, p->sysroot, p->timeout_ms);
}

/* ---- carrying a plan out ------------------------------------------------ */

void edit_print(const struct edit_plan *p)
{
        for (size_t i = 0; i < p->n_files && !(p->report && p->report->diffs_shown); i++) {
                const struct edit_file *e = &p->files[i];
                if (!edit_changes(e))
                        continue;
                char path[600];
                snprintf(path, sizeof(path), "/%s", e->path);
                diff_unified(stdout, path, e->old, e->old_len, e->new, e->new_len);
        }
        if (!p->dry_run)
                return;
        for (size_t i = 0; i < p->n_cmds; i++) {
                char t[600];
                cmd_text(&p->cmds[i], t, sizeof(t), p->short_names);
                printf("would run: %s\n", t);
        }
}

static int put(const struct edit_plan *p, const char *path, const char *text, size_t len, int mode)
{
        int rc = text ? fs_write_file_atomic(p->root, path, text, len, mode) : fs_unlink(p->root, path);
        return rc == -ENOENT && !text ? 0 : rc;
}

/* the files [0, upto) as they were; the record is put back by record_back */
static int restore_files(const struct edit_plan *p, size_t upto)
{
        int bad = 0;
        for (size_t i = 0; i < upto; i++) {
                const struct edit_file *e = &p->files[i];
                if (!edit_changes(e) || is_record(p, e))
                        continue;
                int rc = put(p, e->path, e->old, e->old_len, e->mode);
                if (rc < 0) {
                        say(p, "/%s: could not be put back (%s); its backup is /%s.pgs-bak", e->path, strerror(-rc), e->path);
                        bad = 1;
                } else {
                        say(p, "/%s is back as it was", e->path);
                }
        }
        return bad;
}

static void record_back(const struct edit_plan *p, const struct edit_file *rec)
{
        if (rec)
                put(p, rec->path, rec->old, rec->old_len, rec->mode);
}

/* the record as planned (or as it was, when it goes away), marked */
static int record_mark(const struct edit_plan *p, const struct edit_file *rec)
{
        const char *base = rec->new ? rec->new : rec->old;
        size_t len = rec->new ? rec->new_len : rec->old_len;
        if (!base)
                return 0;       /* no record before or after: nothing to mark */
        _cleanup_free_ char *t = xmalloc(len + 32);
        memcpy(t, base, len);
        size_t n = len + (size_t)sprintf(t + len, "pending regeneration\n");
        return fs_write_file_atomic(p->root, rec->path, t, n, rec->mode);
}

static int write_files(struct edit_plan *p, const struct edit_file *rec)
{
        for (size_t i = 0; i < p->n_files; i++) {
                struct edit_file *e = &p->files[i];
                if (e == rec || !edit_changes(e))
                        continue;
                int rc = 0;
                if (e->old && !e->owned) {
                        char bak[600];
                        snprintf(bak, sizeof(bak), "%s.pgs-bak", e->path);
                        rc = fs_write_file_atomic(p->root, bak, e->old, e->old_len, e->mode);
                }
                if (rc == 0)
                        rc = put(p, e->path, e->new, e->new_len, e->mode);
                if (rc < 0) {
                        say(p, "/%s: cannot write it: %s; putting every file back", e->path, strerror(-rc));
                        restore_files(p, i);
                        record_back(p, rec);
                        return -1;
                }
        }
        return 0;
}

static void describe(int rc, char *how, size_t size)
{
        if (rc < 0)
                snprintf(how, size, "failed: %s", strerror(-rc));
        else
                snprintf(how, size, "exited with status %d", rc);
}

/* commands [0, done) ran; something after them failed */
static int roll_back(struct edit_plan *p, const struct edit_file *rec, size_t done)
{
        int bad = restore_files(p, p->n_files);
        record_back(p, rec);
        if (bad)
                return PGS_EXIT_FAILED;
        for (size_t j = 0; j < done; j++) {
                printf("running again: %s\n", p->cmds[j].text);
                fflush(stdout);
                int rc = cmd_run(p, &p->cmds[j]);
                if (rc != 0) {
                        char how[80];
                        describe(rc, how, sizeof(how));
                        say(p, "%s %s as well: what it generates may not follow the restored files; run it by hand", p->cmds[j].text, how);
                }
        }
        return PGS_EXIT_FAILED;
}

static void tally(const struct edit_plan *p)
{
        if (!p->report)
                return;
        for (size_t i = 0; i < p->n_files; i++)
                p->report->changes += edit_changes(&p->files[i]);
        p->report->changes += (unsigned)p->n_cmds;
}

int edit_execute(struct edit_plan *p)
{
        edit_print(p);
        tally(p);
        if (p->dry_run)
                return PGS_EXIT_OK;
        const struct edit_file *rec = p->record ? edit_find(p, p->record) : NULL;
        int rc = rec ? record_mark(p, rec) : 0;
        if (rc < 0) {
                say(p, "/%s: cannot write it: %s; nothing changed", rec->path, strerror(-rc));
                return PGS_EXIT_FAILED;
        }
        if (write_files(p, rec) < 0)
                return PGS_EXIT_FAILED;
        for (size_t k = 0; k < p->n_cmds; k++) {
                printf("running: %s\n", p->cmds[k].text);
                fflush(stdout);
                rc = cmd_run(p, &p->cmds[k]);
                if (rc != 0) {
                        char how[80];
                        describe(rc, how, sizeof(how));
                        say(p, "%s %s; every file is put back as it was", p->cmds[k].text, how);
                        return roll_back(p, rec, k);
                }
        }
        if (p->verify && p->verify(p->verify_ud) < 0) {
                say(p, "every file is put back as it was");
                return roll_back(p, rec, p->n_cmds);
        }
        if (rec) {
                rc = put(p, rec->path, rec->new, rec->new_len, rec->mode);
                if (rc < 0) {
                        say(p, "/%s: cannot write it: %s", rec->path, strerror(-rc));
                        return PGS_EXIT_FAILED;
                }
        }
        return PGS_EXIT_OK;
}
