/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_cpulist.c — CPU lists and hex masks (shared/cpulist.c):
 * what parses formats back to something that parses to the same set. */
#include "tests/fuzz/fuzz.h"
#include "shared/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_str(data, size);
        struct cpuset a = { { 0 } }, b = { { 0 } };
        char buf[8192];
        if (cpulist_parse(s, &a) == 0) {
                cpulist_format(&a, buf, sizeof(buf));
                if (cpulist_parse(buf, &b) < 0 || memcmp(&a, &b, sizeof(a)))
                        abort();
        }
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        if (cpumask_parse(s, &a) == 0) {
                unsigned n = (unsigned)size * 64u;   /* any width, also past CPU_MAX */
                cpumask_format(&a, n, buf, sizeof(buf));
                cpumask_format(&a, CPU_MAX, buf, sizeof(buf));
                if (cpumask_parse(buf, &b) < 0 || memcmp(&a, &b, sizeof(a)))
                        abort();
        }
        free(s);
        return 0;
}
