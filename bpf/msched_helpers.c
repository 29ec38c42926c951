// SPDX-License-Identifier: GPL-2.0
/* User-space helpers of the memsched eBPF tools (see msched_helpers.h). */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/btf.h>
#include <bpf/libbpf.h>
#include "msched_helpers.h"

bool msched_verbose;

enum msched_mode { MODE_AUTO, MODE_TP_BTF, MODE_RAW_TP };
static enum msched_mode mode = MODE_AUTO;

enum { OPT_RAW_TP = 0x100, OPT_TP_BTF };

static const struct argp_option common_opts[] = {
	{ "verbose", 'v', NULL, 0, "libbpf debug output, and how the tool attached", 0 },
	{ "raw-tp", OPT_RAW_TP, NULL, 0,
	  "attach with raw_tp even where the module has BTF (also MSCHED_BPF_ATTACH=raw_tp)", 0 },
	{ "tp-btf", OPT_TP_BTF, NULL, 0,
	  "attach with tp_btf, fail without the module's BTF (also MSCHED_BPF_ATTACH=tp_btf)", 0 },
	{},
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	switch (key) {
	case 'v':
		msched_verbose = true;
		break;
	case OPT_RAW_TP:
		mode = MODE_RAW_TP;
		break;
	case OPT_TP_BTF:
		mode = MODE_TP_BTF;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp msched_common_argp = {
	.options = common_opts,
	.parser = common_parse,
};

/* The parse under way in msched_argp_parse(), for usage_on_exit() */
static const struct argp *parsing;
static char *parsing_name;

/*
 * argp ends a bad command line itself: its message, "Try `TOOL --help' or
 * `TOOL --usage'", exit(argp_err_exit_status). The synopsis goes with it.
 */
static void usage_on_exit(int status, void *arg)
{
	(void)arg;
	if (parsing && status == argp_err_exit_status)
		argp_help(parsing, stderr, ARGP_HELP_USAGE, parsing_name);
}

int msched_argp_parse(const struct argp *argp, int argc, char **argv)
{
	error_t err;

	argp_err_exit_status = 2;
	parsing_name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	parsing = argp;
	on_exit(usage_on_exit, NULL);
	err = argp_parse(argp, argc, argv, 0, NULL, NULL);
	parsing = NULL;
	return err;
}

int msched_libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && !msched_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int msched_check_loaded(const char *tool)
{
	if (access("/sys/module/memsched", F_OK)) {
		fprintf(stderr, "%s: memsched is not loaded (insmod kmod/memsched/memsched.ko)\n",
			tool);
		return -1;
	}
	return 0;
}

/*
 * The modules whose tracepoints the tools read: the module's name is also
 * its BTF's (/sys/kernel/btf/NAME) and its tracefs system's
 * (events/NAME/); its tracepoints' names start with prefix. An optional
 * module's programs stay off when it is not loaded.
 */
static const struct msched_mod {
	const char *name;
	const char *prefix;
	bool optional;
} mods[] = {
	{ "rdma_failover", "rfo_", true },
	{ "memsched", "", false },	/* every other tracepoint */
};
#define NR_MODS (sizeof(mods) / sizeof(mods[0]))

static unsigned int mod_of(const char *ev)
{
	unsigned int i;

	for (i = 0; i < NR_MODS - 1; i++)
		if (!strncmp(ev, mods[i].prefix, strlen(mods[i].prefix)))
			return i;
	return NR_MODS - 1;
}

static bool mod_loaded(unsigned int m)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", mods[m].name);
	return !access(path, F_OK);
}

/* Is tracepoint @ev of module @m in the kernel? -1: cannot tell. */
static int tracefs_has(unsigned int m, const char *ev)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events",
		"/sys/kernel/debug/tracing/events",
	};
	char path[256];
	unsigned int i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", roots[i], mods[m].name);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", roots[i], mods[m].name, ev);
		return !access(path, F_OK);
	}
	return -1;
}

