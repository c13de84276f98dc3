/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/config.c — parsers for /etc/pgs.conf and the kernel command line. */
#include "shared/config.h"
#include "shared/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_VFS 4096            /* the PCI spec's TotalVFs is 16 bits; be stricter */

static void diagf(diag_fn diag, void *ud, unsigned line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void diagf(diag_fn diag, void *ud, unsigned line, const char *fmt, ...)
{
        if (!diag)
                return;
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        diag(ud, line, msg);
}

/* printable copy of untrusted text for messages */

int bind_item_parse(const char *s, struct bind_item *ret)
{
        struct bind_item it = { 0 };
        size_t len = strlen(s);
        if (len >= sizeof(it.text))
                return -EINVAL;
        strcpy(it.text, s);
        const char *at = strchr(s, '@');
        if (strcmp(s, "auto") == 0) {
                it.kind = BIND_AUTO;
        } else if (at) {
                char a[32];
                if ((size_t)(at - s) >= sizeof(a))
                        return -EINVAL;
                memcpy(a, s, (size_t)(at - s));
                a[at - s] = '\0';
                if (pci_addr_parse(a, &it.addr) < 0 || pci_id_parse(at + 1, &it.vendor, &it.device) < 0)
                        return -EINVAL;
                it.kind = BIND_ADDR_ID;
        } else if (pci_addr_parse(s, &it.addr) == 0) {
                it.kind = BIND_ADDR;
        } else if (pci_id_parse(s, &it.vendor, &it.device) == 0) {
                it.kind = BIND_ID;
        } else {
                return -EINVAL;
        }
        *ret = it;
        return 0;
}

void bind_list_add(struct bind_list *l, const char *text, unsigned line, diag_fn diag, void *ud)
{
        l->set = true;
        const char *p = text;
        while (*p) {
                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (!*p)
                        break;
                size_t len = strcspn(p, " \t,");
                char item[64], sh[96];
                if (len >= sizeof(item)) {
                        diagf(diag, ud, line, "'%s': not a PCI address, VID:DID or 'auto'; ignored",
                              str_shown(p, len, sh, sizeof(sh)));
                } else {
                        memcpy(item, p, len);
                        item[len] = '\0';
                        struct bind_item it;
                        if (bind_item_parse(item, &it) < 0)
                                diagf(diag, ud, line, "'%s': not a PCI address, ADDR@VID:DID, VID:DID or 'auto'; ignored",
                                      str_shown(item, len, sh, sizeof(sh)));
                        else if (l->n >= PGS_MAX_BIND)
                                diagf(diag, ud, line, "'%s': more than %d items; ignored", item, PGS_MAX_BIND);
                        else
                                l->v[l->n++] = it;
                }
                p += len;
        }
}

int sriov_list_set(struct sriov_list *l, const struct pci_addr *a, unsigned vfs)
{
        for (size_t i = 0; i < l->n; i++)
                if (pci_addr_eq(&l->v[i].addr, a)) {
                        l->v[i].vfs = vfs;
                        return 0;
                }
        if (l->n >= PGS_MAX_SRIOV)
                return -ENOSPC;
        l->v[l->n++] = (struct sriov_item){ .addr = *a, .vfs = vfs };
        return 0;
}

static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = '\0';
        return s;
}

