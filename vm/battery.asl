/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/battery.asl — the ACPI table `pgs vm create --laptop` gives the guest:
 * a battery (full, on mains power) and its adapter. NVIDIA's mobile
 * drivers stop with Error 43 on a "laptop" GPU in a machine without a
 * battery. Compiled with iasl at build time (Makefile) and carried inside
 * pgs-vm (vm/battery.S), which writes it to /var/lib/pgs/firmware. */
DefinitionBlock ("", "SSDT", 2, "PGS", "BATTERY", 0x00000001)
{
    Scope (\_SB)
    {
        /* a battery, full and on mains power */
        Device (BAT0)
        {
            Name (_HID, EisaId ("PNP0C0A"))
            Name (_UID, One)
            Name (_PCL, Package (0x01) { \_SB })
            Method (_STA, 0, NotSerialized) { Return (0x1F) }
            Method (_BIF, 0, NotSerialized)
            {
                Return (Package (0x0D)
                {
                    Zero,           /* power unit: mWh */
                    50000,          /* design capacity */
                    50000,          /* last full charge capacity */
                    One,            /* rechargeable */
                    12000,          /* design voltage, mV */
                    5000,           /* warning level */
                    2500,           /* low level */
                    100,            /* granularity 1 */
                    100,            /* granularity 2 */
                    "PGS BATTERY",  /* model */
                    "1",            /* serial */
                    "LION",         /* type */
                    "pgs"           /* OEM */
                })
            }
            Method (_BST, 0, NotSerialized)
            {
                Return (Package (0x04) { Zero, Zero, 50000, 12000 })
            }
        }
        /* the mains adapter the battery is on */
        Device (AC)
        {
            Name (_HID, "ACPI0003")
            Name (_PCL, Package (0x01) { \_SB })
            Method (_STA, 0, NotSerialized) { Return (0x0F) }
            Method (_PSR, 0, NotSerialized) { Return (One) }
        }
    }
}
