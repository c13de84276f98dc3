/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/domain.c — domain XML through libxml2 (see domain.h). */
#include "qemu-hook/domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "shared/pgsmeta.h"
#include "shared/strutil.h"

static xmlNode *child(xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
                        return c;
        return NULL;
}

/* v in unit, as KiB; 0 for an unknown unit, a value past 1 PiB (no host
 * has that memory: a value like that is hostile or a typo) or one that
 * overflows on the way */
#define KIB_MAX (1ULL << 40)
static unsigned long long to_kib(unsigned long long v, const char *unit)
{
        static const struct { const char *u; unsigned long long mul, div; } units[] = {
                { "KiB", 1, 1 }, { "k", 1, 1 }, { "K", 1, 1 }, { "b", 1, 1024 }, { "bytes", 1, 1024 },
                { "M", 1024, 1 }, { "MiB", 1024, 1 }, { "G", 1024 * 1024, 1 }, { "GiB", 1024 * 1024, 1 },
                { "T", 1024ULL * 1024 * 1024, 1 }, { "TiB", 1024ULL * 1024 * 1024, 1 },
                { "KB", 1000, 1024 }, { "MB", 1000ULL * 1000, 1024 }, { "GB", 1000ULL * 1000 * 1000, 1024 },
        };
        if (!unit)
                unit = "KiB";
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                if (strcmp(unit, units[i].u))
                        continue;
                unsigned long long k;
                if (__builtin_mul_overflow(v, units[i].mul, &k))
                        return 0;
                k /= units[i].div;
                return k <= KIB_MAX ? k : 0;
        }
        return 0;
}

/* a decimal number as libvirt writes one: digits only (strtoull would take
 * "-1" and wrap it to 2^64-1) */
static int parse_dec(const char *t, unsigned long long *ret)
{
        if (!t || !*t)
                return -EINVAL;
        for (const char *p = t; *p; p++)
                if (*p < '0' || *p > '9')
                        return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(t, NULL, 10);
        if (errno)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int number(xmlNode *n, const char *unit_attr, unsigned long long *ret)
{
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
        if (!t)
                return -EINVAL;
        unsigned long long v;
        int rc = parse_dec((const char *)t, &v);
        xmlFree(t);
        if (rc < 0)
                return rc;
        xmlChar *u = xmlGetProp(n, (const xmlChar *)unit_attr);
        *ret = to_kib(v, (const char *)u);
        if (u)
                xmlFree(u);
        return *ret ? 0 : -EINVAL;
}

static void silent(void *ctx, const char *msg, ...)
{
}

/* an attribute copied into buf: 0, -ENOENT when absent, -E2BIG when longer */
static int prop(xmlNode *n, const char *name, char *buf, size_t size)
{
        xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
        if (!v)
                return -ENOENT;
        int rc = strlen((const char *)v) < size ? 0 : -E2BIG;
        if (rc == 0)
                snprintf(buf, size, "%s", (const char *)v);
        xmlFree(v);
        return rc;
}

static bool named(const xmlNode *n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* the message into msg, and -EINVAL (in a function with msg and msgsize) */
#define FAIL(...) fail_msg(msg, msgsize, __VA_ARGS__)

/* libvirt's XML never has a DOCTYPE: one can only carry entities */
struct _xmlDoc *xml_read_safe(const char *xml, size_t len, const char *what, char *msg, size_t msgsize)
{
        if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8)) {
                FAIL("%s with a DOCTYPE or entity declarations; refusing it, nothing changed", what);
                return NULL;
        }
        xmlSetGenericErrorFunc(NULL, silent);
        xmlDoc *doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc) {
                const xmlError *e = xmlGetLastError();
                FAIL("%s does not parse (%s); nothing changed", what, e && e->message ? e->message : "?");
                char *nl = strchr(msg, '\n');
                if (nl)
                        *nl = ' ';
                return NULL;
        }
        /* the same rule on the parsed document, whatever its encoding (a
         * UTF-7 or UTF-16 document hides "<!DOCTYPE" from the byte search) */
        const char *enc = (const char *)doc->encoding;
        if (doc->intSubset || doc->extSubset)
                FAIL("%s with a DOCTYPE or entity declarations; refusing it, nothing changed", what);
        else if (enc && strcasecmp(enc, "UTF-8") && strcasecmp(enc, "ASCII") && strcasecmp(enc, "US-ASCII"))
                FAIL("%s in encoding '%.32s': libvirt writes UTF-8; refusing it, nothing changed", what, enc);
        else
                return doc;
        xmlFreeDoc(doc);
        return NULL;
}

