// SPDX-License-Identifier: GPL-2.0
/*
 * The cpuwarden generic netlink family, spoken raw: malformed messages are
 * refused with an extended ack that says why, nothing is half-applied,
 * and nobody without CAP_SYS_ADMIN and CAP_NET_ADMIN in the initial user
 * namespace reads, changes or listens to anything.
 */

#include "fuse.h"
#include "genl.h"

#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"

FIXTURE(nl) {
	struct nl nl;
	char policy[8192];
	struct cw_fuse *fuse;	/* ended by the teardown, as are... */
	pid_t kids[4];		/* ...these, if not reaped: 0 once they are */
};

/* The policy as the module reports it, raw, to compare before and after. */
static void read_policy(struct __test_metadata *_metadata, struct nl *nl, char *out)
{
	struct msg m;
	struct ack ack;

	memset(out, 0, 8192);
	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_POLICY, 0);
	ASSERT_EQ(0, transact(nl, &m, &ack, out, 8192)) {
		TH_LOG("GET_POLICY: %s (%s)", strerror(-ack.error), ack.msg);
	}
}

FIXTURE_SETUP(nl)
{
	int ret = nl_open(&self->nl);

	ASSERT_EQ(0, ret) {
		TH_LOG("cannot resolve the family: %s", strerror(-ret));
	}
	read_policy(_metadata, &self->nl, self->policy);
}

FIXTURE_TEARDOWN(nl)
{
	size_t i;

	cw_fuse_end(self->fuse);
	for (i = 0; i < sizeof(self->kids) / sizeof(self->kids[0]); i++)
		cw_reap(self->kids[i]);
	close(self->nl.fd);
}

/* cw_wait() for one of @self's kids, forgotten once reaped. */
static int kid_wait(pid_t *kid, int seconds)
{
	int status = cw_wait(*kid, seconds);

	if (status != -1)
		*kid = 0;
	return status;
}

TEST_F(nl, status_answers)
{
	char reply[8192], version[64] = "";
	struct nlattr *a;
	struct msg m;
	struct ack ack;
	FILE *f;

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_GET_STATUS, 0);
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, reply, sizeof(reply)));
	a = find((void *)reply, GENL_HDRLEN, CPUWARDEN_A_VERSION);
	ASSERT_NE(NULL, a);
	f = fopen("/sys/module/cpuwarden/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(version, sizeof(version), f));
	fclose(f);
	version[strcspn(version, "\n")] = '\0';
	ASSERT_STREQ(version, (char *)NLA_DATA(a));
	ASSERT_EQ(0U, get_u32(reply, CPUWARDEN_A_LOCKED));
}

/* The refusal: @err, an extack message, and nothing changed. */
#define REFUSED(nl, m, err, ...) do {						\
	struct ack ack_;							\
	int ret_ = transact(nl, m, &ack_, NULL, 0);				\
	char now_[8192];							\
										\
	EXPECT_EQ(-(err), ret_) {						\
		TH_LOG(__VA_ARGS__);						\
		TH_LOG("got %d (%s)", ret_, ack_.msg);				\
	}									\
	EXPECT_NE('\0', ack_.msg[0]) {						\
		TH_LOG(__VA_ARGS__);						\
		TH_LOG("no extack message");					\
	}									\
	read_policy(_metadata, nl, now_);					\
	EXPECT_EQ(0, memcmp(self->policy + sizeof(struct nlmsghdr),		\
			    now_ + sizeof(struct nlmsghdr),			\
			    ((struct nlmsghdr *)now_)->nlmsg_len -		\
			    sizeof(struct nlmsghdr))) {				\
		TH_LOG(__VA_ARGS__);						\
		TH_LOG("the policy changed");					\
	}									\
} while (0)

