// SPDX-License-Identifier: GPL-2.0
/*
 * A real miner where real intruders put it.  cw-randomx computes Monero's
 * proof of work with Debian's librandomx; each test drops it where a kit
 * that avoids /tmp would (RedTail's installer takes the first directory
 * its user owns and can write) and expects it stopped in kill mode.  Run
 * as root inside a QEMU guest with the module loaded.
 */
#include "common.h"

#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "kselftest_harness.h"

#define RANDOMX "/selftests/cw-randomx"
#define LOADER "/lib64/ld-linux-x86-64.so.2"
#define TOOL "/usr/sbin/cpuwarden"

/*
 * Light mode fills a 256 MiB cache before the first hash, which takes
 * tens of seconds under TCG: the miner is judged on it too, as on the
 * hash loop, being the same program.
 */
#define MINER_DEADLINE (3 * CW_DEADLINE)

static char *const no_env[] = { NULL };

FIXTURE(miner) {
	int kmsg;
	pid_t pid;
};

FIXTURE_SETUP(miner)
{
	self->pid = -1;
	CW_REQUIRE_MODULE();
	ASSERT_EQ(0, cw_short_policy("kill", "50", "3"));
	self->kmsg = cw_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(miner)
{
	cw_reap(self->pid);
	cw_param_set("quarantine", "clear");
	cw_param_set("mode", "monitor");
	close(self->kmsg);
	cw_param_set("probation", "0");
	cw_sh("rm -rf /home/user/.cache /tmp/.rx");
}

/*
 * Start @path as @uid (0 or 1000), its report in @out; through the
 * dynamic loader, as "ld.so @path", when @loader.  Its main thread exits
 * once the others hash when @leave.
 */
static pid_t start_miner_as(const char *path, uid_t uid, const char *out,
			    bool loader, bool leave)
{
	pid_t pid = fork();

	if (!pid) {
		char *const argv[] = {
			"kworker", "-o", (char *)out, leave ? "-x" : NULL, NULL
		};
		char *const ld_argv[] = { "ld.so", (char *)path, "-o", (char *)out, NULL };

		if (uid && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
			    setresuid(uid, uid, uid)))
			_exit(126);
		if (loader)
			execve(LOADER, ld_argv, no_env);
		else
			execve(path, argv, no_env);
		_exit(127);
	}
	return pid;
}

static pid_t start_miner(const char *path, uid_t uid, const char *out, bool loader)
{
	return start_miner_as(path, uid, out, loader, false);
}

/* Wait for the miner to be killed, with a log line that has all of @...; */
#define EXPECT_KILLED(...) do {							\
	char pid_[32], line_[1024];						\
	int status_ = cw_wait(self->pid, MINER_DEADLINE);			\
										\
	ASSERT_TRUE(cw_killed(status_)) {					\
		TH_LOG("the miner was not killed (wait status %d)", status_);	\
	}									\
	snprintf(pid_, sizeof(pid_), " pid=%d ", self->pid);			\
	self->pid = -1;								\
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, line_, sizeof(line_), "killed",	\
				 pid_, __VA_ARGS__, NULL)) {			\
		TH_LOG("no killed line with%s" #__VA_ARGS__, pid_);		\
	}									\
	TH_LOG("%s", strchr(line_, ';') ? strchr(line_, ';') + 1 : line_);	\
} while (0)