/* <metadata><pgs:vm>: what pgs is asked to do for this domain */
static int parse_metadata(xmlNode *dom, struct domain *ret, char *msg, size_t msgsize)
{
        xmlNode *md = child(dom, "metadata");
        for (xmlNode *c = md ? md->children : NULL; c; c = c->next) {
                if (!named(c, PGS_META_ROOT) || !c->ns || !c->ns->href || strcmp((const char *)c->ns->href, PGS_META_NS))
                        continue;
                ret->managed = true;
                for (xmlNode *f = c->children; f; f = f->next) {
                        ret->want_hugepages |= named(f, PGS_META_HUGEPAGES);
                        ret->want_governor |= named(f, PGS_META_GOVERNOR);
                        ret->want_isolate |= named(f, PGS_META_ISOLATE);
                        if (named(f, PGS_META_HANDOVER)) {
                                ret->want_handover = true;
                                if (prop(f, "allow", ret->handover_allow, sizeof(ret->handover_allow)) == -E2BIG)
                                        return FAIL("domain XML: <pgs:handover allow> is too long; nothing changed");
                        }
                        if (named(f, PGS_META_MDEV) && prop(f, "type", ret->mdev_type, sizeof(ret->mdev_type)) == -E2BIG)
                                return FAIL("domain XML: <pgs:mdev type> is too long; nothing changed");
                }
        }
        return 0;
}

static int parse_memory(xmlNode *dom, struct domain *ret, char *msg, size_t msgsize)
{
        if (number(child(dom, "memory"), "unit", &ret->mem_kib) < 0 && ret->managed)
                return FAIL("domain XML: no valid <memory>; nothing changed");
        xmlNode *hp = child(child(dom, "memoryBacking"), "hugepages");
        ret->hugepages = hp != NULL;
        xmlNode *pg = child(hp, "page");
        if (pg) {
                char sz[32] = "", un[16] = "";
                unsigned long long v = 0;
                int bad = prop(pg, "size", sz, sizeof(sz)) < 0 || parse_dec(sz, &v) < 0 || prop(pg, "unit", un, sizeof(un)) == -E2BIG;
                ret->page_kib = bad ? 0 : (unsigned long)to_kib(v, un[0] ? un : NULL);
                if (!ret->page_kib)
                        return FAIL("domain XML: <memoryBacking><hugepages><page> has no valid size; nothing changed");
        }
        xmlNode *nm = child(child(dom, "numatune"), "memory");
        char ns[4096];
        int r = prop(nm, "nodeset", ns, sizeof(ns));
        if (r == -E2BIG || (r == 0 && cpulist_parse(ns, &ret->numa_nodes) < 0))
                return FAIL("domain XML: <numatune><memory nodeset> is not a node list; nothing changed");
        return 0;
}

static int parse_vcpupins(xmlNode *dom, struct domain *ret, char *msg, size_t msgsize)
{
        xmlNode *ct = child(dom, "cputune");
        for (xmlNode *c = ct ? ct->children : NULL; c; c = c->next) {
                if (!named(c, "vcpupin"))
                        continue;
                /* each pin on its own: a "^N" in one excludes N from that pin
                 * only, never from the CPUs another pin uses */
                char cs[4096];
                struct cpuset one = { { 0 } };
                if (prop(c, "cpuset", cs, sizeof(cs)) < 0 || cpulist_parse(cs, &one) < 0)
                        return FAIL("domain XML: a <vcpupin> cpuset is not a CPU list; nothing changed");
                for (size_t k = 0; k < CPU_MAX / 64; k++)
                        ret->vcpus.bits[k] |= one.bits[k];
        }
        return 0;
}

