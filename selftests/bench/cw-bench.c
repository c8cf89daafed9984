// SPDX-License-Identifier: GPL-2.0
/*
 * cw-bench: the guest side of "make bench".  It measures and prints; it
 * asserts nothing about time.
 *
 *   cw-bench [-M MODULE] [-e EXECS] [-r ROUNDS] [-i N,...] [-u N] [-T SECONDS]
 *            [-s SUSTAIN,...] [-n RUNS] [-w SECONDS] [-W SECONDS] [-c CAP]
 *            [-l CPULIMIT]
 *
 *   -M P   the module, to unload and load for the exec storm (default
 *          $CW_MODULE); it may be loaded or not at the start
 *   -e N   execs per configuration and round of the exec storm (default 2000)
 *   -r N   rounds of the exec storm (default 10)
 *   -i N,. tracked idle programs to measure the sampler and memory with,
 *          ascending (default 0,100,1000,10000)
 *   -u N   untracked idle processes to show the module's memory with (1000)
 *   -T S   seconds of tracing per count of idle programs (default 60)
 *   -s L   sustain values to measure detection latency at (default 3,6)
 *   -n N   detection runs per sustain value (default 5)
 *   -w S   seconds of CPU samples per throttle row (default 60)
 *   -W S   the sliding window the worst case is taken over (default 10)
 *   -c P   the cap, in percent of one CPU (default 10)
 *   -l P   Debian's cpulimit, to compare the throttle with; without it the
 *          cpulimit rows say "not installed"
 *
 * It needs cw-true and cw-idle in /add (selftests/bench/run ships them).
 * Progress goes to stdout as "bench: " lines while it runs; at the end the
 * table and the same figures as JSON, each between marker lines, for
 * selftests/bench/run to pick out of the console.  No JSON line starts
 * with '[', so kernel lines ("[ 12.3] ...") can be told apart.
 */
#include "common.h"

#include <cpuid.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SUSTAINS 8
#define MAX_RUNS 50
#define MAX_SECONDS 600
#define PERIOD_MS 1000
#define THRESHOLD 50
#define CAP_SUSTAIN 2
/* cpulimit needs no detection: give it as long to settle. */
#define CPULIMIT_WARMUP 2
/* Cap error target, in points. */
#define CAP_TOLERANCE 2.0

struct detection {
	unsigned int sustain;
	bool running;			/* the sampler was running already */
	unsigned int runs;
	unsigned int killed;
	double latency[MAX_RUNS];	/* seconds; < 0 when not killed */
	double logged[MAX_RUNS];	/* exec to kill by the kernel log; < 0: unknown */
	char error[160];
};

struct cap_row {
	const char *limiter;		/* "cpuwarden" or "cpulimit" */
	unsigned int threads;
	bool skipped;			/* cpulimit not installed */
	char error[160];
	double engaged;			/* start to the throttled line, s */
	unsigned int seconds;
	double pct[MAX_SECONDS];	/* each second, % of one CPU */
	double mean;
	double worst;			/* the window farthest from the cap */
	unsigned int worst_at;		/* its first second */
};

static struct {
	char accel[32];
	long vcpus;
	unsigned long mem_mib;
	char release[65];
	long pid_max;
} vm;

/* Each sustain value twice: sampler started by the burner, and running. */
static struct detection detections[2 * MAX_SUSTAINS];
static unsigned int ndetections;
static struct cap_row rows[4];
static unsigned int runs = 5, seconds = 60, window = 10, cap = 10;
static const char *cpulimit;

/* The exec storm: fork+exec+wait of an owned program, in rounds. */
#define MAX_ROUNDS 20
#define MAX_EXECS 1000000
#define STORM_WARMUP 500
#define STORM_IDLE 1000
#define TRUE_SRC "/add/cw-true"
#define TRUE_OWNED "/usr/local/bin/cw-true"
#define IDLE_SRC "/add/cw-idle"
#define IDLE_OWNED "/usr/local/bin/cw-idle"
#define IDLE_UNOWNED "/tmp/cwb-idle-prog"

/*
 * The 1,000 idle programs cost something of their own, module or not:
 * the tracked configuration is judged against the same processes without
 * the module, and every ratio is also given against no module at all.
 */
enum {
	STORM_NONE, STORM_LOADED, STORM_TRACKED, STORM_IDLE_ONLY, STORM_UNPACKAGED,
	NR_STORM
};

static const char *const storm_name[NR_STORM] = {
	"module not loaded", "module loaded, default policy",
	"loaded, 1000 tracked idle", "not loaded, the same 1000 idle",
	"loaded, unpackaged on",
};

static const char *const storm_key[NR_STORM] = {
	"no_module", "module_default", "module_tracked_idle", "no_module_idle",
	"module_unpackaged",
};

/*
 * Policy unpackaged costs each exec of a root-owned file a binary search
 * of the packaged files: against the module's default policy.
 */
static const unsigned int storm_base[NR_STORM] = {
	STORM_NONE, STORM_NONE, STORM_IDLE_ONLY, STORM_NONE, STORM_LOADED,
};

static struct {
	unsigned int rounds;		/* complete rounds */
	double us[NR_STORM][MAX_ROUNDS];	/* per exec */
	char error[160];
} storm;

/* Exec of a big program, tracked and not. */
#define BIG_MIB 10
#define BIG_TRIALS 5
#define BIG_OWNED "/usr/local/bin/cwb-big"
#define BIG_UNOWNED "/tmp/cwb-big"
#define BIG_NOHASH "/tmp/cwb-big-nohash"

enum { BIG_OWN, BIG_FIRST, BIG_SECOND, BIG_HASH_OFF, NR_BIG };

static const char *const big_name[NR_BIG] = {
	"owned (/usr/local/bin)", "/tmp, first exec (hash)",
	"/tmp, second exec (cached)", "/tmp, first exec, hash=N",
};

static const char *const big_key[NR_BIG] = {
	"owned", "tmp_first", "tmp_second", "tmp_first_hash_off",
};

static struct {
	unsigned int trials;
	double ms[NR_BIG][BIG_TRIALS];
	char error[160];
} big;

/* Sampler cost and memory against the number of tracked programs. */
#define MAX_STEPS 8
#define MAX_IDLE 30000
#define TRACEFS "/sys/kernel/tracing/"
/* At most this share of one CPU per 1,000 tracked programs, in percent. */
#define SAMPLER_TARGET 0.05
/*
 * The module reads groups under 1% for 4 samples in a row together, only
 * every sustain/4 periods (15 with the default policy), and dozes between
 * those reads while all are idle: what it costs once the idle programs
 * have settled, 4 + 15 samples after they started.  The default trace
 * spans 4 such reads.
 */
#define IDLE_SETTLE_S 20
#define MEM_TARGET 256
/*
 * Fewer tracked programs than this fit in the free slots of slabs the
 * caches hold already: their figure says little.
 */

struct work_use {
	double window;			/* s */
	double busy;			/* s, in the module's work functions */
	unsigned int runs;
	char funcs[48];			/* the first one seen */
};

struct slab {
	unsigned long active, objs, size, per_slab, pages, slabs;
};

struct mem {
	struct slab track, prog;
};

struct idle_step {
	unsigned int tracked;
	bool done;
	struct work_use use;
	struct mem mem;
	char error[160];
};

static struct idle_step steps[MAX_STEPS];
static unsigned int nsteps;
static char sampler_error[160];

static struct {
	long object_size, slab_size, prog_object_size;
	struct mem base;
	unsigned int untracked;
	bool untracked_done;
	struct mem untracked_base, untracked_mem;
} mem;

/* The randomx survey, over the guest's own processes and with more idle. */
static struct {
	unsigned int procs[2];
	struct work_use use[2];
	bool done[2];
	char error[160];
} survey;

/*
 * The strays look (module/track.c), over the guest's own processes and
 * with more idle ones: every 2 s while a tracked program's children are
 * kept as strays.  The worst case per process: the idle processes are
 * the forker's user's and started after its first stray, so the look
 * reads the image of each.
 */
#define STRAYS_FN "strays_look"
#define STRAYS_TRACE_S 20
#define STRAYS_EVERY_S 2		/* CW_STRAYS_EVERY */
#define FORKER "/tmp/cwb-forker"
#define FORKER_ARG "--strays-forker"
#define FORKER_EVERY_US 500000

static struct {
	unsigned int procs[2];
	struct work_use use[2];		/* runs: the looks */
	double worst[2];		/* s, the longest look */
	bool done[2];
	char error[160];
} strays;

static const char *module_path;
static unsigned int execs = 2000, rounds = 10, trace_seconds = 60, untracked = 1000;
static long page_size = 4096;

static double t_start;

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("bench: +%.0fs ", cw_now() - t_start);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * KVM says so in its CPUID leaf; QEMU's TCG names its CPU models "QEMU
 * TCG CPU" and, in newer versions, signs the leaf too.
 */
static void vm_accel(char *buf, size_t len)
{
	unsigned int a, b, c, d, sig[3];
	char line[256], name[13];
	bool tcg = false;
	FILE *f;

	__cpuid(1, a, b, c, d);
	if (c & (1U << 31)) {
		__cpuid(0x40000000, a, sig[0], sig[1], sig[2]);
		memcpy(name, sig, 12);
		name[12] = '\0';
		if (!strcmp(name, "KVMKVMKVM")) {
			snprintf(buf, len, "KVM");
			return;
		}
		tcg = !strcmp(name, "TCGTCGTCGTCG");
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f && !tcg && fgets(line, sizeof(line), f))
		tcg = !strncmp(line, "model name", 10) && strstr(line, "TCG");
	if (f)
		fclose(f);
	snprintf(buf, len, tcg ? "TCG" : "unknown");
}

static void vm_info(void)
{
	struct utsname u;
	struct sysinfo si;

	vm_accel(vm.accel, sizeof(vm.accel));
	vm.vcpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!sysinfo(&si))
		vm.mem_mib = (unsigned long)((unsigned long long)si.totalram *
					     si.mem_unit >> 20);
	if (!uname(&u))
		cw_strscpy(vm.release, u.release, sizeof(vm.release));
	vm.pid_max = read_long("/proc/sys/kernel/pid_max");
	page_size = sysconf(_SC_PAGESIZE);
}

/* Set a parameter or say which one failed, in @err. */
static bool param(const char *name, const char *val, char *err, size_t len)
{
	int ret = cw_param_set(name, val);

	if (ret)
		snprintf(err, len, "setting %s=%s: %s", name, val, strerror(-ret));
	return !ret;
}

