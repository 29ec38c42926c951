// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_swap.c - swap slot allocator and swap-out page selection.
 */
#include "test_util.h"
#include "msched_swap.h"

/* A slot map with its own memory. */
struct tslots {
	struct msched_swap_slots s;
	u64 *mem;
};

static void tslots_init(struct tslots *t, u64 nr)
{
	t->mem = tmalloc(msched_swap_slots_mem_bytes(nr));
	/* Garbage that init must clear. */
	memset(t->mem, 0xa5, msched_swap_slots_mem_bytes(nr));
	assert_int_equal(msched_swap_slots_init(&t->s, t->mem, nr), 0);
}

static void tslots_free(struct tslots *t)
{
	free(t->mem);
}

static bool slot_used(const struct tslots *t, u64 i)
{
	return (t->mem[i >> 6] >> (i & 63)) & 1;
}

/* Number of used slots in [a, b), read from the bitmap itself. */
static u64 count_used(const struct tslots *t, u64 a, u64 b)
{
	u64 n = 0;

	for (; a < b; a++)
		n += slot_used(t, a);
	return n;
}

/* Allocate and check the run's start and length. */
static void alloc_expect(struct tslots *t, u32 want, u64 exp_start,
			 u32 exp_len)
{
	u64 start = 0xdeadbeefULL;
	u32 len = msched_swap_slots_alloc(&t->s, want, &start);

	assert_int_equal(len, exp_len);
	if (exp_len) {
		assert_int_equal(start, exp_start);
		assert_int_equal(count_used(t, start, start + len), len);
	} else {
		assert_int_equal(start, 0xdeadbeefULL);	/* untouched */
	}
}

static void test_mem_bytes_init(void **state)
{
	struct msched_swap_slots s;
	u64 word = 0;

	(void)state;
	assert_int_equal(msched_swap_slots_mem_bytes(0), 0);
	assert_int_equal(msched_swap_slots_mem_bytes(1), 8);
	assert_int_equal(msched_swap_slots_mem_bytes(64), 8);
	assert_int_equal(msched_swap_slots_mem_bytes(65), 16);
	assert_int_equal(msched_swap_slots_mem_bytes(1ULL << 32), 1ULL << 29);
	assert_int_equal(msched_swap_slots_init(NULL, &word, 1),
			 -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_init(&s, NULL, 1), -MSCHED_EINVAL);
	/* An empty device: nothing to allocate, every free is out of range. */
	assert_int_equal(msched_swap_slots_init(&s, NULL, 0), 0);
	assert_int_equal(msched_swap_slots_alloc(&s, 8, &word), 0);
	assert_int_equal(msched_swap_slots_free(&s, 0, 1), -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_bad_frees(&s), 1);
	assert_int_equal(msched_swap_slots_used(&s), 0);
}

/* Consecutive allocations fill consecutive slots; the device end cuts. */
static void test_alloc_contiguous(void **state)
{
	struct tslots t;

	(void)state;
	tslots_init(&t, 200);
	assert_int_equal(count_used(&t, 0, 200), 0);
	alloc_expect(&t, 0, 0, 0);		/* want 0: nothing */
	alloc_expect(&t, 1, 0, 1);
	alloc_expect(&t, 64, 1, 64);		/* crosses a word boundary */
	alloc_expect(&t, 70, 65, 70);
	assert_int_equal(msched_swap_slots_used(&t.s), 135);
	alloc_expect(&t, 100, 135, 65);		/* cut at the end of device */
	assert_int_equal(msched_swap_slots_used(&t.s), 200);
	assert_int_equal(count_used(&t, 0, 200), 200);
	alloc_expect(&t, 1, 0, 0);		/* full */
	alloc_expect(&t, 1000, 0, 0);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 0);
	tslots_free(&t);
}

/* The cursor continues after the last run and wraps to slot 0 once. */
static void test_next_fit_wraps(void **state)
{
	struct tslots t;

	(void)state;
	tslots_init(&t, 100);
	alloc_expect(&t, 40, 0, 40);
	alloc_expect(&t, 40, 40, 40);
	assert_int_equal(msched_swap_slots_free(&t.s, 0, 40), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 40);
	/* Next-fit: slots 80.. first, although 0..39 are free too. */
	alloc_expect(&t, 30, 80, 20);
	alloc_expect(&t, 30, 0, 30);		/* wrapped */
	alloc_expect(&t, 30, 30, 10);		/* cut at used slot 40 */
	alloc_expect(&t, 1, 0, 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 100);
	/* Free two holes; the cursor (at 40) finds the later one first. */
	assert_int_equal(msched_swap_slots_free(&t.s, 10, 5), 0);
	assert_int_equal(msched_swap_slots_free(&t.s, 90, 3), 0);
	alloc_expect(&t, 8, 90, 3);
	alloc_expect(&t, 8, 10, 5);
	alloc_expect(&t, 8, 0, 0);
	tslots_free(&t);
}

/* A run ends at the first used slot; the rest comes from the next call. */
static void test_run_cut_at_used(void **state)
{
	struct tslots t;

	(void)state;
	tslots_init(&t, 128);
	alloc_expect(&t, 128, 0, 128);		/* cursor wraps to 0 */
	assert_int_equal(msched_swap_slots_free(&t.s, 10, 10), 0);
	assert_int_equal(msched_swap_slots_free(&t.s, 30, 20), 0);
	assert_int_equal(msched_swap_slots_free(&t.s, 63, 3), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 95);
	alloc_expect(&t, 50, 10, 10);
	alloc_expect(&t, 50, 30, 20);
	alloc_expect(&t, 50, 63, 3);		/* across words 0 and 1 */
	alloc_expect(&t, 50, 0, 0);
	assert_int_equal(count_used(&t, 0, 128), 128);
	tslots_free(&t);
}

