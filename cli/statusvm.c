/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/statusvm.c — `pgs status`'s hook side: each domain's journal
 * (run/pgs/<uuid>, shared/journal.h) summed up for people: the hugepages it
 * holds, the CPUs kept for it (the exclusion records of run/pgs/shared), the
 * governors and EPP it set, its mdevs and the devices handed over to it. The
 * journals are root's (0600): another user is told what it cannot read. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/status.h"
#include "shared/journal.h"
#include "shared/pci.h"
#include "shared/strutil.h"

#define VM_MAX_ITEMS 16

struct vm_sum {
        char uuid[37], name[128];
        unsigned long page_kib[4], pages[4];
        unsigned n_sizes;
        char cpus[256];                 /* the CPUs kept for it, "" when none */
        unsigned governors, epp, other;
        char mdevs[VM_MAX_ITEMS][40];
        unsigned n_mdevs;
        char handed[VM_MAX_ITEMS][PCI_ADDR_STR], before[VM_MAX_ITEMS][64];
        unsigned n_handed;
};

static void add_pages(struct vm_sum *v, const char *path, unsigned long n)
{
        const char *p = strstr(path, "hugepages-");
        unsigned long kib = p ? strtoul(p + 10, NULL, 10) : 0;
        for (unsigned i = 0; i < v->n_sizes; i++)
                if (v->page_kib[i] == kib) {
                        v->pages[i] += n;
                        return;
                }
        if (v->n_sizes < 4) {
                v->page_kib[v->n_sizes] = kib;
                v->pages[v->n_sizes++] = n;
        }
}

/* one journal line ("WORD ARGS"); unknown words are left alone */
static void sum_line(struct vm_sum *v, const char *l)
{
        char a[512], b[64], c[64];
        unsigned long n;
        if (sscanf(l, "name %127s", v->name) == 1)
                return;
        if (sscanf(l, "pages %511s %lu", a, &n) == 2)
                add_pages(v, a, n);
        else if (sscanf(l, "mdev %39s", a) == 1 && v->n_mdevs < VM_MAX_ITEMS)
                snprintf(v->mdevs[v->n_mdevs++], sizeof(v->mdevs[0]), "%s", a);
        else if (sscanf(l, "handover %15s %63s %63s", a, b, c) >= 2 && v->n_handed < VM_MAX_ITEMS) {
                snprintf(v->handed[v->n_handed], sizeof(v->handed[0]), "%s", a);
                snprintf(v->before[v->n_handed++], sizeof(v->before[0]), "%s", b);
        } else if (sscanf(l, "hold %511s", a) == 1) {
                if (strstr(a, "scaling_governor"))
                        v->governors++;
                else if (strstr(a, "energy_performance_preference"))
                        v->epp++;
                else
                        v->other++;
        }
}

