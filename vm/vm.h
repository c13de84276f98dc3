/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/vm.h — `pgs vm`: the Windows domain, built from this host's topology.
 *
 *   topology.c  the host's CPUs from sysfs and the pinning plan (pure logic)
 *   caps.c      libvirt's domain capabilities (parsed from XML: libvirt's
 *               answer, --domcaps FILE, or the documented default set)
 *   spec.c      every choice for one domain from the options and the host:
 *               devices, memory, page size, features
 *   xml.c       the domain XML written from a spec
 *   vm.c        the command: options, libvirt (define, show, remove)
 *
 * Everything but vm.c reads only through the root and never prints: the
 * same spec gives the same XML, whether it is printed or defined. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/cpulist.h"
#include "shared/pci.h"
#include "shared/root.h"

/* --- topology ------------------------------------------------------------ */

#define TOPO_MAX_CPUS 512

struct topo_core {
        unsigned cpus[4];       /* its threads, ascending (siblings kept adjacent) */
        unsigned n;
        int l3;                 /* index into topo.l3 */
        bool atom;              /* an E-core of a hybrid Intel part */
};

struct topo {
        struct topo_core core[TOPO_MAX_CPUS];
        unsigned n_cores;
        struct { unsigned first; unsigned long kib; } l3[64];   /* L3 domains: lowest CPU, size */
        unsigned n_l3;
        bool hybrid;
        struct cpuset ecluster;  /* hybrid: the first E-core cluster (shared L2) */
        unsigned n_cpus;
};

struct pin {
        unsigned vcpus, cores, threads;
        unsigned cpu[TOPO_MAX_CPUS];    /* vCPU i runs on host CPU cpu[i] */
        struct cpuset housekeeping;     /* emulatorpin, iothreadpin */
        const char *rule;               /* "default", "hybrid", "x3d" */
        char warning[200];              /* "" or why the user should know */
};

/* Read sys/devices/system/cpu (online CPUs, thread siblings, L3 and L2
 * sharing) and the hybrid PMUs (sys/devices/cpu_core, cpu_atom). */
int topo_read(const struct pgs_root *r, struct topo *ret, char *msg, size_t msgsize);
/* The pinning for want vCPUs (0: the default, every core the rule gives the
 * guest). -EINVAL with msg when want cannot be had. */
int topo_plan(const struct topo *t, unsigned want, struct pin *ret, char *msg, size_t msgsize);

/* --- capabilities -------------------------------------------------------- */

enum hv {
        HV_RELAXED, HV_VAPIC, HV_SPINLOCKS, HV_VPINDEX, HV_RUNTIME, HV_SYNIC,
        HV_STIMER, HV_RESET, HV_VENDOR_ID, HV_FREQUENCIES, HV_REENLIGHTENMENT,
        HV_TLBFLUSH, HV_IPI, HV_EVMCS, HV_AVIC, HV_N
};
extern const char *const hv_names[HV_N];

struct caps {
        bool kvm;               /* <domain>kvm</domain>; else QEMU emulates (TCG) */
        bool efi;               /* <os><enum name='firmware'> holds efi */
        bool secure_boot;       /* the loader's secure enum holds yes */
        bool tpm;               /* tpm-crb with the emulator backend, version 2.0 */
        bool host_passthrough;
        bool iothreads;
        unsigned hv;            /* 1 << enum hv: what <hyperv><enum name='features'> lists */
        bool hv_listed;         /* there was such a list */
        char machine[64];
};

/* What pgs assumes without libvirt (--print-xml without --domcaps): a KVM
 * host whose libvirt offers OVMF with secure boot, a TPM 2.0 emulator and
 * the Hyper-V enlightenments KVM has had since Linux 5.x. docs/vm.md. */
extern const char caps_default_xml[];
/* Parse domainCapabilities XML (no network, no entities, no DTD). */
int caps_parse(const char *xml, size_t len, struct caps *ret, char *msg, size_t msgsize);

/* --- the domain ---------------------------------------------------------- */

enum vm_mode { VM_PASSTHROUGH, VM_GVTG, VM_SRIOV };
enum tri { TRI_AUTO, TRI_ON, TRI_OFF };

#define VM_MAX_FUNCS 8
#define VM_MAX_EVDEV 8

