#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# balloon_guest loads, shows its sysfs root and unloads cleanly, also while in use.
exec "$(dirname "$0")/../lib/module_lifecycle.sh" balloon_guest /sys/kernel/mm/balloon_guest BALLOON_GUEST_ABI_VERSION
