// SPDX-License-Identifier: GPL-2.0
/*
 * cw-randomx: a real Monero miner's inner loop, without the network.
 *
 * RandomX is the proof of work Monero has used since 2019 and the one
 * XMRig computes.  This program runs it through Debian's librandomx in
 * light mode (a 256 MiB cache instead of the 2 GiB dataset), hashing a
 * nonce after another as a miner does, so that the selftests judge the
 * workload cpuwarden exists for: its CPU use, its memory traffic and
 * its floating-point rounding modes.
 *
 *   cw-randomx [-o FILE] [-t THREADS] [-x]
 *
 *   -o FILE     write "hashing" to FILE once the cache is ready, then the
 *               number of hashes each second
 *   -t THREADS  hash in THREADS threads, each with its own VM over the
 *               one cache (default 1)
 *   -x          the main thread exits (pthread_exit()) once the others
 *               hash, with -o after writing "hashing": a group without
 *               its leader, as some miners leave theirs
 *
 * It runs until killed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <randomx.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static randomx_cache *cache;
static randomx_flags flags;
static volatile unsigned long hashes;

static void *hash_loop(void *arg)
{
	randomx_vm *vm = randomx_create_vm(flags, cache, NULL);
	unsigned char blob[76] = { 0 }, out[RANDOMX_HASH_SIZE];
	uint32_t nonce = (uint32_t)(uintptr_t)arg << 24;

	if (!vm) {
		fprintf(stderr, "cw-randomx: no VM\n");
		exit(1);
	}
	for (;;) {
		/* The nonce sits at byte 39 of a Monero block header. */
		memcpy(blob + 39, &nonce, sizeof(nonce));
		randomx_calculate_hash(vm, blob, sizeof(blob), out);
		nonce++;
		__atomic_add_fetch(&hashes, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char key[] = "cpuwarden selftest seed";
	const char *report = NULL;
	unsigned long last = 0;
	int opt, threads = 1, i, leave = 0;
	pthread_t t;
	FILE *f;

	while ((opt = getopt(argc, argv, "o:t:x")) != -1) {
		switch (opt) {
		case 'o':
			report = optarg;
			break;
		case 't':
			threads = atoi(optarg);
			break;
		case 'x':
			leave = 1;
			break;
		default:
			fprintf(stderr, "usage: cw-randomx [-o FILE] [-t THREADS] [-x]\n");
			return 2;
		}
	}
	flags = randomx_get_flags();
	cache = randomx_alloc_cache(flags);
	if (!cache) {
		/* No large pages or no JIT memory: the portable code path. */
		flags = RANDOMX_FLAG_DEFAULT;
		cache = randomx_alloc_cache(flags);
	}
	if (!cache) {
		fprintf(stderr, "cw-randomx: no memory for the cache\n");
		return 1;
	}
	randomx_init_cache(cache, key, sizeof(key) - 1);
	for (i = 1; i < threads; i++)
		if (pthread_create(&t, NULL, hash_loop, (void *)(uintptr_t)i))
			return 1;
	if (!report && !leave)
		hash_loop(NULL);
	if (pthread_create(&t, NULL, hash_loop, NULL))
		return 1;
	f = report ? fopen(report, "w") : NULL;
	if (report && !f)
		return 1;
	if (f) {
		fprintf(f, "hashing\n");
		fflush(f);
	}
	if (leave)
		pthread_exit(NULL);
	for (;;) {
		unsigned long now;

		sleep(1);
		now = __atomic_load_n(&hashes, __ATOMIC_RELAXED);
		fprintf(f, "%lu\n", now - last);
		fflush(f);
		last = now;
	}
}