/* The tracepoint a program of a pair attaches to: "tp_btf/EV" -> EV */
static const char *prog_event(struct bpf_program *prog, bool *is_btf)
{
	const char *sec = bpf_program__section_name(prog);

	if (!strncmp(sec, "tp_btf/", 7)) {
		*is_btf = true;
		return sec + 7;
	}
	if (!strncmp(sec, "raw_tp/", 7)) {
		*is_btf = false;
		return sec + 7;
	}
	return NULL;
}

/*
 * The string section of a module's split BTF (/sys/kernel/btf/MODULE),
 * read whole: a tracepoint EV has BTF when "btf_trace_EV" is one of its
 * strings (the typedef's name). This avoids parsing vmlinux's BTF (5 MB),
 * which takes many seconds under TCG; libbpf resolves the types on load.
 */
struct mod_btf {
	char *buf;
	size_t len;
	const char *strs;
	size_t strs_len;
};

static int mod_btf_read(struct mod_btf *m, const char *path)
{
	const struct btf_header *hdr;
	size_t cap = 1 << 16;
	ssize_t n;
	int fd;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	m->buf = malloc(cap);
	while (m->buf && (n = read(fd, m->buf + m->len, cap - m->len)) > 0) {
		m->len += n;
		if (m->len == cap) {
			char *bigger = realloc(m->buf, cap * 2);

			if (!bigger) {
				free(m->buf);
				m->buf = NULL;
				break;
			}
			m->buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	if (!m->buf)
		return -1;
	hdr = (const struct btf_header *)m->buf;
	if (m->len < sizeof(*hdr) || hdr->magic != BTF_MAGIC ||
	    (size_t)hdr->hdr_len + hdr->str_off + hdr->str_len > m->len) {
		free(m->buf);
		m->buf = NULL;
		return -1;
	}
	m->strs = m->buf + hdr->hdr_len + hdr->str_off;
	m->strs_len = hdr->str_len;
	return 0;
}

static bool mod_btf_has(const struct mod_btf *m, const char *name)
{
	size_t off, l;

	for (off = 0; off < m->strs_len; off += l + 1) {
		l = strnlen(m->strs + off, m->strs_len - off);
		if (!strcmp(m->strs + off, name))
			return true;
	}
	return false;
}

/* What msched_choose_attach() found of one module's BTF. */
struct mod_state {
	bool used;		/* a program of the module is to load */
	bool read;		/* its BTF was looked at */
	bool btf;		/* ... and it is there: mod_btf */
	struct mod_btf mod_btf;
	char why[192];		/* else why not */
};

/* Look at module @m's BTF once; false (and @st->why) when it has none. */
static bool mod_state_btf(unsigned int m, struct mod_state *st)
{
	char path[128];

	if (st->read)
		return st->btf;
	st->read = true;
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mods[m].name);
	if (access(path, F_OK))
		snprintf(st->why, sizeof(st->why),
			 "%s has no BTF (%s is missing; build it with make modules)",
			 mods[m].name, path);
	else if (mod_btf_read(&st->mod_btf, path))
		snprintf(st->why, sizeof(st->why), "%s's BTF (%s) does not read",
			 mods[m].name, path);
	else
		st->btf = true;
	return st->btf;
}

int msched_choose_attach(struct bpf_object *obj, const char *tool)
{
	const char *env = getenv("MSCHED_BPF_ATTACH");
	struct mod_state st[NR_MODS] = {};
	struct bpf_program *prog;
	const char *why = NULL, *ev;
	bool use_btf, is_btf, btf_ok, off[NR_MODS] = {};
	char tname[128], nobtf[256], have[128] = "";
	unsigned int m;
	int ret = -1;

	if (mode == MODE_AUTO && env && *env) {
		if (!strcmp(env, "raw_tp")) {
			mode = MODE_RAW_TP;
		} else if (!strcmp(env, "tp_btf")) {
			mode = MODE_TP_BTF;
		} else {
			fprintf(stderr, "%s: MSCHED_BPF_ATTACH=%s (accepted: raw_tp, tp_btf)\n",
				tool, env);
			return -1;
		}
	}
	/*
	 * The tool checked that memsched is loaded before opening @obj. An
	 * optional module's programs (rdma_failover's) are turned off when
	 * it is not loaded: nothing of it to trace, and no error.
	 */
	bpf_object__for_each_program(prog, obj) {
		ev = prog_event(prog, &is_btf);
		if (!ev || !bpf_program__autoload(prog))
			continue;
		m = mod_of(ev);
		if (mods[m].optional && !mod_loaded(m)) {
			bpf_program__set_autoload(prog, false);
			if (msched_verbose && !off[m])
				fprintf(stderr, "%s: %s is not loaded: its tracepoints (%s...) are not traced\n",
					tool, mods[m].name, ev);
			off[m] = true;
		}
	}
	if (access("/sys/kernel/btf/vmlinux", F_OK))
		why = "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
	btf_ok = !why;

	/*
	 * Every tracepoint the programs name must exist: in its module's BTF
	 * for tp_btf, else in tracefs for raw_tp. A tracepoint that tracefs
	 * has but the BTF lacks (a BTF out of step with the module) still
	 * attaches with raw_tp.
	 */
	bpf_object__for_each_program(prog, obj) {
		ev = prog_event(prog, &is_btf);
		if (!ev || !is_btf || !bpf_program__autoload(prog))
			continue;
		m = mod_of(ev);
		st[m].used = true;
		snprintf(tname, sizeof(tname), "btf_trace_%s", ev);
		if (mod_state_btf(m, &st[m]) && mod_btf_has(&st[m].mod_btf, tname))
			continue;
		if (tracefs_has(m, ev) == 0) {
			fprintf(stderr, "%s: %s has no tracepoint %s (%s.ko older than this tool?)\n",
				tool, mods[m].name, ev, mods[m].name);
			goto out;
		}
		if (!btf_ok)
			continue;
		if (!st[m].btf) {
			why = st[m].why;
		} else {
			snprintf(nobtf, sizeof(nobtf),
				 "%s's BTF (/sys/kernel/btf/%s) has no %s (BTF out of step with the module?)",
				 mods[m].name, mods[m].name, tname);
			why = nobtf;
		}
		btf_ok = false;
	}
	/* "memsched has BTF", "memsched and rdma_failover have BTF" */
	for (m = NR_MODS; m-- > 0; )
		if (st[m].used)
			snprintf(have + strlen(have), sizeof(have) - strlen(have),
				 "%s%s", *have ? " and " : "", mods[m].name);
	snprintf(have + strlen(have), sizeof(have) - strlen(have), " %s BTF",
		 strchr(have, ' ') ? "have" : "has");

	if (mode == MODE_TP_BTF && !btf_ok) {
		fprintf(stderr, "%s: tp_btf asked for, but %s\n", tool, why);
		goto out;
	}
	use_btf = btf_ok && mode != MODE_RAW_TP;
	if (!use_btf && mode != MODE_RAW_TP)
		fprintf(stderr, "%s: %s: attaching with raw_tp\n", tool, why);
	if (msched_verbose)
		fprintf(stderr, "%s: attaching with %s (%s)\n", tool,
			use_btf ? "tp_btf" : "raw_tp",
			use_btf ? have : mode == MODE_RAW_TP ? "asked for" : why);

	/* a pair the tool (or the loop above) turned off stays off */
	bpf_object__for_each_program(prog, obj) {
		if (prog_event(prog, &is_btf) && bpf_program__autoload(prog))
			bpf_program__set_autoload(prog, is_btf == use_btf);
	}
	ret = 0;
out:
	for (m = 0; m < NR_MODS; m++)
		if (st[m].btf)
			free(st[m].mod_btf.buf);
	return ret;
}

bool msched_attach_has(struct bpf_program *btf, struct bpf_program *raw)
{
	return bpf_program__autoload(btf) || bpf_program__autoload(raw);
}

pid_t msched_replica_owner(const char *name)
{
	char path[512], file[4096];
	struct stat sb;
	ssize_t n;
	int fd;

	if (!*name || strchr(name, '/'))
		return 0;
	snprintf(path, sizeof(path), MSCHED_RFO_SYSFS "/replicas/%s/path", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, file, sizeof(file) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	file[n] = '\0';
	file[strcspn(file, "\n")] = '\0';
	if (stat(file, &sb))
		return 0;
	return msched_ino_owner(sb.st_ino);
}

const char *msched_vm_name(pid_t pid, char *buf, size_t len)
{
	char path[64], cmd[4096], *p, *end, *next;
	ssize_t n;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[n > 0 ? n : 0] = '\0';
		end = cmd + (n > 0 ? n : 0);
		/* qemu: -name NAME or -name guest=NAME,opt=... */
		for (p = cmd; p < end; p = next) {
			next = p + strlen(p) + 1;
			if (strcmp(p, "-name") || next >= end)
				continue;
			p = next;
			if (!strncmp(p, "guest=", 6))
				p += 6;
			snprintf(buf, len, "%.*s", (int)strcspn(p, ","), p);
			return buf;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, 0);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			return buf;
		}
	}
	snprintf(buf, len, "-");
	return buf;
}

