/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/check.c — `pgs check [--json] [--sysroot DIR]`: every requirement as
 * PASS/WARN/FAIL with why and what to do, every GPU, then the modes this
 * machine supports and the one recommended (like virt-host-validate). Reads
 * only. JSON contract: docs/check.md. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/check.h"
#include "shared/command.h"
#include "shared/log.h"
#include "shared/strutil.h"
#include "shared/sysroot.h"

static const char check_usage[] =
        "Usage: pgs check [--json] [--deep] [--sysroot DIR]\n"
        "\n"
        "Can this machine host the Windows VM, and which way? Every requirement as\n"
        "PASS, WARN or FAIL with why and what to do (CPU virtualization, IOMMU,\n"
        "interrupt remapping, SMT, memory, libvirt access, pgs's own state), every\n"
        "GPU with its IOMMU group, then the modes (passthrough, gvtg, sriov) and the\n"
        "one recommended. Reads only; changes nothing.\n"
        "\n"
        "  --json          one JSON object (docs/check.md)\n"
        "  --deep          also list each initramfs image with its generator's\n"
        "                  lister: does it carry pgs-early? (slower: unpacks)\n"
        "  --sysroot DIR   read the machine under DIR\n"
        "\n"
        "Exit status: 0 a mode is possible, 1 none is, 64 usage error.\n";

