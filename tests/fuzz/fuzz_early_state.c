/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_early_state.c — what `pgs status` reads, text and --json:
 * /run/pgs/early (cli/status.c), and the same bytes as a domain's journal
 * /run/pgs/<uuid> summed up (cli/statusvm.c). */
#include "tests/fuzz/fuzz.h"
#include "shared/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        fuzz_quiet();
        /* most inputs start with the header, so the lines are reached */
        static const char head[] = "# pgs-early 1\n";
        uint8_t *b = malloc(sizeof(head) + size);
        memcpy(b, head, sizeof(head) - 1);
        memcpy(b + sizeof(head) - 1, data, size);
        fuzz_put("run/pgs/early", size && data[0] == '#' ? data : b, size && data[0] == '#' ? size : size + sizeof(head) - 1);
        free(b);
        /* the same bytes as a journal, behind its header */
        static const char jhead[] = "# pgs-hook 1\n";
        b = malloc(sizeof(jhead) + size);
        memcpy(b, jhead, sizeof(jhead) - 1);
        memcpy(b + sizeof(jhead) - 1, data, size);
        fuzz_put("run/pgs/0b7e55c6-2f1d-4a4e-9d2a-5c1e0c4d3b21", b, size + sizeof(jhead) - 1);
        free(b);
        char root[128];
        snprintf(root, sizeof(root), "%s", fuzz_root());
        char *a1[] = { "status", "--sysroot", root, NULL };
        cmd_status(3, a1);
        char *a2[] = { "status", "--json", "--sysroot", root, NULL };
        cmd_status(4, a2);
        return 0;
}
