// SPDX-License-Identifier: GPL-2.0
/*
 * cpuwarden selftests: origin classification, detection and action, run
 * as root inside a QEMU guest with the module loaded (selftests/vm/run).
 *
 * Every test sets the policy it needs: short windows (sustain 2 s, sampled
 * every 200 ms) keep the suite quick.
 */
#include "common.h"

#include <grp.h>
#include <linux/memfd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"

static char *const burn_argv[] = { "cw-burn", NULL };
static char *const no_env[] = { NULL };

/*
 * Only the sustained detector, programs told apart by content.  Every
 * burner here is the same cw-burn, and a kill quarantines its content:
 * clear the quarantine for each test.
 */
static void policy(struct __test_metadata *_metadata, const char *mode,
		   const char *threshold, const char *sustain)
{
	CW_REQUIRE_MODULE();
	ASSERT_EQ(0, cw_short_policy(mode, threshold, sustain));
}

static void put_burner(struct __test_metadata *_metadata, const char *path)
{
	/*
	 * Content of this test's own: a program the last test left abnormal
	 * must not be judged, or quarantined, under this test's policy.
	 */
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, path, 0755, _metadata->name)) {
		TH_LOG("copy to %s: %s", path, strerror(errno));
	}
}

/*
 * A burner of other content: an action applies to every tracked process
 * of the same content, and would take a tracked process that a test means
 * to spare along with it.
 */
static void put_control(struct __test_metadata *_metadata, const char *path)
{
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, path, 0755, "\ncpuwarden control\n")) {
		TH_LOG("copy to %s: %s", path, strerror(errno));
	}
}

/* fork, then run @start in the child; it must exec or _exit(127). */
static pid_t start(void (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();

	if (!pid) {
		fn(arg);
		_exit(127);
	}
	return pid;
}

static void exec_path(const char *path)
{
	execve(path, burn_argv, no_env);
}

/* ---- Origins: each way of starting the same burner is killed. ---- */

FIXTURE(origin) {
	pid_t pid;
	int kmsg;
};

FIXTURE_VARIANT(origin) {
	/* Prepare files as root, then start the burner; returns its pid. */
	pid_t (*launch)(struct __test_metadata *_metadata);
	const char *origin;	/* expected origin= in the log */
	const char *uid;	/* expected uid= in the log */
};

static pid_t launch_at(struct __test_metadata *_metadata, const char *path)
{
	char dir[256], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdir(dir, 0755);
	put_burner(_metadata, path);
	return start(exec_path, path);
}

static pid_t launch_tmp(struct __test_metadata *_metadata)
{
	return launch_at(_metadata, "/tmp/cw-burn");
}

static pid_t launch_var_tmp(struct __test_metadata *_metadata)
{
	return launch_at(_metadata, "/var/tmp/cw-burn");
}

static pid_t launch_dev_shm(struct __test_metadata *_metadata)
{
	return launch_at(_metadata, "/dev/shm/cw-burn");
}

static pid_t launch_hidden(struct __test_metadata *_metadata)
{
	mkdir("/tmp/.cache", 0755);
	return launch_at(_metadata, "/tmp/.cache/.x");
}

static pid_t launch_symlink(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-target");
	unlink("/usr/local/bin/cw-link");
	if (symlink("/tmp/cw-burn-target", "/usr/local/bin/cw-link"))
		return -1;
	return start(exec_path, "/usr/local/bin/cw-link");
}

static pid_t launch_dotdot(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-dotdot");
	return start(exec_path, "/usr/local/bin/../../../tmp/cw-burn-dotdot");
}

static void exec_relative(const char *dir)
{
	if (!chdir(dir))
		execve("./cw-burn-rel", burn_argv, no_env);
}

static pid_t launch_relative(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-rel");
	return start(exec_relative, "/tmp");
}

static pid_t launch_bind(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-bind");
	mkdir("/mnt", 0755);
	mkdir("/mnt/elsewhere", 0755);
	if (mount("/tmp", "/mnt/elsewhere", NULL, MS_BIND, NULL))
		return -1;
	return start(exec_path, "/mnt/elsewhere/cw-burn-bind");
}

static void exec_fd(const char *path)
{
	int fd = open(path, O_RDONLY);

	/* Unlinking now leaves only the fd: a deleted file at exec. */
	if (fd >= 0 && strncmp(path, "/tmp/", 5))
		unlink(path);
	if (fd >= 0)
		syscall(SYS_execveat, fd, "", burn_argv, no_env, AT_EMPTY_PATH);
}

static pid_t launch_execveat(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-fd");
	return start(exec_fd, "/tmp/cw-burn-fd");
}

/*
 * A deleted file outside the watched locations is unowned when someone
 * other than root owns it: root's may be a binary an upgrade replaced
 * (safety_test covers that one).
 */
static void put_users_burner(struct __test_metadata *_metadata, const char *path)
{
	put_burner(_metadata, path);
	ASSERT_EQ(0, chown(path, 1000, 1000));
}

static pid_t launch_deleted_at_exec(struct __test_metadata *_metadata)
{
	put_users_burner(_metadata, "/home/user/cw-burn-gone");
	return start(exec_fd, "/home/user/cw-burn-gone");
}

static void exec_memfd(const char *src)
{
	static const char tag[] = "memfd";
	int fd = syscall(SYS_memfd_create, "cw-burn", MFD_CLOEXEC);

	/* Tagged, as put_burner(): cw-burn's own content may be held still. */
	if (fd >= 0 && !cw_copy_fd(src, fd) &&
	    write(fd, tag, sizeof(tag) - 1) == sizeof(tag) - 1)
		fexecve(fd, burn_argv, no_env);
}

static pid_t launch_memfd(struct __test_metadata *_metadata)
{
	return start(exec_memfd, CW_BURN_SRC);
}

static void exec_unlinking(const char *path)
{
	char *const argv[] = { "cw-burn", "-u", NULL };

	execve(path, argv, no_env);
}

/*
 * A user's file is "writable" from its exec on; without that class it is
 * owned at exec and unowned once it deleted itself.
 */
static pid_t launch_unlink_self(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, cw_param_set("writable", "N"));
	put_users_burner(_metadata, "/home/user/cw-burn-self");
	return start(exec_unlinking, "/home/user/cw-burn-self");
}

