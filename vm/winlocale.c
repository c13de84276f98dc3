/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/winlocale.c — what Windows Setup is told about language, keyboard and
 * time, taken from the ISO and the host:
 *   UILanguage     the ISO's language, from its ISO 9660 volume id (a consumer
 *                  ISO holds one language, and Setup stops on any other)
 *   User/SystemLocale  the host's LANG (de_DE.UTF-8 → de-DE)
 *   InputLocale    the host's keyboard (XKBLAYOUT of /etc/default/keyboard)
 *   TimeZone       the host's IANA zone in ICU's Windows zone mapping
 * Parsers of outside bytes here are fuzzed (tests/fuzz/fuzz_winlocale.c). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>

#include "shared/root.h"
#include "vm/install.h"

/* "EN-US", "en-us", "SR-LATN-RS" → "en-US", "sr-Latn-RS": a language of 2
 * or 3 letters, an optional script of 4, a region of 2; false for any other word */
static bool tag(const char *tok, size_t len, char out[WIN_LANG_MAX])
{
        size_t start[3], plen[3], parts = 0, i = 0;
        if (len < 5 || len >= WIN_LANG_MAX)
                return false;
        while (i <= len && parts < 3) {
                start[parts] = i;
                while (i < len && isalpha((unsigned char)tok[i]))
                        i++;
                plen[parts] = i - start[parts];
                parts++;
                if (i < len && tok[i] != '-')
                        return false;
                i++;
        }
        if (i <= len)
                return false;   /* more than three parts, or a stray byte */
        if (parts < 2 || plen[0] < 2 || plen[0] > 3 || plen[parts - 1] != 2 || (parts == 3 && plen[1] != 4))
                return false;
        for (size_t k = 0; k < len; k++) {
                unsigned char c = (unsigned char)tok[k];
                bool upper = k >= start[parts - 1] || (parts == 3 && k == start[1]);
                out[k] = c == '-' ? '-' : (char)(upper ? toupper(c) : tolower(c));
        }
        out[len] = 0;
        return true;
}

int win_iso_language(const unsigned char *pvd, size_t len, char out[WIN_LANG_MAX], char volid[33])
{
        /* the primary volume descriptor: type 1, "CD001", version 1; the
         * volume identifier at 40, 32 d-characters padded with spaces */
        volid[0] = 0;
        if (len < 72 || pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) || pvd[6] != 1)
                return -ENOMEDIUM;
        size_t n = 32;
        while (n && (pvd[40 + n - 1] == ' ' || pvd[40 + n - 1] == 0))
                n--;
        for (size_t i = 0; i < n; i++)
                volid[i] = isprint(pvd[40 + i]) ? (char)pvd[40 + i] : '?';
        volid[n] = 0;
        /* CCCOMA_X64FRE_EN-US_DV9, CPBA_X64FRE_DE-DE_DV5: a '_'-separated word
         * that is a language tag */
        for (size_t s = 0; s < n;) {
                size_t e = s;
                while (e < n && volid[e] != '_')
                        e++;
                if (tag(volid + s, e - s, out))
                        return 0;
                s = e + 1;
        }
        return -ENOENT;
}

int win_lang_locale(const char *lang, char out[WIN_LANG_MAX])
{
        /* ll_CC[.codeset][@modifier]; C, POSIX and C.UTF-8 say nothing */
        if (!lang || !isalpha((unsigned char)lang[0]))
                return -ENOENT;
        size_t i = 0;
        while (isalpha((unsigned char)lang[i]))
                i++;
        if (i < 2 || i > 3 || lang[i] != '_')
                return -ENOENT;
        size_t j = i + 1;
        while (isalpha((unsigned char)lang[j]))
                j++;
        if (j - i - 1 != 2 || (lang[j] && lang[j] != '.' && lang[j] != '@'))
                return -ENOENT;
        for (size_t k = 0; k < i; k++)
                out[k] = (char)tolower((unsigned char)lang[k]);
        out[i] = '-';
        out[i + 1] = (char)toupper((unsigned char)lang[i + 1]);
        out[i + 2] = (char)toupper((unsigned char)lang[i + 2]);
        out[i + 3] = 0;
        return 0;
}

