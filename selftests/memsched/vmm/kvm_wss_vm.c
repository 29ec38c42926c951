// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_wss_vm - minimal VMM that gives memsched kselftests a KVM guest with a
 * KNOWN working set.
 *
 * The VMM drives /dev/kvm directly: one VM, one vCPU, one memslot (slot 0)
 * covering guest-physical [0, mem_mb MiB) backed by anonymous memory or by a
 * MAP_SHARED mapping of --mem-path.  The vCPU starts in 32-bit protected mode
 * with flat 4 GiB segments and paging OFF (CR0 = PE|ET, CR4 = 0, EFER = 0).
 * The hidden segment state is loaded with KVM_SET_SREGS, so the guest has no
 * GDT, IDT, page tables or stack in guest memory, and runs with IF = 0.
 *
 * Guest-physical pages touched by the guest (and nothing else):
 *
 *   gpa page 0 (0x0000-0x0fff)  code page: instruction fetch of the sweep loop
 *                               at gpa 0x0, plus two dword data reads of the
 *                               parameter block at gpa 0x800 (base gpa, page
 *                               count) at the start of every sweep.  The VMM
 *                               writes the parameter block from the host
 *                               (initial setup and --phase-signal switches).
 *   gpa pages [O, O+W)          data pages: exactly one dword at offset 0 of
 *                               each page is written (default) or read
 *                               (--read-only) per sweep.
 *   with --phase-signal, after an odd number of SIGUSR1s the data pages are
 *   instead [O+W, O+2W) (same size, disjoint); an even number switches back.
 *
 * So with W data pages, exactly W + 1 guest pages are accessed per sweep.
 * After every sweep the guest does "out 0x10, al"; the resulting
 * KVM_EXIT_IO is how the VMM counts completed sweeps.  The guest touches no
 * other memory: no stack (no call/push/int), no descriptor tables, and the
 * port I/O does not access memory.  (On Intel hosts without unrestricted
 * guest, KVM's own private TSS/identity-map slots at 0xfffbc000-0xfffbffff
 * are outside the memslot; mem-mb is capped at 3072 to keep them disjoint.)
 *
 * Host-side accesses to guest RAM by this VMM: copying the code page at
 * start, --populate (reads+writes every page once before the guest starts),
 * parameter-block updates on phase switches, and a self-check that reads the
 * first/last data page of the active range once after the first sweep of
 * each phase (verifies the guest really hit the expected gpas).
 *
 * Guest code (32-bit, hand assembled; params at gpa 0x800):
 *
 *   sweep: mov  esi, [0x800]       ; 8b 35 00 08 00 00   base gpa
 *          mov  edx, [0x804]       ; 8b 15 04 08 00 00   page count
 *          test edx, edx           ; 85 d2
 *          jz   done               ; 74 xx
 *   loop:  mov  [esi], eax         ; 89 06   (--read-only: mov eax,[esi] 8b 06)
 *          add  esi, 0x1000        ; 81 c6 00 10 00 00
 *          dec  edx                ; 4a
 *          jnz  loop               ; 75 xx
 *   done:  inc  eax                ; 40      sweep value
 *          out  0x10, al           ; e6 10   -> KVM_EXIT_IO, sweep completed
 *          jmp  sweep              ; eb xx
 *
 * Exit status: 0 ok (summary line on stdout), 1 error, 4 (kselftest SKIP)
 * when /dev/kvm does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PROG		"kvm_wss_vm"
#define KSFT_SKIP	4

#define PAGE_SIZE	4096UL
#define CODE_GPA	0x0000UL	/* code page = gpa page 0 */
#define PARAM_GPA	(CODE_GPA + 0x800)	/* u32 base gpa, u32 npages */
#define SWEEP_PORT	0x10
#define MAX_MEM_MB	3072UL		/* below KVM's private slots at 0xfffbc000 */
#define TSS_GPA		0xfffbd000UL
#define DEFAULT_MEM_MB	64
#define DEFAULT_WSS	1024
#define DEFAULT_OFFSET	16		/* first data page: gpa 0x10000 */

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_phase_req;	/* SIGUSR1 count */
static struct kvm_run *volatile g_run;