static bool paramu(const char *name, unsigned int val, char *err, size_t len)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", val);
	return param(name, buf, err, len);
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (!pid) {
		execv(argv[0], argv);
		fprintf(stderr, "cw-bench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(126);
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* waitpid(), given up after @timeout seconds: 0 then. */
static pid_t wait_for(pid_t pid, int *status, unsigned int timeout)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* A pidfd turns readable when the process ends. */
	if (fd < 0 || poll(&p, 1, timeout * 1000) != 1) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	return waitpid(pid, status, 0) == pid ? pid : 0;
}

/* A burner of content of its own: no program history, no quarantine. */
static int put_burner(const char *path, const char *tag)
{
	char t[128];

	snprintf(t, sizeof(t), "cw-bench %s %.6f", tag, cw_now());
	return cw_copy_tagged(CW_BURN_SRC, path, 0755, t);
}

/* @path with @threads burning threads; its PID, or -1 with @err set. */
static pid_t start_burner(char *path, unsigned int threads, char *err, size_t len)
{
	char n[16], *argv[] = { path, "-t", n, NULL };
	pid_t pid;

	snprintf(n, sizeof(n), "%u", threads);
	pid = spawn(argv);
	if (pid < 0)
		snprintf(err, len, "fork: %s", strerror(errno));
	return pid;
}

/*
 * The module's own exec-to-kill time of @pid: from its tracking line to
 * its killed line, both stamped by the kernel.  -1 if either is missing
 * (rate-limited, say).
 */
static double logged_span(int kmsg, pid_t pid)
{
	unsigned long long tracked = 0, killed = 0;
	char track[64], kill[64], rec[2048];
	ssize_t n;

	snprintf(track, sizeof(track), "cpuwarden: tracking pid=%d ", pid);
	snprintf(kill, sizeof(kill), "cpuwarden: killed pid=%d ", pid);
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n < 0)
			break;		/* EAGAIN: all read */
		rec[n] = '\0';
		if (strstr(rec, track))
			tracked = cw_kmsg_usec(rec);
		else if (strstr(rec, kill))
			killed = cw_kmsg_usec(rec);
	}
	return tracked && killed > tracked ? (killed - tracked) / 1e6 : -1;
}

static const char *sampler(const struct detection *d)
{
	return d->running ? "running" : "starts";
}

/*
 * A tracked program that uses no CPU, busybox's sleep from /tmp: while it
 * lives, the module's sampler runs, so a burner starts at any phase of
 * the period, not at its start.
 */
static pid_t start_idler(char *err, size_t len)
{
	char *argv[] = { "/tmp/cwb-idle", NULL }, *idle[] = { "sleep", "100000", NULL };
	pid_t pid;

	if (cw_copy("/bin/busybox", argv[0], 0755)) {
		snprintf(err, len, "copy busybox to %s: %s", argv[0], strerror(errno));
		return -1;
	}
	pid = fork();
	if (!pid) {
		execv(argv[0], idle);
		_exit(126);
	}
	return pid;
}

static void measure_detection(struct detection *d)
{
	char path[64], tag[48];
	pid_t pid, idler = 0;
	unsigned int i;
	double t0, t1;
	int status, kmsg;

	d->runs = runs;
	if (!param("mode", "monitor", d->error, sizeof(d->error)) ||
	    !paramu("sustain", d->sustain, d->error, sizeof(d->error)))
		return;
	if (d->running) {
		idler = start_idler(d->error, sizeof(d->error));
		if (idler < 0)
			return;
	}
	for (i = 0; i < runs; i++) {
		d->latency[i] = -1;
		d->logged[i] = -1;
		/*
		 * Past the sampler's stop after the last run (nothing is
		 * tracked then), at a random phase of the period.
		 */
		usleep((PERIOD_MS + random() % PERIOD_MS) * 1000);
		snprintf(path, sizeof(path), "/tmp/cwb-kill-%u-%u", d->sustain, i);
		snprintf(tag, sizeof(tag), "kill %u %s %u", d->sustain, sampler(d), i);
		/* A kill quarantines the content. */
		if (!param("quarantine", "clear", d->error, sizeof(d->error)) ||
		    !param("mode", "kill", d->error, sizeof(d->error)))
			break;
		if (put_burner(path, tag)) {
			snprintf(d->error, sizeof(d->error), "copy to %s: %s",
				 path, strerror(errno));
			break;
		}
		kmsg = cw_kmsg_open();
		t0 = cw_now();
		pid = start_burner(path, 1, d->error, sizeof(d->error));
		if (pid < 0) {
			close(kmsg);
			break;
		}
		if (!wait_for(pid, &status, d->sustain + 30)) {
			reap(pid);
			snprintf(d->error, sizeof(d->error),
				 "run %u: not killed within %u s", i + 1, d->sustain + 30);
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			t1 = cw_now();
			d->latency[i] = t1 - t0;
			d->killed++;
			if (kmsg >= 0)
				d->logged[i] = logged_span(kmsg, pid);
		} else {
			snprintf(d->error, sizeof(d->error),
				 "run %u: burner ended without SIGKILL (status 0x%x)",
				 i + 1, status);
		}
		if (kmsg >= 0)
			close(kmsg);
		unlink(path);
		if (d->latency[i] >= 0)
			progress("detection sustain=%u, sampler %s, run %u/%u: killed after %.3f s (%.3f s from exec by the kernel log)",
				 d->sustain, sampler(d), i + 1, runs, d->latency[i],
				 d->logged[i]);
		else
			progress("detection sustain=%u, sampler %s, run %u/%u: %s",
				 d->sustain, sampler(d), i + 1, runs, d->error);
	}
	reap(idler);
	unlink("/tmp/cwb-idle");
	param("mode", "monitor", d->error, sizeof(d->error));
	param("quarantine", "clear", d->error, sizeof(d->error));
}

/*
 * CPU time of every live thread of @pid, in ns, from schedstat (exact);
 * utime + stime (in ticks) when there is no schedstat.  -1 once it is gone.
 */
static long long cpu_ns(pid_t pid)
{
	unsigned long long ns, sum = 0, ut, st;
	char path[320], buf[512];
	struct dirent *e;
	bool any = false;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* the thread just exited */
		if (fscanf(f, "%llu", &ns) == 1) {
			sum += ns;
			any = true;
		}
		fclose(f);
	}
	closedir(dir);
	if (any)
		return sum;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || !strrchr(buf, ')') ||
	    sscanf(strrchr(buf, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return (ut + st) * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

/* One sample: CPU time and the moment it was read, the midpoint. */
static bool sample_cpu(pid_t pid, double *t, long long *ns)
{
	double before = cw_now();

	*ns = cpu_ns(pid);
	*t = (before + cw_now()) / 2;
	return *ns >= 0;
}

static double pct(long long ns0, long long ns1, double t0, double t1)
{
	return (ns1 - ns0) / 1e9 / (t1 - t0) * 100;
}

/* @seconds of once-a-second samples of @pid's CPU use into @row. */
static void measure_cap(struct cap_row *row, pid_t pid)
{
	static long long ns[MAX_SECONDS + 1];
	static double t[MAX_SECONDS + 1];
	unsigned int i, w = window < seconds ? window : seconds;
	double start, v;

	start = cw_now();
	for (i = 0; i <= seconds; i++) {
		cw_sleep_until(start + i);
		if (!sample_cpu(pid, &t[i], &ns[i])) {
			snprintf(row->error, sizeof(row->error),
				 "the burner ended after %u s of samples", i);
			return;
		}
		if (i)
			row->pct[i - 1] = pct(ns[i - 1], ns[i], t[i - 1], t[i]);
		if (i && i % 10 == 0)
			progress("%s %u thread%s: %u/%u s, %.2f%% so far",
				 row->limiter, row->threads, row->threads > 1 ? "s" : "",
				 i, seconds, pct(ns[0], ns[i], t[0], t[i]));
	}
	row->seconds = seconds;
	row->mean = pct(ns[0], ns[seconds], t[0], t[seconds]);
	row->worst = -1;
	for (i = 0; i + w <= seconds; i++) {
		v = pct(ns[i], ns[i + w], t[i], t[i + w]);
		if (row->worst < 0 || fabs(v - cap) > fabs(row->worst - cap)) {
			row->worst = v;
			row->worst_at = i;
		}
	}
}

/* Wait for the throttled line of @pid; its moment, or -1. */
static double wait_throttled(int kmsg, pid_t pid, double deadline)
{
	char needle[64], rec[2048];
	ssize_t n;

	snprintf(needle, sizeof(needle), "cpuwarden: throttled pid=%d ", pid);
	while (cw_now() < deadline) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EAGAIN) {
			usleep(10 * 1000);
			continue;
		}
		if (n < 0)
			continue;	/* EPIPE: overwritten records */
		rec[n] = '\0';
		if (strstr(rec, needle))
			return cw_now();
	}
	return -1;
}

static void cap_cpuwarden(struct cap_row *row)
{
	char path[64], tag[32], *err = row->error;
	size_t elen = sizeof(row->error);
	double t0, t1;
	int kmsg;
	pid_t pid;

	snprintf(path, sizeof(path), "/tmp/cwb-cap-%u", row->threads);
	snprintf(tag, sizeof(tag), "cap %u", row->threads);
	if (!param("mode", "monitor", err, elen) ||
	    !paramu("threshold", THRESHOLD, err, elen) ||
	    !paramu("sustain", CAP_SUSTAIN, err, elen) ||
	    !paramu("cap", cap, err, elen) ||
	    !param("quiet", "0", err, elen) ||
	    !param("escalate", "0", err, elen) ||
	    !param("mode", "throttle", err, elen))
		return;
	if (put_burner(path, tag)) {
		snprintf(err, elen, "copy to %s: %s", path, strerror(errno));
		return;
	}
	kmsg = cw_kmsg_open();
	if (kmsg < 0) {
		snprintf(err, elen, "/dev/kmsg: %s", strerror(errno));
		return;
	}
	t0 = cw_now();
	pid = start_burner(path, row->threads, err, elen);
	if (pid > 0) {
		t1 = wait_throttled(kmsg, pid, t0 + CAP_SUSTAIN + 30);
		if (t1 < 0) {
			snprintf(err, elen, "no \"throttled pid=%d\" line within %d s",
				 pid, CAP_SUSTAIN + 30);
		} else {
			row->engaged = t1 - t0;
			progress("cpuwarden %u thread%s: throttled after %.3f s",
				 row->threads, row->threads > 1 ? "s" : "", row->engaged);
			measure_cap(row, pid);
		}
	}
	close(kmsg);
	reap(pid);
	unlink(path);
	param("mode", "monitor", err, elen);
}

