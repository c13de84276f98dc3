/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/bench/fragment.c — fragment a guest's memory reproducibly: fill DIR (a
 * tmpfs) with files of 4–64 KiB drawn from a fixed seed up to TOTAL_MB, then
 * delete all but every KEEP-th, so the pages still held are scattered.
 *   fragment DIR TOTAL_MB KEEP SEED */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 5)
                return 2;
        unsigned long total = strtoul(argv[2], NULL, 10) << 20, done = 0;
        unsigned keep = (unsigned)atoi(argv[3]);
        srand((unsigned)atoi(argv[4]));
        static char buf[64 * 1024];
        memset(buf, 0x5a, sizeof(buf));
        unsigned n = 0;
        char p[512];
        while (done < total) {
                size_t sz = (size_t)(4 + rand() % 61) * 1024;
                snprintf(p, sizeof(p), "%s/f%u", argv[1], n++);
                int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
                if (fd < 0 || write(fd, buf, sz) != (ssize_t)sz) {
                        if (fd >= 0)
                                close(fd);
                        break;
                }
                close(fd);
                done += sz;
        }
        for (unsigned i = 0; i < n; i++)
                if (i % keep) {
                        snprintf(p, sizeof(p), "%s/f%u", argv[1], i);
                        unlink(p);
                }
        printf("fragment: %u files, %lu MiB written, every %u-th kept\n", n, done >> 20, keep);
        return 0;
}