TEST_F(nl, malformed_refused)
{
	char big[CPUWARDEN_WATCH_LEN + 100], sha[CPUWARDEN_SHA256_LEN] = { 1 };
	struct nl *nl = &self->nl;
	int dir, file;
	__u32 fds[2];
	struct msg m;
	__u8 byte = 60;
	__u64 wide = 60;

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put(&m, CPUWARDEN_A_THRESHOLD, &byte, 1);
	REFUSED(nl, &m, EINVAL, "a u32 of one byte");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put(&m, CPUWARDEN_A_THRESHOLD, &wide, sizeof(wide));
	REFUSED(nl, &m, EINVAL, "a u32 of eight bytes");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_SUSTAIN, 30);
	put_u32(&m, CPUWARDEN_A_THRESHOLD, CPUWARDEN_THRESHOLD_MAX + 1);
	REFUSED(nl, &m, ERANGE, "threshold over its range, beside a good value");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_MODE, CPUWARDEN_MODE_MAX + 1);
	REFUSED(nl, &m, ERANGE, "an unknown mode");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	put_str(&m, CPUWARDEN_A_WATCH, big);
	REFUSED(nl, &m, EINVAL, "an oversize watch list");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put(&m, CPUWARDEN_A_WATCH, "/tmp", 4);
	REFUSED(nl, &m, EINVAL, "a string without its NUL");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_CAP, 20);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/bin/busybox");
	REFUSED(nl, &m, ENOTDIR, "a watched file");

	/*
	 * The module resolves from the dentry cache alone, and tmpfs keeps
	 * no negative entries: only a file system could say that this one
	 * does not exist.  (Nor does a lookup that fails on its way, as
	 * below a file, say why without leaving the cache.)
	 */
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_CAP, 20);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/no/such/dir");
	REFUSED(nl, &m, EAGAIN, "a watched directory that does not exist");

	/* Descriptors of the sender's, one per watched directory. */
	dir = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	file = open("/bin/busybox", O_PATH | O_CLOEXEC);
	ASSERT_LE(0, dir);
	ASSERT_LE(0, file);
	fds[0] = dir;
	fds[1] = file;
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/var/tmp");
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, sizeof(fds[0]));
	REFUSED(nl, &m, ERANGE, "one descriptor for two directories");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/bin/busybox");
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, sizeof(fds));
	REFUSED(nl, &m, ENOTDIR, "a descriptor of a file");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp");
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, 3);
	REFUSED(nl, &m, EINVAL, "descriptors of 3 bytes");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_CAP, 20);
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, sizeof(fds[0]));
	REFUSED(nl, &m, EINVAL, "descriptors without a watch list");

	close(file);
	fds[1] = 4242;
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/var/tmp");
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, sizeof(fds));
	REFUSED(nl, &m, EBADF, "a descriptor that is not open");
	close(dir);

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	REFUSED(nl, &m, EINVAL, "no attribute at all");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_PID, 1);
	REFUSED(nl, &m, EINVAL, "an attribute of another command");

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_MAX + 7, 1);
	REFUSED(nl, &m, EINVAL, "an unknown attribute");

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put(&m, CPUWARDEN_A_THRESHOLD | NLA_F_NESTED, "\x08\0\x01\0garbage!", 12);
	REFUSED(nl, &m, EINVAL, "a nest of garbage where a u32 goes");

	msg_init(&m, nl->family, CPUWARDEN_CMD_RELEASE, 0);
	REFUSED(nl, &m, EINVAL, "release without a PID");

	msg_init(&m, nl->family, CPUWARDEN_CMD_RELEASE, 0);
	put_u32(&m, CPUWARDEN_A_PID, 0);
	REFUSED(nl, &m, ERANGE, "PID 0");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	REFUSED(nl, &m, EINVAL, "allow add without a rule");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put(&m, CPUWARDEN_A_SHA256, sha, sizeof(sha));
	put_u32(&m, CPUWARDEN_A_UID, 5);
	REFUSED(nl, &m, EINVAL, "allow add with two rules");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put(&m, CPUWARDEN_A_SHA256, sha, sizeof(sha) - 1);
	REFUSED(nl, &m, ERANGE, "a short hash");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_u32(&m, CPUWARDEN_A_UID, ~0U);
	REFUSED(nl, &m, EINVAL, "uid -1");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_str(&m, CPUWARDEN_A_PATH, "/tmp");
	REFUSED(nl, &m, EINVAL, "a directory as a path rule");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_DEL, 0);
	put_u32(&m, CPUWARDEN_A_UID, 31337);
	REFUSED(nl, &m, ENOENT, "deleting a rule that is not there");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_u32(&m, CPUWARDEN_A_UID, 5);
	put_u32(&m, CPUWARDEN_A_PATH_FD, 0);
	REFUSED(nl, &m, EINVAL, "a path's descriptor without the path");

	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_str(&m, CPUWARDEN_A_PATH, "/bin/busybox");
	put_u32(&m, CPUWARDEN_A_PATH_FD, 4242);
	REFUSED(nl, &m, EBADF, "a path's descriptor that is not open");

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_STATUS, 0);
	m.g.reserved = 1;
	REFUSED(nl, &m, EINVAL, "a reserved header field set");

	ASSERT_EQ(0, cw_param_get("allow", big, sizeof(big)));
	ASSERT_STREQ("", big);
}

/* Checked by the core before the family: no message, but no harm. */
TEST_F(nl, unknown_command_refused)
{
	struct msg m;
	struct ack ack;

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_MAX + 1, 0);
	ASSERT_EQ(-EOPNOTSUPP, transact(&self->nl, &m, &ack, NULL, 0));
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_EVENT, 0);
	ASSERT_EQ(-EOPNOTSUPP, transact(&self->nl, &m, &ack, NULL, 0));
}

TEST_F(nl, error_names_the_attribute)
{
	struct msg m;
	struct ack ack;
	struct nlattr *bad;

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_SUSTAIN, 30);
	bad = put(&m, CPUWARDEN_A_CAP, (__u32[]){ 101 }, 4);
	ASSERT_EQ(-ERANGE, transact(&self->nl, &m, &ack, NULL, 0));
	ASSERT_TRUE(ack.has_offs);
	ASSERT_EQ((__u32)((char *)bad - (char *)&m), ack.offs);

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_RELEASE, 0);
	ASSERT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	ASSERT_EQ((__u32)CPUWARDEN_A_PID, ack.miss_type);
}

static __u32 nr_trusted(struct __test_metadata *_metadata, struct nl *nl)
{
	char reply[8192];
	struct msg m;
	struct ack ack;

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_STATUS, 0);
	EXPECT_EQ(0, transact(nl, &m, &ack, reply, sizeof(reply)));
	return get_u32(reply, CPUWARDEN_A_NR_TRUSTED);
}

/* The packaged files are replaced whole, or not at all. */
TEST_F(nl, trust_set_all_or_nothing)
{
	struct cpuwarden_trust_id ids[CPUWARDEN_TRUST_DEVS + 1] = {
		{ .ino = 12, .ctime_sec = 1700000000, .ctime_nsec = 5, .dev_major = 8, .dev_minor = 1 },
		{ .ino = 13, .ctime_sec = 1700000000, .dev_major = 8, .dev_minor = 1 },
		{ .ino = 12, .ctime_sec = 1700000000, .ctime_nsec = 5, .dev_major = 8, .dev_minor = 1 },
	};
	struct cpuwarden_trust_id bad = ids[0];
	struct nlattr *at;
	struct msg m;
	struct ack ack;
	int i;

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	put(&m, CPUWARDEN_A_TRUST, ids, 2 * sizeof(ids[0]));
	put(&m, CPUWARDEN_A_TRUST, &ids[2], sizeof(ids[0]));
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, NULL, 0)) {
		TH_LOG("%s", ack.msg);
	}
	/* A duplicate counts once. */
	EXPECT_EQ(2U, nr_trusted(_metadata, &self->nl));

	bad.ctime_nsec = 1000000000;
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	put(&m, CPUWARDEN_A_TRUST, ids, sizeof(ids[0]));
	at = put(&m, CPUWARDEN_A_TRUST, &bad, sizeof(bad));
	EXPECT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	EXPECT_TRUE(ack.has_offs);
	EXPECT_EQ((__u32)((char *)at - (char *)&m), ack.offs);
	bad = ids[0];
	bad.reserved = 1;
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	put(&m, CPUWARDEN_A_TRUST, &bad, sizeof(bad));
	EXPECT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	at = put(&m, CPUWARDEN_A_TRUST, ids, sizeof(ids[0]) + 1);
	EXPECT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	EXPECT_EQ((__u32)((char *)at - (char *)&m), ack.offs);
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	put_u32(&m, CPUWARDEN_A_MODE, 0);
	EXPECT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	for (i = 0; i <= CPUWARDEN_TRUST_DEVS; i++)
		ids[i] = (struct cpuwarden_trust_id){ .ino = 1, .dev_major = 8, .dev_minor = i };
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	put(&m, CPUWARDEN_A_TRUST, ids, sizeof(ids));
	EXPECT_EQ(-E2BIG, transact(&self->nl, &m, &ack, NULL, 0));
	EXPECT_EQ(2U, nr_trusted(_metadata, &self->nl));

	/* None: forgotten. */
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_TRUST_SET, 0);
	EXPECT_EQ(0, transact(&self->nl, &m, &ack, NULL, 0));
	EXPECT_EQ(0U, nr_trusted(_metadata, &self->nl));
}

