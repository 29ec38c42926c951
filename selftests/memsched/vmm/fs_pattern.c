// SPDX-License-Identifier: GPL-2.0
/*
 * fs_pattern: data-integrity checker for a MAP_SHARED file mapping whose
 * pages are moved (migrated between NUMA nodes) underneath it, e.g. a
 * memschedfs file while memsched moves it.
 *
 *   fs_pattern --file PATH --mb N [--seconds S] [--threads T]
 *              [--ready-file F] [--hold-seconds H] [--verify-only]
 *              [--hot-mb W] [--sigbus-ok] [--page P] [--skip-mb K]
 *
 * PATH is opened O_RDWR|O_CREAT, extended to N MiB if it is smaller (never
 * shrunk) and its first N MiB are mapped MAP_SHARED. Steps:
 *  1. fill: every 4 KiB page gets generation 1 (skipped with --verify-only);
 *  2. "ready\n" is written to F, if given (atomically: F.tmp, then rename);
 *  3. hold: sleep H seconds (default 0) with the mapping held;
 *  4. run: for S seconds (default 10; 0 = no run), T threads (default 2)
 *     each loop over a disjoint, contiguous share of the pages: verify the
 *     page, then rewrite it with the next generation (skipped with
 *     --verify-only). With --hot-mb W, only the first W MiB (the hot set)
 *     are shared out; the rest is written by step 1 only and not touched
 *     again until step 5 (so it goes cold);
 *  5. verify every page once more and print one line to stdout:
 *       fs_pattern: pages=P rounds=R mismatches=M
 *     R is the number of page rewrites of step 4 over all threads, M the
 *     number of page verifications that failed in steps 4 and 5.
 * SIGTERM or SIGINT ends the hold or the run early; step 5 still happens.
 * The first 5 mismatches are printed to stderr (page, word, expected, got).
 *
 * --verify-only writes nothing: PATH is opened O_RDONLY and mapped
 * PROT_READ, must already be at least N MiB, and every page is checked
 * against whatever generation it holds (>= 1). It checks that a file kept
 * its contents across e.g. the writer exiting and a re-open.
 *
 * With --verify-only only:
 *  --page P      step 5 checks page P alone (a SIGBUS on it kills the
 *                program, as it would any process: exit status 135 in a
 *                shell). Prints "fs_pattern: page=P generation=G" (G = -1
 *                for a mismatch).
 *  --skip-mb K   step 5 leaves out the first K MiB (e.g. the hot set of a
 *                writer still running: its pages may be half-written);
 *                "pages=" counts the pages checked.
 *  --sigbus-ok   a page whose access raises SIGBUS (e.g. its data could not
 *                be read back from a swap device) is counted, not fatal,
 *                and the check goes on with the next page; the line of
 *                step 5 gets " sigbus=B first_sigbus=F" appended (F = the
 *                first such page, -1 if none). A SIGBUS is not a mismatch.
 *
 * Page layout (512 64-bit words, native byte order):
 *   word i, 0 <= i < 511:  mix(page << 41 | i << 32 | generation), mix =
 *                          the splitmix64 output function (the key is
 *                          unique for files up to 32 GiB, so --mb <= 32768)
 *   word 511:              generation << 32 | checksum; checksum = the low
 *                          32 bits of h ^ h >> 32, where h starts at
 *                          0xcbf29ce484222325 and takes h = (h ^ w) *
 *                          0x100000001b3 for each word w = 0..510 (FNV-1a
 *                          on words)
 * Generations run 1..0xffffffff and wrap back to 1; 0 (a page never filled,
 * reading as zeros) is always a mismatch. A rewrite stores words 0..510
 * first and word 511 last, so a page torn by a lost or half-done copy does
 * not match the generation in its last word.
 *
 * Exit: 0 no mismatch, 1 mismatch or error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG		"fs_pattern"
#define GUEST_PROG	PROG
#include "../guest/guest_args.h"
#define PAGE		4096UL
#define WORDS		(PAGE / sizeof(uint64_t))
#define LAST		(WORDS - 1)
#define MAX_MB		32768L
#define MAX_THREADS	256
#define MAX_REPORTS	5
#define USAGE		"usage: " PROG " --file PATH --mb N [--seconds S] [--threads T] " \
			"[--ready-file F] [--hold-seconds H] [--verify-only] " \
			"[--hot-mb W] [--sigbus-ok] [--page P] [--skip-mb K]"

/* Tell the compiler that the mapping may have changed behind its back. */
#define barrier()	__asm__ __volatile__("" ::: "memory")

