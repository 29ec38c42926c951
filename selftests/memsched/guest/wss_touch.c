// SPDX-License-Identifier: GPL-2.0
/*
 * wss_touch: a guest workload with a known working set. It maps TOTAL MiB of
 * anonymous memory, writes every page once (so it is really backed, not the
 * shared zero page), then keeps writing one word per page over the first WSS
 * MiB, forever or for SECONDS. The rest stays untouched. Static, so it runs in
 * a busybox initramfs.
 *
 * With --file PATH the memory is instead a MAP_SHARED mapping of PATH
 * (opened O_RDWR|O_CREAT, extended to TOTAL MiB if it is smaller, e.g. a
 * memschedfs file); everything else is the same.
 *
 *   wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F]
 *             [--file PATH] [--print-pfns] [--report-seconds R]
 *             [--phases idle:S,busy:S,...] [--random]
 *
 * --print-pfns: after the first pass, print where the working set lives in
 * physical memory (runs of frame numbers, /proc/self/pagemap; needs root).
 *
 * The work counter: "touches", the working-set pages written so far (a
 * sweep over WSS pages is WSS touches). A process that must fault its pages
 * back from swap does fewer per second; that is the work the scheduler's
 * benchmark and test compare. --report-seconds R prints
 * "wss_touch: work touches=N busy=0|1 seconds=T" every R seconds; the last
 * line ("done") carries the total too.
 *
 * --random: write working-set pages in a random order (xorshift) instead of
 * sweeping them: with a working set a little larger than the memory the
 * guest has, only that part misses (a sweep would miss on every page, as
 * LRU does on a loop).
 *
 * Phases: the process is busy (sweeping) or idle (touching nothing). It
 * starts busy; --phases idle:30,busy:60 runs the phases in order after the
 * first pass (a duration 0 means for ever; after the last phase it keeps
 * the last state). SIGUSR1 toggles busy and idle at any time (the host's
 * way to change a guest's phase), SIGUSR2 prints a work line now, SIGTERM
 * ends the run with the done line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GUEST_PROG "wss_touch"
#include "guest_args.h"

#define MAX_PHASES 16

static volatile sig_atomic_t toggled, report_now, stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		toggled++;
	else if (sig == SIGUSR2)
		report_now = 1;
	else
		stop = 1;
}

/* Parse "idle:S,busy:S,...": busy[i] and secs[i]; returns the count. */
static int parse_phases(const char *spec, int *busy, long *secs)
{
	char *copy = strdup(spec), *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');

		if (n == MAX_PHASES || !colon)
			die("--phases takes up to %d of idle:S or busy:S, comma-separated, not '%s'",
			    MAX_PHASES, spec);
		*colon = 0;
		if (!strcmp(tok, "idle"))
			busy[n] = 0;
		else if (!strcmp(tok, "busy"))
			busy[n] = 1;
		else
			die("--phases: a phase is idle or busy, not '%s'", tok);
		secs[n++] = parse("phases", colon + 1, 0, 1 << 30);
	}
	free(copy);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Print the physical frames behind [mem, mem + len) as runs, one line each:
 * "wss_touch: hot pfns FIRST-LAST" (from /proc/self/pagemap; needs root).
 * In a guest these are guest frame numbers: the host finds the pages at
 * those offsets of the guest's RAM file.
 */
