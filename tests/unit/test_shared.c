/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/unit/test_shared.c — unit tests of shared/ (pure logic), TAP output. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/config.h"
#include "shared/pci.h"
#include "shared/proc.h"
#include "shared/earlystate.h"
#include "shared/root.h"
#include "tests/unit/tap.h"

int tap_n, tap_failed;

static unsigned n_diag;
static char last_diag[512];
static void diag(void *ud, unsigned line, const char *msg)
{
        n_diag++;
        snprintf(last_diag, sizeof(last_diag), "%u:%s", line, msg);
}

TEST(addresses)
{
        struct pci_addr a;
        char b[PCI_ADDR_STR];
        OK(pci_addr_parse("0000:01:00.0", &a) == 0 && a.bus == 1 && a.slot == 0 && a.fn == 0, "full address parses");
        OK(pci_addr_parse("01:00.1", &a) == 0 && a.domain == 0 && a.fn == 1, "short address means domain 0000");
        STREQ(pci_addr_fmt(&(struct pci_addr){ 0x10000, 0xab, 0x1f, 7 }, b), "0000:ab:1f.7", "formatting is lower-case, 4-digit domain");
        OK(pci_addr_parse("0000:01:00.8", &a) == -EINVAL, "function 8 is refused");
        OK(pci_addr_parse("0000:01:20.0", &a) == -EINVAL, "slot 0x20 is refused");
        OK(pci_addr_parse("0000:01:00.0 ", &a) == -EINVAL, "trailing garbage is refused");
        OK(pci_addr_parse("1:0.0", &a) == -EINVAL, "short fields are refused");
        OK(pci_addr_parse("", &a) == -EINVAL && pci_addr_parse("zzzz:01:00.0", &a) == -EINVAL, "empty and non-hex refused");
        uint16_t v, d;
        OK(pci_id_parse("10de:1B80", &v, &d) == 0 && v == 0x10de && d == 0x1b80, "VID:DID parses, any case");
        OK(pci_id_parse("10de:1b8", &v, &d) < 0 && pci_id_parse("10de-1b80", &v, &d) < 0, "malformed ids refused");
        struct pci_addr x = { 0, 1, 0, 0 }, y = { 0, 1, 0, 3 }, z = { 0, 2, 0, 0 };
        OK(pci_addr_same_slot(&x, &y) && !pci_addr_same_slot(&x, &z), "same slot compares domain, bus, slot");
}

TEST(numbers)
{
        uint64_t v;
        OK(parse_u64("42\n", 10, &v) == 0 && v == 42, "a trailing newline is allowed");
        OK(parse_u64("0x030000", 16, &v) == 0 && v == 0x030000, "0x hex");
        OK(parse_u64("-1", 10, &v) == -EINVAL, "negative refused");
        OK(parse_u64("4x", 10, &v) == -EINVAL && parse_u64("", 10, &v) == -EINVAL && parse_u64("0x", 16, &v) == -EINVAL,
           "garbage refused");
        OK(parse_u64("99999999999999999999999", 10, &v) == -ERANGE, "overflow is ERANGE");
}

TEST(bind_items)
{
        struct bind_item it;
        OK(bind_item_parse("auto", &it) == 0 && it.kind == BIND_AUTO, "auto");
        OK(bind_item_parse("01:00.0", &it) == 0 && it.kind == BIND_ADDR, "address");
        OK(bind_item_parse("0000:03:00.0@144d:a808", &it) == 0 && it.kind == BIND_ADDR_ID && it.vendor == 0x144d, "ADDR@ID");
        OK(bind_item_parse("10de:1b80", &it) == 0 && it.kind == BIND_ID, "id");
        OK(bind_item_parse("01:00.0@", &it) < 0 && bind_item_parse("AUTO", &it) < 0 && bind_item_parse("all", &it) < 0,
           "malformed items refused");
        struct bind_list l = { 0 };
        n_diag = 0;
        bind_list_add(&l, " auto,01:00.0  10de:1b80,,bogus ", 3, diag, NULL);
        OK(l.set && l.n == 3 && n_diag == 1, "spaces and commas mixed, bad item reported and skipped (%zu items)", l.n);
        OK(strstr(last_diag, "bogus") != NULL, "the message names the bad item: %s", last_diag);
        struct bind_list e = { 0 };
        bind_list_add(&e, "", 0, diag, NULL);
        OK(e.set && e.n == 0, "an empty list is set and empty");
}