static pid_t launch_script(struct __test_metadata *_metadata)
{
	static const char text[] = "#!/bin/sh\nwhile :; do :; done\n";
	int fd = open("/tmp/cw-burn.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1)
		return -1;
	close(fd);
	return start(exec_path, "/tmp/cw-burn.sh");
}

static void exec_as_user(const char *path)
{
	if (!setgroups(0, NULL) && !setresgid(1000, 1000, 1000) &&
	    !setresuid(1000, 1000, 1000))
		execve(path, burn_argv, no_env);
}

static pid_t launch_user(struct __test_metadata *_metadata)
{
	put_burner(_metadata, "/tmp/cw-burn-user");
	return start(exec_as_user, "/tmp/cw-burn-user");
}

/*
 * Provenance: where another uid than root could have put the file.  A
 * directory that uid 1000 owns below its home, as RedTail's installer
 * picks first, run by that user and by root (a cron job or service that
 * runs what a compromised account left).
 */
static pid_t launch_home(struct __test_metadata *_metadata)
{
	mkdir("/home/user/.local", 0755);
	mkdir("/home/user/.local/share", 0700);
	ASSERT_EQ(0, chown("/home/user/.local", 1000, 1000));
	ASSERT_EQ(0, chown("/home/user/.local/share", 1000, 1000));
	put_users_burner(_metadata, "/home/user/.local/share/.x");
	return start(exec_as_user, "/home/user/.local/share/.x");
}

static pid_t launch_home_by_root(struct __test_metadata *_metadata)
{
	mkdir("/home/user/cw-drop", 0755);
	ASSERT_EQ(0, chown("/home/user/cw-drop", 1000, 1000));
	/* Root's own file: the directory it is in is not. */
	put_burner(_metadata, "/home/user/cw-drop/worker");
	return start(exec_path, "/home/user/cw-drop/worker");
}

/* Root's file and directories, but a directory anyone may write into. */
static pid_t launch_open_dir(struct __test_metadata *_metadata)
{
	mkdir("/srv", 0755);
	mkdir("/srv/cw-open", 0777);
	ASSERT_EQ(0, chmod("/srv/cw-open", 0777));
	return launch_at(_metadata, "/srv/cw-open/cw-burn");
}

/* Root's file in root's directory, which its group may rewrite. */
static pid_t launch_group_writable(struct __test_metadata *_metadata)
{
	mkdir("/opt", 0755);
	mkdir("/opt/cw-app", 0755);
	put_burner(_metadata, "/opt/cw-app/cw-burn");
	ASSERT_EQ(0, chmod("/opt/cw-app/cw-burn", 0775));
	return start(exec_path, "/opt/cw-app/cw-burn");
}

/*
 * Packaged files: a dpkg database in which every file now on the guest's
 * root file system is a package's, loaded with "cpuwarden trust sync",
 * and policy "unpackaged" on.  Undone by unsync_packages().
 */
static bool synced;	/* in this test's process */

static void sync_packages(struct __test_metadata *_metadata)
{
	synced = true;
	ASSERT_EQ(0, cw_sync_root_packaged());
	ASSERT_EQ(0, cw_param_set("unpackaged", "Y"));
}

static void unsync_packages(void)
{
	char val[8] = "";

	cw_param_get("unpackaged", val, sizeof(val));
	if (val[0] == 'N' && !synced)
		return;
	cw_param_set("unpackaged", "N");
	cw_sh("/usr/sbin/cpuwarden trust clear; rm -rf " CW_DPKG);
}

/*
 * Root drops its miner into a hidden directory at /, as RedTail does as
 * root: root's file in root's directories, which only asking the package
 * manager tells apart.
 */
static pid_t launch_unpackaged(struct __test_metadata *_metadata)
{
	mkdir("/.cw-drop", 0755);
	sync_packages(_metadata);
	put_burner(_metadata, "/.cw-drop/.x");
	return start(exec_path, "/.cw-drop/.x");
}

/* A packaged file changed since the sync (here its mode) is no package's. */
static pid_t launch_changed_since_sync(struct __test_metadata *_metadata)
{
	mkdir("/opt", 0755);
	mkdir("/opt/cw-pkg", 0755);
	put_burner(_metadata, "/opt/cw-pkg/tool");
	sync_packages(_metadata);
	ASSERT_EQ(0, chmod("/opt/cw-pkg/tool", 0700));
	return start(exec_path, "/opt/cw-pkg/tool");
}

/*
 * A container's file system, as Docker's overlay2 builds it: an image
 * layer below (CONTAINER_IMAGE, root's, holding one program) and an
 * upper layer that takes what the container writes, on a tmpfs of their
 * own, merged at CONTAINER.
 */
#define CONTAINER_LAYERS "/mnt/cw-layers"
#define CONTAINER "/mnt/cw-container"
#define CONTAINER_IMAGE CONTAINER_LAYERS "/image"

static void mount_container(struct __test_metadata *_metadata)
{
	mkdir(CONTAINER_LAYERS, 0755);
	mkdir(CONTAINER, 0755);
	ASSERT_EQ(0, mount("tmpfs", CONTAINER_LAYERS, "tmpfs", 0, "mode=0755"));
	ASSERT_EQ(0, mkdir(CONTAINER_IMAGE, 0755));
	ASSERT_EQ(0, mkdir(CONTAINER_IMAGE "/bin", 0755));
	ASSERT_EQ(0, mkdir(CONTAINER_LAYERS "/upper", 0755));
	ASSERT_EQ(0, mkdir(CONTAINER_LAYERS "/work", 0755));
	put_burner(_metadata, CONTAINER_IMAGE "/bin/app");
	ASSERT_EQ(0, mount("overlay", CONTAINER, "overlay", 0,
			   "lowerdir=" CONTAINER_IMAGE ",upperdir=" CONTAINER_LAYERS
			   "/upper,workdir=" CONTAINER_LAYERS "/work")) {
		TH_LOG("mount overlay: %s", strerror(errno));
	}
}

static void umount_container(void)
{
	umount2(CONTAINER, MNT_DETACH);
	umount2(CONTAINER_LAYERS, MNT_DETACH);
}

/*
 * Root in a container drops its miner into a root-owned directory of
 * the container's own file system: its upper layer.
 */
static pid_t launch_upper(struct __test_metadata *_metadata)
{
	mount_container(_metadata);
	put_burner(_metadata, CONTAINER "/bin/miner");
	return start(exec_path, CONTAINER "/bin/miner");
}

#define ORIGIN_VARIANT(name, expect, user)			\
	FIXTURE_VARIANT_ADD(origin, name) {			\
		.launch = launch_##name,			\
		.origin = "origin=" expect " ",			\
		.uid = "uid=" user " ",				\
	}

ORIGIN_VARIANT(tmp, "watched", "0");
ORIGIN_VARIANT(var_tmp, "watched", "0");
ORIGIN_VARIANT(dev_shm, "watched", "0");
ORIGIN_VARIANT(hidden, "watched", "0");
ORIGIN_VARIANT(symlink, "watched", "0");
ORIGIN_VARIANT(dotdot, "watched", "0");
ORIGIN_VARIANT(relative, "watched", "0");
ORIGIN_VARIANT(bind, "watched", "0");
ORIGIN_VARIANT(execveat, "watched", "0");
ORIGIN_VARIANT(memfd, "fileless", "0");
ORIGIN_VARIANT(deleted_at_exec, "deleted", "0");
ORIGIN_VARIANT(unlink_self, "deleted+late", "0");
ORIGIN_VARIANT(script, "watched+script", "0");
ORIGIN_VARIANT(user, "watched", "1000");
ORIGIN_VARIANT(home, "writable", "1000");
ORIGIN_VARIANT(home_by_root, "writable", "0");
ORIGIN_VARIANT(open_dir, "writable", "0");
ORIGIN_VARIANT(group_writable, "writable", "0");
ORIGIN_VARIANT(upper, "upper", "0");
ORIGIN_VARIANT(unpackaged, "unpackaged", "0");
ORIGIN_VARIANT(changed_since_sync, "unpackaged", "0");

FIXTURE_SETUP(origin)
{
	self->pid = -1;
	policy(_metadata, "kill", "50", "2");
	self->kmsg = cw_kmsg_open();
	ASSERT_LE(0, self->kmsg);
	mkdir("/usr/local", 0755);
	mkdir("/usr/local/bin", 0755);
}

FIXTURE_TEARDOWN(origin)
{
	cw_reap(self->pid);
	umount2("/mnt/elsewhere", MNT_DETACH);
	umount_container();
	unsync_packages();
	close(self->kmsg);
}

TEST_F_TIMEOUT(origin, killed, 2 * CW_DEADLINE)
{
	char pid[32], line[1024];
	int status;

	self->pid = variant->launch(_metadata);
	ASSERT_LT(0, self->pid);
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);

	status = cw_wait(self->pid, CW_DEADLINE);
	ASSERT_TRUE(cw_killed(status)) {
		TH_LOG("pid %d was not killed (wait status %d)", self->pid, status);
	}
	self->pid = -1;
	/* The line names pid, uid, comm, exe and why it was tracked. */
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, line, sizeof(line), "killed", pid,
				 variant->origin, variant->uid, "comm=\"", "exe=\"/",
				 NULL)) {
		TH_LOG("no killed line with %s%s%s", pid, variant->origin, variant->uid);
	}
	TH_LOG("%s", strchr(line, ';') ? strchr(line, ';') + 1 : line);
}

