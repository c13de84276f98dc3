#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut pre-udev hook: bind the configured devices before udev coldplug.
[ -x @LIBDIR@/pgs-early ] && @LIBDIR@/pgs-early
