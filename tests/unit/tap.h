/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/unit/tap.h — minimal TAP producer for the C unit tests. */
#pragma once
#include <stdio.h>
#include <string.h>

extern int tap_n, tap_failed;
#define TEST(name) static void name(void)
#define OK(cond, ...) do { int ok_ = !!(cond); tap_n++; \
        printf("%s %d - ", ok_ ? "ok" : "not ok", tap_n); printf(__VA_ARGS__); printf("\n"); \
        if (!ok_) { tap_failed++; printf("#   failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); } } while (0)
#define STREQ(a, b, ...) OK(strcmp((a), (b)) == 0, __VA_ARGS__)
