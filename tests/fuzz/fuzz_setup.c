/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_setup.c — `pgs setup` reading files it finds on a host:
 * the input becomes its record /var/lib/pgs/setup (first byte even; after
 * "# pgs-setup 1\n" half the time, so the lines get parsed) or /etc/pgs.conf
 * (odd), beside a saved config; then `pgs setup --undo --dry-run` and `pgs
 * setup --mode sriov --dry-run` run over the scratch root. */
#include "tests/fuzz/fuzz.h"
#include "shared/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1 || size > 1 << 16)
                return 0;
        fuzz_quiet();
        fuzz_rm("var/lib/pgs/setup");
        fuzz_rm("etc/pgs.conf");
        static const uint8_t saved[] = "[vfio]\nbind = auto\n";
        fuzz_put("var/lib/pgs/setup.pgs.conf", saved, sizeof(saved) - 1);
        if (data[0] & 1) {
                fuzz_put("etc/pgs.conf", data + 1, size - 1);
        } else if (data[0] & 2) {
                uint8_t *t = malloc(size + 14);
                if (!t)
                        abort();
                memcpy(t, "# pgs-setup 1\n", 14);
                memcpy(t + 14, data + 1, size - 1);
                fuzz_put("var/lib/pgs/setup", t, size + 13);
                free(t);
        } else {
                fuzz_put("var/lib/pgs/setup", data + 1, size - 1);
        }
        char root[128];
        snprintf(root, sizeof(root), "%s", fuzz_root());
        char *undo[] = { "setup", "--undo", "--dry-run", "--sysroot", root, NULL };
        cmd_setup(5, undo);
        char *sr[] = { "setup", "--mode", "sriov", "--dry-run", "--json", "--sysroot", root, NULL };
        cmd_setup(7, sr);
        return 0;
}
