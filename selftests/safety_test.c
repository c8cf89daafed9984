// SPDX-License-Identifier: GPL-2.0
/*
 * No user can turn cpuwarden against the host: the host's own programs
 * are never refused or tracked for what an intruder did with a copy of
 * them, kills and quarantine are never silently cut short, names an
 * attacker chose cannot forge log lines, and the policy is root's alone
 * to read.  Run as root inside a QEMU guest with the module loaded.
 */
#include "common.h"

#include <dirent.h>
#include <elf.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fuse.h"
#include "kselftest_harness.h"

#define WORK "/tmp/cws"
/* The fault injection of a module built with CW_FAULTS=y (module/fault.c). */
#define KILL_DELAY "/sys/module/cpuwarden/parameters/fault_kill_delay_ms"
#define FORK_DELAY "/sys/module/cpuwarden/parameters/fault_fork_delay_ms"
#define FORK_LOSE "/sys/module/cpuwarden/parameters/fault_fork_lose"
#define FORK_STRAY "/sys/module/cpuwarden/parameters/fault_fork_stray"
#define ARGS(...) ((char *const []){ __VA_ARGS__, NULL })

static char *const no_env[] = { NULL };

/* Kill mode with short windows, nothing allowed, nothing quarantined. */
static void policy(struct __test_metadata *_metadata, const char *mode,
		   const char *threshold)
{
	CW_REQUIRE_MODULE();
	ASSERT_EQ(0, cw_short_policy(mode, threshold, "2"));
}

FIXTURE(safety) {
	int kmsg;
	struct cw_fuse *fuse;	/* a FUSE server to end, see hash_stall */
	pid_t kids[3];		/* to reap, if not reaped: 0 once they are */
};

FIXTURE_SETUP(safety)
{
	CW_REQUIRE_MODULE();
	cw_sh("rm -rf " WORK " /var/tmp/cws");
	ASSERT_EQ(0, mkdir(WORK, 0755));
	self->kmsg = cw_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

static int running(const char *path, int sig);

FIXTURE_TEARDOWN(safety)
{
	size_t i;

	/* A test that unloaded the module ends its FUSE server first. */
	cw_fuse_end(self->fuse);
	for (i = 0; i < sizeof(self->kids) / sizeof(self->kids[0]); i++)
		cw_reap(self->kids[i]);
	if (!cw_module_loaded())
		cw_sh("insmod $CW_MODULE");
	/* First: should the host's shell have been quarantined, free it. */
	cw_param_set("quarantine", "clear");
	cw_param_set("mode", "monitor");
	cw_write_file(KILL_DELAY, "0");
	cw_write_file(FORK_DELAY, "0");
	cw_write_file(FORK_LOSE, "0");
	cw_write_file(FORK_STRAY, "0");
	cw_param_set("allow", "");
	/* forked_as_killed's child, if it failed on the way. */
	running(WORK "/forker", SIGKILL);
	close(self->kmsg);
	cw_sh("rm -rf " WORK " /var/tmp/cws /usr/local/bin/cws-*");
}

/* The number of lines of a module parameter. */
static int param_lines(const char *name)
{
	char buf[8192], *p;
	int n = 0;

	if (cw_param_get(name, buf, sizeof(buf)))
		return -1;
	for (p = buf; *p; n++) {
		p = strchr(p, '\n');
		if (!p)
			return n + 1;
		p++;
	}
	return n;
}

/*
 * An intruder as uid 1000 copies the host's busybox, which is /bin/sh
 * here, to /tmp and burns CPU with it until it is killed.  Its content is
 * quarantined, yet the host's own /bin/sh still runs, for root and for
 * uid 1000 (reported as "spared", once), and so does a copy in a memfd,
 * as runc runs itself; the same bytes in another watched place are
 * refused to uid 1000.  Another user's copy of the same bytes, a service
 * account's say, is that user's program, not uid 1000's: the kill does
 * not take it, and the quarantine does not refuse it.
 */
TEST_F_TIMEOUT(safety, owned_copy_never_refused, 3 * CW_DEADLINE)
{
	char sh[65], list[4096], rec[2048];
	pid_t pid, svc;
	int err, status;

	policy(_metadata, "kill", "50");
	/*
	 * "tracking" lines are rate-limited, and a test before this one
	 * may have spent the allowance: start with a fresh one (a window
	 * ends strictly after 5 s).
	 */
	sleep(6);
	ASSERT_EQ(0, cw_sha256_hex("/bin/busybox", sh));
	ASSERT_EQ(0, chmod(WORK, 0777));
	ASSERT_EQ(0, cw_copy("/bin/busybox", WORK "/busybox", 0755));
	ASSERT_EQ(0, chown(WORK "/busybox", 1000, 1000));
	ASSERT_EQ(0, mkdir(WORK "/svc", 0755));
	ASSERT_EQ(0, cw_copy("/bin/busybox", WORK "/svc/busybox", 0755));
	ASSERT_EQ(0, chown(WORK "/svc/busybox", 2000, 2000));
	ASSERT_EQ(0, chown(WORK "/svc", 2000, 2000));

	/* The service's copy, idle, tracked as a program of uid 2000. */
	svc = cw_spawn(ARGS("/bin/runas", "2000", "2000", WORK "/svc/busybox",
			    "sleep", "600"), no_env, &err);
	ASSERT_LT(0, svc);
	ASSERT_EQ(0, err);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 10, NULL, 0, "tracking ", "uid=2000 ",
				 "exe=\"" WORK "/svc/busybox\"", NULL));

	pid = cw_spawn(ARGS("/bin/runas", "1000", "1000", WORK "/busybox", "sh",
			    "-c", "while :; do :; done"), no_env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	ASSERT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE))) {
		TH_LOG("the busybox copy was not killed");
		cw_reap(pid);
	}
	/* The kill took uid 1000's program only. */
	EXPECT_EQ(0, waitpid(svc, &status, WNOHANG)) {
		TH_LOG("uid 2000's copy went with uid 1000's: status %d", status);
	}
	kill(svc, SIGKILL);
	cw_reap(svc);
	ASSERT_EQ(0, cw_param_get("quarantine", list, sizeof(list)));
	ASSERT_STREQ(sh, list);

	/* The host's shell, for root and for the user. */
	ASSERT_EQ(0, cw_sh("/bin/sh -c true"));
	ASSERT_EQ(7, cw_sh("/bin/runas 1000 1000 /bin/sh -c 'exit 7'"));
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, rec, sizeof(rec), "spared pid=",
				 "exe=\"/bin/busybox\"", "origin=owned",
				 "rule=quarantine", NULL)) {
		TH_LOG("no spared line for /bin/busybox");
	}
	/* Once: each exec of the host's shell would flood the log. */
	ASSERT_EQ(0, cw_sh("/bin/sh -c true"));
	EXPECT_FALSE(cw_kmsg_wait(self->kmsg, 1, NULL, 0, "spared pid=", NULL));

	/* The host runs its programs from a memfd too (runc): not refused. */
	pid = fork();
	if (!pid) {
		int fd = memfd_create("busybox", MFD_CLOEXEC);

		if (fd >= 0 && !cw_copy_fd("/bin/busybox", fd))
			fexecve(fd, ARGS("true"), no_env);
		_exit(126);
	}
	ASSERT_LT(0, pid);
	status = cw_wait(pid, 10);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("busybox from a memfd: wait status %d", status);
	}

	/*
	 * The same bytes in a watched place, where an intruder puts them:
	 * refused to uid 1000, and to anyone from a file uid 1000 owns.
	 */
	ASSERT_EQ(0, mkdir("/var/tmp/cws", 0755));
	ASSERT_EQ(0, cw_copy("/bin/busybox", "/var/tmp/cws/busybox", 0755));
	pid = cw_spawn(ARGS("/bin/runas", "1000", "1000", "/var/tmp/cws/busybox",
			    "true"), no_env, &err);
	ASSERT_LT(0, pid);
	status = cw_wait(pid, 5);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 126) {
		TH_LOG("uid 1000 ran its killed content: wait status %d", status);
	}
	pid = cw_spawn(ARGS(WORK "/busybox", "true"), no_env, &err);
	ASSERT_LT(0, pid);
	EXPECT_EQ(EPERM, err);
	status = cw_wait(pid, 5);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 127);

	/* Other users' copies are theirs: uid 2000's, and root's own. */
	EXPECT_EQ(0, cw_sh("/bin/runas 2000 2000 " WORK "/svc/busybox true"));
	EXPECT_EQ(0, cw_sh("/var/tmp/cws/busybox true"));

	/*
	 * Root's copy on a tmpfs of its own (a container's /tmp, the host's
	 * /run) may be the host's program: it runs.  A user's copy on the
	 * tmpfs of its user namespace is the intruder's choice: refused.
	 */
	pid = cw_spawn_on_own_tmpfs("/bin/busybox", false, ARGS("busybox", "true"), &err);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, err);
	status = cw_wait(pid, 10);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("root's copy on a private tmpfs: wait status %d, exec %s",
		       status, strerror(err));
	}
	pid = cw_spawn_on_own_tmpfs("/bin/busybox", true, ARGS("busybox", "true"), &err);
	ASSERT_LT(0, pid);
	if (err != CW_NO_USERNS) {
		EXPECT_EQ(EPERM, err);
	}
	cw_reap(pid);
}