/* Whether the miner at @out got as far as its hash loop. */
static bool hashing(const char *out)
{
	char buf[16] = "";
	FILE *f = fopen(out, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return !strcmp(buf, "hashing\n");
}

/*
 * uid 1000 drops the miner in a hidden directory of its own below its
 * home and runs it: nothing about the path is /tmp.
 */
TEST_F_TIMEOUT(miner, users_own_directory, MINER_DEADLINE + 30)
{
	const char *path = "/home/user/.cache/.rx/kworker";
	const char *out = "/home/user/.cache/.rx/out";

	ASSERT_EQ(0, cw_sh("mkdir -p /home/user/.cache/.rx && chown -R 1000:1000 /home/user/.cache"));
	ASSERT_EQ(0, cw_copy(RANDOMX, path, 0755));
	ASSERT_EQ(0, chown(path, 1000, 1000));
	self->pid = start_miner(path, 1000, out, false);
	ASSERT_LT(0, self->pid);
	EXPECT_KILLED("origin=writable ", "uid=1000 ");
	TH_LOG("%s", hashing(out) ? "while hashing" : "while filling its cache");
}

/*
 * The file exec'd is the dynamic loader, which the host owns; the miner
 * is only mapped, by the loader, as a library would be.
 */
TEST_F_TIMEOUT(miner, run_by_the_loader, MINER_DEADLINE + 30)
{
	ASSERT_EQ(0, cw_sh("mkdir -p /tmp/.rx"));
	ASSERT_EQ(0, cw_copy(RANDOMX, "/tmp/.rx/kworker", 0755));
	char list[256];

	self->pid = start_miner("/tmp/.rx/kworker", 0, "/tmp/.rx/out", true);
	ASSERT_LT(0, self->pid);
	EXPECT_KILLED("origin=watched+mapped ", "exe=\"/tmp/.rx/kworker\"");
	/*
	 * Not quarantined: anyone may map any file they can read, the
	 * host's and other users' programs too, and burn CPU beside it.
	 */
	ASSERT_EQ(0, cw_param_get("quarantine", list, sizeof(list)));
	EXPECT_STREQ("", list);
	/* So a relaunch runs, and is judged afresh: killed again. */
	self->pid = start_miner("/tmp/.rx/kworker", 0, "/tmp/.rx/out", true);
	ASSERT_LT(0, self->pid);
	EXPECT_KILLED("origin=watched+mapped ", "exe=\"/tmp/.rx/kworker\"");
}

/*
 * Under personality(READ_IMPLIES_EXEC) a mapping asked for PROT_READ is
 * executable: a dropped library mapped that way is seen as mapped.
 */
TEST_F_TIMEOUT(miner, read_implies_exec_mapping_tracked, CW_DEADLINE)
{
	char pid[32];

	ASSERT_EQ(0, cw_sh("mkdir -p /tmp/.rx"));
	ASSERT_EQ(0, cw_copy(CW_BURN_SRC, "/tmp/.rx/lib.so", 0644));
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		int fd = open("/tmp/.rx/lib.so", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || personality(READ_IMPLIES_EXEC) < 0 ||
		    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
			_exit(1);
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	EXPECT_TRUE(cw_kmsg_wait(self->kmsg, 10, NULL, 0, "tracking", pid,
				 "exe=\"/tmp/.rx/lib.so\" origin=watched+mapped", NULL));
}

/*
 * Code mapped from a memfd is not tracked: JITs keep theirs there (.NET,
 * libffi), in every process, root's too.
 */
TEST_F_TIMEOUT(miner, memfd_mapping_untracked, CW_DEADLINE)
{
	char pid[32];

	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		int fd = memfd_create("doublemapper", MFD_CLOEXEC);

		if (fd < 0 || ftruncate(fd, 4096) ||
		    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0) == MAP_FAILED)
			_exit(1);
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	EXPECT_FALSE(cw_kmsg_wait(self->kmsg, 3, NULL, 0, "tracking", pid, NULL));
	/* It did map it, and waits. */
	ASSERT_EQ(0, waitpid(self->pid, NULL, WNOHANG));
}

/*
 * The same loader running the host's own copy, as any dynamic program
 * runs: owned code, mapped by an owned program, is not tracked as
 * mapped.  (How it computes is the randomx survey's business, off here.)
 */
TEST_F_TIMEOUT(miner, owned_through_the_loader_spared, MINER_DEADLINE + 30)
{
	char pid[32];

	ASSERT_EQ(0, cw_param_set("randomx", "N"));
	self->pid = start_miner(RANDOMX, 0, "/tmp/cwm-owned.out", true);
	ASSERT_LT(0, self->pid);
	/* Well past sustain, and past the cache fill. */
	sleep(12);
	ASSERT_EQ(-1, cw_wait(self->pid, 0)) {
		TH_LOG("the host's own program was stopped");
	}
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL)) {
		TH_LOG("the host's own program was tracked");
	}
	unlink("/tmp/cwm-owned.out");
}

