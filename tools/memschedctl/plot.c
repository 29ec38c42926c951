// SPDX-License-Identifier: GPL-2.0
/* memschedctl: the ASCII miss-rate curve of plot.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "plot.h"

void msctl_plot_mrc_csv(const struct msctl_mrc *m)
{
	char buf[48];
	size_t i;

	printf("mem_mib,miss_ratio\n");
	for (i = 0; i < m->nr; i++)
		printf("%s,%u.%06u\n", msctl_fmt_mib_exact(buf, sizeof(buf), m->pages[i]),
		       m->ppm[i] / 1000000, m->ppm[i] % 1000000);
}

static int mrc_col(u64 pages, u64 guest_pages, int width)
{
	double col = (double)pages * (width - 1) / (double)guest_pages + 0.5;

	return col >= width - 1 ? width - 1 : (int)col;
}

static void put_label(char *line, int len, int at, const char *s)
{
	int n = (int)strlen(s);

	if (at + n > len)
		at = len - n;
	if (at < 0)
		at = 0;
	memcpy(line + at, s, (size_t)(n < len ? n : len));
}

static void fmt_axis_mib(char *buf, size_t size, double v)
{
	snprintf(buf, size, v >= 100 ? "%.0f" : "%.1f", v);
}

static int ratio_row(double y, int height)
{
	int row = (int)((1.0 - y) * (height - 1) + 0.5);

	return row < 0 ? 0 : row >= height ? height - 1 : row;
}

/*
 * x is memory from 0 to the guest's size, y the miss ratio from 0 (bottom)
 * to 100% (top). Column c stands for the memory sizes around c / (@width -
 * 1) of the guest and shows every miss ratio the curve takes there, so that
 * a step is a vertical line in the column that holds it. The knee and the
 * working set are vertical lines of their own characters, marked K and W (X
 * for both) under the x axis.
 */
int msctl_plot_mrc(const struct msctl_vm *vm, const struct msctl_mrc *m,
		   int width, int height)
{
	int r, c, lo, hi, knee_col, wss_col, k, ret = -1;
	char *grid = NULL, *line = NULL, num[32];
	double step, x_lo, x_hi;

	grid = malloc((size_t)width * (size_t)height);
	line = malloc((size_t)width + 16);
	if (!grid || !line) {
		msctl_err("out of memory");
		goto cleanup;
	}
	memset(grid, ' ', (size_t)width * (size_t)height);
	knee_col = mrc_col(vm->knee_pages, vm->guest_pages, width);
	wss_col = mrc_col(vm->wss_pages, vm->guest_pages, width);
	for (r = 0; r < height; r++) {
		grid[r * width + wss_col] = ':';
		grid[r * width + knee_col] = '|';
	}
	step = (double)vm->guest_pages / (width - 1);
	for (c = 0; c < width; c++) {
		x_lo = c ? (c - 0.5) * step : 0;
		x_hi = c < width - 1 ? (c + 0.5) * step : (double)vm->guest_pages;
		/* An LRU miss-rate curve never rises with more memory. */
		lo = ratio_row(msctl_mrc_ratio_at(m, x_lo), height);
		hi = ratio_row(msctl_mrc_ratio_at(m, x_hi), height);
		if (lo > hi) {
			r = lo;
			lo = hi;
			hi = r;
		}
		for (r = lo; r <= hi; r++)
			grid[r * width + c] = '*';
	}

	printf("miss-rate curve of VM %d: miss ratio vs. memory (guest %.1f MiB)\n",
	       vm->pid, msctl_fmt_mib(vm->guest_pages));
	for (r = 0; r < height; r++) {
		/* Label the rows closest to 100, 75, 50, 25 and 0%. */
		for (k = 0; k <= 4; k++)
			if (r == ((height - 1) * k * 2 + 4) / 8)
				break;
		if (k <= 4)
			snprintf(num, sizeof(num), "%4d%% |",
				 (200 * (height - 1 - r) / (height - 1) + 1) / 2);
		else
			snprintf(num, sizeof(num), "      |");
		msctl_fmt_put_line(num, grid + r * width, width);
	}
	memset(line, '-', (size_t)width);
	msctl_fmt_put_line("      +", line, width);

	memset(line, ' ', (size_t)width);
	line[wss_col] = 'W';
	line[knee_col] = knee_col == wss_col ? 'X' : 'K';
	msctl_fmt_put_line("       ", line, width);

	memset(line, ' ', (size_t)width + 8);
	put_label(line, width + 8, 0, "0");
	fmt_axis_mib(num, sizeof(num), msctl_fmt_mib(vm->guest_pages) / 2);
	put_label(line, width + 8, (width - 1) / 2 - (int)strlen(num) / 2, num);
	/* The guest's size ends at the last column, its unit after it. */
	fmt_axis_mib(num, sizeof(num), msctl_fmt_mib(vm->guest_pages));
	k = width - (int)strlen(num);
	strcat(num, " MiB");
	put_label(line, width + 8, k, num);
	msctl_fmt_put_line("       ", line, width + 8);

	printf("legend: * miss ratio   K | MRC knee %.1f MiB   W : working set %.1f MiB%s\n",
	       msctl_fmt_mib(vm->knee_pages), msctl_fmt_mib(vm->wss_pages),
	       knee_col == wss_col ? "   X knee and working set in one column" : "");
	ret = 0;
cleanup:
	free(grid);
	free(line);
	return ret;
}