TEST(config_file)
{
        const char *t = "# pgs\n[vfio]\nbind = auto   # the dGPU\nbind = 0000:01:00.0, 10de:1b80\n"
                        "\n[sriov]\n0000:00:02.0 = 7\n00:02.0 = 3\n";
        struct pgs_config c;
        n_diag = 0;
        config_parse(t, strlen(t), &c, diag, NULL);
        OK(n_diag == 0, "a good file gives no diagnostics (%s)", last_diag);
        OK(c.bind.n == 3 && c.bind.v[0].kind == BIND_AUTO, "bind lines accumulate");
        OK(c.sriov.n == 1 && c.sriov.v[0].vfs == 3, "a PF named twice keeps the last count");

        const char *g = "garbage\n[vfio\nbind auto\n[nope]\nbind = 01:00.0\n[sriov]\nxx = 2\n00:02.0 = -1\n00:02.0 = 99999\n"
                        "[vfio]\nbind = 01:00.0\ncolour = blue\n\x01\x02\xff\n";
        n_diag = 0;
        config_parse(g, strlen(g), &c, diag, NULL);
        OK(c.bind.n == 1 && c.sriov.n == 0, "garbage lines are skipped, good ones kept");
        OK(n_diag == 9, "each bad line reported once (%u)", n_diag);
        char bin[] = "[vfio]\nbind = 01:00.0\0\n";
        n_diag = 0;
        config_parse(bin, sizeof(bin) - 1, &c, diag, NULL);
        OK(n_diag == 1 && c.bind.n == 0, "a NUL byte makes its line ignored");
        char *big = malloc(5000);
        memset(big, 'a', 4999);
        big[4999] = '\0';
        n_diag = 0;
        config_parse(big, 4999, &c, diag, NULL);
        OK(n_diag == 1 && strstr(last_diag, "longer"), "an overlong line is reported, not overflowed");
        free(big);
}

TEST(kernel_cmdline)
{
        struct pgs_cmdline k;
        cmdline_parse("BOOT_IMAGE=/vmlinuz root=UUID=x ro quiet splash", &k, diag, NULL);
        OK(!k.off && !k.debug && !k.bind.set && k.vfs.n == 0, "no pgs parameters: nothing set");
        cmdline_parse("quiet pgs.off", &k, diag, NULL);
        OK(k.off, "pgs.off");
        cmdline_parse("pgs.debug pgs.bind=01:00.0,10de:1b80 pgs.bind=auto", &k, diag, NULL);
        OK(k.debug && k.bind.set && k.bind.n == 1 && k.bind.v[0].kind == BIND_AUTO, "the last pgs.bind= wins");
        cmdline_parse("pgs.bind= quiet", &k, diag, NULL);
        OK(k.bind.set && k.bind.n == 0, "pgs.bind= binds nothing, and is set");
        cmdline_parse("pgs.vfs=0000:00:02.0=7,03:00.0=2", &k, diag, NULL);
        OK(k.vfs.n == 2 && k.vfs.v[0].vfs == 7 && k.vfs.v[1].vfs == 2, "pgs.vfs list");
        n_diag = 0;
        cmdline_parse("pgs.vfs=00:02.0=x,=3,00:02.0 pgs.bogus=1 pgs.bind=\"01:00.0 02:00.0\" pgs.\xff\x01", &k, diag, NULL);
        OK(k.vfs.n == 0 && n_diag == 5, "garbage pgs.* reported and ignored (%u)", n_diag);
        OK(k.bind.n == 2, "double quotes group a value, as the kernel does");
        char huge[9000];
        memset(huge, 'x', sizeof(huge) - 1);
        huge[sizeof(huge) - 1] = '\0';
        memcpy(huge, "pgs.bind=", 9);
        cmdline_parse(huge, &k, diag, NULL);
        OK(k.bind.n == 0, "an 9000-character word neither overflows nor binds");
        struct pgs_config c = { 0 };
        struct bind_item it;
        bind_item_parse("auto", &it);
        c.bind.set = true;
        c.bind.v[c.bind.n++] = it;
        sriov_list_set(&c.sriov, &(struct pci_addr){ 0, 0, 2, 0 }, 7);
        cmdline_parse("pgs.bind=01:00.0 pgs.vfs=00:02.0=2,03:00.0=1", &k, diag, NULL);
        config_merge_cmdline(&c, &k);
        OK(c.bind.n == 1 && c.bind.v[0].kind == BIND_ADDR && c.sriov.n == 2 && c.sriov.v[0].vfs == 2,
           "pgs.bind replaces the list; pgs.vfs replaces per PF");
}