/*
 * Root's miner in a root-owned directory, which no path rule can tell
 * from the host's programs (RedTail as root lands in "/.<random>"):
 * caught by how it computes, though its main thread left the others to
 * hash (pthread_exit()) and no mm is left to read its program from.
 * Its file may be the host's, so nothing is quarantined.
 */
TEST_F_TIMEOUT(miner, owned_miner_known_by_its_rounding, MINER_DEADLINE + 30)
{
	const char *out = "/tmp/cwm-rx.out";
	char list[256];

	self->pid = start_miner_as(RANDOMX, 0, out, false, true);
	ASSERT_LT(0, self->pid);
	EXPECT_KILLED("origin=randomx ", "uid=0 ", "exe=\"" RANDOMX "\"");
	EXPECT_TRUE(hashing(out)) {
		TH_LOG("killed before its first hash: not by how it computes");
	}
	ASSERT_EQ(0, cw_param_get("quarantine", list, sizeof(list)));
	EXPECT_STREQ("", list);
	unlink(out);
}

/*
 * Floating-point work of the host's own, busy for longer than two
 * surveys and sustain: it rounds to nearest, and is never tracked.
 */
TEST_F_TIMEOUT(miner, owned_float_work_untouched, MINER_DEADLINE)
{
	char *const argv[] = {
		"/bin/busybox", "awk", "BEGIN { for (;;) x = x * 0.999 + 1.5 / (x + 1) }", NULL
	};
	char pid[32];
	int err;

	self->pid = cw_spawn(argv, no_env, &err);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, err);
	sleep(15);
	ASSERT_EQ(-1, cw_wait(self->pid, 0)) {
		TH_LOG("the host's own float work was stopped");
	}
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	ASSERT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, pid, NULL)) {
		TH_LOG("the host's own float work was tracked");
	}
}

/*
 * A tmpfs of its own over /tmp, in a mount namespace of its own: as uid
 * 1000 in a user namespace (unshare -Urm), or as root, as a container's
 * /tmp is.  Neither is the host's watched /tmp.
 */
static pid_t start_on_own_tmp(bool userns, int *err)
{
	char *const argv[] = { "kworker", NULL };

	return cw_spawn_on_own_tmpfs(CW_BURN_SRC, userns, argv, err);
}

TEST_F_TIMEOUT(miner, tmpfs_of_a_user_namespace, MINER_DEADLINE + 30)
{
	int err;

	self->pid = start_on_own_tmp(true, &err);
	ASSERT_LT(0, self->pid);
	/* A host that allows uid 1000 no user namespace has no such tmpfs. */
	if (err == CW_NO_USERNS)
		SKIP(return, "uid 1000 may not create a user namespace");
	ASSERT_EQ(0, err);
	EXPECT_KILLED("origin=private ", "uid=1000 ");
}

TEST_F_TIMEOUT(miner, tmpfs_of_a_container, MINER_DEADLINE + 30)
{
	int err;

	self->pid = start_on_own_tmp(false, &err);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, err);
	EXPECT_KILLED("origin=private ", "uid=0 ");
}

/*
 * A miner that sleeps 0.35 s after every 2.6 s of work: 88% of a CPU,
 * with a sample (200 ms) under the threshold every 3 s, so that a rule
 * of "over the threshold in every sample" never sees 3 s in a row.  It
 * is judged on its average: killed at sustain, give or take a sample.
 */
TEST_F_TIMEOUT(miner, pauses_for_a_sample, CW_DEADLINE + 30)
{
	char pid[32], line[1024], *f;
	int for_s;

	ASSERT_EQ(0, cw_sh("mkdir -p /tmp/.rx"));
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, "/tmp/.rx/pulse", 0755, "pulse"));
	self->pid = fork();
	if (!self->pid) {
		char *const argv[] = { "pulse", "-P", "2600,350", NULL };

		execve("/tmp/.rx/pulse", argv, no_env);
		_exit(127);
	}
	ASSERT_LT(0, self->pid);
	ASSERT_TRUE(cw_killed(cw_wait(self->pid, CW_DEADLINE)));
	snprintf(pid, sizeof(pid), " pid=%d ", self->pid);
	self->pid = -1;
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, line, sizeof(line), "killed", pid,
				 "rule=sustained ", NULL));
	TH_LOG("%s", strchr(line, ';') ? strchr(line, ';') + 1 : line);
	/* Over on average for sustain (3 s), judged at a sample after it. */
	f = strstr(line, " for=");
	ASSERT_NE(NULL, f);
	for_s = atoi(f + 5);
	ASSERT_LE(3, for_s);
	ASSERT_GE(4, for_s);
}

