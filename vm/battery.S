/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/battery.S — the compiled vm/battery.asl inside pgs-vm: no path under
 * /usr to look for, and the bytes written are the bytes built. */
        .section .rodata
        .global pgs_battery_aml
        .global pgs_battery_aml_end
        .balign 16
pgs_battery_aml:
        .incbin BATTERY_AML
pgs_battery_aml_end:
        .section .note.GNU-stack,"",@progbits