static int calls;
static int ready_after_3(void *d)
{
        return ++calls >= 3;
}
static int never(void *d)
{
        return 0;
}

TEST(polling_and_commands)
{
        calls = 0;
        OK(poll_until(ready_after_3, NULL, 1000) == 1 && calls == 3, "poll_until returns when the state is reached");
        uint64_t t0 = now_usec();
        OK(poll_until(never, NULL, 30) == -ETIMEDOUT, "poll_until gives up at its deadline");
        uint64_t dt = now_usec() - t0;
        OK(dt >= 30000 && dt < 500000, "...after about the deadline (%llu us)", (unsigned long long)dt);
        OK(run_cmd((char *[]){ "true", NULL }, 2000, true) == 0, "run_cmd: exit 0");
        OK(run_cmd((char *[]){ "sh", "-c", "exit 3", NULL }, 2000, true) == 3, "run_cmd: exit status");
        OK(run_cmd((char *[]){ "/nonexistent/prog", NULL }, 2000, true) == -ENOENT, "run_cmd: missing program is -ENOENT");
        t0 = now_usec();
        OK(run_cmd((char *[]){ "sleep", "10", NULL }, 100, true) == -ETIMEDOUT, "run_cmd: a hung helper is killed at the deadline");
        OK(now_usec() - t0 < 2000000, "...promptly");
        /* a helper that hangs with its stdout open (or leaves a child holding
         * it): the read itself is bounded by the deadline */
        char out[64];
        t0 = now_usec();
        OK(run_capture((char *[]){ "sh", "-c", "echo partial; exec sleep 10", NULL }, NULL, 200, out, sizeof(out)) == -ETIMEDOUT,
           "run_capture: a helper hanging with its stdout open times out");
        OK(now_usec() - t0 < 2000000 && !strcmp(out, "partial"), "...at the deadline, with what it had printed");
        t0 = now_usec();
        OK(run_capture((char *[]){ "sh", "-c", "sleep 10 & echo done", NULL }, NULL, 300, out, sizeof(out)) == -ETIMEDOUT,
           "run_capture: a grandchild keeping the pipe open cannot hold it past the deadline");
        OK(now_usec() - t0 < 2000000, "...promptly");
        OK(run_capture((char *[]){ "sh", "-c", "printf 'a\\nb\\n'", NULL }, NULL, 2000, out, sizeof(out)) == 0 && !strcmp(out, "a\nb"),
           "run_capture: output, one trailing newline stripped");
}

