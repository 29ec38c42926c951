// SPDX-License-Identifier: GPL-2.0
/*
 * records: the replication tests' writer and offline checker.
 *
 * The writer maps a file (memschedfs has no write(2): mmap only) and writes
 * a ring of 8-byte records at its full rate, one aligned 64-bit store each,
 * so that no cut of the file, at any instant, can tear a record:
 *
 *   bits 63..24  sequence number n (1, 2, ...)
 *   bits 23..0   a 24-bit checksum of n and the slot (a fold of a 64-bit mix)
 *
 * Record n goes to slot (n - 1) % nslots: the whole file is rewritten round
 * after round. One thread, plain stores in program order (x86 is TSO), so
 * the file at any instant holds a prefix of the store sequence.
 *
 * The checker reads an image (the file by mmap, or a plain copy with
 * --from-file, by read(2)) and verifies that
 *   - every non-zero slot's checksum is valid for its slot, and
 *   - the image is ONE instant: with M the largest sequence number seen,
 *     slot s holds exactly the largest n <= M with (n - 1) % nslots == s,
 *     or 0 if that n would be < 1.
 * It prints "records N torn T max_seq M" (N: non-zero slots) and exits 1
 * on any torn or invalid record, after printing the first few.
 *
 *   records write FILE [--log LOG] [--every N] [--progress PFILE]
 *                      [--seconds S] [--max-seq N] [--ready-file F]
 *       LOG gets "seq ns_realtime" every N records (default 65536) and,
 *       on SIGTERM/SIGINT or at the end, "seq ns_realtime end" for the
 *       last record written. PFILE (a tmpfs file, not replicated) holds the
 *       last seq as a u64 at offset 0, stored just before each record (so
 *       the ring's largest seq is PFILE's or one less), so even a SIGKILLed
 *       writer's last record is known.
 *   records check [--from-file] FILE [--log LOG] [--progress PFILE]
 *                 [--at-seq N]
 *       With LOG, also prints the RPO: "rpo_records R rpo_ms X" (R = the
 *       writer's last seq - M; X = the time between the record M was
 *       written, interpolated from LOG, and the writer's last record).
 *       The writer's last seq is N with --at-seq (its seq at the failure),
 *       else PFILE's, else LOG's last line.
 *   records sum FILE [--from-file]   "sum HEX nonzero_slots N"
 *   records cmp FILE1 FILE2          exit 0 if equal, else first difference
 *   records copy FILE OUT            the image as a plain file (for --from-file)
 *   records forge FILE SLOT SEQ      store a valid record SEQ into SLOT
 *                                    (makes a consistent image torn; tests)
 *   records lastseq PFILE            the seq in a progress file
 *   records rpo LOG MAX_SEQ AT_SEQ   the RPO line of check, from LOG alone
 *                                    (the image was checked on another host)
 *
 * In a guest (guest_replicate.sh), the ring is a region of the writer's
 * own memory, scattered over guest-physical pages, and the image is the
 * guest's whole RAM file. Each 4 KiB page of the region begins with a
 * header (GREC_MAGIC, a run id, the page's index in the region, the
 * region's page count), so the pages can be found in the image; the
 * other 508 words of each page are ring slots: global slot g is word
 * 4 + g % 508 of region page g / 508, and its checksum is of g.
 *
 *   records gwrite --mb M --run-id ID [--every-ms MS] [--file F]
 *       M MiB of anonymous memory (populated, locked; or F's first M MiB,
 *       shared, to try the scan on the host), headers first, then the ring
 *       at full rate until SIGTERM/SIGINT. Prints "gwrite: ready pages P slots S" and
 *       then "gwrite: seq N" about every MS ms (default 1000).
 *   records gscan [--from-file] IMAGE --run-id ID --pages P
 *       Finds the region's pages in IMAGE by their headers, orders them by
 *       index and checks the ring as check does. Prints "gscan pages_found
 *       F pages P duplicates D" and the records line; exits 1 unless every
 *       page was found and nothing is torn. A page index found twice (a
 *       stale copy the guest kernel left when it moved the page) is
 *       counted in D; the copy whose records are newest is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REC_CSUM_BITS	24
#define REC_CSUM_MASK	((1ULL << REC_CSUM_BITS) - 1)
#define REC_SEQ_MAX	((1ULL << (64 - REC_CSUM_BITS)) - 1)
#define MAX_REPORTS	8

#define GREC_PAGE	4096
#define GREC_WORDS	(GREC_PAGE / 8)
#define GREC_HDR	4	/* magic, run id, index, pages */
#define GREC_SLOTS	(GREC_WORDS - GREC_HDR)
#define GREC_MAGIC	0x5047455243455247ULL	/* "GRECEGP" */

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finalizer */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t rec_csum(uint64_t seq, uint64_t slot)
{
	uint64_t h = mix64(seq * 0x9e3779b97f4a7c15ULL ^ mix64(slot + 1));

	return (h ^ (h >> 24) ^ (h >> 48)) & REC_CSUM_MASK;
}

