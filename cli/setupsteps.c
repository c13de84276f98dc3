/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/setupsteps.c — pgs setup's steps (setup.h): what this run wants (the
 * config for the mode, the state it starts from), each step's preview (its
 * dry run, which also proves it can be done), and carrying them out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot-entry/boot.h"
#include "cli/check.h"
#include "cli/setup.h"
#include "installers/initramfs.h"
#include "shared/alloc.h"
#include "shared/command.h"
#include "shared/config.h"
#include "shared/diff.h"
#include "shared/log.h"

#ifndef PGS_LIBDIR
#define PGS_LIBDIR "/usr/lib/pgs"
#endif
#define DEFAULT_VFS 7

/* ---- what this run wants ------------------------------------------------- */


static bool bind_eq(const struct bind_list *a, const struct bind_list *b)
{
        if (a->set != b->set || a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const struct bind_item *x = &a->v[i], *y = &b->v[i];
                if (x->kind != y->kind || x->vendor != y->vendor || x->device != y->device ||
                    ((x->kind == BIND_ADDR || x->kind == BIND_ADDR_ID) && !pci_addr_eq(&x->addr, &y->addr)))
                        return false;
        }
        return true;
}

static void no_diag(void *ud, unsigned line, const char *msg) { }

/* /etc/pgs.conf for the mode: whole, with a header that says who wrote it */
static void plan_config(struct setup *s, struct plan *p)
{
        if (!strcmp(s->mode, "gvtg"))
                return;
        struct pgs_config old = { 0 };
        if (p->conf_old)
                config_parse(p->conf_old, p->conf_old_len, &old, no_diag, NULL);
        bool same_sriov = old.sriov.n == 0;     /* passthrough writes no [sriov] */
        char body[4096];
        size_t l = (size_t)snprintf(body, sizeof(body),
                                    "# /etc/pgs.conf, written by pgs setup --mode %s (pgs setup --undo puts back what\n"
                                    "# was here before). pgs-early reads it in the initramfs: after editing it,\n"
                                    "# rebuild the images with pgs initramfs enable. pgs.conf(5) says more.\n\n[vfio]\n",
                                    s->mode);
        if (!strcmp(s->mode, "passthrough")) {
                if (s->gpu) {
                        p->bind = (struct bind_list){ .set = true, .n = 1 };
                        bind_item_parse(s->gpu, &p->bind.v[0]);
                } else {
                        passthrough_default_bind(&s->root, &p->bind);
                }
                l += (size_t)snprintf(body + l, sizeof(body) - l, "bind =");
                for (size_t i = 0; i < p->bind.n && l < sizeof(body); i++)
                        l += (size_t)snprintf(body + l, sizeof(body) - l, " %s", p->bind.v[i].text);
                l += (size_t)snprintf(body + l, sizeof(body) - l, "\n");
        } else {
                struct pci_addr a;
                pci_addr_parse(s->gpu ? s->gpu : SETUP_IGPU, &a);
                unsigned vfs = DEFAULT_VFS;
                for (size_t i = 0; i < old.sriov.n; i++)
                        if (pci_addr_eq(&old.sriov.v[i].addr, &a) && old.sriov.v[i].vfs)
                                vfs = old.sriov.v[i].vfs;
                if (s->vfs > 0)
                        vfs = (unsigned)s->vfs;
                s->vfs = (int)vfs;
                same_sriov = old.sriov.n == 1 && pci_addr_eq(&old.sriov.v[0].addr, &a) && old.sriov.v[0].vfs == vfs;
                p->bind = (struct bind_list){ .set = true };
                char name[PCI_ADDR_STR];
                l += (size_t)snprintf(body + l, sizeof(body) - l,
                                      "# nothing goes to vfio-pci at boot: the VMs get the iGPU's VFs\nbind =\n\n[sriov]\n%s = %u\n",
                                      pci_addr_fmt(&a, name), vfs);
        }
        p->conf_new = xstrdup(body);
        p->conf_same = p->conf_old && bind_eq(&old.bind, &p->bind) && same_sriov;
}

int plan_load(struct setup *s, struct plan *p)
{
        char why[300];
        p->gen = initramfs_state(&s->root, &p->init_on, why, sizeof(why));
        int rc = fs_read_file(&s->root, SETUP_CONF, PGS_CONF_MAX, &p->conf_old, &p->conf_old_len);
        if (rc < 0 && rc != -ENOENT) {
                log_stderr("pgs setup", "/%s: %s; nothing changed", SETUP_CONF, rc == -EFBIG ? "larger than 64 KiB" : strerror(-rc));
                return -1;
        }
        struct stat st;
        p->conf_mode = fs_stat(&s->root, SETUP_CONF, &st) == 0 ? (int)(st.st_mode & 07777) : 0644;
        p->boot_had = boot_recorded(&s->root, p->boot_mode, sizeof(p->boot_mode), p->boot_hp, sizeof(p->boot_hp));
        plan_config(s, p);
        return 0;
}

