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

#define GEN_TIMEOUT_MS (10 * 60 * 1000)

/* Each rebuild command is one NULL-terminated argv, used as it is for the run
 * and for the --dry-run line (tests/bats/installers.bats asserts it exactly). */
#define ARGV_MAX 6
struct gen {
        const char *name;
        const char *conf;               /* the file pgs edits or owns */
        const char *regen[ARGV_MAX];    /* the distribution's rebuild command, NULL-terminated */
        const char *lister;             /* lists an image's files */
        const char *images[3];          /* image name prefixes in /boot, NULL-terminated */
};

static const struct gen gens[] = {
        { "mkinitcpio", "etc/mkinitcpio.conf", { "mkinitcpio", "-P", NULL }, "lsinitcpio", { "initramfs-", NULL } },
        { "initramfs-tools", "etc/initramfs-tools/conf.d/pgs", { "update-initramfs", "-u", "-k", "all", NULL }, "lsinitramfs",
          { "initrd.img-", NULL } },
        /* dracut names its images initrd.img-KVER on Debian/Ubuntu, initramfs-KVER.img on Fedora/Arch */
        { "dracut", "etc/dracut.conf.d/90-pgs.conf", { "dracut", "--regenerate-all", "--force", NULL }, "lsinitrd",
          { "initramfs-", "initrd.img-", NULL } },
};

static const char *const itools_owned = "# written by pgs initramfs enable: include pgs-early in the image\nPGS=y\n";
static const char *const dracut_owned = "# written by pgs initramfs enable: include pgs-early in the image\nadd_dracutmodules+=\" pgs \"\n";

struct ctx {
        struct pgs_root root;
        const char *sysroot;
        const struct gen *g;
        bool dry_run;
        bool want;              /* enable: the images must carry pgs-early */
        int warnings;
        struct edit_plan plan;  /* the file and the rebuild (shared/edit.h) */
};

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static int err(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr("pgs initramfs", fmt, ap);
        va_end(ap);
        return -1;
}

