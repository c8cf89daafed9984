// SPDX-License-Identifier: GPL-2.0
/*
 * The cpuwarden generic netlink family under a fuzzer: at least 100,000
 * generated messages (random and mutated commands and attributes, wrong
 * types and lengths, huge and zero lengths, garbage and deep nests,
 * missing and extra attributes, truncations and lies about lengths, odd
 * request flags and headers), sent as root, as uid 1000 and as root in a
 * user namespace.
 *
 * Nobody but root gets anything but a refusal, and the state (policy,
 * allow rules, quarantine, lock) changes only through messages root sent
 * that were valid; the module never logs a warning, and still answers
 * correctly afterwards.  Root never sends a valid LOCK.
 *
 * The sequence is a function of a seed, printed by every test:
 * CW_FUZZ_SEED=N reruns it, CW_FUZZ_COUNT=N changes the number of messages
 * (split 2:1:1 between root, uid 1000 and the user namespace).
 */

#include "genl.h"

#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../module/version.h"
#include "kselftest_harness.h"

#define FUZZ_COUNT 100000

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define FUZZ_USER 1000
#define BUF_MAX 16384

static __u64 seed;
static unsigned long total;

/* Before the harness forks a test: every test sees the same seed. */
static void __attribute__((constructor)) seed_setup(void)
{
	const char *s = getenv("CW_FUZZ_SEED"), *c = getenv("CW_FUZZ_COUNT");
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = s ? strtoull(s, NULL, 0) :
		((__u64)ts.tv_sec * 1000000007ULL) ^ ts.tv_nsec ^ getpid();
	total = c ? strtoul(c, NULL, 0) : FUZZ_COUNT;
}

/* splitmix64: small, and good enough to pick mutations. */
static __u64 rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 below(__u64 *s, __u32 n)
{
	return n ? rnd(s) % n : 0;
}

static bool chance(__u64 *s, unsigned int pct)
{
	return below(s, 100) < pct;
}

#define PICK(s, arr) ((arr)[below(s, ARRAY_SIZE(arr))])

/* What the senders saw, in memory shared with the test that forked them. */
struct stats {
	unsigned long sent, processed, dropped, ok, replies, snapshots;
	unsigned long err[140];		/* by errno; [0]: beyond */
	bool failed;
};

/* The state a refused message must leave as it was. */
struct snap {
	size_t n;
	unsigned char b[3 * 65536];
	__u32 locked;
	__u32 trusted;		/* packaged files loaded */
};

struct fuzz {
	__u64 rng;
	struct nl *nl;
	bool root;
	struct stats *st;
	struct snap *now, *next;
	unsigned char buf[BUF_MAX + 64];
	size_t len;			/* bytes sent */
	unsigned char valid[BUF_MAX];	/* a well-formed message, to splice */
	size_t valid_len;
};

static const __u8 state_cmds[] = {
	CPUWARDEN_CMD_SET_POLICY, CPUWARDEN_CMD_ALLOW_ADD,
	CPUWARDEN_CMD_ALLOW_DEL, CPUWARDEN_CMD_QUARANTINE_CLEAR,
	CPUWARDEN_CMD_RELEASE, CPUWARDEN_CMD_LOCK, CPUWARDEN_CMD_TRUST_SET,
};

static bool changes_state(__u8 cmd)
{
	unsigned int i;

	for (i = 0; i < sizeof(state_cmds); i++)
		if (cmd == state_cmds[i])
			return true;
	return false;
}

static bool dump_cmd(__u8 cmd)
{
	return cmd == CPUWARDEN_CMD_ALLOW_LIST ||
	       cmd == CPUWARDEN_CMD_QUARANTINE_LIST || cmd == CPUWARDEN_CMD_PS ||
	       cmd == CPUWARDEN_CMD_COUNTS;
}

/* Say what went wrong, with the message, and remember it. */
static void __printf(2, 3) fail(struct fuzz *f, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	size_t i;
	int n = 0;

	va_start(ap, fmt);
	fprintf(stderr, "# FAIL (seed %llu, message %lu as %s uid %u, %zu bytes): ",
		(unsigned long long)seed, f->st->sent, f->root ? "root" : "non-root",
		getuid(), f->len);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	for (i = 0; i < f->len && i < 512; i++) {
		n += snprintf(line + n, sizeof(line) - n, "%02x ", f->buf[i]);
		if (i % 16 == 15 || i + 1 == f->len || i == 511) {
			fprintf(stderr, "#   %s\n", line);
			n = 0;
		}
	}
	f->st->failed = true;
}

/* Building messages, byte by byte: nothing here checks what it writes. */

static struct nlmsghdr *hdr(struct fuzz *f)
{
	return (void *)f->buf;
}

static struct genlmsghdr *ghdr(struct fuzz *f)
{
	return (void *)(f->buf + NLMSG_HDRLEN);
}

