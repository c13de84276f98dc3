/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/host/kmod.c — see kmod.h. */
#include "shared/host/kmod.h"

#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A test's fake kernel (tests/fake/preload.c) defines this: module loads
 * under a sysroot go to it. Without it, a sysroot never loads anything. */
extern int pgs_fake_kernel(void) __attribute__((weak));

static bool is_sysroot(const struct pgs_root *r)
{
        return strcmp(r->dir, "/") != 0;
}

int hkmod_running_kernel(const struct pgs_root *r, char *buf, size_t size)
{
        int rc = fs_read_str(r, "proc/sys/kernel/osrelease", buf, size);
        return rc < 0 ? rc : buf[0] && !strchr(buf, '/') ? 0 : -ENOENT;
}

/* version order, as sort -V: 6.10 after 6.9 */
static int vercmp(const struct dirent **a, const struct dirent **b)
{
        return strverscmp((*a)->d_name, (*b)->d_name);
}

int hkmod_newest_kernel(const struct pgs_root *r, char *buf, size_t size)
{
        struct dirent **list;
        int n = fs_scandir(r, "lib/modules", &list, NULL, vercmp), rc = -ENOENT;
        for (int i = n - 1; i >= 0; i--) {
                char p[512];
                if (rc < 0 && list[i]->d_name[0] != '.' && path_fmt(p, sizeof(p), "lib/modules/%s/modules.dep.bin", list[i]->d_name) &&
                    fs_exists(r, p) && (size_t)snprintf(buf, size, "%s", list[i]->d_name) < size)
                        rc = 0;
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return rc;
}

static const char *const conf_dirs[] = { "etc/modprobe.d", "run/modprobe.d", "usr/local/lib/modprobe.d", "usr/lib/modprobe.d",
                                         "lib/modprobe.d" };

int hkmod_open(struct hkmod *k, const struct pgs_root *r, const char *kver)
{
        const char *const *dirs = conf_dirs;
        char paths[5][4200], moddir[4200], p[300];
        const char *cfg[6];
        const char *base = is_sysroot(r) ? r->dir : "";
        if (!kver || strchr(kver, '/') || strlen(kver) >= sizeof(k->kver))
                return -EINVAL;
        for (int i = 0; i < 5; i++) {
                snprintf(paths[i], sizeof(paths[i]), "%s/%s", base, dirs[i]);
                cfg[i] = paths[i];
        }
        cfg[5] = NULL;
        snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", base, kver);
        *k = (struct hkmod){ .root = r };
        snprintf(k->kver, sizeof(k->kver), "%s", kver);
        k->have_tree = path_fmt(p, sizeof(p), "lib/modules/%s/modules.dep.bin", kver) && fs_exists(r, p);
        k->ctx = kmod_new(moddir, cfg);
        if (!k->ctx)
                return -ENOMEM;
        kmod_set_log_priority(k->ctx, 0);       /* libkmod never prints: we say why */
        if (kmod_load_resources(k->ctx) < 0)
                k->have_tree = false;
        return 0;
}

void hkmod_close(struct hkmod *k)
{
        if (k->ctx)
                kmod_unref(k->ctx);
        k->ctx = NULL;
}

/* the first module a name (or alias) resolves to; NULL when none */
static struct kmod_module *lookup(struct hkmod *k, const char *name)
{
        struct kmod_list *l = NULL;
        if (kmod_module_new_from_lookup(k->ctx, name, &l) < 0 || !l)
                return NULL;
        struct kmod_module *m = kmod_module_get_module(l);
        kmod_module_unref_list(l);
        return m;
}

int hkmod_module(struct hkmod *k, const char *name)
{
        struct kmod_module *m = lookup(k, name);
        if (!m)
                return 0;
        /* no file: built in when the lookup came from modules.builtin (which
         * libkmod answers from the index, without asking the running kernel) */
        int rc = kmod_module_get_path(m) ? 1 : kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN ? 2 : 0;
        kmod_module_unref(m);
        return rc;
}

int hkmod_has_param(struct hkmod *k, const char *name, const char *param)
{
        struct kmod_module *m = lookup(k, name);
        if (!m)
                return 0;
        struct kmod_list *info = NULL, *it;
        int found = 0;
        size_t pl = strlen(param);
        if (kmod_module_get_info(m, &info) >= 0) {
                kmod_list_foreach(it, info) {
                        const char *key = kmod_module_info_get_key(it), *val = kmod_module_info_get_value(it);
                        /* parm=NAME:description, parmtype=NAME:type */
                        if (key && val && (!strcmp(key, "parm") || !strcmp(key, "parmtype")) && !strncmp(val, param, pl) && val[pl] == ':')
                                found = 1;
                }
                kmod_module_info_free_list(info);
        }
        kmod_module_unref(m);
        return found;
}

static int copy_out(const char *v, char *buf, size_t size)
{
        return (size_t)snprintf(buf, size, "%s", v ? v : "") < size ? 0 : -ENAMETOOLONG;
}

/* a module by name: its modprobe.d lines apply whether or not this kernel
 * has it */
static struct kmod_module *by_name(struct hkmod *k, const char *name)
{
        struct kmod_module *m = lookup(k, name);
        if (!m && kmod_module_new_from_name(k->ctx, name, &m) < 0)
                m = NULL;
        return m;
}

/* one of a module's modprobe.d strings, "" when it has none */
static int module_string(struct hkmod *k, const char *name, const char *(*get)(const struct kmod_module *), char *buf, size_t size)
{
        struct kmod_module *m = by_name(k, name);
        int rc = copy_out(m ? get(m) : NULL, buf, size);
        if (m)
                kmod_module_unref(m);
        return rc;
}

int hkmod_options(struct hkmod *k, const char *name, char *buf, size_t size)
{
        return module_string(k, name, kmod_module_get_options, buf, size);
}

int hkmod_install(struct hkmod *k, const char *name, char *buf, size_t size)
{
        return module_string(k, name, kmod_module_get_install_commands, buf, size);
}

int hkmod_load(struct hkmod *k, const char *name, char *why, size_t size)
{
        why[0] = '\0';
        if (is_sysroot(k->root) && !pgs_fake_kernel) {
                snprintf(why, size, "under a sysroot (%s) pgs never loads modules into the running kernel", k->root->dir);
                return -EPERM;
        }
        struct kmod_module *m = lookup(k, name);
        if (!m) {
                snprintf(why, size, "kernel %s has no %s module (%s/lib/modules/%s%s)", k->kver, name, is_sysroot(k->root) ? k->root->dir : "",
                         k->kver, k->have_tree ? "" : " has no depmod index");
                return -ENOENT;
        }
        char install[512];
        copy_out(kmod_module_get_install_commands(m), install, sizeof(install));
        if (install[0] && is_sysroot(k->root)) {
                /* the command is the sysroot's: never run on this machine */
                snprintf(why, size, "modprobe.d says 'install %s %s': modprobe runs that instead of loading it (not run under a sysroot)",
                         name, install);
                kmod_module_unref(m);
                return -EPERM;
        }
        int rc = kmod_module_probe_insert_module(m, 0, NULL, NULL, NULL, NULL);
        if (rc > 0)
                rc = -EPERM;    /* KMOD_PROBE_APPLY_BLACKLIST* are not asked for: not reached */
        if (rc < 0) {
                if (install[0])
                        snprintf(why, size, "modprobe.d says 'install %s %s': modprobe runs that instead of loading it, and it failed", name,
                                 install);
                else if (rc == -ENOKEY || rc == -EKEYREJECTED)
                        snprintf(why, size, "the kernel refused %s: its signature is missing or not trusted (module signing is enforced)", name);
                else if (rc == -EPERM)
                        snprintf(why, size, "the kernel refused to load %s (lockdown, or modules disabled)", name);
                else if (rc == -ENOENT)
                        snprintf(why, size, "%s's file is missing (a stale depmod index for %s?)", name, k->kver);
                else if (rc == -ENOEXEC || rc == -EINVAL)
                        snprintf(why, size, "%s does not fit the running kernel (%s)", name, strerror(-rc));
                else
                        snprintf(why, size, "loading %s failed: %s", name, strerror(-rc));
        }
        kmod_module_unref(m);
        return rc;
}

static bool same_module(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return !*a && !*b;
}

/* The first *.conf file, in kmod's order (a name in an earlier directory
 * hides the same name in later ones), with a line "KIND MODULE ..." holding
 * text; its path in buf. For messages: libkmod decides, this says where. */
int hkmod_config_where(struct hkmod *k, const char *kind, const char *name, const char *text, char *buf, size_t size)
{
        for (size_t d = 0; d < sizeof(conf_dirs) / sizeof(conf_dirs[0]); d++) {
                struct dirent **list;
                int n = fs_scandir(k->root, conf_dirs[d], &list, NULL, alphasort), found = 0;
                for (int i = 0; i < n; i++) {
                        const char *f = list[i]->d_name;
                        size_t l = strlen(f);
                        char p[600], *t;
                        size_t len;
                        bool hidden = false;
                        for (size_t e = 0; e < d && !hidden; e++)
                                hidden = path_fmt(p, sizeof(p), "%s/%s", conf_dirs[e], f) && fs_exists(k->root, p);
                        if (!found && !hidden && l > 5 && !strcmp(f + l - 5, ".conf") && path_fmt(p, sizeof(p), "%s/%s", conf_dirs[d], f) &&
                            fs_read_file(k->root, p, 1 << 20, &t, &len) == 0) {
                                char *save;
                                for (char *line = strtok_r(t, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
                                        char w1[32], w2[128];
                                        if (sscanf(line, "%31s %127s", w1, w2) == 2 && !strcmp(w1, kind) && same_module(w2, name) &&
                                            strstr(line, text)) {
                                                snprintf(buf, size, "/%s", p);
                                                found = 1;
                                        }
                                }
                                free(t);
                        }
                        free(list[i]);
                }
                if (n >= 0)
                        free(list);
                if (found)
                        return 0;
        }
        return -ENOENT;
}
