/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/checkhost.c — `pgs check`'s host requirements (see check.h). Evidence:
 *   proc/cpuinfo (vendor_id, flags: vmx/svm), dev/kvm
 *   sys/firmware/acpi/tables/{DMAR,IVRS}: the firmware offers an IOMMU
 *   sys/kernel/iommu_groups/N: the kernel turned it on
 *   sys/class/iommu/dmarN/intel-iommu/ecap bit 3 (IR): interrupt remapping
 *   sys/devices/system/cpu/smt/{active,control}
 *   proc/meminfo, sys/kernel/mm/hugepages/hugepages-SIZEkB/{nr,free}_hugepages */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/check.h"
#include "shared/memory.h"
#include "shared/cpuinfo.h"
#include "shared/proc.h"
#include "shared/strutil.h"

static void check_cpu(struct check *c)
{
        struct cpuinfo ci = { "", "" };
        bool readable = cpuinfo_read(c->root, &ci) == 0;
        c->amd = cpuinfo_is_amd(&ci);
        const char *flag = c->amd ? "svm" : "vmx", *tech = c->amd ? "AMD-V (SVM)" : "VT-x";
        c->virt = str_has_word(ci.flags, flag, " ");
        if (!readable)
                check_add(c, "cpu.virtualization", CHECK_FAIL, NULL, "cannot read /proc/cpuinfo");
        else if (c->virt)
                check_add(c, "cpu.virtualization", CHECK_PASS, NULL, "the CPU offers %s (%s)", tech, flag);
        else
                check_add(c, "cpu.virtualization", CHECK_FAIL,
                          c->amd ? "turn on SVM Mode in the firmware setup" : "turn on Intel Virtualization Technology (VT-x) in the firmware setup",
                          "the CPU shows no '%s' flag: %s is off in the firmware or absent", flag, tech);
        if (fs_exists(c->root, "dev/kvm"))
                check_add(c, "cpu.kvm", CHECK_PASS, NULL, "/dev/kvm exists");
        else
                check_add(c, "cpu.kvm", c->virt ? CHECK_WARN : CHECK_FAIL, c->amd ? "modprobe kvm_amd" : "modprobe kvm_intel",
                          "no /dev/kvm: the KVM module is not loaded");
}

