/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/boot.c — `pgs boot show|apply|revert`: the kernel parameters a
 * mode needs, on whatever bootloader the system uses, owning only its own.
 *
 * Every edit is planned in memory first (files read, conflicts found, new
 * bytes computed); nothing is written until the whole plan is known to be
 * good. Then: backups (FILE.pgs-bak), atomic writes, the regeneration
 * commands; if a command fails, every file is put back. What pgs added is
 * recorded in /var/lib/pgs/boot, so revert takes back exactly that. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot-entry/kparams.h"
#include "cli/pgs.h"
#include "shared/config.h"
#include "shared/cpulist.h"
#include "shared/diff.h"
#include "shared/proc.h"
#include "shared/root.h"

#define STATE_PATH "var/lib/pgs/boot"
#define MODLOAD_PATH "etc/modules-load.d/pgs.conf"
#define CMD_TIMEOUT_MS (10 * 60 * 1000)
#define MAX_EDITS 64
#define MAX_CMDS 32

struct fedit {
        char path[512];         /* relative to the root */
        char *old, *new;        /* old NULL: did not exist; new NULL: delete */
        size_t old_len, new_len;
        int mode;
};

struct cmd {
        char *argv[16];
        char *env[8];
        char text[512];         /* for messages */
};

struct state {
        char loader[32], mode[32];
        char hugepages[32], isolate[256];       /* "" when not asked for */
        struct words params;    /* owned parameters */
        struct words flags;     /* "KIND PATH" */
};

struct boot {
        struct pgs_root root;
        const char *sysroot;    /* NULL: / */
        bool dry_run;
        const struct backend *be;
        struct state st;
        bool have_state;
        bool pending;           /* the record says the last run did not finish */
        struct fedit edits[MAX_EDITS];
        size_t n_edits;
        struct cmd cmds[MAX_CMDS];
        size_t n_cmds;
        struct words present;   /* parameters on the command line source now */
        char where[512];        /* which file(s) they were read from */
};

struct backend {
        const char *name, *what;
        bool (*detect)(struct boot *b);
        int (*read)(struct boot *b);                            /* fill b->present */
        int (*plan)(struct boot *b, const struct words *add, const struct words *rm);
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
        va_list ap;
        fputs("pgs boot: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return -1;
}

/* ---- files ------------------------------------------------------------- */

static struct fedit *edit_find(struct boot *b, const char *path)
{
        for (size_t i = 0; i < b->n_edits; i++)
                if (!strcmp(b->edits[i].path, path))
                        return &b->edits[i];
        return NULL;
}

/* Load a text file into the plan (once). ENOENT is fine when may_miss. */
static int edit_load(struct boot *b, const char *path, bool may_miss, struct fedit **ret)
{
        struct fedit *e = edit_find(b, path);
        if (e) {
                *ret = e;
                return 0;
        }
        if (b->n_edits == MAX_EDITS)
                return fail("too many files to edit");
        e = &b->edits[b->n_edits];
        *e = (struct fedit){ .mode = 0644 };
        snprintf(e->path, sizeof(e->path), "%s", path);
        char *t;
        size_t len;
        int rc = fs_read_file(&b->root, path, 1 << 20, &t, &len);
        if (rc == -ENOENT && may_miss) {
                b->n_edits++;
                *ret = e;
                return 0;
        }
        if (rc < 0)
                return fail("/%s: cannot read it: %s; nothing changed", path, rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
        if (memchr(t, '\0', len)) {
                free(t);
                return fail("/%s: binary data, not a text file; nothing changed", path);
        }
        struct stat st;
        if (fs_stat(&b->root, path, &st) == 0)
                e->mode = st.st_mode & 07777;
        e->old = t;
        e->old_len = len;
        e->new = malloc(len + 1);
        memcpy(e->new, t, len + 1);
        e->new_len = len;
        b->n_edits++;
        *ret = e;
        return 0;
}

static void edit_set(struct fedit *e, char *text, size_t len)
{
        free(e->new);
        e->new = text;
        e->new_len = len;
}

static bool edit_changes(const struct fedit *e)
{
        if (!e->old != !e->new)
                return true;
        return e->old && (e->old_len != e->new_len || memcmp(e->old, e->new, e->old_len) != 0);
}

/* ---- commands ---------------------------------------------------------- */

static bool find_prog(struct boot *b, const char *name, char *buf, size_t size)
{
        return prog_find(&b->root, b->sysroot, name, buf, size);
}

static struct cmd *cmd_add(struct boot *b, const char *prog, ...)
{
        if (b->n_cmds == MAX_CMDS)
                return NULL;
        struct cmd *c = &b->cmds[b->n_cmds++];
        *c = (struct cmd){ 0 };
        c->argv[0] = strdup(prog);
        size_t n = 1, tl = (size_t)snprintf(c->text, sizeof(c->text), "%s", prog);
        va_list ap;
        va_start(ap, prog);
        const char *a;
        while ((a = va_arg(ap, const char *)) && n < 15) {
                c->argv[n++] = strdup(a);
                tl += (size_t)snprintf(c->text + tl, tl < sizeof(c->text) ? sizeof(c->text) - tl : 0, strchr(a, ' ') ? " '%s'" : " %s", a);
        }
        va_end(ap);
        return c;
}

static void cmd_env(struct cmd *c, const char *fmt, ...)
{
        size_t n = 0;
        while (c->env[n])
                n++;
        if (n >= 7)
                return;
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        c->env[n] = strdup(buf);
}

/* a path as the host sees it */
static void host_path(struct boot *b, const char *rel, char *buf, size_t size)
{
        snprintf(buf, size, "%s/%s", b->sysroot ? b->sysroot : "", rel);
}

static int cmd_run(struct boot *b, struct cmd *c)
{
        return run_prog(c->argv, c->env, b->sysroot, CMD_TIMEOUT_MS);
}

/* ---- state ------------------------------------------------------------- */

static void state_load(struct boot *b)
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

static bool flag_has(struct boot *b, const char *kind, const char *path)
{
        char f[600];
        snprintf(f, sizeof(f), "%s %s", kind, path);
        return words_has(&b->st.flags, f);
}

static void flag_set(struct boot *b, const char *kind, const char *path)
{
        char f[600];
        snprintf(f, sizeof(f), "%s %s", kind, path);
        if (!words_has(&b->st.flags, f))
                words_add(&b->st.flags, f);
}

static void flag_clear(struct boot *b, const char *kind, const char *path)
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
static int state_plan(struct boot *b, bool remove)
{
        struct fedit *e;
        int rc = edit_load(b, STATE_PATH, true, &e);
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
                closedir(d);
        }
        return (int)n;
}

static bool grub_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/default/grub");
}