/* Locked, the packaged files could not follow dpkg: no lock then. */
TEST_F(nl, lock_refused_while_unpackaged)
{
	char reply[8192];
	struct msg m;
	struct ack ack;

	ASSERT_EQ(0, cw_param_set("unpackaged", "Y"));
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_LOCK, 0);
	EXPECT_EQ(-EINVAL, transact(&self->nl, &m, &ack, NULL, 0));
	EXPECT_NE(NULL, strstr(ack.msg, "unpackaged"));
	ASSERT_EQ(0, cw_param_set("unpackaged", "N"));
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_GET_STATUS, 0);
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, reply, sizeof(reply)));
	EXPECT_EQ(0U, get_u32(reply, CPUWARDEN_A_LOCKED));
}

TEST_F(nl, set_policy_applies_all)
{
	char reply[8192], param[64];
	struct msg m;
	struct ack ack;

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_THRESHOLD, 77);
	put_u32(&m, CPUWARDEN_A_MODE, CPUWARDEN_MODE_THROTTLE);
	put_u32(&m, CPUWARDEN_A_HASH, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/dev/shm");
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, NULL, 0)) {
		TH_LOG("%s", ack.msg);
	}
	ASSERT_EQ(0, cw_param_get("threshold", param, sizeof(param)));
	EXPECT_STREQ("77", param);
	ASSERT_EQ(0, cw_param_get("mode", param, sizeof(param)));
	EXPECT_STREQ("throttle", param);
	ASSERT_EQ(0, cw_param_get("hash", param, sizeof(param)));
	EXPECT_STREQ("N", param);
	ASSERT_EQ(0, cw_param_get("watch", param, sizeof(param)));
	EXPECT_STREQ("/tmp,/dev/shm", param);

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_GET_POLICY, 0);
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, reply, sizeof(reply)));
	EXPECT_EQ(77U, get_u32(reply, CPUWARDEN_A_THRESHOLD));
	EXPECT_EQ((__u32)CPUWARDEN_MODE_THROTTLE, get_u32(reply, CPUWARDEN_A_MODE));

	/* Back to the defaults, through the other door. */
	cw_param_set("threshold", "50");
	cw_param_set("mode", "monitor");
	cw_param_set("hash", "Y");
	cw_param_set("watch", "/tmp,/var/tmp,/dev/shm");
}

/* Run @fn in a child with @uid's credentials, in a new user namespace if @userns. */
static int as_user(uid_t uid, bool userns, int (*fn)(void))
{
	char map[64];
	pid_t pid;
	int fd, status;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		/* Changing credentials made /proc/self root's: take it back. */
		prctl(PR_SET_DUMPABLE, 1);
		if (userns) {
			if (unshare(CLONE_NEWUSER))
				_exit(errno == EPERM ? 99 : 101);
			snprintf(map, sizeof(map), "0 %u 1", uid);
			fd = open("/proc/self/uid_map", O_WRONLY);
			if (fd < 0 || write(fd, map, strlen(map)) < 0)
				_exit(102);
			close(fd);
		}
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Without CAP_NET_ADMIN genetlink refuses with EPERM; without CAP_SYS_ADMIN
 * (or CAP_SYS_MODULE, to lock) the module refuses with EACCES.
 */
static bool refused(int err)
{
	return err == -EPERM || err == -EACCES;
}

/* 0: everything was refused; else the step that was not. */
static int try_everything(void)
{
	struct pollfd pfd;
	struct nl nl;
	struct msg m;
	struct ack ack;
	char buf[4096];

	if (nl_open(&nl))
		return 10;
	msg_init(&m, nl.family, CPUWARDEN_CMD_GET_STATUS, 0);
	if (!refused(transact(&nl, &m, &ack, NULL, 0)))
		return 11;
	msg_init(&m, nl.family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_THRESHOLD, 99);
	if (!refused(transact(&nl, &m, &ack, NULL, 0)))
		return 12;
	msg_init(&m, nl.family, CPUWARDEN_CMD_PS, NLM_F_DUMP);
	if (!refused(transact(&nl, &m, &ack, NULL, 0)))
		return 13;
	msg_init(&m, nl.family, CPUWARDEN_CMD_LOCK, 0);
	if (!refused(transact(&nl, &m, &ack, NULL, 0)))
		return 14;
	if (!setsockopt(nl.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			&nl.group, sizeof(nl.group)))
		return 15;
	if (errno != EPERM)
		return 16;
	/* A tracked exec makes an event; none arrives here. */
	if (system("d=$(mktemp -d) && cp /bin/busybox $d/true && $d/true"))
		return 17;
	pfd.fd = nl.fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 500) != 0 && recv(nl.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		return 18;
	return 0;
}

TEST(unprivileged_refused)
{
	ASSERT_EQ(0, as_user(1000, false, try_everything));
}

/* "unshare -U -r" as uid 1000: root in its own namespace only. */
TEST(userns_root_refused)
{
	int ret = as_user(1000, true, try_everything);

	if (ret == 99)
		SKIP(return, "unprivileged user namespaces are disabled");
	ASSERT_EQ(0, ret);
}

/* Even the host's root loses CAP_NET_ADMIN over the host in a new namespace. */
TEST(root_in_userns_refused)
{
	ASSERT_EQ(0, as_user(0, true, try_everything));
}

/* Keep only the capabilities in @mask, as root. */
static int caps_only(__u32 mask)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ .effective = mask, .permitted = mask },
	};

	return syscall(SYS_capset, &hdr, data);
}

/* systemd-networkd, a host-network pod: root's uid, CAP_NET_ADMIN alone. */
static int net_admin_alone(void)
{
	if (caps_only(1U << CAP_NET_ADMIN))
		return 103;
	return try_everything();
}

