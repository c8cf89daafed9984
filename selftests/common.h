/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the cpuwarden selftests: module parameters, the
 * kernel log, the module's work runs, spawning and reaping programs.
 */
#ifndef _CW_SELFTEST_COMMON_H
#define _CW_SELFTEST_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CW_PARAMS "/sys/module/cpuwarden/parameters/"
#define CW_BURN_SRC "/selftests/cw-burn"
#define CW_OWNED_BURN "/usr/local/bin/cw-burn"

/*
 * How long to wait for something the module is expected to do.  These are
 * deadlines for liveness, not speed assertions: TCG guests are slow and
 * shared, so they are generous.
 */
#define CW_DEADLINE 40

/*
 * Write @val to the sysfs or tracefs file @path; 0 or the negative errno
 * of the write.  sysfs ignores a write of nothing, so "" is sent as a
 * lone newline, as echo does.  sysfs also cuts a write at a page: a short
 * write is -EMSGSIZE.  The file is truncated, which clears a trace.
 */
static inline int cw_write_file(const char *path, const char *val)
{
	size_t len;
	ssize_t n;
	int fd, ret = 0;

	if (!*val)
		val = "\n";
	len = strlen(val);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EMSGSIZE;
	close(fd);
	return ret;
}

/*
 * fork, run @setup(@arg) in the child if given, and execve @path with
 * @argv and @envp; *@err gets the errno of a failed execve, 0 if it
 * succeeded, or what @setup returned if not 0 (a negative code of the
 * caller's).  -1 if fork failed.
 */
static inline pid_t cw_spawn_setup(int (*setup)(void *arg), void *arg,
				   const char *path, char *const argv[],
				   char *const envp[], int *err)
{
	int pfd[2], e = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		close(pfd[0]);
		e = setup ? setup(arg) : 0;
		if (!e) {
			execve(path, argv, envp);
			e = errno;
		}
		if (write(pfd[1], &e, sizeof(e)) != sizeof(e))
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	/* Closed on exec: nothing to read then. */
	if (pid < 0 || read(pfd[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(pfd[0]);
	*err = e;
	return pid;
}

/* cw_spawn_setup() of argv[0], without a setup. */
static inline pid_t cw_spawn(char *const argv[], char *const envp[], int *err)
{
	return cw_spawn_setup(NULL, NULL, argv[0], argv, envp, err);
}

/* What cw_spawn_on_own_tmpfs() gives when the setup before the exec failed. */
#define CW_SETUP_FAILED (-1)
#define CW_NO_USERNS (-2)	/* uid 1000 may not create a user namespace */

static inline int cw_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static inline int cw_copy(const char *src, const char *dst, mode_t mode);

struct cw_own_tmpfs {
	const char *src;	/* copied to path */
	const char *path;	/* /tmp/argv[0] */
	bool userns;
};

/* In the child of cw_spawn_on_own_tmpfs(): everything up to the exec. */
static inline int cw_own_tmpfs_setup(void *arg)
{
	const struct cw_own_tmpfs *t = arg;

	if (t->userns && (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
			  setresuid(1000, 1000, 1000) ||
			  /* else /proc/self is root's: no uid_map */
			  prctl(PR_SET_DUMPABLE, 1)))
		return CW_SETUP_FAILED;
	if (unshare(t->userns ? CLONE_NEWUSER | CLONE_NEWNS : CLONE_NEWNS))
		return t->userns ? CW_NO_USERNS : CW_SETUP_FAILED;
	if (t->userns && (cw_write_str("/proc/self/setgroups", "deny") ||
			  cw_write_str("/proc/self/uid_map", "0 1000 1") ||
			  cw_write_str("/proc/self/gid_map", "0 1000 1")))
		return CW_SETUP_FAILED;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") ||
	    cw_copy(t->src, t->path, 0755))
		return CW_SETUP_FAILED;
	return 0;
}

/*
 * Like cw_spawn(), but @src runs as /tmp/argv[0] from a tmpfs mounted over
 * /tmp in a mount namespace of its own: as root (a container's /tmp), or
 * with @userns as uid 1000 that made itself root of a user namespace
 * (unshare -Urm).  *@err is also CW_SETUP_FAILED or CW_NO_USERNS.
 */
static inline pid_t cw_spawn_on_own_tmpfs(const char *src, bool userns,
					  char *const argv[], int *err)
{
	char path[256];
	struct cw_own_tmpfs t = { .src = src, .path = path, .userns = userns };

	snprintf(path, sizeof(path), "/tmp/%s", argv[0]);
	return cw_spawn_setup(cw_own_tmpfs_setup, &t, path, argv,
			      (char *[]){ NULL }, err);
}

/*
 * Read /proc/@pid/stat into @buf: on success @buf holds "PID (COMM", as
 * comm may hold spaces and parentheses and ends at the last ')', and the
 * fields after comm ("STATE PPID ...") are returned; NULL on failure.
 */
static inline char *cw_proc_stat(pid_t pid, char *buf, size_t len)
{
	char path[64], *rparen;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	rparen = strrchr(buf, ')');
	if (!rparen || !strchr(buf, '(') || rparen < strchr(buf, '(') ||
	    rparen[1] != ' ')
		return NULL;
	*rparen = '\0';
	return rparen + 2;
}

/* Write a module parameter, as cw_write_file(). */
static inline int cw_param_set(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), CW_PARAMS "%s", name);
	return cw_write_file(path, val);
}

