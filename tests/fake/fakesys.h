/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fake/fakesys.h — a fake sysfs that reacts like the kernel.
 *
 * The tree is plain files under ROOT (made by the fakesys tool); what makes it
 * behave is fake_handle_write(), called for every write() into ROOT by the
 * preloaded libfakesys.so (tests/fake/preload.c), in the spirit of libvirt's
 * tests/virpcimock.c. Reactions modelled on drivers/pci/pci-driver.c,
 * drivers/pci/pci-sysfs.c, drivers/pci/iov.c and drivers/base/bus.c:
 *   driver_override  store ("(null)" when cleared)
 *   drivers/D/unbind the device leaves D; -ENODEV when it is not on D
 *   drivers/D/bind   -EBUSY when bound; binds when D matches (override or id)
 *   drivers_probe    binds to the first loaded matching driver; -ENODEV for no device
 *   sriov_numvfs     -ENOENT without a PF driver, -ERANGE above totalvfs,
 *                    -EBUSY from non-zero to another non-zero, same value no-op;
 *                    creates/removes VF dirs, virtfnN/physfn links, one IOMMU
 *                    group each, probes them when sriov_drivers_autoprobe is 1
 *   binding vfio-pci creates dev/vfio/GROUP.
 * Drivers: sys/bus/pci/drivers/NAME exists when loaded; the module catalogue
 * ROOT/.fake/modules/NAME lists the ids it matches (vfio-pci matches none).
 * Faults: PGS_FAKE_FAIL="SUFFIX=ERRNO[;...]" makes writes to paths ending in
 * SUFFIX fail with that errno before anything happens. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* rel: path relative to ROOT, canonical (symlinks resolved). Returns 1 when
 * rel is an attribute with kernel behaviour (*ret = len or -errno), 0 when the
 * write should go to the file as it is. */
int fake_handle_write(const char *root, const char *rel, const char *buf, size_t len, ssize_t *ret);

int fake_init(const char *root);
/* args: "group=N|none" "driver=NAME" "boot_vga=0|1" "sriov=TOTAL:VFDID" */
int fake_add_device(const char *root, const char *addr, const char *id, const char *class, int nargs, char **args);
int fake_module_add(const char *root, const char *name, int nids, char **ids);
int fake_load_driver(const char *root, const char *name);
/* finit_module on a module file: its name is the file's (vfio-pci.ko); the
 * module must be in the catalogue (-ENOEXEC: not a module this kernel
 * takes). ROOT/.fake/modules/NAME.refuse holding an errno number makes the
 * kernel refuse it (129, EKEYREJECTED: a signature it does not trust). */
int fake_insmod(const char *root, const char *path);

#include <stdbool.h>
/* a hugepage pool of kib-sized pages holding nr (used of them in use); the
 * kernel can give at most cap, cap+bonus after compact_memory; hugetlbfs
 * mounted for it in proc/mounts when mounted */
int fake_hugepages(const char *root, unsigned long kib, unsigned long nr, unsigned long cap, unsigned long bonus, unsigned long used, bool mounted);
/* cpufreq policies of per_policy CPUs each, governor gov, driver (acpi-cpufreq,
 * intel_pstate: EPP refused under the performance governor), EPP files */
int fake_cpufreq(const char *root, unsigned ncpus, unsigned per_policy, const char *gov, const char *driver, bool epp);
/* online/possible CPUs, nirqs IRQs on every CPU, the workqueue cpumask,
 * cgroup v2 with cpuset enabled and init.scope/system.slice/user.slice/machine.slice */
int fake_isolation(const char *root, unsigned ncpus, unsigned nirqs);
/* GVT-g on the iGPU at addr: i915-GVTg_V5_{1,2,4,8} with instances and sizes;
 * writing a UUID to create makes sys/bus/mdev/devices/UUID, remove takes it */
int fake_gvtg(const char *root, const char *addr);
/* a NUMA node's hugepage pool (nr pages, room for cap) */
int fake_numa_pool(const char *root, unsigned node, unsigned long kib, unsigned long nr, unsigned long cap);
