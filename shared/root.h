/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/root.h — one root for every path.
 *
 * Every program opens a directory fd on "/" or on --sysroot DIR once, and every
 * file access goes through it. Paths given to these helpers are written
 * without the leading slash ("sys/bus/pci/devices"); a leading slash is
 * tolerated and stripped. The root cannot be left: a path with a ".."
 * component is refused (-EINVAL), and symlinks resolve as if the root were
 * "/" (openat2 RESOLVE_IN_ROOT; a component-wise walk on kernels without it),
 * so "../../.." in a sysfs link or an absolute link stops at the root.
 * The library never prints: errors are returned as -errno. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pgs_root {
        int fd;                 /* O_PATH|O_DIRECTORY fd on the root */
        char dir[4096];         /* the root as given ("/" in production) */
};

/* Tests: resolve with the component-wise walk, as on a kernel without openat2. */
void root_test_walk_only(bool on);

/* Open the root; dir NULL or "" means "/". */
int root_open(struct pgs_root *r, const char *dir);
void root_close(struct pgs_root *r);

/* openat() relative to the root; returns an fd or -errno. */
int root_openat(const struct pgs_root *r, const char *path, int flags, int mode);

/* Read a small (sysfs-sized) file with one read(), strip one trailing newline.
 * Returns the length or -errno; -EFBIG when it does not fit in buf. */
int fs_read_str(const struct pgs_root *r, const char *path, char *buf, size_t size);

/* Read a whole regular file up to max bytes into a malloc'ed, NUL-terminated
 * buffer. -EFBIG when it is larger than max. */
int fs_read_file(const struct pgs_root *r, const char *path, size_t max, char **ret, size_t *ret_len);

/* Parse a number strictly: the whole string (one trailing newline allowed),
 * in base 10, or 16 with 0x when base is 0 or 16. -EINVAL, -ERANGE. */
int parse_u64(const char *s, int base, uint64_t *ret);
int fs_read_u64(const struct pgs_root *r, const char *path, int base, uint64_t *ret);

/* Write value with one write() to an existing file (sysfs attribute): the
 * kernel's answer is returned as -errno; a short write is -EIO. */
int fs_write_str(const struct pgs_root *r, const char *path, const char *value);

/* Replace a regular file atomically (write a temporary beside it, fsync,
 * rename). Creates missing parent directories with mode 0755. */
int fs_write_file_atomic(const struct pgs_root *r, const char *path, const char *data, size_t len, int mode);

/* mkdir -p relative to the root. */
int fs_mkdir_p(const struct pgs_root *r, const char *path, int mode);

/* The last component of a symlink's target ("vfio-pci" for driver ->
 * ../../../bus/pci/drivers/vfio-pci). -ENOENT when there is no link. */
int fs_readlink_base(const struct pgs_root *r, const char *path, char *buf, size_t size);

/* The full target of a symlink. */
int fs_readlink(const struct pgs_root *r, const char *path, char *buf, size_t size);

bool fs_exists(const struct pgs_root *r, const char *path);

/* access(2), stat(2), unlink(2) and scandir(3) under the same rules. */
struct stat;
struct dirent;
int fs_access(const struct pgs_root *r, const char *path, int mode);
int fs_stat(const struct pgs_root *r, const char *path, struct stat *ret);
int fs_unlink(const struct pgs_root *r, const char *path);
int fs_rmdir(const struct pgs_root *r, const char *path);         /* an empty directory */
bool fs_lexists(const struct pgs_root *r, const char *path);
int fs_lstat(const struct pgs_root *r, const char *path, struct stat *ret);   /* the name itself */    /* the name itself, a dangling link too */
int fs_symlink(const struct pgs_root *r, const char *target, const char *path);
int fs_scandir(const struct pgs_root *r, const char *path, struct dirent ***ret,
               int (*filter)(const struct dirent *), int (*compar)(const struct dirent **, const struct dirent **));

/* A directory opened inside the root (O_PATH), and reads of the entries
 * directly in it: name is one component (no '/', no ".."), never followed
 * when it is a link. For code that reads many attributes of one sysfs
 * device: one resolution instead of one a file. */
int fs_dir_open(const struct pgs_root *r, const char *path);
int fs_read_str_at(int dfd, const char *name, char *buf, size_t size);
int fs_readlink_base_at(int dfd, const char *name, char *buf, size_t size);

/* Format a path into buf; returns buf, or NULL (and errno=ENAMETOOLONG). */
char *path_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
