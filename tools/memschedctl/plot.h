/* SPDX-License-Identifier: GPL-2.0 */
/* memschedctl: the miss-rate curve in a terminal (ASCII plot, CSV). */
#ifndef MSCTL_PLOT_H
#define MSCTL_PLOT_H

#include "vm.h"

#define MSCTL_MRC_DEF_WIDTH	61
#define MSCTL_MRC_DEF_HEIGHT	21
#define MSCTL_MRC_MIN_WIDTH	16
#define MSCTL_MRC_MAX_WIDTH	1000
#define MSCTL_MRC_MIN_HEIGHT	5
#define MSCTL_MRC_MAX_HEIGHT	200

/* "mem_mib,miss_ratio" then one line per point. */
void msctl_plot_mrc_csv(const struct msctl_mrc *m);

/*
 * The curve on a @width x @height grid with the knee and the working set
 * of @vm marked. Return: 0 or -1 (said).
 */
int msctl_plot_mrc(const struct msctl_vm *vm, const struct msctl_mrc *m,
		   int width, int height);

#endif /* MSCTL_PLOT_H */