/* Whether @pid's executable is @path, by /proc/PID/exe. */
static bool runs(pid_t pid, const char *path)
{
	char proc[64], exe[256];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/%d/exe", pid);
	n = readlink(proc, exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return !strcmp(exe, path);
}

/*
 * Kill mode with a fresh allowance of decision lines, each kill held back
 * 5 s after its decision by the fault injection, and busybox copied to
 * WORK: false, with nothing done, if the module was built without it.
 */
static bool kill_delayed(struct __test_metadata *_metadata)
{
	if (access(KILL_DELAY, F_OK))
		return false;
	policy(_metadata, "kill", "50");
	/* Decision lines are rate-limited: start with a fresh allowance. */
	sleep(6);
	ASSERT_EQ(0, cw_write_file(KILL_DELAY, "5000"));
	ASSERT_EQ(0, cw_copy("/bin/busybox", WORK "/busybox", 0755));
	return true;
}

/*
 * Issue #12, item 2: a kill takes only the groups that still run the
 * program it was decided on.  A /tmp program runs in two groups: one
 * burns, the other waits for a word, then execs an owned program (an
 * installer that moves on to dpkg).  The kill is decided on both; the
 * module, built with a delay between a kill's decision and the kill,
 * gives the second time to exec in between.  The burner dies; the
 * owned program runs on and exits 0.
 */
TEST_F_TIMEOUT(safety, moved_on_not_killed, 3 * CW_DEADLINE)
{
	static const char owned[] = "/usr/local/bin/cws-after";
	char word[] = "go\n";
	double end;
	int err, fd;
	pid_t burner, mover;

	if (!kill_delayed(_metadata))
		SKIP(return, "the module was built without CW_FAULTS=y");
	mkdir("/usr/local", 0755);
	mkdir("/usr/local/bin", 0755);
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, owned, 0755, "after"));
	ASSERT_EQ(0, mkfifo(WORK "/go", 0600));

	mover = cw_spawn(ARGS(WORK "/busybox", "sh", "-c",
			      "read w <" WORK "/go && exec /usr/local/bin/cws-after -b 0 -s 10"),
			 no_env, &err);
	self->kids[0] = mover;
	ASSERT_LT(0, mover);
	ASSERT_EQ(0, err);
	burner = cw_spawn(ARGS(WORK "/busybox", "sh", "-c", "while :; do :; done"),
			  no_env, &err);
	self->kids[1] = burner;
	ASSERT_LT(0, burner);
	ASSERT_EQ(0, err);

	/*
	 * Decided: one walk marks both groups, each with a line, and the
	 * kill waits.
	 */
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, "killed pid=",
				 "exe=\"" WORK "/busybox\"", NULL));
	fd = open(WORK "/go", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(word), write(fd, word, strlen(word)));
	close(fd);
	end = cw_now() + 5;
	while (!runs(mover, owned) && cw_now() < end)
		usleep(10 * 1000);
	ASSERT_TRUE(runs(mover, owned));
	/* In the window: the burner is not killed yet. */
	ASSERT_EQ(0, waitpid(burner, NULL, WNOHANG)) {
		TH_LOG("the kill came before the exec: no window to test");
	}

	EXPECT_TRUE(cw_killed(cw_wait(burner, CW_DEADLINE)));
	self->kids[1] = 0;
	EXPECT_EQ(0, cw_wait(mover, CW_DEADLINE)) {
		TH_LOG("the group that moved on to an owned program was killed");
	}
	self->kids[0] = 0;
	cw_write_file(KILL_DELAY, "0");
}