/* Frees make room again, exactly as much as was freed. */
static void test_full_then_free(void **state)
{
	struct tslots t;
	u64 i, start;
	u32 len, got = 0;

	(void)state;
	tslots_init(&t, 4096);
	for (i = 0; i < 16; i++)
		alloc_expect(&t, 256, i * 256, 256);
	alloc_expect(&t, 1, 0, 0);
	for (i = 0; i < 4096; i += 2)
		assert_int_equal(msched_swap_slots_free(&t.s, i, 1), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 2048);
	/* Every other slot is free: runs of one, all of them, then full. */
	while ((len = msched_swap_slots_alloc(&t.s, 256, &start))) {
		assert_int_equal(len, 1);
		assert_int_equal(start % 2, 0);
		got++;
	}
	assert_int_equal(got, 2048);
	assert_int_equal(msched_swap_slots_used(&t.s), 4096);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 0);
	tslots_free(&t);
}

/* Double and out-of-range frees are refused whole, counted, harmless. */
static void test_bad_free(void **state)
{
	struct tslots t;

	(void)state;
	tslots_init(&t, 100);
	alloc_expect(&t, 50, 0, 50);
	assert_int_equal(msched_swap_slots_free(&t.s, 10, 5), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 45);

	/* Double free of the same run. */
	assert_int_equal(msched_swap_slots_free(&t.s, 10, 5), -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 1);
	assert_int_equal(msched_swap_slots_used(&t.s), 45);
	/* Partly free range: refused whole, the used part stays used. */
	assert_int_equal(msched_swap_slots_free(&t.s, 5, 10), -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 2);
	assert_int_equal(count_used(&t, 5, 10), 5);
	assert_int_equal(msched_swap_slots_free(&t.s, 45, 10), -MSCHED_EINVAL);
	assert_int_equal(count_used(&t, 45, 50), 5);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 3);
	/* Never allocated. */
	assert_int_equal(msched_swap_slots_free(&t.s, 60, 1), -MSCHED_EINVAL);
	/* Out of range: start, end, and a length that would overflow. */
	assert_int_equal(msched_swap_slots_free(&t.s, 100, 1), -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_free(&t.s, 99, 2), -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_free(&t.s, 1, MSCHED_U64_MAX),
			 -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_free(&t.s, MSCHED_U64_MAX, 1),
			 -MSCHED_EINVAL);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 8);
	/* len 0 is a no-op, not an error. */
	assert_int_equal(msched_swap_slots_free(&t.s, 500, 0), 0);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 8);
	/* Nothing changed: 45 used, exactly 0..9 and 15..49. */
	assert_int_equal(msched_swap_slots_used(&t.s), 45);
	assert_int_equal(count_used(&t, 0, 10), 10);
	assert_int_equal(count_used(&t, 10, 15), 0);
	assert_int_equal(count_used(&t, 15, 50), 35);
	assert_int_equal(count_used(&t, 50, 100), 0);
	/* And the valid frees still work. */
	assert_int_equal(msched_swap_slots_free(&t.s, 0, 10), 0);
	assert_int_equal(msched_swap_slots_free(&t.s, 15, 35), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 0);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 8);
	tslots_free(&t);
}

/* Naive reference allocator: a byte per slot, the same next-fit rule. */
struct ref_slots {
	u8 *used;
	u64 nr, nr_used, cursor, bad;
};

static u32 ref_alloc(struct ref_slots *r, u32 want, u64 *start)
{
	u64 i, b = r->nr, cur = r->cursor < r->nr ? r->cursor : 0;
	u32 len = 0;

	if (!want)
		return 0;
	for (i = 0; i < r->nr; i++) {
		u64 j = (cur + i) % r->nr;

		if (!r->used[j]) {
			b = j;
			break;
		}
	}
	if (b == r->nr)
		return 0;
	while (len < want && b + len < r->nr && !r->used[b + len]) {
		r->used[b + len] = 1;
		len++;
	}
	r->nr_used += len;
	r->cursor = b + len == r->nr ? 0 : b + len;
	*start = b;
	return len;
}

static int ref_free(struct ref_slots *r, u64 start, u64 len)
{
	u64 i;

	if (!len)
		return 0;
	if (start >= r->nr || start + len > r->nr) {
		r->bad++;
		return -1;
	}
	for (i = start; i < start + len; i++) {
		if (!r->used[i]) {
			r->bad++;
			return -1;
		}
	}
	for (i = start; i < start + len; i++)
		r->used[i] = 0;
	r->nr_used -= len;
	return 0;
}

