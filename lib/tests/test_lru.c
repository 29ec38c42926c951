// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_lru.c - LRU stack-distance engine against naive reference models.
 */
#include "test_util.h"
#include "msched_lru.h"

/* Naive Mattson LRU stack: O(depth) per access. */
struct naive_stack {
	u32 *slot;	/* slot[0] is the most recently used */
	u32 depth;
};

static void ns_init(struct naive_stack *s, u32 max_slots)
{
	s->slot = tmalloc(sizeof(u32) * max_slots);
	s->depth = 0;
}

static int ns_find(const struct naive_stack *s, u32 slot)
{
	u32 i;

	for (i = 0; i < s->depth; i++)
		if (s->slot[i] == slot)
			return (int)i;
	return -1;
}

static u64 ns_access(struct naive_stack *s, u32 slot)
{
	int i = ns_find(s, slot);
	u64 pos;

	if (i < 0) {
		memmove(s->slot + 1, s->slot, sizeof(u32) * s->depth);
		s->depth++;
		pos = 0;
	} else {
		memmove(s->slot + 1, s->slot, sizeof(u32) * i);
		pos = (u64)i + 1;
	}
	s->slot[0] = slot;
	return pos;
}

static void ns_forget(struct naive_stack *s, u32 slot)
{
	int i = ns_find(s, slot);

	if (i < 0)
		return;
	memmove(s->slot + i, s->slot + i + 1,
		sizeof(u32) * (s->depth - (u32)i - 1));
	s->depth--;
}

/* Naive model of the batch convention: per-slot batch number. */
struct naive_batch {
	u64 *batch;	/* 0 = never */
	u32 n;
	u64 cur;
};

static u64 nb_access(struct naive_batch *b, u32 slot)
{
	u64 old = b->batch[slot], pos = 0;
	u32 i;

	b->batch[slot] = b->cur;
	if (!old)
		return 0;
	for (i = 0; i < b->n; i++)
		if (b->batch[i] && (b->batch[i] >= old || i == slot))
			pos++;
	return pos;
}

struct lru_fixture {
	struct msched_lru lru;
	void *mem;
};

static void lf_init(struct lru_fixture *f, u32 max_slots)
{
	f->mem = tmalloc(msched_lru_mem_bytes(max_slots));
	assert_int_equal(msched_lru_init(&f->lru, f->mem, max_slots), 0);
}

/* Slot generator with locality: hot set, recent reuse, uniform, scans. */
static u32 gen_slot(struct trng *r, u32 max_slots, u32 *scan_pos)
{
	u64 p = trng_below(r, 100);
	u32 hot = max_slots / 8 ? max_slots / 8 : 1;

	if (p < 45)
		return (u32)trng_below(r, hot);
	if (p < 60)
		return (*scan_pos)++ % max_slots;
	return (u32)trng_below(r, max_slots);
}

static void run_single_vs_mattson(u32 max_slots, u32 nr_refs, u64 seed,
				  bool with_forget)
{
	struct lru_fixture f;
	struct naive_stack ns;
	struct trng r;
	u32 i, slot, scan = 0;
	u64 got, want;

	lf_init(&f, max_slots);
	ns_init(&ns, max_slots);
	trng_seed(&r, seed);
	for (i = 0; i < nr_refs; i++) {
		slot = gen_slot(&r, max_slots, &scan);
		if (with_forget && trng_below(&r, 100) == 0) {
			msched_lru_forget(&f.lru, slot);
			ns_forget(&ns, slot);
			assert_int_equal(msched_lru_slot_batch(&f.lru, slot),
					 MSCHED_SCAN_NEVER);
			continue;
		}
		msched_lru_batch_begin(&f.lru);
		got = msched_lru_access(&f.lru, slot);
		want = ns_access(&ns, slot);
		if (got != want)
			fail_msg("max_slots=%u seed=%llu ref=%u slot=%u got=%llu want=%llu",
				 max_slots, (unsigned long long)seed, i, slot,
				 (unsigned long long)got,
				 (unsigned long long)want);
		assert_int_equal(msched_lru_nr_live(&f.lru), ns.depth);
	}
	tdiag("lru single max_slots=%u refs=%u compactions=%llu", max_slots,
	      nr_refs, (unsigned long long)f.lru.nr_compactions);
	free(ns.slot);
	free(f.mem);
}

static void test_single_vs_mattson(void **state)
{
	(void)state;
	run_single_vs_mattson(1, 20000, 1, false);
	run_single_vs_mattson(2, 20000, 2, true);
	run_single_vs_mattson(3, 50000, 3, true);
	run_single_vs_mattson(7, 100000, 4, false);
	run_single_vs_mattson(50, 200000, 5, true);
	run_single_vs_mattson(300, 100000, 6, false);
	run_single_vs_mattson(1000, 50000, 7, true);
}

