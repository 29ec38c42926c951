/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memschedctl: pictures through gnuplot (Debian: gnuplot-nox), run as a
 * subprocess on a script the caller generates. $GNUPLOT names another
 * binary.
 */
#ifndef MSCTL_GNUPLOT_H
#define MSCTL_GNUPLOT_H

#include <stdio.h>

#include "msctl.h"

/* Whether gnuplot can be run; says what to install if not. */
bool msctl_gp_check(void);

/* Whether gnuplot runs and has terminal @name (pngcairo, png, svg). */
bool msctl_gp_has_terminal(const char *name);

/* @s as a gnuplot single-quoted string (' doubled). */
void msctl_gp_put_str(FILE *f, const char *s);

/* Runs gnuplot on @script. Return: 0, or -1 after saying what failed. */
int msctl_gp_run(const char *script);

#endif /* MSCTL_GNUPLOT_H */