static void cap_cpulimit(struct cap_row *row)
{
	char path[64], tag[32], lim[8], pidstr[16], *err = row->error;
	char *argv[] = { (char *)cpulimit, "-q", "-z", "-l", lim, "-p", pidstr, NULL };
	size_t elen = sizeof(row->error);
	pid_t pid, limiter;
	int status;

	if (!cpulimit) {
		row->skipped = true;
		return;
	}
	/* Owned and in monitor mode: cpuwarden leaves it alone. */
	mkdir("/usr/local", 0755);
	mkdir("/usr/local/bin", 0755);
	snprintf(path, sizeof(path), "/usr/local/bin/cwb-cpulimit-%u", row->threads);
	snprintf(tag, sizeof(tag), "cpulimit %u", row->threads);
	snprintf(lim, sizeof(lim), "%u", cap);
	if (!param("mode", "monitor", err, elen))
		return;
	if (put_burner(path, tag)) {
		snprintf(err, elen, "copy to %s: %s", path, strerror(errno));
		return;
	}
	pid = start_burner(path, row->threads, err, elen);
	if (pid < 0)
		return;
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	limiter = spawn(argv);
	sleep(CPULIMIT_WARMUP);
	if (limiter < 0) {
		snprintf(err, elen, "fork: %s", strerror(errno));
	} else if (waitpid(limiter, &status, WNOHANG) == limiter) {
		snprintf(err, elen, "cpulimit exited (status 0x%x)", status);
		limiter = 0;
	} else {
		progress("cpulimit %u thread%s: started", row->threads,
			 row->threads > 1 ? "s" : "");
		measure_cap(row, pid);
		if (waitpid(limiter, &status, WNOHANG) == limiter) {
			snprintf(err, elen, "cpulimit exited during the samples (status 0x%x)",
				 status);
			limiter = 0;
		}
	}
	reap(limiter);
	reap(pid);
	unlink(path);
}

/*
 * Module load and unload, for the exec storm's run without the module.
 * An exec that is still leaving the gate holds the module for a moment.
 */
static int module_load(char *err, size_t len)
{
	int fd, ret;

	if (!module_path) {
		snprintf(err, len, "no module to load (-M, or CW_MODULE)");
		return -1;
	}
	fd = open(module_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, len, "open %s: %s", module_path, strerror(errno));
		return -1;
	}
	ret = syscall(SYS_finit_module, fd, "", 0);
	if (ret)
		snprintf(err, len, "insmod %s: %s", module_path, strerror(errno));
	close(fd);
	return ret ? -1 : 0;
}

static int module_unload(char *err, size_t len)
{
	unsigned int i;

	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "cpuwarden", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(100 * 1000);
	}
	snprintf(err, len, "rmmod cpuwarden: %s", strerror(errno));
	return -1;
}

/* @n fork+exec+wait of @path: microseconds per exec, or -1 with @err set. */
static double storm_run(const char *path, unsigned int n, char *err, size_t len)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	double t0 = cw_now();
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (!pid) {
			execve(path, argv, envp);
			_exit(127);
		}
		if (pid < 0) {
			snprintf(err, len, "fork: %s", strerror(errno));
			return -1;
		}
		if (waitpid(pid, &status, 0) != pid || status) {
			snprintf(err, len, "exec %u of %s: status 0x%x", i + 1, path, status);
			return -1;
		}
	}
	return (cw_now() - t0) * 1e6 / n;
}

/* Idle processes of one program, started with vfork semantics. */
struct idlers {
	pid_t *pid;
	unsigned int n;
};

static int idlers_start(struct idlers *s, const char *path, unsigned int n,
			char *err, size_t len)
{
	char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
	unsigned int i;
	pid_t *p;
	int ret;

	if (!n)
		return 0;
	p = realloc(s->pid, (s->n + n) * sizeof(*p));
	if (!p) {
		snprintf(err, len, "%u idle processes: out of memory", s->n + n);
		return -1;
	}
	s->pid = p;
	for (i = 0; i < n; i++) {
		ret = posix_spawn(&s->pid[s->n], path, NULL, NULL, argv, envp);
		if (ret) {
			snprintf(err, len, "idle process %u from %s: %s", s->n + 1,
				 path, strerror(ret));
			return -1;
		}
		s->n++;
		if (n >= 5000 && (i + 1) % 2500 == 0)
			progress("%u/%u idle processes of %s started", i + 1, n, path);
	}
	/* posix_spawn() returns at the exec's point of no return. */
	sleep(1);
	return 0;
}

static void idlers_stop(struct idlers *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		kill(s->pid[i], SIGKILL);
	for (i = 0; i < s->n; i++)
		waitpid(s->pid[i], NULL, 0);
	s->n = 0;
}

static double median_of(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS > BIG_TRIALS ? MAX_ROUNDS : BIG_TRIALS], t;
	unsigned int i, j;

	if (!n)
		return -1;
	memcpy(s, v, n * sizeof(*v));
	for (i = 1; i < n; i++)
		for (j = i; j && s[j - 1] > s[j]; j--) {
			t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double min_of(const double *v, unsigned int n)
{
	double min = -1;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (min < 0 || v[i] < min)
			min = v[i];
	return min;
}

/*
 * Into configuration @c: the module loaded or not, idle programs or not.
 * Idle programs started without the module are not tracked when it
 * loads: they are started again.
 */
static int storm_setup(unsigned int c, struct idlers *idle, char *err, size_t len)
{
	bool want_idle = c == STORM_TRACKED || c == STORM_IDLE_ONLY;
	bool want_module = c == STORM_LOADED || c == STORM_TRACKED || c == STORM_UNPACKAGED;
	static bool idle_tracked;

	if (!want_idle || (want_module && !idle_tracked))
		idlers_stop(idle);
	if (want_module && !cw_module_loaded() && module_load(err, len))
		return -1;
	if (!want_module && cw_module_loaded() && module_unload(err, len))
		return -1;
	if (want_module && cw_param_set("unpackaged", c == STORM_UNPACKAGED ? "Y" : "N")) {
		snprintf(err, len, "cannot set unpackaged");
		return -1;
	}
	if (c == STORM_UNPACKAGED && cw_sync_root_packaged()) {
		snprintf(err, len, "cpuwarden trust sync failed");
		return -1;
	}
	if (want_idle && !idle->n) {
		idle_tracked = want_module;
		return idlers_start(idle, IDLE_UNOWNED, STORM_IDLE, err, len);
	}
	return 0;
}

/*
 * Configurations side by side: each round runs the storm without the
 * module, with it, and with it and idle tracked programs, every other
 * round in the reverse order, so that drift of the host's speed weighs
 * on all three alike.
 */
static void measure_exec_overhead(void)
{
	char *err = storm.error;
	size_t elen = sizeof(storm.error);
	struct idlers idle = {};
	unsigned int r, i, c;
	double us;

	if (storm_setup(STORM_NONE, &idle, err, elen) ||
	    storm_run(TRUE_OWNED, STORM_WARMUP, err, elen) < 0)
		goto out;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NR_STORM; i++) {
			c = r % 2 ? NR_STORM - 1 - i : i;
			if (storm_setup(c, &idle, err, elen))
				goto out;
			us = storm_run(TRUE_OWNED, execs, err, elen);
			if (us < 0)
				goto out;
			storm.us[c][r] = us;
			progress("exec storm round %u/%u, %s: %.1f us per exec",
				 r + 1, rounds, storm_name[c], us);
		}
		storm.rounds++;
	}
out:
	if (err[0])
		progress("exec storm: %s", err);
	idlers_stop(&idle);
	free(idle.pid);
}

/*
 * cw-true padded to BIG_MIB MiB and more with bytes of its own, from
 * @seed: content the module has not seen, an ELF file that runs as
 * cw-true does.
 */
