/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/show.c — pgs vm show NAME, pgs vm remove NAME [--dry-run].
 *
 * show reads the defined XML through the hook's own parser: what it prints is
 * what the hook will act on. remove undefines the domain with its NVRAM and
 * TPM state and deletes only what var/lib/pgs/vm/NAME says pgs created: never
 * a disk it did not make. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "qemu-hook/domain.h"
#include "shared/command.h"
#include "shared/log.h"
#include "shared/sysroot.h"
#include "vm/manage.h"

#define ID "pgs vm"

static const char *state_name(int st)
{
        switch (st) {
        case VIR_DOMAIN_RUNNING: return "running";
        case VIR_DOMAIN_PAUSED: return "paused";
        case VIR_DOMAIN_SHUTDOWN: return "shutting down";
        case VIR_DOMAIN_SHUTOFF: return "shut off";
        case VIR_DOMAIN_CRASHED: return "crashed";
        case VIR_DOMAIN_PMSUSPENDED: return "suspended";
        default: return "unknown";
        }
}

static int show(virDomainPtr d, const struct pgs_root *r, const char *name)
{
        char *x = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE), m[300], u[VIR_UUID_STRING_BUFLEN] = "";
        struct domain *dom = calloc(1, sizeof(*dom));
        int st = 0, reason;
        virDomainGetState(d, &st, &reason, 0);
        virDomainGetUUIDString(d, u);
        if (!x || !dom || domain_parse(x, strlen(x), dom, m, sizeof(m)) < 0) {
                log_stderr(ID, "%s: its XML cannot be read: %s", name, x && dom ? m : lv_msg());
                free(x);
                free(dom);
                return PGS_EXIT_FAILED;
        }
        char cpus[1024];
        cpulist_format(&dom->vcpus, cpus, sizeof(cpus));
        printf("%s (%s): %s\n", name, u, state_name(st));
        printf("  pgs:     %s", dom->managed ? "managed" : "not managed (no pgs metadata: the hook leaves it alone)");
        if (dom->managed)
                printf(" (%s%s%s%s)", dom->want_hugepages ? "hugepages " : "", dom->want_governor ? "governor " : "",
                       dom->want_isolate ? "isolate " : "", dom->want_handover ? "handover" : "");
        printf("\n  memory:  %llu MiB%s", dom->mem_kib / 1024, dom->hugepages ? " in hugepages" : "");
        if (dom->hugepages && dom->page_kib)
                printf(" of %lu KiB", dom->page_kib);
        printf("\n  vCPUs on host CPUs: %s\n", cpus[0] ? cpus : "(not pinned)");
        for (size_t i = 0; i < dom->n_pci; i++)
                printf("  PCI:     %s%s\n", dom->pci[i].addr, dom->pci[i].managed ? "" : " (managed='no': pgs-early keeps it on vfio-pci)");
        for (size_t i = 0; i < dom->n_mdevs; i++)
                printf("  mdev:    %s\n", dom->mdevs[i]);
        char p[256], *rec = NULL;
        size_t len;
        if (vm_name_ok(name) && fs_read_file(r, path_fmt(p, sizeof(p), VM_RECORD_DIR "/%s", name), 1 << 16, &rec, &len) == 0) {
                for (char *l = strtok(rec, "\n"); l; l = strtok(NULL, "\n"))
                        printf("  created by pgs: %s\n", l);
                free(rec);
        }
        free(x);
        free(dom);
        return PGS_EXIT_OK;
}

/* a record line's file: "image PATH" (the system disk pgs made), "answer
 * PATH" (an answer ISO pgs vm install left, holding a password), "file PATH"
 * (a ROM, the battery table, the Looking Glass tmpfiles.d rule) */
static const char *record_file(const char *line)
{
        if (!strncmp(line, "image ", 6))
                return line + 6;
        if (!strncmp(line, "answer ", 7))
                return line + 7;
        if (!strncmp(line, "file ", 5))
                return line + 5;
        return NULL;
}

static int remove_dom(virDomainPtr d, const struct pgs_root *r, const char *name, bool dry)
{
        if (virDomainIsActive(d) == 1) {
                log_stderr(ID, "%s is running; shut it down first (virsh shutdown %s); nothing removed", name, name);
                return PGS_EXIT_FAILED;
        }
        char p[256], *rec = NULL;
        size_t len;
        path_fmt(p, sizeof(p), VM_RECORD_DIR "/%s", name);
        bool have = vm_name_ok(name) && fs_read_file(r, p, 1 << 16, &rec, &len) == 0;
        if (dry) {
                printf("would undefine %s with its NVRAM and TPM state\n", name);
                for (char *l = have ? strtok(rec, "\n") : NULL; l; l = strtok(NULL, "\n"))
                        if (record_file(l))
                                printf("would delete %s (pgs created it)\n", record_file(l));
                free(rec);
                return PGS_EXIT_OK;
        }
        if (virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0) {
                log_stderr(ID, "libvirt did not undefine %s: %s; nothing removed", name, lv_msg());
                free(rec);
                return PGS_EXIT_FAILED;
        }
        printf("undefined %s with its NVRAM and TPM state\n", name);
        int rc = PGS_EXIT_OK;
        for (char *l = have ? strtok(rec, "\n") : NULL; l; l = strtok(NULL, "\n")) {
                const char *file = record_file(l);
                if (!file)
                        continue;
                int k = fs_unlink(r, file);
                if (k < 0 && k != -ENOENT) {
                        log_stderr(ID, "%s: cannot delete it: %s", file, strerror(-k));
                        rc = PGS_EXIT_PARTIAL;
                } else if (k == 0) {
                        printf("deleted %s (pgs created it)\n", file);
                }
        }
        if (have && rc == PGS_EXIT_OK)
                fs_unlink(r, p);
        free(rec);
        return rc;
}

int vm_manage(int argc, char **argv)
{
        const char *sub = argv[0], *name = NULL, *sysroot = NULL;
        bool dry = false, is_show = !strcmp(sub, "show");
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--sysroot") && i + 1 < argc)
                        sysroot = argv[++i];
                else if (!strncmp(argv[i], "--sysroot=", 10))
                        sysroot = argv[i] + 10;
                else if (!is_show && !strcmp(argv[i], "--dry-run"))
                        dry = true;
                else if (argv[i][0] == '-' || name) {
                        log_stderr(ID, "%s: unexpected '%.64s' (pgs vm --help)", sub, argv[i]);
                        return PGS_EXIT_USAGE;
                } else
                        name = argv[i];
        }
        if (!name) {
                log_stderr(ID, "%s needs the domain's NAME", sub);
                return PGS_EXIT_USAGE;
        }
        struct pgs_root r;
        int k = sysroot_open(&r, ID, sysroot);
        if (k)
                return k;
        virConnectPtr c = lv_open();
        if (!c) {
                root_close(&r);
                return PGS_EXIT_FAILED;
        }
        int rc = PGS_EXIT_FAILED;
        virDomainPtr d = virDomainLookupByName(c, name);
        if (!d)
                log_stderr(ID, "no domain named %.64s is defined", name);
        else
                rc = is_show ? show(d, &r, name) : remove_dom(d, &r, name, dry);
        if (d)
                virDomainFree(d);
        virConnectClose(c);
        root_close(&r);
        return rc;
}