static void run_batched_vs_naive(u32 max_slots, u32 nr_batches, u64 seed)
{
	struct lru_fixture f;
	struct naive_batch nb;
	struct trng r;
	u32 b, j, len, slot, scan = 0;
	u64 got, want, batch;

	lf_init(&f, max_slots);
	nb.n = max_slots;
	nb.batch = calloc(max_slots, sizeof(u64));
	assert_non_null(nb.batch);
	nb.cur = 0;
	trng_seed(&r, seed);
	for (b = 0; b < nr_batches; b++) {
		batch = msched_lru_batch_begin(&f.lru);
		nb.cur++;
		assert_int_equal(batch, nb.cur);
		assert_int_equal(msched_lru_cur_batch(&f.lru), nb.cur);
		/* Empty batches, small ones and ones larger than max_slots. */
		len = (u32)trng_below(&r, 2 * max_slots + 1);
		for (j = 0; j < len; j++) {
			slot = gen_slot(&r, max_slots, &scan);
			got = msched_lru_access(&f.lru, slot);
			want = nb_access(&nb, slot);
			if (got != want)
				fail_msg("max_slots=%u batch=%u slot=%u got=%llu want=%llu",
					 max_slots, b, slot,
					 (unsigned long long)got,
					 (unsigned long long)want);
		}
		for (j = 0; j < max_slots; j++)
			assert_int_equal(msched_lru_slot_batch(&f.lru, j),
					 nb.batch[j]);
	}
	tdiag("lru batched max_slots=%u batches=%u compactions=%llu",
	      max_slots, nr_batches, (unsigned long long)f.lru.nr_compactions);
	assert_true(f.lru.nr_compactions > 0);
	free(nb.batch);
	free(f.mem);
}

static void test_batched_vs_naive(void **state)
{
	(void)state;
	run_batched_vs_naive(1, 5000, 11);
	run_batched_vs_naive(5, 5000, 12);
	run_batched_vs_naive(40, 3000, 13);
	run_batched_vs_naive(200, 1000, 14);
}

static void test_forced_compaction(void **state)
{
	struct lru_fixture f;
	struct naive_stack ns;
	struct trng r;
	u32 i, slot;
	u64 got, want;

	(void)state;
	lf_init(&f, 8);
	ns_init(&ns, 8);
	trng_seed(&r, 99);
	for (i = 0; i < 300000; i++) {
		slot = (u32)trng_below(&r, 8);
		msched_lru_batch_begin(&f.lru);
		got = msched_lru_access(&f.lru, slot);
		want = ns_access(&ns, slot);
		assert_int_equal(got, want);
		/* Stamps stay within capacity and batch numbers keep growing. */
		assert_true(f.lru.cur_stamp <= f.lru.nr_stamps);
		assert_int_equal(msched_lru_slot_batch(&f.lru, slot), i + 1);
	}
	/* Capacity 2*8+64 = 80, at most 9 stamps live: one per >= 71 batches. */
	tdiag("lru forced compaction batches=300000 compactions=%llu",
	      (unsigned long long)f.lru.nr_compactions);
	assert_true(f.lru.nr_compactions >= 300000 / 80);
	assert_true(f.lru.nr_compactions <= 300000 / 71 + 1);
	free(ns.slot);
	free(f.mem);
}