static int put_big(const char *path, unsigned int seed)
{
	static unsigned int buf[16384];
	unsigned int x = seed * 2654435761U | 1, i;
	long done;
	int out, ret;

	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return -1;
	ret = cw_copy_fd(TRUE_SRC, out);
	for (done = 0; !ret && done < BIG_MIB << 20; done += sizeof(buf)) {
		for (i = 0; i < ARRAY_SIZE(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x;
		}
		if (write(out, buf, sizeof(buf)) != sizeof(buf))
			ret = -1;
	}
	if (!ret && fchmod(out, 0755))
		ret = -1;
	close(out);
	return ret;
}

static bool big_exec(unsigned int kind, unsigned int trial, const char *path)
{
	double us = storm_run(path, 1, big.error, sizeof(big.error));

	big.ms[kind][trial] = us / 1000;
	return us >= 0;
}

/*
 * Each trial: the same new content from an owned place and from /tmp
 * (first exec: hashed; second: the hash cache), and other new content
 * from /tmp with hashing off.
 */
static void measure_big_exec(void)
{
	char *err = big.error;
	size_t elen = sizeof(big.error);
	unsigned int i, seed;

	for (i = 0; i < BIG_TRIALS; i++) {
		seed = random();
		if (put_big(BIG_OWNED, seed) || put_big(BIG_UNOWNED, seed) ||
		    put_big(BIG_NOHASH, seed + 1)) {
			snprintf(err, elen, "writing the %u MiB binaries: %s", BIG_MIB,
				 strerror(errno));
			break;
		}
		if (!big_exec(BIG_OWN, i, BIG_OWNED) ||
		    !big_exec(BIG_FIRST, i, BIG_UNOWNED) ||
		    !big_exec(BIG_SECOND, i, BIG_UNOWNED) ||
		    !param("hash", "0", err, elen))
			break;
		if (!big_exec(BIG_HASH_OFF, i, BIG_NOHASH) ||
		    !param("hash", "1", err, elen))
			break;
		big.trials++;
		progress("%u MiB exec trial %u/%u: owned %.2f ms, /tmp first %.2f ms, second %.2f ms, first with hash=N %.2f ms",
			 BIG_MIB, i + 1, BIG_TRIALS, big.ms[BIG_OWN][i], big.ms[BIG_FIRST][i],
			 big.ms[BIG_SECOND][i], big.ms[BIG_HASH_OFF][i]);
	}
	if (err[0])
		progress("%u MiB exec: %s", BIG_MIB, err);
	if (err[0]) {
		char ignored[160];

		param("hash", "1", ignored, sizeof(ignored));
	}
	unlink(BIG_OWNED);
	unlink(BIG_UNOWNED);
	unlink(BIG_NOHASH);
}

/* The trace time stamp of the event that starts at @ev in @line. */
static double trace_stamp(const char *line, const char *ev)
{
	const char *p = ev;

	/* "... [001] ..... 123.456789: workqueue_..." */
	while (p > line && p[-1] != ' ')
		p--;
	return strtod(p, NULL);
}

/* The randomx survey's work function, which runs whatever is tracked. */
#define SURVEY_FN "survey_fn"
/* Seconds to trace it for: its period is 4 s. */
#define SURVEY_TRACE_S 20

/*
 * Over @secs seconds, every work item of the module that the kernel's
 * workqueues ran (tracefs workqueue_execute_start/_end; its work
 * functions print as "NAME [cpuwarden]"): how many, how long in all.
 * Only @func's when @only, else all but @func's.
 */
static int trace_module_work(unsigned int secs, struct work_use *u,
			     const char *func, bool only, char *err, size_t len)
{
	static const char *const events[] = {
		TRACEFS "events/workqueue/workqueue_execute_start/enable",
		TRACEFS "events/workqueue/workqueue_execute_end/enable",
	};
	unsigned long in_buf = 0, written = 0;
	double t0, start = -1;
	char line[512], *p, *q;
	unsigned int i;
	FILE *f;

	memset(u, 0, sizeof(*u));
	if (cw_write_file(TRACEFS "tracing_on", "0") || cw_write_file(TRACEFS "trace", "")) {
		snprintf(err, len, "tracefs at " TRACEFS ": %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (cw_write_file(events[i], "1")) {
			snprintf(err, len, "%s: %s", events[i], strerror(errno));
			return -1;
		}
	t0 = cw_now();
	cw_write_file(TRACEFS "tracing_on", "1");
	sleep(secs);
	cw_write_file(TRACEFS "tracing_on", "0");
	u->window = cw_now() - t0;
	for (i = 0; i < ARRAY_SIZE(events); i++)
		cw_write_file(events[i], "0");

	f = fopen(TRACEFS "trace", "r");
	if (!f) {
		snprintf(err, len, TRACEFS "trace: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			sscanf(line, "# entries-in-buffer/entries-written: %lu/%lu",
			       &in_buf, &written);
			continue;
		}
		if (!strstr(line, " [cpuwarden]"))
			continue;
		p = strstr(line, " workqueue_execute_start: ");
		if (p && !strstr(p, func) != !only)
			continue;
		if (p) {
			start = trace_stamp(line, p);
			u->runs++;
			q = strstr(p, "function ");
			if (q && !u->funcs[0])
				sscanf(q + 9, "%47s", u->funcs);
			continue;
		}
		p = strstr(line, " workqueue_execute_end: ");
		if (p && start >= 0 && !strstr(p, func) != !only)
			continue;
		if (p && start >= 0) {
			u->busy += trace_stamp(line, p) - start;
			start = -1;
		}
	}
	fclose(f);
	cw_write_file(TRACEFS "trace", "");
	if (written > in_buf) {
		snprintf(err, len, "the trace buffer lost %lu events", written - in_buf);
		return -1;
	}
	return 0;
}

/* Thread groups in the guest: the numeric entries of /proc. */
static unsigned int count_processes(void)
{
	unsigned int n = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir)))
		n += d->d_name[0] >= '1' && d->d_name[0] <= '9';
	if (dir)
		closedir(dir);
	return n;
}

/* The survey's runs over SURVEY_TRACE_S, as case @i, with what runs now. */
static void measure_survey(unsigned int i)
{
	survey.procs[i] = count_processes();
	progress("survey: %u processes, tracing for %u s", survey.procs[i], SURVEY_TRACE_S);
	if (trace_module_work(SURVEY_TRACE_S, &survey.use[i], SURVEY_FN, true,
			      survey.error, sizeof(survey.error)))
		return;
	survey.done[i] = true;
	progress("survey: %u processes: %u runs, %.1f us each", survey.procs[i],
		 survey.use[i].runs,
		 survey.use[i].runs ? survey.use[i].busy / survey.use[i].runs * 1e6 : 0);
}

/*
 * Over @secs seconds, every call of the module's function @fn as the
 * function_graph tracer timed it: how many (@u->runs), how long in all,
 * and the longest (@worst).
 */
static int trace_function(const char *fn, unsigned int secs, struct work_use *u,
			  double *worst, char *err, size_t len)
{
	char line[512], *p, *q;
	double t0, d;
	FILE *f;
	int ret;

	memset(u, 0, sizeof(*u));
	*worst = 0;
	ret = cw_write_file(TRACEFS "tracing_on", "0");
	ret = ret ?: cw_write_file(TRACEFS "trace", "");
	ret = ret ?: cw_write_file(TRACEFS "set_ftrace_filter", fn);
	/* A call that moved to another CPU ends on a line of its own: name it. */
	ret = ret ?: cw_write_file(TRACEFS "options/funcgraph-tail", "1");
	ret = ret ?: cw_write_file(TRACEFS "current_tracer", "function_graph");
	if (ret) {
		snprintf(err, len, "function_graph on %s: %s", fn, strerror(-ret));
		goto out;
	}
	t0 = cw_now();
	cw_write_file(TRACEFS "tracing_on", "1");
	sleep(secs);
	cw_write_file(TRACEFS "tracing_on", "0");
	u->window = cw_now() - t0;

	f = fopen(TRACEFS "trace", "r");
	if (!f) {
		ret = -errno;
		snprintf(err, len, TRACEFS "trace: %s", strerror(errno));
		goto out;
	}
	/*
	 * " 1) # 1234.567 us    |  fn [cpuwarden]();", or its closing
	 * brace.  A few lines a second: the buffer cannot overrun.
	 */
	while (fgets(line, sizeof(line), f)) {
		q = strstr(line, " us ");
		if (!q || !strstr(q, fn))
			continue;
		for (p = q; p > line && (isdigit((unsigned char)p[-1]) || p[-1] == '.'); p--)
			;
		d = strtod(p, NULL) / 1e6;
		u->runs++;
		u->busy += d;
		if (d > *worst)
			*worst = d;
	}
	fclose(f);
out:
	cw_write_file(TRACEFS "current_tracer", "nop");
	cw_write_file(TRACEFS "set_ftrace_filter", "");
	cw_write_file(TRACEFS "options/funcgraph-tail", "0");
	cw_write_file(TRACEFS "trace", "");
	return ret;
}

/* The strays' tracked program: a child that exits at once, every 500 ms. */
static int strays_forker(void)
{
	pid_t pid;

	for (;;) {
		pid = fork();
		if (!pid)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		usleep(FORKER_EVERY_US);
	}
}

/* The look's cost as case @i, with what runs now. */
static void measure_strays_case(unsigned int i)
{
	strays.procs[i] = count_processes();
	progress("strays: %u processes, tracing for %u s", strays.procs[i], STRAYS_TRACE_S);
	if (trace_function(STRAYS_FN, STRAYS_TRACE_S, &strays.use[i], &strays.worst[i],
			   strays.error, sizeof(strays.error)))
		return;
	strays.done[i] = true;
	progress("strays: %u processes: %u looks, %.1f us each, %.1f us at most",
		 strays.procs[i], strays.use[i].runs,
		 strays.use[i].runs ? strays.use[i].busy / strays.use[i].runs * 1e6 : 0,
		 strays.worst[i] * 1e6);
}

/*
 * Every fork of a tracked forker made a stray (fault_fork_lose and
 * fault_fork_stray: no record, and the table of lost children full): the
 * look's cost with the
 * guest's own processes, then with @untracked idle ones of the same
 * user, started since.
 */
static void measure_strays(void)
{
	char *argv[] = { FORKER, FORKER_ARG, NULL }, *err = strays.error;
	size_t elen = sizeof(strays.error);
	struct idlers idle = {};
	pid_t forker;
	int ret;

	ret = cw_copy("/proc/self/exe", FORKER, 0755);
	if (ret) {
		snprintf(err, elen, "copying cw-bench to " FORKER ": %s", strerror(-ret));
		return;
	}
	if (!param("fault_fork_lose", "4000000000", err, elen) ||
	    !param("fault_fork_stray", "4000000000", err, elen)) {
		strncat(err, " (the module needs CW_FAULTS=y)", elen - strlen(err) - 1);
		cw_param_set("fault_fork_lose", "0");
		return;
	}
	forker = spawn(argv);
	/* Its first strays, and a look. */
	sleep(4);
	measure_strays_case(0);
	if (!err[0] && idlers_start(&idle, IDLE_OWNED, untracked, err, elen))
		progress("strays: %s", err);
	else if (!err[0])
		measure_strays_case(1);
	idlers_stop(&idle);
	free(idle.pid);
	reap(forker);
	cw_param_set("fault_fork_lose", "0");
	cw_param_set("fault_fork_stray", "0");
	unlink(FORKER);
}

/* One cache's line of /proc/slabinfo. */
static bool read_slab(const char *name, struct slab *s)
{
	char line[512], n[64];
	bool found = false;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/slabinfo", "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %lu %lu %lu %lu %lu : tunables %*u %*u %*u : slabdata %*u %lu",
			       n, &s->active, &s->objs, &s->size, &s->per_slab,
			       &s->pages, &s->slabs) == 7 && !strcmp(n, name);
	if (f)
		fclose(f);
	if (!found)
		memset(s, 0, sizeof(*s));
	return found;
}

static unsigned long slab_bytes(const struct slab *s)
{
	return s->slabs * s->pages * page_size;
}

/*
 * Give back the objects SLUB keeps free on each CPU's partial slabs, so
 * that "active" counts exactly the objects in use.
 */
static void shrink(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", name);
	cw_write_file(path, "1");
}

/* Slab bytes per object of a cache whose slabs are full. */
static double slab_per_obj(const struct slab *s)
{
	return s->per_slab ? (double)s->pages * page_size / s->per_slab : 0;
}

static void read_mem(struct mem *m)
{
	shrink("cw_track");
	shrink("cw_prog");
	read_slab("cw_track", &m->track);
	read_slab("cw_prog", &m->prog);
}

static long mem_delta(const struct mem *a, const struct mem *b)
{
	return (long)(slab_bytes(&b->track) + slab_bytes(&b->prog)) -
	       (long)(slab_bytes(&a->track) + slab_bytes(&a->prog));
}

static bool mem_same(const struct mem *a, const struct mem *b)
{
	return a->track.objs == b->track.objs && a->track.active == b->track.active &&
	       a->prog.objs == b->prog.objs && a->prog.active == b->prog.active;
}

