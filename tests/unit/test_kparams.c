/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/unit/test_kparams.c — boot-entry/kparams.c: the byte-exact edits. */
#include <stdlib.h>

#include "boot-entry/kparams.h"
#include "tests/unit/tap.h"

static char *edit(const char *text, struct seg s, const char *add, const char *rm, struct seg *ns)
{
        struct words a, r;
        words_split(add, strlen(add), &a);
        words_split(rm, strlen(rm), &r);
        size_t n;
        char *out = seg_edit(text, strlen(text), s, &a, &r, &n, ns);
        words_free(&a);
        words_free(&r);
        return out;
}

void test_kparams(void);
void test_kparams(void)
{
        const char *t = "X=\"quiet splash\"\n";
        struct seg ns;
        char *o = edit(t, (struct seg){ 3, 15 }, "a=1 b", "", &ns);
        STREQ(o, "X=\"quiet splash a=1 b\"\n", "add goes at the end of the segment, one space each");
        char *back = edit(o, ns, "", "a=1 b", NULL);
        STREQ(back, t, "removing what was added gives the original bytes");
        free(o);
        free(back);
        o = edit("X=\"\"", (struct seg){ 3, 3 }, "a b", "", &ns);
        STREQ(o, "X=\"a b\"", "an empty segment gets no leading space");
        back = edit(o, ns, "", "b a", NULL);
        STREQ(back, "X=\"\"", "...and comes back empty");
        free(o);
        free(back);
        o = edit("aa a aaa", (struct seg){ 0, 8 }, "", "a", NULL);
        STREQ(o, "aa aaa", "only whole tokens are removed");
        free(o);

        /* property: for random segments and words, add then remove is the identity */
        srand(42);
        int bad = 0;
        for (int iter = 0; iter < 2000; iter++) {
                char seg[64] = "", buf[128];
                int nw = rand() % 5;
                for (int i = 0; i < nw; i++) {
                        char w[8];
                        snprintf(w, sizeof(w), "w%d", rand() % 4);
                        strcat(seg, i ? (rand() % 3 ? " " : "  ") : (rand() % 4 ? "" : " "));
                        strcat(seg, w);
                }
                if (rand() % 4 == 0)
                        strcat(seg, " ");
                snprintf(buf, sizeof(buf), "K=\"%s\"\n", seg);
                struct seg s = { 3, 3 + strlen(seg) };
                const char *adds[] = { "p1", "p1 p2", "p1=x p2 p3=y", "intel_iommu=on iommu=pt" };
                const char *add = adds[rand() % 4];
                char *x = edit(buf, s, add, "", &ns);
                char *y = edit(x, ns, "", add, NULL);
                if (strcmp(y, buf)) {
                        if (!bad)
                                printf("# counterexample: [%s] + [%s] -> [%s] -> [%s]\n", buf, add, x, y);
                        bad++;
                }
                free(x);
                free(y);
        }
        OK(bad == 0, "2000 random segments: add then remove returns the original bytes (%d counterexamples)", bad);

        struct seg v, q;
        const char *g = "A=1\nGRUB_CMDLINE_LINUX_DEFAULT=\"one\"\n#GRUB_CMDLINE_LINUX_DEFAULT=\"x\"\n  export GRUB_CMDLINE_LINUX_DEFAULT='two'\"three\"\nB=2\n";
        OK(sh_find_assign(g, strlen(g), "GRUB_CMDLINE_LINUX_DEFAULT", &v), "the last assignment is found, export and indentation allowed");
        char *u = sh_unquote(g, v);
        STREQ(u, "twothree", "its value unquoted");
        free(u);
        OK(sh_value_quoted_seg(g, v, &q) && q.end - q.start == 5 && !strncmp(g + q.start, "three", 5), "the last quoted part is the segment");
        const char *m = "GRUB_CMDLINE_LINUX=\"a\nGRUB_CMDLINE_LINUX_DEFAULT=inside\"\n";
        OK(!sh_find_assign(m, strlen(m), "GRUB_CMDLINE_LINUX_DEFAULT", &v), "an assignment inside another's quotes is not one");
        OK(param_same_key("intel_iommu=on", "intel_iommu=off") && param_same_key("rcu-nocbs=1", "rcu_nocbs=2") &&
           !param_same_key("iommu=pt", "intel_iommu=on"), "parameter keys compare as the kernel does (- and _ alike)");
}