/* a <hostdev type='pci'>'s <source><address>, as DDDD:BB:SS.F */
static int pci_address(xmlNode *a, char *buf, size_t size)
{
        static const char *const names[] = { "domain", "bus", "slot", "function" };
        static const unsigned long max[] = { 0xffff, 0xff, 0x1f, 7 };
        unsigned long v[4];
        for (int k = 0; k < 4; k++) {
                char x[32], *e = NULL;
                if (prop(a, names[k], x, sizeof(x)) < 0)
                        return -EINVAL;
                v[k] = strtoul(x, &e, 0);
                if (!x[0] || !e || *e || v[k] > max[k])
                        return -EINVAL;
        }
        snprintf(buf, size, "%04lx:%02lx:%02lx.%lx", v[0], v[1], v[2], v[3]);
        return 0;
}

static int parse_hostdevs(xmlNode *dom, struct domain *ret, char *msg, size_t msgsize)
{
        xmlNode *devs = child(dom, "devices");
        for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
                char ty[16] = "", mg[8] = "", u[40];
                if (!named(c, "hostdev") || prop(c, "type", ty, sizeof(ty)) < 0)
                        continue;
                xmlNode *a = child(child(c, "source"), "address");
                if (!a)
                        continue;
                if (!strcmp(ty, "pci")) {
                        if (ret->n_pci == DOMAIN_MAX_HOSTDEVS)
                                return FAIL("domain XML: more than %d PCI <hostdev>s; pgs refuses rather than check only some; nothing changed",
                                            DOMAIN_MAX_HOSTDEVS);
                        if (pci_address(a, ret->pci[ret->n_pci].addr, sizeof(ret->pci[ret->n_pci].addr)) < 0)
                                return FAIL("domain XML: a <hostdev type='pci'> address is not a PCI address; nothing changed");
                        prop(c, "managed", mg, sizeof(mg));
                        ret->pci[ret->n_pci++].managed = !strcmp(mg, "yes");
                } else if (!strcmp(ty, "mdev") && prop(a, "uuid", u, sizeof(u)) != -ENOENT) {
                        if (ret->n_mdevs == DOMAIN_MAX_HOSTDEVS)
                                return FAIL("domain XML: more than %d mdev <hostdev>s; nothing changed", DOMAIN_MAX_HOSTDEVS);
                        snprintf(ret->mdevs[ret->n_mdevs++], 37, "%.36s", u);
                }
        }
        return 0;
}

int domain_parse(const char *xml, size_t len, struct domain *ret, char *msg, size_t msgsize)
{
        *ret = (struct domain){ 0 };
        xmlDoc *doc = xml_read_safe(xml, len, "domain XML", msg, msgsize);
        if (!doc)
                return -EINVAL;
        int rc = -EINVAL;
        xmlNode *dom = xmlDocGetRootElement(doc);
        if (!dom || strcmp((const char *)dom->name, "domain")) {
                rc = FAIL("not a <domain> document; nothing changed");
                goto out;
        }
        xmlChar *t;
        if ((t = xmlNodeGetContent(child(dom, "name")))) {
                snprintf(ret->name, sizeof(ret->name), "%s", (const char *)t);
                xmlFree(t);
        }
        if ((t = xmlNodeGetContent(child(dom, "uuid")))) {
                snprintf(ret->uuid, sizeof(ret->uuid), "%.36s", (const char *)t);
                xmlFree(t);
        }
        rc = parse_metadata(dom, ret, msg, msgsize);
        if (rc == 0)
                rc = parse_memory(dom, ret, msg, msgsize);
        if (rc == 0)
                rc = parse_vcpupins(dom, ret, msg, msgsize);
        if (rc == 0)
                rc = parse_hostdevs(dom, ret, msg, msgsize);
out:
        xmlFreeDoc(doc);
        return rc;
}