static void start(struct fuzz *f, __u8 cmd)
{
	memset(f->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	hdr(f)->nlmsg_type = f->nl->family;
	hdr(f)->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ghdr(f)->cmd = cmd;
	ghdr(f)->version = CPUWARDEN_GENL_VERSION;
	f->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static void fill(__u64 *s, unsigned char *p, size_t len)
{
	while (len--)
		*p++ = rnd(s);
}

/* An attribute; @data NULL: random bytes.  NULL if it does not fit. */
static struct nlattr *attr(struct fuzz *f, __u16 type, const void *data, size_t len)
{
	struct nlattr *a = (void *)(f->buf + f->len);

	if (f->len + NLA_ALIGN(NLA_HDRLEN + len) > BUF_MAX || NLA_HDRLEN + len > 0xffff)
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (data)
		memcpy(a + 1, data, len);
	else
		fill(&f->rng, (void *)(a + 1), len);
	memset((char *)(a + 1) + len, 0, NLA_ALIGN(len) - len);
	f->len += NLA_ALIGN(NLA_HDRLEN + len);
	return a;
}

static void attr_u32(struct fuzz *f, __u16 type, __u32 v)
{
	attr(f, type, &v, sizeof(v));
}

static void attr_str(struct fuzz *f, __u16 type, const char *s)
{
	attr(f, type, s, strlen(s) + 1);
}

static const __u32 ranges[][3] = {
	{ CPUWARDEN_A_MODE, 0, CPUWARDEN_MODE_MAX },
	{ CPUWARDEN_A_THRESHOLD, CPUWARDEN_THRESHOLD_MIN, CPUWARDEN_THRESHOLD_MAX },
	{ CPUWARDEN_A_SUSTAIN, CPUWARDEN_SUSTAIN_MIN, CPUWARDEN_SUSTAIN_MAX },
	{ CPUWARDEN_A_PERIOD_MS, CPUWARDEN_PERIOD_MS_MIN, CPUWARDEN_PERIOD_MS_MAX },
	{ CPUWARDEN_A_BUDGET, CPUWARDEN_BUDGET_MIN, CPUWARDEN_BUDGET_MAX },
	{ CPUWARDEN_A_BUDGET_WINDOW, CPUWARDEN_BUDGET_WINDOW_MIN, CPUWARDEN_BUDGET_WINDOW_MAX },
	{ CPUWARDEN_A_CAP, CPUWARDEN_CAP_MIN, CPUWARDEN_CAP_MAX },
	{ CPUWARDEN_A_ESCALATE, CPUWARDEN_ESCALATE_MIN, CPUWARDEN_ESCALATE_MAX },
	{ CPUWARDEN_A_QUIET, CPUWARDEN_QUIET_MIN, CPUWARDEN_QUIET_MAX },
	{ CPUWARDEN_A_PROBATION, CPUWARDEN_PROBATION_MIN, CPUWARDEN_PROBATION_MAX },
	{ CPUWARDEN_A_HASH, 0, 1 },
	{ CPUWARDEN_A_KILL_TREE, 0, 1 },
	{ CPUWARDEN_A_WRITABLE, 0, 1 },
	{ CPUWARDEN_A_MAPPED, 0, 1 },
	{ CPUWARDEN_A_PRIVATE, 0, 1 },
	{ CPUWARDEN_A_RANDOMX, 0, 1 },
	{ CPUWARDEN_A_UPPER, 0, 1 },
	{ CPUWARDEN_A_UID, 0, 65535 },
	{ CPUWARDEN_A_PID, 1, 4194304 },
};

/* A u32 near the edges of @type's range, or anywhere. */
static __u32 value(struct fuzz *f, __u16 type)
{
	unsigned int i;
	__u32 lo = 0, hi = ~0U;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		if (ranges[i][0] == type) {
			lo = ranges[i][1];
			hi = ranges[i][2];
		}
	switch (below(&f->rng, 10)) {
	case 0:
		return lo;
	case 1:
		return hi;
	case 2:
		return lo - 1;
	case 3:
		return hi + 1;
	case 4:
		return PICK(&f->rng, ((__u32[]){ 0, 1, 2, 0x7fffffff, 0x80000000,
						 ~0U, ~1U, 65535, 65536 }));
	case 5:
		return rnd(&f->rng);
	default:
		return lo + below(&f->rng, hi - lo + 1 ? hi - lo + 1 : ~0U);
	}
}

static const char * const watches[] = {
	"/tmp", "/tmp,/var/tmp,/dev/shm", "/dev/shm", "/run", "/", "/tmp,/tmp",
	"", ",", "/tmp,", ",/tmp", "tmp", "/no/such/dir", "/bin/busybox",
	"/tmp/../tmp", "//tmp", "/tmp,/var/tmp,/dev/shm,/run,/proc,/sys,/dev,/bin,/sbin,/usr,/etc,/root,/home,/lib,/mnt,/opt,/srv",
	"/proc/self/fd", "/dev/null",
};

static const char * const paths[] = {
	"/bin/busybox", "/selftests/cw-burn", "/tmp", "/", "relative",
	"/no/such/file", "/dev/null", "/proc/self/exe", "/bin/../bin/busybox",
	"/usr/sbin/cpuwarden", "", "/bin/busybox/", "/tmp/x",
};

/* A string of odd shape: long, without its NUL, with NULs inside. */
static void attr_odd_str(struct fuzz *f, __u16 type)
{
	static char s[CPUWARDEN_WATCH_LEN + 64];
	size_t len;

	switch (below(&f->rng, 4)) {
	case 0:
		len = CPUWARDEN_WATCH_LEN - 1 + below(&f->rng, 3);
		if (chance(&f->rng, 25))
			len = CPUWARDEN_WATCH_LEN + 63;
		memset(s, 'a', len);
		s[0] = '/';
		for (size_t i = 1; i < len; i += 1 + below(&f->rng, 200))
			s[i] = below(&f->rng, 2) ? '/' : ',';
		s[len - 1] = chance(&f->rng, 50) ? '\0' : 'z';
		attr(f, type, s, len);
		break;
	case 1:
		strcpy(s, PICK(&f->rng, watches));
		attr(f, type, s, strlen(s));		/* no NUL */
		break;
	case 2:
		len = 1 + below(&f->rng, 64);
		fill(&f->rng, (void *)s, len);
		attr(f, type, s, len);
		break;
	default:
		snprintf(s, sizeof(s), "/tmp%c/dev/shm", '\0');
		attr(f, type, s, 14);
		break;
	}
}

/* @type with a plausible value: valid often, near misses too. */
static void attr_value(struct fuzz *f, __u16 type)
{
	unsigned char sha[CPUWARDEN_SHA256_LEN];
	__u64 wide;

	switch (type) {
	case CPUWARDEN_A_WATCH:
		if (chance(&f->rng, 80))
			attr_str(f, type, PICK(&f->rng, watches));
		else
			attr_odd_str(f, type);
		break;
	case CPUWARDEN_A_PATH:
		if (chance(&f->rng, 80))
			attr_str(f, type, PICK(&f->rng, paths));
		else
			attr_odd_str(f, type);
		break;
	case CPUWARDEN_A_SHA256:
	case CPUWARDEN_A_VERSION:
	case CPUWARDEN_A_COMM:
	case CPUWARDEN_A_EXE:
	case CPUWARDEN_A_CHANGE:
		fill(&f->rng, sha, sizeof(sha));
		attr(f, type, sha, chance(&f->rng, 85) ? sizeof(sha) :
		     below(&f->rng, sizeof(sha) + 2));
		break;
	case CPUWARDEN_A_EVENTS_LOST:
	case CPUWARDEN_A_TRACK_LOST:
	case CPUWARDEN_A_EVENTS_LIMITED:
	case CPUWARDEN_A_SIZE:
	case CPUWARDEN_A_WINDOW_MS:
	case CPUWARDEN_A_TRACKED_MS:
	case CPUWARDEN_A_TIME_NS:
	case CPUWARDEN_A_PAD:
		wide = rnd(&f->rng);
		attr(f, type, &wide, sizeof(wide));
		break;
	default:
		if (type == CPUWARDEN_A_PID && chance(&f->rng, 20))
			attr_u32(f, type, getpid());
		else
			attr_u32(f, type, value(f, type));
		break;
	}
}

static const __u16 policy_attrs[] = {
	CPUWARDEN_A_MODE, CPUWARDEN_A_THRESHOLD, CPUWARDEN_A_SUSTAIN,
	CPUWARDEN_A_PERIOD_MS, CPUWARDEN_A_BUDGET, CPUWARDEN_A_BUDGET_WINDOW,
	CPUWARDEN_A_CAP, CPUWARDEN_A_ESCALATE, CPUWARDEN_A_QUIET,
	CPUWARDEN_A_HASH, CPUWARDEN_A_KILL_TREE, CPUWARDEN_A_WATCH,
	CPUWARDEN_A_WRITABLE, CPUWARDEN_A_MAPPED, CPUWARDEN_A_PROBATION,
	CPUWARDEN_A_PRIVATE, CPUWARDEN_A_RANDOMX, CPUWARDEN_A_UPPER,
	CPUWARDEN_A_UNPACKAGED,
};

static const __u16 rule_attrs[] = {
	CPUWARDEN_A_SHA256, CPUWARDEN_A_PATH, CPUWARDEN_A_UID,
};

/* Any attribute type: known, 0, just past the last, or far away. */
static __u16 any_type(struct fuzz *f)
{
	__u16 t;

	switch (below(&f->rng, 6)) {
	case 0:
		t = 0;
		break;
	case 1:
		t = CPUWARDEN_A_MAX + 1 + below(&f->rng, 3);
		break;
	case 2:
		t = rnd(&f->rng);
		break;
	default:
		t = 1 + below(&f->rng, CPUWARDEN_A_MAX);
		break;
	}
	if (chance(&f->rng, 10))
		t |= PICK(&f->rng, ((__u16[]){ NLA_F_NESTED, NLA_F_NET_BYTEORDER,
					       NLA_F_NESTED | NLA_F_NET_BYTEORDER }));
	return t;
}

/* Packaged files, each field in range or just out of it. */
static void trust_value(struct fuzz *f)
{
	struct cpuwarden_trust_id id[3];
	unsigned int i, n = 1 + below(&f->rng, 3);

	for (i = 0; i < n; i++)
		id[i] = (struct cpuwarden_trust_id){
			.ino = rnd(&f->rng),
			.ctime_sec = (__s64)rnd(&f->rng),
			.ctime_nsec = chance(&f->rng, 90) ? below(&f->rng, 1000000000) :
							     1000000000,
			.dev_major = chance(&f->rng, 90) ? below(&f->rng, 4096) : 4096,
			.dev_minor = chance(&f->rng, 90) ? below(&f->rng, 1 << 20) : 1 << 20,
			.reserved = chance(&f->rng, 95) ? 0 : 1,
		};
	attr(f, CPUWARDEN_A_TRUST, id,
	     chance(&f->rng, 90) ? n * sizeof(id[0]) : below(&f->rng, n * sizeof(id[0])));
}

/* The attributes @cmd takes, valid or nearly; the dump flag for dumps. */
static void body_valid(struct fuzz *f, __u8 cmd)
{
	unsigned int i, n;

	switch (cmd) {
	case CPUWARDEN_CMD_SET_POLICY:
		n = 1 + below(&f->rng, 4);
		for (i = 0; i < n; i++)
			attr_value(f, PICK(&f->rng, policy_attrs));
		break;
	case CPUWARDEN_CMD_ALLOW_ADD:
	case CPUWARDEN_CMD_ALLOW_DEL:
		attr_value(f, PICK(&f->rng, rule_attrs));
		break;
	case CPUWARDEN_CMD_RELEASE:
		attr_value(f, CPUWARDEN_A_PID);
		break;
	case CPUWARDEN_CMD_TRUST_SET:
		n = below(&f->rng, 3);
		for (i = 0; i < n; i++)
			trust_value(f);
		break;
	default:
		if (dump_cmd(cmd) && chance(&f->rng, 80))
			hdr(f)->nlmsg_flags |= NLM_F_DUMP;
		break;
	}
}

/* Commands: the family's, unknown ones, and the event. */
static __u8 any_cmd(struct fuzz *f)
{
	switch (below(&f->rng, 8)) {
	case 0:
		return rnd(&f->rng);
	case 1:
		return PICK(&f->rng, ((__u8[]){ CPUWARDEN_CMD_UNSPEC,
						CPUWARDEN_CMD_EVENT,
						CPUWARDEN_CMD_MAX + 1, 0xff }));
	default:
		return 1 + below(&f->rng, CPUWARDEN_CMD_MAX);
	}
}

/* Garbage, or a nest of nests, under NLA_F_NESTED; @depth levels at most. */
static void nest(struct fuzz *f, unsigned int depth)
{
	size_t at = f->len, i, n;
	struct nlattr *a;

	if (!attr(f, any_type(f) | NLA_F_NESTED, NULL, 0))
		return;
	if (!depth || chance(&f->rng, 15)) {
		n = below(&f->rng, 40);
		if (f->len + n <= BUF_MAX) {
			fill(&f->rng, f->buf + f->len, n);
			f->len += n;
		}
	} else {
		n = depth > 8 || chance(&f->rng, 70) ? 1 : 1 + below(&f->rng, 3);
		for (i = 0; i < n; i++) {
			if (chance(&f->rng, 75))
				nest(f, depth - 1);
			else
				attr_value(f, any_type(f) & NLA_TYPE_MASK);
		}
	}
	a = (void *)(f->buf + at);
	a->nla_len = f->len - at > 0xffff ? 0xffff : f->len - at;
	if (chance(&f->rng, 5))
		a->nla_len = PICK(&f->rng, ((__u16[]){ 0, 3, 4, 0xffff }));
	f->len = NLA_ALIGN(f->len);
}

/* An attribute whose nla_len lies: zero, short of a header, huge, past the end. */
static void bad_len(struct fuzz *f)
{
	struct nlattr *a = attr(f, any_type(f), NULL, below(&f->rng, 16));

	if (!a)
		return;
	switch (below(&f->rng, 5)) {
	case 0:
		a->nla_len = 0;
		break;
	case 1:
		a->nla_len = below(&f->rng, NLA_HDRLEN);
		break;
	case 2:
		a->nla_len = 0xffff;
		break;
	case 3:
		a->nla_len += 1 + below(&f->rng, 64);
		break;
	default:
		a->nla_len = 0x8000 + below(&f->rng, 0x8000);
		break;
	}
}

/* One of @cmd's attributes, or anyone's, with a wrong length. */
static void wrong_len(struct fuzz *f, __u8 cmd)
{
	static const size_t lens[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 12, 16, 31, 33,
				       64, 255, 256, 4095, 4096, 4097, 8000 };
	__u16 type;

	if (cmd == CPUWARDEN_CMD_SET_POLICY)
		type = PICK(&f->rng, policy_attrs);
	else if (cmd == CPUWARDEN_CMD_ALLOW_ADD || cmd == CPUWARDEN_CMD_ALLOW_DEL)
		type = PICK(&f->rng, rule_attrs);
	else if (cmd == CPUWARDEN_CMD_RELEASE)
		type = CPUWARDEN_A_PID;
	else
		type = any_type(f);
	attr(f, type, NULL, chance(&f->rng, 70) ? PICK(&f->rng, lens) :
	     below(&f->rng, 600));
}

/*
 * All or nothing: good values beside a watch list that passes the policy
 * but cannot be applied.
 */
static void body_atomic(struct fuzz *f)
{
	static const char * const bad[] = {
		"/no/such/dir", "/bin/busybox", "tmp", "/tmp,/no/such/dir",
		"/tmp,/var/tmp,/dev/shm,/run,/proc,/sys,/dev,/bin,/sbin,/usr,/etc,/root,/home,/lib,/mnt,/opt,/srv",
		"/tmp,,/var/tmp", "/dev/null",
	};
	bool first = chance(&f->rng, 50);
	unsigned int i, n = 1 + below(&f->rng, 3);
	__u16 type;

	start(f, CPUWARDEN_CMD_SET_POLICY);
	if (first)
		attr_str(f, CPUWARDEN_A_WATCH, PICK(&f->rng, bad));
	for (i = 0; i < n; i++) {
		type = policy_attrs[below(&f->rng, ARRAY_SIZE(policy_attrs) - 1)];
		attr_u32(f, type, ranges[type - CPUWARDEN_A_MODE][1] +
			 below(&f->rng, ranges[type - CPUWARDEN_A_MODE][2] -
			       ranges[type - CPUWARDEN_A_MODE][1] + 1));
	}
	if (!first)
		attr_str(f, CPUWARDEN_A_WATCH, PICK(&f->rng, bad));
}

/* The message before mutation. */
static void generate(struct fuzz *f)
{
	__u8 cmd = any_cmd(f);
	unsigned int i, n;

	start(f, cmd);
	switch (below(&f->rng, 17)) {
	case 0 ... 3:		/* as meant, or nearly */
		body_valid(f, cmd);
		break;
	case 4:			/* required attributes missing */
		if (cmd == CPUWARDEN_CMD_ALLOW_ADD || cmd == CPUWARDEN_CMD_ALLOW_DEL) {
			/* none, or two rules at once */
			if (chance(&f->rng, 50)) {
				attr_value(f, PICK(&f->rng, rule_attrs));
				attr_value(f, PICK(&f->rng, rule_attrs));
			}
		}
		break;
	case 5 ... 6:		/* extra attributes */
		body_valid(f, cmd);
		n = 1 + below(&f->rng, 3);
		for (i = 0; i < n; i++) {
			if (chance(&f->rng, 50))
				attr_value(f, any_type(f) & NLA_TYPE_MASK);
			else
				attr(f, any_type(f), NULL, below(&f->rng, 40));
		}
		break;
	case 7 ... 8:		/* random attributes */
		n = below(&f->rng, 10);
		for (i = 0; i < n; i++)
			attr(f, any_type(f), NULL, below(&f->rng, 80));
		break;
	case 9 ... 10:		/* wrong types and lengths */
		body_valid(f, cmd);
		n = 1 + below(&f->rng, 2);
		for (i = 0; i < n; i++)
			wrong_len(f, cmd);
		break;
	case 11:		/* zero and huge nla_len */
		if (chance(&f->rng, 50))
			body_valid(f, cmd);
		bad_len(f);
		break;
	case 12 ... 13:		/* garbage and deep nests */
		if (chance(&f->rng, 50))
			body_valid(f, cmd);
		n = 1 + below(&f->rng, 2);
		for (i = 0; i < n; i++)
			nest(f, chance(&f->rng, 30) ? 64 : below(&f->rng, 6));
		break;
	case 14:		/* anything at all after the netlink header */
		n = below(&f->rng, 200);
		fill(&f->rng, f->buf + NLMSG_HDRLEN, n);
		f->len = NLMSG_HDRLEN + n;
		break;
	case 15:		/* nothing applied in part */
		body_atomic(f);
		break;
	default:		/* a valid message of another command */
		start(f, any_cmd(f));
		body_valid(f, cmd);
		break;
	}
	if (f->len > BUF_MAX)
		f->len = BUF_MAX;
	hdr(f)->nlmsg_len = f->len;
}

/* Bit flips, interesting bytes, truncation and splices, on the whole message. */
static void mutate(struct fuzz *f)
{
	unsigned int i, n = 1 + below(&f->rng, 4);
	size_t at, cut;

	for (i = 0; i < n; i++) {
		at = below(&f->rng, f->len);
		switch (below(&f->rng, 6)) {
		case 0:
		case 1:
			f->buf[at] ^= 1 << below(&f->rng, 8);
			break;
		case 2:
			f->buf[at] = PICK(&f->rng, ((__u8[]){ 0, 1, 3, 4, 0x7f, 0x80, 0xfe, 0xff }));
			break;
		case 3:		/* cut, and say so */
			f->len = NLMSG_HDRLEN + below(&f->rng, f->len - NLMSG_HDRLEN + 1);
			hdr(f)->nlmsg_len = f->len;
			break;
		case 4:		/* the tail of a valid message after our head */
			if (!f->valid_len || at < NLMSG_HDRLEN)
				break;
			cut = below(&f->rng, f->valid_len);
			if (at + f->valid_len - cut > BUF_MAX)
				break;
			memcpy(f->buf + at, f->valid + cut, f->valid_len - cut);
			f->len = at + f->valid_len - cut;
			hdr(f)->nlmsg_len = f->len;
			break;
		default:	/* an attribute's worth duplicated */
			cut = below(&f->rng, 64);
			if (f->len + cut > BUF_MAX)
				break;
			memmove(f->buf + at + cut, f->buf + at, f->len - at);
			f->len += cut;
			hdr(f)->nlmsg_len = f->len;
			break;
		}
	}
}

/* The command a message carries, as the kernel would read it; -1: none. */
static int cmd_of(const unsigned char *buf, size_t len)
{
	const struct nlmsghdr *nh = (const void *)buf;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || nh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nh->nlmsg_len > len)
		return -1;
	return ((const struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd;
}

/*
 * Root must never lock the module: a LOCK that the kernel would read with
 * no attribute at all (fewer bytes than an attribute header are refused
 * as leftovers) becomes a GET_STATUS.  Any attribute makes it invalid.
 */
static void defuse(struct fuzz *f)
{
	struct nlmsghdr *nh = hdr(f);

	if (cmd_of(f->buf, f->len) == CPUWARDEN_CMD_LOCK &&
	    nh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN)
		ghdr(f)->cmd = CPUWARDEN_CMD_GET_STATUS;
}

/* The header fields a request may get wrong, and the request flags. */
static void headers(struct fuzz *f)
{
	static const __u16 odd[] = {
		NLM_F_DUMP, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_ECHO,
		NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_EXCL, NLM_F_CREATE,
		NLM_F_APPEND, NLM_F_REPLACE, NLM_F_CAPPED, NLM_F_ACK_TLVS,
	};
	int cmd = cmd_of(f->buf, f->len);
	unsigned int i, n;

	if (chance(&f->rng, 15)) {
		n = 1 + below(&f->rng, 3);
		for (i = 0; i < n; i++)
			hdr(f)->nlmsg_flags ^= PICK(&f->rng, odd);
	}
	if (chance(&f->rng, 3))
		hdr(f)->nlmsg_flags = rnd(&f->rng);
	/* dumps as doits, doits as dumps */
	if (cmd >= 0 && chance(&f->rng, 8))
		hdr(f)->nlmsg_flags ^= NLM_F_DUMP;
	if (cmd >= 0 && chance(&f->rng, 4))
		ghdr(f)->version = rnd(&f->rng);
	if (cmd >= 0 && chance(&f->rng, 4))
		ghdr(f)->reserved = 1 + below(&f->rng, 0xffff);
	hdr(f)->nlmsg_pid = chance(&f->rng, 3) ? rnd(&f->rng) : 0;
	/* Only requests reach the family; each gets its ack. */
	hdr(f)->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
}

enum delivery {
	D_ACKED,	/* processed; its ack or NLMSG_DONE ends it */
	D_DROPPED,	/* nlmsg_len lies past the end or below a header: no reply */
	D_PINGED,	/* no NLM_F_ACK, and a GET_STATUS after it in the datagram */
};

/* nlmsg_len lies, and messages that share a datagram. */
static enum delivery lengths(struct fuzz *f)
{
	struct nlmsghdr *nh = hdr(f);
	unsigned int r = below(&f->rng, 100);

	nh->nlmsg_len = f->len;
	if (r < 2) {
		nh->nlmsg_len = f->len + PICK(&f->rng, ((__u32[]){ 1, 4, 4096 }));
		if (chance(&f->rng, 25))
			nh->nlmsg_len = ~0U;
	} else if (r < 3) {
		nh->nlmsg_len = below(&f->rng, NLMSG_HDRLEN);
		if (chance(&f->rng, 20))
			f->len = 1 + below(&f->rng, NLMSG_HDRLEN - 1); /* too short */
	}
	if (f->len < NLMSG_HDRLEN || nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > f->len)
		return D_DROPPED;
	if (r < 6 && f->len > NLMSG_HDRLEN + 1) {
		/* shorter than sent, by less than a header: the rest is ignored */
		nh->nlmsg_len = f->len - 1 - below(&f->rng, 12);
		if (nh->nlmsg_len < NLMSG_HDRLEN)
			nh->nlmsg_len = NLMSG_HDRLEN;
		return D_ACKED;
	}
	if (r < 9 && f->len + NLMSG_HDRLEN + GENL_HDRLEN + 3 <= sizeof(f->buf)) {
		struct nlmsghdr *ping;

		nh->nlmsg_flags &= ~(NLM_F_ACK | NLM_F_DUMP);
		f->len = NLMSG_ALIGN(f->len);
		ping = (void *)(f->buf + f->len);
		memset(ping, 0, NLMSG_HDRLEN + GENL_HDRLEN);
		ping->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
		ping->nlmsg_type = f->nl->family;
		ping->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		ping->nlmsg_seq = nh->nlmsg_seq + 1;
		((struct genlmsghdr *)(ping + 1))->cmd = CPUWARDEN_CMD_GET_STATUS;
		((struct genlmsghdr *)(ping + 1))->version = CPUWARDEN_GENL_VERSION;
		f->len += ping->nlmsg_len;
		return D_PINGED;
	}
	return D_ACKED;
}

/* Snapshots of the state: policy, allow rules, quarantine, lock. */

static void snap_add(struct nlmsghdr *nh, void *arg)
{
	struct snap *s = arg;
	size_t len = nh->nlmsg_len - NLMSG_HDRLEN;

	if (s->n + len + 4 > sizeof(s->b)) {
		s->n = sizeof(s->b) + 1;	/* overflow: never equal */
		return;
	}
	memcpy(s->b + s->n, &nh->nlmsg_len, 4);
	memcpy(s->b + s->n + 4, NLMSG_DATA(nh), len);
	s->n += len + 4;
}

static void status_state(struct nlmsghdr *nh, void *arg)
{
	struct snap *s = arg;

	s->locked = get_u32(nh, CPUWARDEN_A_LOCKED);
	s->trusted = get_u32(nh, CPUWARDEN_A_NR_TRUSTED);
}

static int request(struct nl *nl, __u8 cmd, __u16 flags, struct ack *ack,
		   void (*each)(struct nlmsghdr *nh, void *arg), void *arg)
{
	struct msg m;

	msg_init(&m, nl->family, cmd, flags);
	m.nh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, &m, m.nh.nlmsg_len, 0) < 0)
		return -errno;
	return nl_recv(nl, m.nh.nlmsg_seq, ack, each, arg);
}

/* 0, or the -errno of the request that failed. */
static int snapshot(struct nl *nl, struct snap *s)
{
	struct ack ack;
	int ret;

	s->n = 0;
	s->locked = ~0U;
	s->trusted = ~0U;
	ret = request(nl, CPUWARDEN_CMD_GET_POLICY, 0, &ack, snap_add, s);
	if (!ret)
		ret = request(nl, CPUWARDEN_CMD_ALLOW_LIST, NLM_F_DUMP, &ack, snap_add, s);
	if (!ret)
		ret = request(nl, CPUWARDEN_CMD_QUARANTINE_LIST, NLM_F_DUMP, &ack,
			      snap_add, s);
	if (!ret)
		ret = request(nl, CPUWARDEN_CMD_GET_STATUS, 0, &ack, status_state, s);
	return ret;
}

static bool snap_equal(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && a->locked == b->locked && a->trusted == b->trusted &&
	       !memcmp(a->b, b->b, a->n);
}

static void snap_print(const char *what, const struct snap *s)
{
	char line[200];
	size_t i;
	int n = 0;

	fprintf(stderr, "# %s: locked %u, trusted %u, %zu bytes:\n", what, s->locked,
		s->trusted, s->n);
	for (i = 0; i < s->n && i < 1024; i++) {
		n += snprintf(line + n, sizeof(line) - n, "%02x", s->b[i]);
		if (i % 32 == 31 || i + 1 == s->n) {
			fprintf(stderr, "#   %s\n", line);
			n = 0;
		}
	}
}

static void count_error(struct stats *st, int err)
{
	err = -err;
	st->err[err > 0 && err < 140 ? err : 0]++;
}

/*
 * Root, after every message: one that was refused, or that only reads,
 * left the state as it was; an accepted change may have changed it.
 */
static bool check_state(struct fuzz *f, int cmd, bool refused)
{
	struct snap *t;
	int ret;

	ret = snapshot(f->nl, f->next);
	f->st->snapshots++;
	if (ret) {
		fail(f, "snapshot after the message: %s", strerror(-ret));
		return false;
	}
	if (refused && !snap_equal(f->now, f->next)) {
		fail(f, "command %d was refused or changes nothing, yet the state changed",
		     cmd);
		snap_print("before", f->now);
		snap_print("after", f->next);
		return false;
	}
	t = f->now;
	f->now = f->next;
	f->next = t;
	return true;
}

/*
 * The replies to a message without NLM_F_ACK (an error ack, or replies,
 * or nothing if it did what it should), up to the ack of the GET_STATUS
 * after it: @ack is the message's outcome, as if it had asked for an ack.
 */
static int recv_pinged(struct fuzz *f, __u32 seq, struct ack *ack)
{
	static char buf[65536];
	struct nlmsghdr *nh;
	struct ack ping;
	ssize_t n;
	int len;

	memset(ack, 0, sizeof(*ack));
	for (;;) {
		n = recv(f->nl->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0)
			return -errno;
		if (n > (ssize_t)sizeof(buf))
			return -EMSGSIZE;
		len = n;
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			bool end = nh->nlmsg_type == NLMSG_ERROR ||
				   nh->nlmsg_type == NLMSG_DONE;

			if (nh->nlmsg_seq == seq && end)
				parse_ack(nh, ack);
			else if (nh->nlmsg_seq == seq)
				ack->replies++;
			if (nh->nlmsg_seq != seq + 1 || !end)
				continue;
			memset(&ping, 0, sizeof(ping));
			parse_ack(nh, &ping);
			if (f->root && ping.error)
				return ping.error;
			ack->acked = true;
			return ack->error;
		}
	}
}

