/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/pci.h — the PCI device model, read from sysfs through the root, and
 * the kernel's driver-binding protocol.
 *
 * Layout relied on (Documentation/ABI/testing/sysfs-bus-pci):
 *   sys/bus/pci/devices/DDDD:BB:SS.F -> ../../../devices/.../DDDD:BB:SS.F
 *     vendor device subsystem_vendor subsystem_device class   (0x hex)
 *     boot_vga (VGA-class devices only) driver_override ("(null)" when unset)
 *     driver -> .../bus/pci/drivers/NAME   iommu_group -> .../iommu_groups/N
 *     sriov_totalvfs sriov_numvfs sriov_drivers_autoprobe virtfnN physfn
 *   sys/bus/pci/drivers_probe, sys/bus/pci/drivers/NAME/{bind,unbind}
 *   sys/kernel/iommu_groups/N/devices/ADDR */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/root.h"

struct pci_addr {
        uint32_t domain;
        uint8_t bus, slot, fn;  /* slot 0..31, fn 0..7 */
};

#define PCI_ADDR_STR 16         /* "0000:01:00.0" + NUL, with room */

/* "0000:01:00.0" or "01:00.0" (domain 0000); hex, case-insensitive. */
int pci_addr_parse(const char *s, struct pci_addr *ret);
char *pci_addr_fmt(const struct pci_addr *a, char buf[PCI_ADDR_STR]);
bool pci_addr_eq(const struct pci_addr *a, const struct pci_addr *b);
bool pci_addr_same_slot(const struct pci_addr *a, const struct pci_addr *b);
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);

/* "10de:1b80" → vendor, device. */
int pci_id_parse(const char *s, uint16_t *vendor, uint16_t *device);

struct pci_dev {
        struct pci_addr addr;
        char name[PCI_ADDR_STR];
        uint16_t vendor, device, subvendor, subdevice;
        uint32_t class;         /* 0xCCSSPP */
        int boot_vga;           /* 1, 0, or -1 when the attribute is absent */
        int iommu_group;        /* -1: no IOMMU group */
        char driver[64];        /* "" when unbound */
        char driver_override[64]; /* "" when unset */
        int sriov_total;        /* -1: not an SR-IOV PF */
        int sriov_num;
        bool is_vf;
        struct pci_addr physfn; /* when is_vf */
};

#define PCI_CLASS_VGA           0x0300
#define PCI_CLASS_3D            0x0302
#define PCI_CLASS_BRIDGE_PCI    0x0604

static inline unsigned pci_dev_class16(const struct pci_dev *d) { return d->class >> 8; }

/* Read one device. -ENODEV when it does not exist. */
int pci_dev_read(const struct pgs_root *r, const struct pci_addr *a, struct pci_dev *ret);
/* Re-read only the driver link ("" when unbound). */
int pci_dev_read_driver(const struct pgs_root *r, const char *name, char *buf, size_t size);

/* The addresses of every PCI device, sorted (one directory read): callers
 * read the few devices they need with pci_dev_read(). */
int pci_addr_list(const struct pgs_root *r, struct pci_addr **ret, size_t *ret_n);

/* vendor, device, subsystem ids and class from the one `modalias` attribute
 * ("pci:v000010DEd00001E84sv…sd…bc03sc00i00"); falls back to the separate
 * attributes when there is no modalias. Fills only those fields. */
int pci_dev_read_ids(const struct pgs_root *r, const char *name, struct pci_dev *d);

/* Does the device have this attribute? (boot_vga exists only on VGA-class
 * devices: one access() per device finds the GPUs without reading them.) */
bool pci_dev_has_attr(const struct pgs_root *r, const char *name, const char *attr);

/* The addresses in IOMMU group n, sorted. Caller frees *ret. */
int pci_group_members(const struct pgs_root *r, int group, struct pci_addr **ret, size_t *ret_n);

/* The bridge the device sits behind: the PCI device whose sysfs directory
 * holds its own (sys/bus/pci/devices/NAME -> .../BRIDGE/NAME). 1 with *ret
 * set, 0 when it hangs off a host bridge, or -errno. */
int pci_dev_upstream(const struct pgs_root *r, const char *name, struct pci_addr *ret);

/* Is the GPU part of the CPU package? On the root bus (every Intel iGPU,
 * 00:02.0), or an AMD GPU behind one of AMD's internal GPP bridges (bus 00,
 * device 08: Raven, Renoir, Cezanne, Rembrandt, Phoenix, Raphael), where an
 * APU's iGPU sits on a non-zero bus like a card would. */
bool pci_dev_integrated(const struct pgs_root *r, const struct pci_dev *d);

/* Is the driver registered (sys/bus/pci/drivers/NAME exists)? */
bool pci_driver_loaded(const struct pgs_root *r, const char *driver);

/* The address of virtual function i of a PF (virtfnI link). */
int pci_dev_virtfn(const struct pgs_root *r, const char *pf, int i, struct pci_addr *ret);

/* Bind a device to driver and verify the driver link names it:
 *   echo DRIVER > driver_override; echo ADDR > driver/unbind (if bound);
 *   echo ADDR > /sys/bus/pci/drivers_probe; wait for driver -> DRIVER.
 * The driver must already be registered. On failure the previous
 * driver_override is put back and, if the device had been unbound by us, it is
 * offered to its drivers again (drivers_probe), so nothing is left half-done.
 * Returns 0 or -errno; *ret_step names the step that failed. */
/* Give an unbound device back to its host driver:
 *   echo OVERRIDE > driver_override ("" clears it); echo ADDR > drivers/DRIVER/bind,
 *   else echo ADDR > drivers_probe; then the driver link must name DRIVER.
 * A device that is on vfio-pci is unbound from it first. 0 or -errno. */
int pci_dev_return(const struct pgs_root *r, const char *addr, const char *driver, const char *override);

/* The steps of a move, for a caller that runs them itself (the hook unbinds
 * in a child it can stop waiting for): echo DRIVER > driver_override ("" to
 * clear), echo ADDR > driver/unbind. -errno as the kernel answers. */
int pci_dev_set_override(const struct pgs_root *r, const char *addr, const char *driver);
int pci_dev_unbind(const struct pgs_root *r, const char *addr, const char *driver);

/* Classes a device may be moved to vfio-pci by address alone: display
 * (0x03xx), audio (0x0401, 0x0403), USB (0x0c03) and other serial bus (0x0c80,
 * NVIDIA's UCSI). Anything else — a disk or network controller — must be
 * named with its id too, since it could be the host's own. */
static inline bool pci_class_movable(uint32_t class)
{
        unsigned c16 = class >> 8;
        return (c16 >> 8) == 0x03 || c16 == 0x0401 || c16 == 0x0403 || c16 == 0x0c03 || c16 == 0x0c80;
}

int pci_dev_bind(const struct pgs_root *r, const struct pci_dev *d, const char *driver,
                 unsigned timeout_ms, const char **ret_step);
