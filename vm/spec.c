/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/spec.c — every choice for one Windows domain, from the options, the
 * host (through the root) and libvirt's capabilities. Refusals name the
 * device, file or value and the reason; nothing here writes. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "shared/cpuinfo.h"
#include "shared/memory.h"
#include "shared/strutil.h"
#include "vm/vm.h"

#define FAIL(...) fail_msg(msg, msgsize, __VA_ARGS__)

void vm_note(struct vm_spec *s, const char *fmt, ...)
{
        if (s->n_notes == sizeof(s->notes) / sizeof(s->notes[0]))
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->notes[s->n_notes++], sizeof(s->notes[0]), fmt, ap);
        va_end(ap);
}

bool vm_name_ok(const char *name)
{
        size_t n = strlen(name);
        if (!n || n > 64 || name[0] == '.' || name[0] == '-')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                        return false;
        return true;
}

unsigned long vm_lg_mib(unsigned w, unsigned h, bool hdr)
{
        unsigned long long bytes = (unsigned long long)w * h * (hdr ? 8 : 4) * 2 + 10ULL * 1024 * 1024;
        unsigned long mib = 1;
        while ((unsigned long long)mib * 1024 * 1024 < bytes)
                mib <<= 1;
        return mib;
}

/* Windows' own minimums (libosinfo's figures for win10 x86_64 and win11) */
static unsigned long long min_mib(unsigned win) { return win == 11 ? 4096 : 2048; }
static unsigned min_cpus(unsigned win) { return win == 11 ? 2 : 1; }
unsigned long long vm_min_disk_gib(unsigned win) { return win == 11 ? 64 : 32; }

static int memory(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        s->memory_mib = o->memory_mib ? o->memory_mib : 8192;
        if (s->memory_mib < min_mib(o->windows))
                return FAIL("--memory %llu MiB: Windows %u needs at least %llu MiB", s->memory_mib, o->windows, min_mib(o->windows));
        unsigned long long total = meminfo_kib(r, "MemTotal") / 1024;
        if (total && s->memory_mib > total / 4 * 3)
                return FAIL("--memory %llu MiB: this host has %llu MiB and keeps a quarter for itself; ask for at most %llu MiB",
                            s->memory_mib, total, total / 4 * 3);
        if (s->tcg)
                return 0;       /* QEMU's own memory: nothing to reserve */
        /* 1 GiB pages only when enough are reserved and free (a running
         * domain holds its own) and libvirt has a hugetlbfs for them */
        uint64_t free1g = 0;
        fs_read_u64(r, "sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", 10, &free1g);
        bool g = s->memory_mib % 1024 == 0 && free1g >= s->memory_mib / 1024 && hugetlbfs_mounted(r, 1048576);
        s->page_kib = g ? 1048576 : 2048;
        return 0;
}

int vm_group_check(const struct pgs_root *r, const struct pci_dev *d, bool take_slot,
                   struct pci_addr *funcs, unsigned *n_funcs, char *msg, size_t msgsize)
{
        if (d->iommu_group < 0)
                return FAIL("%s: it has no IOMMU group (is the IOMMU on? pgs check tells)", d->name);
        struct pci_addr *m;
        size_t n;
        int k = pci_group_members(r, d->iommu_group, &m, &n);
        if (k < 0)
                return FAIL("%s: IOMMU group %d cannot be read: %s", d->name, d->iommu_group, strerror(-k));
        for (size_t i = 0; i < n; i++) {
                struct pci_dev p = { 0 };
                char an[PCI_ADDR_STR];
                if (!take_slot && pci_addr_eq(&m[i], &d->addr))
                        continue;
                if (take_slot && pci_addr_same_slot(&m[i], &d->addr)) {
                        if (*n_funcs < VM_MAX_FUNCS)
                                funcs[(*n_funcs)++] = m[i];
                        continue;
                }
                if (pci_dev_read(r, &m[i], &p) == 0 && pci_dev_class16(&p) == PCI_CLASS_BRIDGE_PCI)
                        continue;
                free(m);
                return FAIL("%s: IOMMU group %d also holds %s (class %06x), which would go with it; the group is not viable for a VM",
                            d->name, d->iommu_group, pci_addr_fmt(&m[i], an), p.class);
        }
        free(m);
        return 0;
}

