/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/setup.c — `pgs setup --mode passthrough|gvtg|sriov`: this host set up
 * in one step (see setup.h). First every step is shown by its own dry run,
 * which also proves it can be done; nothing is changed unless all of them
 * can. Then each step that would change something is carried out, and one
 * that fails undoes the ones before it (setupundo.c). A step that changes
 * nothing says so; a second run changes nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/boot.h"
#include "cli/check.h"
#include "cli/setup.h"
#include "installers/initramfs.h"
#include "qemu-hook/hook.h"
#include "shared/alloc.h"
#include "shared/command.h"
#include "shared/config.h"
#include "shared/diff.h"
#include "shared/log.h"
#include "shared/strutil.h"
#include "shared/sysroot.h"

#ifndef PGS_LIBDIR
#define PGS_LIBDIR "/usr/lib/pgs"
#endif


static const char setup_usage[] =
        "Usage: pgs setup --mode passthrough|gvtg|sriov [--gpu ADDR] [--vfs N] [--hugepages SIZE:N]\n"
        "                 [--dry-run] [--json] [--sysroot DIR]\n"
        "       pgs setup --undo [--dry-run] [--json] [--sysroot DIR]\n"
        "       pgs setup hook [--remove] [--dry-run] [--sysroot DIR]\n"
        "\n"
        "Set this host up for a mode in one step. Every step is shown (its dry run)\n"
        "before anything changes, and nothing changes unless every step can be done:\n"
        "  files      pgs-early, the initramfs generator's pgs hook, pgs-qemu-hook, the\n"
        "             udev rules and limits.d file are installed (a package or make install)\n"
        "  config     /etc/pgs.conf: what pgs-early gives to vfio-pci (passthrough) or\n"
        "             how many VFs it makes (sriov); kept when it already says that\n"
        "  initramfs  pgs-early in the images (pgs initramfs enable), rebuilt when needed\n"
        "  boot       the mode's kernel parameters (pgs boot apply)\n"
        "  hook       pgs-qemu-hook as libvirt's qemu hook (pgs setup hook)\n"
        "A step that fails undoes the ones before it; a second run changes nothing.\n"
        "--undo takes back what setup changed (recorded in /var/lib/pgs/setup): every\n"
        "file byte for byte, the images rebuilt and checked not to carry pgs-early.\n"
        "On NixOS it prints the module configuration and changes nothing.\n"
        "\n"
        "  --mode MODE       passthrough, gvtg or sriov (pgs check says which this host can do)\n"
        "  --gpu ADDR        passthrough: the GPU to give to the VM (default: every discrete\n"
        "                    GPU but the boot one, and each discrete 3D controller); auto:\n"
        "                    pgs-early's own choice at each boot (discrete GPUs, not 3D)\n"
        "                    sriov: the iGPU whose VFs the VMs get (default " SETUP_IGPU ")\n"
        "  --vfs N           sriov: how many VFs (default: /etc/pgs.conf's count, else 7)\n"
        "  --hugepages S:N   reserve N pages of size S (1G or 2M) at boot\n"
        "  --dry-run         show every step; change nothing\n"
        "  --json            one JSON object on stdout (each step, \"changed\"); the\n"
        "                    steps' own output goes to stderr\n"
        "  --undo            take back what pgs setup changed\n"
        "  --sysroot DIR     every file, and every program run, under DIR\n"
        "\n"
        "Exit status: 0 done (or nothing to do), 1 failed (nothing changed, or all of it\n"
        "taken back), 2 --undo took back only part, 64 usage error.\n";

/* ---- steps --------------------------------------------------------------- */

struct step *step_add(struct setup *s, const char *id)
{
        struct step *st = &s->steps[s->n_steps++];
        *st = (struct step){ .id = id, .status = "unchanged" };
        printf("%s%s:\n", s->n_steps > 1 ? "\n" : "", id);
        fflush(stdout);
        return st;
}

void step_set(struct step *st, const char *status, bool changed, const char *fmt, ...)
{
        st->status = status;
        st->changed = changed;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->what, sizeof(st->what), fmt, ap);
        va_end(ap);
}

