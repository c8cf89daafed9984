// SPDX-License-Identifier: GPL-2.0
/*
 * Allow rules: programs an admin vouches for, which are never tracked.
 *
 *   sha256:HEX   this content, wherever it is
 *   path:/P      the file at /P, but only while it and every directory
 *                above it are owned by root and writable by no group or
 *                other: else whoever can write there could swap in a
 *                program of their own
 *   uid:N        every program that a process of real uid N runs
 *
 * Module parameter "allow": the rules, comma-separated.  A write replaces
 * them all or, if any rule is bad, none: -EINVAL for a malformed rule,
 * -ENOENT for a path that does not exist, -EPERM for a path that does not
 * meet the ownership condition, -E2BIG beyond CPUWARDEN_ALLOW_MAX rules.
 * The netlink family adds and deletes single rules.  Path rules are stored
 * resolved, as exec sees the file.
 *
 * The rules are one array, replaced as a whole on every change, which is
 * rare.  An exec only reads them, and only for programs of unowned origin:
 * under RCU, and with a reference on the array while it checks a path
 * rule, which may sleep.
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <uapi/linux/cpuwarden.h>

#include "allow.h"
#include "netlink.h"
#include "policy.h"

struct cw_rules {
	struct rcu_head rcu;
	refcount_t ref;			/* readers that sleep, and one published */
	unsigned int nr;
	bool paths;
	struct cw_allow_rule r[];
};

static struct cw_rules __rcu *rules;
static DEFINE_MUTEX(rules_mutex);	/* serialises writers */

static struct cw_rules *rules_alloc(unsigned int nr)
{
	struct cw_rules *rs = kzalloc(struct_size(rs, r, nr), GFP_KERNEL);

	if (rs)
		refcount_set(&rs->ref, 1);
	return rs;
}

static void rules_free(struct cw_rules *rs)
{
	unsigned int i;

	if (!rs)
		return;
	for (i = 0; i < rs->nr; i++)
		kfree(rs->r[i].path);
	kfree(rs);
}

static void rules_free_rcu(struct rcu_head *head)
{
	rules_free(container_of(head, struct cw_rules, rcu));
}

static void rules_put(struct cw_rules *rs)
{
	if (rs && refcount_dec_and_test(&rs->ref))
		call_rcu(&rs->rcu, rules_free_rcu);
}

/* Publish @new (NULL when empty) and drop the old set; under rules_mutex. */
static void rules_publish(struct cw_rules *new)
{
	struct cw_rules *old;
	unsigned int i;

	if (new && !new->nr) {
		rules_free(new);
		new = NULL;
	}
	for (i = 0; new && i < new->nr; i++)
		new->paths |= new->r[i].kind == CW_ALLOW_PATH;
	old = rcu_replace_pointer(rules, new, lockdep_is_held(&rules_mutex));
	rules_put(old);
}

/* @start and each directory above it, across mounts, root's alone. */
static bool root_owned_chain(const struct path *start)
{
	struct path p = *start;
	struct dentry *parent;
	struct inode *inode;
	bool ok = true;

	path_get(&p);
	for (;;) {
		inode = d_inode(p.dentry);
		if (!inode || !uid_eq(inode->i_uid, GLOBAL_ROOT_UID) ||
		    (inode->i_mode & (0020 | 0002))) {
			ok = false;
			break;
		}
		if (p.dentry == p.mnt->mnt_root) {
			if (!follow_up(&p))
				break;
			continue;
		}
		if (IS_ROOT(p.dentry))
			break;
		parent = dget_parent(p.dentry);
		dput(p.dentry);
		p.dentry = parent;
	}
	path_put(&p);
	return ok;
}

/*
 * Resolve @arg into @rule->path.  @strict: it must be a regular file with
 * a root-owned chain (adding a rule); else any existing file will do
 * (deleting one).  From the sender's descriptor if @rule has one, else,
 * once loaded, from the dentry cache only (-EAGAIN: cw_policy_lookup()).
 */
static int resolve_path(struct cw_allow_rule *rule, const char *arg, bool strict)
{
	struct path path;
	char *buf, *s;
	int ret;

	if (arg[0] != '/')
		return -EINVAL;
	if (rule->by_fd)
		ret = cw_policy_fd_path(rule->fd, &path);
	else
		ret = kern_path(arg, LOOKUP_FOLLOW | cw_policy_lookup(), &path);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (strict && !d_is_reg(path.dentry))
		goto out;
	ret = -EPERM;
	if (strict && !root_owned_chain(&path))
		goto out;
	ret = -ENOMEM;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		goto out;
	s = d_path(&path, buf, PATH_MAX);
	if (IS_ERR(s))
		ret = PTR_ERR(s);
	else
		rule->path = kstrdup(s, GFP_KERNEL);
	kfree(buf);
	if (!IS_ERR(s))
		ret = rule->path ? 0 : -ENOMEM;
out:
	path_put(&path);
	return ret;
}