void check_add(struct check *c, const char *id, enum check_status st, const char *fix, const char *fmt, ...)
{
        if (c->n_items >= CHECK_MAX_ITEMS)
                return;
        struct check_item *it = &c->items[c->n_items++];
        snprintf(it->id, sizeof(it->id), "%s", id);
        it->status = st;
        snprintf(it->fix, sizeof(it->fix), "%s", fix ? fix : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(it->why, sizeof(it->why), fmt, ap);
        va_end(ap);
}

static const char *const status_word[] = { "pass", "warn", "fail" };

static const char *recommended(const struct check *c)
{
        return c->passthrough.possible ? "passthrough" : c->sriov.possible ? "sriov" : c->gvtg.possible ? "gvtg" : NULL;
}

static void json_gpu(const struct check_gpu *g)
{
        printf("{\"address\":\"%s\",\"vendor\":\"%04x\",\"device\":\"%04x\",\"name\":", g->dev.name, g->dev.vendor, g->dev.device);
        json_str(stdout, g->name[0] ? g->name : NULL);
        printf(",\"class\":\"%s\",\"boot_vga\":%s,\"integrated\":%s,\"driver\":", g->kind, g->dev.boot_vga == 1 ? "true" : "false",
               g->integrated ? "true" : "false");
        json_str(stdout, g->dev.driver[0] ? g->dev.driver : NULL);
        if (g->dev.iommu_group >= 0)
                printf(",\"iommu_group\":%d", g->dev.iommu_group);
        else
                fputs(",\"iommu_group\":null", stdout);
        fputs(",\"family\":", stdout);
        json_str(stdout, g->family);
        printf(",\"sriov_totalvfs\":%d,\"group\":[", g->dev.sriov_total > 0 ? g->dev.sriov_total : 0);
        for (unsigned i = 0; i < g->n_group; i++) {
                const struct check_peer *p = &g->group[i];
                printf("%s{\"address\":\"%s\",\"class\":\"%06x\",\"name\":", i ? "," : "", p->addr, p->class);
                json_str(stdout, p->name[0] ? p->name : NULL);
                fputs(",\"driver\":", stdout);
                json_str(stdout, p->driver[0] ? p->driver : NULL);
                printf(",\"same_card\":%s}", p->same_slot ? "true" : "false");
        }
        fputs("],\"notes\":[", stdout);
        for (unsigned i = 0; i < g->n_notes; i++) {
                fputs(i ? "," : "", stdout);
                json_str(stdout, g->notes[i]);
        }
        fputs("]}", stdout);
}

static void print_json(const struct check *c)
{
        fputs("{\"version\":1,\"checks\":[", stdout);
        for (unsigned i = 0; i < c->n_items; i++) {
                const struct check_item *it = &c->items[i];
                printf("%s{\"id\":\"%s\",\"status\":\"%s\",\"why\":", i ? "," : "", it->id, status_word[it->status]);
                json_str(stdout, it->why);
                fputs(",\"fix\":", stdout);
                json_str(stdout, it->fix[0] ? it->fix : NULL);
                putchar('}');
        }
        fputs("],\"gpus\":[", stdout);
        for (unsigned i = 0; i < c->n_gpus; i++) {
                fputs(i ? "," : "", stdout);
                json_gpu(&c->gpus[i]);
        }
        const struct { const char *name; const struct check_mode *m; } modes[] = {
                { "passthrough", &c->passthrough }, { "gvtg", &c->gvtg }, { "sriov", &c->sriov },
        };
        fputs("],\"modes\":{", stdout);
        for (int i = 0; i < 3; i++) {
                printf("%s\"%s\":{\"possible\":%s,\"why\":", i ? "," : "", modes[i].name, modes[i].m->possible ? "true" : "false");
                json_str(stdout, modes[i].m->why);
                putchar('}');
        }
        fputs("},\"recommended\":", stdout);
        json_str(stdout, recommended(c));
        puts("}");
}

static void print_gpu(const struct check_gpu *g)
{
        static const char *const kinds[] = { "vga", "VGA controller", "3d", "3D controller", "display", "display controller" };
        const char *kind = g->kind;
        for (int i = 0; i < 6; i += 2)
                if (!strcmp(kind, kinds[i]))
                        kind = kinds[i + 1];
        printf("  %s  %s [%04x:%04x]\n", g->dev.name, g->name[0] ? g->name : "(not in pci.ids)", g->dev.vendor, g->dev.device);
        printf("      %s, %s%s%s%s, driver %s, ", kind, g->integrated ? "integrated" : "discrete", g->family ? " (" : "",
               g->family ? g->family : "", g->family ? ")" : "", g->dev.driver[0] ? g->dev.driver : "none");
        if (g->dev.iommu_group >= 0)
                printf("IOMMU group %d\n", g->dev.iommu_group);
        else
                puts("no IOMMU group");
        if (g->dev.boot_vga == 1)
                puts("      the boot VGA device: the firmware and the host display on it");
        for (unsigned i = 0; i < g->n_group; i++) {
                const struct check_peer *p = &g->group[i];
                printf("      group: %s %s [%06x]%s%s %s\n", p->addr, p->name[0] ? p->name : "(not in pci.ids)", p->class,
                       p->driver[0] ? " on " : "", p->driver, p->same_slot ? "(same card)" : "(FOREIGN: goes with the GPU or stops it)");
        }
        for (unsigned i = 0; i < g->n_notes; i++)
                printf("      note: %s\n", g->notes[i]);
}

static void print_text(const struct check *c)
{
        static const char *const word[] = { "PASS", "WARN", "FAIL" };
        for (unsigned i = 0; i < c->n_items; i++) {
                const struct check_item *it = &c->items[i];
                printf("%-4s %-26s %s\n", word[it->status], it->id, it->why);
                if (it->fix[0])
                        printf("     %-26s fix: %s\n", "", it->fix);
        }
        printf("\nGPUs\n");
        if (!c->n_gpus)
                puts("  none: no display-class PCI device");
        for (unsigned i = 0; i < c->n_gpus; i++)
                print_gpu(&c->gpus[i]);
        printf("\nModes\n");
        printf("  passthrough  %-3s  %s\n", c->passthrough.possible ? "yes" : "no", c->passthrough.why);
        printf("  gvtg         %-3s  %s\n", c->gvtg.possible ? "yes" : "no", c->gvtg.why);
        printf("  sriov        %-3s  %s\n", c->sriov.possible ? "yes" : "no", c->sriov.why);
        const char *rec = recommended(c);
        if (rec)
                printf("\nRecommended: %s (pgs setup --mode %s)\n", rec, rec);
        else
                puts("\nNo mode is possible on this machine as it is now: see the FAIL lines above.");
}

int cmd_check(int argc, char **argv)
{
        static const struct option opts[] = {
                SYSROOT_OPTION, { "json", no_argument, NULL, 'j' }, { "deep", no_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' }, { 0 },
        };
        const char *sysroot = NULL;
        bool json = false, deep = false;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'r': sysroot = optarg; break;
                case 'j': json = true; break;
                case 'd': deep = true; break;
                case 'h': fputs(check_usage, stdout); return PGS_EXIT_OK;
                default: fputs(check_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                log_stderr("pgs check", "unexpected '%.64s': check takes no other words", argv[optind]);
                return PGS_EXIT_USAGE;
        }
        struct pgs_root root;
        int rc = sysroot_open(&root, "pgs check", sysroot);
        if (rc)
                return rc;
        static struct check c;
        c = (struct check){ .root = &root, .root_user = geteuid() == 0, .deep = deep };
        hpci_open(&c.names, &root);
        c.have_kmod = hkmod_running_kernel(&root, c.kver, sizeof(c.kver)) == 0 && hkmod_open(&c.kmod, &root, c.kver) == 0 &&
                      c.kmod.have_tree;
        check_host(&c);
        check_gpus(&c);
        check_pgs_state(&c);
        if (json)
                print_json(&c);
        else
                print_text(&c);
        if (c.kmod.ctx)
                hkmod_close(&c.kmod);
        hpci_close(&c.names);
        root_close(&root);
        return recommended(&c) ? PGS_EXIT_OK : PGS_EXIT_FAILED;
}