struct opts {
	unsigned long mem_mb;
	unsigned long wss;
	unsigned long offset;
	unsigned long seconds;
	unsigned long pause_ms;
	const char *mem_path;
	const char *ready_file;
	int populate;
	int phase_signal;
	int read_only;
	int thp;
	int verbose;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [options]\n"
"Minimal /dev/kvm VMM whose guest touches a known set of pages.\n"
"  --mem-mb N            guest RAM in MiB, one memslot at gpa 0 (default %d, max %lu)\n"
"  --wss-pages W         data pages touched per sweep (default %d, 0 allowed)\n"
"  --wss-offset-pages O  first data page (gpa O*4096), >= 1 (default %d)\n"
"  --seconds S           run time in seconds, 0 = until SIGTERM/SIGINT (default 0)\n"
"  --pause-ms N          sleep N ms after every sweep (default 0: none), so that\n"
"                        several VMs leave a slow (emulated) host CPU time\n"
"  --mem-path FILE       back guest RAM with MAP_SHARED mmap of FILE\n"
"                        (created if missing, extended to size if shorter)\n"
"  --populate            host touches (reads+writes) every guest page once first\n"
"  --ready-file F        write \"pid sweeps\" to F after the first sweep (atomic\n"
"                        rename; rewritten after the first sweep of each new phase)\n"
"  --phase-signal        SIGUSR1 toggles the working set between [O,O+W) and\n"
"                        [O+W,O+2W)\n"
"  --read-only           guest reads one dword per page instead of writing\n"
"  --thp                 do not madvise(MADV_NOHUGEPAGE) guest RAM (default: no THP,\n"
"                        so second-level mappings stay 4 KiB)\n"
"  -v, --verbose         layout, phase switches and, at exit, resident guest\n"
"                        pages (mincore) to stderr\n"
"  -h, --help            this help\n"
"Guest pages touched: page 0 (code + params) and the W data pages.\n"
"On exit prints: kvm_wss_vm: pid=P mem_mb=M wss_pages=W sweeps=N seconds=S sweeps_per_s=R\n"
"Exit: 0 ok, 1 error, 4 skip (/dev/kvm absent).\n",
		DEFAULT_MEM_MB, MAX_MEM_MB, DEFAULT_WSS, DEFAULT_OFFSET);
}

static unsigned long parse_ul(const char *opt, const char *s, unsigned long min,
			      unsigned long max)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		die("--%s: invalid number '%s'", opt, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		die("--%s: invalid number '%s'", opt, s);
	if (v < min || v > max)
		die("--%s: %llu out of range [%lu, %lu]", opt, v, min, max);
	return (unsigned long)v;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		g_phase_req++;
		return;
	}
	g_stop = 1;
	if (g_run)
		g_run->immediate_exit = 1;
}

