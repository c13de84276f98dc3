/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/check.h — `pgs check`: can this machine host the VM, and which way.
 *
 *   check.c      options, the verdicts on the modes, text and JSON output
 *   checkhost.c  the host's requirements: CPU virtualization, IOMMU, interrupt
 *                remapping, SMT, memory, libvirt access, pgs's own state, OVMF
 *   checkgpu.c   every GPU (name, boot VGA, integrated, class, driver, IOMMU
 *                group and what else is in it) and what each mode needs of it;
 *                passthrough is judged by pgs-early's own plan, run dry
 *
 * It reads evidence only (sysfs, /proc, ACPI tables, files and their mtimes)
 * and writes nothing. The JSON is a contract: docs/check.md. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "shared/host/kmod.h"
#include "shared/host/pcinames.h"
#include "shared/config.h"
#include "shared/pci.h"
#include "shared/root.h"

enum check_status { CHECK_PASS, CHECK_WARN, CHECK_FAIL };

struct check_item {
        char id[32];            /* "iommu.on": stable, for scripts */
        enum check_status status;
        char why[400];
        char fix[300];          /* "" when there is nothing to do */
};

#define CHECK_MAX_GPUS   16
#define CHECK_MAX_GROUP  16
#define CHECK_MAX_ITEMS  32

struct check_peer {             /* another device in a GPU's IOMMU group */
        char addr[PCI_ADDR_STR];
        char name[160];
        uint32_t class;
        char driver[64];
        bool same_slot;         /* a function of the GPU's own card */
};

struct check_gpu {
        struct pci_dev dev;
        char name[200];         /* pci.ids, "" when unknown */
        bool integrated;
        const char *kind;       /* "vga", "3d", "display" */
        const char *family;     /* Intel iGPU: "Coffee Lake", … (NULL: not known) */
        bool gvt_hw, sriov_hw;  /* the family offers GVT-g / SR-IOV */
        struct check_peer group[CHECK_MAX_GROUP];
        unsigned n_group, n_foreign;
        char notes[3][200];     /* NVIDIA's cases */
        unsigned n_notes;
};

struct check_mode {
        bool possible;
        char why[500];
};

struct check {
        const struct pgs_root *root;
        bool amd;               /* the CPU's vendor (/proc/cpuinfo): AMD, else Intel's advice */
        bool virt, iommu_on, root_user;
        bool deep;              /* --deep: list the initramfs images too */
        struct check_item items[CHECK_MAX_ITEMS];
        unsigned n_items;
        struct check_gpu gpus[CHECK_MAX_GPUS];
        unsigned n_gpus;
        struct check_mode passthrough, gvtg, sriov;
        struct hpci names;
        struct hkmod kmod;
        bool have_kmod;         /* the running kernel's modules can be read */
        char kver[128];
};

/* pgs-early's plan (checkgpu.c), run dry on r for a bind list (NULL: the
 * configured one, else the default below): how many devices it would give
 * to vfio-pci, the first, or why none. pgs check and pgs setup both judge
 * passthrough by it. Returns early_plan's result. */
struct passthrough_verdict {
        unsigned going;
        char first[PCI_ADDR_STR];
        bool already;           /* the first is on vfio-pci already */
        char why[400];          /* when none goes: pgs-early's reason */
};
int passthrough_plan(const struct pgs_root *r, const struct bind_list *bind, struct passthrough_verdict *ret);
/* what pgs setup --mode passthrough writes without --gpu: auto, and each
 * discrete 3D controller (which auto, going by boot_vga, never picks) by its
 * address */
void passthrough_default_bind(const struct pgs_root *r, struct bind_list *ret);

/* One requirement's verdict; fix may be NULL. */
void check_add(struct check *c, const char *id, enum check_status st, const char *fix, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

void check_host(struct check *c);       /* checkhost.c */
void check_pgs_state(struct check *c);  /* checkhost.c */
void check_gpus(struct check *c);       /* checkgpu.c: c->gpus, then the modes */