/* ---- What must not be touched. ---- */

#define CW_MORE 4

FIXTURE(spare) {
	pid_t control;
	pid_t pid;
	pid_t more[CW_MORE];	/* reaped by the teardown, as are the above */
	int kmsg;
};

FIXTURE_SETUP(spare)
{
	self->control = self->pid = -1;
	for (int i = 0; i < CW_MORE; i++)
		self->more[i] = -1;
	policy(_metadata, "kill", "50", "2");
	self->kmsg = cw_kmsg_open();
	ASSERT_LE(0, self->kmsg);
	mkdir("/usr/local", 0755);
	mkdir("/usr/local/bin", 0755);
	put_burner(_metadata, CW_OWNED_BURN);
	put_burner(_metadata, "/tmp/cw-control");
}

FIXTURE_TEARDOWN(spare)
{
	cw_reap(self->pid);
	cw_reap(self->control);
	for (int i = 0; i < CW_MORE; i++)
		cw_reap(self->more[i]);
	umount_container();
	unsync_packages();
	close(self->kmsg);
}

/*
 * @pid must outlive a tracked /tmp burner started beside it, by more
 * than a full sustain window after that one is killed.
 */
static void outlives_control(struct __test_metadata *_metadata, pid_t pid,
			     pid_t control)
{
	ASSERT_TRUE(cw_killed(cw_wait(control, CW_DEADLINE)));
	sleep(3);
	ASSERT_EQ(-1, cw_wait(pid, 0)) {
		TH_LOG("pid %d should still run", pid);
	}
}

