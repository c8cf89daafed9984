// SPDX-License-Identifier: GPL-2.0
/*
 * cw-burn: a stand-in for a cryptominer, for the selftests and the demo.
 *
 *   cw-burn [-t THREADS] [-d DUTY] [-b SECONDS] [-s SECONDS] [-f|-F] [-u]
 *           [-e PATH] [-n CHILDREN] [-c] [-p] [-m PATH] [-r SECONDS]
 *           [-a CPU] [-o PATH] [-l] [-w SECONDS] [-E] [-B] [-i NICE]
 *           [-P ON,OFF]
 *
 *   -t N   burn in N threads (default 1)
 *   -d P   each thread is busy P percent of every 100 ms (default 100)
 *   -P A,B each thread is busy A ms, then sleeps B ms, and again (a miner
 *          that pauses now and then to slip under a detector)
 *   -b S   burn for S seconds, then sleep until killed
 *   -s S   exit 0 after S seconds
 *   -f     fork one child that burns; exit 0 once it is killed by
 *          SIGKILL, 1 if it ends any other way
 *   -F     daemonize a burner: fork a child that forks the burner and
 *          exits at once; exit 0 once that child is gone
 *   -u     unlink our own executable first, as miners do
 *   -e P   exec P (with no arguments but -s of ours) first thing
 *   -n N   fork N children that each burn like us (-t, -d, -b, -s, -c and
 *          -p apply to every process), all before any of them starts;
 *          we burn too
 *   -c     one more thread per process sends SIGCONT to our process group
 *          (us and our siblings) in a tight loop, to undo any stop
 *   -p     one more thread per process tries, in a tight loop, to undo a
 *          demotion: nice -20 and SCHED_OTHER for every thread of ours
 *   -m P   create P, holding "ran", before anything else: proof that our
 *          code ran at all
 *   -r S   every S seconds copy our executable to cw-reexec-N in its
 *          directory, exec the copy with our options in a child and exit
 *          0 (killing our -n children): a miner that keeps coming back
 *          with a new PID and name and the same content.  Each copy
 *          unlinks the one before it.
 *   -a C   run on CPU C only
 *   -o P   throughput: append to P, every second, the loop iterations
 *          done per second since the last line (first process only)
 *   -l     the first thread only waits; -t N threads besides it burn (a
 *          miner whose main thread sleeps while its workers mine)
 *   -w S   sleep S seconds first, then do all the above (a miner that
 *          lies idle before it mines)
 *   -B     run as SCHED_BATCH (threads and children inherit it)
 *   -i N   run at nice N (likewise)
 *   -E     block SIGUSR1, wait for it, then exec /proc/self/exe with no
 *          arguments: a program that re-executes itself once its file was
 *          replaced by an upgrade (Chrome's zygote, Go tools)
 *
 * -R N is for -r only: the number of relaunches so far.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define MAX_CHILDREN 64
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned int duty = 100;
static unsigned int pulse_on, pulse_off;	/* ms, with -P */
static double burst = -1;

/* Loop iterations of each burning thread, for -o. */
static unsigned long counts[MAX_THREADS];
static unsigned int threads = 1;
static bool lazy_main;

/* Every thread of this process, for -p. */
static pid_t tids[MAX_THREADS + 8];
static unsigned int ntids;

/* For -r. */
static double relaunch_every = -1;
static unsigned int generation;
static char **saved_argv;
static pid_t children[MAX_CHILDREN];
static unsigned int nchildren;

/* struct sched_attr as of SCHED_ATTR_SIZE_VER0; glibc has no wrapper. */
struct cw_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void register_thread(void)
{
	unsigned int i = __atomic_fetch_add(&ntids, 1, __ATOMIC_RELAXED);

	if (i < ARRAY_SIZE(tids))
		__atomic_store_n(&tids[i], gettid(), __ATOMIC_RELEASE);
}

static void *burn(void *arg)
{
	unsigned long *count = arg;
	double start = now(), slot;
	volatile unsigned long spin = 0;
	unsigned int i;

	register_thread();
	for (;;) {
		if (burst >= 0 && now() - start >= burst)
			for (;;)
				pause();
		slot = now();
		do {
			/* A fixed amount of work per counted iteration. */
			for (i = 0; i < 1000; i++)
				spin = spin + 1;
			__atomic_store_n(count, *count + 1, __ATOMIC_RELAXED);
		} while (now() - slot < (pulse_on ? pulse_on : duty) / 1000.0);
		if (pulse_on)
			usleep(pulse_off * 1000);
		else if (duty < 100)
			usleep((100 - duty) * 1000);
	}
	return NULL;
}

static void *sigcont_loop(void *arg)
{
	register_thread();
	for (;;)
		kill(0, SIGCONT);
	return NULL;
}

