// SPDX-License-Identifier: GPL-2.0
/*
 * Probation: once an unowned program of a uid was killed or throttled,
 * the unowned programs that uid starts afterwards begin throttled at the
 * cap, for "probation" seconds from the last such decision.  Those it
 * started before are put at the cap when a sample finds one going over
 * the threshold, without the sustain it would otherwise get: a kit that
 * stages idle copies in advance and wakes one after each kill gains
 * nothing by it.  One that was over the threshold already is left to its
 * sustain, to be killed like the program that started the probation.
 * Setting "probation" to 0 ends every probation.
 *
 * A miner that respawns with a byte changed after each kill is a new
 * program every time, with a fresh sustain and a fresh budget: without
 * probation it gets nearly a whole CPU, sustain after sustain.  On
 * probation, it gets the cap from its first sample on.  The price: the
 * other new unowned programs of that uid, for that long, until an admin
 * releases them.
 *
 * Only the sampler reads and writes the table (decisions are its own),
 * so it takes no lock.  When more uids than it holds are on probation,
 * the one whose probation ends first makes room.
 */

#include <linux/kernel.h>
#include <linux/time64.h>

#include "policy.h"
#include "probation.h"

#define CW_PROBATION_UIDS 64

static struct {
	kuid_t uid;
	u64 since;		/* programs started from then on */
	u64 until;
} table[CW_PROBATION_UIDS];
static unsigned int nr;

static int find(kuid_t uid)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (uid_eq(table[i].uid, uid))
			return i;
	return -1;
}

/* A program of @uid was just killed or throttled. */
void cw_probation_start(kuid_t uid, u64 now)
{
	u64 len = (u64)cw_policy_get(probation) * NSEC_PER_SEC;
	int i = find(uid);
	unsigned int j;

	if (!len)
		return;
	if (i < 0 && nr < CW_PROBATION_UIDS) {
		i = nr++;
		table[i].until = 0;
	} else if (i < 0) {
		for (i = 0, j = 1; j < nr; j++)
			if (table[j].until < table[i].until)
				i = j;
		table[i].until = 0;
	}
	/* A probation that ran out starts afresh; one that runs goes on. */
	if (table[i].until <= now)
		table[i].since = now;
	table[i].uid = uid;
	table[i].until = now + len;
}

/*
 * When the probation of a program of @uid, started at @start_ns and
 * just gone @over the threshold, ends; 0 if it is not on probation at
 * @now.
 */
u64 cw_probation_until(kuid_t uid, u64 start_ns, bool over, u64 now)
{
	int i;

	if (!cw_policy_get(probation)) {
		nr = 0;		/* switched off: none lingers to come back */
		return 0;
	}
	if (!nr)
		return 0;
	i = find(uid);
	if (i < 0 || now >= table[i].until ||
	    (start_ns < table[i].since && !over))
		return 0;
	return table[i].until;
}