/* Until the caches hold still: dead records are reaped, RCU has freed. */
static void settle(struct mem *m)
{
	struct mem prev;
	unsigned int i;

	read_mem(m);
	for (i = 0; i < 20; i++) {
		sleep(1);
		prev = *m;
		read_mem(m);
		if (mem_same(&prev, m))
			break;
	}
}

/*
 * Sampler cost and memory, with more and more idle programs from /tmp
 * alive, then the same for idle processes of an owned program.
 */
static void measure_sampler(void)
{
	char *err = sampler_error;
	size_t elen = sizeof(sampler_error);
	struct idlers idle = {};
	struct idle_step *st;
	struct mem before;
	unsigned int i;

	mem.object_size = read_long("/sys/kernel/slab/cw_track/object_size");
	mem.slab_size = read_long("/sys/kernel/slab/cw_track/slab_size");
	mem.prog_object_size = read_long("/sys/kernel/slab/cw_prog/object_size");
	/* What came before (tracked execs) leaves; the sampler stops. */
	settle(&mem.base);
	if (!mem.base.track.size) {
		snprintf(err, elen, "no cw_track cache in /proc/slabinfo");
		return;
	}
	/* Past the sampler's last run, that reaped the dead records. */
	sleep(2);
	read_mem(&mem.base);
	for (i = 0; i < nsteps; i++) {
		st = &steps[i];
		if (idlers_start(&idle, IDLE_UNOWNED, st->tracked - idle.n, err, elen))
			break;
		progress("sampler: %u tracked idle programs, %u s to settle, tracing for %u s",
			 st->tracked, IDLE_SETTLE_S, trace_seconds);
		sleep(IDLE_SETTLE_S);
		if (trace_module_work(trace_seconds, &st->use, SURVEY_FN, false,
				      st->error, sizeof(st->error)))
			progress("sampler: %u tracked: %s", st->tracked, st->error);
		read_mem(&st->mem);
		st->done = true;
		progress("sampler: %u tracked: %u runs in %.1f s, %.3f ms busy; cw_track %lu objects, %ld bytes more slab",
			 st->tracked, st->use.runs, st->use.window, st->use.busy * 1e3,
			 st->mem.track.active, mem_delta(&mem.base, &st->mem));
	}
	idlers_stop(&idle);
	if (err[0]) {
		progress("sampler: %s", err);
		free(idle.pid);
		return;
	}

	settle(&before);
	mem.untracked_base = before;
	mem.untracked = untracked;
	measure_survey(0);
	if (idlers_start(&idle, IDLE_OWNED, untracked, err, elen)) {
		progress("untracked idle: %s", err);
	} else {
		read_mem(&mem.untracked_mem);
		mem.untracked_done = true;
		measure_survey(1);
		progress("%u untracked idle processes: cw_track %+ld objects, %+ld bytes of slab",
			 untracked, (long)(mem.untracked_mem.track.active - before.track.active),
			 mem_delta(&before, &mem.untracked_mem));
	}
	idlers_stop(&idle);
	free(idle.pid);
}

/* @x rounded to @scale (100: hundredths), never "-0.00". */
static double tidy(double x, double scale)
{
	return round(x * scale) / scale + 0.0;
}

static const char *verdict(bool ok)
{
	return ok ? "met" : "missed";
}

/* Max of the known (>= 0) values of @v; -1 if none is. */
static double max_of(const double *v, unsigned int n)
{
	double max = -1;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	return max;
}

static double mean_of(const double *v, unsigned int n)
{
	unsigned int i, known = 0;
	double sum = 0;

	for (i = 0; i < n; i++)
		if (v[i] >= 0) {
			sum += v[i];
			known++;
		}
	return known ? sum / known : -1;
}

static double detection_max(const struct detection *d)
{
	return max_of(d->latency, d->runs);
}

static double detection_mean(const struct detection *d)
{
	return mean_of(d->latency, d->runs);
}

static bool row_ok(const struct cap_row *r)
{
	return !r->skipped && !r->error[0] && r->seconds;
}

/* The cpulimit row with the same burner as @r, a cpuwarden row. */
static const struct cap_row *twin(const struct cap_row *r)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].threads == r->threads && strcmp(rows[i].limiter, r->limiter))
			return &rows[i];
	return NULL;
}

/* Whether cpuwarden's worst window is closer to the cap than cpulimit's. */
static const char *better_than_cpulimit(const struct cap_row *r)
{
	const struct cap_row *c = twin(r);

	if (!row_ok(r))
		return "failed";
	if (!c || !row_ok(c))
		return "n/a";
	return verdict(fabs(r->worst - cap) < fabs(c->worst - cap));
}

/* A JSON string of @s, which holds nothing that needs more than this. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static double storm_median(unsigned int c)
{
	return median_of(storm.us[c], storm.rounds);
}

/* Extra time per exec against @c's baseline, in percent. */
static double storm_overhead(unsigned int c)
{
	return (storm_median(c) / storm_median(storm_base[c]) - 1) * 100;
}

/* Whether @c is the module's cost, with a target; else the processes'. */
static bool storm_judged(unsigned int c)
{
	return c == STORM_LOADED || c == STORM_TRACKED || c == STORM_UNPACKAGED;
}

static double big_median(unsigned int k)
{
	return median_of(big.ms[k], big.trials);
}

static double step_pct(const struct idle_step *st)
{
	return st->use.window > 0 ? st->use.busy / st->use.window * 100 : 0;
}

/* CPU share per 1,000 tracked programs, in percent; -1 at none. */
static double step_per_1000(const struct idle_step *st)
{
	return st->tracked ? step_pct(st) * 1000 / st->tracked : -1;
}

/*
 * The CPU share the programs added since the count before add per
 * 1,000 of them: linear growth keeps it the same.  NAN for the first.
 */
static double step_marginal(unsigned int i)
{
	if (!i || !steps[i - 1].done || !steps[i].done)
		return NAN;
	return (step_pct(&steps[i]) - step_pct(&steps[i - 1])) * 1000 /
	       (steps[i].tracked - steps[i - 1].tracked);
}

/*
 * us per run that the idle processes of case 1 added to the work @u of
 * case 0, per 1,000 of them; -1 if unknown.
 */
static double added_per_1000(const struct work_use u[2], const unsigned int procs[2],
			     const bool done[2])
{
	if (!done[0] || !done[1] || !u[0].runs || !u[1].runs || procs[1] <= procs[0])
		return -1;
	return (u[1].busy / u[1].runs - u[0].busy / u[0].runs) * 1e6 * 1000 /
	       (procs[1] - procs[0]);
}

static double survey_per_1000(void)
{
	return added_per_1000(survey.use, survey.procs, survey.done);
}

static double strays_per_1000(void)
{
	return added_per_1000(strays.use, strays.procs, strays.done);
}

static bool step_ok(const struct idle_step *st)
{
	return st->done && !st->error[0];
}

static bool step_met(const struct idle_step *st)
{
	if (!st->tracked)
		return st->use.runs == 0;
	return step_per_1000(st) <= SAMPLER_TARGET;
}

/*
 * Slab bytes of the module per tracked group, -1 at none: the objects in
 * use over the baseline, at what each costs in a full slab.  Counting
 * pages instead would credit the free slots of slabs already held.
 */
static double step_mem(const struct idle_step *st)
{
	long track = (long)st->mem.track.active - (long)mem.base.track.active;
	long prog = (long)st->mem.prog.active - (long)mem.base.prog.active;

	if (!st->tracked)
		return -1;
	return (track * slab_per_obj(&st->mem.track) +
		prog * slab_per_obj(&st->mem.prog)) / st->tracked;
}

/* Objects of both caches over @a's. */
static long objs_delta(const struct mem *a, const struct mem *b)
{
	return (long)(b->track.active + b->prog.active) -
	       (long)(a->track.active + a->prog.active);
}

static long untracked_objs(void)
{
	return objs_delta(&mem.untracked_base, &mem.untracked_mem);
}