/* the CPUs an exclusion record keeps for this domain ("holder UUID excl=LIST") */
static void find_cpus(const struct pgs_root *r, struct vm_sum *v)
{
        char pat[64];
        snprintf(pat, sizeof(pat), "holder %s excl=", v->uuid);
        struct dirent **list;
        int n = fs_scandir(r, "run/pgs/shared", &list, NULL, NULL);
        for (int i = 0; i < n; i++) {
                char p[300], *rec = NULL;
                size_t len;
                if (!v->cpus[0] && list[i]->d_name[0] != '.' &&
                    fs_read_file(r, path_fmt(p, sizeof(p), "run/pgs/shared/%s", list[i]->d_name), 1 << 20, &rec, &len) == 0) {
                        const char *h = strstr(rec, pat);
                        if (h)
                                snprintf(v->cpus, sizeof(v->cpus), "%.*s", (int)strcspn(h + strlen(pat), "\n"), h + strlen(pat));
                        free(rec);
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
}

static void print_vm_json(const struct vm_sum *v, struct hpci *names, const struct pgs_root *r)
{
        printf("{\"uuid\":\"%s\",\"name\":", v->uuid);
        json_str(stdout, v->name[0] ? v->name : NULL);
        fputs(",\"hugepages\":", stdout);
        for (unsigned i = 0; i < v->n_sizes; i++)
                printf("%s{\"size_kib\":%lu,\"pages\":%lu}", i ? "," : "[", v->page_kib[i], v->pages[i]);
        fputs(v->n_sizes ? "]" : "null", stdout);
        fputs(",\"isolated_cpus\":", stdout);
        json_str(stdout, v->cpus[0] ? v->cpus : NULL);
        printf(",\"governors\":%u,\"epp\":%u,\"mdevs\":", v->governors, v->epp);
        for (unsigned i = 0; i < v->n_mdevs; i++) {
                fputs(i ? "," : "[", stdout);
                json_str(stdout, v->mdevs[i]);
        }
        fputs(v->n_mdevs ? "]" : "null", stdout);
        fputs(",\"handed_over\":", stdout);
        for (unsigned i = 0; i < v->n_handed; i++) {
                char name[256];
                printf("%s{\"device\":", i ? "," : "[");
                json_str(stdout, v->handed[i]);
                fputs(",\"driver_before\":", stdout);
                json_str(stdout, v->before[i]);
                fputs(",\"name\":", stdout);
                json_str(stdout, status_dev_name(r, names, v->handed[i], name, sizeof(name)));
                putchar('}');
        }
        fputs(v->n_handed ? "]}" : "null}", stdout);
}

static void print_vm_text(const struct vm_sum *v, struct hpci *names, const struct pgs_root *r)
{
        printf("%s (%s)\n", v->name[0] ? v->name : "?", v->uuid);
        for (unsigned i = 0; i < v->n_sizes; i++)
                printf("  hugepages      %lu × %lu KiB\n", v->pages[i], v->page_kib[i]);
        if (v->cpus[0])
                printf("  CPUs kept      %s (host work moved off them)\n", v->cpus);
        if (v->governors || v->epp)
                printf("  governors      %u cpufreq polic%s set, %u EPP value(s)\n", v->governors, v->governors == 1 ? "y" : "ies", v->epp);
        for (unsigned i = 0; i < v->n_mdevs; i++)
                printf("  mdev           %s\n", v->mdevs[i]);
        for (unsigned i = 0; i < v->n_handed; i++) {
                char name[256];
                const char *nm = status_dev_name(r, names, v->handed[i], name, sizeof(name));
                printf("  handed over    %s %s(was on %s)\n", v->handed[i], nm ? nm : "", v->before[i]);
        }
}

int status_vms(const struct pgs_root *r, struct hpci *names, bool json)
{
        struct dirent **list = NULL;
        int n = fs_scandir(r, "run/pgs", &list, NULL, NULL), shown = 0, denied = 0;
        if (n == -ENOENT) {
                list = NULL;
                n = 0;
        }
        if (n < 0) {
                if (json)
                        fputs(",\"vms\":null", stdout);
                return n;
        }
        for (int i = 0; i < n; i++) {
                const char *u = list[i]->d_name;
                char p[64], *text = NULL;
                size_t len;
                int rc = uuid_valid(u) ? fs_read_file(r, path_fmt(p, sizeof(p), "run/pgs/%s", u), JOURNAL_MAX, &text, &len) : -EINVAL;
                if (rc == -EACCES || rc == -EPERM)
                        denied++;
                if (rc == 0 && !strncmp(text, "# pgs-hook 1\n", 13)) {
                        struct vm_sum v = { 0 };
                        snprintf(v.uuid, sizeof(v.uuid), "%s", u);
                        char *save;
                        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                                sum_line(&v, l);
                        find_cpus(r, &v);
                        if (json) {
                                fputs(shown ? "," : ",\"vms\":[", stdout);
                                print_vm_json(&v, names, r);
                        } else {
                                fputs(shown ? "" : "\nVMs the hook prepared (run/pgs):\n", stdout);
                                print_vm_text(&v, names, r);
                        }
                        shown++;
                }
                free(text);
                free(list[i]);
        }
        free(list);
        if (json)
                fputs(shown ? "]" : ",\"vms\":null", stdout);
        return denied ? -EACCES : shown;
}
