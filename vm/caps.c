/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/caps.c — libvirt's domain capabilities (virConnectGetDomainCapabilities,
 * `virsh domcapabilities`), read for what the Windows domain may use:
 *
 *   <domain>kvm</domain>                  else QEMU emulates (TCG)
 *   <os><enum name='firmware'><value>efi  firmware autoselection offers EFI
 *   <os><loader><enum name='secure'><value>yes    a secure-boot OVMF
 *   <devices><tpm supported='yes'>        tpm-crb, the emulator backend, 2.0
 *   <cpu><mode name='host-passthrough' supported='yes'>
 *   <features><hyperv><enum name='features'>      the enlightenments on offer
 *
 * Read through the hook's own safe reader (qemu-hook/domain.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "qemu-hook/domain.h"
#include "vm/vm.h"

const char *const hv_names[HV_N] = {
        "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset",
        "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic",
};

const char caps_default_xml[] =
        "<domainCapabilities>\n"
        "  <domain>kvm</domain>\n"
        "  <machine>pc-q35</machine>\n"
        "  <arch>x86_64</arch>\n"
        "  <iothreads supported='yes'/>\n"
        "  <os supported='yes'>\n"
        "    <enum name='firmware'><value>efi</value></enum>\n"
        "    <loader supported='yes'><enum name='secure'><value>yes</value><value>no</value></enum></loader>\n"
        "  </os>\n"
        "  <cpu><mode name='host-passthrough' supported='yes'/><mode name='maximum' supported='yes'/></cpu>\n"
        "  <devices>\n"
        "    <tpm supported='yes'>\n"
        "      <enum name='model'><value>tpm-tis</value><value>tpm-crb</value></enum>\n"
        "      <enum name='backendModel'><value>emulator</value></enum>\n"
        "      <enum name='backendVersion'><value>2.0</value></enum>\n"
        "    </tpm>\n"
        "  </devices>\n"
        "  <features>\n"
        "    <hyperv supported='yes'><enum name='features'>"
        "<value>relaxed</value><value>vapic</value><value>spinlocks</value><value>vpindex</value>"
        "<value>runtime</value><value>synic</value><value>stimer</value><value>reset</value>"
        "<value>vendor_id</value><value>frequencies</value><value>reenlightenment</value>"
        "<value>tlbflush</value><value>ipi</value><value>evmcs</value><value>avic</value>"
        "</enum></hyperv>\n"
        "  </features>\n"
        "</domainCapabilities>\n";

static xmlNode *child(xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
                        return c;
        return NULL;
}

static bool attr_is(xmlNode *n, const char *name, const char *value)
{
        xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
        bool eq = v && !strcmp((const char *)v, value);
        xmlFree(v);
        return eq;
}

/* <enum name='NAME'> of n */
static xmlNode *enum_of(xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "enum") && attr_is(c, "name", name))
                        return c;
        return NULL;
}

static bool text_is(xmlNode *n, const char *value)
{
        xmlChar *t = xmlNodeGetContent(n);
        bool eq = t && !strcmp((const char *)t, value);
        xmlFree(t);
        return eq;
}

/* does the enum hold value? */
static bool enum_has(xmlNode *e, const char *value)
{
        for (xmlNode *c = e ? e->children : NULL; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "value") && text_is(c, value))
                        return true;
        return false;
}

static bool supported(xmlNode *n)
{
        return n && attr_is(n, "supported", "yes");
}

int caps_parse(const char *xml, size_t len, struct caps *ret, char *msg, size_t msgsize)
{
        xmlDoc *doc = xml_read_safe(xml, len, "domain capabilities", msg, msgsize);
        if (!doc)
                return -EINVAL;
        xmlNode *top = xmlDocGetRootElement(doc);
        if (!top || strcmp((const char *)top->name, "domainCapabilities")) {
                snprintf(msg, msgsize, "domain capabilities: the document is not <domainCapabilities>");
                xmlFreeDoc(doc);
                return -EINVAL;
        }
        struct caps c = { 0 };
        c.kvm = text_is(child(top, "domain"), "kvm");
        xmlChar *m = child(top, "machine") ? xmlNodeGetContent(child(top, "machine")) : NULL;
        snprintf(c.machine, sizeof(c.machine), "%.63s", m ? (const char *)m : "");
        xmlFree(m);
        xmlNode *os = child(top, "os");
        c.efi = supported(os) && enum_has(enum_of(os, "firmware"), "efi");
        c.secure_boot = c.efi && enum_has(enum_of(child(os, "loader"), "secure"), "yes");
        xmlNode *tpm = child(child(top, "devices"), "tpm");
        c.tpm = supported(tpm) && enum_has(enum_of(tpm, "model"), "tpm-crb")
                && enum_has(enum_of(tpm, "backendModel"), "emulator")
                && (!enum_of(tpm, "backendVersion") || enum_has(enum_of(tpm, "backendVersion"), "2.0"));
        xmlNode *cpu = child(top, "cpu");
        for (xmlNode *mo = cpu ? cpu->children : NULL; mo; mo = mo->next)
                if (mo->type == XML_ELEMENT_NODE && attr_is(mo, "name", "host-passthrough"))
                        c.host_passthrough = supported(mo);
        c.iothreads = supported(child(top, "iothreads"));
        xmlNode *hv = child(child(top, "features"), "hyperv");
        xmlNode *hvl = supported(hv) ? enum_of(hv, "features") : NULL;
        c.hv_listed = hvl != NULL;
        for (int i = 0; i < HV_N; i++)
                if (enum_has(hvl, hv_names[i]))
                        c.hv |= 1u << i;
        xmlFreeDoc(doc);
        *ret = c;
        return 0;
}
