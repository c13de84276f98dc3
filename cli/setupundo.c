/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/setupundo.c — what pgs setup changed, and taking it back (setup.h).
 *
 * /var/lib/pgs/setup, one line per step that setup changed, saying what
 * undoes it — the state before the *first* setup, since a second one (another
 * mode) must not make --undo return only to the first's result:
 *
 *   # pgs-setup 1
 *   mode passthrough
 *   config created | config replaced MODE   (the bytes: /var/lib/pgs/setup.pgs.conf)
 *   initramfs disable | initramfs rebuild
 *   boot revert | boot reapply MODE HUGEPAGES   ("-" for none)
 *   hook remove
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/setup.h"
#include "shared/alloc.h"
#include "shared/command.h"
#include "shared/diff.h"
#include "shared/log.h"

void undo_free(struct undo *u)
{
        free(u->conf);
        *u = (struct undo){ 0 };
}

static int bad_record(const char *why)
{
        log_stderr("pgs setup", "/%s: %s; nothing changed", SETUP_RECORD, why);
        return -1;
}

static void word(char *dst, size_t size, const char *w)
{
        snprintf(dst, size, "%s", strcmp(w, "-") ? w : "");
}

/* a file mode as the record writes it (%04o): permission bits only */
static int mode_parse(const char *t, int *ret)
{
        uint64_t m;
        if (parse_u64(t, 8, &m) < 0 || m == 0 || m > 0777)
                return -1;
        *ret = (int)m;
        return 0;
}

static int parse_line(struct undo *u, char *line)
{
        char k[16] = "", a[40] = "", b[40] = "", c[40] = "";
        int n = sscanf(line, "%15s %39s %39s %39s", k, a, b, c);
        if (n < 1 || !strcmp(k, "mode"))
                return 0;
        if (!strcmp(k, "config") && n >= 2 && !strcmp(a, "created"))
                u->config = U_CREATED;
        else if (!strcmp(k, "config") && n == 3 && !strcmp(a, "replaced") && mode_parse(b, &u->conf_mode) == 0)
                u->config = U_REPLACED;
        else if (!strcmp(k, "initramfs") && n == 2 && (!strcmp(a, "disable") || !strcmp(a, "rebuild")))
                u->initramfs = !strcmp(a, "disable") ? UI_DISABLE : UI_REBUILD;
        else if (!strcmp(k, "boot") && n == 2 && !strcmp(a, "revert"))
                u->boot = UB_REVERT;
        else if (!strcmp(k, "boot") && n == 4 && !strcmp(a, "reapply") && strlen(b) < 32 && strlen(c) < 32) {
                u->boot = UB_REAPPLY;
                word(u->boot_mode, sizeof(u->boot_mode), b);
                word(u->boot_hp, sizeof(u->boot_hp), c);
        } else if (!strcmp(k, "hook") && n == 2 && !strcmp(a, "remove"))
                u->hook = true;
        else
                return -1;
        return 0;
}

int undo_load(const struct setup *s, struct undo *u)
{
        char *t;
        size_t len;
        *u = (struct undo){ 0 };
        int rc = fs_read_file(&s->root, SETUP_RECORD, 64 * 1024, &t, &len);
        if (rc == -ENOENT)
                return 0;
        if (rc < 0)
                return bad_record(strerror(-rc));
        if (strncmp(t, "# pgs-setup 1\n", 14) || memchr(t, '\0', len)) {
                free(t);
                return bad_record("not a record this pgs wrote");
        }
        char *save, *line = strtok_r(t + 14, "\n", &save);
        for (; line; line = strtok_r(NULL, "\n", &save))
                if (parse_line(u, line) < 0) {
                        free(t);
                        return bad_record("a line this pgs does not know");
                }
        free(t);
        if (u->config == U_REPLACED) {
                rc = fs_read_file(&s->root, SETUP_SAVED, 1 << 20, &u->conf, &u->conf_len);
                if (rc < 0) {
                        log_stderr("pgs setup", "/%s: %s: /etc/pgs.conf as it was before setup is lost; nothing changed", SETUP_SAVED,
                                   strerror(-rc));
                        return -1;
                }
        }
        return 1;
}

