/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/uki.c — unified kernel images: a /etc/cmdline.d drop-in, mkinitcpio -P. */
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

/* ---- UKI (mkinitcpio presets with /etc/cmdline.d) ------------------------ */

bool uki_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/cmdline.d");
}

int uki_read(struct boot *b)
{
        struct dirent **list;
        int n = fs_scandir(&b->root, "etc/cmdline.d", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                size_t l = strlen(list[i]->d_name);
                if (l > 5 && !strcmp(list[i]->d_name + l - 5, ".conf")) {
                        char p[512], *t;
                        size_t len;
                        snprintf(p, sizeof(p), "etc/cmdline.d/%s", list[i]->d_name);
                        if (fs_read_file(&b->root, p, 1 << 20, &t, &len) == 0) {
                                struct words w;
                                words_split(t, len, &w);
                                for (size_t k = 0; k < w.n; k++)
                                        words_push(&b->present, w.v[k]);
                                free(w.v);
                                free(t);
                        }
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        snprintf(b->where, sizeof(b->where), "etc/cmdline.d/*.conf");
        return 0;
}

int uki_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        /* pgs owns one drop-in: etc/cmdline.d/pgs.conf */
        struct edit_file *e;
        int rc = edit_load(&b->plan, "etc/cmdline.d/pgs.conf", true, &e);
        if (rc < 0)
                return rc;
        e->owned = true;
        struct words keep = { 0 };
        if (e->new) {
                struct words cur;
                words_split(e->new, e->new_len, &cur);
                for (size_t i = 0; i < cur.n; i++)
                        if (!words_has(rm, cur.v[i]))
                                words_add(&keep, cur.v[i]);
                words_free(&cur);
        }
        for (size_t i = 0; i < add->n; i++)
                words_add(&keep, add->v[i]);
        if (!keep.n) {
                edit_set(e, NULL, 0);
        } else {
                size_t n;
                char *t = join_alloc(&keep, "\n", &n);
                edit_set(e, t, n);
        }
        words_free(&keep);
        char prog[512];
        if (!find_prog(b, "mkinitcpio", prog, sizeof(prog)))
                return fail("UKI: mkinitcpio not found to rebuild the images; nothing changed");
        edit_cmd_addl(&b->plan, prog, "-P", NULL);
        return 0;
}

