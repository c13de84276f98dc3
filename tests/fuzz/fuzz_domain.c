/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_domain.c — domain XML to the hook's settings
 * (qemu-hook/domain.c, libxml2 with no network, no entities, no DTD). */
#include "tests/fuzz/fuzz.h"
#include "qemu-hook/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 20)
                return 0;
        struct domain d;
        char msg[512];
        if (domain_parse((const char *)data, size, &d, msg, sizeof(msg)) == 0) {
                if (d.n_pci > DOMAIN_MAX_HOSTDEVS || d.n_mdevs > DOMAIN_MAX_HOSTDEVS || d.mem_kib > (1ULL << 40))
                        abort();
                if (d.name[sizeof(d.name) - 1] || d.uuid[36])
                        abort();
        }
        return 0;
}