static uint64_t rec_make(uint64_t seq, uint64_t slot)
{
	return (seq << REC_CSUM_BITS) | rec_csum(seq, slot);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "records: %s %s: %s\n", what, arg ? arg : "",
		strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: records write FILE [--log LOG] [--every N] [--progress PFILE]\n"
		"                       [--seconds S] [--max-seq N] [--ready-file F]\n"
		"       records check [--from-file] FILE [--log LOG] [--progress PFILE] [--at-seq N]\n"
		"       records sum [--from-file] FILE\n"
		"       records cmp FILE1 FILE2\n"
		"       records copy FILE OUT\n"
		"       records forge FILE SLOT SEQ\n"
		"       records lastseq PFILE\n"
		"       records rpo LOG MAX_SEQ AT_SEQ\n"
		"       records gwrite --mb M --run-id ID [--every-ms MS] [--file F]\n"
		"       records gscan [--from-file] IMAGE --run-id ID --pages P\n");
	exit(2);
}

/* map_file PATH WRITE &SIZE: the whole file, shared */
static uint64_t *map_file(const char *path, int writable, size_t *size)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, writable ? O_RDWR : O_RDONLY);
	if (fd < 0)
		die("open", path);
	if (fstat(fd, &st))
		die("fstat", path);
	if (st.st_size < 8 || st.st_size % 8) {
		fprintf(stderr, "records: %s: size %lld is not a positive multiple of 8\n",
			path, (long long)st.st_size);
		exit(2);
	}
	p = mmap(NULL, st.st_size, PROT_READ | (writable ? PROT_WRITE : 0),
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap", path);
	close(fd);
	*size = st.st_size;
	return p;
}

/* read_file PATH &SIZE: a private copy by read(2) */
static uint64_t *read_file(const char *path, size_t *size)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open", path);
	if (fstat(fd, &st))
		die("fstat", path);
	if (st.st_size < 8 || st.st_size % 8) {
		fprintf(stderr, "records: %s: size %lld is not a positive multiple of 8\n",
			path, (long long)st.st_size);
		exit(2);
	}
	buf = malloc(st.st_size);
	if (!buf)
		die("malloc", path);
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read", path);
		if (n == 0) {
			fprintf(stderr, "records: %s: short read\n", path);
			exit(2);
		}
		done += n;
	}
	close(fd);
	*size = st.st_size;
	return (uint64_t *)buf;
}

static const uint64_t *load_image(const char *path, int from_file, size_t *size)
{
	return from_file ? read_file(path, size) : map_file(path, 0, size);
}

static void log_line(int fd, uint64_t seq, const char *tail)
{
	char buf[96];
	int n;

	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "%s\n", seq,
		     now_ns(), tail);
	if (fd >= 0 && write(fd, buf, n) != n)
		_exit(3);
}

