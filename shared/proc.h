/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/proc.h — deadlines, bounded polling and running a helper program.
 *
 * Nothing in pgs sleeps a fixed time to wait for the kernel: it polls the state
 * it needs with a short backoff (50 µs doubling to 5 ms) against a deadline. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t now_usec(void);                 /* CLOCK_MONOTONIC */

/* Call check(data) until it returns non-zero or timeout_ms passes. Returns the
 * last check() result: > 0 reached, < 0 a hard error from check(), 0 timed out
 * (mapped to -ETIMEDOUT). */
int poll_until(int (*check)(void *data), void *data, unsigned timeout_ms);

/* fork + execvp argv, wait at most timeout_ms, SIGKILL it past that.
 * stdout is sent to /dev/null when quiet. Returns the exit status (0..255),
 * -ETIMEDOUT, -ENOENT when it could not be executed, or -errno. */
int run_cmd(char *const argv[], unsigned timeout_ms, bool quiet);

struct pgs_root;

/* A program by name, for a command that works on a root: under --sysroot DIR
 * it is taken from DIR ({usr/local/,usr/,}{sbin,bin}/NAME: a stand-in in tests,
 * or a tree that carries its own tools) and the host path is returned; with no
 * sysroot, from the same directories of /. False when there is none. */
bool prog_find(const struct pgs_root *r, const char *sysroot, const char *name, char *buf, size_t size);

/* Run argv with extra environment entries ("K=V", NULL-terminated, may be
 * NULL), stdin from /dev/null, its stdout sent to our stderr; PGS_SYSROOT is
 * set when sysroot is given. Returns the exit status, 128+signal, or -errno /
 * -ETIMEDOUT (killed at the deadline). */
int run_prog(char *const argv[], char *const env[], const char *sysroot, unsigned timeout_ms);

/* run_prog, with the program's stdout captured into out (NUL-terminated,
 * one trailing newline stripped; output past size is read and dropped). The
 * deadline covers the reading too: a helper that hangs with its stdout open
 * is killed at it (-ETIMEDOUT). */
int run_capture(char *const argv[], const char *sysroot, unsigned timeout_ms, char *out, size_t size);

/* run_capture for output of any length: fn is called for every line (without
 * its newline), the last one even when it has none. Same deadline rule. */
int run_lines(char *const argv[], const char *sysroot, unsigned timeout_ms, void (*fn)(const char *line, void *ud), void *ud);

/* The one lock with a deadline: open (create) path under the root and take
 * an exclusive flock on it, polling until timeout_ms. Returns the fd (close
 * it to unlock), -ETIMEDOUT, or -errno. */
int lock_open(const struct pgs_root *r, const char *path, unsigned timeout_ms);
