#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# replicate_local.sh on a huge=always memschedfs mount: the same checks
# (the instant of the cut, B = A) with the file in 2 MiB folios, which
# dirty tracking records and ships whole (Documentation/design/
# huge-folios-plan.rst section 2), and the per-folio page counts.
RFO_HUGE=always exec "$(dirname "$0")/replicate_local.sh" "$@"