/*
 * Issue #12: an admin's release is the last word.  A /tmp program is
 * decided on in kill mode; the module, built with a delay between a
 * kill's decision and the kill, gives an admin time to release it in
 * between.  It is told released, and runs on: neither the kill under
 * way nor a later sample takes it.
 */
TEST_F_TIMEOUT(safety, released_not_killed, 3 * CW_DEADLINE)
{
	char pidbuf[16], needle[64];
	pid_t burner;
	int err;

	if (!kill_delayed(_metadata))
		SKIP(return, "the module was built without CW_FAULTS=y");
	burner = cw_spawn(ARGS(WORK "/busybox", "sh", "-c", "while :; do :; done"),
			  no_env, &err);
	self->kids[0] = burner;
	ASSERT_LT(0, burner);
	ASSERT_EQ(0, err);

	snprintf(needle, sizeof(needle), "killed pid=%d ", burner);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, needle, NULL));
	snprintf(pidbuf, sizeof(pidbuf), "%d", burner);
	ASSERT_EQ(0, cw_param_set("release", pidbuf));
	/* In the window: the kill had not come when the release did. */
	if (waitpid(burner, NULL, WNOHANG)) {
		self->kids[0] = 0;
		ASSERT_TRUE(false) {
			TH_LOG("the kill came before the release: no window to test");
		}
	}
	snprintf(needle, sizeof(needle), "released pid=%d ", burner);
	EXPECT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, needle,
				 "rule=admin", NULL));
	/* Past the delay, and a few samples more. */
	sleep(3);
	if (waitpid(burner, NULL, WNOHANG)) {
		self->kids[0] = 0;
		EXPECT_TRUE(false) {
			TH_LOG("the group released between decision and kill was killed");
		}
	}
	cw_write_file(KILL_DELAY, "0");
}

/*
 * An admin releases a program, not a process: a released group that
 * then execs another program (a build job turned miner) is judged
 * afresh, and killed.  The job, a /tmp shell, is released while it
 * sleeps, then execs a burner.
 */
TEST_F_TIMEOUT(safety, release_ends_at_exec, 3 * CW_DEADLINE)
{
	char pidbuf[16], needle[64];
	int err, status;
	pid_t job;

	policy(_metadata, "kill", "50");
	/* busybox runs the applet its name says: this one is "busybox". */
	ASSERT_EQ(0, cw_copy_tagged("/bin/busybox", WORK "/busybox", 0755, "job"));
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, WORK "/miner", 0755, "miner"));
	job = cw_spawn(ARGS(WORK "/busybox", "sh", "-c", "sleep 4; exec " WORK "/miner"),
		       no_env, &err);
	self->kids[0] = job;
	ASSERT_LT(0, job);
	ASSERT_EQ(0, err);
	/* Its record comes after the exec's point of no return. */
	snprintf(needle, sizeof(needle), "tracking pid=%d ", job);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, needle, NULL));
	snprintf(pidbuf, sizeof(pidbuf), "%d", job);
	ASSERT_EQ(0, cw_param_set("release", pidbuf));
	snprintf(needle, sizeof(needle), "released pid=%d ", job);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, needle,
				 "rule=admin", NULL));

	status = cw_wait(job, CW_DEADLINE);
	if (status != -1)
		self->kids[0] = 0;
	EXPECT_TRUE(cw_killed(status)) {
		TH_LOG("the miner the released job exec'd ran on (wait status %d)",
		       status);
	}
}

/* How many processes run @path, each sent @sig if not 0; zombies run nothing. */
static int running(const char *path, int sig)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		if (pid > 0 && runs(pid, path)) {
			if (sig)
				kill(pid, sig);
			n++;
		}
	}
	closedir(d);
	return n;
}

/*
 * @pid's state letter in /proc/PID/status, and the signals pending for
 * it or its group; false if it is gone.
 */