static void random_slots(u64 seed, u64 nr, u32 max_want, u32 ops)
{
	struct trng rng;
	struct tslots t;
	struct ref_slots r;
	u64 i, runs_cap = nr + 1, nr_runs = 0, *run_start, *run_len;
	u64 allocs = 0, frees = 0, bad = 0, fulls = 0;
	u32 op;

	trng_seed(&rng, seed);
	tslots_init(&t, nr);
	r.used = calloc(nr, 1);
	assert_non_null(r.used);
	r.nr = nr;
	r.nr_used = 0;
	r.cursor = 0;
	r.bad = 0;
	run_start = tmalloc(sizeof(u64) * runs_cap);
	run_len = tmalloc(sizeof(u64) * runs_cap);

	for (op = 0; op < ops; op++) {
		u64 k = trng_below(&rng, 100);

		if (k < 50) {
			u32 want = (u32)trng_below(&rng, max_want + 1);
			u64 s1 = ~0ULL, s2 = ~0ULL;
			u32 l1 = msched_swap_slots_alloc(&t.s, want, &s1);
			u32 l2 = ref_alloc(&r, want, &s2);

			assert_int_equal(l1, l2);
			if (l1) {
				assert_int_equal(s1, s2);
				assert_true(l1 <= want);
				run_start[nr_runs] = s1;
				run_len[nr_runs] = l1;
				nr_runs++;
				allocs++;
			} else if (want) {
				fulls++;
			}
		} else if (k < 90 && nr_runs) {
			/* Free all or part of a live run (splitting it). */
			u64 j = trng_below(&rng, nr_runs);
			u64 off = trng_below(&rng, run_len[j]);
			u64 len = 1 + trng_below(&rng, run_len[j] - off);
			u64 s = run_start[j], l = run_len[j];

			int e1 = msched_swap_slots_free(&t.s, s + off, len);

			assert_int_equal(e1, 0);
			assert_int_equal(ref_free(&r, s + off, len), 0);
			run_start[j] = run_start[nr_runs - 1];
			run_len[j] = run_len[nr_runs - 1];
			nr_runs--;
			if (off) {
				run_start[nr_runs] = s;
				run_len[nr_runs] = off;
				nr_runs++;
			}
			if (off + len < l) {
				run_start[nr_runs] = s + off + len;
				run_len[nr_runs] = l - off - len;
				nr_runs++;
			}
			frees++;
		} else {
			/* An arbitrary free, often double or out of range. */
			u64 s = trng_below(&rng, nr + 8);
			u64 len = trng_below(&rng, 16);
			int e1 = msched_swap_slots_free(&t.s, s, len);
			int e2 = ref_free(&r, s, len);

			assert_int_equal(e1 == 0, e2 == 0);
			if (e1) {
				bad++;
			} else if (len) {
				/* It freed live slots: rebuild the runs. */
				nr_runs = 0;
				for (i = 0; i < nr; i++) {
					if (!r.used[i])
						continue;
					if (nr_runs && run_start[nr_runs - 1] +
					    run_len[nr_runs - 1] == i) {
						run_len[nr_runs - 1]++;
					} else {
						run_start[nr_runs] = i;
						run_len[nr_runs] = 1;
						nr_runs++;
					}
				}
			}
		}
		assert_int_equal(msched_swap_slots_used(&t.s), r.nr_used);
		assert_int_equal(msched_swap_slots_bad_frees(&t.s), r.bad);
		if ((op & 63) == 0 || op == ops - 1) {
			for (i = 0; i < nr; i++)
				assert_int_equal(slot_used(&t, i), r.used[i]);
		}
	}
	assert_true(bad > 0);
	assert_true(allocs > 100);
	assert_true(frees > 50);
	tdiag("slots seed %llu nr %llu: %llu allocs, %llu frees, %llu refused, %llu full",
	      (unsigned long long)seed, (unsigned long long)nr,
	      (unsigned long long)allocs, (unsigned long long)frees,
	      (unsigned long long)bad, (unsigned long long)fulls);
	free(run_start);
	free(run_len);
	free(r.used);
	tslots_free(&t);
}

static void test_slots_random(void **state)
{
	(void)state;
	random_slots(1, 1000, 40, 20000);
	random_slots(2, 4099, 300, 20000);
	random_slots(3, 64, 70, 5000);
	random_slots(4, 1, 3, 2000);
}

/* Mark slots [a, b) used directly in the map (and in the count). */
static void mark_used(struct tslots *t, u64 a, u64 b)
{
	u64 i;

	for (i = a; i < b; i++)
		t->mem[i >> 6] |= 1ULL << (i & 63);
	t->s.used += b - a;
}

/* Holes of 100, 300 and 600 slots: the 600 one, the cursor after it. */
static void test_alloc_contig_finds_run(void **state)
{
	struct tslots t;
	u64 start = 0xdeadbeefULL;

	(void)state;
	tslots_init(&t, 4096);
	mark_used(&t, 0, 4096);
	/* Free 1000..1099, 2000..2299, 3000..3599. */
	t.s.used -= 100 + 300 + 600;
	{
		u64 i;

		for (i = 1000; i < 1100; i++)
			t.mem[i >> 6] &= ~(1ULL << (i & 63));
		for (i = 2000; i < 2300; i++)
			t.mem[i >> 6] &= ~(1ULL << (i & 63));
		for (i = 3000; i < 3600; i++)
			t.mem[i >> 6] &= ~(1ULL << (i & 63));
	}
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 512, &start), 512);
	assert_int_equal(start, 3000);
	assert_int_equal(t.s.cursor, 3512);
	assert_int_equal(msched_swap_slots_used(&t.s), 4096 - 488);
	assert_int_equal(count_used(&t, 3000, 3512), 512);
	assert_int_equal(count_used(&t, 3512, 3600), 0);
	/* 300 fits the 300 hole exactly (after wrapping past 3600). */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 300, &start), 300);
	assert_int_equal(start, 2000);
	assert_int_equal(t.s.cursor, 2300);
	/* 101 fits nowhere: 88 at 3512, 100 at 1000. */
	start = 0xdeadbeefULL;
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 101, &start), 0);
	assert_int_equal(start, 0xdeadbeefULL);
	assert_int_equal(t.s.cursor, 2300);
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 100, &start), 100);
	assert_int_equal(start, 1000);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 0);
	tslots_free(&t);
}

/* Fragmented (every other slot used): 0, nothing changes. */
static void test_alloc_contig_none(void **state)
{
	struct tslots t;
	u64 *copy, start = 0xdeadbeefULL, i, bytes;

	(void)state;
	tslots_init(&t, 1 << 16);
	for (i = 0; i < (1 << 16); i += 2)
		mark_used(&t, i, i + 1);
	t.s.cursor = 777;
	bytes = msched_swap_slots_mem_bytes(1 << 16);
	copy = tmalloc(bytes);
	memcpy(copy, t.mem, bytes);
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 2, &start), 0);
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 512, &start), 0);
	assert_int_equal(start, 0xdeadbeefULL);
	assert_int_equal(memcmp(copy, t.mem, bytes), 0);
	assert_int_equal(t.s.cursor, 777);
	assert_int_equal(msched_swap_slots_used(&t.s), 1 << 15);
	/* Want 1 still works (a free slot). */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 1, &start), 1);
	assert_int_equal(start, 777);
	/* Edge cases: 0, more than the device, more than free. */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 0, &start), 0);
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, (1 << 16) + 1,
							&start), 0);
	free(copy);
	tslots_free(&t);
}

