/* qemu-hook/domain.c — domain XML through libxml2 (see domain.h). */
#include "qemu-hook/domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static unsigned long long to_kib(unsigned long long v, const char *unit)
{
        if (!unit || !strcmp(unit, "KiB") || !strcmp(unit, "k") || !strcmp(unit, "K"))
                return v;
        if (!strcmp(unit, "b") || !strcmp(unit, "bytes"))
                return v / 1024;
        if (!strcmp(unit, "M") || !strcmp(unit, "MiB"))
                return v * 1024;
        if (!strcmp(unit, "G") || !strcmp(unit, "GiB"))
                return v * 1024 * 1024;
        if (!strcmp(unit, "T") || !strcmp(unit, "TiB"))
                return v * 1024 * 1024 * 1024;
        if (!strcmp(unit, "KB"))
                return v * 1000 / 1024;
        if (!strcmp(unit, "MB"))
                return v * 1000 * 1000 / 1024;
        if (!strcmp(unit, "GB"))
                return v * 1000 * 1000 * 1000 / 1024;
        return 0;
}

static int number(xmlNode *n, const char *unit_attr, unsigned long long *ret)
{
        xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
        if (!t)
                return -EINVAL;
        char *e;
        errno = 0;
        unsigned long long v = strtoull((const char *)t, &e, 10);
        bool ok = e != (char *)t && !*e && !errno;
        xmlFree(t);
        if (!ok)
                return -EINVAL;
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
                                else if (!strcmp((const char *)f->name, "handover"))
                                        ret->want_handover = true;
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
                        char *e = NULL;
                        unsigned long long v = sz ? strtoull((const char *)sz, &e, 10) : 0;
                        ret->page_kib = (unsigned long)(e && !*e ? to_kib(v, (const char *)un) : 0);
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
                int bad = !cs || cpulist_parse((const char *)cs, &ret->vcpus) < 0;
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
                if (pci && a && ret->n_pci < 8) {
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
                if (u && ret->n_mdevs < 8)
                        snprintf(ret->mdevs[ret->n_mdevs++], 37, "%.36s", (const char *)u);
                if (u)
                        xmlFree(u);
        }
        rc = 0;
out:
        xmlFreeDoc(doc);
        return rc;
}