static void print_new_tables(void)
{
	const struct idle_step *st;
	unsigned int c, i;
	char what[32];

	printf("Exec overhead on untracked programs: fork+exec+wait of %s (static, no libc),\n"
	       "%u execs per configuration and round, %u rounds, the configurations taking turns in\n"
	       "each round; us per exec, median (min, max) of the rounds; \"ratio\" against no module,\n"
	       "\"overhead\" against the configuration in \"vs\": the tracked one against the same idle\n"
	       "processes without the module.  Target: the module's overhead under 1%%\n",
	       TRUE_OWNED, execs, storm.rounds);
	printf("  %-31s %-8s %-8s %-8s %-7s %-9s %-15s %-7s %s\n", "configuration", "median", "min",
	       "max", "ratio", "overhead", "vs", "target", "verdict");
	for (c = 0; c < NR_STORM && storm.rounds; c++) {
		printf("  %-31s %-8.1f %-8.1f %-8.1f %-7.4f ", storm_name[c], storm_median(c),
		       min_of(storm.us[c], storm.rounds), max_of(storm.us[c], storm.rounds),
		       storm_median(c) / storm_median(STORM_NONE));
		if (c == STORM_NONE) {
			printf("%-9s %-15s %-7s\n", "-", "-", "-");
			continue;
		}
		snprintf(what, sizeof(what), "%+.2f%%", tidy(storm_overhead(c), 100));
		printf("%-9s %-15s ", what, storm_key[storm_base[c]]);
		if (storm_judged(c))
			printf("%-7s %s\n", "< 1%", verdict(storm_overhead(c) < 1));
		else
			printf("%-7s\n", "-");
	}
	if (storm.error[0])
		printf("  %s: %s\n", storm.rounds ? "stopped early" : "failed", storm.error);

	printf("\nExec cost of a tracked program: a %u MiB static program (cw-true, padded), new content\n"
	       "each trial, fork+exec+wait, in ms, median (min, max) of %u trials.  \"first\" hashes the\n"
	       "file (SHA-256, hash=Y); \"second\" is the same unchanged file (the hash cache)\n",
	       BIG_MIB, big.trials);
	printf("  %-28s %-8s %-8s %-8s %s\n", "exec", "median", "min", "max", "vs owned");
	for (c = 0; c < NR_BIG && big.trials; c++)
		printf("  %-28s %-8.2f %-8.2f %-8.2f %.2fx\n", big_name[c], big_median(c),
		       min_of(big.ms[c], big.trials), max_of(big.ms[c], big.trials),
		       big_median(c) / big_median(BIG_OWN));
	if (big.error[0])
		printf("  %s: %s\n", big.trials ? "stopped early" : "failed", big.error);

	printf("\nSampler cost against tracked idle programs (cw-idle from /tmp, default policy,\n"
	       "period_ms=%u): the module's work items as tracefs saw them (workqueue_execute_start to\n"
	       "_end), over %u s each, from %u s after the programs started (the steady state: the module\n"
	       "reads groups idle for 4 samples only every 15th period, and sleeps in between while all\n"
	       "are idle).  CPU in %% of one CPU.  Target: no runs\n"
	       "at 0; at most %.2f%% of one CPU per 1,000 tracked; linear (\"marginal\": what the programs\n"
	       "added since the count before cost per 1,000 of them, alike for every count)\n",
	       PERIOD_MS, trace_seconds, IDLE_SETTLE_S, SAMPLER_TARGET);
	printf("  %-8s %-7s %-8s %-8s %-9s %-9s %-12s %s\n", "tracked", "runs/s", "us/run",
	       "CPU %", "per 1000", "marginal", "target", "verdict");
	for (i = 0; i < nsteps; i++) {
		st = &steps[i];
		if (!st->done)
			break;
		printf("  %-8u ", st->tracked);
		if (!step_ok(st)) {
			printf("failed: %s\n", st->error);
			continue;
		}
		printf("%-7.2f ", st->use.runs / st->use.window);
		if (st->use.runs)
			printf("%-8.1f ", st->use.busy / st->use.runs * 1e6);
		else
			printf("%-8s ", "-");
		printf("%-8.4f ", step_pct(st));
		if (!st->tracked) {
			printf("%-9s %-9s %-12s %s\n", "-", "-", "0 runs", verdict(step_met(st)));
			continue;
		}
		printf("%-9.4f ", step_per_1000(st));
		if (!isnan(step_marginal(i)))
			printf("%-9.4f ", step_marginal(i));
		else
			printf("%-9s ", "-");
		printf("<= %-9.2f %s\n", SAMPLER_TARGET, verdict(step_met(st)));
	}
	if (sampler_error[0])
		printf("  stopped: %s\n", sampler_error);

	printf("\nThe randomx survey (module/fingerprint.c, every 4 s, whatever is tracked): its work\n"
	       "item as tracefs saw it over %u s, with the guest's own processes, then with %u more\n"
	       "untracked idle ones.  It reads each thread's util_avg, and the saved MXCSR in busy\n"
	       "groups only.  Target: at most one run per 3 s; cost linear in processes (\"per 1000\":\n"
	       "what the idle processes added, per 1,000 of them)\n",
	       SURVEY_TRACE_S, untracked);
	printf("  %-10s %-7s %-8s %-8s %-9s %s\n", "processes", "runs/s", "us/run", "CPU %",
	       "per 1000", "verdict");
	for (i = 0; i < 2; i++) {
		const struct work_use *u = &survey.use[i];

		if (!survey.done[i])
			break;
		printf("  %-10u %-7.2f ", survey.procs[i], u->runs / u->window);
		if (u->runs)
			printf("%-8.1f ", u->busy / u->runs * 1e6);
		else
			printf("%-8s ", "-");
		printf("%-8.4f ", u->busy / u->window * 100);
		if (i && survey_per_1000() >= 0)
			printf("%-9.1f ", survey_per_1000());
		else
			printf("%-9s ", "-");
		printf("%s\n", verdict(u->runs && u->runs / u->window <= 1.0 / 3));
	}
	if (survey.error[0])
		printf("  stopped: %s\n", survey.error);

	printf("\nThe strays look (module/track.c, every %u s while a tracked program's children are\n"
	       "kept as strays, a walk over every process): each look as the function_graph tracer\n"
	       "timed it over %u s, with the guest's own processes, then with %u more idle ones of\n"
	       "the strays' user started since, whose images it reads, the worst case per process.\n"
	       "Target: at most one look per 2 s; cost linear in processes (\"per 1000\": what the\n"
	       "idle processes added to a look, per 1,000 of them)\n",
	       STRAYS_EVERY_S, STRAYS_TRACE_S, untracked);
	printf("  %-10s %-8s %-8s %-8s %-8s %-9s %s\n", "processes", "looks/s", "us/look",
	       "max us", "CPU %", "per 1000", "verdict");
	for (i = 0; i < 2; i++) {
		const struct work_use *u = &strays.use[i];

		if (!strays.done[i])
			break;
		printf("  %-10u %-8.2f ", strays.procs[i], u->runs / u->window);
		if (u->runs)
			printf("%-8.1f ", u->busy / u->runs * 1e6);
		else
			printf("%-8s ", "-");
		printf("%-8.1f %-8.4f ", strays.worst[i] * 1e6, u->busy / u->window * 100);
		if (i && strays_per_1000() >= 0)
			printf("%-9.1f ", strays_per_1000());
		else
			printf("%-9s ", "-");
		printf("%s\n", verdict(u->runs && (u->runs - 1) * STRAYS_EVERY_S <= u->window));
	}
	if (strays.error[0])
		printf("  stopped: %s\n", strays.error);

	printf("\nMemory per tracked thread group: the module's slab caches in /proc/slabinfo (slub_nomerge),\n"
	       "shrunk before each reading so that active objects are exact: objects of cw_track and cw_prog\n"
	       "in use over the baseline of none tracked, at their cost in a full slab, divided by the tracked\n"
	       "count; all idle programs run one program, so one cw_prog.  struct cw_track: object_size\n"
	       "%ld B, slab_size %ld B, %lu per %lu KiB slab, so %.1f B of slab each; struct cw_prog:\n"
	       "object_size %ld B.  \"slab bytes\" is the change in whole slabs.  Target: <= %u B per\n"
	       "tracked group; 0 for untracked processes\n",
	       mem.object_size, mem.slab_size, mem.base.track.per_slab,
	       mem.base.track.pages * page_size / 1024,
	       mem.base.track.per_slab ?
	       (double)mem.base.track.pages * page_size / mem.base.track.per_slab : 0,
	       mem.prog_object_size, MEM_TARGET);
	printf("  %-20s %-15s %-12s %-11s %-8s %s\n", "idle processes", "objects",
	       "slab bytes", "per group", "target", "verdict");
	for (i = 0; i < nsteps; i++) {
		st = &steps[i];
		if (!st->done)
			break;
		snprintf(what, sizeof(what), "%u tracked", st->tracked);
		printf("  %-20s %-+15ld %-+12ld ", what, objs_delta(&mem.base, &st->mem),
		       mem_delta(&mem.base, &st->mem));
		if (st->tracked)
			printf("%-11.1f <= %-5u %s\n", step_mem(st), MEM_TARGET,
			       verdict(step_mem(st) <= MEM_TARGET));
		else
			printf("%-11s %-8s\n", "-", "-");
	}
	if (mem.untracked_done) {
		snprintf(what, sizeof(what), "%u untracked", mem.untracked);
		printf("  %-20s %-+15ld %-+12ld %-11s %-8s %s\n", what, untracked_objs(),
		       mem_delta(&mem.untracked_base, &mem.untracked_mem), "-", "0",
		       verdict(!untracked_objs() &&
			       !mem_delta(&mem.untracked_base, &mem.untracked_mem)));
	}
	printf("\n");
}

static void json_num(const char *key, double v, const char *fmt)
{
	printf("\"%s\": ", key);
	if (v >= 0)
		printf(fmt, v);
	else
		printf("null");
}

static void json_list(const double *v, unsigned int n, const char *fmt)
{
	unsigned int i;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s", i ? ", " : "");
		printf(fmt, v[i]);
	}
	putchar(']');
}

static void json_error(const char *err)
{
	printf("\"error\": ");
	if (err[0])
		json_str(err);
	else
		printf("null");
}

static void json_slab(const char *key, const struct slab *s)
{
	printf("\"%s\": {\"active_objs\": %lu, \"num_objs\": %lu, \"slabs\": %lu, \"bytes\": %lu}",
	       key, s->active, s->objs, s->slabs, slab_bytes(s));
}