/* The search wraps once; a run may end past the cursor; never past nr. */
static void test_alloc_contig_wraps(void **state)
{
	struct tslots t;
	u64 start = 0;

	(void)state;
	tslots_init(&t, 2000);
	/* Free: 0..599 and 1700..1999 (300 at the end). */
	mark_used(&t, 600, 1700);
	t.s.cursor = 1650;
	/* 512 does not fit at the end (300): wraps to 0. */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 512, &start), 512);
	assert_int_equal(start, 0);
	assert_int_equal(t.s.cursor, 512);
	/* 300 at the very end: ends exactly at nr, cursor back to 0. */
	assert_int_equal(msched_swap_slots_free(&t.s, 0, 512), 0);
	mark_used(&t, 0, 50);
	t.s.cursor = 400;		/* 400..599 is too short */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 300, &start), 300);
	assert_int_equal(start, 1700);
	assert_int_equal(t.s.cursor, 0);
	/* A run starting before the cursor and ending after it. */
	t.s.cursor = 400;
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 300, &start), 300);
	assert_int_equal(start, 50);
	assert_int_equal(t.s.cursor, 350);
	/* 250 left (350..599); 251 fits nowhere, map unchanged. */
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 251, &start), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), 2000 - 250);
	t.s.cursor = 1900;
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 250, &start), 250);
	assert_int_equal(start, 350);
	assert_int_equal(msched_swap_slots_used(&t.s), 2000);
	assert_int_equal(msched_swap_slots_bad_frees(&t.s), 0);
	tslots_free(&t);
}

/* A run farther than the scan bound from the cursor is not found. */
static void test_alloc_contig_scan_bound(void **state)
{
	u64 bound = (u64)MSCHED_SWAP_CONTIG_SCAN_WORDS * 64;
	u64 nr = 2 * bound + 4096, start = 0;
	struct tslots t;

	(void)state;
	tslots_init(&t, nr);
	/* Everything used but 512 free at 1.5 bound, plus 1 at 10. */
	mark_used(&t, 0, nr);
	assert_int_equal(msched_swap_slots_free(&t.s, bound + bound / 2, 512), 0);
	assert_int_equal(msched_swap_slots_free(&t.s, 10, 1), 0);
	t.s.cursor = 0;
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 512, &start), 0);
	assert_int_equal(msched_swap_slots_used(&t.s), nr - 513);
	/* From a cursor within the bound it is found. */
	t.s.cursor = bound;
	assert_int_equal(msched_swap_slots_alloc_contig(&t.s, 512, &start), 512);
	assert_int_equal(start, bound + bound / 2);
	/* The plain allocator still finds the single slot (no bound). */
	assert_int_equal(msched_swap_slots_alloc(&t.s, 512, &start), 1);
	assert_int_equal(start, 10);
	tslots_free(&t);
}

/* Select and compare with the expected indexes. */
static void select_expect(const u16 *heat, u32 nr_heat, const u32 *cand,
			  u32 nr_cand, u32 want, u32 below, const u32 *exp,
			  u32 nr_exp)
{
	u32 out[64], n, i;

	assert_true(nr_cand < ARRAY_SIZE(out));
	for (i = 0; i < ARRAY_SIZE(out); i++)
		out[i] = 0xeeeeeeeeU;
	n = msched_swap_select(heat, nr_heat, cand, NULL, nr_cand, want, below,
			       out, NULL);
	assert_int_equal(n, nr_exp);
	for (i = 0; i < nr_exp; i++)
		assert_int_equal(out[i], exp[i]);
	for (; i < ARRAY_SIZE(out); i++)
		assert_int_equal(out[i], 0xeeeeeeeeU);	/* nothing beyond */
}