static bool proc_status(pid_t pid, char *state, unsigned long long *pending)
{
	unsigned long long pnd;
	char path[64], line[256];
	FILE *f;

	*state = 0;
	*pending = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "State: %c", state);
		if (sscanf(line, "SigPnd: %llx", &pnd) == 1 ||
		    sscanf(line, "ShdPnd: %llx", &pnd) == 1)
			*pending |= pnd;
	}
	fclose(f);
	return *state;
}

/* Whether @pid lives on with SIGKILL pending: it has not left the kernel. */
static bool killed_in_kernel(pid_t pid)
{
	unsigned long long pending;
	char state;

	return proc_status(pid, &state, &pending) && state != 'Z' &&
	       state != 'X' && (pending & (1ULL << (SIGKILL - 1)));
}

/*
 * A fork under way as its program is killed: the kill's walk finds the
 * parent, and the child's record is published after it.  The module,
 * built with a delay in its fork probe, holds the parent's fork there for
 * seconds, long enough to be judged and killed meanwhile (the delay is
 * CPU time of its own).  The child, running the killed program, must die
 * too, or the program lives on in it, never judged again.  How many kills
 * the counters gained meanwhile goes to *@counted.  With @let_out, the
 * content is let out of quarantine as the parent dies (see below).
 */
#define KILLED_METRIC \
	"cpuwarden_decisions_total{event=\"killed\",origin=\"watched\",rule=\"sustained\"}"

static void fork_as_killed(struct __test_metadata *_metadata,
			   FIXTURE_DATA(safety) *self, bool let_out,
			   long long *counted)
{
	char val[16], killed[32];
	long long before;
	double end;
	int err, n;

	if (access(FORK_DELAY, F_OK))
		SKIP(return, "the module was built without CW_FAULTS=y");
	/*
	 * There softirqs run in threads, which the delay, busy with
	 * preemption off, holds up on its CPU with the timers queued there:
	 * the sampler's among them, the kill waits for the fork.
	 */
	if (!access("/sys/kernel/realtime", F_OK))
		SKIP(return, "PREEMPT_RT: the fork delay stops its CPU's timers");
	policy(_metadata, "kill", "50");
	before = cw_metric(KILLED_METRIC);
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, WORK "/forker", 0755, "forker"));
	ASSERT_EQ(0, cw_write_file(FORK_DELAY, "8000"));
	/* -f: the child burns; the parent waits in its fork, then for it. */
	self->kids[0] = cw_spawn(ARGS(WORK "/forker", "-f"), no_env, &err);
	ASSERT_LT(0, self->kids[0]);
	ASSERT_EQ(0, err);
	snprintf(killed, sizeof(killed), "killed pid=%d ", self->kids[0]);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, CW_DEADLINE, NULL, 0, killed,
				 "exe=\"" WORK "/forker\"", NULL));
	if (let_out)
		ASSERT_EQ(0, cw_param_set("quarantine", "clear"));
	/*
	 * Killed, and a second later still in its fork: the kill's walk
	 * came before the child's record.
	 */
	sleep(1);
	ASSERT_TRUE(killed_in_kernel(self->kids[0])) {
		TH_LOG("the fork was over before the kill: no window to test");
	}
	EXPECT_TRUE(cw_killed(cw_wait(self->kids[0], CW_DEADLINE)));
	/* Seconds dying, yet killed once. */
	EXPECT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, killed, NULL)) {
		TH_LOG("killed again as it died: %s", killed);
	}
	self->kids[0] = 0;
	ASSERT_EQ(0, cw_param_get("fault_fork_delay_ms", val, sizeof(val)));
	ASSERT_STREQ("0", val);

	end = cw_now() + CW_DEADLINE;
	while ((n = running(WORK "/forker", 0)) > 0 && cw_now() < end)
		usleep(50 * 1000);
	EXPECT_EQ(0, n) {
		TH_LOG("the child forked as its program was killed runs on");
	}
	*counted = cw_metric(KILLED_METRIC) - (before < 0 ? 0 : before);
}

/*
 * The parent named by the decision, the child killed after it, by no
 * decision: two kills, both counted.
 */
TEST_F_TIMEOUT(safety, forked_as_killed, 3 * CW_DEADLINE)
{
	long long counted = 0;

	fork_as_killed(_metadata, self, false, &counted);
	if (_metadata->skip)
		return;
	EXPECT_EQ(2, counted) {
		TH_LOG(KILLED_METRIC " gained %lld", counted);
	}
}

/*
 * Content let out of quarantine is judged afresh, as is a program known
 * only by its mapping or how it computes: the parent, seconds dying with
 * SIGKILL pending as its content is let out, must still be killed once,
 * one line, one event and one count, not again at every sample that
 * finds it there.  The child may be decided on afresh then: two kills
 * still, each counted once.
 */
TEST_F_TIMEOUT(safety, forked_as_killed_let_out, 3 * CW_DEADLINE)
{
	long long counted = 0;

	fork_as_killed(_metadata, self, true, &counted);
	if (_metadata->skip)
		return;
	EXPECT_EQ(2, counted) {
		TH_LOG(KILLED_METRIC " gained %lld", counted);
	}
}

/*
 * In kill mode, start the forker, a cw-burn with @opt, whose next fork
 * finds no record (the module's fault injection), nor with @stray a
 * place in the table of lost children; its pid.
 */
static pid_t start_recordless(struct __test_metadata *_metadata, const char *opt,
			      const char *tag, bool stray)
{
	pid_t pid;
	int err;

	policy(_metadata, "kill", "50");
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, WORK "/forker", 0755, tag));
	ASSERT_EQ(0, cw_write_file(FORK_LOSE, "1"));
	if (stray)
		ASSERT_EQ(0, cw_write_file(FORK_STRAY, "1"));
	pid = cw_spawn(ARGS(WORK "/forker", (char *)opt), no_env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	return pid;
}