static void *renice_loop(void *arg)
{
	struct cw_sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_OTHER,
		.sched_nice = -20,
	};
	unsigned int i, n;
	pid_t tid;

	register_thread();
	for (;;) {
		n = __atomic_load_n(&ntids, __ATOMIC_ACQUIRE);
		for (i = 0; i < n && i < ARRAY_SIZE(tids); i++) {
			tid = __atomic_load_n(&tids[i], __ATOMIC_ACQUIRE);
			if (!tid)
				continue;
			/* Errors are expected once the demotion holds. */
			setpriority(PRIO_PROCESS, tid, -20);
			syscall(SYS_sched_setattr, tid, &attr, 0);
		}
	}
	return NULL;
}

static int report_fd = -1;

static unsigned long total_count(void)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < threads; i++)
		sum += __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
	return sum;
}

static void *report_loop(void *arg)
{
	unsigned long last_count = total_count(), count;
	double last = now(), t;
	struct timespec next;

	register_thread();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			;
		t = now();
		count = total_count();
		/* Per second, in case we woke late. */
		dprintf(report_fd, "%lu\n",
			(unsigned long)((count - last_count) / (t - last) + 0.5));
		last_count = count;
		last = t;
	}
	return NULL;
}

static int copy_self(const char *dst)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n ? -1 : 0;
}

/* The directory of our executable, with its trailing slash. */
static int exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n < 0)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	slash[1] = '\0';
	return 0;
}

/* Our options again, for the next generation, with its -R. */
static char **relaunch_argv(const char *name, char *gen)
{
	static char *argv[256];
	unsigned int i, n = 0;

	argv[n++] = (char *)name;
	for (i = 1; saved_argv[i] && n < ARRAY_SIZE(argv) - 3; i++) {
		if (!strcmp(saved_argv[i], "-R")) {
			if (saved_argv[i + 1])
				i++;
			continue;
		}
		if (!strncmp(saved_argv[i], "-R", 2))
			continue;
		argv[n++] = saved_argv[i];
	}
	argv[n++] = "-R";
	argv[n++] = gen;
	argv[n] = NULL;
	return argv;
}

static void relaunch(void)
{
	char dir[PATH_MAX], copy[PATH_MAX + 32], gen[16], **argv;
	unsigned int i;
	pid_t pid;

	if (exe_dir(dir, sizeof(dir)))
		return;
	snprintf(gen, sizeof(gen), "%u", generation + 1);
	snprintf(copy, sizeof(copy), "%scw-reexec-%s", dir, gen);
	if (copy_self(copy))
		return;		/* try again next time */
	argv = relaunch_argv(strrchr(copy, '/') + 1, gen);
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		execv(copy, argv);
		_exit(126);
	}
	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGKILL);
	_exit(0);
}

static void *relaunch_loop(void *arg)
{
	struct timespec ts = {
		.tv_sec = (time_t)relaunch_every,
		.tv_nsec = (long)((relaunch_every - (time_t)relaunch_every) * 1e9),
	};

	register_thread();
	for (;;) {
		while (nanosleep(&ts, &ts))
			;
		relaunch();
		ts.tv_sec = (time_t)relaunch_every;
		ts.tv_nsec = (long)((relaunch_every - (time_t)relaunch_every) * 1e9);
	}
	return NULL;
}

/* The copy before ours is of no more use. */
static void unlink_previous(void)
{
	char dir[PATH_MAX], prev[PATH_MAX + 32];

	if (generation < 2 || exe_dir(dir, sizeof(dir)))
		return;
	snprintf(prev, sizeof(prev), "%scw-reexec-%u", dir, generation - 1);
	unlink(prev);
}

static void done(int sig)
{
	_exit(0);
}

