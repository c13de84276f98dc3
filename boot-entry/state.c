/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/state.c — /var/lib/pgs/boot: what pgs added, and what it was asked for. */
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

/* ---- state ------------------------------------------------------------- */

void state_load(struct boot *b)
{
        char *t;
        size_t len;
        if (fs_read_file(&b->root, STATE_PATH, 64 * 1024, &t, &len) < 0)
                return;
        if (strncmp(t, "# pgs-boot 1\n", 13) != 0) {
                fail("/%s: not a format this pgs knows; ignoring it", STATE_PATH);
                free(t);
                return;
        }
        b->have_state = true;
        char *save, *line = strtok_r(t + 13, "\n", &save);
        for (; line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                if (!sp)
                        continue;
                *sp = '\0';
                const char *v = sp + 1;
                if (!strcmp(line, "loader"))
                        snprintf(b->st.loader, sizeof(b->st.loader), "%s", v);
                else if (!strcmp(line, "mode"))
                        snprintf(b->st.mode, sizeof(b->st.mode), "%s", strcmp(v, "-") ? v : "");
                else if (!strcmp(line, "hugepages"))
                        snprintf(b->st.hugepages, sizeof(b->st.hugepages), "%s", v);
                else if (!strcmp(line, "isolate"))
                        snprintf(b->st.isolate, sizeof(b->st.isolate), "%s", v);
                else if (!strcmp(line, "param"))
                        words_add(&b->st.params, v);
                else if (!strcmp(line, "flag"))
                        words_add(&b->st.flags, v);
                else if (!strcmp(line, "pending"))
                        b->pending = true;
        }
        free(t);
}

bool flag_has(struct boot *b, const char *kind, const char *path)
{
        char f[600];
        snprintf(f, sizeof(f), "%s %s", kind, path);
        return words_has(&b->st.flags, f);
}

void flag_set(struct boot *b, const char *kind, const char *path)
{
        char f[600];
        snprintf(f, sizeof(f), "%s %s", kind, path);
        if (!words_has(&b->st.flags, f))
                words_add(&b->st.flags, f);
}

void flag_clear(struct boot *b, const char *kind, const char *path)
{
        char f[600];
        snprintf(f, sizeof(f), "%s %s", kind, path);
        for (size_t i = 0; i < b->st.flags.n; i++)
                if (!strcmp(b->st.flags.v[i], f)) {
                        free(b->st.flags.v[i]);
                        b->st.flags.v[i] = b->st.flags.v[--b->st.flags.n];
                        return;
                }
}

/* the state file becomes one more planned edit, so it is written (or
 * removed) with the rest and rolled back with it */
int state_plan(struct boot *b, bool remove)
{
        struct edit_file *e;
        int rc = edit_load(&b->plan, STATE_PATH, true, &e);
        if (rc < 0)
                return rc;
        if (remove) {
                edit_set(e, NULL, 0);
                return 0;
        }
        char *t = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&t, &n);
        if (!f)
                return fail("out of memory");
        fprintf(f, "# pgs-boot 1\n# written by pgs boot; pgs boot revert takes back what it lists\nloader %s\nmode %s\n",
                b->st.loader, b->st.mode[0] ? b->st.mode : "-");
        if (b->st.hugepages[0])
                fprintf(f, "hugepages %s\n", b->st.hugepages);
        if (b->st.isolate[0])
                fprintf(f, "isolate %s\n", b->st.isolate);
        for (size_t i = 0; i < b->st.params.n; i++)
                fprintf(f, "param %s\n", b->st.params.v[i]);
        for (size_t i = 0; i < b->st.flags.n; i++)
                fprintf(f, "flag %s\n", b->st.flags.v[i]);
        if (fclose(f) != 0)
                return fail("out of memory");
        edit_set(e, t, n);
        return 0;
}

