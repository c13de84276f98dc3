/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/unit/test_logic.c — pure logic that was reached only end to end:
 * CPU lists and masks, the per-VM exclusion arithmetic of the hook's
 * journal, the unified diff of dry runs, the domain XML parse. */
#include <errno.h>
#include <stdlib.h>

#include "qemu-hook/domain.h"
#include "shared/cpulist.h"
#include "shared/diff.h"
#include "shared/journal.h"
#include "shared/strutil.h"
#include "tests/unit/tap.h"

static const char *list_of(const char *in)
{
        static char out[1024];
        struct cpuset s = { 0 };
        if (cpulist_parse(in, &s) < 0)
                return "(refused)";
        cpulist_format(&s, out, sizeof(out));
        return out;
}

static void cpu_lists(void)
{
        STREQ(list_of("0-3,8,9,10"), "0-3,8-10", "a list is formatted with ranges");
        STREQ(list_of("5,1,3,2"), "1-3,5", "out of order, sorted");
        STREQ(list_of(""), "", "the empty list");
        STREQ(list_of("0-1023"), "0-1023", "the largest range");
        STREQ(list_of("3-1"), "(refused)", "a reversed range is refused");
        STREQ(list_of("1,,2"), "(refused)", "an empty item is refused");
        STREQ(list_of("x"), "(refused)", "a word is refused");
        STREQ(list_of("1024"), "(refused)", "a CPU past CPU_MAX is refused");

        struct cpuset m = { 0 };
        char buf[600];
        OK(cpumask_parse("00000000,0000000f", &m) == 0 && cpuset_has(&m, 3) && !cpuset_has(&m, 4), "a mask with a comma group parses");
        cpulist_parse("0-3,32", &m);
        cpumask_format(&m, 40, buf, sizeof(buf));
        STREQ(buf, "1,0000000f", "a mask is formatted in 32-bit groups, as wide as the CPUs (the first unpadded, as the kernel reads it)");
        struct cpuset a = { 0 }, b = { 0 };
        cpulist_parse("0-7", &a);
        cpulist_parse("2-3,6", &b);
        cpuset_andnot(&a, &b);
        cpulist_format(&a, buf, sizeof(buf));
        STREQ(buf, "0-1,4-5,7", "and-not takes the vCPUs out");
}

/* Two VMs keep their CPUs out of one IRQ's affinity: the value is the
 * original minus every holder's CPUs; releasing one widens it by its own. */
static void exclusion(void)
{
        const char *rec = "orig 0-7\npath proc/irq/9/smp_affinity_list\nformat list 8\nbase 0-7\n"
                          "holder aaaaaaaa-0000-0000-0000-000000000001 excl=2-3\n"
                          "holder aaaaaaaa-0000-0000-0000-000000000002 excl=6-7\n";
        char v[256];
        bool any = false;
        OK(journal_excl_value(rec, NULL, v, sizeof(v), &any) == 0 && !strcmp(v, "0-1,4-5") && any, "both VMs: original minus both (%s)", v);
        OK(journal_excl_value(rec, "aaaaaaaa-0000-0000-0000-000000000001", v, sizeof(v), &any) == 0 && !strcmp(v, "0-5") && any,
           "the first releases: only its CPUs come back, the other's stay out (%s)", v);
        const char *one = "orig 0-7\nformat list 8\nbase 0-7\nholder aaaaaaaa-0000-0000-0000-000000000001 excl=2-3\n";
        OK(journal_excl_value(one, "aaaaaaaa-0000-0000-0000-000000000001", v, sizeof(v), &any) == 0 && !strcmp(v, "0-7") && !any,
           "the last releases: the original exactly (%s)", v);
        const char *all = "orig 0-3\nformat list 4\nbase 0-3\nholder aaaaaaaa-0000-0000-0000-000000000001 excl=0-3\n";
        OK(journal_excl_value(all, NULL, v, sizeof(v), NULL) == -ENOSPC, "nothing left for the host: refused");
        const char *empty = "orig \nformat list 8\nbase 0-7\nholder aaaaaaaa-0000-0000-0000-000000000001 excl=0-1\n";
        OK(journal_excl_value(empty, NULL, v, sizeof(v), NULL) == 0 && !strcmp(v, "2-7"), "an empty cpuset means the base (%s)", v);
        const char *mask = "orig ff\nformat mask 8\nbase 0-7\nholder aaaaaaaa-0000-0000-0000-000000000001 excl=4-7\n";
        OK(journal_excl_value(mask, NULL, v, sizeof(v), NULL) == 0 && !strcmp(v, "f"), "a mask record stays a mask (%s)", v);
}

static const char *diff_of(const char *a, const char *b)
{
        static char out[2048];
        memset(out, 0, sizeof(out));
        FILE *f = fmemopen(out, sizeof(out) - 1, "w");
        diff_unified(f, "/etc/default/grub", a, a ? strlen(a) : 0, b, b ? strlen(b) : 0);
        fclose(f);
        return out;
}

