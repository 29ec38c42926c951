// SPDX-License-Identifier: GPL-2.0
/*
 * repl_dirty: the writer of bench/replication.sh.
 *
 *   repl_dirty FILE RATE SECONDS|once
 *
 * Maps FILE MAP_SHARED and stores one 8-byte word into each of its pages in
 * turn, cycling over the file, at RATE pages per second (0: as fast as it
 * can), for SECONDS seconds (0: until SIGTERM or SIGINT; once: one pass
 * over the file, which allocates every page). On a replicated
 * memschedfs file the first store to a page after an epoch cut faults
 * (->page_mkwrite): each store is timed, so the writer sees the stalls the
 * cuts cause. Prints "ready" once the file is mapped, and at the end one
 * line:
 *
 *   pages=N seconds=S pages_per_s=R store_p50_us=A store_p99_us=B store_max_us=C
 *
 * (store times from a log2 histogram: a percentile is its bucket's upper
 * bound).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES	4096UL
#define NR_BUCKETS	40	/* bucket b: store took < 2^b ns */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static unsigned int bucket_of(uint64_t ns)
{
	unsigned int b = 0;

	while (b < NR_BUCKETS - 1 && (1ULL << b) <= ns)
		b++;
	return b;
}

/* The upper bound (us) of the bucket that holds the @pct percentile. */
static double percentile_us(const uint64_t *hist, uint64_t n, double pct)
{
	uint64_t want = (uint64_t)((double)n * pct / 100.0), seen = 0;
	unsigned int b;

	for (b = 0; b < NR_BUCKETS; b++) {
		seen += hist[b];
		if (seen > want)
			return (double)(1ULL << b) / 1000.0;
	}
	return (double)(1ULL << (NR_BUCKETS - 1)) / 1000.0;
}

int main(int argc, char **argv)
{
	uint64_t hist[NR_BUCKETS] = { 0 };
	uint64_t rate, secs, nr_pages, pages = 0, start, end, t0, t1, max_ns = 0;
	struct sigaction sa;
	struct stat st;
	unsigned char *map;
	uint64_t i = 0, limit = UINT64_MAX;
	double elapsed;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: repl_dirty FILE RATE SECONDS|once\n");
		return 2;
	}
	rate = strtoull(argv[2], NULL, 10);
	secs = strcmp(argv[3], "once") ? strtoull(argv[3], NULL, 10) : 0;
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "repl_dirty: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	nr_pages = (uint64_t)st.st_size / PAGE_BYTES;
	if (!nr_pages) {
		fprintf(stderr, "repl_dirty: %s: empty\n", argv[1]);
		return 1;
	}
	map = mmap(NULL, nr_pages * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "repl_dirty: mmap %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!strcmp(argv[3], "once"))
		limit = nr_pages;
	printf("ready\n");
	fflush(stdout);

	start = now_ns();
	end = secs ? start + secs * 1000000000ULL : UINT64_MAX;
	while (!stop && pages < limit) {
		t0 = now_ns();
		if (t0 >= end)
			break;
		/* the rate: sleep until this page's time has come */
		if (rate && pages % 16 == 0) {
			uint64_t due = start + pages * 1000000000ULL / rate;

			if (due > t0) {
				struct timespec ts = {
					.tv_sec = (time_t)((due - t0) / 1000000000ULL),
					.tv_nsec = (long)((due - t0) % 1000000000ULL),
				};

				nanosleep(&ts, NULL);
				t0 = now_ns();
			}
		}
		*(volatile uint64_t *)(map + i * PAGE_BYTES + (pages % 512) * 8) = pages;
		t1 = now_ns();
		hist[bucket_of(t1 - t0)]++;
		if (t1 - t0 > max_ns)
			max_ns = t1 - t0;
		pages++;
		if (++i == nr_pages)
			i = 0;
	}
	elapsed = (double)(now_ns() - start) / 1e9;
	printf("pages=%llu seconds=%.3f pages_per_s=%.0f store_p50_us=%.3f store_p99_us=%.3f store_max_us=%.3f\n",
	       (unsigned long long)pages, elapsed, elapsed > 0 ? (double)pages / elapsed : 0.0,
	       percentile_us(hist, pages, 50), percentile_us(hist, pages, 99),
	       (double)max_ns / 1000.0);
	munmap(map, nr_pages * PAGE_BYTES);
	close(fd);
	return 0;
}
