/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_xfer.h - the page arithmetic of a balloon transfer.
 *
 * balloon/transfer moves PAGES from one VM's memory to another's: the
 * giver's balloon target grows by PAGES, and once the giver's balloon has
 * grown, the taker's target shrinks by what was really given.  Every value
 * here may come from a guest (its announced size, its balloon's size), so
 * a hostile or broken guest can send anything up to U64_MAX: nothing may
 * wrap around.  Pure arithmetic, no state, no locking.
 */
#ifndef MSCHED_XFER_H
#define MSCHED_XFER_H

#include "msched_compat.h"

bool msched_xfer_can_give(u64 target, u64 guest_pages, u64 pages);
u64 msched_xfer_wait_for(u64 before, u64 pages);
u64 msched_xfer_given(u64 actual, u64 before, u64 pages);
u64 msched_xfer_undo_target(u64 target, u64 pages, u64 given);
u64 msched_xfer_take(u64 taker_target, u64 given);

#endif /* MSCHED_XFER_H */