/* every function of the GPU's slot in its IOMMU group; the group must hold
 * nothing else but PCI bridges */
static int passthrough(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        struct pci_dev d;
        struct pci_addr a;
        if (o->gpu) {
                if (pci_addr_parse(o->gpu, &a) < 0)
                        return FAIL("--gpu '%.32s': not a PCI address (like 0000:01:00.0)", o->gpu);
                if (pci_dev_read(r, &a, &d) < 0)
                        return FAIL("--gpu %s: there is no PCI device %s on this host", o->gpu, o->gpu);
        } else {
                struct pci_addr *all;
                size_t n;
                bool found = false;
                if (pci_addr_list(r, &all, &n) < 0)
                        n = 0, all = NULL;
                for (size_t i = 0; i < n && !found; i++) {
                        char an[PCI_ADDR_STR];
                        if (all[i].fn || pci_dev_read_ids(r, pci_addr_fmt(&all[i], an), &d) < 0 || pci_dev_class16(&d) >> 8 != 0x03)
                                continue;
                        found = pci_dev_read(r, &all[i], &d) == 0 && d.boot_vga != 1 && !pci_dev_integrated(r, &d);
                }
                free(all);
                if (!found)
                        return FAIL("no discrete GPU here that the host does not boot on; name one with --gpu ADDR (pgs check lists them)");
        }
        if (pci_dev_class16(&d) >> 8 != 0x03)
                return FAIL("%s: class %06x is not a display controller", d.name, d.class);
        if (d.boot_vga == 1)
                return FAIL("%s: it is the boot VGA device, the host's own screen; pgs never gives it to a VM", d.name);
        if (pci_dev_integrated(r, &d))
                return FAIL("%s: it is the integrated GPU; give it with --mode gvtg or --mode sriov", d.name);
        if (pci_dev_class16(&d) != PCI_CLASS_VGA) {
                if (!o->looking_glass)
                        return FAIL("%s: a 3D controller has no outputs of its own; with --looking-glass the guest's picture reaches the host", d.name);
                vm_note(s, "%s is a 3D controller (no outputs): the guest is seen through Looking Glass only", d.name);
        }
        int k = vm_group_check(r, &d, true, s->funcs, &s->n_funcs, msg, msgsize);
        if (k < 0)
                return k;
        s->nvidia = d.vendor == 0x10de;
        snprintf(s->gpu_name, sizeof(s->gpu_name), "%s", d.name);
        return 0;
}