static const struct gen *detect(struct ctx *c)
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
                return err("/%s: %s", c->g->conf, strerror(-rc));
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
                return err("/%s does not exist; nothing changed", c->g->conf);
        if (!hooks_span(t, len, &s, &e))
                return err("/%s has no HOOKS=(...) line; add pgs before udev or systemd by hand", c->g->conf);
        size_t p = word_at(t, s, e, "pgs");
        if (enable) {
                size_t u = word_at(t, s, e, "udev"), sd = word_at(t, s, e, "systemd");
                size_t at = u < sd ? u : sd;
                if (at == (size_t)-1)
                        return err("HOOKS in /%s has neither udev nor systemd; pgs must run before device drivers load: add it by hand",
                                   c->g->conf);
                if (p != (size_t)-1 && p < at)
                        return 0;       /* already there, in the right place */
                if (p != (size_t)-1)
                        return err("pgs is in HOOKS after udev/systemd in /%s: move it before them by hand", c->g->conf);
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

/* kernel-install's own layout (Fedora and EndeavourOS with systemd-boot):
 * $BOOT/<entry-token>/<KVER>/initrd, $BOOT being /boot, /efi or /boot/efi */
static const char *const ki_roots[] = { "boot", "efi", "boot/efi" };

static int ki_images(struct ctx *c, char names[][256], int k, int max)
{
        for (size_t r = 0; r < sizeof(ki_roots) / sizeof(ki_roots[0]); r++) {
                struct dirent **tok;
                int nt = fs_scandir(&c->root, ki_roots[r], &tok, NULL, alphasort);
                for (int i = 0; i < nt; i++) {
                        char p[600];
                        struct dirent **ver;
                        snprintf(p, sizeof(p), "%s/%s", ki_roots[r], tok[i]->d_name);
                        int nv = tok[i]->d_name[0] == '.' ? -1 : fs_scandir(&c->root, p, &ver, NULL, alphasort);
                        for (int j = 0; j < nv; j++) {
                                char img[800];
                                snprintf(img, sizeof(img), "%s/%s/initrd", p, ver[j]->d_name);
                                if (k < max && ver[j]->d_name[0] != '.' && strlen(img) < 256 && fs_exists(&c->root, img))
                                        snprintf(names[k++], 256, "%s", img);
                                free(ver[j]);
                        }
                        if (nv >= 0)
                                free(ver);
                        free(tok[i]);
                }
                if (nt >= 0)
                        free(tok);
        }
        return k;
}

/* images in /boot this generator makes, then those kernel-install manages */
static int list_images(struct ctx *c, char names[][256], int max)
{
        struct dirent **list;
        int n = fs_scandir(&c->root, "boot", &list, NULL, alphasort), k = 0;
        for (int i = 0; i < n; i++) {
                const char *d = list[i]->d_name;
                bool ours = false;
                for (size_t p = 0; c->g->images[p]; p++)
                        ours |= !strncmp(d, c->g->images[p], strlen(c->g->images[p]));
                if (k < max && ours && !strstr(d, ".pgs-bak") && !strstr(d, "fallback"))
                        snprintf(names[k++], 256, "boot/%s", d);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return c->g == &gens[1] ? k : ki_images(c, names, k, max);
}

/* The rebuild, as commands of the plan. Where kernel-install manages the
 * images (dracut or mkinitcpio behind it), each installed kernel goes through
 * `kernel-install add KVER /usr/lib/modules/KVER/vmlinuz`, which writes them
 * where the boot loader looks; otherwise the generator's own command. */
static int plan_regen(struct ctx *c)
{
        char none[1][256];
        bool ki = c->g != &gens[1] && ki_images(c, none, 0, 1) > 0;
        char prog[512];
        if (!ki) {
                if (!prog_find(&c->root, c->sysroot, c->g->regen[0], prog, sizeof(prog)))
                        return err("%s not found to rebuild the images", c->g->regen[0]);
                const char *argv[ARGV_MAX] = { prog };
                for (size_t k = 1; c->g->regen[k]; k++)
                        argv[k] = c->g->regen[k];
                edit_cmd_add(&c->plan, argv);
                return 0;
        }
        if (!prog_find(&c->root, c->sysroot, "kernel-install", prog, sizeof(prog)))
                return err("the images are kernel-install's ($BOOT/ENTRY-TOKEN/KVER/initrd) but kernel-install is not found");
        struct dirent **list;
        int n = fs_scandir(&c->root, "usr/lib/modules", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char img[600], host[800];
                snprintf(img, sizeof(img), "usr/lib/modules/%s/vmlinuz", list[i]->d_name);
                snprintf(host, sizeof(host), "%s/%s", c->sysroot ? c->sysroot : "", img);
                if (list[i]->d_name[0] != '.' && fs_exists(&c->root, img))
                        edit_cmd_addl(&c->plan, prog, "add", list[i]->d_name, host, NULL);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!c->plan.n_cmds)
                return err("the images are kernel-install's but no kernel is installed in /usr/lib/modules");
        return 0;
}

struct listing {
        bool early, conf;
};

static void listing_line(const char *line, void *ud)
{
        struct listing *l = ud;
        l->early |= strstr(line, "lib/pgs/pgs-early") != NULL;
        l->conf |= strstr(line, "etc/pgs.conf") != NULL;
}

/* does the image carry pgs-early and the config? (the generator's lister,
 * read through a pipe under the deadline) */
static int image_check(struct ctx *c, const char *img, bool *has_early, bool *has_conf)
{
        char prog[512], path[700];
        if (!prog_find(&c->root, c->sysroot, c->g->lister, prog, sizeof(prog)))
                return -ENOENT;
        snprintf(path, sizeof(path), "%s/%s", c->sysroot ? c->sysroot : "", img);
        char *argv[] = { prog, path, NULL };
        struct listing l = { false, false };
        int rc = run_lines(argv, c->sysroot, GEN_TIMEOUT_MS, listing_line, &l);
        *has_early = l.early;
        *has_conf = l.conf;
        return rc;
}

static void report_images(struct ctx *c, bool want)
{
        char imgs[16][256];
        int n = list_images(c, imgs, 16);
        if (!n)
                printf("  images: none found in /boot (%s*)\n", c->g->images[0]);
        struct stat cs, is;
        bool have_conf = fs_stat(&c->root, "etc/pgs.conf", &cs) == 0;
        for (int i = 0; i < n; i++) {
                bool e, k;
                int rc = image_check(c, imgs[i], &e, &k);
                if (rc == -ENOENT) {
                        printf("  /%s: cannot look inside (%s not found)\n", imgs[i], c->g->lister);
                        continue;
                }
                printf("  /%s: pgs-early %s, /etc/pgs.conf %s\n", imgs[i], e ? "inside" : "MISSING", k ? "inside" : "missing");
                if (want && !e) {
                        printf("    warning: pgs is enabled but this image does not carry it: rebuild it\n");
                        c->warnings++;
                }
                if (have_conf && fs_stat(&c->root, imgs[i], &is) == 0 && is.st_mtime < cs.st_mtime && e) {
                        printf("    warning: older than /etc/pgs.conf: its copy of the config is stale; rebuild it\n");
                        c->warnings++;
                }
        }
}

static const char *const native[] = { "amdgpu", "radeon", "nouveau", "nvidia", "nvidia_drm", "nvidia-drm", "i915", "xe", NULL };

static void scan_words(struct ctx *c, const char *text, const char *what)
{
        for (int i = 0; native[i]; i++) {
                const char *p = text;
                size_t l = strlen(native[i]);
                while ((p = strstr(p, native[i]))) {
                        bool left = p == text || strchr(" \t\n(\"'=,", p[-1]);
                        bool right = !p[l] || strchr(" \t\n)\"',", p[l]);
                        if (left && right) {
                                printf("  note: %s loads %s early; pgs's modprobe.d softdep still runs pgs-early before it\n", what, native[i]);
                                break;
                        }
                        p += l;
                }
        }
}

/* modprobe.d as modprobe reads it (libkmod: every directory, tabs, the
 * file that wins): vfio-pci options with ids=, and an install line for
 * vfio-pci that would replace loading it */
static void report_modprobe_d(struct ctx *c)
{
        char kver[128] = "", v[1024], where[600];
        struct hkmod k;
        if (hkmod_running_kernel(&c->root, kver, sizeof(kver)) < 0 && hkmod_newest_kernel(&c->root, kver, sizeof(kver)) < 0)
                snprintf(kver, sizeof(kver), "none");
        if (hkmod_open(&k, &c->root, kver) < 0)
                return;
        if (hkmod_options(&k, "vfio-pci", v, sizeof(v)) == 0 && strstr(v, "ids=")) {
                if (hkmod_config_where(&k, "options", "vfio-pci", "ids=", where, sizeof(where)) < 0)
                        snprintf(where, sizeof(where), "modprobe.d");
                printf("  warning: %s: 'options vfio-pci %s' grabs every device with those ids; use [vfio] bind in /etc/pgs.conf instead\n",
                       where, v);
                c->warnings++;
        }
        if (hkmod_install(&k, "vfio-pci", v, sizeof(v)) == 0 && v[0] && !strstr(v, "pgs-early")) {
                if (hkmod_config_where(&k, "install", "vfio-pci", "", where, sizeof(where)) < 0)
                        snprintf(where, sizeof(where), "modprobe.d");
                printf("  warning: %s: 'install vfio-pci %s': modprobe runs that instead of loading vfio-pci, so nothing can use it\n", where, v);
                c->warnings++;
        }
        hkmod_close(&k);
}

static void report_underminers(struct ctx *c)
{
        char buf[8192];
        if (fs_read_str(&c->root, "proc/cmdline", buf, sizeof(buf)) >= 0) {
                if (strstr(buf, "vfio-pci.ids=") || strstr(buf, "vfio_pci.ids=")) {
                        printf("  warning: vfio-pci.ids= on the kernel command line grabs every device with those ids (two identical GPUs: both); use [vfio] bind in /etc/pgs.conf instead\n");
                        c->warnings++;
                }
                char *p = strstr(buf, "rd.driver.pre=");
                if (p)
                        scan_words(c, p, "rd.driver.pre= on the kernel command line");
        }
        report_modprobe_d(c);
        const char *early[] = { "etc/mkinitcpio.conf", "etc/initramfs-tools/modules", "etc/dracut.conf", NULL };
        for (int i = 0; early[i]; i++) {
                char *t;
                size_t len;
                if (fs_read_file(&c->root, early[i], 1 << 20, &t, &len) < 0)
                        continue;
                char what[128];
                for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n")) {
                        if (l[0] == '#')
                                continue;
                        if ((i == 0 && !strncmp(l, "MODULES=", 8)) || i == 1 ||
                            (i == 2 && (strstr(l, "force_drivers") || strstr(l, "add_drivers")))) {
                                snprintf(what, sizeof(what), "/%s", early[i]);
                                scan_words(c, l, what);
                        }
                }
                free(t);
        }
}

/* the engine's verify step: every image now says what was asked */
static int verify_images(void *ud)
{
        struct ctx *c = ud;
        char imgs[16][256];
        int n = list_images(c, imgs, 16), bad = 0;
        if (!n)
                return err("no image of %s found after the rebuild: pgs-early cannot be confirmed in any", c->g->name);
        for (int i = 0; i < n; i++) {
                bool e, f;
                if (image_check(c, imgs[i], &e, &f) == -ENOENT)
                        continue;
                if (e != c->want) {
                        err("/%s %s pgs-early after the rebuild", imgs[i], c->want ? "does not carry" : "still carries");
                        bad++;
                } else {
                        printf("  /%s: pgs-early %s\n", imgs[i], e ? "inside" : "not inside");
                }
        }
        return bad ? -1 : 0;
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
        static const struct option opts[] = {
                { "dry-run", no_argument, NULL, 'n' }, { "generator", required_argument, NULL, 'g' },
                SYSROOT_OPTION, { "help", no_argument, NULL, 'h' }, { 0 },
        };
        struct ctx c = { 0 };
        const char *gen = NULL, *sysroot = NULL;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'n': c.dry_run = true; break;
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
                        err("--generator '%.32s': expected mkinitcpio, dracut or initramfs-tools", gen);
                        return PGS_EXIT_USAGE;
                }
        } else if (!(c.g = detect(&c))) {
                err("no initramfs generator found (mkinitcpio, dracut, initramfs-tools); name one with --generator");
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
        edit_init(&c.plan, &c.root, c.sysroot, "pgs initramfs");
        c.plan.dry_run = c.dry_run;
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
        if (rc == PGS_EXIT_OK && !c.dry_run)
                printf("pgs initramfs: %s in the %s images\n", c.want ? "pgs-early is" : "pgs-early is no longer", c.g->name);
out:
        edit_free(&c.plan);
        return rc;
}
