/* SPDX-License-Identifier: GPL-2.0 */
/* report_plot — a recording drawn to PNG or SVG by gnuplot (report_plot.c). */
#ifndef NW_REPORT_PLOT_H
#define NW_REPORT_PLOT_H

#include "recread.h"

enum plot_kind { PLOT_HEAT, PLOT_PLACE, PLOT_TIMELINE };

/* "png" or "svg" from the file name, NULL for neither. */
const char *plot_format(const char *path);
/* Draw kind to path. 0, or -errno with the reason said. */
int plot_write(const struct recording *rc, enum plot_kind kind, const char *path);

#endif
