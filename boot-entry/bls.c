/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/bls.c — BLS entries edited by grubby (Fedora, Nobara). */
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

/* ---- BLS with grubby (Fedora, Nobara) ----------------------------------- */

bool bls_detect(struct boot *b)
{
        char *t;
        size_t len;
        char prog[512];
        if (!find_prog(b, "grubby", prog, sizeof(prog)) || fs_read_file(&b->root, "etc/default/grub", 1 << 20, &t, &len) < 0)
                return false;
        struct seg v;
        bool on = false;
        if (sh_find_assign(t, len, "GRUB_ENABLE_BLSCFG", &v)) {
                char *u = sh_unquote(t, v);
                on = !strcmp(u, "true");
                free(u);
        }
        free(t);
        return on;
}

int bls_read(struct boot *b)
{
        return for_each_entry(b, entry_read_one, NULL);
}

int bls_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        char prog[512];
        find_prog(b, "grubby", prog, sizeof(prog));
        if (rm->n) {
                char *arg = join_arg("--remove-args=", rm);
                edit_cmd_addl(&b->plan, prog, "--update-kernel=ALL", arg, NULL);
                free(arg);
        }
        if (add->n) {
                char *arg = join_arg("--args=", add);
                edit_cmd_addl(&b->plan, prog, "--update-kernel=ALL", arg, NULL);
                free(arg);
        }
        return 0;
}