/* how many entries a directory holds (0 when it cannot be read) */
static unsigned count_entries(const struct pgs_root *r, const char *dir)
{
        struct dirent **list;
        int n = fs_scandir(r, dir, &list, NULL, NULL);
        unsigned k = 0;
        for (int i = 0; i < n; i++) {
                k += list[i]->d_name[0] != '.';
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return k;
}

/* Intel: every DMAR unit's extended capabilities say IR (bit 3) */
static int intel_irq_remap(const struct pgs_root *r, unsigned *units)
{
        struct dirent **list;
        int n = fs_scandir(r, "sys/class/iommu", &list, NULL, NULL), ok = 1;
        *units = 0;
        for (int i = 0; i < n; i++) {
                char p[300], v[64];
                uint64_t ecap;
                if (!strncmp(list[i]->d_name, "dmar", 4) &&
                    path_fmt(p, sizeof(p), "sys/class/iommu/%s/intel-iommu/ecap", list[i]->d_name) &&
                    fs_read_str(r, p, v, sizeof(v)) >= 0 && parse_u64(v, 16, &ecap) == 0) {
                        (*units)++;
                        ok &= (ecap >> 3) & 1;
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return *units ? ok : -ENOENT;
}

static void check_iommu(struct check *c)
{
        const char *table = c->amd ? "IVRS" : "DMAR", *tech = c->amd ? "AMD-Vi" : "VT-d";
        char p[64], cmdline[4096] = "";
        fs_read_str(c->root, "proc/cmdline", cmdline, sizeof(cmdline));
        bool offered = fs_exists(c->root, path_fmt(p, sizeof(p), "sys/firmware/acpi/tables/%s", table));
        unsigned groups = count_entries(c->root, "sys/kernel/iommu_groups");
        c->iommu_on = groups > 0;
        if (offered)
                check_add(c, "iommu.firmware", CHECK_PASS, NULL, "the firmware describes an IOMMU (ACPI %s table)", table);
        else
                check_add(c, "iommu.firmware", CHECK_FAIL,
                          c->amd ? "turn on IOMMU (AMD-Vi) in the firmware setup" : "turn on VT-d in the firmware setup",
                          "no ACPI %s table: the firmware offers no %s (off in the setup, or absent)", table, tech);
        if (c->iommu_on)
                check_add(c, "iommu.on", CHECK_PASS, NULL, "the IOMMU is on: %u IOMMU groups", groups);
        else if (c->amd)
                check_add(c, "iommu.on", CHECK_FAIL,
                          str_has_word(cmdline, "amd_iommu=off", " \n") ? "remove amd_iommu=off from the kernel command line"
                                                                        : "turn on IOMMU in the firmware setup (AMD-Vi needs no kernel parameter)",
                          "no IOMMU groups: the IOMMU is off%s", offered ? "" : " (the firmware does not offer it)");
        else
                check_add(c, "iommu.on", CHECK_FAIL,
                          offered ? "add intel_iommu=on to the kernel command line (pgs boot apply --mode passthrough does it)"
                                  : "turn on VT-d in the firmware setup, then add intel_iommu=on (pgs boot apply)",
                          "no IOMMU groups: the IOMMU is off%s", offered ? " (intel_iommu=on is not on the command line)" : "");
        if (!c->iommu_on)
                return;
        unsigned units = 0;
        int ir = c->amd ? 1 : intel_irq_remap(c->root, &units);
        if (c->amd)
                check_add(c, "iommu.interrupt_remapping", CHECK_PASS, NULL, "AMD-Vi remaps interrupts (IVRS)");
        else if (ir == 1)
                check_add(c, "iommu.interrupt_remapping", CHECK_PASS, NULL, "every DMAR unit (%u) remaps interrupts (ecap IR)", units);
        else if (ir == 0)
                check_add(c, "iommu.interrupt_remapping", CHECK_WARN, "update the firmware; vfio then needs vfio_iommu_type1.allow_unsafe_interrupts=1",
                          "a DMAR unit does not remap interrupts (ecap bit 3 clear)");
        else
                check_add(c, "iommu.interrupt_remapping", CHECK_WARN, NULL, "cannot tell: no DMAR unit under /sys/class/iommu");
}

static void check_smt(struct check *c)
{
        char active[16] = "", control[32] = "";
        fs_read_str(c->root, "sys/devices/system/cpu/smt/active", active, sizeof(active));
        fs_read_str(c->root, "sys/devices/system/cpu/smt/control", control, sizeof(control));
        if (!strcmp(active, "1"))
                check_add(c, "cpu.smt", CHECK_PASS, NULL, "SMT is on: the guest gets whole cores with their sibling threads");
        else if (!strcmp(control, "notsupported") || !strcmp(control, "notimplemented"))
                check_add(c, "cpu.smt", CHECK_WARN, NULL, "the CPU has no SMT: the guest gets one thread per core (threads='1')");
        else if (active[0])
                check_add(c, "cpu.smt", CHECK_WARN, "turn on Hyper-Threading/SMT in the firmware setup (or remove nosmt)",
                          "SMT is off (control: %s): the guest gets one thread per core (threads='1')", control[0] ? control : "inactive");
        else
                check_add(c, "cpu.smt", CHECK_WARN, NULL, "cannot tell: no /sys/devices/system/cpu/smt");
}

static void check_memory(struct check *c)
{
        uint64_t kib = meminfo_kib(c->root, "MemTotal"), room = kib / 4 * 3;
        char pools[300] = "";
        size_t len = 0;
        struct dirent **list;
        int n = fs_scandir(c->root, "sys/kernel/mm/hugepages", &list, NULL, NULL);
        for (int i = 0; i < n; i++) {
                const char *d = list[i]->d_name;
                if (!strncmp(d, "hugepages-", 10) && len < sizeof(pools)) {
                        uint64_t size = strtoull(d + 10, NULL, 10), nr = 0, fr = 0;
                        char p[300];
                        fs_read_u64(c->root, path_fmt(p, sizeof(p), "sys/kernel/mm/hugepages/%s/nr_hugepages", d), 10, &nr);
                        fs_read_u64(c->root, path_fmt(p, sizeof(p), "sys/kernel/mm/hugepages/%s/free_hugepages", d), 10, &fr);
                        len += (size_t)snprintf(pools + len, sizeof(pools) - len, "%s%" PRIu64 " %s pages: %" PRIu64 " reserved, %" PRIu64 " free",
                                                len ? "; " : "", size >= 1048576 ? size / 1048576 : size / 1024,
                                                size >= 1048576 ? "GiB" : "MiB", nr, fr);
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!kib)
                check_add(c, "memory", CHECK_WARN, NULL, "cannot read MemTotal from /proc/meminfo");
        else if (room < 4u << 20)
                check_add(c, "memory", CHECK_FAIL, "a Windows 11 guest needs 4 GiB, and the host keeps a quarter",
                          "%.1f GiB of RAM: not enough for a Windows guest (at most 3/4 of it, %.1f GiB)", kib / 1048576.0, room / 1048576.0);
        else if (room < 8u << 20)
                check_add(c, "memory", CHECK_WARN, "pgs vm create --memory 4G (or less than 3/4 of the RAM)",
                          "%.1f GiB of RAM: the default 8 GiB guest does not fit in 3/4 of it; %s", kib / 1048576.0, pools[0] ? pools : "no hugepage pools");
        else
                check_add(c, "memory", CHECK_PASS, NULL, "%.1f GiB of RAM; %s", kib / 1048576.0, pools[0] ? pools : "no hugepage pools (a kernel without hugetlbfs)");
}

/* may this user drive qemu:///system? */
static void check_libvirt(struct check *c)
{
        char p[512];
        bool installed = prog_find(c->root, NULL, "libvirtd", p, sizeof(p)) || prog_find(c->root, NULL, "virtqemud", p, sizeof(p));
        if (!installed) {
                check_add(c, "libvirt", CHECK_WARN, "apt install libvirt-daemon-system (dnf/pacman: libvirt)",
                          "libvirt is not installed (no libvirtd or virtqemud): pgs vm and the hook need it");
                return;
        }
        if (c->root_user) {
                check_add(c, "libvirt", CHECK_PASS, NULL, "libvirt is installed; root may use qemu:///system");
                return;
        }
        /* the group named libvirt in the root's /etc/group, against this process's groups */
        char *grp = NULL;
        size_t len;
        long gid = -1;
        if (fs_read_file(c->root, "etc/group", 1 << 20, &grp, &len) == 0) {
                for (char *l = grp; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
                        if (!strncmp(l, "libvirt:", 8)) {
                                const char *g = strchr(l + 8, ':');
                                gid = g ? strtol(g + 1, NULL, 10) : -1;
                                break;
                        }
                free(grp);
        }
        gid_t groups[256];
        int ng = getgroups(256, groups);
        bool member = false;
        for (int i = 0; i < ng && gid >= 0; i++)
                member |= (long)groups[i] == gid;
        if (member)
                check_add(c, "libvirt", CHECK_PASS, NULL, "you are in the libvirt group: qemu:///system is yours (kvm group and memlock matter only for qemu:///session)");
        else
                check_add(c, "libvirt", CHECK_WARN, "sudo usermod -aG libvirt $USER, then log in again (or a polkit rule for org.libvirt.unix.manage)",
                          "you are not in the libvirt group: qemu:///system, where the hook runs, will ask for a password or refuse");
}

static void check_firmware(struct check *c)
{
        static const char *const ovmf[] = {
                "usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "usr/share/OVMF/OVMF_CODE_4M.fd", "usr/share/OVMF/OVMF_CODE.fd",
                "usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "usr/share/edk2/ovmf/OVMF_CODE.fd",
                "usr/share/edk2/x64/OVMF_CODE.secboot.4m.fd", "usr/share/edk2/x64/OVMF_CODE.4m.fd",
        };
        const char *found = NULL;
        for (size_t i = 0; i < sizeof(ovmf) / sizeof(ovmf[0]) && !found; i++)
                if (fs_exists(c->root, ovmf[i]))
                        found = ovmf[i];
        char p[512];
        bool swtpm = prog_find(c->root, NULL, "swtpm", p, sizeof(p));
        if (found && swtpm)
                check_add(c, "vm.firmware", CHECK_PASS, NULL, "OVMF (/%s) and swtpm are installed for pgs vm", found);
        else
                check_add(c, "vm.firmware", CHECK_WARN, "apt install ovmf swtpm-tools (dnf: edk2-ovmf swtpm; pacman: edk2-ovmf swtpm)",
                          "%s%s%s: pgs vm needs them for UEFI and TPM 2.0 (Windows 11)", found ? "" : "no OVMF UEFI firmware",
                          !found && !swtpm ? " and " : "", swtpm ? "" : "no swtpm");
}

void check_host(struct check *c)
{
        check_cpu(c);
        check_iommu(c);
        check_smt(c);
        check_memory(c);
        check_libvirt(c);
        check_firmware(c);
}
