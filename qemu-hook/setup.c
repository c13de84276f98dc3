/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/setup.c — `pgs setup hook [--remove] [--dry-run]`: install pgs-qemu-hook
 * as libvirt's qemu hook. /etc/libvirt/hooks/qemu when it is free (or already
 * pgs's); /etc/libvirt/hooks/qemu.d/pgs when another hook owns qemu (libvirt
 * runs every executable in qemu.d/). A daemon started without hooks never
 * notices one added later, so it says which daemon to restart once. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-hook/hook.h"
#include "shared/command.h"
#include "shared/proc.h"
#include "shared/log.h"
#include "shared/root.h"
#include "shared/sysroot.h"

#ifndef PGS_LIBDIR
#define PGS_LIBDIR "/usr/lib/pgs"
#endif
#define HOOK_TARGET PGS_LIBDIR "/pgs-qemu-hook"

static bool is_ours(const struct pgs_root *r, const char *path)
{
        char t[512];
        return fs_readlink(r, path, t, sizeof(t)) > 0 && !strcmp(t, HOOK_TARGET);
}

const char *hook_installed_at(const struct pgs_root *r)
{
        static const char *const paths[] = { "etc/libvirt/hooks/qemu", "etc/libvirt/hooks/qemu.d/pgs" };
        for (int i = 0; i < 2; i++)
                if (is_ours(r, paths[i]))
                        return paths[i];
        return NULL;
}

/* modular daemons (Fedora, Arch) or the monolithic libvirtd (Debian 12) */
const char *hook_daemon_name(const struct pgs_root *r)
{
        char p[512];
        bool modular = prog_find(r, NULL, "virtqemud", p, sizeof(p)) &&
                       (fs_exists(r, "etc/systemd/system/sockets.target.wants/virtqemud.socket") ||
                        fs_exists(r, "etc/systemd/system/multi-user.target.wants/virtqemud.service") ||
                        !prog_find(r, NULL, "libvirtd", p, sizeof(p)));
        return modular ? "virtqemud" : "libvirtd";
}

/* The hook linked (or, remove, taken away) on r; *changed says whether it
 * was (in a dry run: would be). Messages on stdout, errors on stderr. */
int hook_link(const struct pgs_root *r, bool remove, bool dry, bool *changed)
{
        const char *main_hook = "etc/libvirt/hooks/qemu", *dropin = "etc/libvirt/hooks/qemu.d/pgs", *dmn = hook_daemon_name(r);
        bool main_taken = fs_lexists(r, main_hook) && !is_ours(r, main_hook);
        *changed = false;
        if (remove) {
                const char *paths[] = { main_hook, dropin };
                for (int i = 0; i < 2; i++)
                        if (is_ours(r, paths[i])) {
                                printf("%s /%s\n", dry ? "would remove" : "removing", paths[i]);
                                int e = dry ? 0 : fs_unlink(r, paths[i]);
                                if (e < 0) {
                                        log_stderr("pgs setup", "/%s: %s", paths[i], strerror(-e));
                                        return PGS_EXIT_FAILED;
                                }
                                *changed = true;
                        }
                if (!*changed)
                        puts("pgs setup: the pgs hook is not installed");
                else if (!dry)
                        printf("pgs setup: restart %s once so that it forgets the hook (systemctl restart %s)\n", dmn, dmn);
                return PGS_EXIT_OK;
        }
        const char *target = main_taken ? dropin : main_hook;
        if (is_ours(r, target)) {
                printf("pgs setup: /%s is already pgs-qemu-hook\n", target);
                return PGS_EXIT_OK;
        }
        if (main_taken)
                printf("/%s belongs to another hook; libvirt also runs every program in qemu.d/\n", main_hook);
        if (fs_lexists(r, target)) {
                log_stderr("pgs setup", "/%s exists and is not pgs's; not replacing it", target);
                return PGS_EXIT_FAILED;
        }
        printf("%s /%s -> %s\n", dry ? "would link" : "linking", target, HOOK_TARGET);
        *changed = true;
        if (dry)
                return PGS_EXIT_OK;
        int rc = fs_mkdir_p(r, main_taken ? "etc/libvirt/hooks/qemu.d" : "etc/libvirt/hooks", 0755);
        if (rc == 0)
                rc = fs_symlink(r, HOOK_TARGET, target);
        if (rc < 0) {
                *changed = false;
                log_stderr("pgs setup", "/%s: %s", target, strerror(-rc));
                return PGS_EXIT_FAILED;
        }
        printf("pgs setup: restart %s once: a daemon started without this hook never notices it (systemctl restart %s)\n", dmn, dmn);
        return PGS_EXIT_OK;
}

static const char hook_usage[] =
        "Usage: pgs setup hook [--remove] [--dry-run] [--sysroot DIR]\n"
        "\n"
        "Install pgs-qemu-hook as libvirt's qemu hook: /etc/libvirt/hooks/qemu when\n"
        "it is free, else /etc/libvirt/hooks/qemu.d/pgs. --remove takes it away.\n"
        "(pgs setup --mode does this as one of its steps.)\n";

/* `pgs setup hook`: argv[0] is "hook" */
int cmd_setup_hook(int argc, char **argv)
{
        static const struct option opts[] = {
                SYSROOT_OPTION, { "dry-run", no_argument, NULL, 'n' },
                { "remove", no_argument, NULL, 'x' }, { "help", no_argument, NULL, 'h' }, { 0 },
        };
        const char *sysroot = NULL;
        bool dry = false, remove = false, changed;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'r': sysroot = optarg; break;
                case 'n': dry = true; break;
                case 'x': remove = true; break;
                case 'h': fputs(hook_usage, stdout); return PGS_EXIT_OK;
                default: fputs(hook_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                log_stderr("pgs setup hook", "unexpected '%.64s': it takes no other words", argv[optind]);
                return PGS_EXIT_USAGE;
        }
        struct pgs_root r;
        if (sysroot_open(&r, "pgs setup", sysroot))
                return PGS_EXIT_USAGE;
        int rc = hook_link(&r, remove, dry, &changed);
        root_close(&r);
        return rc;
}
