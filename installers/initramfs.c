/* SPDX-License-Identifier: GPL-2.0-or-later */
/* installers/initramfs.c — `pgs initramfs status|enable|disable`: is pgs in
 * this system's initramfs, and is anything undermining it.
 *
 *   mkinitcpio      `pgs` in HOOKS of /etc/mkinitcpio.conf, before udev/systemd
 *   dracut          /etc/dracut.conf.d/90-pgs.conf (add_dracutmodules+=" pgs ")
 *   initramfs-tools /etc/initramfs-tools/conf.d/pgs (PGS=y)
 * dracut and initramfs-tools run every installed module/hook, so pgs's own
 * hooks do nothing unless the file pgs owns says so. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/command.h"
#include "shared/alloc.h"
#include "shared/log.h"
#include "shared/host/kmod.h"
#include "shared/edit.h"
#include "shared/proc.h"
#include "shared/root.h"
#include "shared/sysroot.h"
#include "installers/initramfs.h"

static const struct gen gens[] = {
        { "mkinitcpio", true, "etc/mkinitcpio.conf", { "mkinitcpio", "-P", NULL }, "lsinitcpio", { "initramfs-", NULL },
          "usr/lib/initcpio/install/pgs" },
        { "initramfs-tools", false, "etc/initramfs-tools/conf.d/pgs", { "update-initramfs", "-u", "-k", "all", NULL }, "lsinitramfs",
          { "initrd.img-", NULL }, "usr/share/initramfs-tools/hooks/pgs" },
        /* dracut names its images initrd.img-KVER on Debian/Ubuntu, initramfs-KVER.img on Fedora/Arch */
        { "dracut", true, "etc/dracut.conf.d/90-pgs.conf", { "dracut", "--regenerate-all", "--force", NULL }, "lsinitrd",
          { "initramfs-", "initrd.img-", NULL }, "usr/lib/dracut/modules.d/90pgs/module-setup.sh" },
};

static const char *const itools_owned = "# written by pgs initramfs enable: include pgs-early in the image\nPGS=y\n";
static const char *const dracut_owned = "# written by pgs initramfs enable: include pgs-early in the image\nadd_dracutmodules+=\" pgs \"\n";


int inst_err(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr("pgs initramfs", fmt, ap);
        va_end(ap);
        return -1;
}

const struct gen *gen_detect(struct ctx *c)
{
        char prog[512];
        if (fs_exists(&c->root, "etc/mkinitcpio.conf") && prog_find(&c->root, c->sysroot, "mkinitcpio", prog, sizeof(prog)))
                return &gens[0];
        if (fs_exists(&c->root, "etc/initramfs-tools/initramfs.conf") &&
            prog_find(&c->root, c->sysroot, "update-initramfs", prog, sizeof(prog)))
                return &gens[1];
        if (prog_find(&c->root, c->sysroot, "dracut", prog, sizeof(prog)))
                return &gens[2];
        return NULL;
}

/* mkinitcpio: the HOOKS=(...) or HOOKS="..." assignment (the last one) */
static bool hooks_span(const char *t, size_t len, size_t *ret_s, size_t *ret_e)
{
        bool found = false;
        for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && t[e] != '\n')
                        e++;
                if (e - i > 7 && !strncmp(t + i, "HOOKS=", 6) && (t[i + 6] == '(' || t[i + 6] == '"')) {
                        char close = t[i + 6] == '(' ? ')' : '"';
                        const char *q = memchr(t + i + 7, close, len - i - 7);
                        if (q) {
                                *ret_s = i + 7;
                                *ret_e = (size_t)(q - t);
                                found = true;
                                e = (size_t)(q - t);
                                while (e < len && t[e] != '\n')
                                        e++;
                        }
                }
                i = e + 1;
        }
        return found;
}

/* position of word w in [s,e) as a whole word, or (size_t)-1 */
static size_t word_at(const char *t, size_t s, size_t e, const char *w)
{
        size_t wl = strlen(w);
        for (size_t i = s; i + wl <= e; i++)
                if (!memcmp(t + i, w, wl) && (i == s || strchr(" \t\n", t[i - 1])) &&
                    (i + wl == e || strchr(" \t\n", t[i + wl])))
                        return i;
        return (size_t)-1;
}