TEST_F_TIMEOUT(spare, owned_burner, 2 * CW_DEADLINE)
{
	char pid[32];

	self->pid = start(exec_path, CW_OWNED_BURN);
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
	/* Never even tracked. */
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL));
}

static void exec_loaded(const char *path)
{
	char *const argv[] = { "ld.so", (char *)path, NULL };

	execve("/lib64/ld-linux-x86-64.so.2", argv, no_env);
}

#define CONTAINER_IMAGE_ON_ROOT "/cw-image"

/*
 * What "unpackaged" must leave alone, all beside one control:
 * - root's file of no package, run before any sync: nothing is judged
 *   until a sync has said what is packaged;
 * - root's file that a package installed, as the last sync found it;
 * - a container's image program, though its layer lies on the host's
 *   root file system (as Docker's overlay2 keeps it) and was written
 *   after the sync: a file system that holds no packaged file is not
 *   judged, and the overlay is one;
 * - root's file of no package run through the loader (a dynamic program:
 *   the loader execs a static one): a mapping is never judged, as while
 *   dpkg upgrades libc every program maps a new ld.so no sync has seen.
 */
TEST_F_TIMEOUT(spare, host_programs_not_unpackaged, 2 * CW_DEADLINE)
{
	static const char *const what[] = {
		"run before any sync", "packaged", "a container's image program",
		"run by the loader",
	};
	int i;

	/* Five burners share the guest's CPUs: each gets well over 20%. */
	ASSERT_EQ(0, cw_param_set("threshold", "20"));
	synced = true;
	ASSERT_EQ(0, cw_sh("/usr/sbin/cpuwarden trust clear"));
	ASSERT_EQ(0, cw_param_set("unpackaged", "Y"));
	mkdir("/.cw-drop", 0755);
	put_burner(_metadata, "/.cw-drop/.y");
	self->more[0] = start(exec_path, "/.cw-drop/.y");

	mkdir("/opt", 0755);
	mkdir("/opt/cw-pkg", 0755);
	put_burner(_metadata, "/opt/cw-pkg/cw-burn");
	sync_packages(_metadata);
	self->more[1] = start(exec_path, "/opt/cw-pkg/cw-burn");

	mkdir(CONTAINER_IMAGE_ON_ROOT, 0755);
	mkdir(CONTAINER_IMAGE_ON_ROOT "/bin", 0755);
	put_burner(_metadata, CONTAINER_IMAGE_ON_ROOT "/bin/app");
	mkdir(CONTAINER_LAYERS, 0755);
	mkdir(CONTAINER, 0755);
	ASSERT_EQ(0, mount("tmpfs", CONTAINER_LAYERS, "tmpfs", 0, "mode=0755"));
	ASSERT_EQ(0, mkdir(CONTAINER_LAYERS "/upper", 0755));
	ASSERT_EQ(0, mkdir(CONTAINER_LAYERS "/work", 0755));
	ASSERT_EQ(0, mount("overlay", CONTAINER, "overlay", 0,
			   "lowerdir=" CONTAINER_IMAGE_ON_ROOT ",upperdir=" CONTAINER_LAYERS
			   "/upper,workdir=" CONTAINER_LAYERS "/work")) {
		TH_LOG("mount overlay: %s", strerror(errno));
	}
	self->more[2] = start(exec_path, CONTAINER "/bin/app");

	ASSERT_EQ(0, cw_copy_tagged("/selftests/cw-burn-dynamic", "/.cw-drop/.m", 0755,
				    _metadata->name));
	self->more[3] = start(exec_loaded, "/.cw-drop/.m");

	self->control = start(exec_path, "/tmp/cw-control");
	ASSERT_TRUE(cw_killed(cw_wait(self->control, CW_DEADLINE)));
	self->control = -1;
	sleep(3);
	for (i = 0; i < CW_MORE; i++) {
		const char *name = what[i];
		pid_t pid = self->more[i];

		EXPECT_EQ(-1, cw_wait(pid, 0)) {
			TH_LOG("%s, pid %d, should still run", name, pid);
		}
	}
	cw_sh("rm -rf " CONTAINER_IMAGE_ON_ROOT);
}

