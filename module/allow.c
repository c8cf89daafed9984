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
 * meet the ownership condition, -E2BIG beyond CW_ALLOW_MAX rules.  Path
 * rules are stored resolved, as exec sees the file.  The rules are
 * published with RCU; an exec only reads them, and only for programs of
 * unowned origin.
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
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <uapi/linux/cpuwarden.h>

#include "allow.h"

enum { RULE_SHA, RULE_PATH, RULE_UID };

struct cw_rule {
	u8 kind;
	kuid_t uid;
	u8 sha[CPUWARDEN_SHA256_LEN];
	char *path;
};

struct cw_rules {
	struct rcu_head rcu;
	unsigned int nr;
	bool paths;
	struct cw_rule r[];
};

static struct cw_rules __rcu *rules;

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

static int parse_path(struct cw_rule *rule, const char *arg)
{
	struct path path;
	char *buf, *s;
	int ret;

	if (arg[0] != '/')
		return -EINVAL;
	ret = kern_path(arg, LOOKUP_FOLLOW, &path);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (!d_is_reg(path.dentry))
		goto out;
	ret = -EPERM;
	if (!root_owned_chain(&path))
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

static int parse_rule(struct cw_rule *rule, char *s)
{
	unsigned int uid;
	char *arg;

	arg = strchr(s, ':');
	if (!arg)
		return -EINVAL;
	*arg++ = '\0';
	if (!strcmp(s, "sha256")) {
		rule->kind = RULE_SHA;
		if (strlen(arg) != 2 * CPUWARDEN_SHA256_LEN ||
		    hex2bin(rule->sha, arg, CPUWARDEN_SHA256_LEN))
			return -EINVAL;
		return 0;
	}
	if (!strcmp(s, "uid")) {
		rule->kind = RULE_UID;
		if (kstrtouint(arg, 10, &uid))
			return -EINVAL;
		rule->uid = make_kuid(&init_user_ns, uid);
		return uid_valid(rule->uid) ? 0 : -EINVAL;
	}
	if (!strcmp(s, "path")) {
		rule->kind = RULE_PATH;
		return parse_path(rule, arg);
	}
	return -EINVAL;
}

static int set_allow(const char *val, const struct kernel_param *kp)
{
	struct cw_rules *new, *old;
	char *buf, *s, *tok;
	unsigned int n = 0;
	int ret = 0;

	buf = kstrdup(val, GFP_KERNEL);
	new = kzalloc(struct_size(new, r, CW_ALLOW_MAX), GFP_KERNEL);
	if (!buf || !new) {
		ret = -ENOMEM;
		goto out;
	}
	s = strim(buf);
	if (!*s)
		s = NULL;
	while ((tok = strsep(&s, ","))) {
		if (n == CW_ALLOW_MAX) {
			ret = -E2BIG;
			break;
		}
		ret = parse_rule(&new->r[n], strim(tok));
		new->nr = ++n;
		if (ret)
			break;
		new->paths |= new->r[n - 1].kind == RULE_PATH;
	}
	if (ret)
		goto out;

	/* The module's parameter lock serialises writers. */
	old = rcu_replace_pointer(rules, n ? new : NULL, true);
	if (n)
		new = NULL;
	if (old)
		call_rcu(&old->rcu, rules_free_rcu);
out:
	rules_free(new);
	kfree(buf);
	return ret;
}

static int get_allow(char *buf, const struct kernel_param *kp)
{
	const struct cw_rules *rs;
	const struct cw_rule *r;
	unsigned int i;
	int len = 0;

	rcu_read_lock();
	rs = rcu_dereference(rules);
	for (i = 0; rs && i < rs->nr; i++) {
		r = &rs->r[i];
		if (i)
			len += sysfs_emit_at(buf, len, ",");
		if (r->kind == RULE_SHA)
			len += sysfs_emit_at(buf, len, "sha256:%*phN",
					     CPUWARDEN_SHA256_LEN, r->sha);
		else if (r->kind == RULE_UID)
			len += sysfs_emit_at(buf, len, "uid:%u",
					     from_kuid(&init_user_ns, r->uid));
		else
			len += sysfs_emit_at(buf, len, "path:%s", r->path);
	}
	rcu_read_unlock();
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static const struct kernel_param_ops allow_ops = {
	.set = set_allow,
	.get = get_allow,
};

module_param_cb(allow, &allow_ops, NULL, 0644);
MODULE_PARM_DESC(allow,
		 "Programs never tracked, comma-separated: sha256:HEX, path:/ABS/PATH (root-owned chain only), uid:N");

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
		ret = rs->r[i].kind == RULE_PATH && !strcmp(rs->r[i].path, s);
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
	const struct cw_rules *rs;
	bool ret = false, paths;
	unsigned int i;

	rcu_read_lock();
	rs = rcu_dereference(rules);
	for (i = 0; rs && i < rs->nr && !ret; i++) {
		const struct cw_rule *r = &rs->r[i];

		ret = (r->kind == RULE_UID && uid_eq(r->uid, uid)) ||
		      (r->kind == RULE_SHA && sha &&
		       !memcmp(r->sha, sha, CPUWARDEN_SHA256_LEN));
	}
	paths = rs && rs->paths;
	rcu_read_unlock();
	if (ret || !paths)
		return ret;

	/* Path rules sleep: look again under the parameter lock. */
	kernel_param_lock(THIS_MODULE);
	rs = rcu_dereference_protected(rules, true);
	ret = rs && path_allowed(file, rs);
	kernel_param_unlock(THIS_MODULE);
	return ret;
}

void cw_allow_exit(void)
{
	rules_free(rcu_dereference_protected(rules, true));
	RCU_INIT_POINTER(rules, NULL);
}
