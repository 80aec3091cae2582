/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vec — the one growable array: *p holds *cap elements of size elem; make room
 * for at least need, doubling from min_cap. 0, or -ENOMEM with *p unchanged.
 */
#ifndef NW_VEC_H
#define NW_VEC_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static inline int vec_reserve(void *p, size_t *cap, size_t need, size_t elem, size_t min_cap)
{
	void **pp = p;
	size_t ncap = *cap ? *cap : min_cap;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	n = realloc(*pp, ncap * elem);
	if (!n)
		return -ENOMEM;
	*pp = n;
	*cap = ncap;
	return 0;
}

#endif
