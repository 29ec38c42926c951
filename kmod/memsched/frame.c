// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the frame reader, compiled into this module from the one
 * shared source (kmod/msched_frame.c), as proto.c does with the codec, so
 * no object is shared between modules.
 */
#include "../msched_frame.c"
