// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include "heat.h"

Test(heat, touch_and_find)
{
	struct heat h;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 10; i++)
		heat_touch(&h, 42, 0x7f0000200000 + i * 4096);
	struct region *r = heat_find(&h, 42, 0x7f00003fffff);

	cr_assert_not_null(r);
	cr_assert_float_eq(r->score, 10.0f, 1e-6);
	cr_assert_eq(r->nr, 10);
	cr_assert(r->dirty);
	cr_assert_null(heat_find(&h, 43, 0x7f0000200000));
	cr_assert_null(heat_find(&h, 42, 0x7f0000400000));
	heat_free(&h);
}

Test(heat, decay_and_age)
{
	struct heat h;
	struct region *r;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 8; i++)
		heat_touch(&h, 1, 0x400000);
	heat_tick(&h);
	r = heat_find(&h, 1, 0x400000);
	cr_assert_float_eq(r->score, 4.0f, 1e-6);
	cr_assert_eq(r->last_nr, 8);
	cr_assert_eq(r->nr, 0);
	for (int i = 0; i < 10; i++)
		heat_tick(&h);
	cr_assert(r->score < 0.01f);
	cr_assert(r->age >= 5, "age %u", r->age);
	heat_free(&h);
}

Test(heat, grows_and_caps)
{
	struct heat h;
	uint64_t i;

	cr_assert_eq(heat_init(&h, 5000, 0.5), 0);
	for (i = 0; i < 20000; i++)
		heat_touch(&h, 7, i << 21);
	cr_assert(h.used <= 8192, "used %llu", (unsigned long long)h.used);
	cr_assert(h.refused > 0);
	cr_assert(heat_bytes(&h) <= 16384 * sizeof(struct region));
	heat_free(&h);
}

Test(heat, drop_process)
{
	struct heat h;

	cr_assert_eq(heat_init(&h, 1024, 0.5), 0);
	for (int i = 0; i < 100; i++) {
		heat_touch(&h, 1, (uint64_t)i << 21);
		heat_touch(&h, 2, (uint64_t)i << 21);
	}
	heat_drop(&h, 1);
	cr_assert_eq(h.used, 100);
	cr_assert_null(heat_find(&h, 1, 5ull << 21));
	cr_assert_not_null(heat_find(&h, 2, 5ull << 21));
	heat_free(&h);
}