/* 1 enabled, 0 not, -1 error (printed); *ret_where says why when not */
static int is_enabled(struct ctx *c, char *why, size_t size)
{
        char *t;
        size_t len;
        int rc = fs_read_file(&c->root, c->g->conf, 1 << 20, &t, &len);
        if (rc == -ENOENT) {
                snprintf(why, size, "/%s does not exist", c->g->conf);
                return 0;
        }
        if (rc < 0)
                return inst_err("/%s: %s", c->g->conf, strerror(-rc));
        int on = 0;
        if (c->g == &gens[0]) {
                size_t s, e;
                if (!hooks_span(t, len, &s, &e)) {
                        snprintf(why, size, "no HOOKS= in /%s", c->g->conf);
                } else {
                        size_t p = word_at(t, s, e, "pgs"), u = word_at(t, s, e, "udev"), sd = word_at(t, s, e, "systemd");
                        size_t first = u < sd ? u : sd;
                        if (p == (size_t)-1)
                                snprintf(why, size, "pgs is not in HOOKS");
                        else if (first != (size_t)-1 && p > first)
                                snprintf(why, size, "pgs is in HOOKS after %s: it must come before it", u < sd ? "udev" : "systemd");
                        else
                                on = 1;
                }
        } else if (c->g == &gens[1]) {
                on = strstr(t, "PGS=y") != NULL;
                if (!on)
                        snprintf(why, size, "/%s does not say PGS=y", c->g->conf);
        } else {
                on = strstr(t, "pgs") != NULL;
        }
        free(t);
        return on;
}

const struct gen *initramfs_state(const struct pgs_root *r, int *ret_on, char *why, size_t size)
{
        struct ctx c = { .root = *r, .sysroot = sysroot_of(r) };       /* a copy: closed by the caller */
        if (!(c.g = gen_detect(&c))) {
                snprintf(why, size, "no initramfs generator found (mkinitcpio, update-initramfs, dracut)");
                return NULL;
        }
        *ret_on = is_enabled(&c, why, size);
        return c.g;
}

/* the configuration change, on the plan's copy of the generator's file */
static int plan_conf(struct ctx *c, bool enable, struct edit_file **ret)
{
        struct edit_file *f;
        if (edit_load(&c->plan, c->g->conf, true, &f) < 0)
                return -1;
        *ret = f;
        if (c->g != &gens[0]) {
                const char *own = c->g == &gens[1] ? itools_owned : dracut_owned;
                f->owned = true;
                edit_set(f, enable ? xstrdup(own) : NULL, enable ? strlen(own) : 0);
                return 0;
        }
        const char *t = f->old;
        size_t len = f->old_len, s, e;
        if (!t)
                return inst_err("/%s does not exist; nothing changed", c->g->conf);
        if (!hooks_span(t, len, &s, &e))
                return inst_err("/%s has no HOOKS=(...) line; add pgs before udev or systemd by hand", c->g->conf);
        size_t p = word_at(t, s, e, "pgs");
        if (enable) {
                size_t u = word_at(t, s, e, "udev"), sd = word_at(t, s, e, "systemd");
                size_t at = u < sd ? u : sd;
                if (at == (size_t)-1)
                        return inst_err("HOOKS in /%s has neither udev nor systemd; pgs must run before device drivers load: add it by hand",
                                   c->g->conf);
                if (p != (size_t)-1 && p < at)
                        return 0;       /* already there, in the right place */
                if (p != (size_t)-1)
                        return inst_err("pgs is in HOOKS after udev/systemd in /%s: move it before them by hand", c->g->conf);
                /* "pgs " goes right before udev/systemd: disable takes exactly that away */
                char *n = xmalloc(len + 5);
                memcpy(n, t, at);
                memcpy(n + at, "pgs ", 4);
                memcpy(n + at + 4, t + at, len - at + 1);
                edit_set(f, n, len + 4);
                return 0;
        }
        if (p == (size_t)-1)
                return 0;
        size_t b = p + 3;
        if (b < e && t[b] == ' ')
                b++;
        else if (p > s && t[p - 1] == ' ')
                p--;
        char *n = xmalloc(len + 1);
        memcpy(n, t, p);
        memcpy(n + p, t + b, len - b + 1);
        edit_set(f, n, len - (b - p));
        return 0;
}

/* The rebuild, as commands of the plan. Where kernel-install manages the
 * images (dracut or mkinitcpio behind it), each installed kernel goes through
 * `kernel-install add KVER /usr/lib/modules/KVER/vmlinuz`, which writes them
 * where the boot loader looks; otherwise the generator's own command. */
