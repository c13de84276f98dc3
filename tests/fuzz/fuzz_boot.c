/* tests/fuzz/fuzz_boot.c — `pgs boot` reading bootloader files it does not
 * own: the input becomes /etc/default/grub, a BLS entry, kernelstub's JSON or
 * /etc/kernel/cmdline of a scratch root (the first byte chooses), then `show`
 * and `apply --dry-run` run over it. */
#include "tests/fuzz/fuzz.h"
#include "cli/pgs.h"

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
        static const uint8_t cpu[] = "processor\t: 0\nvendor_id\t: GenuineIntel\n";
        fuzz_put("proc/cpuinfo", cpu, sizeof(cpu) - 1);
        char root[128];
        snprintf(root, sizeof(root), "%s", fuzz_root());
        char *show[] = { "boot", "show", "--mode", "gvtg", "--loader", (char *)loaders[k], "--sysroot", root, NULL };
        cmd_boot(8, show);
        char *apply[] = { "boot", "apply", "--mode", "sriov", "--vfs", "2", "--hugepages", "2M:64", "--isolate", "2-3",
                          "--dry-run", "--loader", (char *)loaders[k], "--sysroot", root, NULL };
        cmd_boot(15, apply);
        return 0;
}
