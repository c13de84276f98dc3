/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/boot.c — `pgs boot show|apply|revert`: the kernel parameters a
 * mode needs, on whatever bootloader the system uses, owning only its own.
 * The command; its parts are in boot.h's files (plan, state, back ends, mode).
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

#include "boot-entry/boot.h"
#include "boot-entry/kparams.h"
#include "shared/command.h"
#include "shared/config.h"
#include "shared/cpulist.h"
#include "shared/diff.h"
#include "shared/proc.h"
#include "shared/root.h"
#include "shared/sysroot.h"


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
        for (size_t i = 0; i < boot_n_backends; i++)
                if (forced ? !strcmp(forced, boot_backends[i].name) : boot_backends[i].detect(b)) {
                        b->be = &boot_backends[i];
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

static struct boot b;

static int boot_run(int argc, char **argv);

int cmd_boot(int argc, char **argv)
{
        b.root.fd = -1;
        int rc = boot_run(argc, argv);
        /* what the run opened and planned goes with it (a caller may run it again) */
        root_close(&b.root);
        edit_free(&b.plan);
        words_free(&b.st.params);
        words_free(&b.st.flags);
        words_free(&b.present);
        memset(&b, 0, sizeof(b));
        return rc;
}

static int boot_run(int argc, char **argv)
{
        static const struct option opts[] = {
                { "mode", required_argument, NULL, 'm' },    { "vfs", required_argument, NULL, 'v' },
                { "driver", required_argument, NULL, 'd' },  { "hugepages", required_argument, NULL, 'H' },
                { "isolate", required_argument, NULL, 'i' }, { "dry-run", no_argument, NULL, 'n' },
                { "loader", required_argument, NULL, 'l' },  SYSROOT_OPTION,
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

        memset(&b, 0, sizeof(b));
        b.root.fd = -1;
        if (sysroot_open(&b.root, "pgs boot", sysroot))
                return PGS_EXIT_USAGE;
        b.sysroot = sysroot_of(&b.root);
        int rc;
        edit_init(&b.plan, &b.root, b.sysroot, "pgs boot");
        b.plan.dry_run = dry_run;
        b.plan.record = STATE_PATH;
        b.plan.timeout_ms = CMD_TIMEOUT_MS;
        state_load(&b);
        if (!loader && b.have_state && b.st.loader[0] && strcmp(sub, "apply"))
                loader = b.st.loader;  /* revert/show work on what apply used */
        if (pick_backend(&b, loader) < 0)
                return PGS_EXIT_FAILED;
        if (b.be->read(&b) < 0)
                return PGS_EXIT_FAILED;

        _cleanup_words_ struct words want = { 0 }, add = { 0 }, rm = { 0 };
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
        _cleanup_words_ struct words owned = { 0 };
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
        struct edit_file *ml;
        if (edit_load(&b.plan, MODLOAD_PATH, true, &ml) < 0)
                return PGS_EXIT_FAILED;
        ml->owned = true;
        if (kvmgt && !ml->new) {
                edit_set(ml, strdup("# written by pgs boot (GVT-g): load kvmgt at boot\nkvmgt\n"), 0);
                ml->new_len = strlen(ml->new);
                flag_set(&b, "created", MODLOAD_PATH);
        } else if (!kvmgt && ml->new && flag_has(&b, "created", MODLOAD_PATH)) {
                edit_set(ml, NULL, 0);
                flag_clear(&b, "created", MODLOAD_PATH);
        }

        /* the record takes the list over (the one it replaces was read from it) */
        words_free(&b.st.params);
        b.st.params = owned;
        owned = (struct words){ 0 };
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
        if (!edit_any(&b.plan) && !b.plan.n_cmds) {
                printf("pgs boot: %s: nothing to change\n", b.be->what);
                /* keep the record in step (a first apply over parameters the
                 * user had; a revert of parameters someone else removed) */
                if (!b.plan.dry_run)
                        edit_execute(&b.plan);
                return PGS_EXIT_OK;
        }
        printf("pgs boot: %s\n", b.be->what);
        if (add.n)
                print_words("adding", &add);
        if (rm.n)
                print_words("removing", &rm);
        rc = edit_execute(&b.plan);
        if (rc == PGS_EXIT_OK && !b.plan.dry_run)
                printf("pgs boot: done; the parameters take effect at the next boot\n");
        return rc;
}