/* Send one generated message and judge what came back. */
static bool fuzz_one(struct fuzz *f)
{
	enum delivery d;
	struct ack ack;
	__u32 seq;
	int cmd, ret;

	generate(f);
	if (chance(&f->rng, 30))
		mutate(f);
	/* The family's, always: nothing here is meant for other families. */
	hdr(f)->nlmsg_type = f->nl->family;
	headers(f);
	seq = ++f->nl->seq;
	hdr(f)->nlmsg_seq = seq;
	d = lengths(f);
	if (f->root)
		defuse(f);
	if (d == D_PINGED)
		f->nl->seq++;
	cmd = cmd_of(f->buf, f->len);

	f->st->sent++;
	if (send(f->nl->fd, f->buf, f->len, 0) < 0) {
		fail(f, "send: %s", strerror(errno));
		return false;
	}
	if (d == D_DROPPED) {
		/* Nothing comes for it: a GET_STATUS after it is the next reply. */
		f->st->dropped++;
		ret = request(f->nl, CPUWARDEN_CMD_GET_STATUS, 0, &ack, NULL, NULL);
		if (!ack.acked || (f->root && ret)) {
			fail(f, "status after a dropped message: %s", strerror(-ret));
			return false;
		}
		return true;
	}
	f->st->processed++;
	if (d == D_PINGED)
		ret = recv_pinged(f, seq, &ack);
	else
		ret = nl_recv(f->nl, seq, &ack, NULL, NULL);
	if (!ack.acked) {
		fail(f, "no proper reply: %s", strerror(-ret));
		return false;
	}
	if (ret)
		count_error(f->st, ret);
	f->st->replies += ack.replies;
	if (!f->root) {
		if (!ret || ack.replies) {
			fail(f, "a sender without CAP_NET_ADMIN got %s%s",
			     ret ? strerror(-ret) : "success",
			     ack.replies ? " and a reply" : "");
			return false;
		}
		return true;
	}
	if (!ret)
		f->st->ok++;
	if (!ret && cmd == CPUWARDEN_CMD_LOCK) {
		fail(f, "root sent a LOCK that was accepted");
		return false;
	}
	/* Only a change root was granted may change anything. */
	return check_state(f, cmd, ret || cmd < 0 || !changes_state(cmd));
}

