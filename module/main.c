// SPDX-License-Identifier: GPL-2.0
/*
 * cpuwarden: notice programs of unowned origin at exec, measure their CPU
 * use, and act when it stays abnormal.
 */

#include <linux/module.h>

#include "allow.h"
#include "deleted.h"
#include "exec.h"
#include "fingerprint.h"
#include "hooks.h"
#include "mapped.h"
#include "netlink.h"
#include "origin.h"
#include "policy.h"
#include "prog.h"
#include "quarantine.h"
#include "sample.h"
#include "throttle.h"
#include "track.h"
#include "trust.h"
#include "version.h"

static int __init cw_init(void)
{
	int ret;

	ret = cw_sample_init();
	if (ret)
		return ret;
	ret = cw_origin_init();
	if (ret)
		goto err_prog;
	ret = cw_prog_init();
	if (ret)
		goto err_prog;
	ret = cw_track_init();
	if (ret)
		goto err_track;
	ret = cw_netlink_init();
	if (ret)
		goto err_netlink;
	ret = cw_hooks_register();
	if (ret)
		goto err_hooks;

	cw_track_scan(NULL, 0);
	cw_fingerprint_start();
	pr_info("%s loaded: mode=%s threshold=%u%% sustain=%us budget=%us/%us cap=%u%% period=%ums\n",
		CW_VERSION, cw_policy_mode_name(cw_policy_get(mode)),
		cw_policy_get(threshold), cw_policy_get(sustain),
		cw_policy_get(budget), cw_policy_get(budget_window),
		cw_policy_get(cap), cw_policy_get(period_ms));
	return 0;

err_hooks:
	cw_exec_exit();
	cw_deleted_exit();
	cw_mapped_exit();
	cw_sample_stop();
	cw_throttle_exit();
	cw_netlink_exit();
err_netlink:
	cw_track_exit();
err_track:
	cw_prog_exit();
err_prog:
	cw_policy_stop();
	cw_quarantine_exit();
	cw_allow_exit();
	cw_trust_exit();
	cw_origin_exit();
	cw_sample_exit();
	return ret;
}

static void __exit cw_exit(void)
{
	cw_policy_stop();
	cw_fingerprint_exit();
	cw_hooks_unregister();
	cw_exec_exit();
	cw_deleted_exit();
	cw_mapped_exit();
	cw_sample_stop();
	cw_throttle_exit();
	cw_netlink_exit();
	cw_track_exit();
	cw_prog_exit();
	cw_quarantine_exit();
	cw_allow_exit();
	cw_trust_exit();
	cw_origin_exit();
	cw_sample_exit();
	pr_info("unloaded\n");
}

module_init(cw_init);
module_exit(cw_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Detect and stop CPU abuse by programs of unowned origin");
MODULE_AUTHOR("The cpuwarden developers");
MODULE_VERSION(CW_VERSION);
