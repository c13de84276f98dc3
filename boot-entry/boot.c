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
#include "shared/alloc.h"
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

/* what was asked, as the options said it */
struct request {
        struct want w;
        const char *sub, *loader, *sysroot;
        bool dry_run;
};

static int parse_vfs(const char *arg, int *ret)
{
        uint64_t v;
        if (parse_u64(arg, 10, &v) < 0 || v > 64)
                return fail("--vfs '%.16s': not a number of VFs", arg);
        *ret = (int)v;
        return 0;
}

/* the options; returns -1 to go on, else the exit status */
static int parse_options(int argc, char **argv, struct request *q)
{
        static const struct option opts[] = {
                { "mode", required_argument, NULL, 'm' },    { "vfs", required_argument, NULL, 'v' },
                { "driver", required_argument, NULL, 'd' },  { "hugepages", required_argument, NULL, 'H' },
                { "isolate", required_argument, NULL, 'i' }, { "dry-run", no_argument, NULL, 'n' },
                { "loader", required_argument, NULL, 'l' },  SYSROOT_OPTION,
                { "help", no_argument, NULL, 'h' },          { 0 },
        };
        *q = (struct request){ .w = { .vfs = -1 } };
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'm': q->w.mode = optarg; break;
                case 'v':
                        if (parse_vfs(optarg, &q->w.vfs) < 0)
                                return PGS_EXIT_USAGE;
                        break;
                case 'd':
                        if (strcmp(optarg, "i915") && strcmp(optarg, "xe"))
                                return fail("--driver '%.16s': expected i915 or xe", optarg), PGS_EXIT_USAGE;
                        q->w.driver = optarg;
                        break;
                case 'H': q->w.hugepages = optarg; break;
                case 'i': q->w.isolate = optarg; break;
                case 'n': q->dry_run = true; break;
                case 'l': q->loader = optarg; break;
                case 'r': q->sysroot = optarg; break;
                case 'h': fputs(boot_usage, stdout); return PGS_EXIT_OK;
                default: fputs(boot_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                fputs(boot_usage, stderr);
                return PGS_EXIT_USAGE;
        }
        q->sub = argv[optind];
        return -1;
}

/* the words and values, before anything is read */
static int check_request(const struct request *q)
{
        const struct want *w = &q->w;
        if (strcmp(q->sub, "show") && strcmp(q->sub, "apply") && strcmp(q->sub, "revert")) {
                fail("unknown subcommand '%.32s'", q->sub);
                fputs(boot_usage, stderr);
                return -1;
        }
        if (w->mode && strcmp(w->mode, "passthrough") && strcmp(w->mode, "gvtg") && strcmp(w->mode, "sriov"))
                return fail("--mode '%.32s': expected passthrough, gvtg or sriov", w->mode);
        if (w->isolate && (strlen(w->isolate) > 200 || cpulist_parse(w->isolate, &(struct cpuset){ { 0 } }) < 0 || strchr(w->isolate, '^')))
                return fail("--isolate '%.32s': expected a CPU list like 2-7 or 2,3,6-7 (ranges low to high)", w->isolate);
        if (w->hugepages && strcmp(w->hugepages, "none")) {
                unsigned long n;
                char size[8], extra;
                if (sscanf(w->hugepages, "%7[^:]:%lu%c", size, &n, &extra) != 2 || n < 1 || n > 1000000 ||
                    (strcmp(size, "1G") && strcmp(size, "2M")))
                        return fail("--hugepages '%.32s': expected 1G:N or 2M:N (or none)", w->hugepages);
        }
        return 0;
}

/* the root, the record, the bootloader and the parameters it has now */
static int open_boot(const struct request *q)
{
        memset(&b, 0, sizeof(b));
        b.root.fd = -1;
        if (sysroot_open(&b.root, "pgs boot", q->sysroot))
                return PGS_EXIT_USAGE;
        b.sysroot = sysroot_of(&b.root);
        edit_init(&b.plan, &b.root, "pgs boot");
        b.plan.dry_run = q->dry_run;
        b.plan.record = STATE_PATH;
        b.plan.timeout_ms = CMD_TIMEOUT_MS;
        state_load(&b);
        const char *loader = q->loader;
        if (!loader && b.have_state && b.st.loader[0] && strcmp(q->sub, "apply"))
                loader = b.st.loader;  /* revert/show work on what apply used */
        if (pick_backend(&b, loader) < 0 || b.be->read(&b) < 0)
                return PGS_EXIT_FAILED;
        return 0;
}

