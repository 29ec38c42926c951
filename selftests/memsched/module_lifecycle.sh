#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# memsched loads, shows its sysfs root and unloads cleanly, also while in use.
exec "$(dirname "$0")/../lib/module_lifecycle.sh" memsched /sys/kernel/mm/memsched MEMSCHED_ABI_VERSION