/*
 * Not "upper": the program of a container's image, run through the
 * container's overlayfs, its file in the lower layer.
 */
TEST_F_TIMEOUT(spare, image_of_a_container, 2 * CW_DEADLINE)
{
	char pid[32];

	mount_container(_metadata);
	self->pid = start(exec_path, CONTAINER "/bin/app");
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	EXPECT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL));
}

/*
 * Not "writable": root's file in a sticky directory anyone may write
 * into (only root may replace root's entries there), outside the watched
 * locations.
 */
TEST_F_TIMEOUT(spare, sticky_dir, 2 * CW_DEADLINE)
{
	char pid[32];

	mkdir("/srv", 0755);
	mkdir("/srv/cw-sticky", 01777);
	ASSERT_EQ(0, chmod("/srv/cw-sticky", 01777));
	put_burner(_metadata, "/srv/cw-sticky/cw-burn");
	self->pid = start(exec_path, "/srv/cw-sticky/cw-burn");
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL));
}

/* writable=N: a user's program in its home is not tracked. */
TEST_F_TIMEOUT(spare, writable_off, 2 * CW_DEADLINE)
{
	char pid[32];

	ASSERT_EQ(0, cw_param_set("writable", "N"));
	put_burner(_metadata, "/home/user/cw-own");
	ASSERT_EQ(0, chown("/home/user/cw-own", 1000, 1000));
	self->pid = start(exec_as_user, "/home/user/cw-own");
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL));
	ASSERT_EQ(0, cw_param_set("writable", "Y"));
}