TEST(rooted_io)
{
        char dir[] = "/tmp/pgs-unit-XXXXXX";
        OK(mkdtemp(dir) != NULL, "temp root");
        struct pgs_root r;
        OK(root_open(&r, dir) == 0, "root_open");
        OK(fs_write_file_atomic(&r, "/run/pgs/x", "hello\n", 6, 0644) == 0, "atomic write creates parents");
        char b[16];
        OK(fs_read_str(&r, "run/pgs/x", b, sizeof(b)) == 5 && !strcmp(b, "hello"), "read strips one newline");
        OK(fs_read_str(&r, "run/pgs/x", b, 4) == -EFBIG, "too small a buffer is -EFBIG, not a truncated value");
        OK(fs_read_str(&r, "run/nothing", b, sizeof(b)) == -ENOENT, "missing file is -ENOENT");
        OK(fs_write_str(&r, "run/nothing", "x") == -ENOENT, "fs_write_str never creates files");
        {
                static char big[100000];
                memset(big, 'x', sizeof(big));
                char *t = NULL;
                size_t len = 0;
                OK(fs_write_file_atomic(&r, "run/big", big, sizeof(big), 0644) == 0 &&
                   fs_read_file(&r, "run/big", 1 << 20, &t, &len) == 0 && len == sizeof(big) && !memcmp(t, big, len),
                   "fs_read_file grows to a 100000-byte file");
                free(t);
                OK(fs_read_file(&r, "run/big", 99999, &t, &len) == -EFBIG, "...and refuses one byte over its limit");
                OK(fs_read_file(&r, "run/big", 100000, &t, &len) == 0 && len == 100000, "...and takes one exactly at it");
                free(t);
        }
        OK(fs_exists(&r, "/run/pgs/x") && !fs_exists(&r, "/etc/passwd"), "absolute paths stay under the root");
        root_close(&r);
        char p[600];
        snprintf(p, sizeof(p), "rm -rf %s", dir);
        OK(system(p) == 0, "cleanup");
}

/* A root beside a directory with a secret, and links that try to reach it:
 * up -> ../../.., abs -> /, out -> ../NAME-outside; sysfs-style relative
 * links must still work inside. Run with openat2 and with the walk. */
