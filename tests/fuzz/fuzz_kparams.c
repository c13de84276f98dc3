/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_kparams.c — the kernel-parameter edits (boot-entry/
 * kparams.c) on any GRUB-like text: the shell reader never reads past the
 * text, and adding then removing words gives back the original bytes. */
#include "tests/fuzz/fuzz.h"
#include "boot-entry/kparams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        char *t = fuzz_str(data, size);
        struct seg v, q;
        if (sh_find_assign(t, size, "GRUB_CMDLINE_LINUX_DEFAULT", &v)) {
                if (v.start > v.end || v.end > size)
                        abort();
                free(sh_unquote(t, v));
                if (sh_value_quoted_seg(t, v, &q) && (q.start < v.start || q.end > v.end || q.start > q.end))
                        abort();
        }
        struct words w;
        words_split(t, size, &w);
        words_free(&w);
        /* property: apply then revert is the identity, for a segment chosen by
         * the first two bytes and words pgs adds */
        if (size >= 2) {
                size_t a = data[0] % (size + 1), b = data[1] % (size + 1);
                struct seg s = { a < b ? a : b, a < b ? b : a };
                struct words add = { 0 };
                words_add(&add, "intel_iommu=on");
                words_add(&add, "iommu=pt");
                /* only when the segment does not already hold them (pgs never adds twice) */
                struct words cur;
                words_split(t + s.start, s.end - s.start, &cur);
                bool fresh = true;
                for (size_t i = 0; i < cur.n; i++)
                        if (!strcmp(cur.v[i], "intel_iommu=on") || !strcmp(cur.v[i], "iommu=pt") || strstr(cur.v[i], "intel_iommu=on") ||
                            strstr(cur.v[i], "iommu=pt"))
                                fresh = false;
                words_free(&cur);
                bool plain = true;      /* seg_edit works on space-separated tokens */
                for (size_t i = s.start; i < s.end; i++)
                        if (t[i] == '\0')
                                plain = false;
                if (fresh && plain && memmem(t + s.start, s.end - s.start, "iommu", 5) == NULL) {
                        size_t n1, n2;
                        struct seg ns;
                        char *o = seg_edit(t, size, s, &add, NULL, &n1, &ns);
                        char *back = seg_edit(o, n1, ns, NULL, &add, &n2, NULL);
                        if (n2 != size || memcmp(back, t, size))
                                abort();
                        free(o);
                        free(back);
                }
                words_free(&add);
        }
        free(t);
        return 0;
}