static void exec_then_owned(const char *path)
{
	char *const argv[] = { "cw-burn", "-e", CW_OWNED_BURN, NULL };

	execve(path, argv, no_env);
}

/* runc re-executes itself from a memfd, then execs owned binaries. */
TEST_F_TIMEOUT(spare, exec_of_owned_untracks, 2 * CW_DEADLINE)
{
	char pid[32];

	put_burner(_metadata, "/tmp/cw-launcher");
	self->pid = start(exec_then_owned, "/tmp/cw-launcher");
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, "tracking", pid, NULL));
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
}

static void exec_burst(const char *path)
{
	char *const argv[] = { "cw-burn", "-b", "1", NULL };

	execve(path, argv, no_env);
}

TEST_F_TIMEOUT(spare, short_burst, 2 * CW_DEADLINE)
{
	char pid[32];

	ASSERT_EQ(0, cw_param_set("sustain", "3"));
	put_burner(_metadata, "/tmp/cw-burst");
	/* The burst stays tracked: the control must be another program. */
	put_control(_metadata, "/tmp/cw-control");
	self->pid = start(exec_burst, "/tmp/cw-burst");
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, "tracking", pid, NULL));
	self->control = start(exec_path, "/tmp/cw-control");
	outlives_control(_metadata, self->pid, self->control);
	self->control = -1;
}

