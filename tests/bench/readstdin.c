/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/bench/readstdin.c — the baseline of the hook benchmark: a static
 * program that reads its stdin and exits, as cheap as a hook can be. */
#include <unistd.h>

int main(void)
{
        char buf[65536];
        while (read(0, buf, sizeof(buf)) > 0)
                ;
        return 0;
}
