/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the tools' BPF sides. Every memsched tracepoint a tool reads is
 * handled by two programs, one per way of attaching: "tp_btf/EV" (needs the
 * module's BTF, /sys/kernel/btf/memsched) and "raw_tp/EV" (by name only).
 * User space loads one of the two (msched_helpers.c, msched_choose_attach())
 * and turns the other's autoload off, as libbpf-tools does for tp_btf and
 * raw_tp. Both see the tracepoint's TP_PROTO arguments as an array of u64
 * (ctx), so one inline handler serves both.
 */
#ifndef __MSCHED_BPF_H
#define __MSCHED_BPF_H

/* MSCHED_TP(ev, fn): the two programs of tracepoint ev, both calling fn(ctx). */
#define MSCHED_TP(ev, fn)						\
	SEC("tp_btf/" #ev) int ev##_btf(u64 *ctx) { return fn(ctx); }	\
	SEC("raw_tp/" #ev) int ev##_raw(u64 *ctx) { return fn(ctx); }

/* Argument n of the tracepoint, as the type it was declared with. */
#define MSCHED_ARG_S32(n)	((s32)ctx[n])
#define MSCHED_ARG_U32(n)	((u32)ctx[n])
#define MSCHED_ARG_U64(n)	((u64)ctx[n])
#define MSCHED_ARG_BOOL(n)	((u8)ctx[n] != 0)

#define MSCHED_MAX_SLOTS	32

/* floor(log2(v)), 0 for 0 (libbpf-tools' bits.bpf.h log2l) */
static __always_inline u32 msched_log2(u64 v)
{
	u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

#endif /* __MSCHED_BPF_H */
