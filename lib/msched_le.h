/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * msched_le.h - little-endian field access for the wire codecs
 * (msched_proto.c, the balloon protocol; msched_repl.c, rdma_failover's).
 *
 * One byte at a time: independent of host endianness, never an unaligned
 * access. The caller has checked the length.
 */
#ifndef _MSCHED_LE_H
#define _MSCHED_LE_H

#include "msched_compat.h"

static inline u16 get_le16(const u8 *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

static inline u32 get_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) |
	       ((u32)p[3] << 24);
}

static inline u64 get_le64(const u8 *p)
{
	return (u64)get_le32(p) | ((u64)get_le32(p + 4) << 32);
}

static inline void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

#endif /* _MSCHED_LE_H */
