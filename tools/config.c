// SPDX-License-Identifier: GPL-2.0
/*
 * Everything the user types or writes in cpuwarden.conf(5), parsed and
 * checked here before anything is sent, so that the kernel's refusals are
 * left for what only the kernel can know.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sha256.h"
#include "util.h"

const struct cw_key_info cw_keys[CW_NR_KEYS] = {
	[CW_KEY_MODE] = { "mode", CPUWARDEN_A_MODE, CW_TYPE_MODE, 0, CPUWARDEN_MODE_MAX },
	[CW_KEY_THRESHOLD] = { "threshold", CPUWARDEN_A_THRESHOLD, CW_TYPE_UINT,
			       CPUWARDEN_THRESHOLD_MIN, CPUWARDEN_THRESHOLD_MAX },
	[CW_KEY_SUSTAIN] = { "sustain", CPUWARDEN_A_SUSTAIN, CW_TYPE_UINT,
			     CPUWARDEN_SUSTAIN_MIN, CPUWARDEN_SUSTAIN_MAX },
	[CW_KEY_PERIOD_MS] = { "period_ms", CPUWARDEN_A_PERIOD_MS, CW_TYPE_UINT,
			       CPUWARDEN_PERIOD_MS_MIN, CPUWARDEN_PERIOD_MS_MAX },
	[CW_KEY_BUDGET] = { "budget", CPUWARDEN_A_BUDGET, CW_TYPE_UINT,
			    CPUWARDEN_BUDGET_MIN, CPUWARDEN_BUDGET_MAX },
	[CW_KEY_BUDGET_WINDOW] = { "budget_window", CPUWARDEN_A_BUDGET_WINDOW, CW_TYPE_UINT,
				   CPUWARDEN_BUDGET_WINDOW_MIN, CPUWARDEN_BUDGET_WINDOW_MAX },
	[CW_KEY_UID_BUDGET] = { "uid_budget", CPUWARDEN_A_UID_BUDGET, CW_TYPE_UINT,
				CPUWARDEN_UID_BUDGET_MIN, CPUWARDEN_UID_BUDGET_MAX },
	[CW_KEY_CAP] = { "cap", CPUWARDEN_A_CAP, CW_TYPE_UINT,
			 CPUWARDEN_CAP_MIN, CPUWARDEN_CAP_MAX },
	[CW_KEY_ESCALATE] = { "escalate", CPUWARDEN_A_ESCALATE, CW_TYPE_UINT,
			      CPUWARDEN_ESCALATE_MIN, CPUWARDEN_ESCALATE_MAX },
	[CW_KEY_QUIET] = { "quiet", CPUWARDEN_A_QUIET, CW_TYPE_UINT,
			   CPUWARDEN_QUIET_MIN, CPUWARDEN_QUIET_MAX },
	[CW_KEY_PROBATION] = { "probation", CPUWARDEN_A_PROBATION, CW_TYPE_UINT,
			       CPUWARDEN_PROBATION_MIN, CPUWARDEN_PROBATION_MAX },
	[CW_KEY_HASH] = { "hash", CPUWARDEN_A_HASH, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_KILL_TREE] = { "kill_tree", CPUWARDEN_A_KILL_TREE, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_WRITABLE] = { "writable", CPUWARDEN_A_WRITABLE, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_PRIVATE] = { "private", CPUWARDEN_A_PRIVATE, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_RANDOMX] = { "randomx", CPUWARDEN_A_RANDOMX, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_MAPPED] = { "mapped", CPUWARDEN_A_MAPPED, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_UPPER] = { "upper", CPUWARDEN_A_UPPER, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_UNPACKAGED] = { "unpackaged", CPUWARDEN_A_UNPACKAGED, CW_TYPE_BOOL, 0, 1 },
	[CW_KEY_WATCH] = { "watch", CPUWARDEN_A_WATCH, CW_TYPE_WATCH, 0, 0 },
};

static const char * const mode_names[] = {
	[CPUWARDEN_MODE_MONITOR] = "monitor",
	[CPUWARDEN_MODE_THROTTLE] = "throttle",
	[CPUWARDEN_MODE_KILL] = "kill",
};

int cw_key_lookup(const char *name)
{
	int key;

	for (key = 0; key < CW_NR_KEYS; key++)
		if (!strcmp(name, cw_keys[key].name))
			return key;
	return -1;
}

const char *cw_mode_name(uint32_t mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : NULL;
}

/* 0, -EINVAL if @s is not a decimal number, -ERANGE if it is outside u32. */
static int parse_u32(uint32_t *v, const char *s)
{
	bool negative = *s == '-';
	uint64_t n = 0;

	if (negative)
		s++;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (n <= UINT32_MAX)
			n = n * 10 + (*s - '0');
	}
	if (negative || n > UINT32_MAX)
		return -ERANGE;
	*v = n;
	return 0;
}

