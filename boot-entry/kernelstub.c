/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/kernelstub.c — kernelstub (Pop!_OS). */
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

/* ---- kernelstub (Pop!_OS) ----------------------------------------------- */

bool kernelstub_detect(struct boot *b)
{
        char prog[512];
        return fs_exists(&b->root, "etc/kernelstub/configuration") && find_prog(b, "kernelstub", prog, sizeof(prog));
}

int kernelstub_read(struct boot *b)
{
        char *t;
        size_t len;
        int rc = fs_read_file(&b->root, "etc/kernelstub/configuration", 1 << 20, &t, &len);
        if (rc < 0)
                return fail("/etc/kernelstub/configuration: %s", strerror(-rc));
        /* the strings of every "kernel_options": [ ... ] array */
        for (char *p = strstr(t, "\"kernel_options\""); p; p = strstr(p + 1, "\"kernel_options\"")) {
                char *o = strchr(p, '['), *c = o ? strchr(o, ']') : NULL;
                for (char *q = o; q && q < c; ) {
                        char *s = strchr(q, '"');
                        if (!s || s > c)
                                break;
                        char *e = strchr(s + 1, '"');
                        if (!e || e > c)
                                break;
                        char w[256];
                        snprintf(w, sizeof(w), "%.*s", (int)(e - s - 1), s + 1);
                        if (!words_has(&b->present, w))
                                words_add(&b->present, w);
                        q = e + 1;
                }
        }
        free(t);
        snprintf(b->where, sizeof(b->where), "etc/kernelstub/configuration");
        return 0;
}

int kernelstub_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        char prog[512];
        find_prog(b, "kernelstub", prog, sizeof(prog));
        if (rm->n) {
                char *a = join_arg("", rm);
                edit_cmd_addl(&b->plan, prog, "-d", a, NULL);
                free(a);
        }
        if (add->n) {
                char *a = join_arg("", add);
                edit_cmd_addl(&b->plan, prog, "-a", a, NULL);
                free(a);
        }
        return 0;
}

