/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_journal.c — a hook journal (/run/pgs/UUID) of any content,
 * replayed by journal_undo over a scratch root: never a crash, and never a
 * write outside the root (the rooted layer refuses "..", clamps links). */
#include "tests/fuzz/fuzz.h"
#include "qemu-hook/hook.h"
#include "shared/journal.h"

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"

static void report(void *ud, const char *msg)
{
        (void)ud;
        (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        fuzz_put("run/pgs/" UUID, data, size);
        struct pgs_root r;
        if (root_open(&r, fuzz_root()) < 0)
                abort();
        char name[256];
        journal_name(&r, UUID, name, sizeof(name));
        journal_undo(&r, &hook_journal_ops, UUID, report, NULL);
        root_close(&r);
        return 0;
}