static inline int cw_param_get(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CW_PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/*
 * The short-window policy most VM tests want: only the sustained detector
 * (@mode, @threshold, @sustain, sampled every 200 ms), programs told apart
 * by content, nothing allowed or quarantined, the default watch list.
 * 0, or the negative errno of the first write that failed.
 */
static inline int cw_short_policy(const char *mode, const char *threshold,
				  const char *sustain)
{
	static const char *const rest[][2] = {
		{ "period_ms", "200" }, { "budget", "0" }, { "uid_budget", "0" },
		{ "probation", "0" },
		{ "hash", "Y" },
		{ "kill_tree", "Y" }, { "writable", "Y" }, { "private", "Y" },
		{ "randomx", "Y" }, { "mapped", "Y" }, { "upper", "Y" },
		{ "allow", "" },
		{ "quarantine", "clear" },
		{ "watch", "/tmp,/var/tmp,/dev/shm" },
	};
	int ret = cw_param_set("mode", mode);
	size_t i;

	ret = ret ?: cw_param_set("threshold", threshold);
	ret = ret ?: cw_param_set("sustain", sustain);
	for (i = 0; i < sizeof(rest) / sizeof(rest[0]) && !ret; i++)
		ret = cw_param_set(rest[i][0], rest[i][1]);
	return ret;
}

/*
 * rmmod: an exec inside the module's binfmt gate holds a reference on it
 * for that instant, and an unload then fails with EAGAIN; try again, for
 * up to @seconds.  0, or the negative errno of the last try.
 */
static inline int cw_unload(int seconds)
{
	int i;

	for (i = 0; i < seconds * 200; i++) {
		if (!syscall(__NR_delete_module, "cpuwarden", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(5 * 1000);
	}
	return -ETIMEDOUT;
}

static inline bool cw_module_loaded(void)
{
	return access(CW_PARAMS "mode", F_OK) == 0;
}

/*
 * In a FIXTURE_SETUP: skip unless the module is loaded.  The 6.1 harness
 * runs the test even after its setup called SKIP(), so end the test child
 * the way the harness itself reports a skip.
 */
#define CW_REQUIRE_MODULE() do {					\
	if (!cw_module_loaded())					\
		SKIP(_exit(255), "cpuwarden is not loaded");		\
} while (0)

/* A reader of /dev/kmsg positioned after everything logged so far. */
static inline int cw_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Copy @src into @dst of @len bytes, cut if need be. */
static inline void cw_strscpy(char *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * The next kernel log record into @rec, waiting until time() passes @end;
 * false once it has.
 */
static inline bool cw_kmsg_next(int fd, time_t end, char *rec, size_t len)
{
	ssize_t n;

	for (;;) {
		n = read(fd, rec, len - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n < 0) {
			if (errno != EAGAIN || time(NULL) > end)
				return false;
			usleep(100 * 1000);
			continue;
		}
		rec[n] = '\0';
		return true;
	}
}

/*
 * Wait up to @seconds for a kernel log record containing every one of the
 * NULL-terminated needles; copy it to @out if given.
 */
static inline bool cw_kmsg_wait(int fd, int seconds, char *out, size_t outlen, ...)
{
	time_t end = time(NULL) + seconds;
	char rec[2048];
	const char *needle;
	va_list ap;
	bool all;

	while (cw_kmsg_next(fd, end, rec, sizeof(rec))) {
		all = true;
		va_start(ap, outlen);
		while ((needle = va_arg(ap, const char *)))
			all = all && strstr(rec, needle);
		va_end(ap);
		if (all) {
			if (out && outlen)
				cw_strscpy(out, rec, outlen);
			return true;
		}
	}
	return false;
}

#define CW_TRACEFS "/sys/kernel/tracing/"

/*
 * How many times the module's work items ran in the next @seconds, as
 * tracefs saw them; -1 without tracefs.  Not the randomx survey's, which
 * runs every 4 s whatever is tracked (module/fingerprint.c).
 */
static inline int cw_module_work_runs(int seconds)
{
	static const char *const enable =
		CW_TRACEFS "events/workqueue/workqueue_execute_start/enable";
	char line[512];
	int runs = 0;
	FILE *f;

	if (cw_write_file(CW_TRACEFS "tracing_on", "0") ||
	    cw_write_file(CW_TRACEFS "trace", "") || cw_write_file(enable, "1"))
		return -1;
	cw_write_file(CW_TRACEFS "tracing_on", "1");
	sleep(seconds);
	cw_write_file(CW_TRACEFS "tracing_on", "0");
	cw_write_file(enable, "0");
	f = fopen(CW_TRACEFS "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		runs += line[0] != '#' && strstr(line, "[cpuwarden]") &&
			!strstr(line, " survey_fn ");
	fclose(f);
	return runs;
}

/* When a record was logged, in microseconds since boot; 0 if unknown. */
static inline unsigned long long cw_kmsg_usec(const char *rec)
{
	unsigned long long usec;

	return sscanf(rec, "%*u,%*u,%llu", &usec) == 1 ? usec : 0;
}

static inline int cw_copy_fd(const char *src, int out)
{
	char buf[65536];
	ssize_t n;
	int in;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			break;
	close(in);
	return n ? -1 : 0;
}

/*
 * Copy @src to @dst and append @tag: bytes past the end of an ELF file
 * change nothing in how it runs, but make it another program as far as its
 * content (SHA-256) goes.
 */
static inline int cw_copy_tagged(const char *src, const char *dst, mode_t mode,
				 const char *tag)
{
	size_t len = strlen(tag);
	int out, ret;

	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0)
		return -1;
	ret = cw_copy_fd(src, out);
	if (!ret && len && write(out, tag, len) != (ssize_t)len)
		ret = -1;
	/* open() applied the umask. */
	if (!ret && fchmod(out, mode))
		ret = -1;
	close(out);
	return ret;
}

static inline int cw_copy(const char *src, const char *dst, mode_t mode)
{
	return cw_copy_tagged(src, dst, mode, "");
}

/* Wait up to @seconds for @pid to end; its wait status, or -1 if it runs on. */
static inline int cw_wait(pid_t pid, int seconds)
{
	time_t end = time(NULL) + seconds;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 || time(NULL) > end)
			return -1;
		usleep(100 * 1000);
	}
}

static inline bool cw_killed(int status)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static inline void cw_reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * Whether this lane measures timing.  CW_TIMING=0 (selftests/check, on
 * the debug and PREEMPT_RT kernels) leaves out what only measures how
 * closely a cap, a share or a budget holds: the generic lane measures
 * it, and the debug kernel's figures would be those of KASAN and lockdep.
 */
static inline bool cw_timing_lane(void)
{
	const char *s = getenv("CW_TIMING");

	return !s || strcmp(s, "0");
}

#define CW_TIMING_ONLY "measures timing alone, not with CW_TIMING=0"

/* Seconds on the monotonic clock. */
static inline double cw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void cw_sleep_until(double when)
{
	struct timespec ts = {
		.tv_sec = (time_t)when,
		.tv_nsec = (long)((when - (time_t)when) * 1e9),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

/* The value of @series ("name{labels}") in Prometheus text @text; -1 if none. */
static inline long long cw_metric_in(const char *text, const char *series)
{
	char needle[256];
	const char *s;

	snprintf(needle, sizeof(needle), "\n%s ", series);
	s = strstr(text, needle);
	return s ? strtoll(s + strlen(needle), NULL, 10) : -1;
}

/* The value of @series in what `cpuwarden metrics` prints now; -1 if none. */
static inline long long cw_metric(const char *series)
{
	static char text[65536];
	size_t n = 0, got;
	FILE *p = popen("/usr/sbin/cpuwarden metrics", "r");

	if (!p)
		return -1;
	text[n++] = '\n';
	while (n < sizeof(text) - 1 && (got = fread(text + n, 1, sizeof(text) - 1 - n, p)))
		n += got;
	text[n] = '\0';
	pclose(p);
	return cw_metric_in(text, series);
}

/* The SHA-256 of @path in lowercase hex, by busybox sha256sum: 0 or -1. */
static inline int cw_sha256_hex(const char *path, char hex[65])
{
	char cmd[256];
	FILE *f;
	int got;

	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	got = fscanf(f, "%64s", hex);
	pclose(f);
	return got == 1 && strlen(hex) == 64 ? 0 : -1;
}

static inline int cw_sh(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Load every file now on the guest's root file system as packaged, for
 * policy "unpackaged": a dpkg database made in CW_DPKG with find, synced
 * with the tool.  0, or the shell's exit status.
 */
#define CW_DPKG "/tmp/cw-dpkg"

static inline int cw_sync_root_packaged(void)
{
	return cw_sh("rm -rf " CW_DPKG " && mkdir -p " CW_DPKG "/info && "
		     "find / -xdev -type f >" CW_DPKG "/info/guest.list && "
		     "/usr/sbin/cpuwarden trust sync --admindir " CW_DPKG " >/dev/null");
}

#endif /* _CW_SELFTEST_COMMON_H */