/* the file holding the last assignment of var (sourced last wins) */
static int grub_target(struct boot *b, const char *var, struct fedit **ret, struct seg *ret_val)
{
        char files[32][256];
        int n = grub_files(b, files, 32);
        *ret = NULL;
        for (int i = 0; i < n; i++) {
                struct fedit *e;
                int rc = edit_load(b, files[i], i > 0, &e);
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

static int grub_read(struct boot *b)
{
        const char *vars[] = { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" };
        b->where[0] = '\0';
        for (int k = 0; k < 2; k++) {
                struct fedit *e;
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

static int grub_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        const char *var = "GRUB_CMDLINE_LINUX_DEFAULT";
        struct fedit *e;
        struct seg v, s;
        int rc = grub_target(b, var, &e, &v);
        if (rc < 0)
                return rc;
        if (!e) {
                if (!add->n)
                        return 0;
                /* no such variable: pgs adds the line, and takes it away on revert */
                e = edit_find(b, "etc/default/grub");
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
                char *t = malloc(e->new_len + 3);
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
                cmd_add(b, prog, NULL);
        } else if (find_prog(b, "grub-mkconfig", prog, sizeof(prog))) {
                host_path(b, "boot/grub/grub.cfg", out, sizeof(out));
                cmd_add(b, prog, "-o", out, NULL);
        } else if (find_prog(b, "grub2-mkconfig", prog, sizeof(prog))) {
                host_path(b, "boot/grub2/grub.cfg", out, sizeof(out));
                cmd_add(b, prog, "-o", out, NULL);
        } else {
                return fail("GRUB: none of update-grub, grub-mkconfig, grub2-mkconfig found; nothing changed");
        }
        return 0;
}

/* ---- kernel-install (systemd-boot): /etc/kernel/cmdline, or BLS entries -- */

static const char *const entry_dirs[] = { "boot/loader/entries", "efi/loader/entries", "boot/efi/loader/entries" };

static int for_each_entry(struct boot *b, int (*fn)(struct boot *, const char *path, void *), void *ud)
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

static int entry_read_one(struct boot *b, const char *path, void *ud)
{
        struct fedit *e;
        int rc = edit_load(b, path, false, &e);
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
        struct fedit *e;
        struct seg s;
        int rc = edit_load(b, path, false, &e);
        if (rc < 0)
                return rc;
        if (!options_line(e->new, e->new_len, &s))
                return 0;       /* an entry without options: not a Linux entry */
        size_t nl;
        char *t = seg_edit(e->new, e->new_len, s, a->add, a->rm, &nl, NULL);
        edit_set(e, t, nl);
        return 0;
}

static bool cmdline_seg(const struct fedit *e, struct seg *ret)
{
        size_t end = e->new_len;
        while (end > 0 && (e->new[end - 1] == '\n' || e->new[end - 1] == ' '))
                end--;
        *ret = (struct seg){ 0, end };
        return true;
}

static int cmdline_file_read(struct boot *b, const char *path)
{
        struct fedit *e;
        int rc = edit_load(b, path, false, &e);
        if (rc < 0)
                return rc;
        words_split(e->new, e->new_len, &b->present);
        snprintf(b->where, sizeof(b->where), "%s", path);
        return 0;
}

static int cmdline_file_plan(struct boot *b, const char *path, const struct words *add, const struct words *rm)
{
        struct fedit *e;
        struct seg s;
        int rc = edit_load(b, path, false, &e);
        if (rc < 0)
                return rc;
        cmdline_seg(e, &s);
        size_t nl;
        char *t = seg_edit(e->new, e->new_len, s, add, rm, &nl, NULL);
        edit_set(e, t, nl);
        return 0;
}

static bool sdboot_detect(struct boot *b)
{
        if (fs_exists(&b->root, "etc/kernel/cmdline"))
                return true;
        for (size_t k = 0; k < sizeof(entry_dirs) / sizeof(entry_dirs[0]); k++)
                if (fs_exists(&b->root, entry_dirs[k]))
                        return true;
        return false;
}

static int sdboot_read(struct boot *b)
{
        if (fs_exists(&b->root, "etc/kernel/cmdline"))
                return cmdline_file_read(b, "etc/kernel/cmdline");
        return for_each_entry(b, entry_read_one, NULL);
}

static int sdboot_plan(struct boot *b, const struct words *add, const struct words *rm)
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
                        host_path(b, img, host_img, sizeof(host_img));
                        struct cmd *c = cmd_add(b, prog, "add", list[i]->d_name, host_img, NULL);
                        if (c && b->sysroot && !own) {
                                /* kernel-install's own root options */
                                char mid[64] = "";
                                fs_read_str(&b->root, "etc/machine-id", mid, sizeof(mid));
                                cmd_env(c, "KERNEL_INSTALL_CONF_ROOT=%s/etc/kernel", b->sysroot);
                                cmd_env(c, "BOOT_ROOT=%s/boot", b->sysroot);
                                if (mid[0])
                                        cmd_env(c, "MACHINE_ID=%s", mid);
                                /* only plugins that write under BOOT_ROOT: never the host's depmod */
                                cmd_env(c, "KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-loaderentry.install");
                        }
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return 0;
}

/* ---- BLS with grubby (Fedora, Nobara) ----------------------------------- */

static bool bls_detect(struct boot *b)
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

static int bls_read(struct boot *b)
{
        return for_each_entry(b, entry_read_one, NULL);
}

/* the words joined by spaces, then tail (malloc'ed) */
static char *join_alloc(const struct words *w, const char *tail, size_t *ret_len)
{
        size_t n = strlen(tail) + 1;
        for (size_t i = 0; i < w->n; i++)
                n += strlen(w->v[i]) + 1;
        char *t = malloc(n), *p = t;
        if (!t)
                abort();
        for (size_t i = 0; i < w->n; i++)
                p += sprintf(p, "%s%s", i ? " " : "", w->v[i]);
        p += sprintf(p, "%s", tail);
        if (ret_len)
                *ret_len = (size_t)(p - t);
        return t;
}

/* "PREFIX" + the words joined by spaces (malloc'ed), one argv element */
static char *join_arg(const char *prefix, const struct words *w)
{
        char *j = join_alloc(w, "", NULL), *a;
        if (asprintf(&a, "%s%s", prefix, j) < 0)
                abort();
        free(j);
        return a;
}

static int bls_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        char prog[512];
        find_prog(b, "grubby", prog, sizeof(prog));
        if (rm->n) {
                char *arg = join_arg("--remove-args=", rm);
                cmd_add(b, prog, "--update-kernel=ALL", arg, NULL);
                free(arg);
        }
        if (add->n) {
                char *arg = join_arg("--args=", add);
                cmd_add(b, prog, "--update-kernel=ALL", arg, NULL);
                free(arg);
        }
        return 0;
}

/* ---- kernelstub (Pop!_OS) ----------------------------------------------- */

static bool kernelstub_detect(struct boot *b)
{
        char prog[512];
        return fs_exists(&b->root, "etc/kernelstub/configuration") && find_prog(b, "kernelstub", prog, sizeof(prog));
}

static int kernelstub_read(struct boot *b)
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

static int kernelstub_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        char prog[512];
        find_prog(b, "kernelstub", prog, sizeof(prog));
        if (rm->n) {
                char *a = join_arg("", rm);
                cmd_add(b, prog, "-d", a, NULL);
                free(a);
        }
        if (add->n) {
                char *a = join_arg("", add);
                cmd_add(b, prog, "-a", a, NULL);
                free(a);
        }
        return 0;
}

/* ---- UKI (mkinitcpio presets with /etc/cmdline.d) ------------------------ */

static bool uki_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/cmdline.d");
}

