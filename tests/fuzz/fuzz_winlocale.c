/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_winlocale.c — what pgs vm install reads from outside for
 * Windows Setup (vm/winlocale.c): an ISO's primary volume descriptor (the
 * language in its volume id), /etc/default/keyboard, LANG and a zone name.
 * Properties: no read past the input, and every language written is a tag
 * (letters and '-', 5..15 bytes) that the answer file can carry as it is. */
#include <ctype.h>

#include "tests/fuzz/fuzz.h"
#include "vm/install.h"

static void tag_ok(const char *t)
{
        size_t n = strlen(t);
        if (n < 5 || n >= WIN_LANG_MAX)
                abort();
        for (size_t i = 0; i < n; i++)
                if (!isalpha((unsigned char)t[i]) && t[i] != '-')
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 14)
                return 0;
        char out[WIN_LANG_MAX], volid[33], win[128];
        /* the input as a descriptor (its first byte picks whether it gets a
         * valid header, so the volume id parser is reached often) */
        unsigned char pvd[2048] = { 0 };
        size_t n = size < sizeof(pvd) ? size : sizeof(pvd);
        memcpy(pvd, data, n);
        if (size && data[0] & 1) {
                memcpy(pvd, "\001CD001\001", 7);
                n = n < 72 ? 72 : n;
        }
        unsigned char *heap = malloc(n ? n : 1);     /* exact size: ASan sees any overread */
        memcpy(heap, pvd, n);
        if (win_iso_language(heap, n, out, volid) == 0)
                tag_ok(out);
        if (strlen(volid) > 32)
                abort();
        free(heap);
        char *s = fuzz_str(data, size);
        if (win_keyboard_locale(s, size, out) == 0)
                tag_ok(out);
        if (win_lang_locale(s, out) == 0)
                tag_ok(out);
        if (win_timezone(s, win, sizeof(win)) == 0 && strlen(win) >= sizeof(win))
                abort();
        free(s);
        return 0;
}