static int gvtg(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        const char *g = o->gpu ? o->gpu : "0000:00:02.0";
        struct pci_addr a;
        struct pci_dev d;
        char p[128];
        if (pci_addr_parse(g, &a) < 0 || pci_dev_read(r, &a, &d) < 0)
                return FAIL("--gpu %.32s: there is no PCI device %.32s on this host", g, g);
        if (d.vendor != 0x8086 || pci_dev_class16(&d) >> 8 != 0x03)
                return FAIL("%s: GVT-g needs an Intel iGPU (Broadwell to Comet Lake)", d.name);
        if (!fs_exists(r, path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types", d.name)))
                return FAIL("%s offers no GVT-g types (no mdev_supported_types): it needs i915.enable_gvt=1 and kvmgt (pgs setup --mode gvtg)", d.name);
        unsigned char u[16];
        if (getrandom(u, sizeof(u), 0) != sizeof(u))
                return FAIL("no random bytes for the mdev's UUID");
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
        snprintf(s->mdev_uuid, sizeof(s->mdev_uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        snprintf(s->gpu_name, sizeof(s->gpu_name), "%s", d.name);
        if (!o->looking_glass)
                vm_note(s, "a GVT-g slice has no display output of its own: Looking Glass is switched on");
        s->looking_glass = true;
        return 0;
}

static int sriov(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        const char *g = o->gpu ? o->gpu : "0000:00:02.0";
        struct pci_addr a;
        struct pci_dev d;
        if (pci_addr_parse(g, &a) < 0 || pci_dev_read(r, &a, &d) < 0)
                return FAIL("--gpu %.32s: there is no PCI device %.32s on this host", g, g);
        if (d.sriov_total <= 0)
                return FAIL("%s offers no SR-IOV virtual functions (sriov_totalvfs)", d.name);
        for (int i = 0; i < d.sriov_num; i++) {
                struct pci_addr vf;
                char vn[PCI_ADDR_STR];
                if (pci_dev_virtfn(r, d.name, i, &vf) < 0)
                        continue;
                pci_addr_fmt(&vf, vn);
                bool used = false;
                for (const char *const *u = o->used_vfs; u && *u && !used; u++)
                        used = !strcmp(*u, vn);
                if (used)
                        continue;
                s->funcs[0] = vf;
                s->n_funcs = 1;
                snprintf(s->gpu_name, sizeof(s->gpu_name), "%s", vn);
                return 0;
        }
        if (d.sriov_num <= 0)
                return FAIL("%s has no virtual functions now; pgs setup --mode sriov creates them at boot", d.name);
        return FAIL("%s: each of its %d virtual functions is used by another defined domain", d.name, d.sriov_num);
}

/* Hyper-V: the basics always; the rest as libvirt lists them (or, with
 * no list, as KVM has had them since Linux 5.x); never the ones QEMU
 * refuses without KVM; dependencies kept (synic, ipi and tlbflush need
 * vpindex; stimer needs synic) */
static unsigned hyperv(const struct caps *caps, const struct vm_spec *s)
{
        unsigned hv = caps->hv_listed ? caps->hv : ~0u;
        if (s->tcg)
                hv &= ~(1u << HV_VPINDEX | 1u << HV_SYNIC | 1u << HV_STIMER | 1u << HV_IPI | 1u << HV_TLBFLUSH
                        | 1u << HV_EVMCS | 1u << HV_AVIC | 1u << HV_RESET | 1u << HV_REENLIGHTENMENT | 1u << HV_FREQUENCIES);
        hv |= 1u << HV_RELAXED | 1u << HV_VAPIC | 1u << HV_SPINLOCKS;
        hv &= ~(1u << (s->amd ? HV_EVMCS : HV_AVIC));
        hv &= ~(1u << HV_RESET | 1u << HV_REENLIGHTENMENT);     /* not wanted for a gaming guest */
        if (!(hv & 1u << HV_VPINDEX))
                hv &= ~(1u << HV_SYNIC | 1u << HV_IPI | 1u << HV_TLBFLUSH);
        if (!(hv & 1u << HV_SYNIC))
                hv &= ~(1u << HV_STIMER);
        if (!s->hide)
                hv &= ~(1u << HV_VENDOR_ID);
        else
                hv |= 1u << HV_VENDOR_ID;
        return hv;
}

/* the system disk (--image, --disk, --disk-controller) and the files QEMU
 * reads beside it (--rom, --laptop) */
static int storage_firmware(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        if (!!o->image + !!o->disk + !!o->controller > 1)
                return FAIL("--image, --disk and --disk-controller each give the system disk: name one");
        if (o->controller && s->tcg)
                return FAIL("--disk-controller %.32s: a domain QEMU emulates (no KVM) takes no host PCI device", o->controller);
        if (o->disk && vm_disk_pick(r, o, s, msg, msgsize) < 0)
                return -EINVAL;
        if (o->controller && vm_controller_pick(r, o, s, msg, msgsize) < 0)
                return -EINVAL;
        if (o->rom) {
                if (o->mode != VM_PASSTHROUGH || s->tcg)
                        return FAIL("--rom %.200s: a ROM goes with a whole GPU (--mode passthrough, with KVM)", o->rom);
                if (vm_rom_check(o->rom, msg, msgsize) < 0)
                        return -EINVAL;
                snprintf(s->rom, sizeof(s->rom), VM_FIRMWARE_DIR "/%s.rom", o->name);
        }
        if (o->laptop) {
                snprintf(s->ssdt, sizeof(s->ssdt), VM_FIRMWARE_DIR "/%s-battery.aml", o->name);
                vm_note(s, "--laptop adds an ACPI table through <qemu:commandline> (libvirt 9.0's <acpi><table> takes SLIC only): libvirt marks the domain tainted (custom-argv), which is expected");
        }
        return 0;
}

int vm_spec_build(const struct pgs_root *r, const struct vm_opts *o, const struct caps *caps,
                  struct vm_spec *ret, char *msg, size_t msgsize)
{
        struct vm_spec *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        int k = -EINVAL;
        s->o = o;
        s->caps = *caps;
        s->tcg = !caps->kvm;
        if (!vm_name_ok(o->name)) {
                FAIL("'%.64s' is not a name pgs gives a domain: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'", o->name);
                goto out;
        }
        struct cpuinfo ci;
        s->amd = cpuinfo_read(r, &ci) == 0 && cpuinfo_is_amd(&ci);
        struct topo *t = malloc(sizeof(*t));
        if (!t) {
                k = -ENOMEM;
                goto out;
        }
        k = topo_read(r, t, msg, msgsize);
        if (k == 0)
                k = topo_plan(t, o->cpus, &s->pin, msg, msgsize);
        free(t);
        if (k < 0)
                goto out;
        k = -EINVAL;
        if (s->pin.vcpus < min_cpus(o->windows)) {
                FAIL("the guest would get %u vCPU%s; Windows %u needs at least %u", s->pin.vcpus, s->pin.vcpus == 1 ? "" : "s", o->windows, min_cpus(o->windows));
                goto out;
        }
        if (s->pin.warning[0])
                vm_note(s, "%s", s->pin.warning);
        if (memory(r, o, s, msg, msgsize) < 0)
                goto out;
        if (!caps->efi) {
                FAIL("libvirt offers no EFI firmware for this domain (no OVMF? install ovmf)");
                goto out;
        }
        s->secure_boot = o->secure_boot != TRI_OFF && caps->secure_boot;
        if (o->secure_boot == TRI_ON && !caps->secure_boot) {
                FAIL("--secure-boot on: libvirt offers no secure-boot OVMF");
                goto out;
        }
        s->tpm = caps->tpm;
        if (o->windows == 11 && !s->tpm)
                vm_note(s, "libvirt offers no TPM 2.0 emulator (install swtpm): Windows 11 Setup refuses a machine without a TPM unless its answer file sets BypassTPMCheck");
        s->looking_glass = o->looking_glass;
        if (o->mode == VM_PASSTHROUGH)
                k = passthrough(r, o, s, msg, msgsize);
        else if (o->mode == VM_GVTG)
                k = gvtg(r, o, s, msg, msgsize);
        else
                k = sriov(r, o, s, msg, msgsize);
        if (k < 0)
                goto out;
        s->hide = o->hide == TRI_ON || (o->hide == TRI_AUTO && ((o->mode == VM_PASSTHROUGH && s->nvidia) || o->mode == VM_SRIOV));
        s->hv = hyperv(caps, s);
        if (s->looking_glass) {
                unsigned w = o->lg_w ? o->lg_w : 1920, h = o->lg_h ? o->lg_h : 1080;
                s->lg_mib = vm_lg_mib(w, h, o->lg_hdr);
        }
        if ((k = storage_firmware(r, o, s, msg, msgsize)) < 0)
                goto out;
        if (s->tcg) {
                vm_note(s, "libvirt offers no KVM here: the domain is one QEMU emulates (type='qemu', no hostdevs, evdev or hugepages)");
                s->n_funcs = 0;
                s->mdev_uuid[0] = 0;
                s->page_kib = 0;
        }
        k = vm_evdev_pick(r, o, s, msg, msgsize);
        if (k < 0)
                goto out;
        *ret = *s;
out:
        free(s);
        return k;
}