#define MAX_OWNERS 1024
static struct { unsigned long ino; pid_t pid; } owners[MAX_OWNERS];
static int nr_owners;

void msched_refresh_owners(void)
{
	char path[512], target[512], *base;
	struct dirent *de;
	DIR *d;
	ssize_t n;

	nr_owners = 0;
	d = opendir(MSCHED_SYSFS "/vms");
	if (!d)
		return;
	while ((de = readdir(d)) && nr_owners < MAX_OWNERS) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), MSCHED_SYSFS "/vms/%s/ram", de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		base = strrchr(target, '/');
		owners[nr_owners].ino = strtoul(base ? base + 1 : target, NULL, 10);
		owners[nr_owners].pid = atoi(de->d_name);
		nr_owners++;
	}
	closedir(d);
}

pid_t msched_ino_owner(unsigned long ino)
{
	int i;

	for (i = 0; i < nr_owners; i++)
		if (owners[i].ino == ino)
			return owners[i].pid;
	return 0;
}

static void print_stars(unsigned int val, unsigned int val_max, int width)
{
	int num_stars, num_spaces, i;
	bool need_plus;

	num_stars = (val < val_max ? val : val_max) * width / val_max;
	num_spaces = width - num_stars;
	need_plus = val > val_max;
	for (i = 0; i < num_stars; i++)
		putchar('*');
	for (i = 0; i < num_spaces; i++)
		putchar(' ');
	if (need_plus)
		putchar('+');
}

