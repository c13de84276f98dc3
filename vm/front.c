/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/front.c — `pgs vm`: runs pgs-vm, the program that links libvirt, so
 * that `pgs` itself starts without loading it. pgs-vm is found beside the
 * running pgs (the build tree) or in pgs's library directory (installed). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shared/command.h"
#include "shared/log.h"

int cmd_vm(int argc, char **argv)
{
        char self[PATH_MAX], helper[PATH_MAX + 16];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        helper[0] = 0;
        if (n > 0) {
                self[n] = 0;
                char *slash = strrchr(self, '/');
                if (slash) {
                        *slash = 0;
                        snprintf(helper, sizeof(helper), "%s/pgs-vm", self);
                }
        }
        if (!helper[0] || access(helper, X_OK) < 0)
                snprintf(helper, sizeof(helper), "%s", PGS_LIBDIR "/pgs-vm");
        char *av[argc + 2];
        av[0] = helper;
        for (int i = 0; i < argc; i++)
                av[i + 1] = argv[i];
        av[argc + 1] = NULL;
        execv(helper, av);
        log_stderr("pgs vm", "cannot run %s: %s (is pgs installed whole?)", helper, strerror(errno));
        return PGS_EXIT_FAILED;
}