static volatile sig_atomic_t g_signalled;
static sigjmp_buf g_bus_jmp;		/* --sigbus-ok: where a SIGBUS returns */
static volatile sig_atomic_t g_bus_armed;
static int g_stop;		/* atomic: the run is over */
static int g_reports;		/* atomic: mismatches printed so far */

struct worker {
	pthread_t tid;
	uint64_t *mem;
	unsigned long first, end;	/* pages [first, end) */
	unsigned long rounds, mismatches;
};

static uint64_t mix(uint64_t page, uint64_t word, uint64_t gen)
{
	uint64_t z = (page << 41 | word << 32 | gen) + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define CSUM_INIT	0xcbf29ce484222325ULL
#define CSUM_STEP(h, w)	((h) = ((h) ^ (w)) * 0x100000001b3ULL)
#define CSUM_FOLD(h)	((uint32_t)((h) ^ ((h) >> 32)))

/* The checksum of words 0..510 of PAGE at generation GEN. */
static uint32_t csum_gen(unsigned long page, uint64_t gen)
{
	uint64_t h = CSUM_INIT;
	unsigned long i;

	for (i = 0; i < LAST; i++)
		CSUM_STEP(h, mix(page, i, gen));
	return CSUM_FOLD(h);
}

static uint64_t next_gen(uint64_t gen)
{
	return gen >= 0xffffffffULL ? 1 : gen + 1;
}

static void report(const char *phase, unsigned long page, unsigned long word,
		   uint64_t want, uint64_t got)
{
	if (__atomic_fetch_add(&g_reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	fprintf(stderr, PROG ": mismatch (%s): page %lu word %lu expected 0x%016" PRIx64
		" got 0x%016" PRIx64 "\n", phase, page, word, want, got);
}

/*
 * Check one page against the generation in its last word; on a mismatch
 * report the first bad word and return -1, else return the generation.
 */
static int64_t verify_page(const uint64_t *p, unsigned long page, const char *phase)
{
	uint64_t last, gen, want, v, h = CSUM_INIT;
	unsigned long i;

	barrier();
	last = p[LAST];
	gen = last >> 32;
	if (!gen) {
		/* never written: report the expected value of generation 1 */
		report(phase, page, LAST, 1ULL << 32 | csum_gen(page, 1), last);
		return -1;
	}
	for (i = 0; i < LAST; i++) {
		want = mix(page, i, gen);
		v = p[i];
		if (v != want) {
			report(phase, page, i, want, v);
			return -1;
		}
		CSUM_STEP(h, v);
	}
	if ((uint32_t)last != CSUM_FOLD(h)) {
		report(phase, page, LAST, gen << 32 | CSUM_FOLD(h), last);
		return -1;
	}
	return gen;
}

static void write_page(uint64_t *p, unsigned long page, uint64_t gen)
{
	uint64_t v, h = CSUM_INIT;
	unsigned long i;

	for (i = 0; i < LAST; i++) {
		v = mix(page, i, gen);
		p[i] = v;
		CSUM_STEP(h, v);
	}
	barrier();	/* data words before the last word */
	p[LAST] = gen << 32 | CSUM_FOLD(h);
	barrier();
}

static void *run(void *arg)
{
	struct worker *w = arg;
	unsigned long pg;
	int64_t gen;

	while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED)) {
		for (pg = w->first; pg < w->end; pg++) {
			uint64_t *p = w->mem + pg * WORDS;

			gen = verify_page(p, pg, "run");
			if (gen < 0) {
				w->mismatches++;
				/* start the page over from a known state */
				gen = p[LAST] >> 32;
			}
			write_page(p, pg, next_gen(gen));
			w->rounds++;
			if (__atomic_load_n(&g_stop, __ATOMIC_RELAXED))
				break;
		}
	}
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	g_signalled = 1;
}

/* --sigbus-ok: leave the page being checked; otherwise die of it. */
static void on_sigbus(int sig)
{
	if (g_bus_armed)
		siglongjmp(g_bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Step 5 with --sigbus-ok: verify pages [0, pages), counting those whose
 * access raises SIGBUS in *sigbus and the first of them in *first.
 * Returns the mismatches.
 */
static unsigned long verify_all_sigbus(uint64_t *mem, unsigned long from,
				       unsigned long pages, unsigned long *sigbus,
				       long *first)
{
	struct sigaction sa;
	volatile unsigned long pg, bad = 0, bus = 0;
	volatile long first_bus = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	for (pg = from; pg < pages; pg++) {
		if (sigsetjmp(g_bus_jmp, 1)) {
			g_bus_armed = 0;
			if (first_bus < 0)
				first_bus = pg;
			bus++;
			continue;
		}
		g_bus_armed = 1;
		if (verify_page(mem + pg * WORDS, pg, "final") < 0)
			bad++;
		g_bus_armed = 0;
	}
	*sigbus = bus;
	*first = first_bus;
	return bad;
}

/* Sleep up to SECS seconds; a SIGTERM/SIGINT ends it early. */
static void sleep_s(long secs)
{
	struct timespec t0, now, step = { 0, 50 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!g_signalled) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec + (now.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
			break;
		nanosleep(&step, NULL);
	}
}

static void write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		die("--ready-file: path too long");
	f = fopen(tmp, "w");
	if (!f || fputs("ready\n", f) < 0 || fclose(f))
		die("%s: %s", tmp, strerror(errno));
	if (rename(tmp, path))
		die("rename %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "mb", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "hold-seconds", required_argument, NULL, 'H' },
		{ "verify-only", no_argument, NULL, 'v' },
		{ "hot-mb", required_argument, NULL, 'w' },
		{ "sigbus-ok", no_argument, NULL, 'b' },
		{ "page", required_argument, NULL, 'p' },
		{ "skip-mb", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long mb = 0, seconds = 10, threads = 2, hold = 0, hot_mb = 0, page = -1, skip_mb = 0;
	int verify_only = 0, seconds_given = 0, sigbus_ok = 0, fd, c;
	unsigned long pages, run_pages, from, pg, rounds = 0, mismatches = 0;
	const char *path = NULL, *ready = NULL;
	struct worker *w;
	struct sigaction sa;
	struct stat st;
	uint64_t *mem;
	size_t size;
	long i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': path = optarg; break;
		case 'm': mb = parse("mb", optarg, 1, MAX_MB); break;
		case 's': seconds = parse("seconds", optarg, 0, 1L << 30); seconds_given = 1; break;
		case 't': threads = parse("threads", optarg, 1, MAX_THREADS); break;
		case 'r': ready = optarg; break;
		case 'H': hold = parse("hold-seconds", optarg, 0, 1L << 30); break;
		case 'v': verify_only = 1; break;
		case 'w': hot_mb = parse("hot-mb", optarg, 1, MAX_MB); break;
		case 'b': sigbus_ok = 1; break;
		case 'k': skip_mb = parse("skip-mb", optarg, 0, MAX_MB); break;
		case 'p': page = parse("page", optarg, 0, MAX_MB * (1L << 20) / PAGE - 1); break;
		case 'h': puts(USAGE); return 0;
		default: die("option '%s' is unknown or lacks its value; " USAGE, argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	if (!path || !*path)
		die("--file PATH is required");
	if (!mb)
		die("--mb N is required");
	if (ready && !*ready)
		die("--ready-file: empty path");
	if (verify_only && seconds_given)
		die("--verify-only does not run, so it takes no --seconds");
	if (verify_only)
		seconds = 0;
	if (hot_mb > mb)
		die("--hot-mb %ld is beyond --mb %ld", hot_mb, mb);
	if (hot_mb && verify_only)
		die("--verify-only does not run, so it takes no --hot-mb");
	if ((sigbus_ok || page >= 0 || skip_mb) && !verify_only)
		die("--sigbus-ok, --page and --skip-mb go with --verify-only");
	if ((sigbus_ok || skip_mb) && page >= 0)
		die("--page checks one page: it takes no --sigbus-ok or --skip-mb");
	if (skip_mb >= mb)
		die("--skip-mb %ld leaves nothing of --mb %ld to check", skip_mb, mb);

	size = (size_t)mb << 20;
	pages = size / PAGE;
	if (page >= 0 && (unsigned long)page >= pages)
		die("--page %ld is beyond --mb %ld (%lu pages)", page, mb, pages);
	run_pages = hot_mb ? (unsigned long)hot_mb << 20 >> 12 : pages;
	from = (unsigned long)skip_mb << 20 >> 12;
	if ((unsigned long)threads > run_pages)
		threads = run_pages;

	if (verify_only) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		if (fstat(fd, &st))
			die("fstat %s: %s", path, strerror(errno));
		if (st.st_size < (off_t)size)
			die("%s: %lld bytes, smaller than --mb %ld", path,
			    (long long)st.st_size, mb);
	} else {
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		if (fstat(fd, &st))
			die("fstat %s: %s", path, strerror(errno));
		if (st.st_size < (off_t)size && ftruncate(fd, size))
			die("ftruncate %s: %s", path, strerror(errno));
	}
	mem = mmap(NULL, size, verify_only ? PROT_READ : PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap %s: %s", path, strerror(errno));
	close(fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (!verify_only)
		for (pg = 0; pg < pages; pg++)
			write_page(mem + pg * WORDS, pg, 1);
	if (ready)
		write_ready(ready);
	sleep_s(hold);

	if (seconds && !g_signalled) {
		w = calloc(threads, sizeof(*w));
		if (!w)
			die("out of memory");
		for (i = 0; i < threads; i++) {
			w[i].mem = mem;
			w[i].first = run_pages * i / threads;
			w[i].end = run_pages * (i + 1) / threads;
			errno = pthread_create(&w[i].tid, NULL, run, &w[i]);
			if (errno)
				die("pthread_create: %s", strerror(errno));
		}
		sleep_s(seconds);
		__atomic_store_n(&g_stop, 1, __ATOMIC_RELAXED);
		for (i = 0; i < threads; i++) {
			pthread_join(w[i].tid, NULL);
			rounds += w[i].rounds;
			mismatches += w[i].mismatches;
		}
		free(w);
	}

	if (page >= 0) {
		int64_t gen = verify_page(mem + page * WORDS, page, "final");

		printf(PROG ": page=%ld generation=%" PRId64 "\n", page, gen);
		return gen < 0 ? 1 : 0;
	}
	if (sigbus_ok) {
		unsigned long bus;
		long first;

		mismatches += verify_all_sigbus(mem, from, pages, &bus, &first);
		printf(PROG ": pages=%lu rounds=%lu mismatches=%lu sigbus=%lu first_sigbus=%ld\n",
		       pages - from, rounds, mismatches, bus, first);
		return mismatches ? 1 : 0;
	}
	for (pg = from; pg < pages; pg++)
		if (verify_page(mem + pg * WORDS, pg, "final") < 0)
			mismatches++;
	printf(PROG ": pages=%lu rounds=%lu mismatches=%lu\n", pages - from, rounds, mismatches);
	return mismatches ? 1 : 0;
}