static int print_pfn_runs(const char *mem, size_t len, long page)
{
	unsigned long long e, first = 0, last = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t off;
	int runs = 0;

	if (fd < 0) {
		perror("wss_touch: /proc/self/pagemap");
		return 1;
	}
	for (off = 0; off <= len; off += page) {
		unsigned long long pfn = ~0ULL;

		if (off < len) {
			if (pread(fd, &e, sizeof(e), ((unsigned long)(mem + off) / page) * sizeof(e)) != sizeof(e) ||
			    !(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1))) {
				fprintf(stderr, "wss_touch: no frame for offset %zu (not root?)\n", off);
				close(fd);
				return 1;
			}
			pfn = e & ((1ULL << 55) - 1);
			if (off && pfn == last + 1) {
				last = pfn;
				continue;
			}
		}
		if (off) {
			printf("wss_touch: hot pfns %llu-%llu\n", first, last);
			runs++;
		}
		first = last = pfn;
	}
	printf("wss_touch: hot pfn runs %d\n", runs);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "total-mb", required_argument, NULL, 't' },
		{ "wss-mb", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "print-pfns", no_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "report-seconds", required_argument, NULL, 'R' },
		{ "phases", required_argument, NULL, 'P' },
		{ "random", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int phase_busy[MAX_PHASES], nr_phases = 0, phase = 0, busy = 1;
	long phase_secs[MAX_PHASES], report = 0;
	unsigned long touches = 0, rnd = 0x9e3779b97f4a7c15UL;
	int random_order = 0;
	double phase_end = 0, next_report = 0, t;
	struct sigaction sa = { .sa_handler = on_signal };
	long total_mb = 128, wss_mb = 32, seconds = 0, page = sysconf(_SC_PAGESIZE);
	const char *ready = NULL, *path = NULL;
	int print_pfns = 0;
	unsigned long sweeps = 0;
	size_t total, wss, off;
	double start;
	struct stat st;
	char *mem;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': total_mb = parse("total-mb", optarg, 1, 1 << 20); break;
		case 'w': wss_mb = parse("wss-mb", optarg, 0, 1 << 20); break;
		case 's': seconds = parse("seconds", optarg, 0, 1 << 30); break;
		case 'r': ready = optarg; break;
		case 'f': path = optarg; break;
		case 'p': print_pfns = 1; break;
		case 'R': report = parse("report-seconds", optarg, 1, 1 << 20); break;
		case 'P': nr_phases = parse_phases(optarg, phase_busy, phase_secs); break;
		case 'x': random_order = 1; break;
		default:
			fprintf(stderr, "usage: wss_touch --total-mb T --wss-mb W [--seconds S] [--ready-file F] [--file PATH] [--print-pfns] [--report-seconds R] [--phases idle:S,busy:S,...] [--random]\n");
			return 1;
		}
	}
	if (wss_mb > total_mb) {
		fprintf(stderr, "wss_touch: --wss-mb (%ld) exceeds --total-mb (%ld)\n", wss_mb, total_mb);
		return 1;
	}
	total = (size_t)total_mb << 20;
	wss = (size_t)wss_mb << 20;
	if (path) {
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || fstat(fd, &st)) {
			fprintf(stderr, "wss_touch: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (st.st_size < (off_t)total && ftruncate(fd, total)) {
			fprintf(stderr, "wss_touch: ftruncate %s: %s\n", path, strerror(errno));
			return 1;
		}
		mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (mem == MAP_FAILED) {
		perror("wss_touch: mmap");
		return 1;
	}
	madvise(mem, total, MADV_NOHUGEPAGE);
	for (off = 0; off < total; off += page)
		mem[off] = 1;

	if (print_pfns && print_pfn_runs(mem, wss, page))
		return 1;
	printf("wss_touch: ready total_mb=%ld wss_mb=%ld\n", total_mb, wss_mb);
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f) {
			fprintf(f, "%d\n", getpid());
			fclose(f);
		}
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	start = now_s();
	if (nr_phases) {
		busy = phase_busy[0];
		phase_end = phase_secs[0] ? start + phase_secs[0] : 0;
	}
	next_report = start + report;
	/*
	 * One step is up to 256 pages (or one sleep while idle), so that a
	 * signal, a phase's end or a report is seen within a step even when
	 * every page must come back from swap.
	 */
	off = 0;
	while (!stop && (!seconds || (t = now_s()) - start < seconds)) {
		size_t begin = off, end;

		t = now_s();
		if (nr_phases && phase_end && t >= phase_end && phase + 1 < nr_phases) {
			phase++;
			busy = phase_busy[phase];
			phase_end = phase_secs[phase] ? t + phase_secs[phase] : 0;
			printf("wss_touch: phase %d %s touches=%lu seconds=%.1f\n", phase,
			       busy ? "busy" : "idle", touches, t - start);
			fflush(stdout);
		}
		if (toggled) {
			busy ^= toggled & 1;
			toggled = 0;
			printf("wss_touch: toggled %s touches=%lu seconds=%.1f\n",
			       busy ? "busy" : "idle", touches, t - start);
			fflush(stdout);
		}
		if ((report && t >= next_report) || report_now) {
			printf("wss_touch: work touches=%lu busy=%d seconds=%.1f\n", touches, busy,
			       t - start);
			fflush(stdout);
			if (report && t >= next_report)
				next_report += report * (1 + (long)((t - next_report) / report));
			report_now = 0;
		}
		if (!busy || !wss) {
			usleep(100000);
			continue;
		}
		if (random_order) {
			size_t nr_pages = wss / page;
			int i;

			for (i = 0; i < 256; i++) {
				rnd ^= rnd << 13;
				rnd ^= rnd >> 7;
				rnd ^= rnd << 17;
				((volatile char *)mem)[(rnd % nr_pages) * page]++;
			}
			touches += 256;
			continue;
		}
		end = off + 256 * page < wss ? off + 256 * page : wss;
		for (; off < end; off += page)
			((volatile char *)mem)[off]++;
		touches += (end - begin + page - 1) / page;
		if (off >= wss) {
			off = 0;
			sweeps++;
		}
	}
	printf("wss_touch: done sweeps=%lu seconds=%.1f touches=%lu\n", sweeps, now_s() - start,
	       touches);
	return 0;
}
