/* SPDX-License-Identifier: GPL-2.0-or-later */
/* installers/images.c — the images a generator made, and what is inside
 * them: found in /boot (or where kernel-install puts them), listed with the
 * generator's own lister under a deadline. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "installers/initramfs.h"
#include "shared/proc.h"
#include "shared/sysroot.h"

/* kernel-install's own layout (Fedora and EndeavourOS with systemd-boot):
 * $BOOT/<entry-token>/<KVER>/initrd, $BOOT being /boot, /efi or /boot/efi */
static const char *const ki_roots[] = { "boot", "efi", "boot/efi" };

int ki_images(struct ctx *c, char names[][256], int k, int max)
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
int list_images(struct ctx *c, char names[][256], int max)
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
        return !c->g->ki ? k : ki_images(c, names, k, max);
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
int image_check(struct ctx *c, const char *img, bool *has_early, bool *has_conf)
{
        char prog[512], path[700];
        if (!prog_find(&c->root, c->sysroot, c->g->lister, prog, sizeof(prog)))
                return -ENOENT;
        char *argv[] = { prog, sysroot_path(&c->root, img, path, sizeof(path)), NULL };
        struct listing l = { false, false };
        int rc = run_lines(argv, c->sysroot, GEN_TIMEOUT_MS, listing_line, &l);
        *has_early = l.early;
        *has_conf = l.conf;
        return rc;
}

void report_images(struct ctx *c, bool want)
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

/* the engine's verify step: every image now says what was asked */
int verify_images(void *ud)
{
        struct ctx *c = ud;
        char imgs[16][256];
        int n = list_images(c, imgs, 16), bad = 0;
        if (!n)
                return inst_err("no image of %s found after the rebuild: pgs-early cannot be confirmed in any", c->g->name);
        for (int i = 0; i < n; i++) {
                bool e, f;
                if (image_check(c, imgs[i], &e, &f) == -ENOENT)
                        continue;
                if (e != c->want) {
                        inst_err("/%s %s pgs-early after the rebuild", imgs[i], c->want ? "does not carry" : "still carries");
                        bad++;
                } else {
                        printf("  /%s: pgs-early %s\n", imgs[i], e ? "inside" : "not inside");
                }
        }
        return bad ? -1 : 0;
}

int images_carry_early(const struct pgs_root *r, char *why, size_t size)
{
        struct ctx c = { .root = *r, .sysroot = sysroot_of(r) };       /* a copy: closed by the caller, not here */
        char imgs[16][256];
        if (!(c.g = gen_detect(&c))) {
                snprintf(why, size, "no initramfs generator found (mkinitcpio, update-initramfs, dracut)");
                return -ENOENT;
        }
        int n = list_images(&c, imgs, 16);
        if (n <= 0) {
                snprintf(why, size, "no %s image in /boot (%s*)", c.g->name, c.g->images[0]);
                return -ENOENT;
        }
        for (int i = 0; i < n; i++) {
                bool early, conf;
                int rc = image_check(&c, imgs[i], &early, &conf);
                if (rc == -ENOENT) {
                        snprintf(why, size, "cannot look inside /%s (%s not found)", imgs[i], c.g->lister);
                        return -ENOENT;
                }
                if (rc != 0 || !early) {
                        snprintf(why, size, "/%s does not carry pgs-early (%s lists it without usr/lib/pgs/pgs-early)", imgs[i], c.g->lister);
                        return 0;
                }
        }
        snprintf(why, size, "%d %s image(s) carry pgs-early (listed with %s)", n, c.g->name, c.g->lister);
        return 1;
}