int setup_sub(const struct setup *s, bool dry, bool diffs_shown, bool *changed, const char *cmd, ...)
{
        const char *argv[16] = { cmd };
        int n = 1;
        va_list ap;
        va_start(ap, cmd);
        const char *a;
        while ((a = va_arg(ap, const char *)) && n < 12)
                argv[n++] = a;
        va_end(ap);
        if (dry)
                argv[n++] = "--dry-run";
        if (s->sysroot)
                argv[n++] = "--sysroot", argv[n++] = s->sysroot;
        argv[n] = NULL;
        struct edit_report rep = { .diffs_shown = diffs_shown };
        int rc;
        fflush(stdout);
        if (!strcmp(cmd, "boot")) {
                rc = boot_command(n, (char **)argv, &rep);
        } else if (!strcmp(cmd, "initramfs")) {
                rc = initramfs_command(n, (char **)argv, &rep);
        } else {        /* hook [--remove] */
                bool ch = false;
                rc = hook_link(&s->root, n > 1 && !strcmp(argv[1], "--remove"), dry, &ch);
                rep.changes = ch;
        }
        fflush(stdout);
        if (changed)
                *changed = rep.changes > 0;
        return rc;
}

/* ---- NixOS, output, the command -------------------------------------------- */

/* on stderr under --json, like every step's output (cmd_setup) */
static int nixos(struct setup *s, const struct plan *p)
{
        fputs("NixOS: pgs setup changes nothing here; NixOS builds the initrd, the boot entries\n"
              "and /etc from configuration.nix. With pgs's NixOS module, add:\n"
              "  services.pgs = {\n"
              "    enable = true;\n", stdout);
        printf("    mode = \"%s\";\n", s->mode);
        if (!strcmp(s->mode, "passthrough")) {
                fputs("    bind = [", stdout);
                for (size_t i = 0; i < p->bind.n; i++)
                        printf(" \"%s\"", p->bind.v[i].text);
                fputs(" ];\n", stdout);
        } else if (!strcmp(s->mode, "sriov")) {
                printf("    sriov = { \"%s\" = %d; };\n", s->gpu ? s->gpu : SETUP_IGPU, s->vfs);
        }
        if (s->hugepages)
                printf("    hugepages = \"%s\";\n", s->hugepages);
        fputs("  };\nthen nixos-rebuild boot and reboot.\n", stdout);
        return PGS_EXIT_OK;
}

static void setup_json(const struct setup *s)
{
        bool any = false, reboot = false;
        for (unsigned i = 0; i < s->n_steps; i++) {
                any |= s->steps[i].changed;
                reboot |= s->steps[i].changed && (!strcmp(s->steps[i].id, "initramfs") || !strcmp(s->steps[i].id, "boot"));
        }
        printf("{\"version\":1,\"action\":\"%s\",", s->undo ? "undo" : "setup");
        fputs("\"mode\":", stdout);
        json_str(stdout, s->mode);
        printf(",\"nixos\":%s,\"dry_run\":%s,\"changed\":%s,\"reboot\":%s,\"steps\":[", s->nixos ? "true" : "false", s->dry ? "true" : "false",
               any ? "true" : "false", reboot ? "true" : "false");
        for (unsigned i = 0; i < s->n_steps; i++) {
                const struct step *st = &s->steps[i];
                printf("%s{\"id\":\"%s\",\"status\":\"%s\",\"changed\":%s,\"what\":", i ? "," : "", st->id, st->status,
                       st->changed ? "true" : "false");
                json_str(stdout, st->what);
                putchar('}');
        }
        puts("]}");
}

static int run_setup(struct setup *s)
{
        struct plan p = { 0 };
        int rc = PGS_EXIT_FAILED;
        if (plan_load(s, &p) < 0)
                goto out;
        if (fs_exists(&s->root, "etc/NIXOS")) {
                s->nixos = true;
                rc = nixos(s, &p);
                goto out;
        }
        printf("pgs setup --mode %s%s: every step, shown before anything changes\n\n", s->mode, s->dry ? " (dry run)" : "");
        if (step_files(s, &p) < 0 || preview_config(s, &p) < 0 || preview_initramfs(s, &p) < 0 || preview_boot(s) < 0 ||
            preview_hook(s) < 0) {
                printf("\npgs setup: nothing changed\n");
                goto out;
        }
        unsigned n = 0;
        for (unsigned i = 0; i < s->n_steps; i++)
                n += s->steps[i].changed;
        rc = PGS_EXIT_OK;
        if (!n) {
                printf("\npgs setup: nothing to change: this host is set up for %s\n", s->mode);
        } else if (s->dry) {
                printf("\npgs setup: dry run: %u step(s) would change something; nothing changed\n", n);
        } else {
                rc = carry_out(s, &p);
                if (rc == PGS_EXIT_OK)
                        printf("\npgs setup: done (%u step(s) changed something).\nNext: %s, then pgs check.\n", n,
                               s->steps[S_INITRAMFS].changed || s->steps[S_BOOT].changed ? "reboot" : "nothing to reboot for");
        }
out:
        free(p.conf_old);
        free(p.conf_new);
        return rc;
}