static void unified_diff(void)
{
        STREQ(diff_of("a\nb\n", "a\nb\n"), "", "equal texts: nothing");
        const char *d = diff_of("one\ntwo\nthree\n", "one\n2\nthree\n");
        OK(strstr(d, "--- a/etc/default/grub\n+++ b/etc/default/grub\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n") == d,
           "a changed line: headers, - and +, context");
        d = diff_of(NULL, "new\n");
        OK(strstr(d, "--- /dev/null\n+++ b/etc/default/grub\n") == d && strstr(d, "+new\n") && !strstr(d, "-new"), "a new file: from /dev/null, only + lines");
}

static const char *managed_xml =
        "<domain type='kvm'><name>win11</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>"
        "<memory unit='GiB'>16</memory><memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking>"
        "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='8'/><vcpupin vcpu='2' cpuset='3-4,^4'/></cputune>"
        "<metadata><pgs:vm xmlns:pgs='urn:pgs:domain:1'><pgs:hugepages/><pgs:isolate/><pgs:handover allow='0000:02:00.0@144d:a808'/></pgs:vm></metadata>"
        "<devices><hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source></hostdev>"
        "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='11111111-2222-3333-4444-555555555555'/></source></hostdev>"
        "</devices></domain>";

static void domain_xml(void)
{
        struct domain d;
        char err[256];
        int rc = domain_parse(managed_xml, strlen(managed_xml), &d, err, sizeof(err));
        OK(rc == 0, "a managed domain parses (%s)", rc ? err : "ok");
        if (rc)
                return;
        char l[64];
        cpulist_format(&d.vcpus, l, sizeof(l));
        OK(d.managed && d.want_hugepages && d.want_isolate && !d.want_governor, "the metadata switches features on");
        OK(d.mem_kib == 16ull << 20 && d.hugepages && d.page_kib == 1u << 20, "memory and its 1 GiB page size");
        STREQ(l, "2-3,8", "vCPUs: the union of the pins, a ^ kept to its own pin (%s)", l);
        OK(d.n_pci == 1 && !strcmp(d.pci[0].addr, "0000:01:00.1") && !d.pci[0].managed, "the PCI hostdev, managed='no'");
        OK(d.n_mdevs == 1 && !strcmp(d.mdevs[0], "11111111-2222-3333-4444-555555555555"), "the mdev UUID");
        OK(str_has_word(d.handover_allow, "0000:02:00.0@144d:a808", " ,"), "the handover allow list");

        const char *plain = "<domain type='kvm'><name>x</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><memory>1024</memory></domain>";
        OK(domain_parse(plain, strlen(plain), &d, err, sizeof(err)) == 0 && !d.managed, "a domain without pgs metadata is not managed");
        const char *dtd = "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain><name>&x;</name></domain>";
        OK(domain_parse(dtd, strlen(dtd), &d, err, sizeof(err)) < 0, "a DTD is refused (%s)", err);
        const char *neg = "<domain><name>x</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><memory>-1</memory>"
                          "<metadata><pgs:vm xmlns:pgs='urn:pgs:domain:1'/></metadata></domain>";
        OK(domain_parse(neg, strlen(neg), &d, err, sizeof(err)) < 0, "<memory>-1 is refused (%s)", err);
        const char *empty_bus = "<domain><name>x</name><memory>1024</memory><devices><hostdev mode='subsystem' type='pci'>"
                                "<source><address domain='0' bus='' slot='0' function='0'/></source></hostdev></devices></domain>";
        OK(domain_parse(empty_bus, strlen(empty_bus), &d, err, sizeof(err)) < 0 && strstr(err, "not a PCI address"),
           "an empty bus='' is not read as bus 0 (%s)", err);
        char long_type[600];
        snprintf(long_type, sizeof(long_type), "<domain><name>x</name><memory>1024</memory><metadata><pgs:vm xmlns:pgs='urn:pgs:domain:1'>"
                 "<pgs:mdev type='%0300d'/></pgs:vm></metadata></domain>", 0);
        OK(domain_parse(long_type, strlen(long_type), &d, err, sizeof(err)) < 0 && strstr(err, "too long"),
           "an mdev type longer than any is refused, not cut (%s)", err);
        const char *two = "<domain><name>x</name><memory>1024</memory><devices>"
                          "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source></hostdev>"
                          "<hostdev mode='subsystem' type='mdev'><source><address uuid='8c1cb8a6-1b0c-4bd5-b6f6-9fbf5ee1a9f3'/></source></hostdev>"
                          "</devices></domain>";
        OK(domain_parse(two, strlen(two), &d, err, sizeof(err)) == 0 && d.n_pci == 1 && !strcmp(d.pci[0].addr, "0000:01:00.1") &&
           d.pci[0].managed && d.n_mdevs == 1 && !strcmp(d.mdevs[0], "8c1cb8a6-1b0c-4bd5-b6f6-9fbf5ee1a9f3"),
           "a PCI hostdev and an mdev hostdev are both read");
}

void test_logic(void)
{
        cpu_lists();
        exclusion();
        unified_diff();
        domain_xml();
}