/* @count messages from the stream @rng; false at the first failure. */
static bool fuzz_run(struct nl *nl, bool root, unsigned long count, __u64 rng,
		     struct stats *st)
{
	struct fuzz *f = calloc(1, sizeof(*f));
	struct snap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	unsigned long i;
	bool ok = false;
	__u8 cmd;
	int ret;

	if (!f || !a || !b)
		goto out;
	f->rng = rng;
	f->nl = nl;
	f->root = root;
	f->st = st;
	f->now = a;
	f->next = b;
	if (root) {
		ret = snapshot(nl, f->now);
		if (ret) {
			fprintf(stderr, "# snapshot: %s\n", strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < count && !st->failed; i++) {
		if (i % 64 == 0) {
			/* A fresh valid message to splice tails from: a request. */
			cmd = 1 + below(&f->rng, CPUWARDEN_CMD_MAX - 1);
			start(f, cmd >= CPUWARDEN_CMD_EVENT ? cmd + 1 : cmd);
			body_valid(f, ghdr(f)->cmd);
			hdr(f)->nlmsg_len = f->len;
			memcpy(f->valid, f->buf, f->len);
			f->valid_len = f->len;
		}
		fuzz_one(f);
	}
	ok = !st->failed;
out:
	free(f);
	free(a);
	free(b);
	return ok;
}

/* Opened before the harness forks: each test reads on from where the last stopped. */
static int kmsg = -1;

static void __attribute__((constructor)) kmsg_setup(void)
{
	kmsg = cw_kmsg_open();
}

/*
 * Log lines since the last call that say something went wrong: a WARNING:
 * or BUG:, or the module at warning level or worse.  The netlink core's
 * rate-limited complaints about malformed attributes are expected.
 */
static int kmsg_bad(struct __test_metadata *_metadata)
{
	char rec[2048], *text;
	unsigned int prio;
	int bad = 0;

	while (cw_kmsg_next(kmsg, 0, rec, sizeof(rec))) {
		text = strchr(rec, ';');
		if (!text || sscanf(rec, "%u,", &prio) != 1)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		if (strstr(text, "WARNING:") || strstr(text, "BUG:") ||
		    ((prio & 7) <= 4 && strstr(text, "cpuwarden:"))) {
			TH_LOG("kernel: <%u> %s", prio & 7, text);
			bad++;
		}
	}
	return bad;
}

static void log_stats(struct __test_metadata *_metadata, const char *who,
		      const struct stats *st, double secs)
{
	char line[512];
	unsigned int i;
	int n;

	TH_LOG("%s: %lu messages in %.1f s (%lu dropped by the core for lying lengths), %lu accepted, %lu replies, %lu snapshots",
	       who, st->sent, secs, st->dropped, st->ok, st->replies, st->snapshots);
	n = snprintf(line, sizeof(line), "%s: refused:", who);
	for (i = 1; i < 140; i++)
		if (st->err[i])
			n += snprintf(line + n, sizeof(line) - n, " %s %lu",
				      strerrorname_np(i) ?: "?", st->err[i]);
	if (st->err[0])
		snprintf(line + n, sizeof(line) - n, " other %lu", st->err[0]);
	TH_LOG("%s", line);
}

static int genl_version(void *reply)
{
	return ((struct genlmsghdr *)NLMSG_DATA((struct nlmsghdr *)reply))->version;
}

static __u32 policy_u32(struct nl *nl, __u16 type)
{
	static char reply[8192];
	struct msg m;
	struct ack ack;

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_POLICY, 0);
	if (transact(nl, &m, &ack, reply, sizeof(reply)))
		return ~0U;
	return get_u32(reply, type);
}

/* The module answers valid requests, and refuses invalid ones, correctly. */
static void check_answers(struct __test_metadata *_metadata, struct nl *nl)
{
	static struct snap before, after;
	char reply[8192], version[64] = "";
	__u32 sustain, other;
	struct nlattr *a;
	FILE *v;
	struct msg m;
	struct ack ack;

	msg_init(&m, nl->family, CPUWARDEN_CMD_GET_STATUS, 0);
	ASSERT_EQ(0, transact(nl, &m, &ack, reply, sizeof(reply)));
	EXPECT_EQ(CPUWARDEN_GENL_VERSION, genl_version(reply));
	a = find((void *)reply, GENL_HDRLEN, CPUWARDEN_A_VERSION);
	ASSERT_NE(NULL, a);
	EXPECT_STREQ(CW_VERSION, (char *)NLA_DATA(a));
	EXPECT_EQ(0U, get_u32(reply, CPUWARDEN_A_LOCKED));
	v = fopen("/sys/module/cpuwarden/version", "r");
	ASSERT_NE(NULL, v);
	ASSERT_NE(NULL, fgets(version, sizeof(version), v));
	fclose(v);
	version[strcspn(version, "\n")] = '\0';
	EXPECT_STREQ(CW_VERSION, version);

	/* One knob set, and read back. */
	sustain = policy_u32(nl, CPUWARDEN_A_SUSTAIN);
	ASSERT_NE(~0U, sustain);
	other = sustain == 77 ? 78 : 77;
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_SUSTAIN, other);
	ASSERT_EQ(0, transact(nl, &m, &ack, NULL, 0)) {
		TH_LOG("SET_POLICY sustain=%u: %s", other, ack.msg);
	}
	EXPECT_EQ(other, policy_u32(nl, CPUWARDEN_A_SUSTAIN));