/* ---- the steps' previews (dry runs) -------------------------------------- */

static bool installed(const struct setup *s, const char *rel_or_abs)
{
        return fs_exists(&s->root, rel_or_abs + (*rel_or_abs == '/'));
}

static bool udev_rule(const struct setup *s, const char *name)
{
        static const char *const dirs[] = { "usr/lib/udev/rules.d", "lib/udev/rules.d", "usr/local/lib/udev/rules.d", "etc/udev/rules.d" };
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                char p[200];
                snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
                if (fs_exists(&s->root, p))
                        return true;
        }
        return false;
}

static void say(const struct setup *s, const struct step *st)
{
        printf("  %s\n", st->what);
}

/* what a package or make install owns: required ones fail the run */
int step_files(struct setup *s, const struct plan *p)
{
        struct step *st = step_add(s, "files");
        bool boot_time = strcmp(s->mode, "gvtg") != 0;
        char miss[400] = "", warn[300] = "";
        size_t m = 0, w = 0;
#define SEP(l) ((l) ? ", " : " ")
        if (boot_time && !installed(s, PGS_LIBDIR "/pgs-early"))
                m += (size_t)snprintf(miss + m, sizeof(miss) - m, "%s" PGS_LIBDIR "/pgs-early", SEP(m));
        if (boot_time && !p->gen)
                m += (size_t)snprintf(miss + m, sizeof(miss) - m, "%san initramfs generator (mkinitcpio, dracut, initramfs-tools)", SEP(m));
        else if (boot_time && !installed(s, p->gen->hook))
                m += (size_t)snprintf(miss + m, sizeof(miss) - m, "%s/%s", SEP(m), p->gen->hook);
        if (!installed(s, PGS_LIBDIR "/pgs-qemu-hook"))
                m += (size_t)snprintf(miss + m, sizeof(miss) - m, "%s" PGS_LIBDIR "/pgs-qemu-hook", SEP(m));
        bool sr = !strcmp(s->mode, "sriov");
        if (!udev_rule(s, "60-pgs-sriov.rules") && sr)
                m += (size_t)snprintf(miss + m, sizeof(miss) - m, "%s60-pgs-sriov.rules (udev)", SEP(m));
        else if (!udev_rule(s, "60-pgs-sriov.rules"))
                w += (size_t)snprintf(warn + w, sizeof(warn) - w, "%s60-pgs-sriov.rules (udev)", SEP(w));
        if (!udev_rule(s, "70-pgs-vfio.rules"))
                w += (size_t)snprintf(warn + w, sizeof(warn) - w, "%s70-pgs-vfio.rules (udev)", SEP(w));
        if (!fs_exists(&s->root, "etc/security/limits.d/90-pgs.conf"))
                w += (size_t)snprintf(warn + w, sizeof(warn) - w, "%s/etc/security/limits.d/90-pgs.conf", SEP(w));
#undef SEP
        if (m) {
                step_set(st, "failed", false, "missing:%s; install pgs (its package, or make install) first", miss);
                log_stderr("pgs setup", "%s", st->what);
                return -1;
        }
        if (w)
                step_set(st, "warn", false, "in place, but missing:%s (they matter for qemu:///session and VFs added later)", warn);
        else
                step_set(st, "unchanged", false, "pgs-early, %s's pgs hook, pgs-qemu-hook, the udev rules and limits.d are installed",
                         p->gen ? p->gen->name : "the generator");
        say(s, st);
        return 0;
}

/* passthrough: pgs-early's own plan with the new bind list must give the VM
 * something, or the whole setup is for nothing */
static int check_passthrough(struct setup *s, const struct plan *p)
{
        if (strcmp(s->mode, "passthrough"))
                return 0;
        if (!fs_exists(&s->root, "sys/bus/pci/devices")) {
                printf("  (no /sys/bus/pci/devices under this root: what pgs-early will bind is not checked)\n");
                return 0;
        }
        struct passthrough_verdict v;
        passthrough_plan(&s->root, &p->bind, &v);
        if (!v.going) {
                struct step *st = &s->steps[S_CONFIG];
                step_set(st, "failed", false, "with this bind list pgs-early would give the VM nothing: %s", v.why);
                log_stderr("pgs setup", "%s; nothing changed (pgs check tells more)", st->what);
                return -1;
        }
        printf("  pgs-early will give %s to vfio-pci at boot (%u device(s) of its IOMMU group)\n", v.first, v.going);
        return 0;
}