static int plan_regen(struct ctx *c)
{
        char none[1][256];
        bool ki = c->g->ki && ki_images(c, none, 0, 1) > 0;
        char prog[512];
        if (!ki) {
                if (!prog_find(&c->root, c->sysroot, c->g->regen[0], prog, sizeof(prog)))
                        return inst_err("%s not found to rebuild the images", c->g->regen[0]);
                const char *argv[ARGV_MAX] = { prog };
                for (size_t k = 1; c->g->regen[k]; k++)
                        argv[k] = c->g->regen[k];
                edit_cmd_add(&c->plan, argv);
                return 0;
        }
        if (!prog_find(&c->root, c->sysroot, "kernel-install", prog, sizeof(prog)))
                return inst_err("the images are kernel-install's ($BOOT/ENTRY-TOKEN/KVER/initrd) but kernel-install is not found");
        struct dirent **list;
        int n = fs_scandir(&c->root, "usr/lib/modules", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char img[600], host[800];
                snprintf(img, sizeof(img), "usr/lib/modules/%s/vmlinuz", list[i]->d_name);
                if (list[i]->d_name[0] != '.' && fs_exists(&c->root, img))
                        edit_cmd_addl(&c->plan, prog, "add", list[i]->d_name, sysroot_path(&c->root, img, host, sizeof(host)), NULL);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!c->plan.n_cmds)
                return inst_err("the images are kernel-install's but no kernel is installed in /usr/lib/modules");
        return 0;
}

static const char usage[] =
        "Usage: pgs initramfs status|enable|disable [--dry-run] [--generator NAME] [--sysroot DIR]\n"
        "\n"
        "Put pgs-early into this system's initramfs (or take it out), rebuild the\n"
        "images with the distribution's own command, and confirm by listing them\n"
        "that pgs-early and /etc/pgs.conf are really inside. status also reports what\n"
        "undermines pgs: stale images, vfio-pci.ids=, GPU drivers loaded early.\n"
        "\n"
        "  --generator NAME  mkinitcpio, dracut or initramfs-tools (default: detected)\n"
        "  --dry-run         print the change and the command; change nothing\n"
        "  --sysroot DIR     every file, and every program run, under DIR\n";

int cmd_initramfs(int argc, char **argv)
{
        return initramfs_command(argc, argv, NULL);
}

int initramfs_command(int argc, char **argv, struct edit_report *rep)
{
        static const struct option opts[] = {
                { "dry-run", no_argument, NULL, 'n' }, { "generator", required_argument, NULL, 'g' },
                SYSROOT_OPTION, { "help", no_argument, NULL, 'h' }, { 0 },
        };
        struct ctx c = { 0 };
        const char *gen = NULL, *sysroot = NULL;
        bool dry_run = false;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'n': dry_run = true; break;
                case 'g': gen = optarg; break;
                case 'r': sysroot = optarg; break;
                case 'h': fputs(usage, stdout); return PGS_EXIT_OK;
                default: fputs(usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc || (strcmp(argv[optind], "status") && strcmp(argv[optind], "enable") && strcmp(argv[optind], "disable"))) {
                fputs(usage, stderr);
                return PGS_EXIT_USAGE;
        }
        const char *sub = argv[optind];
        if (sysroot_open(&c.root, "pgs initramfs", sysroot))
                return PGS_EXIT_USAGE;
        c.sysroot = sysroot_of(&c.root);
        if (gen) {
                for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
                        if (!strcmp(gen, gens[i].name))
                                c.g = &gens[i];
                if (!c.g) {
                        inst_err("--generator '%.32s': expected mkinitcpio, dracut or initramfs-tools", gen);
                        return PGS_EXIT_USAGE;
                }
        } else if (!(c.g = gen_detect(&c))) {
                inst_err("no initramfs generator found (mkinitcpio, dracut, initramfs-tools); name one with --generator");
                return PGS_EXIT_FAILED;
        }

        char why[256] = "";
        int on = is_enabled(&c, why, sizeof(why));
        if (on < 0)
                return PGS_EXIT_FAILED;
        if (!strcmp(sub, "status")) {
                printf("generator: %s\n", c.g->name);
                if (on)
                        printf("pgs: enabled\n");
                else
                        printf("pgs: not enabled (%s)\n", why);
                report_images(&c, on);
                report_underminers(&c);
                return c.warnings ? PGS_EXIT_PARTIAL : PGS_EXIT_OK;
        }
        c.want = !strcmp(sub, "enable");
        edit_init(&c.plan, &c.root, "pgs initramfs");
        c.plan.report = rep;
        c.plan.dry_run = dry_run;
        c.plan.short_names = true;
        c.plan.timeout_ms = GEN_TIMEOUT_MS;
        c.plan.verify = verify_images;
        c.plan.verify_ud = &c;
        struct edit_file *f;
        int rc = PGS_EXIT_FAILED;
        if (plan_conf(&c, c.want, &f) < 0 || plan_regen(&c) < 0)
                goto out;
        if (!edit_changes(f))
                printf("pgs initramfs: %s: pgs is already %s\n", c.g->name, c.want ? "enabled" : "disabled");
        rc = edit_execute(&c.plan);
        if (rc == PGS_EXIT_OK && !dry_run)
                printf("pgs initramfs: %s in the %s images\n", c.want ? "pgs-early is" : "pgs-early is no longer", c.g->name);
out:
        edit_free(&c.plan);
        root_close(&c.root);
        return rc;
}