/* The burner was killed as the forker's program, and nothing of it runs. */
static void recordless_killed(struct __test_metadata *_metadata, int kmsg,
			      const char *what)
{
	double end;
	int n;

	EXPECT_TRUE(cw_kmsg_wait(kmsg, CW_DEADLINE, NULL, 0, "killed pid=",
				 "exe=\"" WORK "/forker\"", "+inherited", NULL)) {
		TH_LOG("%s was never judged", what);
	}
	end = cw_now() + CW_DEADLINE;
	while ((n = running(WORK "/forker", 0)) > 0 && cw_now() < end)
		usleep(50 * 1000);
	EXPECT_EQ(0, n) {
		TH_LOG("%s runs on", what);
	}
}

/*
 * A child that finds no record at its fork, as when the fork reserve is
 * empty on PREEMPT_RT or memory is short (here the module's fault
 * injection), is tracked all the same as its parent's program, by the
 * next sample.  Its parent idles, waiting for it: only the child burns,
 * and untracked it would burn on, with nothing to judge.
 */
TEST_F_TIMEOUT(safety, recordless_child_tracked, 3 * CW_DEADLINE)
{
	char val[16];

	if (access(FORK_LOSE, F_OK))
		SKIP(return, "the module was built without CW_FAULTS=y");
	self->kids[0] = start_recordless(_metadata, "-f", "lost", false);
	/* The program is killed: the waiting parent with its child. */
	EXPECT_TRUE(cw_killed(cw_wait(self->kids[0], CW_DEADLINE)));
	self->kids[0] = 0;
	ASSERT_EQ(0, cw_param_get("fault_fork_lose", val, sizeof(val)));
	EXPECT_STREQ("0", val) {
		TH_LOG("the fork never came to the fault");
	}
	recordless_killed(_metadata, self->kmsg, "the child without a record");
}

/*
 * The same for a daemon's double fork: the child that finds no record
 * forks the burner and exits, and so does its tracked parent, so that
 * nothing is tracked when the sampler comes.  The grandchild must be
 * tracked as the program all the same, by its parent's place in the
 * table if it was forked before the sampler tracked that parent.
 */
TEST_F_TIMEOUT(safety, recordless_grandchild_tracked, 3 * CW_DEADLINE)
{
	if (access(FORK_LOSE, F_OK))
		SKIP(return, "the module was built without CW_FAULTS=y");
	self->kids[0] = start_recordless(_metadata, "-F", "daemon", false);
	EXPECT_EQ(0, cw_wait(self->kids[0], CW_DEADLINE));
	self->kids[0] = 0;
	recordless_killed(_metadata, self->kmsg, "the daemonized burner");
}

/*
 * A fork storm that outruns the table of lost children too: a child that
 * finds no record and the table full (the fault injection again) is a
 * stray.  The next look over every process finds it by its image, the
 * very file of its parent's exec, and tracks it: it is killed as the
 * program.  A twin of the forker, the same file (a hard link) run by the
 * same user from an exec of its own, and left untracked by an allow
 * rule added meanwhile, is no stray, and lives: the look is no weapon
 * against what the gate let be.
 */
TEST_F_TIMEOUT(safety, stray_child_tracked, 3 * CW_DEADLINE)
{
	char val[16], hash[65], rule[80];
	int err;

	if (access(FORK_STRAY, F_OK))
		SKIP(return, "the module was built without CW_FAULTS=y");
	policy(_metadata, "kill", "50");
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, WORK "/forker", 0755, "stray"));
	ASSERT_EQ(0, link(WORK "/forker", WORK "/twin"));
	ASSERT_EQ(0, cw_write_file(FORK_LOSE, "1"));
	ASSERT_EQ(0, cw_write_file(FORK_STRAY, "1"));
	/* -w 2: tracked, it waits before it forks the burner. */
	self->kids[0] = cw_spawn(ARGS(WORK "/forker", "-w", "2", "-f"), no_env, &err);
	ASSERT_LT(0, self->kids[0]);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, cw_sha256_hex(WORK "/forker", hash));
	snprintf(rule, sizeof(rule), "sha256:%s", hash);
	ASSERT_EQ(0, cw_param_set("allow", rule));
	self->kids[1] = cw_spawn(ARGS(WORK "/twin", "-b", "0"), no_env, &err);
	ASSERT_LT(0, self->kids[1]);
	ASSERT_EQ(0, err);

	EXPECT_TRUE(cw_killed(cw_wait(self->kids[0], CW_DEADLINE)));
	self->kids[0] = 0;
	ASSERT_EQ(0, cw_param_get("fault_fork_stray", val, sizeof(val)));
	EXPECT_STREQ("0", val) {
		TH_LOG("the fork never came to the fault");
	}
	recordless_killed(_metadata, self->kmsg, "the stray child");
	EXPECT_EQ(0, waitpid(self->kids[1], NULL, WNOHANG)) {
		TH_LOG("the twin, untracked, was taken for a stray");
	}
}

/*
 * And a daemon's double fork from a stray: the stray forks the burner,
 * which gets no record either (its parent has none), and exits, and so
 * does the tracked forker, before the look.  The burner, reparented, runs
 * the image of the forker's exec all the same: it is tracked and killed
 * as the program.
 */
TEST_F_TIMEOUT(safety, stray_grandchild_tracked, 3 * CW_DEADLINE)
{
	if (access(FORK_STRAY, F_OK))
		SKIP(return, "the module was built without CW_FAULTS=y");
	self->kids[0] = start_recordless(_metadata, "-F", "stray daemon", true);
	EXPECT_EQ(0, cw_wait(self->kids[0], CW_DEADLINE));
	self->kids[0] = 0;
	recordless_killed(_metadata, self->kmsg, "the stray's daemonized burner");
}