static int uki_read(struct boot *b)
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

static int uki_plan(struct boot *b, const struct words *add, const struct words *rm)
{
        /* pgs owns one drop-in: etc/cmdline.d/pgs.conf */
        struct fedit *e;
        int rc = edit_load(b, "etc/cmdline.d/pgs.conf", true, &e);
        if (rc < 0)
                return rc;
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
        cmd_add(b, prog, "-P", NULL);
        return 0;
}

/* ---- NixOS: print, never edit ------------------------------------------ */

static bool nixos_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/NIXOS");
}

static int nixos_read(struct boot *b)
{
        char t[4096];
        if (fs_read_str(&b->root, "proc/cmdline", t, sizeof(t)) >= 0)
                words_split(t, strlen(t), &b->present);
        snprintf(b->where, sizeof(b->where), "proc/cmdline");
        return 0;
}

static const struct backend backends[] = {
        /* detection order, documented in docs/pgs-boot.md */
        { "nixos", "NixOS (prints configuration.nix lines; edits nothing)", nixos_detect, nixos_read, NULL },
        { "kernelstub", "kernelstub (Pop!_OS)", kernelstub_detect, kernelstub_read, kernelstub_plan },
        { "bls", "BLS entries with grubby (Fedora, Nobara)", bls_detect, bls_read, bls_plan },
        { "uki", "unified kernel images (/etc/cmdline.d, mkinitcpio -P)", uki_detect, uki_read, uki_plan },
        { "systemd-boot", "systemd-boot (/etc/kernel/cmdline + kernel-install, or loader entries)", sdboot_detect, sdboot_read, sdboot_plan },
        { "grub", "GRUB (/etc/default/grub)", grub_detect, grub_read, grub_plan },
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* ---- what a mode needs -------------------------------------------------- */

struct want {
        const char *mode;
        const char *hugepages;  /* "1G:N" / "2M:N" */
        const char *isolate;    /* cpulist */
        int vfs;                /* -1: from /etc/pgs.conf */
        const char *driver;     /* i915 | xe */
};

static void add_word(struct words *w, const char *fmt, ...)
{
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        words_add(w, buf);
}

/* the Intel iGPU at 0000:00:02.0 (where every Intel iGPU sits): the device,
 * not the CPU vendor, says whether GVT-g or SR-IOV can work here */
static bool intel_igpu(struct boot *b)
{
        char v[16], c[16];
        return fs_read_str(&b->root, "sys/bus/pci/devices/0000:00:02.0/vendor", v, sizeof(v)) > 0 && !strcmp(v, "0x8086") &&
               fs_read_str(&b->root, "sys/bus/pci/devices/0000:00:02.0/class", c, sizeof(c)) > 0 && !strncmp(c, "0x03", 4);
}

/* --hugepages S:N: what it reserves must leave the host its own memory */
static int check_hugepages(struct boot *b, const char *spec)
{
        unsigned long n;
        char size[8], extra;
        if (sscanf(spec, "%7[^:]:%lu%c", size, &n, &extra) != 2 || n < 1 || n > 1000000 || (strcmp(size, "1G") && strcmp(size, "2M")))
                return fail("--hugepages '%.32s': expected 1G:N or 2M:N", spec);
        char *t;
        size_t len;
        unsigned long long total_kib = 0;
        if (fs_read_file(&b->root, "proc/meminfo", 1 << 16, &t, &len) == 0) {
                char *m = strstr(t, "MemTotal:");
                if (m)
                        total_kib = strtoull(m + 9, NULL, 10);
                free(t);
        }
        if (!total_kib) {
                fprintf(stderr, "pgs boot: /proc/meminfo gives no MemTotal: the size of --hugepages %s is not checked\n", spec);
                return 0;
        }
        unsigned long long want = (unsigned long long)n * (strcmp(size, "1G") ? 2048ULL : 1048576ULL);
        /* the host keeps at least 2 GiB or an eighth of its memory, whichever is more */
        unsigned long long reserve = total_kib / 8 > 2097152 ? total_kib / 8 : 2097152;
        if (want + reserve > total_kib)
                return fail("--hugepages %s reserves %llu MiB at boot, but this host has %llu MiB and keeps at least %llu MiB for itself "
                            "(2 GiB or an eighth, whichever is more); ask for at most %llu MiB",
                            spec, want / 1024, total_kib / 1024, reserve / 1024, total_kib > reserve ? (total_kib - reserve) / 1024 : 0);
        return 0;
}

/* --isolate LIST: CPUs that exist, and at least one whole core (every
 * thread of it) left to the host */
static int check_isolate(struct boot *b, const char *list)
{
        struct cpuset iso = { { 0 } }, present = { { 0 } };
        if (strlen(list) > 200 || cpulist_parse(list, &iso) < 0 || cpuset_empty(&iso))
                return fail("--isolate '%.32s': expected a CPU list like 2-7 or 2,3,6-7 (ranges low to high)", list);
        char buf[4096];
        if (fs_read_str(&b->root, "sys/devices/system/cpu/present", buf, sizeof(buf)) < 0 || cpulist_parse(buf, &present) < 0) {
                fprintf(stderr, "pgs boot: /sys/devices/system/cpu/present unreadable: --isolate %s is not checked\n", list);
                return 0;
        }
        for (unsigned c = 0; c < CPU_MAX; c++)
                if (cpuset_has(&iso, c) && !cpuset_has(&present, c))
                        return fail("--isolate %s: CPU %u is not present on this host (CPUs %s)", list, c, buf);
        for (unsigned c = 0; c < CPU_MAX; c++) {
                if (!cpuset_has(&present, c) || cpuset_has(&iso, c))
                        continue;
                char p[128], sib[512];
                struct cpuset core = { { 0 } };
                snprintf(p, sizeof(p), "sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
                if (fs_read_str(&b->root, p, sib, sizeof(sib)) < 0 || cpulist_parse(sib, &core) < 0)
                        return 0;       /* no topology: a CPU left is what we can tell */
                if (!cpuset_intersects(&core, &iso))
                        return 0;       /* a whole core stays with the host */
        }
        return fail("--isolate %s leaves the host no whole core (every thread of one core): the host would crawl; isolate fewer CPUs",
                    list);
}

static int desired_params(struct boot *b, const struct want *w, struct words *ret, bool *ret_kvmgt)
{
        *ret = (struct words){ 0 };
        *ret_kvmgt = false;
        if (w->mode && strcmp(w->mode, "passthrough") && strcmp(w->mode, "gvtg") && strcmp(w->mode, "sriov"))
                return fail("--mode '%.32s': expected passthrough, gvtg or sriov", w->mode);
        if (w->mode && strcmp(w->mode, "passthrough") && !intel_igpu(b))
                return fail("%s mode needs an Intel iGPU (vendor 0x8086, a display class, at 0000:00:02.0); this host has none", w->mode);
        if (w->mode) {
                /* Intel needs intel_iommu=on; AMD's IOMMU is on by default (amd_iommu=on is not a valid value) */
                char *cpu;
                size_t len;
                bool intel = true;
                if (fs_read_file(&b->root, "proc/cpuinfo", 4 << 20, &cpu, &len) == 0) {
                        intel = strstr(cpu, "GenuineIntel") != NULL;
                        free(cpu);
                }
                if (intel)
                        add_word(ret, "intel_iommu=on");
                add_word(ret, "iommu=pt");
        }
        if (w->mode && !strcmp(w->mode, "gvtg")) {
                add_word(ret, "i915.enable_gvt=1");
                *ret_kvmgt = true;
        } else if (w->mode && !strcmp(w->mode, "sriov")) {
                int n = w->vfs;
                if (n < 0) {
                        char *t;
                        size_t l;
                        if (fs_read_file(&b->root, "etc/pgs.conf", PGS_CONF_MAX, &t, &l) == 0) {
                                struct pgs_config c;
                                config_parse(t, l, &c, NULL, NULL);
                                for (size_t i = 0; i < c.sriov.n; i++)
                                        if (c.sriov.v[i].addr.bus == 0 && c.sriov.v[i].addr.slot == 2 && c.sriov.v[i].addr.fn == 0)
                                                n = (int)c.sriov.v[i].vfs;
                                free(t);
                        }
                }
                if (n < 1 || n > 7)
                        return fail(n < 0 ? "sriov: how many VFs? Give --vfs N, or [sriov] 0000:00:02.0 = N in /etc/pgs.conf"
                                          : "sriov: %d VFs: an Intel iGPU offers 1 to 7", n);
                if (w->driver && !strcmp(w->driver, "xe")) {
                        add_word(ret, "xe.max_vfs=%d", n);
                } else {
                        add_word(ret, "i915.enable_guc=3");
                        add_word(ret, "i915.max_vfs=%d", n);
                }
        }
        if (w->hugepages) {
                if (check_hugepages(b, w->hugepages) < 0)
                        return -1;
                char size[8];
                unsigned long n;
                sscanf(w->hugepages, "%7[^:]:%lu", size, &n);
                add_word(ret, "default_hugepagesz=%s", size);
                add_word(ret, "hugepagesz=%s", size);
                add_word(ret, "hugepages=%lu", n);
        }
        if (w->isolate) {
                if (check_isolate(b, w->isolate) < 0)
                        return -1;
                add_word(ret, "isolcpus=%s", w->isolate);
                add_word(ret, "nohz_full=%s", w->isolate);
                add_word(ret, "rcu_nocbs=%s", w->isolate);
        }
        return 0;
}

/* ---- executing a plan --------------------------------------------------- */

static void print_plan(struct boot *b)
{
        for (size_t i = 0; i < b->n_edits; i++) {
                struct fedit *e = &b->edits[i];
                if (!edit_changes(e))
                        continue;
                char p[600];
                snprintf(p, sizeof(p), "/%s", e->path);
                diff_unified(stdout, p, e->old, e->old_len, e->new, e->new_len);
        }
        for (size_t i = 0; i < b->n_cmds; i++)
                printf("%s %s\n", b->dry_run ? "would run:" : "running:", b->cmds[i].text);
}

static int restore_files(struct boot *b, size_t upto)
{
        int bad = 0;
        for (size_t i = 0; i < upto; i++) {
                struct fedit *e = &b->edits[i];
                if (!edit_changes(e) || !strcmp(e->path, STATE_PATH))
                        continue;
                int rc = e->old ? fs_write_file_atomic(&b->root, e->path, e->old, e->old_len, e->mode)
                                : fs_unlink(&b->root, e->path);
                if (rc == -ENOENT && !e->old)
                        rc = 0;
                if (rc < 0) {
                        fail("/%s: could not be put back (%s); its backup is /%s.pgs-bak", e->path, strerror(-rc), e->path);
                        bad = 1;
                }
        }
        return bad;
}

/* the record as it was before this run */
static void state_restore(struct boot *b, const struct fedit *st)
{
        if (!st)
                return;
        if (st->old)
                fs_write_file_atomic(&b->root, STATE_PATH, st->old, st->old_len, 0644);
        else
                fs_unlink(&b->root, STATE_PATH);
}

/* The record is written ahead: first the new one marked "pending
 * regeneration", then the files, then the commands, then the record without
 * the mark. Killed anywhere in between, the next run finds the mark (what pgs
 * added is listed, so revert can take it back) and runs the regeneration
 * again even when no file needs to change. */
static int state_mark(struct boot *b, const struct fedit *s)
{
        const char *base = s->new ? s->new : s->old;
        size_t len = s->new ? s->new_len : s->old_len;
        if (!base)
                return 0;       /* no record before or after: nothing to mark */
        char *t = malloc(len + 32);
        if (!t)
                return -ENOMEM;
        memcpy(t, base, len);
        size_t n = len + (size_t)sprintf(t + len, "pending regeneration\n");
        int rc = fs_write_file_atomic(&b->root, STATE_PATH, t, n, 0644);
        free(t);
        return rc;
}

static int execute(struct boot *b)
{
        print_plan(b);
        if (b->dry_run)
                return PGS_EXIT_OK;
        struct fedit *st = edit_find(b, STATE_PATH);
        int rc = st ? state_mark(b, st) : 0;
        if (rc < 0) {
                fail("/%s: cannot write it: %s; nothing changed", STATE_PATH, strerror(-rc));
                return PGS_EXIT_FAILED;
        }
        size_t i;
        for (i = 0; i < b->n_edits; i++) {
                struct fedit *e = &b->edits[i];
                if (e == st || !edit_changes(e))
                        continue;
                rc = 0;
                char bak[600];
                snprintf(bak, sizeof(bak), "%s.pgs-bak", e->path);
                /* a backup of every file pgs edits; not of the files it owns whole */
                if (e->old && strcmp(e->path, MODLOAD_PATH) && strcmp(e->path, "etc/cmdline.d/pgs.conf"))
                        rc = fs_write_file_atomic(&b->root, bak, e->old, e->old_len, e->mode);
                if (rc == 0)
                        rc = e->new ? fs_write_file_atomic(&b->root, e->path, e->new, e->new_len, e->mode)
                                    : fs_unlink(&b->root, e->path);
                if (rc < 0) {
                        fail("/%s: cannot write it: %s; putting every file back", e->path, strerror(-rc));
                        restore_files(b, i);
                        state_restore(b, st);
                        return PGS_EXIT_FAILED;
                }
        }
        for (size_t k = 0; k < b->n_cmds; k++) {
                rc = cmd_run(b, &b->cmds[k]);
                if (rc != 0) {
                        fail("%s %s%s; every file is put back as it was", b->cmds[k].text,
                             rc < 0 ? "failed: " : "exited with status ", rc < 0 ? strerror(-rc) : "");
                        if (rc > 0)
                                fprintf(stderr, "  (status %d)\n", rc);
                        int bad = restore_files(b, b->n_edits);
                        state_restore(b, st);
                        if (bad)
                                return PGS_EXIT_FAILED;
                        /* what the earlier commands generated follows the restored files again */
                        for (size_t j = 0; j < k; j++)
                                cmd_run(b, &b->cmds[j]);
                        return PGS_EXIT_FAILED;
                }
        }
        /* done: the record as planned, without the mark */
        if (st) {
                rc = st->new ? fs_write_file_atomic(&b->root, STATE_PATH, st->new, st->new_len, 0644) : fs_unlink(&b->root, STATE_PATH);
                if (rc == -ENOENT && !st->new)
                        rc = 0;
                if (rc < 0) {
                        fail("/%s: cannot write it: %s", STATE_PATH, strerror(-rc));
                        return PGS_EXIT_FAILED;
                }
        }
        return PGS_EXIT_OK;
}

/* ---- the command -------------------------------------------------------- */

static const char boot_usage[] =
        "Usage: pgs boot show [--mode MODE] [options]\n"
        "       pgs boot apply [--mode passthrough|gvtg|sriov] [--vfs N] [--driver i915|xe]\n"
        "                      [--hugepages 1G:N|2M:N|none] [--isolate CPUS] [--dry-run] [options]\n"
        "       pgs boot revert [--dry-run] [options]\n"
        "\n"
        "Put the kernel parameters a mode needs on the bootloader this system uses,\n"
        "keeping every other byte of its files; revert takes back exactly what pgs\n"
        "added (recorded in /var/lib/pgs/boot).\n"
        "\n"
        "  --mode MODE       passthrough: intel_iommu=on (Intel CPUs) iommu=pt\n"
        "                    gvtg: + i915.enable_gvt=1, kvmgt in /etc/modules-load.d/pgs.conf\n"
        "                    sriov: + i915.enable_guc=3 i915.max_vfs=N (or xe.max_vfs=N)\n"
        "  --vfs N           VFs for sriov (default: [sriov] 0000:00:02.0 in /etc/pgs.conf)\n"
        "  --driver i915|xe  the iGPU driver for sriov (default i915)\n"
        "  --hugepages S:N   reserve N pages of size S (1G or 2M) at boot; the host keeps\n"
        "                    2 GiB or an eighth of its memory, whichever is more (none: drop it)\n"
        "  --isolate CPUS    isolcpus, nohz_full and rcu_nocbs for these CPUs; at least one\n"
        "                    whole core stays with the host\n"
        "                    apply keeps the mode, --hugepages and --isolate of the last\n"
        "                    apply unless given again\n"
        "  --dry-run         print a unified diff and the commands; change nothing\n"
        "  --loader NAME     grub, bls, systemd-boot, kernelstub, uki, nixos (default: detected)\n"
        "  --sysroot DIR     every file, and every program run, under DIR\n";

static int pick_backend(struct boot *b, const char *forced)
{
        for (size_t i = 0; i < N_BACKENDS; i++)
                if (forced ? !strcmp(forced, backends[i].name) : backends[i].detect(b)) {
                        b->be = &backends[i];
                        return 0;
                }
        if (forced)
                return fail("--loader '%.32s': expected grub, bls, systemd-boot, kernelstub, uki or nixos", forced);
        return fail("no bootloader recognised (no /etc/default/grub, /etc/kernel/cmdline, loader entries, kernelstub, "
                    "/etc/cmdline.d or /etc/NIXOS); name one with --loader; nothing changed");
}

static void print_words(const char *label, const struct words *w)
{
        printf("%-22s", label);
        for (size_t i = 0; i < w->n; i++)
                printf(" %s", w->v[i]);
        printf("%s\n", w->n ? "" : " (none)");
}

int cmd_boot(int argc, char **argv)
{
        static const struct option opts[] = {
                { "mode", required_argument, NULL, 'm' },    { "vfs", required_argument, NULL, 'v' },
                { "driver", required_argument, NULL, 'd' },  { "hugepages", required_argument, NULL, 'H' },
                { "isolate", required_argument, NULL, 'i' }, { "dry-run", no_argument, NULL, 'n' },
                { "loader", required_argument, NULL, 'l' },  { "sysroot", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },          { 0 },
        };
        struct want w = { .vfs = -1 };
        const char *loader = NULL, *sysroot = NULL;
        bool dry_run = false;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'm': w.mode = optarg; break;
                case 'v': {
                        uint64_t v;
                        if (parse_u64(optarg, 10, &v) < 0 || v > 64) {
                                fail("--vfs '%.16s': not a number of VFs", optarg);
                                return PGS_EXIT_USAGE;
                        }
                        w.vfs = (int)v;
                        break;
                }
                case 'd':
                        if (strcmp(optarg, "i915") && strcmp(optarg, "xe")) {
                                fail("--driver '%.16s': expected i915 or xe", optarg);
                                return PGS_EXIT_USAGE;
                        }
                        w.driver = optarg;
                        break;
                case 'H': w.hugepages = optarg; break;
                case 'i': w.isolate = optarg; break;
                case 'n': dry_run = true; break;
                case 'l': loader = optarg; break;
                case 'r': sysroot = optarg; break;
                case 'h': fputs(boot_usage, stdout); return PGS_EXIT_OK;
                default: fputs(boot_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                fputs(boot_usage, stderr);
                return PGS_EXIT_USAGE;
        }
        const char *sub = argv[optind];
        if (strcmp(sub, "show") && strcmp(sub, "apply") && strcmp(sub, "revert")) {
                fail("unknown subcommand '%.32s'", sub);
                fputs(boot_usage, stderr);
                return PGS_EXIT_USAGE;
        }
        if (w.mode && strcmp(w.mode, "passthrough") && strcmp(w.mode, "gvtg") && strcmp(w.mode, "sriov")) {
                fail("--mode '%.32s': expected passthrough, gvtg or sriov", w.mode);
                return PGS_EXIT_USAGE;
        }
        if (w.isolate && (strlen(w.isolate) > 200 || cpulist_parse(w.isolate, &(struct cpuset){ { 0 } }) < 0 || strchr(w.isolate, '^'))) {
                fail("--isolate '%.32s': expected a CPU list like 2-7 or 2,3,6-7 (ranges low to high)", w.isolate);
                return PGS_EXIT_USAGE;
        }
        if (w.hugepages && strcmp(w.hugepages, "none")) {
                unsigned long n;
                char size[8], extra;
                if (sscanf(w.hugepages, "%7[^:]:%lu%c", size, &n, &extra) != 2 || n < 1 || n > 1000000 ||
                    (strcmp(size, "1G") && strcmp(size, "2M"))) {
                        fail("--hugepages '%.32s': expected 1G:N or 2M:N (or none)", w.hugepages);
                        return PGS_EXIT_USAGE;
                }
        }

        static struct boot b;
        memset(&b, 0, sizeof(b));
        b.dry_run = dry_run;
        char absroot[4096];
        if (sysroot) {
                if (!realpath(sysroot, absroot)) {
                        fail("--sysroot %s: %s", sysroot, strerror(errno));
                        return PGS_EXIT_USAGE;
                }
                b.sysroot = absroot;
        }
        int rc = root_open(&b.root, b.sysroot);
        if (rc < 0) {
                fail("--sysroot %s: %s", sysroot, strerror(-rc));
                return PGS_EXIT_USAGE;
        }
        state_load(&b);
        if (!loader && b.have_state && b.st.loader[0] && strcmp(sub, "apply"))
                loader = b.st.loader;  /* revert/show work on what apply used */
        if (pick_backend(&b, loader) < 0)
                return PGS_EXIT_FAILED;
        if (b.be->read(&b) < 0)
                return PGS_EXIT_FAILED;

        struct words want = { 0 }, add = { 0 }, rm = { 0 };
        bool kvmgt = false;
        /* what is not given again is kept from the last apply: a later
         * `apply --hugepages 2M:N` (the hook's advice) keeps the mode and the
         * isolated CPUs; `--hugepages none` drops the reservation */
        static char kept_mode[32], kept_hp[32], kept_iso[256];   /* b.st is rewritten below */
        snprintf(kept_mode, sizeof(kept_mode), "%s", b.st.mode);
        snprintf(kept_hp, sizeof(kept_hp), "%s", b.st.hugepages);
        snprintf(kept_iso, sizeof(kept_iso), "%s", b.st.isolate);
        const char *mode = w.mode ? w.mode : kept_mode[0] ? kept_mode : NULL;
        if (!w.hugepages && kept_hp[0])
                w.hugepages = kept_hp;
        if (!w.isolate && kept_iso[0])
                w.isolate = kept_iso;
        if (w.hugepages && !strcmp(w.hugepages, "none"))
                w.hugepages = NULL;
        if (!strcmp(sub, "revert"))
                mode = NULL, w.hugepages = NULL, w.isolate = NULL;
        if (!strcmp(sub, "apply") && !mode && !w.hugepages && !w.isolate) {
                fail("apply needs --mode passthrough|gvtg|sriov, --hugepages or --isolate");
                return PGS_EXIT_USAGE;
        }
        if (mode || w.hugepages || w.isolate) {
                w.mode = mode;
                if (desired_params(&b, &w, &want, &kvmgt) < 0)
                        return PGS_EXIT_USAGE;  /* a request this host cannot take */
        }

        if (!strcmp(sub, "show")) {
                printf("%-22s %s\n", "bootloader", b.be->what);
                printf("%-22s /%s\n", "parameters read from", b.where[0] ? b.where : "(nothing)");
                print_words("current parameters", &b.present);
                print_words("added by pgs", &b.st.params);
                if (mode) {
                        struct words miss = { 0 };
                        for (size_t i = 0; i < want.n; i++)
                                if (!words_has(&b.present, want.v[i]))
                                        words_add(&miss, want.v[i]);
                        printf("%-22s %s\n", "mode", mode);
                        print_words("still needed", &miss);
                        words_free(&miss);
                }
                return PGS_EXIT_OK;
        }

        /* conflicts: the same key with another value that pgs does not own */
        int conflicts = 0;
        for (size_t i = 0; i < want.n; i++)
                for (size_t k = 0; k < b.present.n; k++)
                        if (param_same_key(want.v[i], b.present.v[k]) && strcmp(want.v[i], b.present.v[k]) &&
                            !words_has(&b.st.params, b.present.v[k])) {
                                fail("%s is already on the kernel command line (/%s); %s%s needs %s: remove it first",
                                     b.present.v[k], b.where, mode ? mode : "pgs", mode ? " mode" : "", want.v[i]);
                                conflicts++;
                        }
        if (conflicts)
                return PGS_EXIT_FAILED;

        if (!strcmp(b.be->name, "nixos")) {
                if (!strcmp(sub, "revert")) {
                        puts("NixOS: remove the lines pgs boot printed from configuration.nix, then nixos-rebuild switch.");
                        return PGS_EXIT_OK;
                }
                puts("NixOS: pgs does not edit Nix files. Add to configuration.nix, then nixos-rebuild switch:");
                printf("  boot.kernelParams = [");
                for (size_t i = 0; i < want.n; i++)
                        printf(" \"%s\"", want.v[i]);
                puts(" ];");
                if (kvmgt)
                        puts("  boot.kernelModules = [ \"kvmgt\" ];");
                return PGS_EXIT_OK;
        }

        /* what to take away: owned, present, no longer wanted; what to add:
         * wanted, not present. A wanted parameter the user already had stays
         * theirs (not recorded as pgs's). */
        struct words owned = { 0 };
        for (size_t i = 0; i < b.st.params.n; i++) {
                const char *p = b.st.params.v[i];
                if (!words_has(&want, p)) {
                        if (words_has(&b.present, p))
                                words_add(&rm, p);
                } else {
                        words_add(&owned, p);
                }
        }
        for (size_t i = 0; i < want.n; i++)
                if (!words_has(&b.present, want.v[i])) {
                        words_add(&add, want.v[i]);
                        if (!words_has(&owned, want.v[i]))
                                words_add(&owned, want.v[i]);
                }
        if (b.pending)
                printf("pgs boot: the last run did not finish (/%s says so): its regeneration runs again\n", STATE_PATH);
        if ((add.n || rm.n || b.pending) && b.be->plan(&b, &add, &rm) < 0)
                return PGS_EXIT_FAILED;

        /* modules-load.d for GVT-g: a file pgs owns whole */
        struct fedit *ml;
        if (edit_load(&b, MODLOAD_PATH, true, &ml) < 0)
                return PGS_EXIT_FAILED;
        if (kvmgt && !ml->new) {
                edit_set(ml, strdup("# written by pgs boot (GVT-g): load kvmgt at boot\nkvmgt\n"), 0);
                ml->new_len = strlen(ml->new);
                flag_set(&b, "created", MODLOAD_PATH);
        } else if (!kvmgt && ml->new && flag_has(&b, "created", MODLOAD_PATH)) {
                edit_set(ml, NULL, 0);
                flag_clear(&b, "created", MODLOAD_PATH);
        }

        b.st.params = owned;
        if (!strcmp(sub, "revert")) {
                if (!b.have_state) {
                        puts("pgs boot: nothing to revert (no /var/lib/pgs/boot)");
                        return PGS_EXIT_OK;
                }
                state_plan(&b, true);
        } else {
                snprintf(b.st.loader, sizeof(b.st.loader), "%s", b.be->name);
                snprintf(b.st.mode, sizeof(b.st.mode), "%s", mode ? mode : "");
                snprintf(b.st.hugepages, sizeof(b.st.hugepages), "%s", w.hugepages ? w.hugepages : "");
                snprintf(b.st.isolate, sizeof(b.st.isolate), "%s", w.isolate ? w.isolate : "");
                state_plan(&b, false);
        }
        bool any = false;
        for (size_t i = 0; i < b.n_edits; i++)
                if (edit_changes(&b.edits[i]) && strcmp(b.edits[i].path, STATE_PATH))
                        any = true;
        if (!any && !b.n_cmds) {
                printf("pgs boot: %s: nothing to change\n", b.be->what);
                /* keep the record in step (a first apply over parameters the
                 * user had; a revert of parameters someone else removed) */
                if (!b.dry_run)
                        execute(&b);
                return PGS_EXIT_OK;
        }
        printf("pgs boot: %s\n", b.be->what);
        if (add.n)
                print_words("adding", &add);
        if (rm.n)
                print_words("removing", &rm);
        rc = execute(&b);
        if (rc == PGS_EXIT_OK && !b.dry_run)
                printf("pgs boot: done; the parameters take effect at the next boot\n");
        return rc;
}
