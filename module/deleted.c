// SPDX-License-Identifier: GPL-2.0
/*
 * Programs whose file is unlinked while they run, the miner that deletes
 * its own binary once started.  No tracepoint fires on unlink, so a
 * kretprobe on vfs_unlink() notes each successful unlink of a file that
 * is being executed; a work item then finds the programs running it.
 *
 * An unlink of anything else costs the entry handler three compares.
 * dpkg replaces binaries by rename(), never by unlink(), so upgrades do
 * not make running daemons look deleted.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "deleted.h"
#include "hooks.h"
#include "track.h"

#define CW_DELETED_SLOTS 16

/* Compared by address only, never dereferenced. */
static const struct inode *noted[CW_DELETED_SLOTS];
static unsigned int nr_noted;
static bool overflow;
static DEFINE_RAW_SPINLOCK(noted_lock);

static void deleted_fn(struct work_struct *work)
{
	const struct inode *inodes[CW_DELETED_SLOTS];
	unsigned int nr;
	bool all;

	raw_spin_lock(&noted_lock);
	nr = nr_noted;
	memcpy(inodes, noted, sizeof(inodes[0]) * nr);
	all = overflow;
	nr_noted = 0;
	overflow = false;
	raw_spin_unlock(&noted_lock);

	/* Too many at once: look at every program whose file is gone. */
	cw_track_scan(inodes, all ? CW_SCAN_ALL_DELETED : nr);
}

static DECLARE_WORK(deleted_work, deleted_fn);

/* vfs_unlink(idmap, dir, dentry, delegated_inode): argument 2 is the dentry. */
CW_FITS(vfs_unlink(NULL, NULL, (struct dentry *)NULL, NULL));

static int unlink_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct dentry *dentry = (void *)regs_get_kernel_argument(regs, 2);
	struct inode *inode = d_inode(dentry);

	/* A file being executed has writes denied: i_writecount < 0. */
	if (!inode || !S_ISREG(inode->i_mode) ||
	    atomic_read(&inode->i_writecount) >= 0)
		return 1;
	*(struct inode **)ri->data = inode;
	return 0;
}

static int unlink_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (regs_return_value(regs))
		return 0;
	raw_spin_lock(&noted_lock);
	if (nr_noted < CW_DELETED_SLOTS)
		noted[nr_noted++] = *(struct inode **)ri->data;
	else
		overflow = true;
	raw_spin_unlock(&noted_lock);
	schedule_work(&deleted_work);
	return 0;
}

struct kretprobe cw_deleted_kretprobe = {
	.kp.symbol_name = "vfs_unlink",
	.entry_handler = unlink_entry,
	.handler = unlink_return,
	.data_size = sizeof(struct inode *),
};

/* The kretprobe is unregistered: nothing queues the work any more. */
void cw_deleted_exit(void)
{
	cancel_work_sync(&deleted_work);
}