TEST(net_admin_alone_refused)
{
	ASSERT_EQ(0, as_user(0, false, net_admin_alone));
}

/* Locking pins the module until reboot: CAP_SYS_MODULE too. */
static int lock_without_sys_module(void)
{
	struct nl nl;
	struct msg m;
	struct ack ack;

	if (caps_only(1U << CAP_NET_ADMIN | 1U << CAP_SYS_ADMIN))
		return 103;
	if (nl_open(&nl))
		return 10;
	msg_init(&m, nl.family, CPUWARDEN_CMD_GET_STATUS, 0);
	if (transact(&nl, &m, &ack, NULL, 0))
		return 11;
	msg_init(&m, nl.family, CPUWARDEN_CMD_LOCK, 0);
	if (transact(&nl, &m, &ack, NULL, 0) != -EACCES)
		return 12;
	return 0;
}

TEST(lock_needs_sys_module)
{
	ASSERT_EQ(0, as_user(0, false, lock_without_sys_module));
}

/* A dump's message: found the path rule in @arg, which becomes "". */
static void find_path(struct nlmsghdr *nh, void *arg)
{
	struct nlattr *a = find(nh, GENL_HDRLEN, CPUWARDEN_A_PATH);
	char *want = arg;

	if (a && !strcmp(NLA_DATA(a), want))
		want[0] = '\0';
}

/*
 * An allow rule of the longest path is listed, even first in a dump on a
 * socket that never received anything: the kernel sizes a dump's first
 * part by what the socket received before, not by what the entry needs.
 */
TEST_F(nl, longest_rule_listed)
{
	char path[CPUWARDEN_PATH_LEN], want[CPUWARDEN_PATH_LEN];
	struct stat root;
	struct msg m;
	struct ack ack;
	struct nl dump;
	size_t len;
	int fd, i;

	/* The guest's / is a 1777 tmpfs: only what is below it counts here. */
	ASSERT_EQ(0, stat("/", &root));
	ASSERT_EQ(0, chmod("/", 0755));
	len = snprintf(path, sizeof(path), "/opt/cwlong");
	mkdir("/opt", 0755);
	ASSERT_EQ(0, chmod("/opt", 0755));
	ASSERT_TRUE(!mkdir(path, 0755) || errno == EEXIST);
	for (i = 0; i < 18; i++) {
		path[len++] = '/';
		memset(path + len, 'd', 200);
		len += 200;
		path[len] = '\0';
		ASSERT_TRUE(!mkdir(path, 0755) || errno == EEXIST);
		ASSERT_EQ(0, chmod(path, 0755));
	}
	path[len++] = '/';
	memset(path + len, 'f', 250);
	path[len + 250] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, chmod(path, 0755));
	ASSERT_EQ(0, cw_param_set("allow", ""));
	msg_init(&m, self->nl.family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_str(&m, CPUWARDEN_A_PATH, path);
	i = transact(&self->nl, &m, &ack, NULL, 0);
	chmod("/", root.st_mode & 07777);
	ASSERT_EQ(0, i) {
		TH_LOG("ALLOW_ADD: %s (%s)", strerror(-ack.error), ack.msg);
	}

	ASSERT_EQ(0, nl_socket(&dump));
	dump.family = self->nl.family;
	msg_init(&m, dump.family, CPUWARDEN_CMD_ALLOW_LIST, NLM_F_DUMP);
	m.nh.nlmsg_seq = ++dump.seq;
	ASSERT_LT(0, send(dump.fd, &m, m.nh.nlmsg_len, 0));
	strcpy(want, path);
	EXPECT_EQ(0, nl_recv(&dump, m.nh.nlmsg_seq, &ack, find_path, want));
	EXPECT_STREQ("", want) {
		TH_LOG("a rule of %zu bytes is missing from the list", strlen(path));
	}
	close(dump.fd);
	ASSERT_EQ(0, cw_param_set("allow", ""));
}

/* A ps dump's message: count it, and whether it says the set changed. */
static void count_intr(struct nlmsghdr *nh, void *arg)
{
	int *n = arg;

	n[0]++;
	if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
		n[1]++;
}

#define SLEEPERS 100

/*
 * A ps dump takes several parts; a tracked program that starts between
 * two of them marks the later ones NLM_F_DUMP_INTR, so that a reader
 * knows to ask again rather than trust a list that may miss one.
 */
TEST_F(nl, ps_dump_interrupted)
{
	char *const argv[] = { "/tmp/cwn/busybox", "sleep", "60", NULL };
	char *const env[] = { NULL };
	char first[65536];
	pid_t pids[SLEEPERS + 1];
	int i, err, n[2] = { 0, 0 };
	struct msg m;
	struct ack ack;
	struct nl dump;
	ssize_t len;

	cw_sh("rm -rf /tmp/cwn");
	ASSERT_EQ(0, mkdir("/tmp/cwn", 0755));
	ASSERT_EQ(0, cw_copy("/bin/busybox", "/tmp/cwn/busybox", 0755));
	for (i = 0; i < SLEEPERS; i++) {
		pids[i] = cw_spawn(argv, env, &err);
		ASSERT_LT(0, pids[i]);
		ASSERT_EQ(0, err);
	}

	/* A fresh socket: the first part is built at the request, small. */
	ASSERT_EQ(0, nl_socket(&dump));
	dump.family = self->nl.family;
	msg_init(&m, dump.family, CPUWARDEN_CMD_PS, NLM_F_DUMP);
	m.nh.nlmsg_seq = ++dump.seq;
	ASSERT_LT(0, send(dump.fd, &m, m.nh.nlmsg_len, 0));
	len = recv(dump.fd, first, sizeof(first), 0);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, ((struct nlmsghdr *)first)->nlmsg_flags & NLM_F_DUMP_INTR);
	ASSERT_NE(NLMSG_DONE, ((struct nlmsghdr *)first)->nlmsg_type) {
		TH_LOG("%d tracked programs fit the first part", SLEEPERS);
	}

	pids[SLEEPERS] = cw_spawn(argv, env, &err);
	ASSERT_LT(0, pids[SLEEPERS]);
	EXPECT_EQ(0, nl_recv(&dump, m.nh.nlmsg_seq, &ack, count_intr, n));
	TH_LOG("%d more messages, %d marked interrupted", n[0], n[1]);
	EXPECT_LT(0, n[1]);
	close(dump.fd);
	for (i = 0; i <= SLEEPERS; i++)
		cw_reap(pids[i]);
	cw_sh("rm -rf /tmp/cwn");
}