static int parse_vfs(const char *s, unsigned *ret)
{
        uint64_t v;
        if (parse_u64(s, 10, &v) < 0 || v > MAX_VFS)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

void config_parse(const char *text, size_t len, struct pgs_config *ret, diag_fn diag, void *ud)
{
        enum { S_NONE, S_VFIO, S_SRIOV, S_UNKNOWN } sect = S_NONE;
        struct pgs_config c = { 0 };
        unsigned lineno = 0;
        size_t off = 0;
        char sh[96];

        while (off < len) {
                size_t l = 0;
                while (off + l < len && text[off + l] != '\n')
                        l++;
                const char *raw = text + off;
                off += l + 1;
                lineno++;
                char buf[1024];
                if (l >= sizeof(buf)) {
                        diagf(diag, ud, lineno, "line longer than %zu characters; ignored", sizeof(buf) - 1);
                        continue;
                }
                if (memchr(raw, '\0', l)) {
                        diagf(diag, ud, lineno, "binary data; line ignored");
                        continue;
                }
                memcpy(buf, raw, l);
                buf[l] = '\0';
                char *hash = strchr(buf, '#');
                if (hash)
                        *hash = '\0';
                char *s = trim(buf);
                if (!*s)
                        continue;
                if (*s == '[') {
                        char *e = strchr(s, ']');
                        if (!e || *trim(e + 1)) {
                                diagf(diag, ud, lineno, "'%s': malformed section header; ignored", str_shown(s, strlen(s), sh, sizeof(sh)));
                                sect = S_UNKNOWN;
                                continue;
                        }
                        *e = '\0';
                        char *name = trim(s + 1);
                        if (strcmp(name, "vfio") == 0)
                                sect = S_VFIO;
                        else if (strcmp(name, "sriov") == 0)
                                sect = S_SRIOV;
                        else {
                                diagf(diag, ud, lineno, "unknown section [%s]; its lines are ignored", str_shown(name, strlen(name), sh, sizeof(sh)));
                                sect = S_UNKNOWN;
                        }
                        continue;
                }
                char *eq = strchr(s, '=');
                if (!eq) {
                        diagf(diag, ud, lineno, "'%s': expected KEY = VALUE; ignored", str_shown(s, strlen(s), sh, sizeof(sh)));
                        continue;
                }
                *eq = '\0';
                char *key = trim(s), *val = trim(eq + 1);
                switch (sect) {
                case S_VFIO:
                        if (strcmp(key, "bind") == 0)
                                bind_list_add(&c.bind, val, lineno, diag, ud);
                        else
                                diagf(diag, ud, lineno, "[vfio]: unknown key '%s'; ignored", str_shown(key, strlen(key), sh, sizeof(sh)));
                        break;
                case S_SRIOV: {
                        struct pci_addr a;
                        unsigned n;
                        if (pci_addr_parse(key, &a) < 0)
                                diagf(diag, ud, lineno, "[sriov]: '%s' is not a PCI address; ignored", str_shown(key, strlen(key), sh, sizeof(sh)));
                        else if (parse_vfs(val, &n) < 0)
                                diagf(diag, ud, lineno, "[sriov]: %s: '%s' is not a VF count (0..%d); ignored", key, str_shown(val, strlen(val), sh, sizeof(sh)), MAX_VFS);
                        else if (sriov_list_set(&c.sriov, &a, n) < 0)
                                diagf(diag, ud, lineno, "[sriov]: more than %d PFs; ignored", PGS_MAX_SRIOV);
                        break;
                }
                case S_NONE:
                        diagf(diag, ud, lineno, "'%s' outside any section; ignored", str_shown(key, strlen(key), sh, sizeof(sh)));
                        break;
                case S_UNKNOWN:
                        break;
                }
        }
        *ret = c;
}

/* pgs.vfs=ADDR=N[,ADDR=N] */
static void vfs_parse(struct sriov_list *l, const char *val, diag_fn diag, void *ud)
{
        char sh[96];
        while (*val) {
                size_t len = strcspn(val, ",");
                char item[64];
                if (len > 0 && len < sizeof(item)) {
                        memcpy(item, val, len);
                        item[len] = '\0';
                        char *eq = strchr(item, '=');
                        struct pci_addr a;
                        unsigned n;
                        if (eq) {
                                *eq = '\0';
                        }
                        if (!eq || pci_addr_parse(item, &a) < 0 || parse_vfs(eq + 1, &n) < 0)
                                diagf(diag, ud, 0, "pgs.vfs: '%s' is not ADDR=N; ignored", str_shown(val, len, sh, sizeof(sh)));
                        else if (sriov_list_set(l, &a, n) < 0)
                                diagf(diag, ud, 0, "pgs.vfs: more than %d PFs; ignored", PGS_MAX_SRIOV);
                } else if (len > 0) {
                        diagf(diag, ud, 0, "pgs.vfs: '%s' is not ADDR=N; ignored", str_shown(val, len, sh, sizeof(sh)));
                }
                val += len;
                if (*val == ',')
                        val++;
        }
}

void cmdline_parse(const char *text, struct pgs_cmdline *ret, diag_fn diag, void *ud)
{
        struct pgs_cmdline k = { 0 };
        const char *p = text;
        char sh[96];
        /* the kernel's own rules (lib/cmdline.c next_arg): words split on white
         * space; double quotes group, and are dropped */
        while (*p) {
                while (isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                char word[4096];
                size_t j = 0;
                bool q = false;
                for (; *p && (q || !isspace((unsigned char)*p)); p++) {
                        if (*p == '"') {
                                q = !q;
                                continue;
                        }
                        if (j + 1 < sizeof(word))
                                word[j++] = *p;
                }
                word[j] = '\0';
                if (strncmp(word, "pgs.", 4) != 0)
                        continue;
                char *eq = strchr(word, '=');
                const char *key = word + 4;
                const char *val = eq ? eq + 1 : NULL;
                if (eq)
                        *eq = '\0';
                if (strcmp(key, "off") == 0 && (!val || !strcmp(val, "1") || !strcmp(val, "y")))
                        k.off = true;
                else if (strcmp(key, "debug") == 0 && (!val || !strcmp(val, "1") || !strcmp(val, "y")))
                        k.debug = true;
                else if (strcmp(key, "bind") == 0 && val) {
                        /* the last pgs.bind= wins, as the kernel does for its own */
                        k.bind = (struct bind_list){ 0 };
                        bind_list_add(&k.bind, val, 0, diag, ud);
                } else if (strcmp(key, "vfs") == 0 && val)
                        vfs_parse(&k.vfs, val, diag, ud);
                else
                        diagf(diag, ud, 0, "unknown parameter 'pgs.%s%s%s'; ignored", str_shown(key, strlen(key), sh, sizeof(sh) / 2),
                              val ? "=" : "", val ? str_shown(val, strlen(val), sh + sizeof(sh) / 2, sizeof(sh) / 2) : "");
        }
        *ret = k;
}

void config_merge_cmdline(struct pgs_config *c, const struct pgs_cmdline *k)
{
        if (k->bind.set)
                c->bind = k->bind;
        for (size_t i = 0; i < k->vfs.n; i++)
                sriov_list_set(&c->sriov, &k->vfs.v[i].addr, k->vfs.v[i].vfs);
}