TEST_F_TIMEOUT(spare, monitor_mode_reports_only, 2 * CW_DEADLINE)
{
	char pid[32];

	ASSERT_EQ(0, cw_param_set("mode", "monitor"));
	self->pid = launch_at(_metadata, "/tmp/cw-monitored");
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, "abnormal", pid,
				 "mode=monitor", NULL));
	sleep(2);
	ASSERT_EQ(-1, cw_wait(self->pid, 0));
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, "killed", NULL));
}

/* Tests that need nothing but the module and the default test policy. */
FIXTURE(cw) {
};

FIXTURE_SETUP(cw)
{
	policy(_metadata, "kill", "50", "2");
}

FIXTURE_TEARDOWN(cw)
{
}

/* ---- Groups: the sum over threads, and forked children. ---- */

static void exec_threads(const char *path)
{
	/* 4 threads at 30% each: none above 60%, together 120%. */
	char *const argv[] = { "cw-burn", "-t", "4", "-d", "30", NULL };

	execve(path, argv, no_env);
}

TEST_F_TIMEOUT(cw, threads_summed, 2 * CW_DEADLINE)
{
	pid_t pid;

	ASSERT_EQ(0, cw_param_set("threshold", "60"));
	put_burner(_metadata, "/tmp/cw-threads");
	pid = start(exec_threads, "/tmp/cw-threads");
	ASSERT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE))) {
		cw_reap(pid);
	}
}

static void exec_forker(const char *path)
{
	char *const argv[] = { "cw-burn", "-f", NULL };

	/* A group of its own, for its child to be found by. */
	setpgid(0, 0);
	execve(path, argv, no_env);
}

TEST_F_TIMEOUT(cw, forked_child_tracked, 2 * CW_DEADLINE)
{
	pid_t pid, forker;
	time_t end;
	int status;

	/* Its child becomes ours if the forker dies first. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	put_burner(_metadata, "/tmp/cw-forker");
	forker = start(exec_forker, "/tmp/cw-forker");
	/*
	 * Only the child burns.  The idle parent reports that its child was
	 * SIGKILLed, unless it is killed with it first: it is the same
	 * program.
	 */
	status = cw_wait(forker, CW_DEADLINE);
	if (status == -1) {
		kill(-forker, SIGKILL);
		waitpid(forker, NULL, 0);
	}
	ASSERT_TRUE(cw_killed(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		TH_LOG("forker wait status %d", status);
	}
	/* Either way the child does not outlive it. */
	end = time(NULL) + 5;
	while ((pid = waitpid(-1, &status, WNOHANG)) >= 0) {
		if (pid > 0) {
			ASSERT_TRUE(cw_killed(status));
		} else if (time(NULL) > end) {
			kill(-forker, SIGKILL);
			ASSERT_TRUE(false) {
				TH_LOG("the burning child outlived its parent");
			}
		} else {
			usleep(100 * 1000);
		}
	}
}

/* ---- Parameters refuse bad input and keep their value. ---- */

TEST_F(cw, params_validated)
{
	char buf[256];

	ASSERT_EQ(-ERANGE, cw_param_set("threshold", "0"));
	ASSERT_EQ(-ERANGE, cw_param_set("sustain", "86401"));
	ASSERT_EQ(-ERANGE, cw_param_set("period_ms", "99"));
	ASSERT_EQ(-EINVAL, cw_param_set("threshold", "50%"));
	ASSERT_EQ(-EINVAL, cw_param_set("mode", "destroy"));
	ASSERT_EQ(-EINVAL, cw_param_set("watch", "tmp"));
	ASSERT_EQ(-EINVAL, cw_param_set("watch", "/tmp,,/var/tmp"));
	/*
	 * At runtime a path is resolved from the dentry cache alone, and
	 * tmpfs keeps no negative entries: only asking it would tell.
	 */
	ASSERT_EQ(-EAGAIN, cw_param_set("watch", "/tmp,/no/such/dir"));
	ASSERT_EQ(-ENOTDIR, cw_param_set("watch", "/tmp,/selftests/cw-burn"));

	ASSERT_EQ(0, cw_param_get("threshold", buf, sizeof(buf)));
	ASSERT_STREQ("50", buf);
	ASSERT_EQ(0, cw_param_get("mode", buf, sizeof(buf)));
	ASSERT_STREQ("kill", buf);
	ASSERT_EQ(0, cw_param_get("watch", buf, sizeof(buf)));
	ASSERT_STREQ("/tmp,/var/tmp,/dev/shm", buf);

	ASSERT_EQ(0, cw_param_set("watch", "/tmp,/var/tmp\n"));
	ASSERT_EQ(0, cw_param_get("watch", buf, sizeof(buf)));
	ASSERT_STREQ("/tmp,/var/tmp", buf);
}

TEST_F_TIMEOUT(cw, watch_list_applies, 2 * CW_DEADLINE)
{
	pid_t pid;

	mkdir("/srv", 0755);
	mkdir("/srv/drop", 0755);
	ASSERT_EQ(0, cw_param_set("watch", "/srv/drop"));
	pid = launch_at(_metadata, "/srv/drop/cw-burn");
	ASSERT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE))) {
		cw_reap(pid);
	}
}