/* Root listens, and a policy change names who made it and what. */
TEST_F(nl, policy_change_event)
{
	char buf[8192], *change;
	struct nlmsghdr *nh;
	struct nlattr *a;
	struct nl ev;
	ssize_t n;

	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, setsockopt(ev.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&ev.group, sizeof(ev.group)));
	ASSERT_EQ(0, cw_param_set("sustain", "45"));
	n = recv(ev.fd, buf, sizeof(buf), 0);
	ASSERT_GT(n, 0);
	nh = (void *)buf;
	ASSERT_EQ(self->nl.family, nh->nlmsg_type);
	EXPECT_EQ((__u32)CPUWARDEN_EVENT_POLICY_CHANGED, get_u32(nh, CPUWARDEN_A_EVENT));
	EXPECT_EQ((__u32)getpid(), get_u32(nh, CPUWARDEN_A_PID));
	EXPECT_EQ(0U, get_u32(nh, CPUWARDEN_A_UID));
	a = find(nh, GENL_HDRLEN, CPUWARDEN_A_CHANGE);
	ASSERT_NE(NULL, a);
	change = NLA_DATA(a);
	EXPECT_STREQ("sustain=45", change);
	ASSERT_EQ(0, cw_param_set("sustain", "60"));
	close(ev.fd);
}

/* The change told by the next policy-changed event on @ev, into @change. */
static bool next_change(struct nl *ev, char *change, size_t len)
{
	char buf[8192];
	struct nlmsghdr *nh = (void *)buf;
	struct nlattr *a;

	/* The sleeper's own events come too. */
	do {
		if (recv(ev->fd, buf, sizeof(buf), 0) <= 0)
			return false;
	} while (get_u32(nh, CPUWARDEN_A_EVENT) != CPUWARDEN_EVENT_POLICY_CHANGED);
	a = find(nh, GENL_HDRLEN, CPUWARDEN_A_CHANGE);
	if (!a)
		return false;
	snprintf(change, len, "%s", (char *)NLA_DATA(a));
	return true;
}

/*
 * An admin's release is a change like any other, announced whichever way
 * it came: through sysfs (it was not) as through netlink.
 */
TEST_F(nl, release_change_event)
{
	char *const argv[] = { "/tmp/cwr/busybox", "sleep", "60", NULL };
	char *const env[] = { NULL };
	char pidbuf[16], change[64], want[64];
	struct ack ack;
	struct msg m;
	struct nl ev;
	double end;
	int err, ret;
	pid_t pid;

	cw_sh("rm -rf /tmp/cwr");
	ASSERT_EQ(0, mkdir("/tmp/cwr", 0755));
	ASSERT_EQ(0, cw_copy("/bin/busybox", "/tmp/cwr/busybox", 0755));
	ASSERT_EQ(0, nl_open(&ev));
	ASSERT_EQ(0, setsockopt(ev.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				&ev.group, sizeof(ev.group)));
	pid = cw_spawn(argv, env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	snprintf(want, sizeof(want), "release pid=%d", pid);
	/* Tracked once its exec is over, a moment after the caller learns. */
	end = cw_now() + CW_DEADLINE;
	while ((ret = cw_param_set("release", pidbuf)) == -ESRCH && cw_now() < end)
		usleep(10 * 1000);
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(next_change(&ev, change, sizeof(change)));
	EXPECT_STREQ(want, change);

	msg_init(&m, self->nl.family, CPUWARDEN_CMD_RELEASE, 0);
	put_u32(&m, CPUWARDEN_A_PID, pid);
	ASSERT_EQ(0, transact(&self->nl, &m, &ack, NULL, 0));
	ASSERT_TRUE(next_change(&ev, change, sizeof(change)));
	EXPECT_STREQ(want, change);
	close(ev.fd);
	cw_reap(pid);
	cw_sh("rm -rf /tmp/cwr");
}

/* A status counter of @nl's module, or ~0 if it cannot be read. */
static __u64 status_u64(struct nl *nl, __u16 type)
{
	char reply[8192];
	struct nlattr *a;
	struct msg m;
	struct ack ack;
	__u64 v;

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_STATUS, 0);
	if (transact(nl, &m, &ack, reply, sizeof(reply)))
		return ~0ULL;
	a = find((void *)reply, GENL_HDRLEN, type);
	if (!a)
		return ~0ULL;
	memcpy(&v, NLA_DATA(a), sizeof(v));
	return v;
}

/* The module's defaults again, for the tests after a cw_short_policy(). */
static void defaults_again(void)
{
	cw_param_set("mode", "monitor");
	cw_param_set("sustain", "60");
	cw_param_set("period_ms", "1000");
	cw_param_set("budget", "600");
	cw_param_set("uid_budget", "1200");
	cw_param_set("probation", "600");
	cw_param_set("quarantine", "clear");
}

/* An event listener on @ev with a large buffer, waiting 1 s at most. */
static int listen_events(struct nl *ev)
{
	struct timeval tv = { .tv_sec = 1 };
	int size = 16 << 20;

	if (nl_open(ev))
		return -1;
	if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(ev->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(ev->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &ev->group,
		       sizeof(ev->group))) {
		close(ev->fd);
		return -1;
	}
	return 0;
}

/* What exec_events_limited's processes share. */
struct flood {
	volatile int listening, stop;
	int execs;			/* tracked programs run */
	int tracked;			/* tracked events received */
	volatile pid_t burner;
	volatile int burner_throttled;	/* its throttled event came */
};

/* Receive events until told to stop and a second passes without one. */
static void flood_listen(struct flood *fl)
{
	char buf[8192];
	struct nl ev;
	ssize_t n;

	if (listen_events(&ev))
		_exit(1);
	fl->listening = 1;
	for (;;) {
		struct nlmsghdr *nh = (void *)buf;

		n = recv(ev.fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN && fl->stop)
			_exit(0);
		if (n < (ssize_t)sizeof(*nh) || nh->nlmsg_type != ev.family)
			continue;
		switch (get_u32(nh, CPUWARDEN_A_EVENT)) {
		case CPUWARDEN_EVENT_TRACKED:
			fl->tracked++;
			break;
		case CPUWARDEN_EVENT_THROTTLED:
			if (fl->burner &&
			    get_u32(nh, CPUWARDEN_A_PID) == (__u32)fl->burner)
				fl->burner_throttled = 1;
			break;
		}
	}
}

