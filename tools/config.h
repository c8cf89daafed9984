/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_CONFIG_H
#define _CW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <uapi/linux/cpuwarden.h>

#include "errors.h"

/* The policy keys, in the order "policy show" prints them. */
enum cw_key {
	CW_KEY_MODE,
	CW_KEY_THRESHOLD,
	CW_KEY_SUSTAIN,
	CW_KEY_PERIOD_MS,
	CW_KEY_BUDGET,
	CW_KEY_BUDGET_WINDOW,
	CW_KEY_UID_BUDGET,
	CW_KEY_CAP,
	CW_KEY_ESCALATE,
	CW_KEY_QUIET,
	CW_KEY_PROBATION,
	CW_KEY_HASH,
	CW_KEY_KILL_TREE,
	CW_KEY_WRITABLE,
	CW_KEY_PRIVATE,
	CW_KEY_RANDOMX,
	CW_KEY_MAPPED,
	CW_KEY_UPPER,
	CW_KEY_UNPACKAGED,
	CW_KEY_WATCH,

	CW_NR_KEYS
};

enum cw_key_type {
	CW_TYPE_MODE,
	CW_TYPE_UINT,
	CW_TYPE_BOOL,
	CW_TYPE_WATCH,
};

struct cw_key_info {
	const char *name;	/* as in the config file and the module parameters */
	int attr;		/* CPUWARDEN_A_* */
	enum cw_key_type type;
	uint32_t min, max;	/* CW_TYPE_UINT */
};

extern const struct cw_key_info cw_keys[CW_NR_KEYS];

/* Some or all of the policy: the keys present are those set in @keys. */
struct cw_policy {
	unsigned int keys;		/* 1 << enum cw_key */
	uint32_t val[CW_NR_KEYS];	/* every key but watch */
	char watch[CPUWARDEN_WATCH_LEN];	/* normalised: "a,b,c" */
};

#define CW_KEY_BIT(key) (1U << (key))

int cw_key_lookup(const char *name);
const char *cw_mode_name(uint32_t mode);

/* Parse @value for @key into @p; 0, or -1 with the reason added to @errs. */
int cw_policy_parse(struct cw_policy *p, enum cw_key key, const char *value,
		    struct cw_errors *errs);

/* Normalise a watch list to "a,b,c"; 0, or -1 with the reason added to @errs. */
int cw_watch_normalise(char out[CPUWARDEN_WATCH_LEN], const char *list,
		       struct cw_errors *errs);

/* @key's value in config-file syntax; buffers of CPUWARDEN_WATCH_LEN fit all. */
void cw_policy_format(char *buf, size_t len, const struct cw_policy *p, enum cw_key key);

bool cw_policy_equal(const struct cw_policy *a, const struct cw_policy *b, enum cw_key key);

enum cw_rule_kind {
	CW_RULE_SHA256,
	CW_RULE_PATH,
	CW_RULE_UID,
};

struct cw_rule {
	enum cw_rule_kind kind;
	uint8_t sha256[CPUWARDEN_SHA256_LEN];
	char *path;		/* absolute and resolved, allocated */
	uint32_t uid;
};

/* Room for any rule as text: "path:" and a path rule's longest path. */
#define CW_RULE_STRLEN (sizeof("path:") + CPUWARDEN_PATH_LEN)

struct cw_rules {
	struct cw_rule *rule;
	size_t nr;
};

/*
 * Each of these parses one rule into @r: 0, or -1 with the reason added
 * to @errs.  cw_rule_parse() takes the "KIND:VALUE" form of the config
 * file; the others the VALUE of one kind, where a path may be relative.
 */
int cw_rule_parse(struct cw_rule *r, const char *s, struct cw_errors *errs);
int cw_rule_parse_sha256(struct cw_rule *r, const char *hex, struct cw_errors *errs);
int cw_rule_parse_path(struct cw_rule *r, const char *path, struct cw_errors *errs);
int cw_rule_parse_uid(struct cw_rule *r, const char *uid, struct cw_errors *errs);
/*
 * A sha256 rule for the content of the regular file @path, hashed here as
 * the module hashes what runs.  Files larger than CPUWARDEN_HASH_MAX_SIZE
 * are refused: the module never hashes them, so the rule could not match.
 */
int cw_rule_parse_file(struct cw_rule *r, const char *path, struct cw_errors *errs);

void cw_rule_format(char buf[CW_RULE_STRLEN], const struct cw_rule *r);
bool cw_rule_equal(const struct cw_rule *a, const struct cw_rule *b);
void cw_rule_free(struct cw_rule *r);

/* Append a copy of @r to @rules. */
void cw_rules_add(struct cw_rules *rules, const struct cw_rule *r);
void cw_rules_free(struct cw_rules *rules);

int cw_sha256_parse(uint8_t sha[CPUWARDEN_SHA256_LEN], const char *hex,
		    struct cw_errors *errs);
void cw_sha256_format(char hex[2 * CPUWARDEN_SHA256_LEN + 1],
		      const uint8_t sha[CPUWARDEN_SHA256_LEN]);

/* PIDs as the kernel allows them: 1 to PID_MAX_LIMIT. */
#define CW_PID_MAX 4194304
int cw_pid_parse(uint32_t *pid, const char *s, struct cw_errors *errs);

/* What a cpuwarden.conf(5) file asks for. */
struct cw_config {
	struct cw_policy policy;	/* only the keys the file sets */
	struct cw_rules allow;		/* the complete set of allow rules */
	bool lock;
};

/*
 * Parse a whole file, reporting every error in @errs as "NAME:LINE: ...".
 * 0 when it is valid, -1 when anything is wrong.
 */
int cw_config_read(struct cw_config *c, FILE *f, const char *name, struct cw_errors *errs);
void cw_config_free(struct cw_config *c);

#endif /* _CW_CONFIG_H */