/* ---- Unload and reload while tracked programs run. ---- */

TEST_F_TIMEOUT(cw, reload_with_tracked_alive, 4 * CW_DEADLINE)
{
	const char *ko = getenv("CW_MODULE");
	char cmd[512];
	pid_t burner, forker;
	int i;

	if (!ko)
		SKIP(return, "CW_MODULE does not name the module file");
	ASSERT_EQ(0, cw_param_set("sustain", "600"));
	put_burner(_metadata, "/tmp/cw-survivor");
	burner = start(exec_path, "/tmp/cw-survivor");
	ASSERT_EQ(0, cw_sh("printf '#!/bin/sh\\nwhile :; do /bin/true; done\\n' > /tmp/cw-forks.sh"));
	ASSERT_EQ(0, chmod("/tmp/cw-forks.sh", 0755));
	forker = start(exec_path, "/tmp/cw-forks.sh");

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, cw_unload(5));
		snprintf(cmd, sizeof(cmd), "insmod %s mode=kill sustain=%d period_ms=200",
			 ko, i == 4 ? 2 : 600);
		ASSERT_EQ(0, cw_sh(cmd));
	}
	/* The last load finds the burner already running, and kills it. */
	ASSERT_TRUE(cw_killed(cw_wait(burner, CW_DEADLINE))) {
		cw_reap(burner);
	}
	cw_reap(forker);
}

static void exec_lazy(const char *path)
{
	/* The main thread waits; one thread besides it burns. */
	char *const argv[] = { "cw-burn", "-l", "-t", "1", NULL };

	execve(path, argv, no_env);
}

/*
 * A program found running at load may have threads already, and its main
 * thread may sleep while another one burns: the group is all of them.
 */
TEST_F_TIMEOUT(cw, late_threads_summed, 3 * CW_DEADLINE)
{
	const char *ko = getenv("CW_MODULE");
	char cmd[512];
	pid_t burner;

	if (!ko)
		SKIP(return, "CW_MODULE does not name the module file");
	put_burner(_metadata, "/tmp/cw-late");
	ASSERT_EQ(0, cw_unload(5));
	burner = start(exec_lazy, "/tmp/cw-late");
	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 300); do grep -q '^Threads:.2$' /proc/%d/status && exit 0; "
		 "sleep 0.1; done; exit 1", burner);
	ASSERT_EQ(0, cw_sh(cmd)) {
		cw_reap(burner);
	}
	snprintf(cmd, sizeof(cmd), "insmod %s mode=kill threshold=50 sustain=2 period_ms=200", ko);
	ASSERT_EQ(0, cw_sh(cmd));
	/* The load's scan finds it, and its burning thread gets it killed. */
	ASSERT_TRUE(cw_killed(cw_wait(burner, CW_DEADLINE))) {
		cw_reap(burner);
	}
}

TEST_HARNESS_MAIN
