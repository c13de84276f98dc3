/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/config.h — /etc/pgs.conf and the pgs.* kernel command line.
 *
 * /etc/pgs.conf (INI):
 *   [vfio]
 *   bind = auto | ADDR | ADDR@VID:DID | VID:DID   (spaces or commas; repeatable)
 *   [sriov]
 *   ADDR = N
 * Kernel command line: pgs.off pgs.debug pgs.bind=LIST pgs.vfs=ADDR=N[,ADDR=N]
 *
 * Parsing never fails as a whole: each bad line or item is reported through the
 * diagnostic callback and skipped, so a damaged file never stops a boot. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/pci.h"

#define PGS_MAX_BIND  64
#define PGS_MAX_SRIOV 32
#define PGS_CONF_MAX  (64 * 1024)

enum bind_kind { BIND_AUTO, BIND_ADDR, BIND_ADDR_ID, BIND_ID };

struct bind_item {
        enum bind_kind kind;
        struct pci_addr addr;           /* BIND_ADDR, BIND_ADDR_ID */
        uint16_t vendor, device;        /* BIND_ID, BIND_ADDR_ID */
        char text[48];                  /* as written, for messages */
};

struct sriov_item {
        struct pci_addr addr;
        unsigned vfs;
};

struct bind_list {
        bool set;                       /* the source named a list (maybe empty) */
        size_t n;
        struct bind_item v[PGS_MAX_BIND];
};

struct sriov_list {
        size_t n;
        struct sriov_item v[PGS_MAX_SRIOV];
};

struct pgs_config {
        struct bind_list bind;
        struct sriov_list sriov;
};

struct pgs_cmdline {
        bool off, debug;
        struct bind_list bind;          /* .set when pgs.bind= was given */
        struct sriov_list vfs;
};

/* line is 0 for the kernel command line; msg names the item and the reason. */
typedef void (*diag_fn)(void *userdata, unsigned line, const char *msg);

/* Parse one bind item ("auto", "01:00.0", "01:00.0@10de:1b80", "10de:1b80"). */
int bind_item_parse(const char *s, struct bind_item *ret);

/* Add the items of a list separated by spaces and/or commas. */
void bind_list_add(struct bind_list *l, const char *text, unsigned line, diag_fn diag, void *ud);

/* Set or replace the count for a PF. */
int sriov_list_set(struct sriov_list *l, const struct pci_addr *a, unsigned vfs);

void config_parse(const char *text, size_t len, struct pgs_config *ret, diag_fn diag, void *ud);
void cmdline_parse(const char *text, struct pgs_cmdline *ret, diag_fn diag, void *ud);

/* The effective configuration: the command line's bind list replaces the
 * file's, its pgs.vfs counts replace the file's for the PFs they name. */
void config_merge_cmdline(struct pgs_config *c, const struct pgs_cmdline *k);