static int parse_rule(struct cw_allow_rule *rule, char *s)
{
	unsigned int uid;
	char *arg;

	arg = strchr(s, ':');
	if (!arg)
		return -EINVAL;
	*arg++ = '\0';
	if (!strcmp(s, "sha256")) {
		rule->kind = CW_ALLOW_SHA;
		if (strlen(arg) != 2 * CPUWARDEN_SHA256_LEN ||
		    hex2bin(rule->sha, arg, CPUWARDEN_SHA256_LEN))
			return -EINVAL;
		return 0;
	}
	if (!strcmp(s, "uid")) {
		rule->kind = CW_ALLOW_UID;
		if (kstrtouint(arg, 10, &uid))
			return -EINVAL;
		rule->uid = make_kuid(&init_user_ns, uid);
		return uid_valid(rule->uid) ? 0 : -EINVAL;
	}
	if (!strcmp(s, "path")) {
		rule->kind = CW_ALLOW_PATH;
		return resolve_path(rule, arg, true);
	}
	return -EINVAL;
}

static int set_allow(const char *val, const struct kernel_param *kp)
{
	struct cw_rules *new;
	char *buf, *s, *tok;
	unsigned int n = 0;
	int ret = 0;

	if (cw_policy_refused())
		return cw_policy_refused();
	buf = kstrdup(val, GFP_KERNEL);
	new = rules_alloc(CPUWARDEN_ALLOW_MAX);
	if (!buf || !new) {
		ret = -ENOMEM;
		goto out;
	}
	s = strim(buf);
	if (!*s)
		s = NULL;
	while ((tok = strsep(&s, ","))) {
		if (n == CPUWARDEN_ALLOW_MAX) {
			ret = -E2BIG;
			break;
		}
		ret = parse_rule(&new->r[n], strim(tok));
		new->nr = ++n;
		if (ret)
			break;
	}
	if (ret)
		goto out;

	mutex_lock(&rules_mutex);
	rules_publish(new);
	mutex_unlock(&rules_mutex);
	new = NULL;
	cw_netlink_changed("allow=%s", val);
out:
	rules_free(new);
	kfree(buf);
	return ret;
}

static int get_allow(char *buf, const struct kernel_param *kp)
{
	const struct cw_rules *rs;
	unsigned int i;
	int len = 0;

	rcu_read_lock();
	rs = rcu_dereference(rules);
	for (i = 0; rs && i < rs->nr; i++) {
		if (i)
			len += sysfs_emit_at(buf, len, ",");
		len += cw_allow_format(&rs->r[i], buf + len, PAGE_SIZE - len);
	}
	rcu_read_unlock();
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static const struct kernel_param_ops allow_ops = {
	.set = set_allow,
	.get = get_allow,
};

module_param_cb(allow, &allow_ops, NULL, 0600);
MODULE_PARM_DESC(allow,
		 "Programs never tracked, comma-separated: sha256:HEX, path:/ABS/PATH (root-owned chain only), uid:N");

/* As the "allow" parameter spells it; truncated to @size. */
int cw_allow_format(const struct cw_allow_rule *r, char *buf, size_t size)
{
	if (r->kind == CW_ALLOW_SHA)
		return scnprintf(buf, size, "sha256:%*phN", CPUWARDEN_SHA256_LEN, r->sha);
	if (r->kind == CW_ALLOW_UID)
		return scnprintf(buf, size, "uid:%u", from_kuid(&init_user_ns, r->uid));
	return scnprintf(buf, size, "path:%s", r->path);
}

static bool same_rule(const struct cw_allow_rule *a, const struct cw_allow_rule *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CW_ALLOW_SHA)
		return !memcmp(a->sha, b->sha, CPUWARDEN_SHA256_LEN);
	if (a->kind == CW_ALLOW_UID)
		return uid_eq(a->uid, b->uid);
	return !strcmp(a->path, b->path);
}

static int find(const struct cw_rules *rs, const struct cw_allow_rule *rule)
{
	unsigned int i;

	for (i = 0; rs && i < rs->nr; i++)
		if (same_rule(&rs->r[i], rule))
			return i;
	return -1;
}

/*
 * A copy of the rules with @rule added, or without the rule at @skip.
 * Path strings are duplicated: the old set is freed on its own.
 */
static struct cw_rules *rules_copy(const struct cw_rules *old,
				   const struct cw_allow_rule *rule, int skip)
{
	unsigned int i, n = 0, nr = old ? old->nr : 0;
	struct cw_rules *new = rules_alloc(nr + !!rule);
	const struct cw_allow_rule *r;

	for (i = 0; new && i <= nr; i++) {
		r = i < nr ? &old->r[i] : rule;
		if (!r || (int)i == skip)
			continue;
		new->r[n] = *r;
		new->r[n].path = NULL;
		if (r->path) {
			new->r[n].path = kstrdup(r->path, GFP_KERNEL);
			if (!new->r[n].path)
				goto nomem;
		}
		new->nr = ++n;
	}
	return new;
nomem:
	rules_free(new);
	return NULL;
}