static const u32 all10[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
/*                           idx: 0  1  2  3  4  5  6  7  8  9 */
static const u16 heat10[] =     { 5, 3, 9, 3, 0, 7, 3, 1, 8, 2 };

/* Exactly the coldest, ties by index, output ascending. */
static void test_select_coldest(void **state)
{
	static const u32 w1[] = { 4 };
	static const u32 w3[] = { 4, 7, 9 };
	static const u32 w4[] = { 1, 4, 7, 9 };		/* 3-tie: idx 1 */
	static const u32 w5[] = { 1, 3, 4, 7, 9 };	/* then idx 3 */
	static const u32 w6[] = { 1, 3, 4, 6, 7, 9 };
	static const u32 w7[] = { 0, 1, 3, 4, 6, 7, 9 };
	static const u32 w9[] = { 0, 1, 3, 4, 5, 6, 7, 8, 9 };

	(void)state;
	select_expect(heat10, 10, all10, 10, 0, MSCHED_SWAP_FORCE, NULL, 0);
	select_expect(heat10, 10, all10, 10, 1, MSCHED_SWAP_FORCE, w1, 1);
	select_expect(heat10, 10, all10, 10, 3, MSCHED_SWAP_FORCE, w3, 3);
	select_expect(heat10, 10, all10, 10, 4, MSCHED_SWAP_FORCE, w4, 4);
	select_expect(heat10, 10, all10, 10, 5, MSCHED_SWAP_FORCE, w5, 5);
	select_expect(heat10, 10, all10, 10, 6, MSCHED_SWAP_FORCE, w6, 6);
	select_expect(heat10, 10, all10, 10, 7, MSCHED_SWAP_FORCE, w7, 7);
	select_expect(heat10, 10, all10, 10, 9, MSCHED_SWAP_FORCE, w9, 9);
	select_expect(heat10, 10, all10, 10, 10, MSCHED_SWAP_FORCE, all10, 10);
	/* A bound above every heat behaves like force here. */
	select_expect(heat10, 10, all10, 10, 4, 256, w4, 4);
	select_expect(heat10, 10, all10, 10, 4, 10, w4, 4);
}

/* Only heat < below is eligible; want beyond that returns what there is. */
static void test_select_below(void **state)
{
	static const u32 b3[] = { 4, 7, 9 };		/* heat 0, 1, 2 */
	static const u32 b4[] = { 1, 3, 4, 6, 7, 9 };	/* and the 3s */
	static const u32 b4w4[] = { 1, 4, 7, 9 };
	static const u32 b1[] = { 4 };

	(void)state;
	select_expect(heat10, 10, all10, 10, 10, 0, NULL, 0);
	select_expect(heat10, 10, all10, 10, 10, 1, b1, 1);
	select_expect(heat10, 10, all10, 10, 10, 3, b3, 3);
	select_expect(heat10, 10, all10, 10, 1000, 3, b3, 3);
	select_expect(heat10, 10, all10, 10, 10, 4, b4, 6);
	select_expect(heat10, 10, all10, 10, 4, 4, b4w4, 4);
	select_expect(heat10, 10, all10, 10, 2, 3, b3, 2);	/* 4, 7 */
}

/* FORCE takes hot pages; without it hot pages stay. */
static void test_select_force(void **state)
{
	static const u16 hot[] = { 200, 255, 200, 250, 255, 200 };
	static const u32 cand[] = { 0, 1, 2, 3, 4, 5 };
	static const u32 f3[] = { 0, 2, 5 };
	static const u32 f4[] = { 0, 2, 3, 5 };
	static const u32 f5[] = { 0, 1, 2, 3, 5 };

	(void)state;
	select_expect(hot, 6, cand, 6, 6, 200, NULL, 0);
	select_expect(hot, 6, cand, 6, 6, 201, f3, 3);
	select_expect(hot, 6, cand, 6, 3, MSCHED_SWAP_FORCE, f3, 3);
	select_expect(hot, 6, cand, 6, 4, MSCHED_SWAP_FORCE, f4, 4);
	select_expect(hot, 6, cand, 6, 5, MSCHED_SWAP_FORCE, f5, 5);
	select_expect(hot, 6, cand, 6, 6, MSCHED_SWAP_FORCE, cand, 6);
	select_expect(hot, 6, cand, 6, 100, MSCHED_SWAP_FORCE, cand, 6);
	/* 255 is the top heat: below 255 leaves both 255s. */
	select_expect(hot, 6, cand, 6, 6, 255, f4, 4);
}

/*
 * Candidates are a subset; a candidate without a heat entry goes only with
 * FORCE, after every page with heat; heat above 255 counts as 255.
 */
static void test_select_subset_noheat(void **state)
{
	/* 12 and 15 have no heat entry. */
	static const u32 cand[] = { 2, 5, 6, 8, 12, 15 };
	static const u32 s2[] = { 5, 6 };	/* heat 7, 3 (8: 8, 2: 9) */
	static const u32 s3[] = { 5, 6, 8 };
	static const u32 s4[] = { 2, 5, 6, 8 };
	static const u32 s5[] = { 2, 5, 6, 8, 12 };
	static const u16 big[] = { 300, 255, 254, 0x8005 };
	static const u32 cbig[] = { 0, 1, 2, 3 };
	static const u32 b2[] = { 0, 2 };	/* 254, then 255-tie: idx 0 */
	static const u32 b3[] = { 0, 1, 2 };

	(void)state;
	select_expect(heat10, 10, cand, 6, 2, MSCHED_SWAP_FORCE, s2, 2);
	select_expect(heat10, 10, cand, 6, 3, MSCHED_SWAP_FORCE, s3, 3);
	select_expect(heat10, 10, cand, 6, 4, MSCHED_SWAP_FORCE, s4, 4);
	select_expect(heat10, 10, cand, 6, 5, MSCHED_SWAP_FORCE, s5, 5);
	select_expect(heat10, 10, cand, 6, 9, MSCHED_SWAP_FORCE, cand, 6);
	/* Without force, pages without heat are never taken. */
	select_expect(heat10, 10, cand, 6, 9, 1000, s4, 4);
	select_expect(heat10, 10, cand, 6, 9, MSCHED_SWAP_FORCE - 1, s4, 4);
	/* No heat at all: only force takes pages, in index order. */
	select_expect(NULL, 0, cand, 6, 9, 1000, NULL, 0);
	select_expect(NULL, 0, cand, 6, 3, MSCHED_SWAP_FORCE, cand, 3);
	select_expect(heat10, 0, cand, 6, 2, MSCHED_SWAP_FORCE, cand, 2);
	/* Clamping. */
	select_expect(big, 4, cbig, 4, 2, MSCHED_SWAP_FORCE, b2, 2);
	select_expect(big, 4, cbig, 4, 3, MSCHED_SWAP_FORCE, b3, 3);
	select_expect(big, 4, cbig, 4, 4, 255, cbig + 2, 1);
	/* No candidates. */
	select_expect(heat10, 10, cand, 0, 9, MSCHED_SWAP_FORCE, NULL, 0);
}

/* Heats spread over every histogram bucket. */
static void test_select_buckets(void **state)
{
	u16 heat[256];
	u32 cand[256], out[256], i, n;

	(void)state;
	for (i = 0; i < 256; i++) {
		heat[i] = (u16)(255 - i);	/* coldest at the end */
		cand[i] = i;
	}
	for (i = 0; i <= 256; i += 17) {
		n = msched_swap_select(heat, 256, cand, NULL, 256, i,
				       MSCHED_SWAP_FORCE, out, NULL);
		assert_int_equal(n, i < 256 ? i : 256);
		if (n) {
			assert_int_equal(out[0], 256 - n);
			assert_int_equal(out[n - 1], 255);
		}
	}
	/* below 100: heats 0..99 are idx 156..255. */
	n = msched_swap_select(heat, 256, cand, NULL, 256, 256, 100, out,
			       NULL);
	assert_int_equal(n, 100);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], 156 + i);
	n = msched_swap_select(heat, 256, cand, NULL, 256, 40, 100, out,
			       NULL);
	assert_int_equal(n, 40);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], 216 + i);
}

