/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/sdboot.c — systemd-boot: /etc/kernel/cmdline with kernel-install, or the loader entries. */
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

/* ---- kernel-install (systemd-boot): /etc/kernel/cmdline, or BLS entries -- */

static const char *const entry_dirs[] = { "boot/loader/entries", "efi/loader/entries", "boot/efi/loader/entries" };

int for_each_entry(struct boot *b, int (*fn)(struct boot *, const char *path, void *), void *ud)
{
        for (size_t k = 0; k < sizeof(entry_dirs) / sizeof(entry_dirs[0]); k++) {
                struct dirent **list;
                int n = fs_scandir(&b->root, entry_dirs[k], &list, NULL, alphasort);
                int rc = 0;
                for (int i = 0; i < n; i++) {
                        size_t l = strlen(list[i]->d_name);
                        if (rc == 0 && l > 5 && !strcmp(list[i]->d_name + l - 5, ".conf")) {
                                char p[512];
                                snprintf(p, sizeof(p), "%s/%s", entry_dirs[k], list[i]->d_name);
                                rc = fn(b, p, ud);
                        }
                        free(list[i]);
                }
                if (n >= 0)
                        free(list);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

static bool options_line(const char *t, size_t len, struct seg *ret)
{
        for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && t[e] != '\n')
                        e++;
                if (e - i >= 8 && !memcmp(t + i, "options", 7) && (t[i + 7] == ' ' || t[i + 7] == '\t')) {
                        size_t s = i + 7;
                        while (s < e && (t[s] == ' ' || t[s] == '\t'))
                                s++;
                        *ret = (struct seg){ s, e };
                        return true;
                }
                i = e + 1;
        }
        return false;
}

int entry_read_one(struct boot *b, const char *path, void *ud)
{
        struct edit_file *e;
        int rc = edit_load(&b->plan, path, false, &e);
        struct seg s;
        if (rc < 0)
                return rc;
        if (options_line(e->new, e->new_len, &s)) {
                struct words w;
                words_split(e->new + s.start, s.end - s.start, &w);
                for (size_t i = 0; i < w.n; i++)
                        if (!words_has(&b->present, w.v[i]))
                                words_push(&b->present, w.v[i]);
                        else
                                free(w.v[i]);
                free(w.v);
        }
        if (!b->where[0])
                snprintf(b->where, sizeof(b->where), "%s", path);
        return 0;
}

struct edit_args {
        const struct words *add, *rm;
};

static int entry_plan_one(struct boot *b, const char *path, void *ud)
{
        struct edit_args *a = ud;
        struct edit_file *e;
        struct seg s;
        int rc = edit_load(&b->plan, path, false, &e);
        if (rc < 0)
                return rc;
        if (!options_line(e->new, e->new_len, &s))
                return 0;       /* an entry without options: not a Linux entry */
        size_t nl;
        char *t = seg_edit(e->new, e->new_len, s, a->add, a->rm, &nl, NULL);
        edit_set(e, t, nl);
        return 0;
}

static bool cmdline_seg(const struct edit_file *e, struct seg *ret)
{
        size_t end = e->new_len;
        while (end > 0 && (e->new[end - 1] == '\n' || e->new[end - 1] == ' '))
                end--;
        *ret = (struct seg){ 0, end };
        return true;
}

static int cmdline_file_read(struct boot *b, const char *path)
{
        struct edit_file *e;
        int rc = edit_load(&b->plan, path, false, &e);
        if (rc < 0)
                return rc;
        words_split(e->new, e->new_len, &b->present);
        snprintf(b->where, sizeof(b->where), "%s", path);
        return 0;
}

static int cmdline_file_plan(struct boot *b, const char *path, const struct words *add, const struct words *rm)
{
        struct edit_file *e;
        struct seg s;
        int rc = edit_load(&b->plan, path, false, &e);
        if (rc < 0)
                return rc;
        cmdline_seg(e, &s);
        size_t nl;
        char *t = seg_edit(e->new, e->new_len, s, add, rm, &nl, NULL);
        edit_set(e, t, nl);
        return 0;
}

bool sdboot_detect(struct boot *b)
{
        if (fs_exists(&b->root, "etc/kernel/cmdline"))
                return true;
        for (size_t k = 0; k < sizeof(entry_dirs) / sizeof(entry_dirs[0]); k++)
                if (fs_exists(&b->root, entry_dirs[k]))
                        return true;
        return false;
}

int sdboot_read(struct boot *b)
{
        if (fs_exists(&b->root, "etc/kernel/cmdline"))
                return cmdline_file_read(b, "etc/kernel/cmdline");
        return for_each_entry(b, entry_read_one, NULL);
}

int sdboot_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        if (!fs_exists(&b->root, "etc/kernel/cmdline"))
                return for_each_entry(b, entry_plan_one, &(struct edit_args){ add, rm });
        int rc = cmdline_file_plan(b, "etc/kernel/cmdline", add, rm);
        if (rc < 0)
                return rc;
        /* kernel-install add KVER IMAGE for every installed kernel */
        char prog[512];
        bool own = find_prog(b, "kernel-install", prog, sizeof(prog));
        if (!own && b->sysroot)
                snprintf(prog, sizeof(prog), "kernel-install");        /* the host's, with its root options */
        else if (!own)
                return fail("kernel-install not found; nothing changed");
        struct dirent **list;
        int n = fs_scandir(&b->root, "usr/lib/modules", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char img[512], host_img[700];
                snprintf(img, sizeof(img), "usr/lib/modules/%s/vmlinuz", list[i]->d_name);
                if (list[i]->d_name[0] != '.' && fs_exists(&b->root, img)) {
                        sysroot_path(&b->root, img, host_img, sizeof(host_img));
                        struct edit_cmd *c = edit_cmd_addl(&b->plan, prog, "add", list[i]->d_name, host_img, NULL);
                        if (c && b->sysroot && !own) {
                                /* kernel-install's own root options */
                                char mid[64] = "";
                                fs_read_str(&b->root, "etc/machine-id", mid, sizeof(mid));
                                edit_cmd_env(c, "KERNEL_INSTALL_CONF_ROOT=%s/etc/kernel", b->sysroot);
                                edit_cmd_env(c, "BOOT_ROOT=%s/boot", b->sysroot);
                                if (mid[0])
                                        edit_cmd_env(c, "MACHINE_ID=%s", mid);
                                /* only plugins that write under BOOT_ROOT: never the host's depmod */
                                edit_cmd_env(c, "KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-loaderentry.install");
                        }
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return 0;
}

