// SPDX-License-Identifier: GPL-2.0
/*
 * cw-burn: a stand-in for a cryptominer, for the selftests and the demo.
 *
 *   cw-burn [-t THREADS] [-d DUTY] [-b SECONDS] [-s SECONDS] [-f] [-u]
 *           [-e PATH]
 *
 *   -t N   burn in N threads (default 1)
 *   -d P   each thread is busy P percent of every 100 ms (default 100)
 *   -b S   burn for S seconds, then sleep until killed
 *   -s S   exit 0 after S seconds
 *   -f     fork one child that burns; exit 0 once it is killed by
 *          SIGKILL, 1 if it ends any other way
 *   -u     unlink our own executable first, as miners do
 *   -e P   exec P (with no arguments but -s of ours) first thing
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned int duty = 100;
static double burst = -1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *burn(void *arg)
{
	double start = now(), slot;
	volatile unsigned long spin = 0;

	for (;;) {
		if (burst >= 0 && now() - start >= burst)
			for (;;)
				pause();
		slot = now();
		while (now() - slot < duty / 1000.0)
			spin++;
		if (duty < 100)
			usleep((100 - duty) * 1000);
	}
	return NULL;
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
		burn(NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : 1;
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

int main(int argc, char **argv)
{
	unsigned int threads = 1, i;
	double seconds = -1;
	const char *exec_path = NULL;
	bool forking = false;
	pthread_t tid;
	int opt;

	while ((opt = getopt(argc, argv, "t:d:b:s:fue:")) != -1) {
		switch (opt) {
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			duty = strtoul(optarg, NULL, 0);
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
		case 'u':
			unlink_self();
			break;
		case 'e':
			exec_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: cw-burn [-t N] [-d PCT] [-b S] [-s S] [-f] [-u] [-e PATH]\n");
			return 2;
		}
	}
	if (!threads || !duty || duty > 100) {
		fprintf(stderr, "cw-burn: need -t >= 1 and -d in 1..100\n");
		return 2;
	}
	if (exec_path) {
		execl(exec_path, exec_path, (char *)NULL);
		fprintf(stderr, "cw-burn: exec %s: %s\n", exec_path, strerror(errno));
		return 2;
	}
	if (forking)
		return child_burner();
	signal(SIGALRM, done);
	if (seconds >= 0)
		alarm(seconds > 0 ? (unsigned int)seconds : 1);
	for (i = 1; i < threads; i++)
		if (pthread_create(&tid, NULL, burn, NULL)) {
			fprintf(stderr, "cw-burn: pthread_create failed\n");
			return 2;
		}
	burn(NULL);
	return 0;
}
