/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/grub.c — GRUB: GRUB_CMDLINE_LINUX_DEFAULT where it is set last. */
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
#include "shared/alloc.h"

/* ---- GRUB: /etc/default/grub, then /etc/default/grub.d/NAME.cfg ---------- */

static int grub_files(struct boot *b, char files[][256], size_t max)
{
        size_t n = 0;
        snprintf(files[n++], 256, "etc/default/grub");
        int fd = root_openat(&b->root, "etc/default/grub.d", O_RDONLY | O_DIRECTORY, 0);
        if (fd >= 0) {
                DIR *d = fdopendir(fd);
                struct dirent **list;
                int k = fs_scandir(&b->root, "etc/default/grub.d", &list, NULL, alphasort);
                for (int i = 0; i < k; i++) {
                        size_t l = strlen(list[i]->d_name);
                        if (l > 4 && !strcmp(list[i]->d_name + l - 4, ".cfg") && n < max)
                                snprintf(files[n++], 256, "etc/default/grub.d/%s", list[i]->d_name);
                        free(list[i]);
                }
                if (k >= 0)
                        free(list);
                if (d)
                        closedir(d);
                else
                        close(fd);
        }
        return (int)n;
}

bool grub_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/default/grub");
}

/* the file holding the last assignment of var (sourced last wins) */
static int grub_target(struct boot *b, const char *var, struct edit_file **ret, struct seg *ret_val)
{
        char files[32][256];
        int n = grub_files(b, files, 32);
        *ret = NULL;
        for (int i = 0; i < n; i++) {
                struct edit_file *e;
                int rc = edit_load(&b->plan, files[i], i > 0, &e);
                if (rc < 0)
                        return rc;
                struct seg v;
                if (e->new && sh_find_assign(e->new, e->new_len, var, &v)) {
                        *ret = e;
                        *ret_val = v;
                }
        }
        return 0;
}

int grub_read(struct boot *b)
{
        const char *vars[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
        b->where[0] = '\0';
        for (int k = 0; k < 2; k++) {
                struct edit_file *e;
                struct seg v;
                int rc = grub_target(b, vars[k], &e, &v);
                if (rc < 0)
                        return rc;
                if (!e)
                        continue;
                char *u = sh_unquote(e->new, v);
                struct words w;
                words_split(u, strlen(u), &w);
                for (size_t i = 0; i < w.n; i++)
                        words_push(&b->present, w.v[i]);
                free(w.v);
                free(u);
                if (!strstr(b->where, e->path))
                        snprintf(b->where + strlen(b->where), sizeof(b->where) - strlen(b->where), "%s/%s",
                                 b->where[0] ? ", " : "", e->path);
        }
        return 0;
}

int grub_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        const char *var = "GRUB_CMDLINE_LINUX_DEFAULT";
        struct edit_file *e;
        struct seg v, s;
        int rc = grub_target(b, var, &e, &v);
        if (rc < 0)
                return rc;
        if (!e) {
                if (!add->n)
                        return 0;
                /* no such variable: pgs adds the line, and takes it away on revert */
                e = edit_find(&b->plan, "etc/default/grub");
                size_t l = e->new_len + strlen(var) + 8;
                char *t = malloc(l);
                int k = snprintf(t, l, "%.*s%s%s=\"\"\n", (int)e->new_len, e->new,
                                 e->new_len && e->new[e->new_len - 1] != '\n' ? "\n" : "", var);
                edit_set(e, t, (size_t)k);
                flag_set(b, "grub-line-added", e->path);
                if (!sh_find_assign(e->new, e->new_len, var, &v))
                        return fail("/%s: the %s line pgs appended is not read back as an assignment "
                                    "(an unterminated quote above it?); nothing changed", e->path, var);
        }
        if (!sh_value_quoted_seg(e->new, v, &s)) {
                /* VAR=word or VAR= : put it in double quotes (revert takes them away) */
                for (size_t i = v.start; i < v.end; i++)
                        if (strchr("\\\"'$`", e->new[i]))
                                return fail("/%s: %s has a form pgs does not edit; add the parameters by hand", e->path, var);
                if (!add->n)
                        return 0;
                char *t = xmalloc(e->new_len + 3);
                memcpy(t, e->new, v.start);
                t[v.start] = '"';
                memcpy(t + v.start + 1, e->new + v.start, v.end - v.start);
                t[v.end + 1] = '"';
                memcpy(t + v.end + 2, e->new + v.end, e->new_len - v.end);
                edit_set(e, t, e->new_len + 2);
                e->new[e->new_len] = '\0';
                s = (struct seg){ v.start + 1, v.end + 1 };
                flag_set(b, "grub-quotes-added", e->path);
        }
        size_t nl;
        struct seg ns;
        char *t = seg_edit(e->new, e->new_len, s, add, rm, &nl, &ns);
        edit_set(e, t, nl);
        /* pgs's quotes go when none of its parameters is left inside them */
        bool ours_left = add->n > 0;
        struct words left;
        words_split(e->new + ns.start, ns.end - ns.start, &left);
        for (size_t i = 0; i < b->st.params.n; i++)
                if (words_has(&left, b->st.params.v[i]) && !words_has(rm, b->st.params.v[i]))
                        ours_left = true;
        words_free(&left);
        if (!ours_left && flag_has(b, "grub-quotes-added", e->path)) {
                /* back to VAR=word: drop the quotes pgs added */
                memmove(e->new + ns.start - 1, e->new + ns.start, e->new_len - ns.start);
                memmove(e->new + ns.end - 1, e->new + ns.end, e->new_len - ns.end);
                e->new_len -= 2;
                flag_clear(b, "grub-quotes-added", e->path);
        }
        if (flag_has(b, "grub-line-added", e->path)) {
                char line[64];
                int ll = snprintf(line, sizeof(line), "%s=\"\"\n", var);
                if (e->new_len >= (size_t)ll && !memcmp(e->new + e->new_len - ll, line, (size_t)ll) &&
                    (e->new_len == (size_t)ll || e->new[e->new_len - ll - 1] == '\n') && !add->n) {
                        e->new_len -= (size_t)ll;
                        flag_clear(b, "grub-line-added", e->path);
                }
        }
        /* regenerate grub.cfg with the distribution's command */
        char prog[512], out[600];
        if (find_prog(b, "update-grub", prog, sizeof(prog))) {
                edit_cmd_addl(&b->plan, prog, NULL);
        } else if (find_prog(b, "grub-mkconfig", prog, sizeof(prog))) {
                sysroot_path(&b->root, "boot/grub/grub.cfg", out, sizeof(out));
                edit_cmd_addl(&b->plan, prog, "-o", out, NULL);
        } else if (find_prog(b, "grub2-mkconfig", prog, sizeof(prog))) {
                sysroot_path(&b->root, "boot/grub2/grub.cfg", out, sizeof(out));
                edit_cmd_addl(&b->plan, prog, "-o", out, NULL);
        } else {
                return fail("GRUB: none of update-grub, grub-mkconfig, grub2-mkconfig found; nothing changed");
        }
        return 0;
}