/* Run a tracked program that does nothing, again and again. */
static void flood_exec(struct flood *fl)
{
	char *const argv[] = { "true", NULL };
	int status;
	pid_t pid;

	while (!fl->stop) {
		pid = fork();
		if (!pid) {
			execv("/tmp/cwf/true", argv);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			_exit(1);
		__atomic_add_fetch(&fl->execs, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/*
 * A user can cause tracked, denied and spared events as fast as it execs:
 * at most CPUWARDEN_EXEC_EVENTS_BURST of them go out in any
 * CPUWARDEN_EXEC_EVENTS_INTERVAL_S seconds, and every one left out is
 * counted as limited.  A decision in the middle of such a flood, a miner
 * throttled, is sent all the same.  (Throttle mode: the flood's own
 * program may be judged too, and its children must not die of it.)
 */
TEST_F_TIMEOUT(nl, exec_events_limited, 300)
{
	pid_t *listener = &self->kids[0], *workers = &self->kids[1];
	pid_t *burner = &self->kids[3];
	__u64 lost0, limited0, lost, limited;
	bool bit = false, seen = false;
	double start, took;
	struct flood *fl;
	int i, err, status;

	ASSERT_EQ(0, cw_short_policy("throttle", "50", "2"));
	ASSERT_EQ(0, cw_sh("rm -rf /tmp/cwf && mkdir /tmp/cwf && cp /bin/busybox /tmp/cwf/true"));
	ASSERT_EQ(0, cw_copy(CW_BURN_SRC, "/tmp/cwf/burn", 0755));
	fl = mmap(NULL, sizeof(*fl), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fl);
	memset(fl, 0, sizeof(*fl));
	lost0 = status_u64(&self->nl, CPUWARDEN_A_EVENTS_LOST);
	limited0 = status_u64(&self->nl, CPUWARDEN_A_EVENTS_LIMITED);
	ASSERT_NE(~0ULL, limited0);

	*listener = fork();
	ASSERT_LE(0, *listener);
	if (!*listener)
		flood_listen(fl);
	while (!fl->listening)
		ASSERT_EQ(0, waitpid(*listener, NULL, WNOHANG));
	start = cw_now();
	for (i = 0; i < 2; i++) {
		workers[i] = fork();
		ASSERT_LE(0, workers[i]);
		if (!workers[i])
			flood_exec(fl);
	}

	/* Once the limit bites, a miner starts, and is throttled. */
	for (i = 0; i < 150 && !bit; i++) {
		limited = status_u64(&self->nl, CPUWARDEN_A_EVENTS_LIMITED);
		bit = limited != limited0 && limited != ~0ULL;
		usleep(100 * 1000);
	}
	if (bit) {
		*burner = cw_spawn((char *[]){ "/tmp/cwf/burn", "-t", "2", NULL },
				   (char *[]){ NULL }, &err);
		EXPECT_LT(0, *burner);
		fl->burner = *burner;
		for (i = 0; *burner > 0 && i < 10 * CW_DEADLINE && !seen; i++) {
			seen = fl->burner_throttled;
			usleep(100 * 1000);
		}
	}
	fl->stop = 1;
	for (i = 0; i < 2; i++) {
		status = kid_wait(&workers[i], CW_DEADLINE);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	took = cw_now() - start;
	status = kid_wait(listener, CW_DEADLINE);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	lost = status_u64(&self->nl, CPUWARDEN_A_EVENTS_LOST) - lost0;
	limited = status_u64(&self->nl, CPUWARDEN_A_EVENTS_LIMITED) - limited0;
	defaults_again();
	cw_sh("rm -rf /tmp/cwf");
	TH_LOG("%d execs in %.1f s: %d tracked events sent, %llu limited, %llu lost",
	       fl->execs, took, fl->tracked, limited, lost);
	if (!bit)
		SKIP(return, "%d execs in %.1f s never reached the limit",
		     fl->execs, took);

	/* Every tracked exec (and the miner's) was sent or counted. */
	EXPECT_EQ((__u64)fl->execs + 1, fl->tracked + limited + lost);
	/* A burst per window begun, and one more for the first. */
	EXPECT_GE(CPUWARDEN_EXEC_EVENTS_BURST *
		  ((int)(took / CPUWARDEN_EXEC_EVENTS_INTERVAL_S) + 2),
		  fl->tracked);
	EXPECT_TRUE(seen) {
		TH_LOG("no throttled event for the miner");
	}
	munmap(fl, sizeof(*fl));
}

/* The next KILLED event @ev received into @buf, or NULL after 1 s without. */
static struct nlmsghdr *next_killed(struct nl *ev, char *buf, size_t len)
{
	struct nlmsghdr *nh = (void *)buf;
	ssize_t n;

	while ((n = recv(ev->fd, buf, len, 0)) >= 0)
		if (n >= (ssize_t)sizeof(*nh) && nh->nlmsg_type == ev->family &&
		    get_u32(nh, CPUWARDEN_A_EVENT) == CPUWARDEN_EVENT_KILLED)
			return nh;
	return NULL;
}

/*
 * A decision on a program of many thread groups (a fork bomb's) names
 * CPUWARDEN_GROUPS_TOLD of them, each in an event and a log line of its
 * own, and counts the others in one more of each: what a user forks
 * cannot flood the listeners and the log, nor slow the sampler.
 */
#define GROUPS 31

TEST_F_TIMEOUT(nl, many_groups_told_once, 120)
{
	char *const argv[] = { "/tmp/cwg/burn", "-n", "30", "-d", "30", NULL };
	char *const env[] = { NULL };
	const char *exe = "exe=\"/tmp/cwg/burn\"";
	char buf[8192], rec[2048];
	int err, kmsg, named = 0, untold_events = 0, named_lines = 0;
	int untold_lines = 0;
	__u32 untold = 0;
	struct nlmsghdr *nh;
	struct nlattr *a;
	struct nl ev;
	time_t end;

	ASSERT_EQ(0, cw_short_policy("kill", "50", "2"));
	ASSERT_EQ(0, cw_sh("rm -rf /tmp/cwg && mkdir /tmp/cwg"));
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, "/tmp/cwg/burn", 0755, "groups"));
	ASSERT_EQ(0, listen_events(&ev));
	kmsg = cw_kmsg_open();
	ASSERT_LE(0, kmsg);
	/* Decision lines are rate-limited: start with a fresh allowance. */
	sleep(5);
	self->kids[0] = cw_spawn(argv, env, &err);
	ASSERT_LT(0, self->kids[0]);
	ASSERT_EQ(0, err);
	EXPECT_TRUE(cw_killed(kid_wait(&self->kids[0], CW_DEADLINE)));

	while ((nh = next_killed(&ev, buf, sizeof(buf)))) {
		a = find(nh, GENL_HDRLEN, CPUWARDEN_A_EXE);
		if (!a || strcmp(NLA_DATA(a), "/tmp/cwg/burn"))
			continue;
		if (find(nh, GENL_HDRLEN, CPUWARDEN_A_GROUPS_UNTOLD)) {
			untold_events++;
			untold = get_u32(nh, CPUWARDEN_A_GROUPS_UNTOLD);
			EXPECT_EQ(NULL, find(nh, GENL_HDRLEN, CPUWARDEN_A_PID));
			EXPECT_EQ(NULL, find(nh, GENL_HDRLEN, CPUWARDEN_A_COMM));
			EXPECT_EQ(0U, get_u32(nh, CPUWARDEN_A_UID));
		} else {
			named++;
		}
	}
	close(ev.fd);
	TH_LOG("%d killed events named a group, %d counted %u more",
	       named, untold_events, untold);
	EXPECT_EQ(CPUWARDEN_GROUPS_TOLD, named);
	EXPECT_EQ(1, untold_events);
	EXPECT_EQ(GROUPS, named + (int)untold);

	end = time(NULL) + 2;
	while (cw_kmsg_next(kmsg, end, rec, sizeof(rec))) {
		if (!strstr(rec, exe))
			continue;
		if (strstr(rec, "killed pid="))
			named_lines++;
		else if (strstr(rec, "killed untold="))
			untold_lines++;
	}
	close(kmsg);
	EXPECT_EQ(CPUWARDEN_GROUPS_TOLD, named_lines);
	EXPECT_EQ(1, untold_lines);
	defaults_again();
	cw_sh("rm -rf /tmp/cwg");
}

/*
 * A decision names the group a detector fired on first: twelve idle
 * decoys of the same content, started before it, cannot take all eight
 * places and leave @burner only counted.  When the detector judged all
 * the program's groups together, it fired on the busiest.  How many
 * named groups were no decoy; in *@named_burner, whether @burner's own
 * group was named, once.
 */
#define DECOYS 12

static int names_its_trigger(struct __test_metadata *_metadata,
			     FIXTURE_DATA(nl) *self, char *const burner[],
			     bool *named_burner)
{
	char *const decoy[] = { "/tmp/cwg/burn", "-w", "600", NULL };
	char *const env[] = { NULL };
	int i, j, err, named = 0, burners_named = 0, burner_named = 0;
	pid_t decoys[DECOYS], pid, burner_pid;
	char buf[8192];
	struct nlmsghdr *nh;
	struct nl ev;

	ASSERT_EQ(0, cw_short_policy("kill", "50", "2"));
	ASSERT_EQ(0, cw_sh("rm -rf /tmp/cwg && mkdir /tmp/cwg"));
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, "/tmp/cwg/burn", 0755, "trigger"));
	ASSERT_EQ(0, listen_events(&ev));
	for (i = 0; i < DECOYS; i++) {
		decoys[i] = cw_spawn(decoy, env, &err);
		ASSERT_LT(0, decoys[i]);
		ASSERT_EQ(0, err);
	}
	burner_pid = self->kids[0] = cw_spawn(burner, env, &err);
	EXPECT_LT(0, burner_pid);
	EXPECT_EQ(0, err);
	EXPECT_TRUE(cw_killed(kid_wait(&self->kids[0], CW_DEADLINE)));
	for (i = 0; i < DECOYS; i++)
		EXPECT_TRUE(cw_killed(cw_wait(decoys[i], CW_DEADLINE)));

	while ((nh = next_killed(&ev, buf, sizeof(buf)))) {
		if (!find(nh, GENL_HDRLEN, CPUWARDEN_A_PID))
			continue;
		named++;
		pid = get_u32(nh, CPUWARDEN_A_PID);
		for (j = 0; j < DECOYS && decoys[j] != pid; j++)
			;
		burners_named += j == DECOYS;
		burner_named += pid == burner_pid;
	}
	close(ev.fd);
	EXPECT_EQ(CPUWARDEN_GROUPS_TOLD, named);
	defaults_again();
	cw_sh("rm -rf /tmp/cwg");
	*named_burner = burner_named == 1;
	return burners_named;
}

TEST_F_TIMEOUT(nl, decision_names_its_trigger, 120)
{
	char *const burner[] = { "/tmp/cwg/burn", NULL };
	bool named;

	/* One group burns: it alone may be named, besides decoys. */
	EXPECT_EQ(1, names_its_trigger(_metadata, self, burner, &named));
	EXPECT_TRUE(named);
}

/* Two groups at 35% each: only the program, at 70%, is over 50%. */
TEST_F_TIMEOUT(nl, decision_names_the_busiest, 120)
{
	char *const burner[] = { "/tmp/cwg/burn", "-n", "1", "-d", "35", NULL };
	bool named;

	/* The parent or its child, which are both the busiest in turn. */
	EXPECT_LE(1, names_its_trigger(_metadata, self, burner, &named));
}

/*
 * In a child, on a socket of its own, send @m and exit with what came of
 * it: 0 applied, the errno refused with, or 255 for no answer within a
 * minute.
 */
static pid_t send_in_child(struct msg *m)
{
	struct timeval tv = { .tv_sec = 60 };
	struct ack ack;
	struct nl nl;
	pid_t pid;
	int ret;

	pid = fork();
	if (pid)
		return pid;
	if (nl_open(&nl))
		_exit(255);
	setsockopt(nl.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	m->nh.nlmsg_type = nl.family;
	ret = transact(&nl, m, &ack, NULL, 0);
	_exit(!ret ? 0 : ack.acked ? -ret & 0xff : 255);
}

/* In a child, write @val to the parameter @name; exit with the errno. */
static pid_t param_in_child(const char *name, const char *val)
{
	pid_t pid = fork();

	if (!pid)
		_exit(-cw_param_set(name, val));
	return pid;
}

/* Whether @pid, a child, exited with @code within 10 s. */
static bool exits_with(pid_t *pid, int code)
{
	int status = kid_wait(pid, 10);

	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/*
 * A path on a file system whose server hangs (a dead NFS server), as a
 * watched directory or an allow rule, never makes the module wait: a
 * command holds genl's cb_lock, which a generic netlink family that
 * registers meanwhile would wait for, and every other generic netlink
 * message on the host behind it; a sysfs write holds the parameter lock
 * (issue #12, item 14).  Named by a string, the path is looked up in the
 * dentry cache alone, refused at once with EAGAIN, and the server is
 * never asked.  Named by a descriptor of the sender's, as the tool does,
 * where opening it stalls only the sender, it is not looked up at all.
 */
TEST_F_TIMEOUT(nl, hung_path_never_waited_for, 120)
{
	pid_t *watch = &self->kids[0], *allow = &self->kids[1];
	pid_t *sysfs_watch = &self->kids[2], *sysfs_allow = &self->kids[3];
	char reply[8192], rules[4096], now[4096];
	struct nl *nl = &self->nl;
	struct cw_fuse *f;
	struct msg m;
	int fd;

	if (access("/dev/fuse", F_OK))
		SKIP(return, "no /dev/fuse: this kernel has no FUSE");
	ASSERT_EQ(0, cw_param_get("allow", rules, sizeof(rules)));
	f = self->fuse = cw_fuse_start();
	ASSERT_NE(NULL, f) {
		TH_LOG("cannot serve " CW_FUSE_DIR ": %s", strerror(errno));
	}

	msg_init(&m, 0, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_THRESHOLD, 77);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp," CW_FUSE_DIR "/hang");
	*watch = send_in_child(&m);
	ASSERT_LT(0, *watch);
	msg_init(&m, 0, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_str(&m, CPUWARDEN_A_PATH, CW_FUSE_DIR "/hang2/cw-burn");
	*allow = send_in_child(&m);
	ASSERT_LT(0, *allow);
	*sysfs_watch = param_in_child("watch", "/tmp," CW_FUSE_DIR "/hang3");
	ASSERT_LT(0, *sysfs_watch);
	*sysfs_allow = param_in_child("allow", "path:" CW_FUSE_DIR "/hang4/x");
	ASSERT_LT(0, *sysfs_allow);
	EXPECT_TRUE(exits_with(watch, EAGAIN)) {
		TH_LOG("set policy was not refused at once with EAGAIN");
	}
	EXPECT_TRUE(exits_with(allow, EAGAIN)) {
		TH_LOG("allow add was not refused at once with EAGAIN");
	}
	EXPECT_TRUE(exits_with(sysfs_watch, EAGAIN)) {
		TH_LOG("the watch parameter was not refused at once with EAGAIN");
	}
	EXPECT_TRUE(exits_with(sysfs_allow, EAGAIN)) {
		TH_LOG("the allow parameter was not refused at once with EAGAIN");
	}
	EXPECT_FALSE(cw_fuse_stalls(f, CW_FUSE_ROOT, 1, 1)) {
		TH_LOG("the module asked the hung server");
	}

	/*
	 * A file whose entry expires at once is never in the dentry cache
	 * for the module, looked up or not.  By the sender's descriptor it
	 * is resolved, and refused as uid 1000's.
	 */
	fd = open(CW_FUSE_DIR "/expire", O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	msg_init(&m, nl->family, CPUWARDEN_CMD_ALLOW_ADD, 0);
	put_str(&m, CPUWARDEN_A_PATH, CW_FUSE_DIR "/expire");
	REFUSED(nl, &m, EAGAIN, "a path the dentry cache never holds");
	put_u32(&m, CPUWARDEN_A_PATH_FD, fd);
	REFUSED(nl, &m, EPERM, "a descriptor of uid 1000's file");
	close(fd);

	read_policy(_metadata, nl, reply);
	EXPECT_EQ(0, memcmp(self->policy + sizeof(struct nlmsghdr),
			    reply + sizeof(struct nlmsghdr),
			    ((struct nlmsghdr *)reply)->nlmsg_len -
			    sizeof(struct nlmsghdr))) {
		TH_LOG("the policy changed");
	}
	EXPECT_EQ(0, cw_param_get("allow", now, sizeof(now)));
	EXPECT_STREQ(rules, now);
	cw_fuse_end(f);
}

/*
 * Watched directories by descriptor: the list is what the descriptors
 * are, whatever the string said, so that what status shows, and what a
 * refresh after a mount looks up again, is what is watched.
 */
TEST_F(nl, watch_by_descriptor)
{
	char reply[8192], spec[CPUWARDEN_WATCH_LEN];
	struct nl *nl = &self->nl;
	struct nlattr *a;
	struct ack ack;
	struct msg m;
	int vt, tmp;
	__u32 fds[2];

	vt = open("/var/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, vt);
	ASSERT_LE(0, tmp);
	fds[0] = vt;
	fds[1] = tmp;
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_str(&m, CPUWARDEN_A_WATCH, "/tmp,/var/tmp");
	put(&m, CPUWARDEN_A_WATCH_FDS, fds, sizeof(fds));
	EXPECT_EQ(0, transact(nl, &m, &ack, NULL, 0)) {
		TH_LOG("%s", ack.msg);
	}
	close(vt);
	close(tmp);
	ASSERT_EQ(0, cw_param_get("watch", spec, sizeof(spec)));
	EXPECT_STREQ("/var/tmp,/tmp", spec);
	read_policy(_metadata, nl, reply);
	a = find((struct nlmsghdr *)reply, GENL_HDRLEN, CPUWARDEN_A_WATCH);
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("/var/tmp,/tmp", (char *)NLA_DATA(a));
	cw_param_set("watch", "/tmp,/var/tmp,/dev/shm");
}

TEST_HARNESS_MAIN
