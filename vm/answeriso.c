/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/answeriso.c — the answer ISO (xorriso): /autounattend.xml, /pgs/setup.cmd,
 * /pgs/firstboot.cmd and /pgs/drivers/ for the --driver files, written 0600
 * to var/lib/pgs/vm/NAME-answer.iso (it holds the password in clear: pgs
 * deletes it once Setup ends, and pgs vm remove deletes it if it is left).
 * Also what the answer needs from the host and the Windows ISO. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/proc.h"
#include "shared/root.h"
#include "vm/install.h"
#include "vm/installcmd.h"
#include "vm/manage.h"

#define ID "pgs vm"

const char *host_path(const struct install_opts *io, const char *rel, char *buf, size_t size)
{
        const char *s = io->sysroot && strcmp(io->sysroot, "/") ? io->sysroot : "";
        snprintf(buf, size, "%s/%s", s, rel[0] == '/' ? rel + 1 : rel);
        return buf;
}

int iso_language(const char *iso, char out[WIN_LANG_MAX])
{
        unsigned char pvd[2048];
        char volid[33];
        int fd = open(iso, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : pread(fd, pvd, sizeof(pvd), 16 * 2048);
        int e = errno;
        if (fd >= 0)
                close(fd);
        if (n < 0) {
                log_stderr(ID, "--iso %s: %s", iso, strerror(e));
                return -e;
        }
        int k = win_iso_language(pvd, (size_t)n, out, volid);
        if (k == -ENOMEDIUM)
                log_stderr(ID, "--iso %s: not an ISO 9660 image (no primary volume descriptor at 32 KiB)", iso);
        else if (k < 0)
                log_stderr(ID, "--iso %s: its volume id '%s' names no language (like CCCOMA_X64FRE_EN-US_DV9); say it with --language ll-CC", iso, volid);
        return k;
}

/* locales, keyboard and zone from the host (the root); what it cannot tell
 * follows the ISO's language, and UTC */
void answer_host(const struct pgs_root *r, struct answer *a)
{
        const char *lang = getenv("LC_ALL");
        if (!lang || !*lang)
                lang = getenv("LANG");
        if (win_lang_locale(lang, a->user_locale) < 0)
                snprintf(a->user_locale, sizeof(a->user_locale), "%s", a->ui_lang);
        char *kb = NULL, zone[128];
        size_t len = 0;
        if (fs_read_file(r, "etc/default/keyboard", 1 << 14, &kb, &len) < 0 || win_keyboard_locale(kb, len, a->input_locale) < 0)
                snprintf(a->input_locale, sizeof(a->input_locale), "%s", a->user_locale);
        free(kb);
        if (win_host_zone(r, zone, sizeof(zone)) < 0 || win_timezone(zone, a->timezone, sizeof(a->timezone)) < 0)
                snprintf(a->timezone, sizeof(a->timezone), "UTC");
}

static int stage(const struct pgs_root *r, const char *dir, const char *name, char *text)
{
        char p[512];
        int k = text ? fs_write_file_atomic(r, path_fmt(p, sizeof(p), "%s/%s", dir, name), text, strlen(text), 0600) : -ENOMEM;
        free(text);
        return k;
}

static void unstage(const struct pgs_root *r, const char *dir)
{
        static const char *const files[] = { "autounattend.xml", "setup.cmd", "firstboot.cmd" };
        char p[512];
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                fs_unlink(r, path_fmt(p, sizeof(p), "%s/%s", dir, files[i]));
        fs_rmdir(r, dir);
}

int answer_iso(const struct pgs_root *r, const struct install_opts *io, const struct answer *a, const char *out_rel)
{
        char dir[256], p[512], xorriso[] = "xorriso";   /* this host's, from PATH */
        path_fmt(dir, sizeof(dir), VM_RECORD_DIR "/%s.answer", io->name);
        int k = fs_mkdir_p(r, dir, 0700);
        if (k == 0)
                k = stage(r, dir, "autounattend.xml", answer_xml(a));
        if (k == 0)
                k = stage(r, dir, "setup.cmd", answer_setup_cmd(a));
        if (k == 0)
                k = stage(r, dir, "firstboot.cmd", answer_firstboot_cmd(a));
        if (k < 0) {
                log_stderr(ID, "%s: cannot write the answer file: %s", dir, strerror(-k));
                unstage(r, dir);
                return k;
        }
        /* graft points: the staged files and the drivers where they are */
        char *argv[16 + INSTALL_MAX_DRIVERS] = { xorriso, "-as", "mkisofs", "-quiet", "-V", "PGS_ANSWER", "-J", "-joliet-long", "-r", "-graft-points", "-o" };
        char gr[3 + INSTALL_MAX_DRIVERS][4200];
        int n = 11;
        argv[n++] = (char *)host_path(io, out_rel, p, sizeof(p));
        char hd[512];
        host_path(io, dir, hd, sizeof(hd));
        snprintf(gr[0], sizeof(gr[0]), "/autounattend.xml=%s/autounattend.xml", hd);
        snprintf(gr[1], sizeof(gr[1]), "/pgs/setup.cmd=%s/setup.cmd", hd);
        snprintf(gr[2], sizeof(gr[2]), "/pgs/firstboot.cmd=%s/firstboot.cmd", hd);
        for (unsigned i = 0; i < 3 + io->n_drivers; i++) {
                if (i >= 3)
                        snprintf(gr[i], sizeof(gr[i]), "/pgs/drivers/%s=%s", a->drivers[i - 3], io->drivers[i - 3]);
                argv[n++] = gr[i];
        }
        argv[n] = NULL;
        mode_t old = umask(077);
        fs_unlink(r, out_rel);
        k = run_prog(argv, NULL, NULL, 600 * 1000);
        umask(old);
        unstage(r, dir);
        if (k != 0) {
                log_stderr(ID, "xorriso could not write %s (%s)", p, k == -ENOENT ? "xorriso is not installed: apt install xorriso" : k < 0 ? strerror(-k) : "it failed");
                fs_unlink(r, out_rel);
                return k < 0 ? k : -EIO;
        }
        return 0;
}