/* What is not given again is kept from the last apply: a later `apply
 * --hugepages 2M:N` (the hook's advice) keeps the mode and the isolated CPUs;
 * `--hugepages none` drops the reservation. Returns -1 for a request that
 * asks for nothing. */
static int resolve_want(struct request *q)
{
        static char kept_mode[32], kept_hp[32], kept_iso[256];   /* b.st is rewritten later */
        struct want *w = &q->w;
        snprintf(kept_mode, sizeof(kept_mode), "%s", b.st.mode);
        snprintf(kept_hp, sizeof(kept_hp), "%s", b.st.hugepages);
        snprintf(kept_iso, sizeof(kept_iso), "%s", b.st.isolate);
        if (!w->mode && kept_mode[0])
                w->mode = kept_mode;
        if (!w->hugepages && kept_hp[0])
                w->hugepages = kept_hp;
        if (!w->isolate && kept_iso[0])
                w->isolate = kept_iso;
        if (w->hugepages && !strcmp(w->hugepages, "none"))
                w->hugepages = NULL;
        if (!strcmp(q->sub, "revert"))
                w->mode = NULL, w->hugepages = NULL, w->isolate = NULL;
        if (!strcmp(q->sub, "apply") && !w->mode && !w->hugepages && !w->isolate)
                return fail("apply needs --mode passthrough|gvtg|sriov, --hugepages or --isolate");
        return 0;
}

static int show(const char *mode, const struct words *want)
{
        printf("%-22s %s\n", "bootloader", b.be->what);
        printf("%-22s /%s\n", "parameters read from", b.where[0] ? b.where : "(nothing)");
        print_words("current parameters", &b.present);
        print_words("added by pgs", &b.st.params);
        if (mode) {
                _cleanup_words_ struct words miss = { 0 };
                for (size_t i = 0; i < want->n; i++)
                        if (!words_has(&b.present, want->v[i]))
                                words_add(&miss, want->v[i]);
                printf("%-22s %s\n", "mode", mode);
                print_words("still needed", &miss);
        }
        return PGS_EXIT_OK;
}

/* the same key with another value that pgs does not own: each named */
static int conflicts(const char *mode, const struct words *want)
{
        int n = 0;
        for (size_t i = 0; i < want->n; i++)
                for (size_t k = 0; k < b.present.n; k++)
                        if (param_same_key(want->v[i], b.present.v[k]) && strcmp(want->v[i], b.present.v[k]) &&
                            !words_has(&b.st.params, b.present.v[k])) {
                                fail("%s is already on the kernel command line (/%s); %s%s needs %s: remove it first",
                                     b.present.v[k], b.where, mode ? mode : "pgs", mode ? " mode" : "", want->v[i]);
                                n++;
                        }
        return n;
}

static int nixos_print(const char *sub, const struct words *want, bool kvmgt)
{
        if (!strcmp(sub, "revert")) {
                puts("NixOS: remove the lines pgs boot printed from configuration.nix, then nixos-rebuild switch.");
                return PGS_EXIT_OK;
        }
        puts("NixOS: pgs does not edit Nix files. Add to configuration.nix, then nixos-rebuild switch:");
        printf("  boot.kernelParams = [");
        for (size_t i = 0; i < want->n; i++)
                printf(" \"%s\"", want->v[i]);
        puts(" ];");
        if (kvmgt)
                puts("  boot.kernelModules = [ \"kvmgt\" ];");
        return PGS_EXIT_OK;
}

/* What to take away: owned, present, no longer wanted; what to add: wanted,
 * not present. A wanted parameter the user already had stays theirs (not
 * recorded as pgs's). owned: what the record lists after this run. */
static void param_diff(const struct words *want, struct words *add, struct words *rm, struct words *owned)
{
        for (size_t i = 0; i < b.st.params.n; i++) {
                const char *p = b.st.params.v[i];
                if (!words_has(want, p)) {
                        if (words_has(&b.present, p))
                                words_add(rm, p);
                } else {
                        words_add(owned, p);
                }
        }
        for (size_t i = 0; i < want->n; i++)
                if (!words_has(&b.present, want->v[i])) {
                        words_add(add, want->v[i]);
                        if (!words_has(owned, want->v[i]))
                                words_add(owned, want->v[i]);
                }
}