/* Naive reference: sort eligible (rank, idx) pairs, take @want, sort idx. */
struct ref_pick {
	u32 rank, pos, idx;
};

static int ref_cmp_rank(const void *a, const void *b)
{
	const struct ref_pick *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int ref_cmp_pos(const void *a, const void *b)
{
	const struct ref_pick *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static u32 ref_select(const u16 *heat, u32 nr_heat, const u32 *cand,
		      u32 nr_cand, u32 want, u32 below, u32 *out)
{
	struct ref_pick *p = tmalloc(sizeof(*p) * (nr_cand + 1));
	u32 i, n = 0;

	for (i = 0; i < nr_cand; i++) {
		u32 r;

		if (cand[i] < nr_heat) {
			r = heat[cand[i]] > 255 ? 255 : heat[cand[i]];
			if (r >= below)
				continue;
		} else {
			if (below != MSCHED_SWAP_FORCE)
				continue;
			r = 256;
		}
		p[n].rank = r;
		p[n].pos = i;
		p[n].idx = cand[i];
		n++;
	}
	qsort(p, n, sizeof(*p), ref_cmp_rank);
	if (n > want)
		n = want;
	qsort(p, n, sizeof(*p), ref_cmp_pos);
	for (i = 0; i < n; i++)
		out[i] = p[i].idx;
	free(p);
	return n;
}

static void test_select_random(void **state)
{
	static const u32 ranges[] = { 1, 4, 20, 256, 0x10000 };
	const u32 max = 3000;
	u16 *heat = tmalloc(sizeof(u16) * max);
	u32 *cand = tmalloc(sizeof(u32) * max);
	u32 *out = tmalloc(sizeof(u32) * (max + 2));
	u32 *exp = tmalloc(sizeof(u32) * (max + 2));
	struct trng rng;
	u64 picked = 0;
	u32 iter, i;

	(void)state;
	trng_seed(&rng, 14);
	for (iter = 0; iter < 3000; iter++) {
		u32 nr_pages = 1 + (u32)trng_below(&rng, max);
		u32 nr_heat = trng_below(&rng, 4) ? nr_pages :
			      (u32)trng_below(&rng, nr_pages + 1);
		u32 range = ranges[trng_below(&rng, ARRAY_SIZE(ranges))];
		u32 keep = 1 + (u32)trng_below(&rng, 100);	/* percent */
		u32 nr_cand = 0, want, below, n, m;

		for (i = 0; i < nr_pages; i++)
			heat[i] = (u16)trng_below(&rng, range);
		for (i = 0; i < nr_pages; i++)
			if (trng_below(&rng, 100) < keep)
				cand[nr_cand++] = i;
		want = (u32)trng_below(&rng, nr_cand + 2);
		switch (trng_below(&rng, 4)) {
		case 0:
			below = MSCHED_SWAP_FORCE;
			break;
		case 1:
			below = (u32)trng_below(&rng, 300);
			break;
		case 2:
			below = 1 + (u32)trng_below(&rng, range);
			break;
		default:
			below = MSCHED_SWAP_FORCE - (u32)trng_below(&rng, 2);
			break;
		}
		out[want] = 0xeeeeeeeeU;
		n = msched_swap_select(heat, nr_heat, cand, NULL, nr_cand,
				       want, below, out, NULL);
		m = ref_select(heat, nr_heat, cand, nr_cand, want, below, exp);
		assert_int_equal(n, m);
		assert_true(n <= want);
		for (i = 0; i < n; i++) {
			assert_int_equal(out[i], exp[i]);
			if (i)
				assert_true(out[i - 1] < out[i]);
		}
		assert_int_equal(out[want], 0xeeeeeeeeU);
		picked += n;
	}
	assert_true(picked > 100000);
	tdiag("select: 3000 random cases, %llu pages picked, all as the reference",
	      (unsigned long long)picked);
	free(heat);
	free(cand);
	free(out);
	free(exp);
}

/* Mixed weights 1 and 512: coldest first, ascending, want <= pages < want + 512. */
static void test_select_weighted(void **state)
{
	const u32 nr = 400;
	u16 *heat = tmalloc(sizeof(u16) * 512 * nr);
	u32 *cand = tmalloc(sizeof(u32) * nr), *w = tmalloc(sizeof(u32) * nr);
	u32 *out = tmalloc(sizeof(u32) * nr);
	struct trng rng;
	u32 iter, i, n, idx;
	u64 pages, elig_pages;

	(void)state;
	trng_seed(&rng, 17);
	/* Fixed case: folio 0 (512, heat 1), 512 (1, heat 0), 513 (512, heat 2). */
	{
		static const u32 c3[] = { 0, 512, 513 };
		static const u32 w3[] = { 512, 1, 512 };
		u16 h[1025] = { 0 };

		h[0] = 1;
		h[512] = 0;
		h[513] = 2;
		n = msched_swap_select(h, 1025, c3, w3, 3, 1, MSCHED_SWAP_FORCE,
				       out, &pages);
		assert_int_equal(n, 1);		/* the coldest, weight 1 */
		assert_int_equal(out[0], 512);
		assert_int_equal(pages, 1);
		n = msched_swap_select(h, 1025, c3, w3, 3, 2, MSCHED_SWAP_FORCE,
				       out, &pages);
		assert_int_equal(n, 2);		/* then the 512 of heat 1 */
		assert_int_equal(out[0], 0);
		assert_int_equal(out[1], 512);
		assert_int_equal(pages, 513);
		n = msched_swap_select(h, 1025, c3, w3, 3, 514, 2, out, &pages);
		assert_int_equal(n, 2);		/* below 2: heat 2 stays */
		assert_int_equal(pages, 513);
		n = msched_swap_select(h, 1025, c3, w3, 3, 514,
				       MSCHED_SWAP_FORCE, out, &pages);
		assert_int_equal(n, 3);
		assert_int_equal(pages, 1025);
	}
	for (iter = 0; iter < 2000; iter++) {
		u32 nc = 1 + (u32)trng_below(&rng, nr);
		u32 range = 1 + (u32)trng_below(&rng, 300);
		u32 below = trng_below(&rng, 2) ? MSCHED_SWAP_FORCE :
			    (u32)trng_below(&rng, 260);
		u32 want, maxrank = 0, k;

		idx = 0;
		elig_pages = 0;
		for (i = 0; i < nc; i++) {
			w[i] = trng_below(&rng, 3) ? 1 : 512;
			cand[i] = idx;
			heat[idx] = (u16)trng_below(&rng, range);
			if (heat[idx] < below || below == MSCHED_SWAP_FORCE)
				elig_pages += w[i];
			idx += w[i];
		}
		want = 1 + (u32)trng_below(&rng, idx + 600);
		n = msched_swap_select(heat, idx, cand, w, nc, want, below,
				       out, &pages);
		assert_true(n <= nc);
		if (elig_pages <= want) {
			assert_int_equal(pages, elig_pages);
		} else {
			assert_true(pages >= want);
			assert_true(pages < (u64)want + 512);
		}
		/* Ascending, eligible, and coldest first. */
		k = 0;
		for (i = 0; i < n; i++) {
			u32 h = heat[out[i]] > 255 ? 255 : heat[out[i]];

			if (i)
				assert_true(out[i - 1] < out[i]);
			if (below != MSCHED_SWAP_FORCE)
				assert_true(h < below);
			if (h > maxrank)
				maxrank = h;
		}
		/* Nothing colder than the hottest chosen was left out. */
		for (i = 0; i < nc; i++) {
			u32 h = heat[cand[i]];
			bool chosen = false;

			while (k < n && out[k] < cand[i])
				k++;
			chosen = k < n && out[k] == cand[i];
			if (!chosen && (below == MSCHED_SWAP_FORCE || h < below))
				assert_true(h >= maxrank);
		}
	}
	free(heat);
	free(cand);
	free(w);
	free(out);
}

/* nr_pages NULL and all-ones weights give the unweighted result. */
static void test_select_weighted_null_is_unweighted(void **state)
{
	const u32 max = 2000;
	u16 *heat = tmalloc(sizeof(u16) * max);
	u32 *cand = tmalloc(sizeof(u32) * max), *ones = tmalloc(sizeof(u32) * max);
	u32 *a = tmalloc(sizeof(u32) * (max + 1)), *b = tmalloc(sizeof(u32) * (max + 1));
	u32 *exp = tmalloc(sizeof(u32) * (max + 1));
	struct trng rng;
	u32 iter, i;

	(void)state;
	trng_seed(&rng, 18);
	for (i = 0; i < max; i++)
		ones[i] = 1;
	for (iter = 0; iter < 1000; iter++) {
		u32 nrp = 1 + (u32)trng_below(&rng, max), nc = 0, want, below;
		u32 na, nb, ne;
		u64 pa, pb;

		for (i = 0; i < nrp; i++) {
			heat[i] = (u16)trng_below(&rng, 1 + trng_below(&rng, 400));
			if (trng_below(&rng, 3))
				cand[nc++] = i;
		}
		want = (u32)trng_below(&rng, nc + 2);
		below = trng_below(&rng, 2) ? MSCHED_SWAP_FORCE :
			(u32)trng_below(&rng, 300);
		na = msched_swap_select(heat, nrp, cand, NULL, nc, want, below,
					a, &pa);
		nb = msched_swap_select(heat, nrp, cand, ones, nc, want, below,
					b, &pb);
		ne = ref_select(heat, nrp, cand, nc, want, below, exp);
		assert_int_equal(na, ne);
		assert_int_equal(nb, ne);
		assert_int_equal(pa, na);
		assert_int_equal(pb, nb);
		for (i = 0; i < na; i++) {
			assert_int_equal(a[i], exp[i]);
			assert_int_equal(b[i], exp[i]);
		}
	}
	free(heat);
	free(cand);
	free(ones);
	free(a);
	free(b);
	free(exp);
}

/*
 * msched_swap_select_max(): mixed 1- and 512-page candidates never above
 * @want; the same choice as msched_swap_select() whenever that one stays
 * within @want, and always with unit weights.
 */
static void test_select_max(void **state)
{
	const u32 nr = 200, nrp = nr * 512;
	u16 *heat = tmalloc(sizeof(u16) * nrp);
	u32 *cand = tmalloc(sizeof(u32) * nr), *w = tmalloc(sizeof(u32) * nr);
	u32 *a = tmalloc(sizeof(u32) * nr), *b = tmalloc(sizeof(u32) * nr);
	struct trng rng;
	u32 iter, i, n, m, idx;
	u64 pages, pm;

	(void)state;
	trng_seed(&rng, 19);
	{
		/* Folio 0 (512, heat 1), 512 (1, heat 0), 513 (512, heat 2). */
		static const u32 c3[] = { 0, 512, 513 };
		static const u32 w3[] = { 512, 1, 512 };
		u16 h[1025] = { 0 };

		h[0] = 1;
		h[512] = 0;
		h[513] = 2;
		n = msched_swap_select_max(h, 1025, c3, w3, 3, 1,
					   MSCHED_SWAP_FORCE, a, &pages);
		assert_int_equal(n, 1);
		assert_int_equal(a[0], 512);
		assert_int_equal(pages, 1);
		/* want 2: the uncapped one takes 513 pages, this one 1. */
		n = msched_swap_select(h, 1025, c3, w3, 3, 2, MSCHED_SWAP_FORCE,
				       a, &pages);
		assert_int_equal(pages, 513);
		n = msched_swap_select_max(h, 1025, c3, w3, 3, 2,
					   MSCHED_SWAP_FORCE, a, &pages);
		assert_int_equal(n, 1);
		assert_int_equal(a[0], 512);
		assert_int_equal(pages, 1);
		/* want 514: 0 and 512 (513 pages); 513 would pass 514. */
		n = msched_swap_select_max(h, 1025, c3, w3, 3, 514,
					   MSCHED_SWAP_FORCE, a, &pages);
		assert_int_equal(n, 2);
		assert_int_equal(a[0], 0);
		assert_int_equal(a[1], 512);
		assert_int_equal(pages, 513);
		/* want 1025: all three, as uncapped. */
		n = msched_swap_select_max(h, 1025, c3, w3, 3, 1025,
					   MSCHED_SWAP_FORCE, a, &pages);
		assert_int_equal(n, 3);
		assert_int_equal(pages, 1025);
		/*
		 * Coldest first under the cap: A (0, 512 pages, heat 5),
		 * C (512, 512 pages, heat 0), D (1024, 1 page, heat 0), want
		 * 600: C and D (513 pages), never the warmer A.
		 */
		{
			static const u32 cacd[] = { 0, 512, 1024 };
			static const u32 wacd[] = { 512, 512, 1 };
			u16 hacd[1025] = { 0 };

			hacd[0] = 5;
			n = msched_swap_select_max(hacd, 1025, cacd, wacd, 3,
						   600, MSCHED_SWAP_FORCE, a,
						   &pages);
			assert_int_equal(n, 2);
			assert_int_equal(a[0], 512);
			assert_int_equal(a[1], 1024);
			assert_int_equal(pages, 513);
		}
		/* Only huge candidates and want 511: nothing. */
		n = msched_swap_select_max(h, 1025, c3 + 2, w3 + 2, 1, 511,
					   MSCHED_SWAP_FORCE, a, &pages);
		assert_int_equal(n, 0);
		assert_int_equal(pages, 0);
	}
	for (iter = 0; iter < 3000; iter++) {
		u32 nc = 1 + (u32)trng_below(&rng, nr);
		u32 range = 1 + (u32)trng_below(&rng, 300);
		u32 below = trng_below(&rng, 2) ? MSCHED_SWAP_FORCE :
			    (u32)trng_below(&rng, 260);
		bool unit = !trng_below(&rng, 4);
		u32 want;
		u64 elig_small = 0;

		idx = 0;
		for (i = 0; i < nc; i++) {
			w[i] = unit || trng_below(&rng, 2) ? 1 : 512;
			cand[i] = idx;
			heat[idx] = (u16)trng_below(&rng, range);
			idx += w[i];
		}
		want = 1 + (u32)trng_below(&rng, idx + 600);
		n = msched_swap_select(heat, idx, cand, w, nc, want, below,
				       a, &pages);
		m = msched_swap_select_max(heat, idx, cand, w, nc, want, below,
					   b, &pm);
		/* Never above the cap; ascending; eligible. */
		assert_true(pm <= want);
		for (i = 0; i < m; i++) {
			if (i)
				assert_true(b[i - 1] < b[i]);
			if (below != MSCHED_SWAP_FORCE)
				assert_true((heat[b[i]] > 255 ? 255U : heat[b[i]]) < below);
		}
		/* Within the cap already, or unit weights: the same choice. */
		if (pages <= want || unit) {
			assert_int_equal(m, n);
			assert_int_equal(pm, pages);
			for (i = 0; i < n; i++)
				assert_int_equal(b[i], a[i]);
		}
		/* Some pages whenever an eligible candidate fits. */
		for (i = 0; i < nc; i++)
			if (w[i] <= want && (below == MSCHED_SWAP_FORCE ||
					     (heat[cand[i]] > 255 ? 255U : heat[cand[i]]) < below))
				elig_small += w[i];
		if (elig_small)
			assert_true(pm > 0);
		if (elig_small <= want)
			assert_int_equal(pm, elig_small);
	}
	free(heat);
	free(cand);
	free(w);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_bytes_init),
		cmocka_unit_test(test_alloc_contiguous),
		cmocka_unit_test(test_next_fit_wraps),
		cmocka_unit_test(test_run_cut_at_used),
		cmocka_unit_test(test_full_then_free),
		cmocka_unit_test(test_bad_free),
		cmocka_unit_test(test_slots_random),
		cmocka_unit_test(test_alloc_contig_finds_run),
		cmocka_unit_test(test_alloc_contig_none),
		cmocka_unit_test(test_alloc_contig_wraps),
		cmocka_unit_test(test_alloc_contig_scan_bound),
		cmocka_unit_test(test_select_coldest),
		cmocka_unit_test(test_select_below),
		cmocka_unit_test(test_select_force),
		cmocka_unit_test(test_select_subset_noheat),
		cmocka_unit_test(test_select_buckets),
		cmocka_unit_test(test_select_random),
		cmocka_unit_test(test_select_weighted),
		cmocka_unit_test(test_select_weighted_null_is_unweighted),
		cmocka_unit_test(test_select_max),
	};

	return cmocka_run_group_tests_name("swap", tests, NULL, NULL);
}