/*
 * Whether @pid sleeps: cw-burn -E has blocked SIGUSR1 and waits for it,
 * its first sleep after exec.  (While in sigwait() a task's SigBlk does
 * not show the signals it waits for.)
 */
static bool sleeping(pid_t pid)
{
	unsigned long long pending;
	char state;

	return proc_status(pid, &state, &pending) && state == 'S';
}

FIXTURE(upgrade) {
	int kmsg;
};

FIXTURE_VARIANT(upgrade) {
	const char *path;	/* where the program is installed */
	uid_t owner;
	bool tracked;		/* its re-exec after the upgrade is unowned */
};

/* A package's binary, replaced by an upgrade: the host's own. */
FIXTURE_VARIANT_ADD(upgrade, package) {
	.path = "/usr/local/bin/cws-upgrade", .owner = 0, .tracked = false,
};

/* A user's own binary outside the watched locations: anyone's guess. */
FIXTURE_VARIANT_ADD(upgrade, users) {
	.path = "/home/user/cws-upgrade", .owner = 1000, .tracked = true,
};

FIXTURE_SETUP(upgrade)
{
	policy(_metadata, "kill", "50");
	cw_sh("mkdir -p /usr/local/bin /home/user");
	self->kmsg = cw_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(upgrade)
{
	close(self->kmsg);
	unlink(variant->path);
	cw_param_set("mode", "monitor");
	cw_param_set("quarantine", "clear");
}

/*
 * A running program whose file an upgrade replaced (rename over it, as
 * dpkg does) re-executes /proc/self/exe, now a deleted file, and burns.
 * Deleted counts as unowned only where an intruder could have put it.
 */
TEST_F_TIMEOUT(upgrade, reexec_of_replaced_binary, 3 * CW_DEADLINE)
{
	char next[256], needle[64];
	time_t end;
	int err;
	pid_t pid;

	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, variant->path, 0755, "v1"));
	ASSERT_EQ(0, chown(variant->path, variant->owner, variant->owner));
	pid = cw_spawn(ARGS((char *)variant->path, "-E"), no_env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	end = time(NULL) + 10;
	while (!sleeping(pid) && time(NULL) < end)
		usleep(20 * 1000);
	ASSERT_TRUE(sleeping(pid));

	snprintf(next, sizeof(next), "%s.dpkg-new", variant->path);
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, next, 0755, "v2"));
	ASSERT_EQ(0, chown(next, variant->owner, variant->owner));
	ASSERT_EQ(0, rename(next, variant->path));
	ASSERT_EQ(0, kill(pid, SIGUSR1));

	snprintf(needle, sizeof(needle), "tracking pid=%d ", pid);
	if (variant->tracked) {
		EXPECT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE))) {
			TH_LOG("the re-exec of a user's deleted binary was not killed");
		}
		cw_reap(pid);
		return;
	}
	/* Over the threshold for three times sustain: never tracked. */
	EXPECT_EQ(-1, cw_wait(pid, 6)) {
		TH_LOG("the re-exec of an upgraded package binary ended");
	}
	EXPECT_FALSE(cw_kmsg_wait(self->kmsg, 0, NULL, 0, needle, NULL));
	cw_reap(pid);
}

/*
 * More programs decided on in one sample than any fixed table held: all
 * are killed and every content is quarantined.  They go abnormal in
 * monitor mode first; switching to kill mode has the next sample kill
 * them all at once.
 */
#define MANY 20

TEST_F_TIMEOUT(safety, many_kills_all_quarantined, 4 * CW_DEADLINE)
{
	char path[64], tag[16];
	pid_t pids[MANY];
	int i, err, abnormal = 0;
	time_t end;

	policy(_metadata, "monitor", "2");
	/* Decision lines are rate-limited: start with a fresh allowance. */
	sleep(5);
	for (i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), WORK "/m%02d", i);
		snprintf(tag, sizeof(tag), "many %d", i);
		ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, path, 0755, tag));
	}
	for (i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), WORK "/m%02d", i);
		pids[i] = cw_spawn(ARGS(path), no_env, &err);
		ASSERT_LT(0, pids[i]);
		ASSERT_EQ(0, err);
	}
	end = time(NULL) + 2 * CW_DEADLINE;
	while (abnormal < MANY && time(NULL) < end)
		if (cw_kmsg_wait(self->kmsg, 1, NULL, 0, "abnormal pid=",
				 "rule=sustained", NULL))
			abnormal++;
	EXPECT_EQ(MANY, abnormal);

	ASSERT_EQ(0, cw_param_set("mode", "kill"));
	for (i = 0; i < MANY; i++) {
		EXPECT_TRUE(cw_killed(cw_wait(pids[i], CW_DEADLINE))) {
			TH_LOG("program %d was not killed", i);
		}
		cw_reap(pids[i]);
	}
	EXPECT_EQ(MANY, param_lines("quarantine")) {
		char q[8192];

		if (!cw_param_get("quarantine", q, sizeof(q)))
			TH_LOG("quarantine:\n%s", q);
	}
}

/*
 * A static x86-64 program of 128 bytes at @path, written in place (the
 * same inode): one that exits at once, or one that spins for ever.  Both
 * are of one size, so only their content tells them apart.
 */
