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

#define PGS_NS "urn:pgs:domain:1"

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

int domain_parse(const char *xml, size_t len, struct domain *ret, char *msg, size_t msgsize)
{
        *ret = (struct domain){ 0 };
        /* libvirt's XML never has a DOCTYPE: one here can only carry entities */
        if (memmem(xml, len, "<!DOCTYPE", 9) || memmem(xml, len, "<!ENTITY", 8)) {
                snprintf(msg, msgsize, "domain XML with a DOCTYPE or entity declarations; refusing it, nothing changed");
                return -EINVAL;
        }
        xmlSetGenericErrorFunc(NULL, silent);
        xmlDoc *doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc) {
        	const xmlError *e = xmlGetLastError();
                snprintf(msg, msgsize, "domain XML does not parse (%s); nothing changed", e && e->message ? e->message : "?");
                char *nl = strchr(msg, '\n');
                if (nl)
                        *nl = ' ';
                return -EINVAL;
        }
        int rc = -EINVAL;
        /* the same rule on the parsed document, whatever its encoding (a
         * UTF-7 or UTF-16 document hides "<!DOCTYPE" from the byte search) */
        if (doc->intSubset || doc->extSubset) {
                snprintf(msg, msgsize, "domain XML with a DOCTYPE or entity declarations; refusing it, nothing changed");
                goto out;
        }
        if (doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8") && strcasecmp((const char *)doc->encoding, "ASCII") &&
            strcasecmp((const char *)doc->encoding, "US-ASCII")) {
                snprintf(msg, msgsize, "domain XML in encoding '%.32s': libvirt writes UTF-8; refusing it, nothing changed",
                         (const char *)doc->encoding);
                goto out;
        }
        xmlNode *dom = xmlDocGetRootElement(doc);
        if (!dom || strcmp((const char *)dom->name, "domain")) {
                snprintf(msg, msgsize, "not a <domain> document; nothing changed");
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
        xmlNode *md = child(dom, "metadata");
        for (xmlNode *c = md ? md->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href && !strcmp((const char *)c->ns->href, PGS_NS) &&
                    !strcmp((const char *)c->name, "vm")) {
                        ret->managed = true;
                        for (xmlNode *f = c->children; f; f = f->next) {
                                if (f->type != XML_ELEMENT_NODE)
                                        continue;
                                if (!strcmp((const char *)f->name, "hugepages"))
                                        ret->want_hugepages = true;
                                else if (!strcmp((const char *)f->name, "governor"))
                                        ret->want_governor = true;
                                else if (!strcmp((const char *)f->name, "isolate"))
                                        ret->want_isolate = true;
                                else if (!strcmp((const char *)f->name, "handover")) {
                                        ret->want_handover = true;
                                        xmlChar *al = xmlGetProp(f, (const xmlChar *)"allow");
                                        if (al && strlen((const char *)al) >= sizeof(ret->handover_allow)) {
                                                xmlFree(al);
                                                snprintf(msg, msgsize, "domain XML: <pgs:handover allow> is too long; nothing changed");
                                                goto out;
                                        }
                                        if (al) {
                                                snprintf(ret->handover_allow, sizeof(ret->handover_allow), "%s", (const char *)al);
                                                xmlFree(al);
                                        }
                                }
                                else if (!strcmp((const char *)f->name, "mdev")) {
                                        xmlChar *ty = xmlGetProp(f, (const xmlChar *)"type");
                                        if (ty) {
                                                snprintf(ret->mdev_type, sizeof(ret->mdev_type), "%s", (const char *)ty);
                                                xmlFree(ty);
                                        }
                                }
                        }
                }
        if (number(child(dom, "memory"), "unit", &ret->mem_kib) < 0 && ret->managed) {
                snprintf(msg, msgsize, "domain XML: no valid <memory>; nothing changed");
                goto out;
        }
        xmlNode *hp = child(child(dom, "memoryBacking"), "hugepages");
        if (hp) {
                ret->hugepages = true;
                xmlNode *pg = child(hp, "page");
                if (pg) {
                        xmlChar *sz = xmlGetProp(pg, (const xmlChar *)"size"), *un = xmlGetProp(pg, (const xmlChar *)"unit");
                        unsigned long long v = 0;
                        ret->page_kib = (unsigned long)(parse_dec((const char *)sz, &v) == 0 ? to_kib(v, (const char *)un) : 0);
                        if (sz)
                                xmlFree(sz);
                        if (un)
                                xmlFree(un);
                        if (!ret->page_kib) {
                                snprintf(msg, msgsize, "domain XML: <memoryBacking><hugepages><page> has no valid size; nothing changed");
                                goto out;
                        }
                }
        }
        for (xmlNode *c = child(dom, "cputune") ? child(dom, "cputune")->children : NULL; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "vcpupin"))
                        continue;
                xmlChar *cs = xmlGetProp(c, (const xmlChar *)"cpuset");
                /* each pin on its own: a "^N" in one excludes N from that pin
                 * only, never from the CPUs another pin uses */
                struct cpuset one = { { 0 } };
                int bad = !cs || cpulist_parse((const char *)cs, &one) < 0;
                for (size_t k = 0; !bad && k < CPU_MAX / 64; k++)
                        ret->vcpus.bits[k] |= one.bits[k];
                if (cs)
                        xmlFree(cs);
                if (bad) {
                        snprintf(msg, msgsize, "domain XML: a <vcpupin> cpuset is not a CPU list; nothing changed");
                        goto out;
                }
        }
        xmlNode *nm = child(child(dom, "numatune"), "memory");
        if (nm) {
                xmlChar *ns = xmlGetProp(nm, (const xmlChar *)"nodeset");
                int bad = ns && cpulist_parse((const char *)ns, &ret->numa_nodes) < 0;
                if (ns)
                        xmlFree(ns);
                if (bad) {
                        snprintf(msg, msgsize, "domain XML: <numatune><memory nodeset> is not a node list; nothing changed");
                        goto out;
                }
        }
        xmlNode *devs = child(dom, "devices");
        for (xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "hostdev"))
                        continue;
                xmlChar *ty = xmlGetProp(c, (const xmlChar *)"type");
                bool mdev = ty && !strcmp((const char *)ty, "mdev");
                if (ty)
                        xmlFree(ty);
                xmlNode *a = child(child(c, "source"), "address");
                xmlChar *pt = xmlGetProp(c, (const xmlChar *)"type");
                bool pci = pt && !strcmp((const char *)pt, "pci");
                if (pt)
                        xmlFree(pt);
                if (pci && a && ret->n_pci == DOMAIN_MAX_HOSTDEVS) {
                        snprintf(msg, msgsize, "domain XML: more than %d PCI <hostdev>s; pgs refuses rather than check only some; nothing changed",
                                 DOMAIN_MAX_HOSTDEVS);
                        goto out;
                }
                if (pci && a) {
                        const char *names[] = { "domain", "bus", "slot", "function" };
                        unsigned long v[4] = { 0 };
                        bool ok = true;
                        for (int k = 0; k < 4; k++) {
                                xmlChar *x = xmlGetProp(a, (const xmlChar *)names[k]);
                                char *e = NULL;
                                v[k] = x ? strtoul((const char *)x, &e, 0) : 0;
                                if (!x || !e || *e)
                                        ok = false;
                                if (x)
                                        xmlFree(x);
                        }
                        if (!ok || v[0] > 0xffff || v[1] > 0xff || v[2] > 0x1f || v[3] > 7) {
                                snprintf(msg, msgsize, "domain XML: a <hostdev type='pci'> address is not a PCI address; nothing changed");
                                goto out;
                        }
                        xmlChar *mg = xmlGetProp(c, (const xmlChar *)"managed");
                        snprintf(ret->pci[ret->n_pci].addr, 16, "%04lx:%02lx:%02lx.%lx", v[0], v[1], v[2], v[3]);
                        ret->pci[ret->n_pci++].managed = mg && !strcmp((const char *)mg, "yes");
                        if (mg)
                                xmlFree(mg);
                }
                xmlChar *u = mdev && a ? xmlGetProp(a, (const xmlChar *)"uuid") : NULL;
                if (u && ret->n_mdevs == DOMAIN_MAX_HOSTDEVS) {
                        xmlFree(u);
                        snprintf(msg, msgsize, "domain XML: more than %d mdev <hostdev>s; nothing changed", DOMAIN_MAX_HOSTDEVS);
                        goto out;
                }
                if (u)
                        snprintf(ret->mdevs[ret->n_mdevs++], 37, "%.36s", (const char *)u);
                if (u)
                        xmlFree(u);
        }
        rc = 0;
out:
        xmlFreeDoc(doc);
        return rc;
}