static int write_record(const struct setup *s, const struct undo *u)
{
        char t[512];
        size_t l = (size_t)snprintf(t, sizeof(t), "# pgs-setup 1\nmode %s\n", s->mode ? s->mode : "-");
        if (u->config == U_CREATED)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "config created\n");
        else if (u->config == U_REPLACED)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "config replaced %04o\n", (unsigned)u->conf_mode);
        if (u->initramfs)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "initramfs %s\n", u->initramfs == UI_DISABLE ? "disable" : "rebuild");
        if (u->boot == UB_REVERT)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "boot revert\n");
        else if (u->boot == UB_REAPPLY)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "boot reapply %s %s\n", u->boot_mode[0] ? u->boot_mode : "-",
                                      u->boot_hp[0] ? u->boot_hp : "-");
        if (u->hook)
                l += (size_t)snprintf(t + l, sizeof(t) - l, "hook remove\n");
        int rc = fs_mkdir_p(&s->root, "var/lib/pgs", 0755);
        if (rc == 0)
                rc = fs_write_file_atomic(&s->root, SETUP_RECORD, t, l, 0644);
        if (rc < 0)
                log_stderr("pgs setup", "/%s: cannot write it: %s", SETUP_RECORD, strerror(-rc));
        return rc < 0 ? -1 : 0;
}

int undo_save(const struct setup *s, const struct undo *now)
{
        struct undo m;
        if (undo_load(s, &m) < 0)
                return -1;
        if (!m.config && now->config) {
                m.config = now->config;
                m.conf_mode = now->conf_mode;
                if (now->config == U_REPLACED) {
                        int rc = fs_write_file_atomic(&s->root, SETUP_SAVED, now->conf, now->conf_len, 0644);
                        if (rc < 0 && fs_mkdir_p(&s->root, "var/lib/pgs", 0755) == 0)
                                rc = fs_write_file_atomic(&s->root, SETUP_SAVED, now->conf, now->conf_len, 0644);
                        if (rc < 0) {
                                log_stderr("pgs setup", "/%s: cannot write it: %s", SETUP_SAVED, strerror(-rc));
                                undo_free(&m);
                                return -1;
                        }
                }
        }
        if (!m.initramfs)
                m.initramfs = now->initramfs;
        if (!m.boot) {
                m.boot = now->boot;
                memcpy(m.boot_mode, now->boot_mode, sizeof(m.boot_mode));
                memcpy(m.boot_hp, now->boot_hp, sizeof(m.boot_hp));
        }
        m.hook |= now->hook;
        int rc = write_record(s, &m);
        undo_free(&m);
        return rc;
}

/* /etc/pgs.conf as it was: the diff first, then (not in a dry run) the bytes */
static int undo_config(struct setup *s, const struct undo *u, struct step *st)
{
        char *cur = NULL;
        size_t cl = 0;
        fs_read_file(&s->root, SETUP_CONF, 1 << 20, &cur, &cl);
        diff_unified(stdout, "/" SETUP_CONF, cur, cl, u->config == U_REPLACED ? u->conf : NULL, u->conf_len);
        free(cur);
        int rc = 0;
        if (!s->dry)
                rc = u->config == U_REPLACED ? fs_write_file_atomic(&s->root, SETUP_CONF, u->conf, u->conf_len, u->conf_mode)
                                             : fs_unlink(&s->root, SETUP_CONF);
        if (rc < 0 && rc != -ENOENT) {
                step_set(st, "failed", false, "/%s: %s", SETUP_CONF, strerror(-rc));
                log_stderr("pgs setup", "%s", st->what);
                return -1;
        }
        step_set(st, "undone", true, "/%s %s", SETUP_CONF, u->config == U_REPLACED ? "put back as it was" : "removed (setup created it)");
        return 0;
}