static int parse_options(int argc, char **argv, struct setup *s)
{
        static const struct option opts[] = {
                { "mode", required_argument, NULL, 'm' }, { "gpu", required_argument, NULL, 'g' },
                { "vfs", required_argument, NULL, 'v' },  { "hugepages", required_argument, NULL, 'H' },
                { "dry-run", no_argument, NULL, 'n' },    { "json", no_argument, NULL, 'j' },
                { "undo", no_argument, NULL, 'u' },       SYSROOT_OPTION,
                { "help", no_argument, NULL, 'h' },       { 0 },
        };
        const char *sysroot = NULL, *vfs = NULL;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'm': s->mode = optarg; break;
                case 'g': s->gpu = optarg; break;
                case 'v': vfs = optarg; break;
                case 'H': s->hugepages = optarg; break;
                case 'n': s->dry = true; break;
                case 'j': s->json = true; break;
                case 'u': s->undo = true; break;
                case 'r': sysroot = optarg; break;
                case 'h': fputs(setup_usage, stdout); return PGS_EXIT_OK;
                default: fputs(setup_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        const char *bad = NULL;
        struct bind_item it;
        uint64_t n;
        if (optind != argc)
                log_stderr("pgs setup", "unexpected '%.64s': setup takes options only (or the word hook)", argv[optind]), bad = "";
        else if (s->undo && (s->mode || s->gpu || vfs || s->hugepages))
                bad = "--undo takes back what setup did: it takes no --mode, --gpu, --vfs or --hugepages";
        else if (!s->undo && !s->mode)
                bad = "which mode? --mode passthrough, gvtg or sriov (pgs check says which this host can do); "
                      "pgs setup hook installs only the libvirt hook, as pgs setup did before";
        else if (s->mode && strcmp(s->mode, "passthrough") && strcmp(s->mode, "gvtg") && strcmp(s->mode, "sriov"))
                bad = "--mode: expected passthrough, gvtg or sriov";
        else if (s->gpu && !strcmp(s->mode, "gvtg"))
                bad = "--gpu: gvtg uses the Intel iGPU; the VM's slice of it is chosen by pgs vm";
        else if (s->gpu && (bind_item_parse(s->gpu, &it) < 0 || it.kind == BIND_ID ||
                            (!strcmp(s->mode, "sriov") && it.kind != BIND_ADDR)))
                bad = "--gpu: expected a PCI address like 0000:01:00.0 (passthrough also takes ADDR@VENDOR:DEVICE, or auto)";
        else if (vfs && strcmp(s->mode, "sriov"))
                bad = "--vfs is for --mode sriov";
        else if (vfs && (parse_u64(vfs, 10, &n) < 0 || n < 1 || n > 64))
                bad = "--vfs: expected a number of VFs from 1 to 64";
        if (bad) {
                if (*bad)
                        log_stderr("pgs setup", "%s", bad);
                return PGS_EXIT_USAGE;
        }
        s->vfs = vfs ? (int)n : -1;
        if (sysroot_open(&s->root, "pgs setup", sysroot))
                return PGS_EXIT_USAGE;
        s->sysroot = sysroot_of(&s->root);
        return -1;
}

int cmd_setup(int argc, char **argv)
{
        if (argc > 1 && !strcmp(argv[1], "hook"))
                return cmd_setup_hook(argc - 1, argv + 1);
        struct setup s = { .root = { .fd = -1 } };
        int rc = parse_options(argc, argv, &s);
        if (rc >= 0)
                return rc;
        /* --json: stdout is the JSON alone; what the steps print goes to stderr */
        int saved = -1;
        if (s.json) {
                fflush(stdout);
                saved = dup(STDOUT_FILENO);
                dup2(STDERR_FILENO, STDOUT_FILENO);
        }
        rc = s.undo ? setup_undo(&s) : run_setup(&s);
        if (saved >= 0) {
                fflush(stdout);
                dup2(saved, STDOUT_FILENO);
                close(saved);
                setup_json(&s);
        }
        root_close(&s.root);
        return rc;
}