static int as_uid_2000(void *arg)
{
	return setgroups(0, NULL) || setresgid(2000, 2000, 2000) ||
	       setresuid(2000, 2000, 2000) ? errno : 0;
}

static int as_uid_3000(void *arg)
{
	return setgroups(0, NULL) || setresgid(3000, 3000, 3000) ||
	       setresuid(3000, 3000, 3000) ? errno : 0;
}

/* Start @path as uid 3000 with @argv; it must start. */
static pid_t start_as_3000(struct __test_metadata *_metadata, const char *path,
			   char *const argv[])
{
	int err;
	pid_t pid = cw_spawn_setup(as_uid_3000, NULL, path, argv, no_env, &err);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err) {
		TH_LOG("exec %s: %s", path, strerror(err));
	}
	return pid;
}

/*
 * A kit that staged a copy with other bytes before its first was killed,
 * asleep until then, gains nothing: the uid is on probation, and the
 * first sample that finds the staged copy going over the threshold puts
 * it at the cap, long before the sustain a fresh program gets (20 s
 * here).  A copy that burned all along beside the first is killed as the
 * first was, not let off with the cap.  uid 3000: no other test leaves
 * it on probation, nor finds it there.  The threshold is 20%: two
 * burners share two CPUs with the guest's own work, and one sample of
 * 200 ms under 50% on the debug kernel started the copy beside afresh,
 * to be held on probation instead.
 */
TEST_F_TIMEOUT(miner, staged_copies_on_probation, MINER_DEADLINE)
{
	char needle[32], line[2048];
	pid_t first, beside;

	/*
	 * Which sample finds a copy over the threshold, and whether the
	 * copy beside burned over it in every one, are figures of timing:
	 * on the debug kernel one 200 ms dip once put it on probation.
	 */
	if (!cw_timing_lane())
		SKIP(return, CW_TIMING_ONLY);
	ASSERT_EQ(0, cw_param_set("probation", "600"));
	ASSERT_EQ(0, cw_param_set("sustain", "20"));
	ASSERT_EQ(0, cw_param_set("threshold", "20"));
	ASSERT_EQ(0, cw_sh("mkdir -p /tmp/.rx"));
	ASSERT_EQ(0, cw_copy_tagged("/selftests/cw-burn", "/tmp/.rx/a", 0755, "\nstaged a\n"));
	ASSERT_EQ(0, cw_copy_tagged("/selftests/cw-burn", "/tmp/.rx/b", 0755, "\nstaged b\n"));
	ASSERT_EQ(0, cw_copy_tagged("/selftests/cw-burn", "/tmp/.rx/c", 0755, "\nstaged c\n"));
	/* Staged: asleep until well after the first copy's kill. */
	self->pid = start_as_3000(_metadata, "/tmp/.rx/b", (char *[]){ "b", "-w", "30", NULL });
	first = start_as_3000(_metadata, "/tmp/.rx/a", (char *[]){ "a", NULL });
	beside = start_as_3000(_metadata, "/tmp/.rx/c", (char *[]){ "c", NULL });
	EXPECT_TRUE(cw_killed(cw_wait(first, MINER_DEADLINE)));
	snprintf(needle, sizeof(needle), " pid=%d ", first);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, NULL, 0, "killed", needle,
				 "rule=sustained ", NULL));
	EXPECT_TRUE(cw_killed(cw_wait(beside, CW_DEADLINE))) {
		TH_LOG("the copy that burned beside the first was not killed");
		/* Held, it would stay held for the next test to find. */
		cw_reap(beside);
	}

	/* Awake, the staged copy is held at once, not killed after sustain. */
	snprintf(needle, sizeof(needle), " pid=%d ", self->pid);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, line, sizeof(line),
				 "throttled", needle, "rule=probation ", NULL)) {
		TH_LOG("the staged copy was not put on probation");
	}
	TH_LOG("%s", strchr(line, ';') ? strchr(line, ';') + 1 : line);
	EXPECT_EQ(-1, cw_wait(self->pid, 0));
}

