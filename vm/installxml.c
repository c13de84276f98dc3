/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/installxml.c — the install domain, made from the defined one (so what
 * the user changed in it stays): Setup runs without the GPU, evdev and
 * Looking Glass (the GPU's driver comes at the first boot of the final
 * domain, where the GPU is), with a display to watch it, e1000e (Windows has
 * no virtio-net driver before the guest tools) and three SATA CD-ROMs (q35
 * has no IDE): Windows, booted after the disk, so the empty disk falls
 * through on the first start and the installed one boots afterwards; the
 * answer ISO; virtio-win. The system disk keeps its guest address. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "qemu-hook/domain.h"
#include "shared/pgsmeta.h"
#include "shared/strutil.h"
#include "vm/install.h"

#define FAIL(...) fail_msg(msg, msgsize, __VA_ARGS__)

static bool is(const xmlNode *n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

static xmlNode *child(xmlNode *p, const char *name)
{
        for (xmlNode *n = p ? p->children : NULL; n; n = n->next)
                if (is(n, name))
                        return n;
        return NULL;
}

static bool attr_is(xmlNode *n, const char *a, const char *v)
{
        xmlChar *x = xmlGetProp(n, (const xmlChar *)a);
        bool r = x && !xmlStrcmp(x, (const xmlChar *)v);
        xmlFree(x);
        return r;
}

static xmlNode *system_disk(xmlNode *devices)
{
        for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next)
                if (is(n, "disk") && attr_is(n, "device", "disk"))
                        return n;
        return NULL;
}

int install_facts(const char *xml, size_t len, struct dom_facts *ret, char *msg, size_t msgsize)
{
        struct domain *d = calloc(1, sizeof(*d));
        int k = d ? domain_parse(xml, len, d, msg, msgsize) : -ENOMEM;
        memset(ret, 0, sizeof(*ret));
        ret->managed = k == 0 && d->managed;
        /* a controller pgs hands over (<pgs:handover allow='ADDR@…'>) holds the disk */
        for (size_t i = 0; k == 0 && i < d->n_pci && !ret->disk_ctrl; i++) {
                char key[24];
                snprintf(key, sizeof(key), "%s@", d->pci[i].addr);
                if (strstr(d->handover_allow, key)) {
                        snprintf(ret->disk, sizeof(ret->disk), "%s", d->pci[i].addr);
                        ret->disk_ctrl = true;
                }
        }
        free(d);
        if (k < 0)
                return k;
        xmlDoc *doc = xml_read_safe(xml, len, "the domain", msg, msgsize);
        if (!doc)
                return -EINVAL;
        xmlNode *root = xmlDocGetRootElement(doc), *devices = child(root, "devices");
        /* <metadata><libosinfo:libosinfo><libosinfo:os id='…/win/10'/> */
        ret->windows = 11;
        for (xmlNode *l = child(child(root, "metadata"), "libosinfo"); l; l = NULL)
                for (xmlNode *os = child(l, "os"); os; os = NULL)
                        if (attr_is(os, "id", "http://microsoft.com/win/10"))
                                ret->windows = 10;
        ret->tpm = child(devices, "tpm") != NULL;
        for (xmlNode *f = child(child(child(root, "os"), "firmware"), "feature"); f; f = f->next)
                if (is(f, "feature") && attr_is(f, "name", "secure-boot") && attr_is(f, "enabled", "yes"))
                        ret->secure_boot = true;
        xmlNode *disk = ret->disk_ctrl ? NULL : system_disk(devices), *src = child(disk, "source");
        xmlChar *path = src ? xmlGetProp(src, (const xmlChar *)"file") : NULL;
        if (src && !path) {
                path = xmlGetProp(src, (const xmlChar *)"dev");
                ret->disk_block = path != NULL;
        }
        if (path && strlen((char *)path) < sizeof(ret->disk))
                snprintf(ret->disk, sizeof(ret->disk), "%s", (char *)path);
        xmlFree(path);
        xmlFreeDoc(doc);
        if (!ret->disk[0])
                return FAIL("it has no system disk (a <disk device='disk'> with a file or a block device): pgs vm create --replace --image PATH --size SIZE gives it one");
        return 0;
}

/* a <hostdev type='pci'>'s source address, "0000:3e:00.0" */
static void hostdev_addr(xmlNode *h, char *out, size_t size)
{
        xmlNode *a = child(child(h, "source"), "address");
        unsigned v[4] = { 0 };
        const char *names[4] = { "domain", "bus", "slot", "function" };
        out[0] = 0;
        for (int i = 0; a && i < 4; i++) {
                xmlChar *x = xmlGetProp(a, (const xmlChar *)names[i]);
                v[i] = x ? (unsigned)strtoul((const char *)x, NULL, 0) : 0;
                xmlFree(x);
        }
        if (a)
                snprintf(out, size, "%04x:%02x:%02x.%x", v[0] & 0xffff, v[1] & 0xff, v[2] & 0x1f, v[3] & 7);
}

static void drop(xmlNode *devices, const char *name, const char *attr, const char *value)
{
        xmlNode *n = devices->children;
        while (n) {
                xmlNode *next = n->next;
                if (is(n, name) && (!attr || attr_is(n, attr, value))) {
                        xmlUnlinkNode(n);
                        xmlFreeNode(n);
                }
                n = next;
        }
}