static int cmd_write(int argc, char **argv)
{
	const char *path = NULL, *logp = NULL, *progp = NULL, *ready = NULL;
	uint64_t every = 65536, max_seq = REC_SEQ_MAX, n, slot, nslots;
	volatile uint64_t *prog = NULL;
	volatile uint64_t *ring;
	double seconds = 0;
	uint64_t deadline = 0;
	struct sigaction sa;
	size_t size;
	int logfd = -1, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--log") && i + 1 < argc)
			logp = argv[++i];
		else if (!strcmp(argv[i], "--every") && i + 1 < argc)
			every = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--progress") && i + 1 < argc)
			progp = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--max-seq") && i + 1 < argc)
			max_seq = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ready-file") && i + 1 < argc)
			ready = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			usage();
	}
	if (!path || !every || !max_seq || max_seq > REC_SEQ_MAX)
		usage();

	ring = map_file(path, 1, &size);
	nslots = size / 8;
	if (logp) {
		logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
		if (logfd < 0)
			die("open", logp);
	}
	if (progp) {
		int fd = open(progp, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, 4096))
			die("progress file", progp);
		prog = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (prog == MAP_FAILED)
			die("mmap", progp);
		close(fd);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (seconds > 0)
		deadline = now_ns() + (uint64_t)(seconds * 1e9);

	log_line(logfd, 0, " start");
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "ready\n", 6) != 6)
			die("ready file", ready);
		close(fd);
	}
	slot = 0;
	for (n = 1; n <= max_seq; n++) {
		/* progress first: the ring never holds more than it says */
		if (prog)
			prog[0] = n;
		/* one aligned 64-bit store: never torn */
		ring[slot] = rec_make(n, slot);
		if (++slot == nslots)
			slot = 0;
		if (n % every == 0) {
			log_line(logfd, n, "");
			if (deadline && now_ns() >= deadline)
				break;
		}
		if (stop_flag)
			break;
	}
	if (n > max_seq)
		n = max_seq;
	log_line(logfd, n, " end");
	printf("wrote %" PRIu64 " records, last_seq %" PRIu64 "\n", n, n);
	return 0;
}

/* The writer's log: "seq ns" points, seq ascending. */
struct seq_log {
	uint64_t *seq, *ns;
	size_t n;
};

static int seq_log_read(const char *logp, struct seq_log *l)
{
	size_t cap = 0;
	uint64_t s, t;
	char line[128];
	FILE *f;

	memset(l, 0, sizeof(*l));
	f = fopen(logp, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNu64 " %" SCNu64, &s, &t) != 2)
			continue;
		if (l->n && s <= l->seq[l->n - 1])
			continue;
		if (l->n == cap) {
			cap = cap ? 2 * cap : 1024;
			l->seq = realloc(l->seq, cap * sizeof(*l->seq));
			l->ns = realloc(l->ns, cap * sizeof(*l->ns));
			if (!l->seq || !l->ns)
				die("realloc", logp);
		}
		l->seq[l->n] = s;
		l->ns[l->n++] = t;
	}
	fclose(f);
	return l->n ? 0 : -1;
}

/*
 * seq_time: when the writer wrote record @seq, interpolated between the
 * two log points around it, or extrapolated from the last two at their rate.
 */
static double seq_time(const struct seq_log *l, uint64_t seq)
{
	size_t i = 1;

	if (l->n == 1)
		return l->ns[0];
	while (i < l->n - 1 && l->seq[i] < seq)
		i++;
	/* the segment [i - 1, i] holds seq, or is the nearest one */
	return l->ns[i - 1] + ((double)l->ns[i] - l->ns[i - 1]) *
		((double)seq - l->seq[i - 1]) / ((double)l->seq[i] - l->seq[i - 1]);
}

static uint64_t read_progress(const char *progp)
{
	uint64_t v = 0;
	int fd;

	fd = open(progp, O_RDONLY);
	if (fd < 0)
		die("open", progp);
	if (pread(fd, &v, sizeof(v), 0) != sizeof(v))
		die("read", progp);
	close(fd);
	return v;
}

/*
 * check_ring_fn: the checks of "check" on a ring of @nslots slots, slot s at
 * *slot_at(s); returns the number of torn or invalid records, sets the
 * non-zero count and M.
 */
