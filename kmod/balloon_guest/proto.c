// SPDX-License-Identifier: GPL-2.0
/*
 * balloon_guest: the wire protocol codec, compiled into this module from the
 * one shared source (lib/msched_proto.c) so no object is shared between
 * modules.
 */
#include "../../lib/msched_proto.c"