static int parse_bool(bool *v, const char *key, const char *s, struct cw_errors *errs)
{
	static const char * const yes[] = { "yes", "true", "on", "1" };
	static const char * const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*v = !strcmp(s, yes[i]);
			return 0;
		}
	}
	cw_errors_add(errs, "%s: `%s' is not one of yes, no, true, false, on, off, 1, 0",
		      key, s);
	return -1;
}

static int parse_uint(uint32_t *v, const struct cw_key_info *k, const char *s,
		      struct cw_errors *errs)
{
	uint32_t n;
	int ret = parse_u32(&n, s);

	if (ret == -EINVAL) {
		cw_errors_add(errs, "%s: `%s' is not a number", k->name, s);
		return -1;
	}
	if (ret == -ERANGE || n < k->min || n > k->max) {
		cw_errors_add(errs, "%s: `%s' is out of range %u-%u", k->name, s,
			      k->min, k->max);
		return -1;
	}
	*v = n;
	return 0;
}

static int parse_mode(uint32_t *v, const char *s, struct cw_errors *errs)
{
	uint32_t mode;

	for (mode = 0; mode < ARRAY_SIZE(mode_names); mode++) {
		if (!strcmp(s, mode_names[mode])) {
			*v = mode;
			return 0;
		}
	}
	cw_errors_add(errs, "mode: `%s' is not one of monitor, throttle, kill", s);
	return -1;
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int cw_watch_normalise(char out[CPUWARDEN_WATCH_LEN], const char *list,
		       struct cw_errors *errs)
{
	char *copy = xstrdup(list), *cur = copy, *entry;
	unsigned int nr = 0;
	size_t len = 0;
	int ret = -1;

	while ((entry = strsep(&cur, ",")) != NULL) {
		const char *dir = trim(entry);
		size_t dirlen = strlen(dir);

		if (!*dir) {
			cw_errors_add(errs, "watch: empty directory in `%s'", list);
			goto out;
		}
		if (dir[0] != '/') {
			cw_errors_add(errs, "watch: `%s' is not an absolute path", dir);
			goto out;
		}
		if (++nr > CPUWARDEN_WATCH_MAX) {
			cw_errors_add(errs, "watch: more than %u directories in `%s'",
				      CPUWARDEN_WATCH_MAX, list);
			goto out;
		}
		if (len + (len ? 1 : 0) + dirlen >= CPUWARDEN_WATCH_LEN) {
			cw_errors_add(errs, "watch: `%s' is longer than %u bytes", list,
				      CPUWARDEN_WATCH_LEN - 1);
			goto out;
		}
		if (len)
			out[len++] = ',';
		memcpy(out + len, dir, dirlen);
		len += dirlen;
	}
	out[len] = '\0';
	ret = 0;
out:
	free(copy);
	return ret;
}

/* The module refuses a list naming anything but existing directories. */
static int watch_check_dirs(const char *list, struct cw_errors *errs)
{
	char *copy = xstrdup(list), *cur = copy, *dir;
	struct stat st;
	int ret = 0;

	while ((dir = strsep(&cur, ",")) != NULL) {
		int err = stat(dir, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

		if (err) {
			cw_errors_add(errs, "watch: `%s': %s", dir, strerror(err));
			ret = -1;
		}
	}
	free(copy);
	return ret;
}

int cw_policy_parse(struct cw_policy *p, enum cw_key key, const char *value,
		    struct cw_errors *errs)
{
	const struct cw_key_info *k = &cw_keys[key];
	char watch[CPUWARDEN_WATCH_LEN];
	bool b;

	switch (k->type) {
	case CW_TYPE_MODE:
		if (parse_mode(&p->val[key], value, errs))
			return -1;
		break;
	case CW_TYPE_UINT:
		if (parse_uint(&p->val[key], k, value, errs))
			return -1;
		break;
	case CW_TYPE_BOOL:
		if (parse_bool(&b, k->name, value, errs))
			return -1;
		p->val[key] = b;
		break;
	case CW_TYPE_WATCH:
		if (cw_watch_normalise(watch, value, errs) || watch_check_dirs(watch, errs))
			return -1;
		strcpy(p->watch, watch);
		break;
	}
	p->keys |= CW_KEY_BIT(key);
	return 0;
}

void cw_policy_format(char *buf, size_t len, const struct cw_policy *p, enum cw_key key)
{
	uint32_t v = p->val[key];

	if (!(p->keys & CW_KEY_BIT(key))) {
		snprintf(buf, len, "-");
		return;
	}
	switch (cw_keys[key].type) {
	case CW_TYPE_MODE:
		if (cw_mode_name(v))
			snprintf(buf, len, "%s", cw_mode_name(v));
		else
			snprintf(buf, len, "%u", v);
		break;
	case CW_TYPE_UINT:
		snprintf(buf, len, "%u", v);
		break;
	case CW_TYPE_BOOL:
		snprintf(buf, len, "%s", v ? "yes" : "no");
		break;
	case CW_TYPE_WATCH:
		snprintf(buf, len, "%s", p->watch);
		break;
	}
}

bool cw_policy_equal(const struct cw_policy *a, const struct cw_policy *b, enum cw_key key)
{
	unsigned int bit = CW_KEY_BIT(key);

	if ((a->keys & bit) != (b->keys & bit))
		return false;
	if (!(a->keys & bit))
		return true;
	if (cw_keys[key].type == CW_TYPE_WATCH)
		return !strcmp(a->watch, b->watch);
	return a->val[key] == b->val[key];
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cw_sha256_parse(uint8_t sha[CPUWARDEN_SHA256_LEN], const char *hex,
		    struct cw_errors *errs)
{
	uint8_t out[CPUWARDEN_SHA256_LEN];
	size_t i;

	if (strlen(hex) != 2 * CPUWARDEN_SHA256_LEN)
		goto malformed;
	for (i = 0; i < CPUWARDEN_SHA256_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto malformed;
		out[i] = hi << 4 | lo;
	}
	memcpy(sha, out, sizeof(out));
	return 0;

malformed:
	cw_errors_add(errs, "malformed SHA-256 `%s': expected %u hex digits", hex,
		      2 * CPUWARDEN_SHA256_LEN);
	return -1;
}

void cw_sha256_format(char hex[2 * CPUWARDEN_SHA256_LEN + 1],
		      const uint8_t sha[CPUWARDEN_SHA256_LEN])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < CPUWARDEN_SHA256_LEN; i++) {
		hex[2 * i] = digits[sha[i] >> 4];
		hex[2 * i + 1] = digits[sha[i] & 0xf];
	}
	hex[2 * CPUWARDEN_SHA256_LEN] = '\0';
}

int cw_pid_parse(uint32_t *pid, const char *s, struct cw_errors *errs)
{
	uint32_t n;

	if (parse_u32(&n, s) || n < 1 || n > CW_PID_MAX) {
		cw_errors_add(errs, "`%s' is not a PID", s);
		return -1;
	}
	*pid = n;
	return 0;
}

int cw_rule_parse_sha256(struct cw_rule *r, const char *hex, struct cw_errors *errs)
{
	if (cw_sha256_parse(r->sha256, hex, errs))
		return -1;
	r->kind = CW_RULE_SHA256;
	r->path = NULL;
	return 0;
}

int cw_rule_parse_path(struct cw_rule *r, const char *path, struct cw_errors *errs)
{
	char *real = realpath(path, NULL);
	struct stat st;

	if (!real) {
		cw_errors_add(errs, "`%s': %s", path, strerror(errno));
		return -1;
	}
	if (strlen(real) >= CPUWARDEN_PATH_LEN) {
		cw_errors_add(errs, "`%s': %s", path, strerror(ENAMETOOLONG));
		free(real);
		return -1;
	}
	/* The module allows the program in a file, never a directory's. */
	if (stat(real, &st) || !S_ISREG(st.st_mode)) {
		cw_errors_add(errs, "`%s': not a regular file", path);
		free(real);
		return -1;
	}
	r->kind = CW_RULE_PATH;
	r->path = real;
	return 0;
}

int cw_rule_parse_uid(struct cw_rule *r, const char *s, struct cw_errors *errs)
{
	const struct passwd *pw;
	uint32_t uid;
	int ret = parse_u32(&uid, s);

	if (ret == -EINVAL) {
		pw = getpwnam(s);
		if (!pw) {
			cw_errors_add(errs, "unknown user `%s'", s);
			return -1;
		}
		uid = pw->pw_uid;
	} else if (ret == -ERANGE || uid == (uint32_t)-1) {
		/* (uid_t)-1 is nobody's: the kernel's INVALID_UID. */
		cw_errors_add(errs, "`%s' is not a UID", s);
		return -1;
	}
	r->kind = CW_RULE_UID;
	r->uid = uid;
	r->path = NULL;
	return 0;
}

int cw_rule_parse_file(struct cw_rule *r, const char *path, struct cw_errors *errs)
{
	struct sha256_ctx ctx;
	uint8_t buf[65536];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if (st.st_size > CPUWARDEN_HASH_MAX_SIZE) {
		cw_errors_add(errs, "`%s': larger than %d MiB, which the module identifies by inode, never by content; allow it by path",
			      path, CPUWARDEN_HASH_MAX_SIZE >> 20);
		close(fd);
		return -1;
	}
	sha256_init(&ctx);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&ctx, buf, n);
	if (n < 0)
		goto fail;
	close(fd);
	sha256_final(&ctx, r->sha256);
	r->kind = CW_RULE_SHA256;
	r->path = NULL;
	return 0;

fail:
	cw_errors_add(errs, "`%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int cw_rule_parse(struct cw_rule *r, const char *s, struct cw_errors *errs)
{
	if (!strncmp(s, "sha256:", 7))
		return cw_rule_parse_sha256(r, s + 7, errs);
	if (!strncmp(s, "path:/", 6))
		return cw_rule_parse_path(r, s + 5, errs);
	if (!strncmp(s, "uid:", 4) && s[4])
		return cw_rule_parse_uid(r, s + 4, errs);
	cw_errors_add(errs, "malformed rule `%s' (sha256:HEX, path:/PATH or uid:N)", s);
	return -1;
}

void cw_rule_format(char buf[CW_RULE_STRLEN], const struct cw_rule *r)
{
	char hex[2 * CPUWARDEN_SHA256_LEN + 1];

	switch (r->kind) {
	case CW_RULE_SHA256:
		cw_sha256_format(hex, r->sha256);
		snprintf(buf, CW_RULE_STRLEN, "sha256:%s", hex);
		break;
	case CW_RULE_PATH:
		snprintf(buf, CW_RULE_STRLEN, "path:%s", r->path);
		break;
	case CW_RULE_UID:
		snprintf(buf, CW_RULE_STRLEN, "uid:%u", r->uid);
		break;
	}
}

bool cw_rule_equal(const struct cw_rule *a, const struct cw_rule *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case CW_RULE_SHA256:
		return !memcmp(a->sha256, b->sha256, sizeof(a->sha256));
	case CW_RULE_PATH:
		return !strcmp(a->path, b->path);
	case CW_RULE_UID:
		return a->uid == b->uid;
	}
	return false;
}

void cw_rule_free(struct cw_rule *r)
{
	free(r->path);
	r->path = NULL;
}

void cw_rules_add(struct cw_rules *rules, const struct cw_rule *r)
{
	struct cw_rule *copy;

	rules->rule = xrealloc(rules->rule, (rules->nr + 1) * sizeof(*rules->rule));
	copy = &rules->rule[rules->nr++];
	*copy = *r;
	if (r->path)
		copy->path = xstrdup(r->path);
}

void cw_rules_free(struct cw_rules *rules)
{
	size_t i;

	for (i = 0; i < rules->nr; i++)
		cw_rule_free(&rules->rule[i]);
	free(rules->rule);
	rules->rule = NULL;
	rules->nr = 0;
}

/* Index of "lock" beside the policy keys, to find its duplicates too. */
#define LOCK_KEY CW_NR_KEYS

struct parse_state {
	struct cw_config *c;
	struct cw_errors *errs;
	unsigned int first_line[CW_NR_KEYS + 1];
	unsigned int *rule_line;	/* where each rule of c->allow was */
	bool too_many_rules;
};

static void parse_allow(struct parse_state *ps, const char *value)
{
	struct cw_errors rule_errs = {};
	struct cw_rules *allow = &ps->c->allow;
	char text[CW_RULE_STRLEN];
	struct cw_rule r;
	size_t i;

	if (cw_rule_parse(&r, value, &rule_errs)) {
		for (i = 0; i < rule_errs.nr; i++)
			cw_errors_add(ps->errs, "allow: %s", rule_errs.msg[i]);
		cw_errors_free(&rule_errs);
		return;
	}
	for (i = 0; i < allow->nr; i++) {
		if (cw_rule_equal(&allow->rule[i], &r)) {
			cw_rule_format(text, &r);
			cw_errors_add(ps->errs, "allow: duplicate rule `%s' (first on line %u)",
				      text, ps->rule_line[i]);
			goto out;
		}
	}
	if (allow->nr == CPUWARDEN_ALLOW_MAX) {
		if (!ps->too_many_rules)
			cw_errors_add(ps->errs, "allow: more than %u rules",
				      CPUWARDEN_ALLOW_MAX);
		ps->too_many_rules = true;
		goto out;
	}
	cw_rules_add(allow, &r);
	ps->rule_line = xrealloc(ps->rule_line, allow->nr * sizeof(*ps->rule_line));
	ps->rule_line[allow->nr - 1] = ps->errs->line;
out:
	cw_rule_free(&r);
}

static void parse_line(struct parse_state *ps, char *line)
{
	const char *key, *value;
	char *eq;
	int k;

	line = trim(line);
	if (!*line || *line == '#')
		return;
	eq = strchr(line, '=');
	if (!eq)
		goto malformed;
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (!*key || !*value)
		goto malformed;

	if (!strcmp(key, "allow")) {
		parse_allow(ps, value);
		return;
	}
	k = !strcmp(key, "lock") ? LOCK_KEY : cw_key_lookup(key);
	if (k < 0) {
		cw_errors_add(ps->errs, "unknown key `%s'", key);
		return;
	}
	if (ps->first_line[k]) {
		cw_errors_add(ps->errs, "duplicate key `%s' (first on line %u)", key,
			      ps->first_line[k]);
		return;
	}
	ps->first_line[k] = ps->errs->line;
	if (k == LOCK_KEY)
		parse_bool(&ps->c->lock, key, value, ps->errs);
	else
		cw_policy_parse(&ps->c->policy, k, value, ps->errs);
	return;

malformed:
	cw_errors_add(ps->errs, "expected KEY = VALUE");
}

int cw_config_read(struct cw_config *c, FILE *f, const char *name, struct cw_errors *errs)
{
	struct parse_state ps = { .c = c, .errs = errs };
	size_t nr_errors = errs->nr, size = 0;
	char *line = NULL;

	memset(c, 0, sizeof(*c));
	errs->file = name;
	errs->line = 0;
	while (getline(&line, &size, f) >= 0) {
		errs->line++;
		parse_line(&ps, line);
	}
	errs->file = NULL;
	if (ferror(f))
		cw_errors_add(errs, "%s: %s", name, strerror(errno));
	free(line);
	free(ps.rule_line);
	return errs->nr == nr_errors ? 0 : -1;
}

void cw_config_free(struct cw_config *c)
{
	cw_rules_free(&c->allow);
}