static void print_new_json(void)
{
	const struct idle_step *st;
	unsigned int c, i;

	printf("  \"exec_overhead\": {\"program\": \"%s\", \"execs_per_round\": %u,"
	       " \"rounds\": %u, \"idle_tracked\": %u, \"target_overhead_pct\": 1,\n"
	       "    \"results\": [", TRUE_OWNED, execs, storm.rounds, STORM_IDLE);
	for (c = 0; c < NR_STORM; c++) {
		printf("%s\n    {\"config\": \"%s\", ", c ? "," : "", storm_key[c]);
		json_num("median_us", storm.rounds ? storm_median(c) : -1, "%.2f");
		printf(", ");
		json_num("ratio", storm.rounds ? storm_median(c) / storm_median(STORM_NONE) : -1,
			 "%.5f");
		printf(", \"baseline\": \"%s\", \"overhead_pct\": ", storm_key[storm_base[c]]);
		if (storm.rounds)
			printf("%.3f", tidy(storm_overhead(c), 1000));
		else
			printf("null");
		printf(", \"per_round_us\": ");
		json_list(storm.us[c], storm.rounds, "%.2f");
		printf("}");
	}
	printf("\n    ], ");
	json_error(storm.error);
	printf("},\n");

	printf("  \"tracked_exec\": {\"size_mib\": %u, \"trials\": %u,\n    \"results\": [",
	       BIG_MIB, big.trials);
	for (c = 0; c < NR_BIG; c++) {
		printf("%s\n    {\"exec\": \"%s\", ", c ? "," : "", big_key[c]);
		json_num("median_ms", big.trials ? big_median(c) : -1, "%.3f");
		printf(", ");
		json_num("vs_owned", big.trials ? big_median(c) / big_median(BIG_OWN) : -1,
			 "%.3f");
		printf(", \"per_trial_ms\": ");
		json_list(big.ms[c], big.trials, "%.3f");
		printf("}");
	}
	printf("\n    ], ");
	json_error(big.error);
	printf("},\n");

	printf("  \"sampler\": {\"period_ms\": %u, \"settle_s\": %u, \"window_s\": %u,"
	       " \"source\": \"tracefs workqueue_execute_start/end of [cpuwarden] functions\","
	       " \"target_pct_per_1000\": %.2f,\n    \"results\": [",
	       PERIOD_MS, IDLE_SETTLE_S, trace_seconds, SAMPLER_TARGET);
	for (i = 0, c = 0; i < nsteps; i++) {
		st = &steps[i];
		if (!st->done)
			continue;
		printf("%s\n    {\"tracked\": %u, ", c++ ? "," : "", st->tracked);
		if (isnan(step_marginal(i)))
			printf("\"marginal_pct_per_1000\": null, ");
		else
			printf("\"marginal_pct_per_1000\": %.5f, ", step_marginal(i));
		if (!step_ok(st)) {
			json_error(st->error);
			printf("}");
			continue;
		}
		printf("\"window_s\": %.3f, \"runs\": %u, \"runs_per_s\": %.3f, ",
		       st->use.window, st->use.runs, st->use.runs / st->use.window);
		json_num("us_per_run", st->use.runs ? st->use.busy / st->use.runs * 1e6 : -1,
			 "%.2f");
		printf(", \"cpu_pct\": %.5f, ", step_pct(st));
		json_num("cpu_pct_per_1000", step_per_1000(st), "%.5f");
		printf(", \"function\": ");
		json_str(st->use.funcs);
		printf(", \"met\": %s}", step_met(st) ? "true" : "false");
	}
	printf("\n    ], ");
	json_error(sampler_error);
	printf("},\n");

	printf("  \"survey\": {\"trace_s\": %u, \"cases\": [", SURVEY_TRACE_S);
	for (i = 0, c = 0; i < 2; i++) {
		const struct work_use *u = &survey.use[i];

		if (!survey.done[i])
			continue;
		printf("%s{\"processes\": %u, \"runs\": %u, ", c++ ? ", " : "",
		       survey.procs[i], u->runs);
		json_num("us_per_run", u->runs ? u->busy / u->runs * 1e6 : -1, "%.2f");
		printf(", \"cpu_pct\": %.5f}", u->busy / u->window * 100);
	}
	printf("], ");
	json_num("us_per_1000_processes", survey_per_1000(), "%.2f");
	printf(", ");
	json_error(survey.error);
	printf("},\n");

	printf("  \"strays\": {\"trace_s\": %u, \"cases\": [", STRAYS_TRACE_S);
	for (i = 0, c = 0; i < 2; i++) {
		const struct work_use *u = &strays.use[i];

		if (!strays.done[i])
			continue;
		printf("%s{\"processes\": %u, \"looks\": %u, ", c++ ? ", " : "",
		       strays.procs[i], u->runs);
		json_num("us_per_look", u->runs ? u->busy / u->runs * 1e6 : -1, "%.2f");
		printf(", ");
		json_num("max_us", strays.worst[i] * 1e6, "%.2f");
		printf(", \"cpu_pct\": %.5f}", u->busy / u->window * 100);
	}
	printf("], ");
	json_num("us_per_1000_processes", strays_per_1000(), "%.2f");
	printf(", ");
	json_error(strays.error);
	printf("},\n");

	printf("  \"memory\": {\"source\": \"/proc/slabinfo\", \"target_bytes\": %u,"
	       " \"cw_track_object_size\": %ld, \"cw_track_slab_size\": %ld,"
	       " \"cw_prog_object_size\": %ld,\n    ",
	       MEM_TARGET, mem.object_size, mem.slab_size, mem.prog_object_size);
	json_slab("baseline_cw_track", &mem.base.track);
	printf(", ");
	json_slab("baseline_cw_prog", &mem.base.prog);
	printf(",\n    \"tracked\": [");
	for (i = 0, c = 0; i < nsteps; i++) {
		st = &steps[i];
		if (!st->done)
			continue;
		printf("%s\n    {\"tracked\": %u, \"objects_delta\": %ld, \"bytes_delta\": %ld, ",
		       c++ ? "," : "", st->tracked, objs_delta(&mem.base, &st->mem),
		       mem_delta(&mem.base, &st->mem));
		json_num("bytes_per_group", step_mem(st), "%.1f");
		printf(", ");
		json_slab("cw_track", &st->mem.track);
		printf(", ");
		json_slab("cw_prog", &st->mem.prog);
		printf("}");
	}
	printf("\n    ],\n    \"untracked\": ");
	if (mem.untracked_done)
		printf("{\"processes\": %u, \"objects_delta\": %ld, \"bytes_delta\": %ld}",
		       mem.untracked, untracked_objs(),
		       mem_delta(&mem.untracked_base, &mem.untracked_mem));
	else
		printf("null");
	printf("},\n");
}

static void print_table(void)
{
	const struct cap_row *r;
	char burner[16], sus[16];
	unsigned int i;
	double target;

	printf("cpuwarden benchmark\n");
	printf("VM: %s, %ld vCPUs, %lu MiB memory, guest kernel %s, pid_max %ld\n\n",
	       vm.accel, vm.vcpus, vm.mem_mib, vm.release, vm.pid_max);
	print_new_tables();

	printf("Detection latency: mode=kill threshold=%u period_ms=%u, a /tmp burner at 100%% of one\n"
	       "CPU, from its start (fork) to its death by SIGKILL (reaped), in seconds; \"by log\": the\n"
	       "module's own part, its tracking line (at exec) to its killed line.  Sampler \"starts\":\n"
	       "nothing else is tracked, the burner's exec starts the sampler; \"running\": a tracked\n"
	       "idle program keeps it running and the burner starts at a random phase of the period.\n"
	       "Target: sustain + one period\n",
	       THRESHOLD, PERIOD_MS);
	printf("  %-8s %-8s %-6s %-7s %-7s %-13s %-9s %s\n", "sustain", "sampler", "runs", "mean",
	       "max", "by log: max", "target", "verdict");
	for (i = 0; i < ndetections; i++) {
		const struct detection *d = &detections[i];

		target = d->sustain + PERIOD_MS / 1000.0;
		snprintf(sus, sizeof(sus), "%u s", d->sustain);
		printf("  %-8s %-8s %2u/%-3u ", sus, sampler(d), d->killed, d->runs);
		if (!d->killed) {
			printf("%-7s %-7s %-13s <= %-6.3f failed: %s\n", "-", "-", "-", target,
			       d->error);
			continue;
		}
		printf("%-7.3f %-7.3f ", detection_mean(d), detection_max(d));
		if (max_of(d->logged, d->runs) >= 0)
			printf("%-13.3f ", max_of(d->logged, d->runs));
		else
			printf("%-13s ", "-");
		printf("<= %-6.3f %s%s%s\n", target,
		       verdict(d->killed == d->runs && detection_max(d) <= target),
		       d->error[0] ? "; " : "", d->error);
	}

	printf("\nThrottle precision: cap=%u%% of one CPU (cpuwarden: mode=throttle threshold=%u sustain=%u\n"
	       "quiet=0 escalate=0, samples from its throttled line on; cpulimit -l %u, samples from %u s\n"
	       "after it starts, the burner in /usr/local/bin, cpuwarden in monitor mode).  %u samples\n"
	       "of 1 s of the burner's CPU time (schedstat, all threads), in %% of one CPU; worst: the\n"
	       "sliding %u s window farthest from the cap\n",
	       cap, THRESHOLD, CAP_SUSTAIN, cap, CPULIMIT_WARMUP, seconds, window);
	printf("  %-10s %-10s %-8s %-7s %-8s %-7s %-9s %s\n", "limiter", "burner", "mean %",
	       "error", "worst %", "error", "cap +-2", "worst better than cpulimit");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		r = &rows[i];
		snprintf(burner, sizeof(burner), "%u thread%s", r->threads,
			 r->threads > 1 ? "s" : "");
		if (r->skipped) {
			printf("  %-10s %-10s %s: not installed\n", r->limiter, burner, r->limiter);
			continue;
		}
		if (!row_ok(r)) {
			printf("  %-10s %-10s failed: %s\n", r->limiter, burner, r->error);
			continue;
		}
		printf("  %-10s %-10s %-8.2f %+-7.2f %-8.2f %+-7.2f %-9s %s\n", r->limiter,
		       burner, tidy(r->mean, 100), tidy(r->mean - cap, 100),
		       tidy(r->worst, 100), tidy(r->worst - cap, 100),
		       strcmp(r->limiter, "cpuwarden") ? "" :
		       verdict(fabs(r->mean - cap) <= CAP_TOLERANCE),
		       strcmp(r->limiter, "cpuwarden") ? "" : better_than_cpulimit(r));
	}
	printf("\nTargets: detection within sustain + one period; cap error within +-%.0f points;\n"
	       "worst window better than cpulimit.  Figures, not assertions: the bench fails only\n"
	       "when it cannot run.\n", CAP_TOLERANCE);
}

/* An array of @v, with null for unknown (< 0) values. */
static void json_seconds(const double *v, unsigned int n)
{
	unsigned int i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (v[i] >= 0)
			printf("%s%.3f", i ? ", " : "", v[i]);
		else
			printf("%snull", i ? ", " : "");
	}
	putchar(']');
}

