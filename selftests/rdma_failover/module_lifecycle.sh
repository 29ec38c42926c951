#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rdma_failover loads, shows its sysfs root and unloads cleanly, also while in use.
exec "$(dirname "$0")/../lib/module_lifecycle.sh" rdma_failover /sys/kernel/rdma_failover RDMA_FAILOVER_ABI_VERSION