static int put_tiny(const char *path, bool spin)
{
	static const unsigned char exit0[8] = {
		0xb8, 0x3c, 0x00, 0x00, 0x00,	/* mov $60, %eax */
		0x0f, 0x05,			/* syscall: exit(%rdi = 0) */
		0x90,
	};
	static const unsigned char loop[8] = {
		0xeb, 0xfe,			/* jmp . */
		0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	};
	struct {
		Elf64_Ehdr e;
		Elf64_Phdr p;
		unsigned char code[8];
	} __attribute__((packed)) elf = {
		.e = {
			.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
				     ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC,
			.e_machine = EM_X86_64,
			.e_version = EV_CURRENT,
			.e_entry = 0x400000 + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
			.e_phoff = sizeof(Elf64_Ehdr),
			.e_ehsize = sizeof(Elf64_Ehdr),
			.e_phentsize = sizeof(Elf64_Phdr),
			.e_phnum = 1,
		},
		.p = {
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_X,
			.p_vaddr = 0x400000,
			.p_paddr = 0x400000,
			.p_filesz = sizeof(elf),
			.p_memsz = sizeof(elf),
			.p_align = 0x1000,
		},
	};
	int fd, ret;

	memcpy(elf.code, spin ? loop : exit0, sizeof(elf.code));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	ret = write(fd, &elf, sizeof(elf)) == sizeof(elf) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * The hash cache must never hand one content's digest to another: a file
 * rewritten in place with as many bytes, within the tick of its change
 * time, keeps its key.  Exec the harmless version, which caches it, then
 * put the quarantined version in its place at once: refused, every time;
 * and the harmless one, put back at once, runs every time.
 */
#define REWRITES 300

TEST_F_TIMEOUT(safety, hash_cache_never_lies, 4 * CW_DEADLINE)
{
	char *const quarantined[] = { WORK "/spin", NULL };
	char *const rewritten[] = { WORK "/x", NULL };
	int i, err, status, ran = 0, refused = 0;
	pid_t pid;

	policy(_metadata, "kill", "50");
	ASSERT_EQ(0, put_tiny(WORK "/spin", true));
	pid = cw_spawn(quarantined, no_env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	ASSERT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE)));
	ASSERT_EQ(1, param_lines("quarantine"));

	for (i = 0; i < REWRITES; i++) {
		ASSERT_EQ(0, put_tiny(WORK "/x", false));
		pid = cw_spawn(rewritten, no_env, &err);
		ASSERT_LT(0, pid);
		if (err)
			refused++;
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_EQ(0, put_tiny(WORK "/x", true));
		pid = cw_spawn(rewritten, no_env, &err);
		ASSERT_LT(0, pid);
		if (!err)
			ran++;
		cw_reap(pid);
	}
	EXPECT_EQ(0, ran) {
		TH_LOG("quarantined content ran %d times in %d rewrites", ran, REWRITES);
	}
	EXPECT_EQ(0, refused) {
		TH_LOG("harmless content was refused %d times in %d rewrites",
		       refused, REWRITES);
	}
}

/*
 * A miner reads threshold and sustain to stay just under them: the
 * parameters are root's alone, to read as to write.
 */
static int read_as_user(const char *name)
{
	char path[256];
	pid_t pid;
	int status, fd;

	pid = fork();
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000))
			_exit(100);
		snprintf(path, sizeof(path), CW_PARAMS "%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd < 0 ? (errno == EACCES ? 0 : 101) : 102);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Root's uid stripped of every capability (a hardened service) owns the
 * parameter files, but may change the policy no more than through netlink.
 */
static int write_without_caps(const char *name, const char *val)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct none[2] = { 0 };
	pid_t pid;
	int status;

	pid = fork();
	if (!pid) {
		if (syscall(SYS_capset, &hdr, none))
			_exit(100);
		_exit(cw_param_set(name, val) == -EPERM ? 0 : 101);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(safety, params_root_only)
{
	static const char *const names[] = {
		"mode", "threshold", "sustain", "period_ms", "budget",
		"budget_window", "uid_budget", "cap", "escalate", "quiet", "probation", "hash",
		"kill_tree", "writable", "private", "randomx", "mapped", "upper", "watch", "allow",
		"quarantine",
	};
	char path[256];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), CW_PARAMS "%s", names[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0U, st.st_mode & 077) {
			TH_LOG("%s is mode %o", names[i], st.st_mode & 0777);
		}
		EXPECT_EQ(0, read_as_user(names[i])) {
			TH_LOG("uid 1000 could open %s", names[i]);
		}
	}
	EXPECT_EQ(0, write_without_caps("mode", "kill"));
	EXPECT_EQ(0, write_without_caps("quarantine", "clear"));
	EXPECT_EQ(0, write_without_caps("allow", "uid:1000"));
}

/*
 * comm and exe are the attacker's choice: a quote, a newline, '=' and a
 * control byte in them must stay inside one quoted value of one line.
 * /dev/kmsg itself shows a backslash as \x5c.
 */
TEST_F_TIMEOUT(safety, log_names_escaped, 2 * CW_DEADLINE)
{
	static const char name[] = "q\"\n=\x01z";
	static const char comm[] = "comm=\"q\\x5c\"\\x5cx0a=\\x5cx01z\"";
	static const char exe[] = "exe=\"" WORK "/q\\x5c\"\\x5cx0a=\\x5cx01z\"";
	char path[64], needle[48], rec[2048];
	int err;
	pid_t pid;

	policy(_metadata, "kill", "50");
	/* Decision lines are rate-limited: start with a fresh allowance. */
	sleep(5);
	snprintf(path, sizeof(path), WORK "/%s", name);
	ASSERT_EQ(0, cw_copy_tagged(CW_BURN_SRC, path, 0755, "escaped"));
	pid = cw_spawn(ARGS(path), no_env, &err);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, err);
	EXPECT_TRUE(cw_killed(cw_wait(pid, CW_DEADLINE)));
	cw_reap(pid);
	snprintf(needle, sizeof(needle), "killed pid=%d ", pid);
	ASSERT_TRUE(cw_kmsg_wait(self->kmsg, 5, rec, sizeof(rec), needle, NULL));
	TH_LOG("%s", rec);
	EXPECT_NE(NULL, strstr(rec, comm));
	EXPECT_NE(NULL, strstr(rec, exe));
}