static void escape_attempts(const char *how)
{
        char base[] = "/tmp/pgs-esc-XXXXXX", cmd[1200];
        OK(mkdtemp(base) != NULL, "%s: temp dir", how);
        snprintf(cmd, sizeof(cmd),
                 "set -e; cd %s; mkdir -p root/etc root/sys/devices/pci0000:00/0000:01:00.0 root/sys/bus/pci/devices outside;"
                 "echo secret > outside/secret; echo inside > root/etc/passwd; echo 0x10de > root/sys/devices/pci0000:00/0000:01:00.0/vendor;"
                 "ln -s ../../../devices/pci0000:00/0000:01:00.0 root/sys/bus/pci/devices/0000:01:00.0;"
                 "ln -s ../../../../../.. root/sys/up; ln -s / root/abs; ln -s ../outside root/out; ln -s %s/outside/secret root/direct;"
                 "ln -s up/outside root/sys/chain",
                 base, base);
        OK(system(cmd) == 0, "%s: the tree with its links", how);
        char rd[600], b[64];
        snprintf(rd, sizeof(rd), "%s/root", base);
        struct pgs_root r;
        OK(root_open(&r, rd) == 0, "%s: root_open", how);
        OK(fs_read_str(&r, "sys/bus/pci/devices/0000:01:00.0/vendor", b, sizeof(b)) > 0 && !strcmp(b, "0x10de"),
           "%s: a sysfs-style relative link resolves inside the root", how);
        OK(fs_read_str(&r, "../outside/secret", b, sizeof(b)) == -EINVAL, "%s: a '..' in the path is refused", how);
        OK(fs_read_str(&r, "run/../../outside/secret", b, sizeof(b)) == -EINVAL, "%s: ...anywhere in it", how);
        OK(!fs_exists(&r, "../outside/secret"), "%s: fs_exists refuses it too", how);
        OK(fs_read_str(&r, "sys/up/outside/secret", b, sizeof(b)) == -ENOENT, "%s: ../../.. in a link stops at the root", how);
        OK(fs_read_str(&r, "sys/up/etc/passwd", b, sizeof(b)) > 0 && !strcmp(b, "inside"), "%s: ...and lands on the root's own files", how);
        OK(fs_read_str(&r, "abs/etc/passwd", b, sizeof(b)) > 0 && !strcmp(b, "inside"), "%s: an absolute link means the root's /", how);
        OK(fs_read_str(&r, "out/secret", b, sizeof(b)) == -ENOENT, "%s: a link to a sibling of the root does not reach it", how);
        OK(fs_read_str(&r, "direct", b, sizeof(b)) == -ENOENT, "%s: an absolute link to the outside path is taken inside", how);
        OK(fs_read_str(&r, "sys/chain/secret", b, sizeof(b)) == -ENOENT, "%s: a chain of links stays inside", how);
        OK(fs_write_file_atomic(&r, "sys/up/written", "x", 1, 0644) == 0, "%s: a write through the climbing link", how);
        snprintf(cmd, sizeof(cmd), "test -f %s/root/written && ! test -e %s/written && ! test -e /written", base, base);
        OK(system(cmd) == 0, "%s: ...lands inside the root", how);
        OK(fs_write_file_atomic(&r, "../x", "x", 1, 0644) == -EINVAL && fs_mkdir_p(&r, "a/../../b", 0755) == -EINVAL &&
           fs_unlink(&r, "../outside/secret") == -EINVAL, "%s: writes, mkdir and unlink refuse '..'", how);
        char t[64];
        OK(fs_readlink(&r, "sys/up", t, sizeof(t)) > 0 && !strcmp(t, "../../../../../.."), "%s: readlink reads the link itself", how);
        root_close(&r);
        snprintf(cmd, sizeof(cmd), "test \"$(cat %s/outside/secret)\" = secret && rm -rf %s", base, base);
        OK(system(cmd) == 0, "%s: the secret untouched; cleanup", how);
}

TEST(early_state_lines)
{
        char buf[256];
        size_t len = 0;
        early_line_format(buf, sizeof(buf), &len, "0000:01:00.0", "bound", "vfio-pci", "selected by\tauto\nx");
        STREQ(buf, "0000:01:00.0\tbound\tvfio-pci\tselected by auto x\n", "a line: tabs and newlines in a field become spaces");
        buf[len - 1] = '\0';
        struct early_line el;
        OK(early_line_parse(buf, &el) == 0 && !strcmp(el.name, "0000:01:00.0") && !strcmp(el.state, "bound") &&
           !strcmp(el.driver, "vfio-pci") && !strcmp(el.why, "selected by auto x") && el.addr.bus == 1,
           "...parses back into its fields");
        char bad1[] = "# pgs-early 1", bad2[] = "0000:01:00.0\tbound", bad3[] = "zz\ta\tb\tc";
        OK(early_line_parse(bad1, &el) == -EINVAL && early_line_parse(bad2, &el) == -EINVAL && early_line_parse(bad3, &el) == -EINVAL,
           "comments, short lines and non-addresses are refused");
        len = 0;
        char small[8];
        early_line_format(small, sizeof(small), &len, "0000:01:00.0", "bound", "-", "why");
        OK(len < sizeof(small) && strlen(small) == len, "a line never runs past the buffer");
}

TEST(rooted_escape)
{
        escape_attempts("openat2");
        root_test_walk_only(true);
        escape_attempts("walk");
        root_test_walk_only(false);
}

void test_kparams(void);
void test_early(void);
void test_logic(void);

int main(void)
{
        test_kparams();
        addresses();
        numbers();
        bind_items();
        config_file();
        kernel_cmdline();
        polling_and_commands();
        rooted_io();
        rooted_escape();
        early_state_lines();
        test_early();
        test_logic();
        printf("1..%d\n", tap_n);
        return tap_failed != 0;
}