static void install_handlers(int phase_signal, unsigned long seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGALRM, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	if (phase_signal && sigaction(SIGUSR1, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	if (seconds)
		alarm(seconds > UINT_MAX ? UINT_MAX : (unsigned int)seconds);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int kvm_ioctl_retry(int fd, unsigned long req, unsigned long arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static void put32(uint8_t *p, size_t *n, uint32_t v)
{
	memcpy(p + *n, &v, 4);	/* x86 host: little endian */
	*n += 4;
}

/* Assemble the sweep loop (see top comment) into p; returns its size. */
static size_t build_guest_code(uint8_t *p, int read_only)
{
	size_t n = 0, sweep, jz_fix, loop, done;

	sweep = n;
	p[n++] = 0x8b; p[n++] = 0x35; put32(p, &n, PARAM_GPA);	/* mov esi,[base] */
	p[n++] = 0x8b; p[n++] = 0x15; put32(p, &n, PARAM_GPA + 4);	/* mov edx,[cnt] */
	p[n++] = 0x85; p[n++] = 0xd2;				/* test edx,edx */
	p[n++] = 0x74; jz_fix = n++;				/* jz done */
	loop = n;
	if (read_only) {
		p[n++] = 0x8b; p[n++] = 0x06;			/* mov eax,[esi] */
	} else {
		p[n++] = 0x89; p[n++] = 0x06;			/* mov [esi],eax */
	}
	p[n++] = 0x81; p[n++] = 0xc6; put32(p, &n, PAGE_SIZE);	/* add esi,4096 */
	p[n++] = 0x4a;						/* dec edx */
	p[n++] = 0x75; p[n] = (uint8_t)(loop - (n + 1)); n++;	/* jnz loop */
	done = n;
	p[jz_fix] = (uint8_t)(done - (jz_fix + 1));
	p[n++] = 0x40;						/* inc eax */
	p[n++] = 0xe6; p[n++] = SWEEP_PORT;			/* out 0x10,al */
	p[n++] = 0xeb; p[n] = (uint8_t)(sweep - (n + 1)); n++;	/* jmp sweep */
	return n;
}

static void set_params(uint8_t *mem, uint32_t base_gpa, uint32_t npages)
{
	volatile uint32_t *prm = (volatile uint32_t *)(mem + PARAM_GPA);

	prm[0] = base_gpa;
	prm[1] = npages;
}

static void write_ready_file(const char *path, uint64_t sweeps)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		die("--ready-file: path too long");
	f = fopen(tmp, "w");
	if (!f)
		die("--ready-file: cannot create '%s': %s", tmp, strerror(errno));
	fprintf(f, "%d %" PRIu64 "\n", (int)getpid(), sweeps);
	if (fclose(f) != 0) {
		unlink(tmp);
		die("--ready-file: write '%s': %s", tmp, strerror(errno));
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		die("--ready-file: rename to '%s': %s", path, strerror(errno));
	}
}

static void dump_regs(int vcpu)
{
	struct kvm_regs r;

	if (ioctl(vcpu, KVM_GET_REGS, &r) == 0)
		fprintf(stderr, PROG ": guest rip=0x%llx eax=0x%llx esi=0x%llx edx=0x%llx rflags=0x%llx\n",
			r.rip, r.rax, r.rsi, r.rdx, r.rflags);
}

static uint8_t *map_guest_ram(const struct opts *o, size_t size)
{
	uint8_t *mem;

	if (o->mem_path) {
		struct stat st;
		int fd = open(o->mem_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			die("--mem-path: open '%s': %s", o->mem_path, strerror(errno));
		if (fstat(fd, &st))
			die("--mem-path: fstat '%s': %s", o->mem_path, strerror(errno));
		if (!S_ISREG(st.st_mode))
			die("--mem-path: '%s' is not a regular file", o->mem_path);
		if ((uint64_t)st.st_size < size && ftruncate(fd, (off_t)size))
			die("--mem-path: ftruncate '%s' to %zu: %s", o->mem_path,
			    size, strerror(errno));
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mem == MAP_FAILED)
			die("--mem-path: mmap '%s': %s", o->mem_path, strerror(errno));
		close(fd);
	} else {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (mem == MAP_FAILED)
			die("mmap %zu bytes of guest RAM: %s", size, strerror(errno));
	}
	/* Keep host (and so second-level) mappings 4 KiB unless --thp. */
	if (!o->thp)
		(void)madvise(mem, size, MADV_NOHUGEPAGE);
	return mem;
}

static void populate(uint8_t *mem, size_t size)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		volatile uint8_t *p = mem + off;
		uint8_t v = *p;

		*p = v;		/* write fault: page resident, not the zero page */
	}
}

static void setup_vcpu(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment seg;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS: %s", strerror(errno));

	memset(&seg, 0, sizeof(seg));
	seg.base = 0;
	seg.limit = 0xffffffff;
	seg.present = 1;
	seg.dpl = 0;
	seg.db = 1;		/* 32-bit */
	seg.s = 1;		/* code/data */
	seg.l = 0;
	seg.g = 1;		/* 4 KiB granularity: flat 4 GiB */

	seg.selector = 0x08;
	seg.type = 11;		/* execute/read, accessed */
	sregs.cs = seg;

	seg.selector = 0x10;
	seg.type = 3;		/* read/write, accessed */
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;

	/* TR/LDTR keep KVM's reset state (busy TSS, valid for VM entry). */
	sregs.cr0 = 0x11;	/* PE | ET; paging, CD, NW off */
	sregs.cr4 = 0;
	sregs.efer = 0;
	sregs.cr3 = 0;
	memset(sregs.interrupt_bitmap, 0, sizeof(sregs.interrupt_bitmap));

	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS: %s", strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;	/* IF = 0 */
	regs.rip = CODE_GPA;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS: %s", strerror(errno));
}

/*
 * -v: report which guest pages are resident in this process (mincore).  Without
 * --populate this is exactly the set the guest (plus the VMM's code-page
 * setup) faulted in, i.e. page 0 and the data pages of every phase run.
 */
static void report_resident(uint8_t *mem, size_t size)
{
	size_t np = size / PAGE_SIZE, i, start, nres = 0;
	unsigned char *vec = malloc(np);
	int nranges = 0;

	if (!vec || mincore(mem, size, vec)) {
		fprintf(stderr, PROG ": mincore: %s\n", strerror(errno));
		free(vec);
		return;
	}
	for (i = 0; i < np; i++)
		nres += vec[i] & 1;
	fprintf(stderr, PROG ": resident guest pages: %zu of %zu:", nres, np);
	for (i = 0; i < np; ) {
		if (!(vec[i] & 1)) {
			i++;
			continue;
		}
		for (start = i; i < np && (vec[i] & 1); i++)
			;
		if (++nranges <= 16)
			fprintf(stderr, " [%zu-%zu]", start, i - 1);
	}
	if (nranges > 16)
		fprintf(stderr, " ... (%d ranges)", nranges);
	fputc('\n', stderr);
	free(vec);
}

/* After the first sweep of a phase: check the guest hit the expected gpas. */
static void self_check(int vcpu, const uint8_t *mem, uint32_t base, uint32_t n,
		       int read_only)
{
	struct kvm_regs r;
	uint32_t first, last, expect;

	if (!n)
		return;
	if (ioctl(vcpu, KVM_GET_REGS, &r))
		die("KVM_GET_REGS: %s", strerror(errno));
	expect = (uint32_t)r.rax - 1;	/* value before the final inc eax */
	memcpy(&first, mem + base, 4);
	memcpy(&last, mem + base + (size_t)(n - 1) * PAGE_SIZE, 4);
	if (last != expect || (!read_only && first != expect))
		die("self-check failed: guest eax-1=0x%x, host sees 0x%x at gpa 0x%x and 0x%x at gpa 0x%lx",
		    expect, first, base, last, base + (unsigned long)(n - 1) * PAGE_SIZE);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "mem-mb",		required_argument, NULL, 'm' },
		{ "wss-pages",		required_argument, NULL, 'w' },
		{ "wss-offset-pages",	required_argument, NULL, 'o' },
		{ "seconds",		required_argument, NULL, 's' },
		{ "pause-ms",		required_argument, NULL, 'z' },
		{ "mem-path",		required_argument, NULL, 'f' },
		{ "populate",		no_argument,	   NULL, 'p' },
		{ "ready-file",		required_argument, NULL, 'r' },
		{ "phase-signal",	no_argument,	   NULL, 'P' },
		{ "read-only",		no_argument,	   NULL, 'R' },
		{ "thp",		no_argument,	   NULL, 'T' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = {
		.mem_mb = DEFAULT_MEM_MB, .wss = DEFAULT_WSS, .offset = DEFAULT_OFFSET,
	};
	unsigned long npages, ranges;
	uint64_t sweeps = 0, phase_sweeps = 0;
	uint32_t cur_base, phase_bases[2];
	int kvm, vm, vcpu, c, mmap_size, phase = 0, phase_seen = 0;
	double t0, elapsed;
	struct kvm_userspace_memory_region region;
	struct kvm_run *run;
	uint8_t *mem;
	size_t size;

	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.mem_mb = parse_ul("mem-mb", optarg, 1, MAX_MEM_MB); break;
		case 'w': o.wss = parse_ul("wss-pages", optarg, 0, MAX_MEM_MB << 8); break;
		case 'o': o.offset = parse_ul("wss-offset-pages", optarg, 1, MAX_MEM_MB << 8); break;
		case 's': o.seconds = parse_ul("seconds", optarg, 0, UINT_MAX); break;
		case 'z': o.pause_ms = parse_ul("pause-ms", optarg, 0, 60000); break;
		case 'f': o.mem_path = optarg; break;
		case 'p': o.populate = 1; break;
		case 'r': o.ready_file = optarg; break;
		case 'P': o.phase_signal = 1; break;
		case 'R': o.read_only = 1; break;
		case 'T': o.thp = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (o.mem_path && !*o.mem_path)
		die("--mem-path: empty path");
	if (o.ready_file && !*o.ready_file)
		die("--ready-file: empty path");

	npages = o.mem_mb << 8;
	ranges = o.phase_signal ? 2 : 1;
	if (o.offset + ranges * o.wss > npages)
		die("working set does not fit: offset %lu + %s%lu pages > %lu guest pages (--mem-mb %lu)",
		    o.offset, o.phase_signal ? "2 x " : "", o.wss, npages, o.mem_mb);
	size = (size_t)o.mem_mb << 20;
	phase_bases[0] = (uint32_t)(o.offset * PAGE_SIZE);
	phase_bases[1] = (uint32_t)((o.offset + o.wss) * PAGE_SIZE);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		if (errno == ENOENT) {
			printf("SKIP: /dev/kvm absent\n");
			fprintf(stderr, PROG ": SKIP: /dev/kvm absent\n");
			return KSFT_SKIP;
		}
		die("open /dev/kvm: %s", strerror(errno));
	}
	c = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (c != KVM_API_VERSION)
		die("KVM_GET_API_VERSION: got %d, want %d", c, KVM_API_VERSION);

	vm = kvm_ioctl_retry(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(vm, KVM_SET_TSS_ADDR, TSS_GPA) < 0)
		die("KVM_SET_TSS_ADDR: %s", strerror(errno));

	mem = map_guest_ram(&o, size);
	if (o.populate)
		populate(mem, size);
	memset(mem + CODE_GPA, 0, PAGE_SIZE);
	build_guest_code(mem + CODE_GPA, o.read_only);
	set_params(mem, phase_bases[0], (uint32_t)o.wss);
	cur_base = phase_bases[0];

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = size;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION (%zu bytes): %s", size, strerror(errno));

	/*
	 * An in-kernel irqchip, as QEMU has. Without one, KVM flips its
	 * kvm_has_noapic_vcpu static key on every vCPU create/destroy, and
	 * the live kernel text patching that takes can wedge a TCG lab.
	 */
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP: %s", strerror(errno));

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", mmap_size < 0 ? strerror(errno) : "too small");
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
	setup_vcpu(vcpu);

	if (o.verbose)
		fprintf(stderr, PROG ": pid=%d mem=%lu MiB (%s%s) code gpa 0x%lx params gpa 0x%lx "
			"wss [0x%x,+%lu pages)%s%s\n", (int)getpid(), o.mem_mb,
			o.mem_path ? "shared file " : "anonymous", o.mem_path ? o.mem_path : "",
			CODE_GPA, PARAM_GPA, phase_bases[0], o.wss,
			o.phase_signal ? " alt " : "", o.phase_signal ? "on SIGUSR1" : "");

	g_run = run;
	install_handlers(o.phase_signal, o.seconds);
	t0 = now_s();

	while (!g_stop) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;	/* signal: flags checked above */
			die("KVM_RUN: %s", strerror(errno));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port != SWEEP_PORT || run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.size != 1 || run->io.count != 1) {
				dump_regs(vcpu);
				die("unexpected guest I/O: port 0x%x dir %s size %u count %u",
				    run->io.port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
				    run->io.size, run->io.count);
			}
			sweeps++;
			phase_sweeps++;
			if (o.pause_ms) {
				/* A signal cuts it short: the flags are checked below. */
				struct timespec ts = {
					.tv_sec = (time_t)(o.pause_ms / 1000),
					.tv_nsec = (long)(o.pause_ms % 1000) * 1000000L,
				};

				nanosleep(&ts, NULL);
			}
			if (phase_sweeps == 1) {
				self_check(vcpu, mem, cur_base, (uint32_t)o.wss, o.read_only);
				if (o.ready_file)
					write_ready_file(o.ready_file, sweeps);
			}
			if (o.phase_signal && g_phase_req != phase_seen) {
				phase_seen = g_phase_req;
				phase = phase_seen & 1;
				if (phase_bases[phase] != cur_base) {
					cur_base = phase_bases[phase];
					/* vCPU is stopped: next sweep uses the new range */
					set_params(mem, cur_base, (uint32_t)o.wss);
					phase_sweeps = 0;
					if (o.verbose)
						fprintf(stderr, PROG ": phase %d: wss gpa [0x%x,+%lu pages) after %" PRIu64 " sweeps\n",
							phase, cur_base, o.wss, sweeps);
				}
			}
			break;
		case KVM_EXIT_HLT:
			dump_regs(vcpu);
			die("guest executed HLT unexpectedly (KVM_EXIT_HLT)");
		case KVM_EXIT_SHUTDOWN:
			dump_regs(vcpu);
			die("guest shutdown (triple fault), KVM_EXIT_SHUTDOWN");
		case KVM_EXIT_FAIL_ENTRY:
			die("KVM_EXIT_FAIL_ENTRY: hardware_entry_failure_reason=0x%llx cpu=%u",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			    run->fail_entry.cpu);
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, PROG ": internal error data:");
			for (unsigned int i = 0; i < run->internal.ndata && i < 16; i++)
				fprintf(stderr, " 0x%llx", (unsigned long long)run->internal.data[i]);
			fputc('\n', stderr);
			dump_regs(vcpu);
			die("KVM_EXIT_INTERNAL_ERROR: suberror %u", run->internal.suberror);
		case KVM_EXIT_MMIO:
			dump_regs(vcpu);
			die("guest accessed unbacked gpa 0x%llx (KVM_EXIT_MMIO)",
			    (unsigned long long)run->mmio.phys_addr);
		case KVM_EXIT_INTR:
			break;
		default:
			dump_regs(vcpu);
			die("unexpected KVM exit reason %u", run->exit_reason);
		}
	}
	elapsed = now_s() - t0;
	if (o.verbose)
		report_resident(mem, size);

	printf(PROG ": pid=%d mem_mb=%lu wss_pages=%lu sweeps=%" PRIu64 " seconds=%.3f sweeps_per_s=%.1f\n",
	       (int)getpid(), o.mem_mb, o.wss, sweeps, elapsed,
	       elapsed > 0 ? sweeps / elapsed : 0.0);
	fflush(stdout);
	return 0;
}