/* ---- A file system whose reads hang. ---- */

/*
 * Whether @pid, in execve, ended it within @seconds: it runs @comm, or
 * exited (left unreaped).
 */
static bool exec_returned(pid_t pid, const char *comm, int seconds)
{
	time_t end = time(NULL) + seconds;
	char path[64], now[32];
	siginfo_t info;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	while (time(NULL) <= end) {
		FILE *f = fopen(path, "r");
		bool ran = f && fgets(now, sizeof(now), f) &&
			   !strncmp(now, comm, strlen(comm));

		if (f)
			fclose(f);
		info.si_pid = 0;
		if (ran || (!waitid(P_PID, pid, &info,
				     WEXITED | WNOHANG | WNOWAIT) &&
			    info.si_pid == pid))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/*
 * Hashing never holds up a kill or the sampler (issue #12, item 4).  A
 * miner runs from a FUSE mount whose server stops answering reads past
 * the part the miner runs from; the module, loaded after it started,
 * never hashed it at exec.  It is killed all the same, while the thread
 * that hashes its content after the kill hangs on the dead part; so does
 * an exec of another file there, in the gate's hash: that stalls only the
 * exec that asked.  Meanwhile a miner in /tmp is still sampled and
 * killed, and rmmod fails at once rather than hang.  Once the server
 * dies, its reads end in errors, the exec returns, and rmmod succeeds.
 */
TEST_F_TIMEOUT(safety, hash_stall, 4 * CW_DEADLINE)
{
	pid_t *a = &self->kids[0], *x = &self->kids[1], *b = &self->kids[2];
	int err, status;

	if (access("/dev/fuse", F_OK))
		SKIP(return, "no /dev/fuse: this kernel has no FUSE");
	ASSERT_EQ(0, cw_unload(5));
	self->fuse = cw_fuse_start();
	ASSERT_NE(NULL, self->fuse) {
		TH_LOG("cannot serve " CW_FUSE_DIR ": %s", strerror(errno));
	}

	/*
	 * All of the miner in the page cache first: a page it faults in late
	 * must not queue behind burn2's reads, which will never be answered,
	 * and leave it asleep instead of burning.
	 */
	ASSERT_EQ(0, cw_sh("dd if=" CW_FUSE_DIR "/burn of=/dev/null bs=64k count=32 2>/dev/null"));
	*a = cw_spawn(ARGS("/bin/runas", "1000", "1000", CW_FUSE_DIR "/burn"),
		      no_env, &err);
	ASSERT_LT(0, *a);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, cw_sh("insmod $CW_MODULE mode=kill threshold=50 sustain=2 period_ms=200 probation=0"));

	/* Not cw_spawn(): it would wait for the exec to end. */
	*x = fork();
	ASSERT_LE(0, *x);
	if (!*x) {
		if (!setgid(1000) && !setuid(1000))
			execve(CW_FUSE_DIR "/burn2", ARGS("burn2"), no_env);
		_exit(errno);
	}
	EXPECT_TRUE(cw_fuse_stalls(self->fuse, CW_FUSE_BURN2, 1, CW_DEADLINE)) {
		TH_LOG("the exec of burn2 never read its file's end");
	}

	status = cw_wait(*a, CW_DEADLINE);
	if (status != -1)
		*a = 0;
	ASSERT_TRUE(cw_killed(status)) {
		TH_LOG("the miner on FUSE was not killed");
	}
	EXPECT_TRUE(cw_fuse_stalls(self->fuse, CW_FUSE_BURN, 1, CW_DEADLINE)) {
		TH_LOG("its content was never read after the kill");
	}

	ASSERT_EQ(0, chmod(WORK, 0777));
	ASSERT_EQ(0, cw_copy(CW_BURN_SRC, WORK "/cw-burn", 0755));
	*b = cw_spawn(ARGS("/bin/runas", "1000", "1000", WORK "/cw-burn"),
		      no_env, &err);
	ASSERT_LT(0, *b);
	ASSERT_EQ(0, err);
	status = cw_wait(*b, CW_DEADLINE);
	if (status != -1)
		*b = 0;
	EXPECT_TRUE(cw_killed(status)) {
		TH_LOG("a miner in /tmp ran on while a hash hung");
	}
	EXPECT_EQ(-1, syscall(SYS_delete_module, "cpuwarden", O_NONBLOCK));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, waitpid(*x, NULL, WNOHANG)) {
		TH_LOG("the exec of burn2 did not wait for its hash");
	}

	/*
	 * The server dies: what hung fails, and everything goes on.  The
	 * exec of burn2 returns, unhashed: it runs, or it failed.
	 */
	cw_fuse_end(self->fuse);
	EXPECT_TRUE(exec_returned(*x, "burn2", CW_DEADLINE)) {
		TH_LOG("the exec of burn2 still hangs after the abort");
	}
	err = cw_unload(10);
	EXPECT_EQ(0, err) {
		TH_LOG("rmmod still fails after the abort: %s", strerror(-err));
	}
	ASSERT_EQ(0, cw_sh("insmod $CW_MODULE"));
}

TEST_HARNESS_MAIN