	/* Invalid values: refused, with a reason, and nothing changed. */
	ASSERT_EQ(0, snapshot(nl, &before));
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_SUSTAIN, sustain);
	put_u32(&m, CPUWARDEN_A_CAP, CPUWARDEN_CAP_MAX + 1);
	EXPECT_EQ(-ERANGE, transact(nl, &m, &ack, NULL, 0));
	EXPECT_NE('\0', ack.msg[0]);
	EXPECT_TRUE(ack.has_offs);
	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put(&m, CPUWARDEN_A_THRESHOLD, "\x01", 1);
	EXPECT_EQ(-EINVAL, transact(nl, &m, &ack, NULL, 0));
	EXPECT_NE('\0', ack.msg[0]);
	msg_init(&m, nl->family, CPUWARDEN_CMD_RELEASE, 0);
	EXPECT_EQ(-EINVAL, transact(nl, &m, &ack, NULL, 0));
	EXPECT_NE('\0', ack.msg[0]);
	EXPECT_EQ((__u32)CPUWARDEN_A_PID, ack.miss_type);
	ASSERT_EQ(0, snapshot(nl, &after));
	EXPECT_TRUE(snap_equal(&before, &after));
	EXPECT_EQ(other, policy_u32(nl, CPUWARDEN_A_SUSTAIN));

	msg_init(&m, nl->family, CPUWARDEN_CMD_SET_POLICY, 0);
	put_u32(&m, CPUWARDEN_A_SUSTAIN, sustain);
	EXPECT_EQ(0, transact(nl, &m, &ack, NULL, 0));
	EXPECT_EQ(sustain, policy_u32(nl, CPUWARDEN_A_SUSTAIN));
}