struct vm_opts {
        const char *name;
        enum vm_mode mode;
        const char *gpu;        /* NULL: pgs picks */
        unsigned windows;       /* 10 or 11 */
        unsigned long long memory_mib;  /* 0: 8192 */
        unsigned cpus;          /* 0: the topology's default */
        const char *image;      /* --image PATH */
        const char *disk;       /* --disk PATH (a whole disk) */
        const char *controller; /* --disk-controller ADDR */
        const char *rom;        /* --rom FILE, as the user names it */
        bool laptop;            /* --laptop: the fake battery SSDT */
        unsigned long long image_gib;   /* --size */
        bool looking_glass;
        unsigned lg_w, lg_h;
        bool lg_hdr;
        const char *evdev[VM_MAX_EVDEV];        /* explicit devices; "auto"/"none" */
        unsigned n_evdev;
        enum tri secure_boot, hide;
        enum tri isolate;       /* --isolate: off leaves <pgs:isolate/> out */
        const char *uuid;       /* --replace keeps the defined domain's */
        const char *const *used_vfs;    /* VFs other defined domains hold (NULL-terminated) */
        bool net_default;       /* libvirt's default network is defined and active */
};

struct vm_spec {
        const struct vm_opts *o;
        struct caps caps;
        struct pin pin;
        bool amd, nvidia;
        unsigned long long memory_mib;
        unsigned long page_kib;         /* 2048 or 1048576 */
        bool tcg;                       /* caps without KVM: the TCG-safe variant */
        bool secure_boot, tpm, hide;
        unsigned hv;                    /* 1 << enum hv */
        struct pci_addr funcs[VM_MAX_FUNCS];    /* passthrough: the GPU's slot; sriov: the VF */
        unsigned n_funcs;
        char gpu_name[PCI_ADDR_STR];
        char mdev_uuid[37];             /* gvtg */
        bool looking_glass;
        unsigned long lg_mib;
        char evdev[VM_MAX_EVDEV][256];
        bool evdev_kbd[VM_MAX_EVDEV];
        unsigned n_evdev;
        char disk[256];                 /* --disk: its /dev/disk/by-id name */
        struct pci_addr ctrl;           /* --disk-controller */
        bool has_ctrl;
        char handover_allow[64];        /* "ADDR@VID:DID" for the hook */
        char rom[256], ssdt[256];       /* host paths under VM_FIRMWARE_DIR, "" when none */
        char notes[8][240];             /* warnings the user reads; the XML is still right */
        unsigned n_notes;
};

/* Every choice for o on this host (r) with these capabilities. -EINVAL
 * (and others) with msg naming the device, file or value and the reason;
 * nothing is written. */
int vm_spec_build(const struct pgs_root *r, const struct vm_opts *o, const struct caps *caps,
                  struct vm_spec *ret, char *msg, size_t msgsize);
/* Looking Glass's shared memory for W×H: W·H·(4, HDR 8)·2 + 10 MiB, rounded
 * up to a power of two, in MiB (1920×1080 SDR: 32). */
unsigned long vm_lg_mib(unsigned w, unsigned h, bool hdr);
/* A domain name pgs accepts: 1–64 of [A-Za-z0-9._-], not starting with '.'
 * or '-' (it becomes a file name, a NetBIOS name, a shm name). */
bool vm_name_ok(const char *name);

/* The keyboard and mouse (--evdev): vm/evdev.c */
int vm_evdev_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize);
/* Windows' smallest disk, GiB (libosinfo: Windows 11 64, Windows 10 32) */
unsigned long long vm_min_disk_gib(unsigned windows);

/* A note the user reads (at most 8; the rest are dropped). */
void vm_note(struct vm_spec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Is d's IOMMU group viable: every member but PCI bridges goes to the guest.
 * take_slot: d's slot's functions join (into funcs); else d alone. */
int vm_group_check(const struct pgs_root *r, const struct pci_dev *d, bool take_slot,
                   struct pci_addr *funcs, unsigned *n_funcs, char *msg, size_t msgsize);

/* --disk and --disk-controller: vm/disk.c. Refused while the host uses the
 * disk, or a disk behind the controller (mounted, swap, LVM, LUKS, md, root). */
int vm_disk_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize);
int vm_controller_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize);

/* Where create puts the files QEMU reads (--rom, --laptop): a directory of
 * pgs's, readable by QEMU under AppArmor through a local abstraction rule */
#define VM_FIRMWARE_DIR "/var/lib/pgs/firmware"
/* vm/firmware.c: is FILE (the user's, not under --sysroot) a PCI option ROM */
int vm_rom_check(const char *file, char *msg, size_t msgsize);

/* The domain XML for s (malloc'ed). */
char *vm_xml(const struct vm_spec *s);
