// SPDX-License-Identifier: GPL-2.0
/*
 * memschedctl: record (sample a VM's MRC, working set and ages into a file
 * over time) and report (draw a record with gnuplot), as damo does for
 * DAMON.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "fmt.h"
#include "gnuplot.h"
#include "json.h"
#include "record.h"
#include "sysfs.h"
#include "vm.h"

#define HEAT_ROWS	128	/* memory sizes per sample in the heatmap */
#define MAX_DURATION_S	(366.0 * 86400)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps until monotonic time @when, or until a signal asks to stop. */
static void sleep_until(double when)
{
	struct timespec ts;
	double d;

	while (!stop_signal && (d = when - mono_now()) > 0) {
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* One sample of VM @pid. Return: 0 or -errno. */
static int record_one(FILE *f, int pid, double t)
{
	struct msctl_age_bucket ages[MSCTL_MAX_AGE_BUCKETS];
	struct msctl_mrc m = { 0 };
	struct msctl_vm vm;
	size_t nr_ages = 0;
	int ret;

	ret = msctl_vm_load(pid, &vm);
	if (!ret)
		ret = msctl_vm_load_mrc(pid, &m);
	if (!ret)
		ret = msctl_vm_load_ages(pid, ages, MSCTL_MAX_AGE_BUCKETS, &nr_ages);
	if (!ret)
		ret = msctl_rec_write_sample(f, t, &vm, &m, ages, nr_ages);
	msctl_mrc_free(&m);
	return ret;
}

/* record's options: -o FILE (*@out) is needed */
static int record_check(char **ops, const struct msctl_cmd *cmd, void *out)
{
	(void)ops;
	if (!*(const char **)out)
		return msctl_cli_usage_err(cmd, "-o FILE is needed");
	return -1;
}

/* record PID -o FILE [--interval S] [--duration S] */
MSCTL_CMD_FN(record)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	double interval = 1.0, duration = 0, start, t = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *out = NULL, *reason;
	int c, ret, pid, err = 0;
	unsigned long n, written = 0;
	FILE *f = NULL;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT "o:i:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'i':
			if (!msctl_cli_parse_secs(optarg, &interval))
				return msctl_cli_usage_err(cmd, "--interval wants seconds, more than 0 and at most 86400");
			break;
		case 'd':
			if (!msctl_cli_parse_secs_max(optarg, MAX_DURATION_S, &duration))
				return msctl_cli_usage_err(cmd, "--duration wants seconds, more than 0");
			break;
		default:
			ret = msctl_cli_common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	ret = msctl_cli_vm_arg(argc, argv, cmd, MSCTL_CLI_OPTS_PARSED, &pid,
			       record_check, &out);
	if (ret >= 0)
		return ret;
	f = fopen(out, "w");
	if (!f) {
		msctl_err("%s: %s (%s)", out, strerror(errno), msctl_errno_name(errno));
		return EXIT_ERR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	start = mono_now();
	ret = EXIT_ERR;
	if (msctl_rec_write_header(f, pid, wall_now(), interval))
		goto write_err;
	for (n = 0;; n++) {
		t = mono_now() - start;
		err = record_one(f, pid, t);
		if (err == -ENOENT && !msctl_vm_exists(pid)) {
			reason = "detached";
			break;
		}
		if (err == -EIO)
			goto write_err;
		if (err) {
			msctl_vm_report(err, pid);
			reason = "error";
			break;
		}
		written++;
		if (duration && (n + 1) * interval > duration + 1e-9) {
			reason = "duration";
			break;
		}
		sleep_until(start + (double)(n + 1) * interval);
		if (stop_signal) {
			reason = "signal";
			break;
		}
	}
	if (msctl_rec_write_end(f, mono_now() - start, reason))
		goto write_err;
	printf("recorded %lu samples of VM %d in %.1f s to %s (%s)\n",
	       written, pid, mono_now() - start, out,
	       !strcmp(reason, "detached") ? "the VM was detached" :
	       !strcmp(reason, "signal") ? "stopped by a signal" : reason);
	ret = !strcmp(reason, "error") ? EXIT_ERR : EXIT_OK;
	goto cleanup;
write_err:
	msctl_err("%s: write failed: %s", out, strerror(errno ? errno : EIO));
cleanup:
	if (fclose(f) && ret == EXIT_OK) {
		msctl_err("%s: %s", out, strerror(errno));
		ret = EXIT_ERR;
	}
	return ret;
}

/* ---- report ---- */

struct report {
	const struct msctl_rec *rec;
	char dir[PATH_MAX];
	char stem[NAME_MAX + 1];
	u64 max_pages;		/* the largest guest of the record */
	size_t nr_curves;	/* samples with a miss-rate curve */
};

/* DIR/STEM-@what.@ext */
static int out_path(char *buf, size_t size, const struct report *rp,
		    const char *what, const char *ext)
{
	int n = snprintf(buf, size, "%s/%s-%s.%s", rp->dir, rp->stem, what, ext);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * The heatmap's data: for each sample with a curve, HEAT_ROWS + 1 lines
 * "T MEM_MIB MISS_PCT" from 0 to the largest guest, a blank line between
 * samples (one pm3d scan per sample).
 */
static int write_heat(const struct report *rp, const char *path)
{
	const struct msctl_rec_sample *s;
	double pages;
	size_t i, k;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < rp->rec->nr; i++) {
		s = &rp->rec->samples[i];
		if (!s->mrc.nr)
			continue;
		for (k = 0; k <= HEAT_ROWS; k++) {
			pages = (double)rp->max_pages * (double)k / HEAT_ROWS;
			fprintf(f, "%.3f %.4f %.4f\n", s->t, pages / PAGES_PER_MIB,
				100.0 * msctl_mrc_ratio_at(&s->mrc, pages));
		}
		fputc('\n', f);
	}
	return fclose(f) ? -errno : 0;
}

/* "T GUEST_MIB WSS_MIB KNEE_MIB" per sample. */
static int write_wss(const struct report *rp, const char *path)
{
	const struct msctl_rec_sample *s;
	size_t i;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# t_s guest_mib wss_mib knee_mib\n");
	for (i = 0; i < rp->rec->nr; i++) {
		s = &rp->rec->samples[i];
		fprintf(f, "%.3f %.4f %.4f %.4f\n", s->t,
			msctl_fmt_mib(s->guest_pages), msctl_fmt_mib(s->wss_pages),
			msctl_fmt_mib(s->knee_pages));
	}
	return fclose(f) ? -errno : 0;
}

static void gp_plot_mrc(FILE *f, const struct report *rp, const char *heat,
			const char *wss)
{
	const struct msctl_rec *r = rp->rec;

	fprintf(f, "reset\n");
	fprintf(f, "set title \"Miss-rate curve of VM %d over time (colour: miss ratio)\"\n",
		r->pid);
	fprintf(f, "set xlabel \"time (s)\"\nset ylabel \"memory (MiB)\"\n");
	fprintf(f, "set cblabel \"miss ratio (%%)\"\nset cbrange [0:100]\n");
	fprintf(f, "set xrange [%.3f:%.3f]\nset yrange [0:%.4f]\n",
		r->samples[0].t, r->samples[r->nr - 1].t,
		msctl_fmt_mib(rp->max_pages));
	fprintf(f, "set view map\nset pm3d at b corners2color c1\n");
	fprintf(f, "set palette rgbformulae 30,31,32\n");
	fprintf(f, "set key top right textcolor rgb \"white\"\n");
	fprintf(f, "splot ");
	msctl_gp_put_str(f, heat);
	fprintf(f, " using 1:2:3 with pm3d notitle, \\\n      ");
	msctl_gp_put_str(f, wss);
	fprintf(f, " using 1:3:(0) with lines lw 2 lc rgb \"white\" title \"working set\", \\\n      ");
	msctl_gp_put_str(f, wss);
	fprintf(f, " using 1:4:(0) with lines lw 2 dt 2 lc rgb \"green\" title \"MRC knee\"\n");
}

static void gp_plot_wss(FILE *f, const struct report *rp, const char *wss)
{
	const struct msctl_rec *r = rp->rec;

	fprintf(f, "reset\n");
	fprintf(f, "set title \"Working set of VM %d\"\n", r->pid);
	fprintf(f, "set xlabel \"time (s)\"\nset ylabel \"MiB\"\n");
	fprintf(f, "set yrange [0:*]\nset grid\nset key top left\n");
	fprintf(f, "plot ");
	msctl_gp_put_str(f, wss);
	fprintf(f, " using 1:3 with linespoints lw 2 pt 7 ps 0.5 title \"working set\", \\\n     ");
	msctl_gp_put_str(f, wss);
	fprintf(f, " using 1:4 with lines lw 2 dt 2 title \"MRC knee\", \\\n     ");
	msctl_gp_put_str(f, wss);
	fprintf(f, " using 1:2 with lines lc rgb \"gray\" title \"guest memory\"\n");
}

enum { FMT_PNG = 1, FMT_SVG = 2 };

#define MAX_PICTURES	4

/*
 * Writes the data files and the gnuplot script, runs it, and checks that
 * every picture came out. Return: the number of pictures in @pics, or -1
 * (said).
 */
static int draw(const struct report *rp, int formats,
		char pics[MAX_PICTURES][PATH_MAX])
{
	char heat[PATH_MAX], wss[PATH_MAX], script[PATH_MAX];
	const char *png_term = NULL;
	int nr = 0, i, ret;
	struct stat st;
	FILE *f;

	if (!msctl_gp_check())
		return -1;
	if (formats & FMT_PNG) {
		png_term = msctl_gp_has_terminal("pngcairo") ? "pngcairo" :
			   msctl_gp_has_terminal("png") ? "png" : NULL;
		if (!png_term) {
			msctl_err("gnuplot has neither the pngcairo nor the png terminal (Debian's gnuplot-nox has both; scripts/deps.sh)");
			return -1;
		}
	}
	if (out_path(heat, sizeof(heat), rp, "mrc", "dat") ||
	    out_path(wss, sizeof(wss), rp, "wss", "dat") ||
	    out_path(script, sizeof(script), rp, "plot", "gnuplot")) {
		msctl_err("%s: path too long", rp->dir);
		return -1;
	}
	ret = write_heat(rp, heat);
	if (!ret)
		ret = write_wss(rp, wss);
	if (ret) {
		msctl_err("%s: cannot write the data files: %s", rp->dir, strerror(-ret));
		return -1;
	}
	f = fopen(script, "w");
	if (!f) {
		msctl_err("%s: %s", script, strerror(errno));
		return -1;
	}
	fprintf(f, "# Generated by 'memschedctl report'; run 'gnuplot %s' to draw again.\n",
		script);
	for (i = 0; i < 2; i++) {
		const char *ext = i ? "svg" : "png";
		const char *term = i ? "svg dynamic" : png_term;

		if (!(formats & (i ? FMT_SVG : FMT_PNG)))
			continue;
		fprintf(f, "set terminal %s size 1000,600\n", term);
		out_path(pics[nr], PATH_MAX, rp, "mrc", ext);
		fprintf(f, "set output ");
		msctl_gp_put_str(f, pics[nr++]);
		fputc('\n', f);
		gp_plot_mrc(f, rp, heat, wss);
		out_path(pics[nr], PATH_MAX, rp, "wss", ext);
		fprintf(f, "set output ");
		msctl_gp_put_str(f, pics[nr++]);
		fputc('\n', f);
		gp_plot_wss(f, rp, wss);
		fprintf(f, "unset output\n");
	}
	if (fclose(f)) {
		msctl_err("%s: %s", script, strerror(errno));
		return -1;
	}
	for (i = 0; i < nr; i++)
		unlink(pics[i]);
	if (msctl_gp_run(script))
		return -1;
	for (i = 0; i < nr; i++) {
		if (stat(pics[i], &st) || !st.st_size) {
			msctl_err("%s: gnuplot did not draw it (see %s)", pics[i], script);
			return -1;
		}
	}
	return nr;
}

/* Splits @file into the report's directory and stem (name less its suffix). */
static int report_names(struct report *rp, const char *file, const char *out)
{
	const char *base = strrchr(file, '/');
	char *dot;
	int n;

	base = base ? base + 1 : file;
	if (out)
		n = snprintf(rp->dir, sizeof(rp->dir), "%s", out);
	else if (base == file)
		n = snprintf(rp->dir, sizeof(rp->dir), ".");
	else
		n = snprintf(rp->dir, sizeof(rp->dir), "%.*s", (int)(base - file - 1),
			     file);
	if (n < 0 || (size_t)n >= sizeof(rp->dir))
		return -ENAMETOOLONG;
	if (!rp->dir[0])
		strcpy(rp->dir, "/");
	snprintf(rp->stem, sizeof(rp->stem), "%s", base);
	dot = strrchr(rp->stem, '.');
	if (dot && dot != rp->stem)
		*dot = '\0';
	return 0;
}

static void report_summary(const struct report *rp, char pics[][PATH_MAX], int nr)
{
	const struct msctl_rec *r = rp->rec;
	u64 wmin = ~0ULL, wmax = 0, kmin = ~0ULL, kmax = 0;
	double span = r->samples[r->nr - 1].t - r->samples[0].t;
	struct msctl_json j;
	size_t i;
	int k;

	for (i = 0; i < r->nr; i++) {
		const struct msctl_rec_sample *s = &r->samples[i];

		wmin = s->wss_pages < wmin ? s->wss_pages : wmin;
		wmax = s->wss_pages > wmax ? s->wss_pages : wmax;
		kmin = s->knee_pages < kmin ? s->knee_pages : kmin;
		kmax = s->knee_pages > kmax ? s->knee_pages : kmax;
	}
	if (msctl_cli_json) {
		msctl_json_init(&j, stdout);
		msctl_json_obj_open(&j, NULL);
		msctl_json_s64(&j, "pid", r->pid);
		msctl_json_u64(&j, "samples", r->nr);
		msctl_json_double(&j, "duration_s", span);
		msctl_json_u64(&j, "wss_pages_min", wmin);
		msctl_json_u64(&j, "wss_pages_max", wmax);
		msctl_json_u64(&j, "mrc_knee_pages_min", kmin);
		msctl_json_u64(&j, "mrc_knee_pages_max", kmax);
		msctl_json_arr_open(&j, "pictures");
		for (k = 0; k < nr; k++)
			msctl_json_str(&j, NULL, pics[k]);
		msctl_json_arr_close(&j);
		msctl_json_obj_close(&j);
		msctl_json_end(&j);
		return;
	}
	printf("VM %d: %zu samples over %.1f s; working set %.1f - %.1f MiB, MRC knee %.1f - %.1f MiB\n",
	       r->pid, r->nr, span, msctl_fmt_mib(wmin), msctl_fmt_mib(wmax),
	       msctl_fmt_mib(kmin), msctl_fmt_mib(kmax));
	for (k = 0; k < nr; k++)
		printf("%s\n", pics[k]);
}

/* report FILE [--out DIR] [--format png|svg|both] */
MSCTL_CMD_FN(report)
{
	static const struct option opts[] = {
		MSCTL_CLI_COMMON_OPTS,
		{ "out", required_argument, NULL, MSCTL_OPT_OUT },
		{ "format", required_argument, NULL, MSCTL_OPT_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	char err[PATH_MAX + 128], pics[MAX_PICTURES][PATH_MAX];
	int c, ret, formats = FMT_PNG | FMT_SVG, nr;
	struct msctl_rec rec;
	struct report rp = { .rec = &rec };
	const char *out = NULL;
	struct stat st;
	size_t i;

	optind = 0;
	while ((c = getopt_long(argc, argv, MSCTL_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case MSCTL_OPT_OUT:
			out = optarg;
			break;
		case MSCTL_OPT_FORMAT:
			if (!strcmp(optarg, "png"))
				formats = FMT_PNG;
			else if (!strcmp(optarg, "svg"))
				formats = FMT_SVG;
			else if (!strcmp(optarg, "both"))
				formats = FMT_PNG | FMT_SVG;
			else
				return msctl_cli_usage_err(cmd, "--format wants png, svg or both");
			break;
		default:
			ret = msctl_cli_common_opt(c, argv, cmd);
			if (ret >= 0)
				return ret;
		}
	}
	if (argc - optind != 1)
		return msctl_cli_usage_err(cmd, "%s", argc - optind < 1 ?
					   "missing FILE" : "too many arguments");
	if (report_names(&rp, argv[optind], out)) {
		msctl_err("%s: path too long", argv[optind]);
		return EXIT_ERR;
	}
	if (out && mkdir(out, 0777) && errno != EEXIST) {
		msctl_err("%s: %s", out, strerror(errno));
		return EXIT_ERR;
	}
	if (stat(rp.dir, &st) || !S_ISDIR(st.st_mode)) {
		msctl_err("%s: not a directory", rp.dir);
		return EXIT_ERR;
	}
	if (msctl_rec_read(argv[optind], &rec, err, sizeof(err))) {
		msctl_err("%s", err);
		return EXIT_ERR;
	}
	ret = EXIT_ERR;
	for (i = 0; i < rec.nr; i++) {
		if (rec.samples[i].guest_pages > rp.max_pages)
			rp.max_pages = rec.samples[i].guest_pages;
		rp.nr_curves += rec.samples[i].mrc.nr > 0;
	}
	if (rp.nr_curves < 2 || !rp.max_pages ||
	    rec.samples[rec.nr - 1].t <= rec.samples[0].t) {
		msctl_err("%s: %zu samples, %zu with a miss-rate curve: a report needs 2 or more over time (record longer)",
			  argv[optind], rec.nr, rp.nr_curves);
		goto cleanup;
	}
	nr = draw(&rp, formats, pics);
	if (nr < 0)
		goto cleanup;
	report_summary(&rp, pics, nr);
	ret = EXIT_OK;
cleanup:
	msctl_rec_free(&rec);
	return ret;
}
