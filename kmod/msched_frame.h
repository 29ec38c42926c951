/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msched_frame.h - read one message of the memsched balloon protocol
 * (include/uapi/memsched_balloon.h) from a kernel stream socket.
 *
 * Shared by memsched.ko and balloon_guest.ko: each module compiles
 * msched_frame.c into itself (as with lib/msched_proto.c), so no object is
 * shared between modules.
 */
#ifndef _MSCHED_FRAME_H
#define _MSCHED_FRAME_H

#include <linux/types.h>

#include "msched_proto.h"

struct socket;

int msched_frame_recv(struct socket *sock, u8 *buf,
		      struct msched_proto_msg *m);

#endif /* _MSCHED_FRAME_H */
