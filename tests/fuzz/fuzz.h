/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz.h — helpers shared by the libFuzzer harnesses. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the input as a NUL-terminated string (what a file read gives the parsers) */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* a scratch root, made once per process, for harnesses that drive a whole
 * command over files */
static inline const char *fuzz_root(void)
{
        static char dir[64];
        if (!dir[0]) {
                snprintf(dir, sizeof(dir), "/tmp/pgs-fuzz-XXXXXX");
                if (!mkdtemp(dir))
                        abort();
        }
        return dir;
}

/* write data to ROOT/rel, creating its directories */
static inline void fuzz_put(const char *rel, const uint8_t *data, size_t size)
{
        char p[512], cmd[600];
        snprintf(p, sizeof(p), "%s/%s", fuzz_root(), rel);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        struct stat st;
        if (stat(p, &st) != 0) {
                snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
                if (system(cmd) != 0)
                        abort();
        }
        *slash = '/';
        FILE *f = fopen(p, "w");
        if (!f)
                abort();
        if (size)
                fwrite(data, 1, size, f);
        fclose(f);
}

static inline void fuzz_rm(const char *rel)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", fuzz_root(), rel);
        unlink(p);
}

/* the commands print: keep the fuzzer's own output readable */
static inline void fuzz_quiet(void)
{
        static int done;
        if (!done) {
                done = 1;
                if (!freopen("/dev/null", "w", stdout))
                        abort();
        }
}