/*
 * A kit that relaunches its miner with one byte changed after every kill
 * is a new program each time, with a fresh sustain: uid 1000 runs such a
 * loop for 60 s.  Once its first copy is killed, the uid is on probation
 * and each new copy starts at the cap: the loop gets a quarter of a CPU
 * at most, on average (without probation it gets all of one).  That share
 * is a timing figure: with CW_TIMING=0 the loop runs for 20 s, long enough
 * for a kill and copies on probation, and its share is only logged.
 */
#define RESPAWN_SECONDS 60
#define RESPAWN_SECONDS_UNTIMED 20

TEST_F_TIMEOUT(miner, respawn_with_new_bytes, RESPAWN_SECONDS + 60)
{
	static const char loop[] =
		"i=0; while :; do i=$((i + 1)); f=/home/user/.cache/.r/m$i; "
		"cp /selftests/cw-burn $f && echo $i >>$f && $f; done";
	struct rusage ru;
	double start, cpu;
	pid_t loop_pid;
	int pct, i;

	ASSERT_EQ(0, cw_param_set("probation", "600"));
	ASSERT_EQ(0, cw_param_set("cap", "10"));
	ASSERT_EQ(0, cw_sh("mkdir -p /home/user/.cache/.r && chown -R 1000:1000 /home/user/.cache"));
	/* The last copy, orphaned when the loop is killed, comes to us. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	start = cw_now();
	loop_pid = fork();
	if (!loop_pid) {
		char *const argv[] = { "sh", "-c", (char *)loop, NULL };

		setpgid(0, 0);
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			_exit(126);
		execve("/bin/sh", argv, no_env);
		_exit(127);
	}
	ASSERT_LT(0, loop_pid);
	/* Tracked and idle, it keeps the sampler going after the loop. */
	ASSERT_EQ(0, cw_sh("mkdir -p /tmp/.rx"));
	ASSERT_EQ(0, cw_copy("/bin/busybox", "/tmp/.rx/idle", 0755));
	/*
	 * busybox runs the applet argv[0] names.  As uid 2000: root's
	 * programs killed by the tests before may have put root on
	 * probation, which would start the sleeper held.
	 */
	self->pid = cw_spawn_setup(as_uid_2000, NULL, "/tmp/.rx/idle",
				   (char *[]){ "sleep", "600", NULL }, no_env, &i);
	ASSERT_LT(0, self->pid);
	ASSERT_EQ(0, i);
	cw_sleep_until(start + (cw_timing_lane() ? RESPAWN_SECONDS :
				RESPAWN_SECONDS_UNTIMED));
	kill(-loop_pid, SIGKILL);
	while (waitpid(-loop_pid, NULL, 0) > 0 || errno == EINTR)
		;
	ASSERT_EQ(0, getrusage(RUSAGE_CHILDREN, &ru));
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	pct = (int)(cpu * 1000 / (cw_now() - start));
	TH_LOG("the respawn loop used %.1f CPU-s in %.0f s: %d.%d%% of one CPU",
	       cpu, cw_now() - start, pct / 10, pct % 10);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, "throttled", "uid=1000 ",
				 "rule=probation ", NULL)) {
		TH_LOG("no copy was put on probation");
	}
	if (cw_timing_lane())
		ASSERT_GE(250, pct);

	/*
	 * A copy on probation none of whose processes is left is let go,
	 * to be forgotten as any idle program: not kept for the rest of the
	 * probation, as each short copy of a loop would be.
	 */
	for (i = 0; i < 20 && cw_sh(TOOL " status | grep -q ', 0 throttled;'"); i++)
		usleep(500 * 1000);
	EXPECT_GT(20, i) {
		TH_LOG("programs stay throttled with no process left");
	}
}

TEST_HARNESS_MAIN
