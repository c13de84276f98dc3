/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/answer.c — the answer file Windows Setup reads (autounattend.xml) and
 * the two scripts it runs. libosinfo has no Windows 11 script and its
 * Windows 10 one partitions for BIOS/MBR; this one writes GPT (ESP, MSR,
 * Windows), the locales, one local administrator with one AutoLogon, the
 * edition's generic key, DriverPaths for virtio-win at any letter, and the
 * bypass keys only for what the domain lacks. Nothing in it turns a Windows
 * protection off. docs/vm.md shows the whole file. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/strutil.h"
#include "vm/install.h"

/* Microsoft's generic keys: they select the edition and install; they do
 * not activate */
static const struct { const char *edition, *key; } keys[] = {
        { "home", "YTMG3-N6DKC-DKB77-7M9GH-8HVX7" },
        { "home-n", "4CPRK-NM3K3-X6XXQ-RXX86-WXCHW" },
        { "pro", "VK7JG-NPHTM-C97JM-9MPGT-3V66T" },
        { "pro-n", "2B87N-8KFHP-DKV6R-Y2C8J-PKCKT" },
        { "pro-workstations", "DXG7C-N36C4-C4HTG-X4T3X-2YV77" },
        { "education", "YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY" },
        { "enterprise", "XGVPP-NMH47-7TTHJ-W3FW7-8HV2C" },
};
const char answer_editions[] = "home, home-n, pro, pro-n, pro-workstations, education, enterprise";

const char *answer_key(const char *edition)
{
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (!strcmp(keys[i].edition, edition))
                        return keys[i].key;
        return NULL;
}

void answer_computer_name(const char *name, char out[16])
{
        size_t o = 0;
        bool digits = true;
        for (const char *p = name; *p && o < 15; p++) {
                char c = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '-';
                if (c == '-' && (o == 0 || out[o - 1] == '-'))
                        continue;
                digits &= isdigit((unsigned char)c) != 0;
                out[o++] = c;
        }
        while (o && out[o - 1] == '-')
                o--;
        out[o] = 0;
        if (!o || digits)       /* NetBIOS refuses a name of digits only */
                snprintf(out, 16, "WIN-%.11s", o ? out : "PGS");
}

bool answer_user_ok(const char *u)
{
        size_t n = strlen(u);
        bool only_dots = true;
        if (!n || n > 20)
                return false;
        for (const char *p = u; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f || strchr("\"/\\[]:;|=,+*?<>@%", *p))
                        return false;
                only_dots &= *p == '.' || *p == ' ';
        }
        return !only_dots;
}