/*
 * Add @r (@add) or delete it, as one replacement of the published set:
 * -EEXIST, -ENOENT, -E2BIG as the set stands.  @r as cw_allow_resolve()
 * made it.
 */
int cw_allow_update(const struct cw_allow_rule *r, bool add)
{
	struct cw_rules *old, *new;
	int i, ret = 0;

	mutex_lock(&rules_mutex);
	old = rcu_dereference_protected(rules, lockdep_is_held(&rules_mutex));
	i = find(old, r);
	if (add && i >= 0)
		ret = -EEXIST;
	else if (!add && i < 0)
		ret = -ENOENT;
	else if (add && old && old->nr >= CPUWARDEN_ALLOW_MAX)
		ret = -E2BIG;
	if (!ret) {
		new = rules_copy(old, add ? r : NULL, add ? -1 : i);
		if (new)
			rules_publish(new);
		else
			ret = -ENOMEM;
	}
	mutex_unlock(&rules_mutex);
	return ret;
}

/*
 * @rule, whose path is as given, as cw_allow_update() stores or finds it,
 * in @r: a path resolved.  To add, the file must exist (-ENOENT), be a
 * regular file (-EINVAL, also for a relative path) with a root-owned
 * chain (-EPERM), resolved as resolve_path() says; to delete, a path
 * that does not resolve is matched as given (but a descriptor that is
 * not open is -EBADF).  Apart from the update, so that a caller resolves
 * before it takes its locks.  Undone by cw_allow_release(@r), also after
 * an error.
 */
int cw_allow_resolve(const struct cw_allow_rule *rule, struct cw_allow_rule *r,
		     bool add)
{
	int ret;

	*r = *rule;
	r->path = NULL;
	if (rule->kind != CW_ALLOW_PATH)
		return 0;
	if (add)
		return resolve_path(r, rule->path, true);
	ret = resolve_path(r, rule->path, false);
	if (ret == -EBADF)
		return ret;
	if (ret) {
		r->path = kstrdup(rule->path, GFP_KERNEL);
		if (!r->path)
			return -ENOMEM;
	}
	return 0;
}

void cw_allow_release(struct cw_allow_rule *r)
{
	kfree(r->path);
	r->path = NULL;
}

unsigned int cw_allow_count(void)
{
	const struct cw_rules *rs;
	unsigned int nr;

	rcu_read_lock();
	rs = rcu_dereference(rules);
	nr = rs ? rs->nr : 0;
	rcu_read_unlock();
	return nr;
}

/* The rule at @i, or NULL past the end.  Under RCU. */
const struct cw_allow_rule *cw_allow_nth(unsigned int i)
{
	const struct cw_rules *rs = rcu_dereference(rules);

	return rs && i < rs->nr ? &rs->r[i] : NULL;
}

bool cw_allow_any(void)
{
	return rcu_access_pointer(rules);
}

static bool path_allowed(struct file *file, const struct cw_rules *rs)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	bool ret = false;
	unsigned int i;
	char *s;

	if (!buf)
		return false;
	s = d_path(&file->f_path, buf, PATH_MAX);
	for (i = 0; !IS_ERR(s) && i < rs->nr && !ret; i++)
		ret = rs->r[i].kind == CW_ALLOW_PATH && !strcmp(rs->r[i].path, s);
	kfree(buf);
	/* Checked at every exec: ownership may have changed since. */
	return ret && root_owned_chain(&file->f_path);
}

/*
 * Whether a rule vouches for the program in @file, hashed as @sha (NULL
 * if not), started by a process of real uid @uid.  May sleep.
 */
bool cw_allow_match(struct file *file, const u8 *sha, kuid_t uid)
{
	struct cw_rules *rs;
	bool ret = false;
	unsigned int i;

	rcu_read_lock();
	rs = rcu_dereference(rules);
	for (i = 0; rs && i < rs->nr && !ret; i++) {
		const struct cw_allow_rule *r = &rs->r[i];

		ret = (r->kind == CW_ALLOW_UID && uid_eq(r->uid, uid)) ||
		      (r->kind == CW_ALLOW_SHA && sha &&
		       !memcmp(r->sha, sha, CPUWARDEN_SHA256_LEN));
	}
	/* A set being replaced has a successor: the next look finds it. */
	while (!ret && rs && rs->paths && !refcount_inc_not_zero(&rs->ref))
		rs = rcu_dereference(rules);
	rcu_read_unlock();
	if (ret || !rs || !rs->paths)
		return ret;

	ret = path_allowed(file, rs);
	rules_put(rs);
	return ret;
}

/* Hooks are gone: nothing reads the rules any more. */
void cw_allow_exit(void)
{
	mutex_lock(&rules_mutex);
	rules_publish(NULL);
	mutex_unlock(&rules_mutex);
	rcu_barrier();
}