static int undo_one(struct setup *s, struct undo *u, const char *id, bool as_steps)
{
        struct step tmp = { .id = id }, *st = as_steps ? step_add(s, id) : &tmp;
        if (!as_steps)
                printf("\nundoing %s:\n", id);
        bool ch = true;
        int rc = PGS_EXIT_OK;
        if (!strcmp(id, "hook")) {
                rc = setup_sub(s, s->dry, false, &ch, "hook", "--remove", NULL);
        } else if (!strcmp(id, "boot") && u->boot == UB_REVERT) {
                rc = setup_sub(s, s->dry, false, &ch, "boot", "revert", NULL);
        } else if (!strcmp(id, "boot")) {
                const char *m = u->boot_mode[0] ? "--mode" : NULL;
                rc = setup_sub(s, s->dry, false, &ch, "boot", "apply", "--hugepages", u->boot_hp[0] ? u->boot_hp : "none", m, u->boot_mode,
                               NULL);
        } else if (!strcmp(id, "config")) {
                rc = undo_config(s, u, st) < 0 ? PGS_EXIT_FAILED : PGS_EXIT_OK;
        } else {
                rc = setup_sub(s, s->dry, false, &ch, "initramfs", u->initramfs == UI_DISABLE ? "disable" : "enable", NULL);
        }
        if (rc != PGS_EXIT_OK) {
                if (strcmp(id, "config"))
                        step_set(st, "failed", false, "could not be taken back (above)");
                return -1;
        }
        if (strcmp(id, "config"))
                step_set(st, ch ? "undone" : "unchanged", ch, "%s", !strcmp(id, "hook") ? "the libvirt hook removed" :
                         !strcmp(id, "boot") ? (u->boot == UB_REVERT ? "pgs boot revert: the parameters setup added are gone"
                                                                     : "pgs boot apply: the parameters of the apply before setup")
                         : u->initramfs == UI_DISABLE ? "pgs-early out of the images, each checked"
                                                      : "the images rebuilt with /etc/pgs.conf as it was");
        printf("  %s\n", st->what);
        return 0;
}

int undo_run(struct setup *s, struct undo *u, bool as_steps)
{
        int bad = 0;
        if (u->hook)
                u->hook = undo_one(s, u, "hook", as_steps) < 0;
        if (u->boot && undo_one(s, u, "boot", as_steps) == 0)
                u->boot = UB_NONE;
        bad += u->hook + (u->boot != UB_NONE);
        if (u->config && undo_one(s, u, "config", as_steps) == 0) {
                free(u->conf);
                u->conf = NULL;
                u->config = U_NONE;
        }
        if (u->initramfs && undo_one(s, u, "initramfs", as_steps) == 0)
                u->initramfs = UI_NONE;
        bad += (u->config != U_NONE) + (u->initramfs != UI_NONE);
        return bad ? PGS_EXIT_FAILED : PGS_EXIT_OK;
}

int setup_undo(struct setup *s)
{
        struct undo u;
        int rc = undo_load(s, &u);
        if (rc <= 0) {
                if (rc == 0)
                        printf("pgs setup --undo: nothing to undo (no /%s)\n", SETUP_RECORD);
                return rc == 0 ? PGS_EXIT_OK : PGS_EXIT_FAILED;
        }
        printf("pgs setup --undo%s: what pgs setup changed, taken back\n\n", s->dry ? " (dry run)" : "");
        unsigned before = (u.config != U_NONE) + (u.initramfs != UI_NONE) + (u.boot != UB_NONE) + u.hook;
        rc = undo_run(s, &u, true);
        if (s->dry) {
                undo_free(&u);
                return PGS_EXIT_OK;
        }
        unsigned left = (u.config != U_NONE) + (u.initramfs != UI_NONE) + (u.boot != UB_NONE) + u.hook;
        if (rc == PGS_EXIT_OK) {
                fs_unlink(&s->root, SETUP_SAVED);
                fs_unlink(&s->root, SETUP_RECORD);
                fs_rmdir(&s->root, "var/lib/pgs");
                printf("\npgs setup --undo: done; reboot so that the kernel and initramfs follow\n");
        } else {
                write_record(s, &u);
                log_stderr("pgs setup", "--undo: %u of %u part(s) could not be taken back; /%s lists them, run it again", left, before,
                           SETUP_RECORD);
        }
        undo_free(&u);
        return rc == PGS_EXIT_OK ? PGS_EXIT_OK : left < before ? PGS_EXIT_PARTIAL : PGS_EXIT_FAILED;
}