static void print_json(void)
{
	const struct cap_row *r;
	unsigned int i, j;

	printf("{\n  \"vm\": {\"accel\": ");
	json_str(vm.accel);
	printf(", \"vcpus\": %ld, \"memory_mib\": %lu, \"kernel\": ", vm.vcpus, vm.mem_mib);
	json_str(vm.release);
	printf(", \"pid_max\": %ld},\n", vm.pid_max);
	print_new_json();

	printf("  \"detection\": {\"mode\": \"kill\", \"threshold\": %u, \"period_ms\": %u,\n"
	       "    \"results\": [", THRESHOLD, PERIOD_MS);
	for (i = 0; i < ndetections; i++) {
		const struct detection *d = &detections[i];

		printf("%s\n    {\"sustain\": %u, \"sampler\": \"%s\", \"target_s\": %.3f,"
		       " \"runs\": %u, \"killed\": %u,", i ? "," : "", d->sustain, sampler(d),
		       d->sustain + PERIOD_MS / 1000.0, d->runs, d->killed);
		if (d->killed)
			printf(" \"mean_s\": %.3f, \"max_s\": %.3f,", detection_mean(d),
			       detection_max(d));
		printf("\n      \"latency_s\": ");
		json_seconds(d->latency, d->runs);
		printf(",\n      \"exec_to_kill_by_log_s\": ");
		json_seconds(d->logged, d->runs);
		printf(",\n      \"error\": ");
		if (d->error[0])
			json_str(d->error);
		else
			printf("null");
		printf("}");
	}
	printf("\n  ]},\n");

	printf("  \"throttle\": {\"cap\": %u, \"seconds\": %u, \"window_s\": %u,\n"
	       "    \"cpuwarden\": {\"mode\": \"throttle\", \"threshold\": %u, \"sustain\": %u, \"quiet\": 0, \"escalate\": 0},\n"
	       "    \"cpulimit\": {\"args\": \"-l %u -p PID\", \"warmup_s\": %u, \"installed\": %s},\n"
	       "    \"results\": [",
	       cap, seconds, window, THRESHOLD, CAP_SUSTAIN, cap, CPULIMIT_WARMUP,
	       cpulimit ? "true" : "false");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		r = &rows[i];
		printf("%s\n    {\"limiter\": \"%s\", \"threads\": %u, \"status\": ",
		       i ? "," : "", r->limiter, r->threads);
		if (r->skipped) {
			printf("\"not installed\"}");
			continue;
		}
		if (!row_ok(r)) {
			json_str(r->error);
			printf("}");
			continue;
		}
		printf("\"ok\", \"mean_pct\": %.3f, \"mean_error\": %.3f,"
		       " \"worst_window_pct\": %.3f, \"worst_window_error\": %.3f,"
		       " \"worst_window_start_s\": %u,",
		       r->mean, tidy(r->mean - cap, 1000), r->worst,
		       tidy(r->worst - cap, 1000), r->worst_at);
		if (!strcmp(r->limiter, "cpuwarden"))
			printf(" \"engaged_after_s\": %.3f,", r->engaged);
		printf("\n      \"per_second_pct\": [");
		for (j = 0; j < r->seconds; j++)
			printf("%s%.2f", j ? ", " : "", r->pct[j]);
		printf("]}");
	}
	printf("\n  ]},\n");

	printf("  \"targets\": {\n    \"exec_overhead_under_1_pct\": [");
	for (i = 0, j = 0; i < NR_STORM; i++)
		if (storm_judged(i))
			printf("%s{\"config\": \"%s\", \"met\": %s}", j++ ? ", " : "",
			       storm_key[i], !storm.rounds ? "null" :
			       storm_overhead(i) < 1 ? "true" : "false");
	printf("],\n    \"sampler\": [");
	for (i = 0, j = 0; i < nsteps; i++)
		if (step_ok(&steps[i]))
			printf("%s{\"tracked\": %u, \"met\": %s}", j++ ? ", " : "",
			       steps[i].tracked, step_met(&steps[i]) ? "true" : "false");
	printf("],\n    \"memory_per_group_at_most_256\": [");
	for (i = 0, j = 0; i < nsteps; i++)
		if (steps[i].done && steps[i].tracked)
			printf("%s{\"tracked\": %u, \"met\": %s}", j++ ? ", " : "",
			       steps[i].tracked,
			       step_mem(&steps[i]) <= MEM_TARGET ? "true" : "false");
	printf("],\n    \"untracked_memory_zero\": %s,\n",
	       !mem.untracked_done ? "null" :
	       !untracked_objs() && !mem_delta(&mem.untracked_base, &mem.untracked_mem) ?
	       "true" : "false");
	printf("    \"detection_within_sustain_plus_period\": [");
	for (i = 0; i < ndetections; i++) {
		const struct detection *d = &detections[i];

		printf("%s{\"sustain\": %u, \"sampler\": \"%s\", \"met\": %s}", i ? ", " : "",
		       d->sustain, sampler(d),
		       d->killed && d->killed == d->runs &&
		       detection_max(d) <= d->sustain + PERIOD_MS / 1000.0 ? "true" : "false");
	}
	printf("],\n    \"cap_error_within_2_points\": [");
	for (i = 0, j = 0; i < ARRAY_SIZE(rows); i++) {
		r = &rows[i];
		if (strcmp(r->limiter, "cpuwarden"))
			continue;
		printf("%s{\"threads\": %u, \"met\": %s}", j++ ? ", " : "", r->threads,
		       row_ok(r) && fabs(r->mean - cap) <= CAP_TOLERANCE ? "true" : "false");
	}
	printf("],\n    \"worst_window_better_than_cpulimit\": [");
	for (i = 0, j = 0; i < ARRAY_SIZE(rows); i++) {
		const char *v;

		r = &rows[i];
		if (strcmp(r->limiter, "cpuwarden"))
			continue;
		v = better_than_cpulimit(r);
		printf("%s{\"threads\": %u, \"met\": %s}", j++ ? ", " : "", r->threads,
		       !strcmp(v, "met") ? "true" : !strcmp(v, "n/a") ? "null" : "false");
	}
	printf("]\n  }\n}\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: cw-bench [-M MODULE] [-e EXECS] [-r ROUNDS] [-i N,...] [-u N]\n"
			"                [-T SECONDS] [-s SUSTAIN,...] [-n RUNS] [-w SECONDS]\n"
			"                [-W SECONDS] [-c CAP] [-l CPULIMIT]\n");
	exit(2);
}

static unsigned int number(const char *s, unsigned int min, unsigned int max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 10 };
	const char *sustains = "3,6", *idle = "0,100,1000,10000";
	char *s, *tok, *save, err[160], pm[16];
	unsigned int i, need;
	int opt;

	if (argc == 2 && !strcmp(argv[1], FORKER_ARG))
		return strays_forker();
	t_start = cw_now();
	module_path = getenv("CW_MODULE");
	while ((opt = getopt(argc, argv, "M:e:r:i:u:T:s:n:w:W:c:l:")) != -1) {
		switch (opt) {
		case 'M':
			module_path = optarg;
			break;
		case 'e':
			execs = number(optarg, 1, MAX_EXECS);
			break;
		case 'r':
			rounds = number(optarg, 1, MAX_ROUNDS);
			break;
		case 'i':
			idle = optarg;
			break;
		case 'u':
			untracked = number(optarg, 1, MAX_IDLE);
			break;
		case 'T':
			trace_seconds = number(optarg, 1, MAX_SECONDS);
			break;
		case 's':
			sustains = optarg;
			break;
		case 'n':
			runs = number(optarg, 1, MAX_RUNS);
			break;
		case 'w':
			seconds = number(optarg, 1, MAX_SECONDS);
			break;
		case 'W':
			window = number(optarg, 1, MAX_SECONDS);
			break;
		case 'c':
			cap = number(optarg, 1, 100);
			break;
		case 'l':
			cpulimit = access(optarg, X_OK) ? NULL : optarg;
			break;
		default:
			usage();
		}
	}
	s = strdup(sustains);
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (ndetections == ARRAY_SIZE(detections))
			usage();
		detections[ndetections].sustain = number(tok, 1, 3600);
		detections[ndetections + 1] = detections[ndetections];
		detections[ndetections + 1].running = true;
		ndetections += 2;
	}
	free(s);
	s = strdup(idle);
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nsteps == ARRAY_SIZE(steps))
			usage();
		/* Ascending: each count adds programs to the last one's. */
		steps[nsteps].tracked = number(tok, nsteps ? steps[nsteps - 1].tracked + 1 : 0,
					       MAX_IDLE);
		nsteps++;
	}
	free(s);
	srandom(time(NULL) ^ getpid());

	if (!cw_module_loaded() && !module_path) {
		fprintf(stderr, "cw-bench: cpuwarden is not loaded, and no module to load (-M)\n");
		return 1;
	}
	mkdir("/usr/local", 0755);
	mkdir("/usr/local/bin", 0755);
	if (cw_copy(TRUE_SRC, TRUE_OWNED, 0755) || cw_copy(IDLE_SRC, IDLE_OWNED, 0755) ||
	    cw_copy(IDLE_SRC, IDLE_UNOWNED, 0755)) {
		fprintf(stderr, "cw-bench: copying %s and %s: %s\n", TRUE_SRC, IDLE_SRC,
			strerror(errno));
		return 1;
	}
	/*
	 * Sample and reap on time even while burners hog the CPUs; children
	 * (burners, cpulimit) start at SCHED_OTHER again.
	 */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		progress("cannot run at SCHED_FIFO (%s): timings may be late",
			 strerror(errno));
	vm_info();
	need = STORM_IDLE > untracked ? STORM_IDLE : untracked;
	if (nsteps && steps[nsteps - 1].tracked > need)
		need = steps[nsteps - 1].tracked;
	/* Room for the idle processes and for the storm's PIDs to cycle. */
	need = 2 * need + 10000;
	if (vm.pid_max > 0 && vm.pid_max < (long)need) {
		snprintf(pm, sizeof(pm), "%u", need);
		if (cw_write_file("/proc/sys/kernel/pid_max", pm))
			progress("cannot raise pid_max to %u: %s", need, strerror(errno));
		vm.pid_max = read_long("/proc/sys/kernel/pid_max");
	}
	progress("%s, %ld vCPUs, %lu MiB, kernel %s, pid_max %ld", vm.accel, vm.vcpus,
		 vm.mem_mib, vm.release, vm.pid_max);

	measure_exec_overhead();
	if (!cw_module_loaded() && module_load(err, sizeof(err))) {
		fprintf(stderr, "cw-bench: %s\n", err);
		return 1;
	}
	measure_big_exec();
	measure_sampler();
	measure_strays();

	/*
	 * The budget detectors would only blur the sustained one's timing
	 * (root's burners add up to the uid budget within minutes), and
	 * probation would throttle every burner after the first kill.
	 */
	if (!param("budget", "0", err, sizeof(err)) ||
	    !param("uid_budget", "0", err, sizeof(err)) ||
	    !param("probation", "0", err, sizeof(err)) ||
	    !paramu("period_ms", PERIOD_MS, err, sizeof(err)) ||
	    !paramu("threshold", THRESHOLD, err, sizeof(err))) {
		fprintf(stderr, "cw-bench: %s\n", err);
		return 1;
	}
	for (i = 0; i < ndetections; i++)
		measure_detection(&detections[i]);

	/* Each cpuwarden row beside its cpulimit twin, same burner. */
	rows[0] = (struct cap_row){ .limiter = "cpuwarden", .threads = 1 };
	rows[1] = (struct cap_row){ .limiter = "cpulimit", .threads = 1 };
	rows[2] = (struct cap_row){ .limiter = "cpuwarden", .threads = 4 };
	rows[3] = (struct cap_row){ .limiter = "cpulimit", .threads = 4 };
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		if (!strcmp(rows[i].limiter, "cpuwarden"))
			cap_cpuwarden(&rows[i]);
		else
			cap_cpulimit(&rows[i]);
		if (rows[i].error[0])
			progress("%s %u thread%s: %s", rows[i].limiter, rows[i].threads,
				 rows[i].threads > 1 ? "s" : "", rows[i].error);
	}

	/* Let the console drain, so kernel lines do not cut into ours. */
	sleep(1);
	printf("=== cw-bench table ===\n");
	print_table();
	printf("=== cw-bench table end ===\n");
	printf("=== cw-bench json ===\n");
	print_json();
	printf("=== cw-bench json end ===\n");
	fflush(stdout);
	return 0;
}