bool answer_password_ok(const char *pw)
{
        size_t n = strlen(pw);
        if (!n || n > 127)
                return false;
        for (const char *p = pw; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

/* every component carries the same five attributes */
static void component(FILE *f, const char *name)
{
        fprintf(f, "    <component name=\"%s\" processorArchitecture=\"amd64\" publicKeyToken=\"31bf3856ad364e35\""
                   " language=\"neutral\" versionScope=\"nonSxS\">\n", name);
}

static void locales(FILE *f, const struct answer *a)
{
        fprintf(f, "      <InputLocale>%s</InputLocale>\n      <SystemLocale>%s</SystemLocale>\n"
                   "      <UILanguage>%s</UILanguage>\n      <UserLocale>%s</UserLocale>\n",
                a->input_locale, a->user_locale, a->ui_lang, a->user_locale);
}

static void run_sync(FILE *f, unsigned order, const char *cmd)
{
        fprintf(f, "        <RunSynchronousCommand wcm:action=\"add\">\n          <Order>%u</Order>\n"
                   "          <Path>%s</Path>\n        </RunSynchronousCommand>\n", order, cmd);
}

static void windows_pe(FILE *f, const struct answer *a)
{
        fputs("  <settings pass=\"windowsPE\">\n", f);
        component(f, "Microsoft-Windows-International-Core-WinPE");
        fprintf(f, "      <SetupUILanguage>\n        <UILanguage>%s</UILanguage>\n      </SetupUILanguage>\n", a->ui_lang);
        locales(f, a);
        fputs("    </component>\n", f);
        /* virtio-win's storage driver, from whichever letter its CD gets */
        component(f, "Microsoft-Windows-PnpCustomizationsWinPE");
        fputs("      <DriverPaths>\n", f);
        unsigned k = 1;
        for (char d = 'D'; d <= 'H'; d++)
                fprintf(f, "        <PathAndCredentials wcm:action=\"add\" wcm:keyValue=\"%u\">\n"
                           "          <Path>%c:\\vioscsi\\w%u\\amd64</Path>\n        </PathAndCredentials>\n", k++, d, a->windows);
        fputs("      </DriverPaths>\n    </component>\n", f);
        component(f, "Microsoft-Windows-Setup");
        fputs("      <DiskConfiguration>\n        <Disk wcm:action=\"add\">\n          <DiskID>0</DiskID>\n"
              "          <WillWipeDisk>true</WillWipeDisk>\n          <CreatePartitions>\n", f);
        static const char *const parts[] = { "<Type>EFI</Type><Size>260</Size>", "<Type>MSR</Type><Size>16</Size>",
                                             "<Type>Primary</Type><Extend>true</Extend>" };
        for (unsigned i = 0; i < 3; i++)
                fprintf(f, "            <CreatePartition wcm:action=\"add\"><Order>%u</Order>%s</CreatePartition>\n", i + 1, parts[i]);
        fputs("          </CreatePartitions>\n          <ModifyPartitions>\n"
              "            <ModifyPartition wcm:action=\"add\"><Order>1</Order><PartitionID>1</PartitionID><Format>FAT32</Format><Label>System</Label></ModifyPartition>\n"
              "            <ModifyPartition wcm:action=\"add\"><Order>2</Order><PartitionID>2</PartitionID></ModifyPartition>\n"
              "            <ModifyPartition wcm:action=\"add\"><Order>3</Order><PartitionID>3</PartitionID><Format>NTFS</Format><Label>Windows</Label><Letter>C</Letter></ModifyPartition>\n"
              "          </ModifyPartitions>\n        </Disk>\n      </DiskConfiguration>\n"
              "      <ImageInstall>\n        <OSImage>\n          <InstallTo><DiskID>0</DiskID><PartitionID>3</PartitionID></InstallTo>\n"
              "        </OSImage>\n      </ImageInstall>\n", f);
        fprintf(f, "      <UserData>\n        <ProductKey><Key>%s</Key><WillShowUI>OnError</WillShowUI></ProductKey>\n"
                   "        <AcceptEula>true</AcceptEula>\n      </UserData>\n", answer_key(a->edition));
        if (a->bypass_tpm || a->bypass_secure_boot) {
                /* only what this domain lacks; Windows 10 asks for neither */
                unsigned o = 1;
                fputs("      <RunSynchronous>\n", f);
                if (a->bypass_tpm)
                        run_sync(f, o++, "reg add HKLM\\SYSTEM\\Setup\\LabConfig /v BypassTPMCheck /t REG_DWORD /d 1 /f");
                if (a->bypass_secure_boot)
                        run_sync(f, o++, "reg add HKLM\\SYSTEM\\Setup\\LabConfig /v BypassSecureBootCheck /t REG_DWORD /d 1 /f");
                fputs("      </RunSynchronous>\n", f);
        }
        fputs("    </component>\n  </settings>\n", f);
}

static void password(FILE *f, const char *indent, const struct answer *a)
{
        fprintf(f, "%s<Password>\n%s  <Value>", indent, indent);
        xml_str(f, a->password);
        fprintf(f, "</Value>\n%s  <PlainText>true</PlainText>\n%s</Password>\n", indent, indent);
}

static void oobe(FILE *f, const struct answer *a)
{
        fputs("  <settings pass=\"oobeSystem\">\n", f);
        component(f, "Microsoft-Windows-International-Core");
        locales(f, a);
        fputs("    </component>\n", f);
        component(f, "Microsoft-Windows-Shell-Setup");
        fputs("      <OOBE>\n        <HideEULAPage>true</HideEULAPage>\n        <HideOnlineAccountScreens>true</HideOnlineAccountScreens>\n"
              "        <HideWirelessSetupInOOBE>true</HideWirelessSetupInOOBE>\n        <ProtectYourPC>1</ProtectYourPC>\n      </OOBE>\n"
              "      <UserAccounts>\n        <LocalAccounts>\n          <LocalAccount wcm:action=\"add\">\n            <Name>", f);
        xml_str(f, a->user);
        fputs("</Name>\n            <Group>Administrators</Group>\n", f);
        password(f, "            ", a);
        fputs("          </LocalAccount>\n        </LocalAccounts>\n      </UserAccounts>\n"
              "      <AutoLogon>\n        <Enabled>true</Enabled>\n        <LogonCount>1</LogonCount>\n        <Username>", f);
        xml_str(f, a->user);
        fputs("</Username>\n", f);
        password(f, "        ", a);
        fputs("      </AutoLogon>\n"
              "      <FirstLogonCommands>\n        <SynchronousCommand wcm:action=\"add\">\n          <Order>1</Order>\n"
              "          <CommandLine>cmd /c for %d in (D E F G H I J K) do @if exist %d:\\pgs\\setup.cmd call %d:\\pgs\\setup.cmd %d:</CommandLine>\n"
              "          <Description>pgs: keep the first-boot task, power off</Description>\n"
              "        </SynchronousCommand>\n      </FirstLogonCommands>\n    </component>\n  </settings>\n", f);
}

char *answer_xml(const struct answer *a)
{
        char *buf = NULL;
        size_t len = 0;
        if (!answer_key(a->edition) || !answer_user_ok(a->user) || !answer_password_ok(a->password))
                return NULL;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<!-- written by pgs vm install: the answer ISO that carries it is deleted once Setup ends -->\n"
              "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\" xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\">\n", f);
        windows_pe(f, a);
        fputs("  <settings pass=\"specialize\">\n", f);
        component(f, "Microsoft-Windows-Shell-Setup");
        fprintf(f, "      <ComputerName>%s</ComputerName>\n      <TimeZone>", a->computer);
        xml_str(f, a->timezone);
        fputs("</TimeZone>\n    </component>\n  </settings>\n", f);
        oobe(f, a);
        fputs("</unattend>\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

char *answer_setup_cmd(const struct answer *a)
{
        (void)a;
        return strdup("@echo off\r\n"
                      "rem pgs: the end of Windows Setup (first logon). Keep what the first boot of the\r\n"
                      "rem final domain needs on the disk, register it as a task, then power off.\r\n"
                      "set P=%SystemDrive%\\ProgramData\\pgs\r\n"
                      "mkdir \"%P%\\drivers\" 2>nul\r\n"
                      "xcopy /e /i /y \"%~1\\pgs\" \"%P%\" >nul\r\n"
                      "for %%d in (D E F G H I J K) do @if exist %%d:\\virtio-win-guest-tools.exe copy /y %%d:\\virtio-win-guest-tools.exe \"%P%\\drivers\\\" >nul\r\n"
                      "schtasks /create /tn pgs-firstboot /sc onstart /ru SYSTEM /rl HIGHEST /f /tr \"%P%\\firstboot.cmd\"\r\n"
                      "shutdown /s /t 5 /c \"pgs: Windows Setup is done\"\r\n");
}

/* a driver's silent install, by its kind (install.c accepts only these) */
const char *answer_driver_flags(const char *base)
{
        char low[128];
        size_t n = strlen(base);
        if (n >= sizeof(low))
                return NULL;
        for (size_t i = 0; i <= n; i++)
                low[i] = (char)tolower((unsigned char)base[i]);
        bool exe = n > 4 && !strcmp(low + n - 4, ".exe");
        if (n > 4 && !strcmp(low + n - 4, ".msi"))
                return "msi";
        if (!exe)
                return NULL;
        if (strstr(low, "looking-glass"))
                return "/S";
        if (strstr(low, "nvidia") || strstr(low, "geforce") || strstr(low, "-dch-"))
                return "-s -noreboot -noeula -clean";
        if (strstr(low, "amd") || strstr(low, "radeon") || strstr(low, "adrenalin"))
                return "-INSTALL";
        if (strstr(low, "intel") || strstr(low, "gfx_win"))
                return "-s";
        return NULL;
}

char *answer_firstboot_cmd(const struct answer *a)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        fputs("@echo off\r\n"
              "rem pgs: the first boot of the final domain, where the GPU is present: its\r\n"
              "rem driver, virtio's guest tools, Looking Glass's host; then the task goes and\r\n"
              "rem the guest powers off (pgs vm install waits for that).\r\n"
              "set P=%SystemDrive%\\ProgramData\\pgs\r\n"
              "cd /d \"%P%\\drivers\"\r\n"
              "if exist virtio-win-guest-tools.exe start /wait \"\" virtio-win-guest-tools.exe /install /quiet /norestart\r\n", f);
        for (const char *const *d = a->drivers; d && *d; d++) {
                const char *fl = answer_driver_flags(*d);
                if (fl && !strcmp(fl, "msi"))
                        fprintf(f, "start /wait \"\" msiexec /i \"%s\" /qn /norestart\r\n", *d);
                else if (fl)
                        fprintf(f, "start /wait \"\" \"%s\" %s\r\n", *d, fl);
        }
        fputs("schtasks /delete /tn pgs-firstboot /f\r\n"
              "shutdown /s /t 5 /c \"pgs: drivers installed\"\r\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
