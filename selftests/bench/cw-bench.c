// SPDX-License-Identifier: GPL-2.0
/*
 * cw-bench: the guest side of "make bench".  It measures and prints; it
 * asserts nothing about time.
 *
 *   cw-bench [-s SUSTAIN,...] [-n RUNS] [-w SECONDS] [-W SECONDS] [-c CAP]
 *            [-l CPULIMIT]
 *
 *   -s L   sustain values to measure detection latency at (default 3,6)
 *   -n N   detection runs per sustain value (default 5)
 *   -w S   seconds of CPU samples per throttle row (default 60)
 *   -W S   the sliding window the worst case is taken over (default 10)
 *   -c P   the cap, in percent of one CPU (default 10)
 *   -l P   Debian's cpulimit, to compare the throttle with; without it the
 *          cpulimit rows say "not installed"
 *
 * Progress goes to stdout as "bench: " lines while it runs; at the end the
 * table and the same figures as JSON, each between marker lines, for
 * selftests/bench/run to pick out of the console.  No JSON line starts
 * with '[', so kernel lines ("[ 12.3] ...") can be told apart.
 */
#include "common.h"

#include <cpuid.h>
#include <dirent.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
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
} vm;

/* Each sustain value twice: sampler started by the burner, and running. */
static struct detection detections[2 * MAX_SUSTAINS];
static unsigned int ndetections;
static struct cap_row rows[4];
static unsigned int runs = 5, seconds = 60, window = 10, cap = 10;
static const char *cpulimit;

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("bench: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
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

static void print_table(void)
{
	const struct cap_row *r;
	char burner[16], sus[16];
	unsigned int i;
	double target;

	printf("cpuwarden benchmark\n");
	printf("VM: %s, %ld vCPUs, %lu MiB memory, guest kernel %s\n\n",
	       vm.accel, vm.vcpus, vm.mem_mib, vm.release);

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
	printf("},\n");

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

	printf("  \"targets\": {\n    \"detection_within_sustain_plus_period\": [");
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
	fprintf(stderr, "usage: cw-bench [-s SUSTAIN,...] [-n RUNS] [-w SECONDS] [-W SECONDS]\n"
			"                [-c CAP] [-l CPULIMIT]\n");
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
	char *s, *tok, *save, err[160];
	const char *sustains = "3,6";
	unsigned int i;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:w:W:c:l:")) != -1) {
		switch (opt) {
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
	srandom(time(NULL) ^ getpid());

	if (!cw_module_loaded()) {
		fprintf(stderr, "cw-bench: cpuwarden is not loaded\n");
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
	progress("%s, %ld vCPUs, %lu MiB, kernel %s", vm.accel, vm.vcpus,
		 vm.mem_mib, vm.release);

	/* The budget detector would only blur the sustained one's timing. */
	if (!param("budget", "0", err, sizeof(err)) ||
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