static int child_burner(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (!pid) {
		burn(&counts[0]);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
}

static int daemon_burner(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (!pid) {
		pid = fork();
		if (!pid)
			burn(&counts[0]);
		_exit(pid < 0 ? 2 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

static void unlink_self(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0) {
		perror("cw-burn: readlink /proc/self/exe");
		exit(2);
	}
	path[n] = '\0';
	if (unlink(path)) {
		fprintf(stderr, "cw-burn: unlink %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

#define OPTIONS "t:d:P:b:s:fFue:n:cpm:r:R:a:o:lw:EBi:"

/* -E: the test replaces our file, then sends SIGUSR1. */
static int reexec_self(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || sigwait(&set, &sig))
		return 2;
	execl("/proc/self/exe", "cw-burn", (char *)NULL);
	fprintf(stderr, "cw-burn: exec /proc/self/exe: %s\n", strerror(errno));
	return 2;
}

/* -m goes first: a test looks for the marker to see if any code ran. */
static void make_marker(int argc, char **argv)
{
	static const char ran[] = "ran\n";
	int opt, fd;

	opterr = 0;
	while ((opt = getopt(argc, argv, OPTIONS)) != -1) {
		if (opt != 'm')
			continue;
		fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, ran, sizeof(ran) - 1) != sizeof(ran) - 1) {
			fprintf(stderr, "cw-burn: %s: %s\n", optarg, strerror(errno));
			exit(2);
		}
		close(fd);
	}
	opterr = 1;
	optind = 1;
}

static int start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t tid;

	if (pthread_create(&tid, NULL, fn, arg)) {
		fprintf(stderr, "cw-burn: pthread_create failed\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int i, forks = 0;
	double seconds = -1, wait_s = 0;
	const char *exec_path = NULL, *out_path = NULL;
	bool forking = false, daemonize = false, sigcont = false, renice = false;
	bool first = true;
	long cpu = -1;
	int opt, start[2];
	cpu_set_t set;
	pid_t pid;
	char c;

	make_marker(argc, argv);
	/* getopt may reorder argv; -r needs our options as given. */
	saved_argv = calloc(argc + 1, sizeof(*saved_argv));
	if (!saved_argv)
		return 2;
	memcpy(saved_argv, argv, argc * sizeof(*argv));

	while ((opt = getopt(argc, argv, OPTIONS)) != -1) {
		switch (opt) {
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			duty = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			if (sscanf(optarg, "%u,%u", &pulse_on, &pulse_off) != 2 || !pulse_on)
				duty = 0;	/* refused below */
			break;
		case 'b':
			burst = strtod(optarg, NULL);
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		case 'f':
			forking = true;
			break;
		case 'F':
			daemonize = true;
			break;
		case 'u':
			unlink_self();
			break;
		case 'e':
			exec_path = optarg;
			break;
		case 'n':
			forks = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			sigcont = true;
			break;
		case 'p':
			renice = true;
			break;
		case 'm':
			break;	/* done already */
		case 'r':
			relaunch_every = strtod(optarg, NULL);
			break;
		case 'R':
			generation = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			cpu = strtol(optarg, NULL, 0);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'l':
			lazy_main = true;
			break;
		case 'w':
			wait_s = strtod(optarg, NULL);
			break;
		case 'E':
			return reexec_self();
		case 'B':
			if (sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){ 0 })) {
				perror("cw-burn: SCHED_BATCH");
				return 2;
			}
			break;
		case 'i':
			if (setpriority(PRIO_PROCESS, 0, strtol(optarg, NULL, 0))) {
				perror("cw-burn: nice");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: cw-burn [-t N] [-d PCT] [-b S] [-s S] [-f|-F] [-u] [-e PATH]\n"
					"               [-n N] [-c] [-p] [-m PATH] [-r S] [-a CPU] [-o PATH] [-l]\n"
					"               [-w S] [-E] [-B] [-i NICE] [-P ON,OFF]\n");
			return 2;
		}
	}
	if (!threads || threads > MAX_THREADS || !duty || duty > 100 ||
	    forks > MAX_CHILDREN || (relaunch_every >= 0 && relaunch_every < 0.1) ||
	    cpu >= CPU_SETSIZE) {
		fprintf(stderr, "cw-burn: need -t in 1..%d, -d in 1..100, -n up to %d, "
				"-r of 0.1 s or more, -a below %d\n",
			MAX_THREADS, MAX_CHILDREN, CPU_SETSIZE);
		return 2;
	}
	if (exec_path) {
		execl(exec_path, exec_path, (char *)NULL);
		fprintf(stderr, "cw-burn: exec %s: %s\n", exec_path, strerror(errno));
		return 2;
	}
	/* Before any thread or child: both inherit it. */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "cw-burn: CPU %ld: %s\n", cpu, strerror(errno));
			return 2;
		}
	}
	if (forking)
		return child_burner();
	if (daemonize)
		return daemon_burner();
	unlink_previous();
	if (out_path) {
		report_fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (report_fd < 0) {
			fprintf(stderr, "cw-burn: %s: %s\n", out_path, strerror(errno));
			return 2;
		}
	}
	if (wait_s > 0)
		usleep((useconds_t)(wait_s * 1e6));
	/* The children start together, once all are forked. */
	if (forks && pipe2(start, O_CLOEXEC)) {
		perror("cw-burn: pipe");
		return 2;
	}
	for (i = 0; i < forks; i++) {
		pid = fork();
		if (pid < 0) {
			perror("cw-burn: fork");
			return 2;
		}
		if (!pid) {
			first = false;
			break;
		}
		children[nchildren++] = pid;
	}
	if (forks) {
		close(start[1]);
		if (!first)
			while (read(start[0], &c, 1) < 0 && errno == EINTR)
				;
		close(start[0]);
	}

	signal(SIGALRM, done);
	if (seconds >= 0)
		alarm(seconds > 0 ? (unsigned int)seconds : 1);
	for (i = lazy_main ? 0 : 1; i < threads; i++)
		if (start_thread(burn, &counts[i]))
			return 2;
	if ((sigcont && start_thread(sigcont_loop, NULL)) ||
	    (renice && start_thread(renice_loop, NULL)) ||
	    (first && out_path && start_thread(report_loop, NULL)) ||
	    (first && relaunch_every >= 0 && start_thread(relaunch_loop, NULL)))
		return 2;
	if (lazy_main)
		for (;;)
			pause();
	burn(&counts[0]);
	return 0;
}