static uint64_t check_ring_fn(const uint64_t *(*slot_at)(const void *, uint64_t),
			      const void *ctx, uint64_t nslots,
			      uint64_t *nonzero_out, uint64_t *m_out)
{
	uint64_t s, m = 0, nonzero = 0, torn = 0, seq, want;
	int reports = 0;

	/* pass 1: checksums, and M among the valid records */
	for (s = 0; s < nslots; s++) {
		uint64_t r = *slot_at(ctx, s);

		if (!r)
			continue;
		nonzero++;
		seq = r >> REC_CSUM_BITS;
		if (!seq || (r & REC_CSUM_MASK) != rec_csum(seq, s) ||
		    (seq - 1) % nslots != s) {
			torn++;
			if (reports++ < MAX_REPORTS)
				printf("# invalid record at slot %" PRIu64 ": 0x%016" PRIx64
				       " (seq %" PRIu64 ")\n", s, r, seq);
			continue;
		}
		if (seq > m)
			m = seq;
	}
	/* pass 2: one instant */
	for (s = 0; s < nslots; s++) {
		uint64_t r = *slot_at(ctx, s);

		/* the largest n <= m with (n - 1) % nslots == s */
		if (m < s + 1)
			want = 0;
		else
			want = m - ((m - 1 - s) % nslots);
		seq = r >> REC_CSUM_BITS;
		if (r && ((r & REC_CSUM_MASK) != rec_csum(seq, s) || !seq ||
			  (seq - 1) % nslots != s))
			continue; /* counted in pass 1 */
		if (seq != want) {
			torn++;
			if (reports++ < MAX_REPORTS)
				printf("# torn: slot %" PRIu64 " holds seq %" PRIu64
				       ", the instant of max_seq %" PRIu64 " wants %" PRIu64 "\n",
				       s, seq, m, want);
		}
	}
	*nonzero_out = nonzero;
	*m_out = m;
	return torn;
}

static const uint64_t *flat_slot(const void *ctx, uint64_t s)
{
	return (const uint64_t *)ctx + s;
}

static uint64_t check_ring(const uint64_t *img, uint64_t nslots,
			   uint64_t *nonzero, uint64_t *m)
{
	return check_ring_fn(flat_slot, img, nslots, nonzero, m);
}

static int cmd_check(int argc, char **argv)
{
	const char *path = NULL, *logp = NULL, *progp = NULL;
	uint64_t nslots, m = 0, nonzero = 0, torn = 0, last = 0;
	uint64_t at_seq = 0;
	const uint64_t *img;
	int from_file = 0, i;
	size_t size;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--from-file"))
			from_file = 1;
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			logp = argv[++i];
		else if (!strcmp(argv[i], "--progress") && i + 1 < argc)
			progp = argv[++i];
		else if (!strcmp(argv[i], "--at-seq") && i + 1 < argc)
			at_seq = strtoull(argv[++i], NULL, 0);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			usage();
	}
	if (!path)
		usage();
	img = load_image(path, from_file, &size);
	nslots = size / 8;
	torn = check_ring(img, nslots, &nonzero, &m);
	printf("records %" PRIu64 " torn %" PRIu64 " max_seq %" PRIu64 "\n",
	       nonzero, torn, m);
	if (progp) {
		last = read_progress(progp);
		printf("writer_last_seq %" PRIu64 "\n", last);
	}
	if (at_seq)
		last = at_seq;
	if (logp) {
		struct seq_log l;

		if (seq_log_read(logp, &l) == 0) {
			if (!last)
				last = l.seq[l.n - 1];
			printf("rpo_records %" PRId64 " rpo_ms %.3f\n",
			       (int64_t)(last - m),
			       (seq_time(&l, last) - seq_time(&l, m)) / 1e6);
		} else {
			printf("# no seq lines in %s\n", logp);
		}
	}
	return torn ? 1 : 0;
}

static int cmd_sum(int argc, char **argv)
{
	uint64_t h = 0xcbf29ce484222325ULL, nonzero = 0, s;
	const char *path = NULL;
	const uint64_t *img;
	int from_file = 0, i;
	size_t size;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--from-file"))
			from_file = 1;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			usage();
	}
	if (!path)
		usage();
	img = load_image(path, from_file, &size);
	for (s = 0; s < size / 8; s++) {
		h = mix64(h ^ img[s]) + s;
		nonzero += !!img[s];
	}
	printf("sum %016" PRIx64 " nonzero_slots %" PRIu64 "\n", h, nonzero);
	return 0;
}

