// SPDX-License-Identifier: GPL-2.0
/*
 * cpuwarden metrics for every kind of decision the uapi names, and for a
 * module that is not loaded, for a real Prometheus parser to read
 * (promtool check metrics, in selftests/check).  With "down", only the
 * second.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"

int main(int argc, char *argv[])
{
	static struct cw_count c[(CPUWARDEN_EVENT_MAX + 1) * (CPUWARDEN_ORIGIN_MAX + 1) *
				 (CPUWARDEN_RULE_MAX + 1)];
	const struct cw_status s = {
		.version = "0.\"9\\\n", .nr_tracked = 2, .samples = 1ULL << 40,
		.events_lost = 1, .track_lost = 2, .events_limited = 3,
	};
	struct cw_policy p = {};
	uint32_t e, o, r;
	size_t nr = 0;
	int key;

	if (argc > 1 && !strcmp(argv[1], "down")) {
		cw_format_metrics(stdout, NULL, &p, NULL, 0);
		return 0;
	}
	for (key = 0; key < CW_NR_KEYS; key++) {
		p.keys |= CW_KEY_BIT(key);
		p.val[key] = key;
	}
	for (e = CPUWARDEN_EVENT_TRACKED; e <= CPUWARDEN_EVENT_MAX; e++)
		for (o = 0; o <= CPUWARDEN_ORIGIN_MAX; o++)
			for (r = 0; r <= CPUWARDEN_RULE_MAX; r++) {
				c[nr] = (struct cw_count){ e, o, r, nr + 1 };
				nr++;
			}
	cw_format_metrics(stdout, &s, &p, c, nr);
	return 0;
}
