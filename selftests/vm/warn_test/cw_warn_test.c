// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: its init triggers a kernel warning, so that the tests
 * of the VM runner can check that such a report fails a run.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init cw_warn_test_init(void)
{
	WARN(1, "cw_warn_test: deliberate warning\n");
	return 0;
}

static void __exit cw_warn_test_exit(void)
{
}

module_init(cw_warn_test_init);
module_exit(cw_warn_test_exit);

MODULE_DESCRIPTION("Triggers a deliberate kernel warning to test the cpuwarden VM runner");
MODULE_LICENSE("GPL");
