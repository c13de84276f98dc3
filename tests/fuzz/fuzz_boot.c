/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_boot.c — `pgs boot` reading bootloader files it does not
 * own: the input becomes /etc/default/grub, a BLS entry, kernelstub's JSON or
 * /etc/kernel/cmdline of a scratch root (the first byte chooses), then `show`
 * and `apply --dry-run` run over it. */
#include "tests/fuzz/fuzz.h"
#include "shared/command.h"

static const char *const files[] = { "etc/default/grub", "boot/loader/entries/a.conf", "etc/kernelstub/configuration",
                                     "etc/kernel/cmdline" };
static const char *const loaders[] = { "grub", "systemd-boot", "kernelstub", "systemd-boot" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1 || size > 1 << 16)
                return 0;
        fuzz_quiet();
        unsigned k = data[0] % 4;
        for (unsigned i = 0; i < 4; i++)
                fuzz_rm(files[i]);
        fuzz_put(files[k], data + 1, size - 1);
        static int host;
        if (!host) {
                /* an Intel host with an iGPU, 16 GiB and 4 cores of 2 threads */
                host = 1;
                static const uint8_t cpu[] = "processor\t: 0\nvendor_id\t: GenuineIntel\n", mem[] = "MemTotal: 16318452 kB\n";
                fuzz_put("proc/cpuinfo", cpu, sizeof(cpu) - 1);
                fuzz_put("proc/meminfo", mem, sizeof(mem) - 1);
                fuzz_put("sys/bus/pci/devices/0000:00:02.0/vendor", (const uint8_t *)"0x8086\n", 7);
                fuzz_put("sys/bus/pci/devices/0000:00:02.0/device", (const uint8_t *)"0x3e92\n", 7);
                fuzz_put("sys/bus/pci/devices/0000:00:02.0/class", (const uint8_t *)"0x030000\n", 9);
                fuzz_put("sys/devices/system/cpu/present", (const uint8_t *)"0-7\n", 4);
                for (int c = 0; c < 8; c++) {
                        char p[96], v[16];
                        snprintf(p, sizeof(p), "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
                        int n = snprintf(v, sizeof(v), "%d-%d\n", c / 2 * 2, c / 2 * 2 + 1);
                        fuzz_put(p, (const uint8_t *)v, (size_t)n);
                }
        }
        char root[128];
        snprintf(root, sizeof(root), "%s", fuzz_root());
        char *show[] = { "boot", "show", "--mode", "gvtg", "--loader", (char *)loaders[k], "--sysroot", root, NULL };
        cmd_boot(8, show);
        char *apply[] = { "boot", "apply", "--mode", "sriov", "--vfs", "2", "--hugepages", "2M:64", "--isolate", "2-3",
                          "--dry-run", "--loader", (char *)loaders[k], "--sysroot", root, NULL };
        cmd_boot(15, apply);
        return 0;
}