/* modules-load.d for GVT-g: a file pgs owns whole */
static int plan_modload(bool kvmgt)
{
        struct edit_file *ml;
        if (edit_load(&b.plan, MODLOAD_PATH, true, &ml) < 0)
                return -1;
        ml->owned = true;
        if (kvmgt && !ml->new) {
                const char *t = "# written by pgs boot (GVT-g): load kvmgt at boot\nkvmgt\n";
                edit_set(ml, xstrdup(t), strlen(t));
                flag_set(&b, "created", MODLOAD_PATH);
        } else if (!kvmgt && ml->new && flag_has(&b, "created", MODLOAD_PATH)) {
                edit_set(ml, NULL, 0);
                flag_clear(&b, "created", MODLOAD_PATH);
        }
        return 0;
}

/* the record's new form, then the whole plan carried out */
static int finish(const struct request *q, const struct words *add, const struct words *rm)
{
        if (!strcmp(q->sub, "revert")) {
                if (!b.have_state) {
                        puts("pgs boot: nothing to revert (no /var/lib/pgs/boot)");
                        return PGS_EXIT_OK;
                }
                state_plan(&b, true);
        } else {
                snprintf(b.st.loader, sizeof(b.st.loader), "%s", b.be->name);
                snprintf(b.st.mode, sizeof(b.st.mode), "%s", q->w.mode ? q->w.mode : "");
                snprintf(b.st.hugepages, sizeof(b.st.hugepages), "%s", q->w.hugepages ? q->w.hugepages : "");
                snprintf(b.st.isolate, sizeof(b.st.isolate), "%s", q->w.isolate ? q->w.isolate : "");
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
        if (add->n)
                print_words("adding", add);
        if (rm->n)
                print_words("removing", rm);
        int rc = edit_execute(&b.plan);
        if (rc == PGS_EXIT_OK && !b.plan.dry_run)
                printf("pgs boot: done; the parameters take effect at the next boot\n");
        return rc;
}

static int boot_run(int argc, char **argv, struct edit_report *rep)
{
        struct request q;
        int rc = parse_options(argc, argv, &q);
        if (rc >= 0)
                return rc;
        if (check_request(&q) < 0)
                return PGS_EXIT_USAGE;
        if ((rc = open_boot(&q)))
                return rc;
        b.plan.report = rep;
        if (resolve_want(&q) < 0)
                return PGS_EXIT_USAGE;
        _cleanup_words_ struct words want = { 0 }, add = { 0 }, rm = { 0 }, owned = { 0 };
        bool kvmgt = false;
        if ((q.w.mode || q.w.hugepages || q.w.isolate) && desired_params(&b, &q.w, &want, &kvmgt) < 0)
                return PGS_EXIT_USAGE;  /* a request this host cannot take */
        if (!strcmp(q.sub, "show"))
                return show(q.w.mode, &want);
        if (conflicts(q.w.mode, &want))
                return PGS_EXIT_FAILED;
        if (!strcmp(b.be->name, "nixos"))
                return nixos_print(q.sub, &want, kvmgt);
        param_diff(&want, &add, &rm, &owned);
        if (b.pending)
                printf("pgs boot: the last run did not finish (/%s says so): its regeneration runs again\n", STATE_PATH);
        if ((add.n || rm.n || b.pending) && b.be->plan(&b, &add, &rm) < 0)
                return PGS_EXIT_FAILED;
        if (plan_modload(kvmgt) < 0)
                return PGS_EXIT_FAILED;
        /* the record takes the list over (the one it replaces was read from it) */
        words_free(&b.st.params);
        b.st.params = owned;
        owned = (struct words){ 0 };
        return finish(&q, &add, &rm);
}

bool boot_recorded(const struct pgs_root *r, char *mode, size_t msize, char *hp, size_t hsize)
{
        struct boot t = { .root = *r };         /* a copy: closed by the caller */
        state_load(&t);
        snprintf(mode, msize, "%s", t.st.mode);
        snprintf(hp, hsize, "%s", t.st.hugepages);
        words_free(&t.st.params);
        words_free(&t.st.flags);
        return t.have_state;
}

int cmd_boot(int argc, char **argv)
{
        return boot_command(argc, argv, NULL);
}
int boot_command(int argc, char **argv, struct edit_report *rep)
{
        b.root.fd = -1;
        int rc = boot_run(argc, argv, rep);
        /* what the run opened and planned goes with it (a caller may run it again) */
        root_close(&b.root);
        edit_free(&b.plan);
        words_free(&b.st.params);
        words_free(&b.st.flags);
        words_free(&b.present);
        memset(&b, 0, sizeof(b));
        return rc;
}