void msched_print_log2_hist(const unsigned int *vals, int vals_size,
			    const char *val_type)
{
	int stars_max = 40, idx_max = -1;
	unsigned int val, val_max = 0;
	unsigned long long low, high;
	int stars, width, i;

	for (i = 0; i < vals_size; i++) {
		val = vals[i];
		if (val > 0)
			idx_max = i;
		if (val > val_max)
			val_max = val;
	}
	if (idx_max < 0)
		return;
	printf("%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
	       idx_max <= 32 ? 19 : 29, val_type);
	stars = idx_max <= 32 ? stars_max : stars_max / 2;
	for (i = 0; i <= idx_max; i++) {
		low = (1ULL << (i + 1)) >> 1;
		high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		val = vals[i];
		width = idx_max <= 32 ? 10 : 20;
		printf("%*llu -> %-*llu : %-8u |", width, low, width, high, val);
		print_stars(val, val_max, stars);
		printf("|\n");
	}
}

static sigset_t exit_signals;

void msched_block_signals(void)
{
	struct sigaction old;

	sigemptyset(&exit_signals);
	/* A SIGINT ignored on entry (a shell's background job) stays ignored */
	if (sigaction(SIGINT, NULL, &old) || old.sa_handler != SIG_IGN)
		sigaddset(&exit_signals, SIGINT);
	sigaddset(&exit_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &exit_signals, NULL);
}

bool msched_wait_until(const struct timespec *deadline)
{
	struct timespec now, left;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
			return false;
		left.tv_sec = deadline->tv_sec - now.tv_sec;
		left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		/* A pending SIGINT/SIGTERM is taken at once; EAGAIN: timeout */
		if (sigtimedwait(&exit_signals, NULL, &left) > 0)
			return true;
	}
}

const char *msched_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}