static int cmd_cmp(int argc, char **argv)
{
	const uint64_t *a, *b;
	size_t sa, sb, s;

	if (argc != 2)
		usage();
	a = map_file(argv[0], 0, &sa);
	b = map_file(argv[1], 0, &sb);
	if (sa != sb) {
		printf("sizes differ: %zu and %zu\n", sa, sb);
		return 1;
	}
	for (s = 0; s < sa / 8; s++) {
		if (a[s] != b[s]) {
			printf("differ at byte %zu (slot %zu): 0x%016" PRIx64
			       " and 0x%016" PRIx64 "\n", s * 8, s, a[s], b[s]);
			return 1;
		}
	}
	printf("equal, %zu bytes\n", sa);
	return 0;
}

static int cmd_copy(int argc, char **argv)
{
	const uint64_t *img;
	size_t size, done = 0;
	ssize_t n;
	int fd;

	if (argc != 2)
		usage();
	img = map_file(argv[0], 0, &size);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open", argv[1]);
	while (done < size) {
		n = write(fd, (const char *)img + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write", argv[1]);
		done += n;
	}
	if (close(fd))
		die("close", argv[1]);
	return 0;
}

static int cmd_forge(int argc, char **argv)
{
	uint64_t slot, seq;
	uint64_t *img;
	size_t size;

	if (argc != 3)
		usage();
	img = map_file(argv[0], 1, &size);
	slot = strtoull(argv[1], NULL, 0);
	seq = strtoull(argv[2], NULL, 0);
	if (slot >= size / 8 || !seq || seq > REC_SEQ_MAX) {
		fprintf(stderr, "records: forge: slot or seq out of range\n");
		return 2;
	}
	img[slot] = rec_make(seq, slot);
	return 0;
}

/* records gwrite --mb M --run-id ID [--every-ms MS]: the in-guest writer */
static int cmd_gwrite(int argc, char **argv)
{
	uint64_t mb = 0, run_id = 0, every_ms = 1000, npages, nslots, n, g;
	uint64_t next_print, t;
	volatile uint64_t *region;
	const char *file = NULL;
	uint64_t p;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--run-id") && i + 1 < argc)
			run_id = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--every-ms") && i + 1 < argc)
			every_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else
			usage();
	}
	if (!mb || !run_id || !every_ms)
		usage();
	npages = mb * (1024 * 1024 / GREC_PAGE);
	nslots = npages * GREC_SLOTS;
	if (file) {
		size_t size;

		region = map_file(file, 1, &size);
		if (size < npages * GREC_PAGE) {
			fprintf(stderr, "records: %s: smaller than %" PRIu64 " MiB\n",
				file, mb);
			return 2;
		}
	} else {
		region = mmap(NULL, npages * GREC_PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (region == MAP_FAILED)
			die("mmap", "region");
	}
	/* not swapped or moved by reclaim (a guest without swap anyway) */
	mlock((void *)region, npages * GREC_PAGE);
	memset(&((uint64_t *)region)[0], 0, npages * GREC_PAGE);
	for (p = 0; p < npages; p++) {
		volatile uint64_t *h = region + p * GREC_WORDS;

		h[0] = GREC_MAGIC;
		h[1] = run_id;
		h[2] = p;
		h[3] = npages;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("gwrite: ready pages %" PRIu64 " slots %" PRIu64 " run_id %" PRIu64 "\n",
	       npages, nslots, run_id);
	next_print = now_ns() + every_ms * 1000000ULL;
	g = 0;
	for (n = 1; n <= REC_SEQ_MAX && !stop_flag; n++) {
		/* one aligned 64-bit store: never torn */
		region[(g / GREC_SLOTS) * GREC_WORDS + GREC_HDR + g % GREC_SLOTS] =
			rec_make(n, g);
		if (++g == nslots)
			g = 0;
		if (!(n & 4095)) {
			t = now_ns();
			if (t >= next_print) {
				printf("gwrite: seq %" PRIu64 "\n", n);
				next_print = t + every_ms * 1000000ULL;
			}
		}
	}
	printf("gwrite: end seq %" PRIu64 "\n", n - 1);
	return 0;
}

struct gring {
	const uint64_t **page;	/* by index; NULL: not found */
};

static const uint64_t zero_word;

static const uint64_t *gring_slot(const void *ctx, uint64_t s)
{
	const struct gring *gr = ctx;
	const uint64_t *pg = gr->page[s / GREC_SLOTS];

	return pg ? &pg[GREC_HDR + s % GREC_SLOTS] : &zero_word;
}

/* the newest valid record of a region page (to choose between copies) */
static uint64_t gpage_max_seq(const uint64_t *pg, uint64_t index)
{
	uint64_t w, m = 0;

	for (w = 0; w < GREC_SLOTS; w++) {
		uint64_t r = pg[GREC_HDR + w], seq = r >> REC_CSUM_BITS;

		if (r && seq && (r & REC_CSUM_MASK) ==
		    rec_csum(seq, index * GREC_SLOTS + w) && seq > m)
			m = seq;
	}
	return m;
}

/* records gscan [--from-file] IMAGE --run-id ID --pages P */
static int cmd_gscan(int argc, char **argv)
{
	uint64_t run_id = 0, npages = 0, found = 0, dups = 0, torn, nonzero, m;
	uint64_t p, nimg;
	const char *path = NULL;
	const uint64_t *img;
	struct gring gr;
	int from_file = 0, i;
	size_t size;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--from-file"))
			from_file = 1;
		else if (!strcmp(argv[i], "--run-id") && i + 1 < argc)
			run_id = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pages") && i + 1 < argc)
			npages = strtoull(argv[++i], NULL, 0);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			usage();
	}
	if (!path || !run_id || !npages)
		usage();
	img = load_image(path, from_file, &size);
	nimg = size / GREC_PAGE;
	gr.page = calloc(npages, sizeof(*gr.page));
	if (!gr.page)
		die("calloc", "pages");
	for (p = 0; p < nimg; p++) {
		const uint64_t *pg = img + p * GREC_WORDS;
		uint64_t idx = pg[2];

		if (pg[0] != GREC_MAGIC || pg[1] != run_id)
			continue;
		if (pg[3] != npages || idx >= npages) {
			printf("# image page %" PRIu64 ": header of index %" PRIu64
			       " of %" PRIu64 " pages, expected %" PRIu64 " pages\n",
			       p, idx, pg[3], npages);
			continue;
		}
		if (gr.page[idx]) {
			dups++;
			if (dups <= MAX_REPORTS)
				printf("# region page %" PRIu64 " found twice (image pages %" PRIu64
				       " and %" PRIu64 ")\n", idx,
				       (uint64_t)(gr.page[idx] - img) / GREC_WORDS, p);
			if (gpage_max_seq(pg, idx) <= gpage_max_seq(gr.page[idx], idx))
				continue;
		} else {
			found++;
		}
		gr.page[idx] = pg;
	}
	printf("gscan pages_found %" PRIu64 " pages %" PRIu64 " duplicates %" PRIu64 "\n",
	       found, npages, dups);
	torn = check_ring_fn(gring_slot, &gr, npages * GREC_SLOTS, &nonzero, &m);
	printf("records %" PRIu64 " torn %" PRIu64 " max_seq %" PRIu64 "\n",
	       nonzero, torn, m);
	return torn || found != npages ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "write"))
		return cmd_write(argc - 2, argv + 2);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sum"))
		return cmd_sum(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cmp"))
		return cmd_cmp(argc - 2, argv + 2);
	if (!strcmp(argv[1], "copy"))
		return cmd_copy(argc - 2, argv + 2);
	if (!strcmp(argv[1], "forge"))
		return cmd_forge(argc - 2, argv + 2);
	if (!strcmp(argv[1], "gwrite"))
		return cmd_gwrite(argc - 2, argv + 2);
	if (!strcmp(argv[1], "gscan"))
		return cmd_gscan(argc - 2, argv + 2);
	if (!strcmp(argv[1], "rpo") && argc == 5) {
		uint64_t m = strtoull(argv[3], NULL, 0);
		uint64_t at = strtoull(argv[4], NULL, 0);
		struct seq_log l;

		if (seq_log_read(argv[2], &l)) {
			fprintf(stderr, "records: no seq lines in %s\n", argv[2]);
			return 2;
		}
		printf("rpo_records %" PRId64 " rpo_ms %.3f\n", (int64_t)(at - m),
		       (seq_time(&l, at) - seq_time(&l, m)) / 1e6);
		return 0;
	}
	if (!strcmp(argv[1], "lastseq") && argc == 3) {
		printf("%" PRIu64 "\n", read_progress(argv[2]));
		return 0;
	}
	usage();
	return 2;
}
