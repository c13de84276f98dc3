/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/checkstate.c — `pgs check`'s view of pgs itself (see check.h), from
 * evidence, never by unpacking an image:
 *   etc/pgs.conf                  the config pgs-early reads
 *   run/pgs/early                 pgs-early ran in this boot's initramfs
 *   boot/initrd.img-*, boot/initramfs-*.img  their mtimes against the config's
 *   var/lib/pgs/boot              the parameters pgs boot applied, against proc/cmdline
 *   etc/libvirt/hooks/qemu{,.d/pgs}  the hook, against the running daemon's start
 *                                 (proc/PID/stat field 22 + proc/stat btime) */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/kparams.h"
#include "cli/check.h"
#include "installers/initramfs.h"
#include "qemu-hook/hook.h"
#include "shared/config.h"
#include "shared/procscan.h"
#include "shared/strutil.h"

static void count_diag(void *ud, unsigned line, const char *msg)
{
        (*(unsigned *)ud)++;
}

/* the newest initramfs image's mtime in /boot, 0 when there is none */
static time_t newest_image(const struct pgs_root *r)
{
        struct dirent **list;
        int n = fs_scandir(r, "boot", &list, NULL, NULL);
        time_t newest = 0;
        for (int i = 0; i < n; i++) {
                const char *d = list[i]->d_name;
                char p[300];
                struct stat st;
                if ((!strncmp(d, "initrd.img-", 11) || (!strncmp(d, "initramfs-", 10) && strstr(d, ".img"))) &&
                    fs_stat(r, path_fmt(p, sizeof(p), "boot/%s", d), &st) == 0 && st.st_mtime > newest)
                        newest = st.st_mtime;
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return newest;
}

static void check_config(struct check *c)
{
        char *text = NULL;
        size_t len;
        struct stat st;
        int rc = fs_read_file(c->root, "etc/pgs.conf", PGS_CONF_MAX, &text, &len);
        if (rc == -ENOENT) {
                check_add(c, "pgs.config", CHECK_WARN, "pgs setup --mode MODE writes it", "no /etc/pgs.conf: pgs-early has nothing to bind at boot");
                return;
        }
        if (rc < 0) {
                check_add(c, "pgs.config", CHECK_WARN, NULL, "/etc/pgs.conf: %s", strerror(-rc));
                return;
        }
        struct pgs_config conf;
        unsigned bad = 0;
        config_parse(text, len, &conf, count_diag, &bad);
        free(text);
        time_t image = newest_image(c->root);
        if (bad)
                check_add(c, "pgs.config", CHECK_WARN, "pgs-early --dry-run names each one", "/etc/pgs.conf: %u line(s) or item(s) pgs-early cannot use", bad);
        else if (image && fs_stat(c->root, "etc/pgs.conf", &st) == 0 && st.st_mtime > image)
                check_add(c, "pgs.config", CHECK_WARN, "pgs initramfs enable (rebuilds the images), then reboot",
                          "/etc/pgs.conf changed after the newest initramfs image was built: the image carries the old one");
        else
                check_add(c, "pgs.config", CHECK_PASS, NULL, "/etc/pgs.conf: %zu bind item(s), %zu SR-IOV item(s)", conf.bind.n, conf.sriov.n);
}

static void check_early(struct check *c)
{
        if (fs_exists(c->root, "run/pgs/early"))
                check_add(c, "pgs.early", CHECK_PASS, NULL, "pgs-early ran in this boot's initramfs (pgs status shows what it did)");
        else
                check_add(c, "pgs.early", CHECK_WARN, "pgs initramfs enable (or pgs setup --mode MODE), then reboot",
                          "pgs-early did not run in this boot (no /run/pgs/early): it is not in the initramfs, or pgs.off was given");
}

/* the parameters var/lib/pgs/boot says pgs boot applied ("param WORD" lines) */
static void check_boot(struct check *c)
{
        char *rec = NULL, cmdline[8192] = "";
        size_t len;
        if (fs_read_file(c->root, "var/lib/pgs/boot", 64 * 1024, &rec, &len) < 0) {
                check_add(c, "pgs.boot", CHECK_WARN, "pgs boot apply --mode MODE (or pgs setup --mode MODE)",
                          "pgs boot has applied no kernel parameters (no /var/lib/pgs/boot)");
                return;
        }
        fs_read_str(c->root, "proc/cmdline", cmdline, sizeof(cmdline));
        _cleanup_words_ struct words running = { 0 };
        words_split(cmdline, strlen(cmdline), &running);
        char missing[400] = "";
        size_t ml = 0;
        unsigned n = 0;
        char *save;
        for (char *l = strtok_r(rec, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (strncmp(l, "param ", 6))
                        continue;
                n++;
                if (!words_has(&running, l + 6) && ml < sizeof(missing))
                        ml += (size_t)snprintf(missing + ml, sizeof(missing) - ml, "%s%s", ml ? " " : "", l + 6);
        }
        free(rec);
        if (missing[0])
                check_add(c, "pgs.boot", CHECK_WARN, "reboot", "reboot pending: %s not on the running kernel's command line", missing);
        else
                check_add(c, "pgs.boot", CHECK_PASS, NULL, "the %u parameter(s) pgs boot applied are on the running command line", n);
}

struct daemon_find {
        const struct pgs_root *root;
        const char *name;
        unsigned long long start;       /* clock ticks after boot */
        bool found;
};

static int find_daemon(const char *pid, void *ud)
{
        struct daemon_find *f = ud;
        char p[64], comm[64], stat[1024];
        if (fs_read_str(f->root, path_fmt(p, sizeof(p), "proc/%s/comm", pid), comm, sizeof(comm)) < 0 || strcmp(comm, f->name))
                return 0;
        if (fs_read_str(f->root, path_fmt(p, sizeof(p), "proc/%s/stat", pid), stat, sizeof(stat)) < 0)
                return 0;
        /* after "PID (comm) ", field 3 is the state; starttime is field 22 */
        const char *s = strrchr(stat, ')');
        for (int field = 2; s && field < 22; field++)
                s = strchr(s + 1, ' ');
        if (!s)
                return 0;
        f->start = strtoull(s + 1, NULL, 10);
        f->found = true;
        return 1;
}

static void check_hook(struct check *c)
{
        const char *at = hook_installed_at(c->root), *dmn = hook_daemon_name(c->root);
        if (!at) {
                check_add(c, "pgs.hook", CHECK_WARN, "pgs setup hook", "the pgs hook is not installed (/etc/libvirt/hooks/qemu or qemu.d/pgs)");
                return;
        }
        struct daemon_find f = { .root = c->root, .name = dmn };
        proc_each(c->root, find_daemon, &f);
        char st[4096] = "";
        const char *bt = NULL;
        struct stat link;
        if (f.found && fs_read_str(c->root, "proc/stat", st, sizeof(st)) >= 0)
                bt = strstr(st, "btime ");
        if (bt && fs_lstat(c->root, at, &link) == 0) {
                long hz = sysconf(_SC_CLK_TCK);
                long long started = strtoll(bt + 6, NULL, 10) + (long long)(f.start / (unsigned long long)(hz > 0 ? hz : 100));
                if (started < (long long)link.st_mtime) {
                        char fix[80];
                        snprintf(fix, sizeof(fix), "systemctl restart %s", dmn);
                        check_add(c, "pgs.hook", CHECK_WARN, fix, "/%s is installed, but the running %s started before it and never calls it", at, dmn);
                        return;
                }
        }
        check_add(c, "pgs.hook", CHECK_PASS, NULL, "/%s is pgs-qemu-hook%s", at,
                  f.found ? "; the running daemon knows it" : " (the daemon reads it when it starts)");
}

/* --deep: the images themselves, listed by the generator's own lister */
static void check_images(struct check *c)
{
        char why[400];
        int rc = images_carry_early(c->root, why, sizeof(why));
        if (rc == 1)
                check_add(c, "pgs.images", CHECK_PASS, NULL, "%s", why);
        else
                check_add(c, "pgs.images", CHECK_WARN, rc == 0 ? "pgs initramfs enable (rebuilds and checks them)" : NULL, "%s", why);
}

void check_pgs_state(struct check *c)
{
        check_config(c);
        check_early(c);
        if (c->deep)
                check_images(c);
        check_boot(c);
        check_hook(c);
}