int preview_config(struct setup *s, const struct plan *p)
{
        struct step *st = step_add(s, "config");
        if (!p->conf_new)
                step_set(st, "skipped", false, "GVT-g binds nothing at boot: the iGPU stays with the host, the hook makes its mdevs");
        else if (p->conf_same)
                step_set(st, "unchanged", false, "/%s says this already", SETUP_CONF);
        else {
                diff_unified(stdout, "/" SETUP_CONF, p->conf_old, p->conf_old_len, p->conf_new, strlen(p->conf_new));
                step_set(st, "changed", true, "/%s %s for %s", SETUP_CONF, p->conf_old ? "rewritten" : "written", s->mode);
        }
        say(s, st);
        return check_passthrough(s, p);
}

/* The images are rebuilt when pgs is not enabled yet, when the config they
 * carry changes, or when one does not carry pgs-early (listed: slow, but
 * setup is run once). */
int preview_initramfs(struct setup *s, const struct plan *p)
{
        struct step *st = step_add(s, "initramfs");
        if (!p->conf_new) {
                step_set(st, "skipped", false, "GVT-g needs nothing in the initramfs");
                say(s, st);
                return 0;
        }
        char why[400] = "";
        int carry = p->init_on == 1 ? images_carry_early(&s->root, why, sizeof(why)) : 0;
        if (p->init_on == 1 && carry == 1 && !s->steps[S_CONFIG].changed) {
                step_set(st, "unchanged", false, "pgs is enabled in %s and every image carries pgs-early", p->gen->name);
                say(s, st);
                return 0;
        }
        if (setup_sub(s, true, false, NULL, "initramfs", "enable", NULL) != PGS_EXIT_OK) {
                step_set(st, "failed", false, "pgs initramfs enable would fail (above)");
                return -1;
        }
        step_set(st, "changed", true, "%s: %s", p->gen->name,
                 p->init_on != 1 ? "pgs enabled, the images rebuilt" : s->steps[S_CONFIG].changed ? "the images rebuilt with the new /etc/pgs.conf"
                                                                         : "the images rebuilt: not every one carries pgs-early");
        say(s, st);
        return 0;
}

/* pgs boot apply's words for the mode */
static int boot_apply(const struct setup *s, bool dry, bool shown, bool *changed)
{
        char vfs[16];
        snprintf(vfs, sizeof(vfs), "%d", s->vfs);
        bool sr = !strcmp(s->mode, "sriov");
        const char *hp = s->hugepages;
        /* the optional words in order, none of them a NULL that would end the
         * list early (passthrough --hugepages was once dropped that way) */
        const char *w[4] = { NULL };
        unsigned k = 0;
        if (sr)
                w[k++] = "--vfs", w[k++] = vfs;
        if (hp)
                w[k++] = "--hugepages", w[k++] = hp;
        return setup_sub(s, dry, shown, changed, "boot", "apply", "--mode", s->mode, w[0], w[1], w[2], w[3], NULL);
}

int preview_boot(struct setup *s)
{
        struct step *st = step_add(s, "boot");
        bool ch;
        if (boot_apply(s, true, false, &ch) != PGS_EXIT_OK) {
                step_set(st, "failed", false, "pgs boot apply --mode %s would fail (above)", s->mode);
                return -1;
        }
        if (ch)
                step_set(st, "changed", true, "the kernel parameters for %s added", s->mode);
        else
                step_set(st, "unchanged", false, "the kernel parameters for %s are there", s->mode);
        say(s, st);
        return 0;
}

int preview_hook(struct setup *s)
{
        struct step *st = step_add(s, "hook");
        bool ch;
        if (setup_sub(s, true, false, &ch, "hook", NULL) != PGS_EXIT_OK) {
                step_set(st, "failed", false, "the libvirt hook cannot be linked (above)");
                return -1;
        }
        if (ch)
                step_set(st, "changed", true, "pgs-qemu-hook linked as libvirt's qemu hook");
        else
                step_set(st, "unchanged", false, "pgs-qemu-hook is libvirt's qemu hook");
        say(s, st);
        return 0;
}

/* ---- carrying it out ----------------------------------------------------- */