static void run_cyclic(u32 max_slots, u32 w, u32 nr_batches, bool one_batch)
{
	struct lru_fixture f;
	struct trng r;
	u32 *perm = tmalloc(sizeof(u32) * w);
	u32 b, i, j, t;
	u64 pos;

	lf_init(&f, max_slots);
	trng_seed(&r, w);
	for (i = 0; i < w; i++)
		perm[i] = i * (max_slots / w);
	for (b = 0; b < nr_batches; b++) {
		/* Random order inside each pass: the result must not depend on it. */
		for (i = w - 1; i > 0; i--) {
			j = (u32)trng_below(&r, i + 1);
			t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		if (one_batch)
			msched_lru_batch_begin(&f.lru);
		for (i = 0; i < w; i++) {
			if (!one_batch)
				msched_lru_batch_begin(&f.lru);
			pos = msched_lru_access(&f.lru, perm[i]);
			if (one_batch || b == 0) {
				assert_int_equal(pos, b ? w : 0);
			} else {
				/* Mattson distance of a shuffled loop. */
				assert_true(pos >= 1 && pos <= 2 * w - 1);
			}
		}
	}
	tdiag("lru cyclic W=%u max_slots=%u batches=%u compactions=%llu",
	      w, max_slots, nr_batches, (unsigned long long)f.lru.nr_compactions);
	free(perm);
	free(f.mem);
}

static void test_cyclic_batches(void **state)
{
	(void)state;
	/* One batch per pass: every re-access reports exactly W. */
	run_cyclic(100, 100, 1000, true);
	run_cyclic(1000, 100, 5000, true);
	run_cyclic(4096, 4096, 50, true);
	run_cyclic(1, 1, 500, true);
	/* One access per batch: positions are Mattson distances. */
	run_cyclic(64, 64, 200, false);
}

static void test_cyclic_in_order(void **state)
{
	struct lru_fixture f;
	u32 b, i, w = 37;

	(void)state;
	lf_init(&f, w);
	for (b = 0; b < 100; b++) {
		for (i = 0; i < w; i++) {
			msched_lru_batch_begin(&f.lru);
			assert_int_equal(msched_lru_access(&f.lru, i), b ? w : 0);
		}
	}
	free(f.mem);
}

static void test_batch_convention(void **state)
{
	struct lru_fixture f;

	(void)state;
	lf_init(&f, 10);
	/* No batch begun: the first access opens batch 1 implicitly. */
	assert_int_equal(msched_lru_access(&f.lru, 0), 0);
	assert_int_equal(msched_lru_cur_batch(&f.lru), 1);
	assert_int_equal(msched_lru_access(&f.lru, 1), 0);
	assert_int_equal(msched_lru_access(&f.lru, 2), 0);
	/* Same batch again: counts the slots touched so far in the batch. */
	assert_int_equal(msched_lru_access(&f.lru, 1), 3);
	assert_int_equal(msched_lru_batch_begin(&f.lru), 2);
	assert_int_equal(msched_lru_access(&f.lru, 2), 3);
	assert_int_equal(msched_lru_access(&f.lru, 0), 3);
	assert_int_equal(msched_lru_access(&f.lru, 0), 2);
	assert_int_equal(msched_lru_batch_begin(&f.lru), 3);
	assert_int_equal(msched_lru_access(&f.lru, 1), 3);
	assert_int_equal(msched_lru_access(&f.lru, 1), 1);
	assert_int_equal(msched_lru_slot_batch(&f.lru, 0), 2);
	assert_int_equal(msched_lru_slot_batch(&f.lru, 1), 3);
	assert_int_equal(msched_lru_slot_batch(&f.lru, 5), MSCHED_SCAN_NEVER);
	free(f.mem);
}

static void test_reset_and_args(void **state)
{
	struct lru_fixture f;
	u64 buf[64];
	u32 i;

	(void)state;
	assert_int_equal(msched_lru_mem_bytes(0), 0);
	assert_int_equal(msched_lru_mem_bytes(MSCHED_LRU_MAX_SLOTS + 1), 0);
	assert_int_equal(msched_lru_mem_bytes(1), 8 + 4 + (2 + 64 + 1) * 4);
	assert_int_equal(msched_lru_init(&f.lru, buf, 0), -MSCHED_EINVAL);
	assert_int_equal(msched_lru_init(&f.lru, NULL, 4), -MSCHED_EINVAL);
	assert_int_equal(msched_lru_init(&f.lru, (u8 *)buf + 4, 1),
			 -MSCHED_EINVAL);

	lf_init(&f, 16);
	for (i = 0; i < 1000; i++) {
		msched_lru_batch_begin(&f.lru);
		msched_lru_access(&f.lru, i % 16);
	}
	assert_int_equal(msched_lru_nr_live(&f.lru), 16);
	assert_true(f.lru.nr_compactions > 0);
	/* Out-of-range slots are ignored. */
	assert_int_equal(msched_lru_access(&f.lru, 16), 0);
	assert_int_equal(msched_lru_slot_batch(&f.lru, 16), MSCHED_SCAN_NEVER);
	msched_lru_forget(&f.lru, 99);
	assert_int_equal(msched_lru_nr_live(&f.lru), 16);

	msched_lru_reset(&f.lru);
	assert_int_equal(msched_lru_nr_live(&f.lru), 0);
	assert_int_equal(msched_lru_cur_batch(&f.lru), 0);
	assert_int_equal(f.lru.nr_compactions, 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(msched_lru_slot_batch(&f.lru, i), 0);
	for (i = 0; i < 16; i++) {
		msched_lru_batch_begin(&f.lru);
		assert_int_equal(msched_lru_access(&f.lru, i), 0);
	}
	msched_lru_batch_begin(&f.lru);
	assert_int_equal(msched_lru_access(&f.lru, 0), 16);
	/* Forget: the slot leaves the stack and becomes cold again. */
	msched_lru_forget(&f.lru, 5);
	assert_int_equal(msched_lru_nr_live(&f.lru), 15);
	msched_lru_batch_begin(&f.lru);
	assert_int_equal(msched_lru_access(&f.lru, 1), 15);
	assert_int_equal(msched_lru_access(&f.lru, 5), 0);
	free(f.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_vs_mattson),
		cmocka_unit_test(test_batched_vs_naive),
		cmocka_unit_test(test_forced_compaction),
		cmocka_unit_test(test_cyclic_batches),
		cmocka_unit_test(test_cyclic_in_order),
		cmocka_unit_test(test_batch_convention),
		cmocka_unit_test(test_reset_and_args),
	};

	return cmocka_run_group_tests_name("lru", tests, NULL, NULL);
}