/* every hostdev but keep (the system disk's controller), which boots first */
static xmlNode *drop_hostdevs(xmlNode *devices, const char *keep)
{
        xmlNode *n = devices ? devices->children : NULL, *kept = NULL;
        while (n) {
                xmlNode *next = n->next;
                char a[24] = "";
                if (is(n, "hostdev")) {
                        hostdev_addr(n, a, sizeof(a));
                        if (keep && !strcmp(a, keep) && attr_is(n, "type", "pci")) {
                                kept = n;
                        } else {
                                xmlUnlinkNode(n);
                                xmlFreeNode(n);
                        }
                }
                n = next;
        }
        return kept;
}

static void cdrom(xmlNode *devices, const char *file, const char *dev, int boot)
{
        xmlNode *d = xmlNewChild(devices, NULL, (const xmlChar *)"disk", NULL);
        xmlNewProp(d, (const xmlChar *)"type", (const xmlChar *)"file");
        xmlNewProp(d, (const xmlChar *)"device", (const xmlChar *)"cdrom");
        xmlNode *n = xmlNewChild(d, NULL, (const xmlChar *)"driver", NULL);
        xmlNewProp(n, (const xmlChar *)"name", (const xmlChar *)"qemu");
        xmlNewProp(n, (const xmlChar *)"type", (const xmlChar *)"raw");
        n = xmlNewChild(d, NULL, (const xmlChar *)"source", NULL);
        xmlNewProp(n, (const xmlChar *)"file", (const xmlChar *)file);     /* xmlNewProp escapes */
        n = xmlNewChild(d, NULL, (const xmlChar *)"target", NULL);
        xmlNewProp(n, (const xmlChar *)"dev", (const xmlChar *)dev);
        xmlNewProp(n, (const xmlChar *)"bus", (const xmlChar *)"sata");
        xmlNewChild(d, NULL, (const xmlChar *)"readonly", NULL);
        if (boot) {
                char b[8];
                snprintf(b, sizeof(b), "%d", boot);
                n = xmlNewChild(d, NULL, (const xmlChar *)"boot", NULL);
                xmlNewProp(n, (const xmlChar *)"order", (const xmlChar *)b);
        }
}

/* pgs's <mdev/> goes with the mdev hostdev: the hook would make one no
 * device uses */
static void drop_mdev_meta(xmlNode *root)
{
        for (xmlNode *m = child(child(root, "metadata"), PGS_META_ROOT); m; m = NULL)
                for (xmlNode *n = m->children; n; n = n->next)
                        if (is(n, PGS_META_MDEV)) {
                                xmlUnlinkNode(n);
                                xmlFreeNode(n);
                                break;
                        }
}

char *install_xml(const char *final_xml, size_t len, const char *keep_pci, const char *win_iso, const char *answer_iso,
                  const char *virtio_iso, char *msg, size_t msgsize)
{
        xmlDoc *doc = xml_read_safe(final_xml, len, "the domain", msg, msgsize);
        if (!doc)
                return NULL;
        xmlNode *root = xmlDocGetRootElement(doc), *devices = child(root, "devices");
        xmlNode *disk = keep_pci ? drop_hostdevs(devices, keep_pci) : system_disk(devices);
        char *out = NULL;
        if (!disk) {
                FAIL("it has no system disk");
                goto done;
        }
        if (!keep_pci)
                drop_hostdevs(devices, NULL);
        drop(devices, "input", "type", "evdev");
        drop(devices, "shmem", NULL, NULL);
        drop(devices, "graphics", NULL, NULL);
        drop(devices, "video", NULL, NULL);
        drop_mdev_meta(root);
        /* the disk boots first: libvirt takes per-device orders only */
        xmlNode *boot = child(disk, "boot");
        if (!boot) {
                boot = xmlNewChild(disk, NULL, (const xmlChar *)"boot", NULL);
                xmlNewProp(boot, (const xmlChar *)"order", (const xmlChar *)"1");
        }
        for (xmlNode *n = devices->children; n; n = n->next)
                if (is(n, "interface")) {
                        xmlNode *m = child(n, "model");
                        if (!m)
                                m = xmlNewChild(n, NULL, (const xmlChar *)"model", NULL);
                        xmlSetProp(m, (const xmlChar *)"type", (const xmlChar *)"e1000e");
                        drop(n, "driver", NULL, NULL);
                }
        cdrom(devices, win_iso, "sdb", 2);
        cdrom(devices, answer_iso, "sdc", 0);
        cdrom(devices, virtio_iso, "sdd", 0);
        xmlNode *g = xmlNewChild(devices, NULL, (const xmlChar *)"graphics", NULL);
        xmlNewProp(g, (const xmlChar *)"type", (const xmlChar *)"spice");
        xmlNode *l = xmlNewChild(g, NULL, (const xmlChar *)"listen", NULL);
        xmlNewProp(l, (const xmlChar *)"type", (const xmlChar *)"none");     /* virt-viewer/virt-manager on this host */
        xmlNode *v = xmlNewChild(devices, NULL, (const xmlChar *)"video", NULL);
        xmlNode *vm = xmlNewChild(v, NULL, (const xmlChar *)"model", NULL);
        xmlNewProp(vm, (const xmlChar *)"type", (const xmlChar *)"vga");
        xmlNode *t = xmlNewChild(devices, NULL, (const xmlChar *)"input", NULL);
        xmlNewProp(t, (const xmlChar *)"type", (const xmlChar *)"tablet");
        xmlNewProp(t, (const xmlChar *)"bus", (const xmlChar *)"usb");
        xmlChar *s = NULL;
        int n = 0;
        xmlDocDumpFormatMemory(doc, &s, &n, 1);
        if (s)
                out = strdup((char *)s);
        xmlFree(s);
done:
        xmlFreeDoc(doc);
        return out;
}