/*
 * A fresh module: whatever root's messages set (mode=kill, "/" watched,
 * allow rules) ends here, for the programs after this one.  By syscall,
 * not by rmmod and insmod: an exec now could be tracked and killed.
 */
static int reload(void)
{
	const char *ko = getenv("CW_MODULE");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	ret = cw_unload(5);
	if (ret)
		return ret;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE(fuzz) {
	struct nl nl;
	struct stats *st;
	struct snap before, after;
};

FIXTURE_SETUP(fuzz)
{
	int ret;

	CW_REQUIRE_MODULE();
	TH_LOG("seed %llu, %lu messages in all (CW_FUZZ_SEED, CW_FUZZ_COUNT)",
	       (unsigned long long)seed, total);
	ret = nl_open(&self->nl);
	ASSERT_EQ(0, ret) {
		TH_LOG("cannot resolve the family: %s", strerror(-ret));
	}
	self->st = mmap(NULL, sizeof(*self->st), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->st);
	memset(self->st, 0, sizeof(*self->st));
}

FIXTURE_TEARDOWN(fuzz)
{
	close(self->nl.fd);
}

TEST_F_TIMEOUT(fuzz, as_root, 300)
{
	double t0 = cw_now();
	bool ok;
	int ret;

	ok = fuzz_run(&self->nl, true, total / 2, seed ^ 0x726f6f74, self->st);
	log_stats(_metadata, "root", self->st, cw_now() - t0);
	EXPECT_TRUE(ok);
	check_answers(_metadata, &self->nl);
	EXPECT_EQ(0, kmsg_bad(_metadata));
	close(self->nl.fd);
	self->nl.fd = -1;
	ret = reload();
	ASSERT_EQ(0, ret) {
		TH_LOG("reloading the module: %s", strerror(-ret));
	}
	ASSERT_EQ(0, nl_open(&self->nl));
}

/*
 * Fork a sender that fuzzes from @count messages; @setup gives it its
 * credentials.  The state is the same before and after.
 */
static void fuzz_as(struct __test_metadata *_metadata, FIXTURE_DATA(fuzz) *self,
		    const char *who, int (*setup)(struct nl *a, struct nl *b),
		    unsigned long count, __u64 rng)
{
	double t0 = cw_now();
	unsigned long checks = 0;
	struct nl a, b;
	int status, ret;
	pid_t pid;

	ASSERT_EQ(0, snapshot(&self->nl, &self->before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ret = setup(&a, &b);
		if (ret)
			_exit(ret);
		if (!fuzz_run(&a, false, count / 2, rng, self->st) ||
		    !fuzz_run(&b, false, count - count / 2, rng ^ 1, self->st))
			_exit(1);
		_exit(0);
	}
	/* Meanwhile: nothing changes. */
	while (!(ret = waitpid(pid, &status, WNOHANG))) {
		ASSERT_EQ(0, snapshot(&self->nl, &self->after));
		checks++;
		if (!snap_equal(&self->before, &self->after)) {
			cw_reap(pid);
			snap_print("before", &self->before);
			snap_print("during", &self->after);
			ASSERT_TRUE(false) {
				TH_LOG("the state changed while %s sent", who);
			}
		}
		usleep(5 * 1000);
	}
	ASSERT_EQ(pid, ret);
	TH_LOG("%s: the state checked %lu times meanwhile", who, checks);
	log_stats(_metadata, who, self->st, cw_now() - t0);
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 99)
		SKIP(return, "user namespaces are not available");
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(count, self->st->sent);
	ASSERT_EQ(0, snapshot(&self->nl, &self->after));
	EXPECT_TRUE(snap_equal(&self->before, &self->after)) {
		snap_print("before", &self->before);
		snap_print("after", &self->after);
	}
	EXPECT_EQ(0, kmsg_bad(_metadata));
}

static int drop_to_user(struct nl *a, struct nl *b)
{
	if (setgroups(0, NULL) || setresgid(FUZZ_USER, FUZZ_USER, FUZZ_USER) ||
	    setresuid(FUZZ_USER, FUZZ_USER, FUZZ_USER))
		return 100;
	if (getuid() != FUZZ_USER || geteuid() != FUZZ_USER)
		return 101;
	if (nl_open(a) || nl_open(b))
		return 102;
	return 0;
}

TEST_F_TIMEOUT(fuzz, as_user, 150)
{
	fuzz_as(_metadata, self, "uid 1000", drop_to_user, total / 4,
		seed ^ 0x75736572);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -1;
	close(fd);
	return ret;
}

/*
 * Root in a new user namespace, in the initial network namespace where
 * the family lives: with a socket opened before unshare() (by the host's
 * root), then with one opened after.
 */
static int enter_userns(struct nl *a, struct nl *b)
{
	if (nl_open(a))
		return 102;
	if (unshare(CLONE_NEWUSER))
		return errno == EPERM || errno == EINVAL ? 99 : 103;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 0 1") ||
	    write_file("/proc/self/gid_map", "0 0 1"))
		return 104;
	if (getuid() != 0)
		return 105;
	if (nl_open(b))
		return 106;
	return 0;
}

TEST_F_TIMEOUT(fuzz, in_userns, 150)
{
	fuzz_as(_metadata, self, "root in a user namespace", enter_userns,
		total - total / 2 - total / 4, seed ^ 0x6e73);
}

/* After everyone's messages, the module still answers as it should. */
TEST_F_TIMEOUT(fuzz, answers_afterwards, 30)
{
	check_answers(_metadata, &self->nl);
	EXPECT_EQ(0, kmsg_bad(_metadata));
}

TEST_HARNESS_MAIN
