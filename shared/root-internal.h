/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/root-internal.h — how shared/fs.c reaches root.c's resolution (not
 * for callers outside shared/root.c and shared/fs.c). */
#pragma once
#include "shared/root.h"

/* open path inside the root (openat2 RESOLVE_IN_ROOT, or the component walk):
 * an fd or -errno; a path with a ".." component is -EINVAL */
int root_resolve(const struct pgs_root *r, const char *path, int flags, int mode);
/* the directory holding path's last component, opened inside the root, and
 * that component copied into base */
int root_resolve_parent(const struct pgs_root *r, const char *path, char *base, size_t size);
/* path without its leading slashes ("." for the root itself) */
const char *root_rel(const char *path);
/* does path have a ".." component? */
bool root_has_dotdot(const char *p);
