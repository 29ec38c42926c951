#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Push replication across two lab hosts: this host's file A (primary) to
# the peer's file B (standby, through peer_run), over rxe on the peer link;
# the checks of replicate_local.sh without its one-host sysfs ABI part
# (the records checker runs on the peer). Skips without a peer host
# (make check runs the lab with --peer 'bash selftests/rdma_failover/peer-agent.sh').
RFO_TWO_HOSTS=1 exec "$(dirname "$0")/replicate_local.sh"
