// SPDX-License-Identifier: GPL-2.0
/* How kernel refusals become exit codes and messages. */
#include <errno.h>

#include <uapi/linux/cpuwarden.h>

#include "errors.h"
#include "kselftest_harness.h"

TEST(exit_codes)
{
	/* Without CAP_NET_ADMIN genetlink refuses before the module, without a reason. */
	EXPECT_EQ(CW_EXIT_PERM, cw_exit_code(CPUWARDEN_CMD_GET_STATUS, EPERM, false, false));
	EXPECT_EQ(CW_EXIT_PERM, cw_exit_code(CPUWARDEN_CMD_SET_POLICY, EPERM, false, true));
	EXPECT_EQ(CW_EXIT_PERM, cw_exit_code(CPUWARDEN_CMD_PS, EACCES, false, false));
	/* The module's EPERM says why: locked, or a path rule it will not take. */
	EXPECT_EQ(CW_EXIT_LOCKED, cw_exit_code(CPUWARDEN_CMD_SET_POLICY, EPERM, true, true));
	EXPECT_EQ(CW_EXIT_LOCKED, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, EPERM, true, true));
	EXPECT_EQ(CW_EXIT_LOCKED, cw_exit_code(CPUWARDEN_CMD_LOCK, EPERM, true, true));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, EPERM, true, false));
	/* The module's EACCES: a capability other than CAP_NET_ADMIN is missing. */
	EXPECT_EQ(CW_EXIT_PERM, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, EACCES, true, true));
	EXPECT_EQ(CW_EXIT_PERM, cw_exit_code(CPUWARDEN_CMD_LOCK, EACCES, true, false));
	/* Not found, only where the command looks something up. */
	EXPECT_EQ(CW_EXIT_NOT_FOUND, cw_exit_code(CPUWARDEN_CMD_RELEASE, ESRCH, true, false));
	EXPECT_EQ(CW_EXIT_NOT_FOUND, cw_exit_code(CPUWARDEN_CMD_RELEASE, ESRCH, false, false));
	EXPECT_EQ(CW_EXIT_NOT_FOUND, cw_exit_code(CPUWARDEN_CMD_ALLOW_DEL, ENOENT, true, false));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, ENOENT, true, false));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_SET_POLICY, ESRCH, false, false));
	/* Everything else is a plain failure. */
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, EEXIST, true, false));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_ALLOW_ADD, E2BIG, true, false));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_SET_POLICY, EINVAL, true, true));
	EXPECT_EQ(CW_EXIT_FAIL, cw_exit_code(CPUWARDEN_CMD_PS, EPROTO, false, false));
	EXPECT_EQ(CW_EXIT_OK, cw_exit_code(CPUWARDEN_CMD_LOCK, 0, false, false));
}

static char msg[1024];

static int message(int cmd, int err, const char *extack, bool locked, const char *subject)
{
	return cw_error_message(msg, sizeof(msg), cmd, err, extack, locked, subject);
}

TEST(messages)
{
	EXPECT_EQ(CW_EXIT_PERM, message(CPUWARDEN_CMD_GET_STATUS, EPERM, NULL, false, NULL));
	EXPECT_STREQ("permission denied: needs CAP_SYS_ADMIN and CAP_NET_ADMIN in the initial user namespace", msg);
	EXPECT_EQ(CW_EXIT_PERM, message(CPUWARDEN_CMD_LOCK, EACCES,
					"CAP_SYS_MODULE is needed too", false, NULL));
	EXPECT_STREQ("permission denied: CAP_SYS_MODULE is needed too", msg);
	/* An empty extack message is no reason. */
	EXPECT_EQ(CW_EXIT_PERM, message(CPUWARDEN_CMD_LOCK, EPERM, "", true, NULL));

	EXPECT_EQ(CW_EXIT_LOCKED, message(CPUWARDEN_CMD_SET_POLICY, EPERM, "locked", true, NULL));
	EXPECT_STREQ("locked until reboot", msg);

	EXPECT_EQ(CW_EXIT_FAIL, message(CPUWARDEN_CMD_ALLOW_ADD, EPERM,
					"path is writable by group or other", false,
					"path:/opt/x"));
	EXPECT_STREQ("allow add: Operation not permitted: path is writable by group or other",
		     msg);

	EXPECT_EQ(CW_EXIT_NOT_FOUND, message(CPUWARDEN_CMD_RELEASE, ESRCH, "not tracked",
					     false, "123"));
	EXPECT_STREQ("PID 123 is not tracked", msg);

	EXPECT_EQ(CW_EXIT_NOT_FOUND, message(CPUWARDEN_CMD_ALLOW_DEL, ENOENT, NULL, false,
					     "uid:1001"));
	EXPECT_STREQ("no such allow rule `uid:1001'", msg);

	EXPECT_EQ(CW_EXIT_FAIL, message(CPUWARDEN_CMD_ALLOW_ADD, EEXIST, NULL, false, "uid:1001"));
	EXPECT_STREQ("allow rule `uid:1001' is already present", msg);

	EXPECT_EQ(CW_EXIT_FAIL, message(CPUWARDEN_CMD_ALLOW_ADD, E2BIG, "too many rules", false,
					"uid:7"));
	EXPECT_STREQ("allow add: Argument list too long: too many rules", msg);

	EXPECT_EQ(CW_EXIT_FAIL, message(CPUWARDEN_CMD_QUARANTINE_CLEAR, ENOMEM, NULL, false, NULL));
	EXPECT_STREQ("quarantine clear: Cannot allocate memory", msg);
}

TEST(collected_errors)
{
	struct cw_errors errs = {};

	cw_errors_add(&errs, "unknown key `%s'", "foo");
	errs.file = "/etc/cpuwarden.conf";
	errs.line = 7;
	cw_errors_add(&errs, "expected KEY = VALUE");
	ASSERT_EQ(2, errs.nr);
	EXPECT_STREQ("unknown key `foo'", errs.msg[0]);
	EXPECT_STREQ("/etc/cpuwarden.conf:7: expected KEY = VALUE", errs.msg[1]);
	cw_errors_free(&errs);
	EXPECT_EQ(0, errs.nr);
}

TEST_HARNESS_MAIN
