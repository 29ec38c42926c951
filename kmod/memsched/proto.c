// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the balloon wire-protocol codec, compiled into this module from
 * the one pure-C source that the guest module and the native tests share.
 */
#include "../../lib/msched_proto.c"