/* XKB layout → the language whose default keyboard Windows gives it */
static const struct { const char *xkb, *win; } xkb_map[] = {
        { "us", "en-US" }, { "gb", "en-GB" }, { "ie", "en-IE" }, { "de", "de-DE" }, { "at", "de-AT" },
        { "ch", "de-CH" }, { "fr", "fr-FR" }, { "be", "fr-BE" }, { "ca", "fr-CA" }, { "es", "es-ES" },
        { "latam", "es-MX" }, { "it", "it-IT" }, { "pt", "pt-PT" }, { "br", "pt-BR" }, { "nl", "nl-NL" },
        { "se", "sv-SE" }, { "no", "nb-NO" }, { "dk", "da-DK" }, { "fi", "fi-FI" }, { "is", "is-IS" },
        { "pl", "pl-PL" }, { "cz", "cs-CZ" }, { "sk", "sk-SK" }, { "hu", "hu-HU" }, { "ro", "ro-RO" },
        { "hr", "hr-HR" }, { "si", "sl-SI" }, { "rs", "sr-Latn-RS" }, { "bg", "bg-BG" }, { "gr", "el-GR" },
        { "tr", "tr-TR" }, { "ru", "ru-RU" }, { "ua", "uk-UA" }, { "ee", "et-EE" }, { "lv", "lv-LV" },
        { "lt", "lt-LT" }, { "il", "he-IL" }, { "jp", "ja-JP" }, { "kr", "ko-KR" }, { "cn", "zh-CN" },
        { "tw", "zh-TW" },
};

int win_keyboard_locale(const char *text, size_t len, char out[WIN_LANG_MAX])
{
        /* a shell fragment: XKBLAYOUT="de,us" (the first layout counts) */
        for (size_t i = 0; i < len;) {
                size_t e = i;
                while (e < len && text[e] != '\n')
                        e++;
                const char *l = text + i;
                size_t ll = e - i;
                i = e + 1;
                while (ll && (*l == ' ' || *l == '\t'))
                        l++, ll--;
                if (ll < 10 || memcmp(l, "XKBLAYOUT=", 10))
                        continue;
                l += 10, ll -= 10;
                if (ll && (*l == '"' || *l == '\''))
                        l++, ll--;
                char lay[16];
                size_t n = 0;
                while (n < ll && n < sizeof(lay) - 1 && islower((unsigned char)l[n]))
                        lay[n] = l[n], n++;
                lay[n] = 0;
                for (size_t k = 0; k < sizeof(xkb_map) / sizeof(xkb_map[0]); k++)
                        if (!strcmp(xkb_map[k].xkb, lay)) {
                                snprintf(out, WIN_LANG_MAX, "%s", xkb_map[k].win);
                                return 0;
                        }
                return -ENOENT;
        }
        return -ENOENT;
}

int win_timezone(const char *iana, char *out, size_t size)
{
        UChar id[128], win[128];
        size_t n = strlen(iana);
        if (!n || n >= sizeof(id) / sizeof(id[0]) || size < 2)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if ((unsigned char)iana[i] < 0x21 || (unsigned char)iana[i] > 0x7e)
                        return -EINVAL;
                id[i] = (UChar)iana[i];
        }
        UErrorCode st = U_ZERO_ERROR;
        int32_t k = ucal_getWindowsTimeZoneID(id, (int32_t)n, win, (int32_t)(sizeof(win) / sizeof(win[0])), &st);
        if (U_FAILURE(st) || k <= 0 || (size_t)k >= size)
                return -ENOENT;
        for (int32_t i = 0; i < k; i++)
                out[i] = win[i] < 0x80 ? (char)win[i] : '?';
        out[k] = 0;
        return 0;
}

int win_host_zone(const struct pgs_root *r, char *out, size_t size)
{
        /* /etc/timezone (Debian), else the /etc/localtime link's zoneinfo tail */
        char *t = NULL, link[512];
        size_t len = 0;
        if (fs_read_file(r, "etc/timezone", 256, &t, &len) == 0) {
                while (len && (t[len - 1] == '\n' || t[len - 1] == ' '))
                        t[--len] = 0;
                int ok = len && len < size;
                if (ok)
                        memcpy(out, t, len + 1);
                free(t);
                if (ok)
                        return 0;
        }
        if (fs_readlink(r, "etc/localtime", link, sizeof(link)) < 0)
                return -ENOENT;
        const char *z = strstr(link, "zoneinfo/");
        if (!z || strlen(z + 9) >= size)
                return -ENOENT;
        snprintf(out, size, "%s", z + 9);
        return 0;
}
