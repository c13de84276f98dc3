#!/bin/sh
# dracut pre-udev hook: bind the configured devices before udev coldplug.
[ -x @LIBDIR@/pgs-early ] && @LIBDIR@/pgs-early
