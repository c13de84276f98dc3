/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_config.c — /etc/pgs.conf and the pgs.* kernel command line
 * (shared/config.c): any bytes, never a crash; what is kept is well formed. */
#include "tests/fuzz/fuzz.h"
#include "shared/config.h"

static void diag(void *ud, unsigned line, const char *msg)
{
        (void)ud;
        (void)line;
        if (strlen(msg) > 4096)
                abort();        /* a message must stay a message */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > PGS_CONF_MAX)
                return 0;
        char *s = fuzz_str(data, size);
        struct pgs_config c;
        config_parse(s, size, &c, diag, NULL);
        if (c.bind.n > PGS_MAX_BIND || c.sriov.n > PGS_MAX_SRIOV)
                abort();
        for (size_t i = 0; i < c.sriov.n; i++)
                if (c.sriov.v[i].addr.fn > 7 || c.sriov.v[i].addr.slot > 31)
                        abort();
        struct pgs_cmdline k;
        cmdline_parse(s, &k, diag, NULL);
        config_merge_cmdline(&c, &k);
        if (c.bind.n > PGS_MAX_BIND || c.sriov.n > PGS_MAX_SRIOV)
                abort();
        struct bind_item it;
        bind_item_parse(s, &it);
        free(s);
        return 0;
}