/* one step that would change, done; what undoes it goes into u */
static int do_step(struct setup *s, const struct plan *p, int i, struct undo *u)
{
        int rc = PGS_EXIT_OK;
        printf("\n%s: carrying it out\n", s->steps[i].id);
        fflush(stdout);
        switch (i) {
        case S_CONFIG:
                rc = fs_mkdir_p(&s->root, "etc", 0755);
                if (rc == 0)
                        rc = fs_write_file_atomic(&s->root, SETUP_CONF, p->conf_new, strlen(p->conf_new), p->conf_mode);
                if (rc < 0) {
                        log_stderr("pgs setup", "/%s: cannot write it: %s", SETUP_CONF, strerror(-rc));
                        return PGS_EXIT_FAILED;
                }
                u->config = p->conf_old ? U_REPLACED : U_CREATED;
                if (p->conf_old) {
                        u->conf = xmalloc(p->conf_old_len + 1);
                        memcpy(u->conf, p->conf_old, p->conf_old_len + 1);
                        u->conf_len = p->conf_old_len;
                        u->conf_mode = p->conf_mode;
                }
                return PGS_EXIT_OK;
        case S_INITRAMFS:
                rc = setup_sub(s, false, true, NULL, "initramfs", "enable", NULL);
                u->initramfs = p->init_on == 1 ? UI_REBUILD : UI_DISABLE;
                break;
        case S_BOOT:
                rc = boot_apply(s, false, true, NULL);
                u->boot = p->boot_had ? UB_REAPPLY : UB_REVERT;
                snprintf(u->boot_mode, sizeof(u->boot_mode), "%s", p->boot_mode);
                snprintf(u->boot_hp, sizeof(u->boot_hp), "%s", p->boot_hp);
                break;
        case S_HOOK:
                rc = setup_sub(s, false, true, NULL, "hook", NULL);
                u->hook = true;
                break;
        }
        if (rc != PGS_EXIT_OK) {
                /* the command put its own files back */
                if (i == S_INITRAMFS)
                        u->initramfs = UI_NONE;
                else if (i == S_BOOT)
                        u->boot = UB_NONE;
                else
                        u->hook = false;
        }
        return rc;
}

/* The record is written after each step, so that a run killed half-way
 * can still be taken back with --undo; a failed run puts it back as it was. */
int carry_out(struct setup *s, const struct plan *p)
{
        struct undo now = { 0 };
        char *rec_old = NULL, *saved_old = NULL;
        size_t rec_len = 0, saved_len = 0;
        fs_read_file(&s->root, SETUP_RECORD, 1 << 20, &rec_old, &rec_len);
        fs_read_file(&s->root, SETUP_SAVED, 1 << 20, &saved_old, &saved_len);
        int rc = PGS_EXIT_OK, i;
        for (i = S_CONFIG; i < S_N; i++) {
                if (!s->steps[i].changed)
                        continue;
                rc = do_step(s, p, i, &now);
                if (rc == PGS_EXIT_OK && undo_save(s, &now) < 0)
                        rc = PGS_EXIT_FAILED;
                if (rc != PGS_EXIT_OK)
                        break;
        }
        if (rc != PGS_EXIT_OK) {
                log_stderr("pgs setup", "%s failed: taking back what this run changed", s->steps[i].id);
                for (int k = S_CONFIG; k < S_N; k++) {
                        struct step *st = &s->steps[k];
                        if (k == i)
                                step_set(st, "failed", false, "failed (above); what it changed is back as it was");
                        else if (st->changed && k < i)
                                step_set(st, "undone", false, "done, then taken back: %s failed", s->steps[i].id);
                        else if (st->changed)
                                step_set(st, "skipped", false, "not done: %s failed", s->steps[i].id);
                }
                if (undo_run(s, &now, false) != PGS_EXIT_OK)
                        log_stderr("pgs setup", "not everything could be taken back (above); /%s says what is left", SETUP_RECORD);
                else {
                        rec_old ? fs_write_file_atomic(&s->root, SETUP_RECORD, rec_old, rec_len, 0644) : fs_unlink(&s->root, SETUP_RECORD);
                        saved_old ? fs_write_file_atomic(&s->root, SETUP_SAVED, saved_old, saved_len, 0600) : fs_unlink(&s->root, SETUP_SAVED);
                        if (!rec_old)
                                fs_rmdir(&s->root, "var/lib/pgs");
                }
        }
        undo_free(&now);
        free(rec_old);
        free(saved_old);
        return rc;
}

