// SPDX-License-Identifier: GPL-2.0
/*
 * Where a program comes from: is its file owned, or does it live in a
 * watched location, have no path at all, was it deleted, or could a user
 * other than root have written it there?
 *
 * The answer is taken from where the file really is, its superblock and
 * dentry, never from the path string the caller passed.  A symlink into
 * /tmp, "..", a relative path, execveat() on an fd and a bind mount of
 * /tmp elsewhere all end at the same dentry of the same superblock.
 *
 * cw_origin_classify() runs for every exec on the system, so for an
 * owned program it costs a few pointer compares: the superblock differs
 * from every watched one, or, when /tmp is no mount of its own, a short
 * walk up the dentry's parents; then one more walk, to the root of the
 * file's mount, reading each directory's owner and mode; and, for a
 * root-owned file while "unpackaged" is on, a binary search of the
 * packaged files (trust.c).
 */

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/jiffies.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>

#include "compat/dcache.h"
#include "origin.h"
#include "policy.h"
#include "trust.h"

#define CW_WATCH_DEFAULT "/tmp,/var/tmp,/dev/shm"

/*
 * The watched directories, resolved.  Each holds a reference on its
 * mount, so a watched mount cannot be unmounted (except lazily) while
 * it is watched.
 */
struct cw_watch {
	struct rcu_head rcu;
	char *spec;			/* the list as written, for reading back */
	unsigned int nr;
	struct path paths[];
};

static struct cw_watch __rcu *cw_watch;
static DEFINE_MUTEX(cw_watch_mutex);	/* serialises writers */
static unsigned long cw_watch_gen;	/* lists installed; under the mutex */

static void refresh_fn(struct work_struct *work);
static DECLARE_WORK(refresh_work, refresh_fn);
static unsigned long refresh_next;

static void watch_free(struct cw_watch *w)
{
	unsigned int i;

	if (!w)
		return;
	for (i = 0; i < w->nr; i++)
		path_put(&w->paths[i]);
	kfree(w->spec);
	kfree(w);
}

/* The next entry's directory of @w, from its descriptor in @fds. */
static int watch_fd(const u32 *fds, unsigned int nfds, struct cw_watch *w)
{
	struct path *path = &w->paths[w->nr];
	int ret;

	if (w->nr == nfds)
		return -ERANGE;
	ret = cw_policy_fd_path(fds[w->nr], path);
	if (!ret && !d_is_dir(path->dentry)) {
		path_put(path);
		ret = -ENOTDIR;
	}
	return ret;
}

/*
 * @w's list as its directories' paths, as the sender of their
 * descriptors sees them, in place of what it wrote: what status shows,
 * and what a refresh resolves again, is what is watched.  A directory
 * removed since, or whose path has a comma, cannot be written down.
 */
static int watch_spec_from_paths(struct cw_watch *w)
{
	char *spec, *buf, *p;
	size_t len = 0, n;
	unsigned int i;
	int ret = 0;

	spec = kzalloc(CPUWARDEN_WATCH_LEN, GFP_KERNEL);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!spec || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w->nr; i++) {
		p = d_path(&w->paths[i], buf, PATH_MAX);
		if (IS_ERR(p)) {
			ret = PTR_ERR(p);
			break;
		}
		n = strlen(p);
		if (d_unlinked(w->paths[i].dentry))
			ret = -ENOENT;
		else if (*p != '/' || strchr(p, ','))
			ret = -EINVAL;
		else if (len + !!i + n >= CPUWARDEN_WATCH_LEN)
			ret = -E2BIG;
		if (ret)
			break;
		if (i)
			spec[len++] = ',';
		memcpy(spec + len, p, n);
		len += n;
	}
	if (!ret)
		swap(w->spec, spec);
out:
	kfree(spec);
	kfree(buf);
	return ret;
}

/*
 * Parse and resolve a comma-separated list.  With @strict every entry must
 * be an existing absolute directory; without it (the built-in default and
 * refreshes) entries that do not exist yet are skipped.  @lookup: flags
 * for kern_path() (cw_policy_lookup()); or, with @fds, no lookup: the
 * directory of each entry is the sender's descriptor at the same place
 * in @fds (cw_policy_fd_path()), of which there must be @nfds, one each
 * (-ERANGE), and the list is what their paths are.
 */
static struct cw_watch *watch_build(const char *list, bool strict,
				    unsigned int lookup, const u32 *fds,
				    unsigned int nfds, int *err)
{
	struct cw_watch *w;
	char *spec, *buf, *cur, *tok;
	int ret = 0;

	spec = kstrdup(list, GFP_KERNEL);
	buf = kstrdup(list, GFP_KERNEL);
	w = kzalloc(struct_size(w, paths, CPUWARDEN_WATCH_MAX), GFP_KERNEL);
	if (!spec || !buf || !w) {
		ret = -ENOMEM;
		goto fail;
	}
	strim(spec);
	w->spec = spec;
	spec = NULL;

	cur = strim(buf);
	while ((tok = strsep(&cur, ",")) != NULL) {
		tok = strim(tok);
		if (!*tok && strict) {
			ret = -EINVAL;
			goto fail;
		}
		if (!*tok)
			continue;
		if (tok[0] != '/') {
			ret = -EINVAL;
			goto fail;
		}
		if (w->nr == CPUWARDEN_WATCH_MAX) {
			ret = -E2BIG;
			goto fail;
		}
		if (fds)
			ret = watch_fd(fds, nfds, w);
		else
			ret = kern_path(tok, LOOKUP_FOLLOW | LOOKUP_DIRECTORY |
					lookup, &w->paths[w->nr]);
		if (ret == -ENOENT && !strict)
			continue;
		if (ret)
			goto fail;
		w->nr++;
	}
	if (fds) {
		ret = w->nr == nfds ? watch_spec_from_paths(w) : -ERANGE;
		if (ret)
			goto fail;
	}
	kfree(buf);
	return w;

fail:
	kfree(spec);
	kfree(buf);
	watch_free(w);
	*err = ret;
	return NULL;
}

/*
 * Resolve @list as a caller that is about to install it must: every
 * entry an existing absolute directory, from the sender's descriptors
 * @fds (@nfds of them) if given, else from the dentry cache once loaded
 * (-EAGAIN: cw_policy_lookup()).  Apart from installing, so that a
 * caller resolves the paths before it takes any lock.  NULL with *@err
 * set on failure.
 */
struct cw_watch *cw_origin_watch_resolve(const char *list, const u32 *fds,
					 unsigned int nfds, int *err)
{
	return watch_build(list, true, cw_policy_lookup(), fds, nfds, err);
}

/*
 * Make @w the watch list (NULL: none), if @gen is still the generation of
 * the one in place (or @gen is 0: whatever is in place).  @w is freed
 * otherwise.  The list replaced is freed once its readers are done.
 */
static void install_if(struct cw_watch *w, unsigned long gen)
{
	struct cw_watch *old = w;

	mutex_lock(&cw_watch_mutex);
	if (!gen || gen == cw_watch_gen) {
		old = rcu_replace_pointer(cw_watch, w,
					  lockdep_is_held(&cw_watch_mutex));
		cw_watch_gen++;
	}
	mutex_unlock(&cw_watch_mutex);
	if (old != w)
		synchronize_rcu();
	watch_free(old);
}

/* Make @w the watch list; it cannot fail. */
void cw_origin_watch_install(struct cw_watch *w)
{
	install_if(w, 0);
}

/* The list @w, resolved and not installed, as status will show it. */
const char *cw_origin_watch_spec(const struct cw_watch *w)
{
	return w->spec;
}

/* A list resolved and not installed; NULL is nothing. */
void cw_origin_watch_free(struct cw_watch *w)
{
	watch_free(w);
}

static int watch_install(const char *list, bool strict, unsigned int lookup)
{
	struct cw_watch *w;
	int err = 0;

	w = watch_build(list, strict, lookup, NULL, 0, &err);
	if (!w)
		return err;
	cw_origin_watch_install(w);
	return 0;
}

int cw_origin_watch_set(const char *list)
{
	return watch_install(list, true, cw_policy_lookup());
}

/* The list as it was set, truncated to @size. */
int cw_origin_watch_get(char *buf, size_t size)
{
	const struct cw_watch *w;
	int len;

	rcu_read_lock();
	w = rcu_dereference(cw_watch);
	len = scnprintf(buf, size, "%s", w ? w->spec : "");
	rcu_read_unlock();
	return len;
}

/*
 * Something was mounted on a watched directory after it was resolved, as
 * when the module loads before systemd mounts a tmpfs on /tmp.  Resolve
 * the same list again, so the new mount is the one watched.
 */
static void refresh_fn(struct work_struct *work)
{
	const struct cw_watch *w;
	struct cw_watch *again = NULL;
	unsigned long gen;
	char *spec = NULL;
	int err;

	mutex_lock(&cw_watch_mutex);
	w = rcu_dereference_protected(cw_watch, lockdep_is_held(&cw_watch_mutex));
	if (w)
		spec = kstrdup(w->spec, GFP_KERNEL);
	gen = cw_watch_gen;
	mutex_unlock(&cw_watch_mutex);
	if (spec)
		again = watch_build(spec, false, 0, NULL, 0, &err);
	kfree(spec);
	/* Not over a list an administrator set while this one resolved. */
	if (again)
		install_if(again, gen);
	/* refresh_request()'s; cw_origin_exit() waits for the return. */
	module_put(THIS_MODULE);
}

static void refresh_request(void)
{
	/* At most every 10 s: a mount in another namespace stays there. */
	if (time_before(jiffies, READ_ONCE(refresh_next)))
		return;
	WRITE_ONCE(refresh_next, jiffies + 10 * HZ);
	/*
	 * With a reference on the module: a watched directory on a dead NFS
	 * server hangs the refresh, and an rmmod meanwhile fails at once
	 * rather than wait in cw_origin_exit() for the server.
	 */
	if (try_module_get(THIS_MODULE) && !schedule_work(&refresh_work))
		module_put(THIS_MODULE);
}

/*
 * Whether @dentry is @root or below it.  is_subdir() would retry under
 * rename_lock, whose readers may sleep on PREEMPT_RT when they meet a
 * writer, and this runs from a kprobe too (mapped.c).  A walk up
 * d_parent under RCU instead: a dentry pins its parent, and a rename
 * meanwhile shows a place the file was in a moment ago.
 */
static bool below(const struct dentry *dentry, const struct dentry *root)
{
	const struct dentry *parent;

	while (dentry != root) {
		parent = READ_ONCE(dentry->d_parent);
		if (parent == dentry)
			return false;
		dentry = parent;
	}
	return true;
}

static bool is_watched(struct dentry *dentry)
{
	const struct cw_watch *w;
	bool found = false;
	unsigned int i;

	rcu_read_lock();
	w = rcu_dereference(cw_watch);
	for (i = 0; w && i < w->nr && !found; i++) {
		struct dentry *root = w->paths[i].dentry;

		if (unlikely(d_mountpoint(root)))
			refresh_request();
		found = dentry->d_sb == root->d_sb && below(dentry, root);
	}
	rcu_read_unlock();
	return found;
}

/*
 * A deleted file is unowned only where an intruder could have put it: in
 * a watched location, or owned by another uid than root, or writable by
 * group or other.  A root-owned binary replaced by a package upgrade looks
 * the same as one deleted by an intruder once it is gone, and programs
 * that re-execute their own /proc/self/exe after an upgrade (Chrome's
 * zygote, Go tools) must not become tracked for it.
 */
static bool deleted_unowned(struct dentry *dentry, const struct inode *inode)
{
	return !uid_eq(inode->i_uid, GLOBAL_ROOT_UID) ||
	       (inode->i_mode & 0022) || is_watched(dentry);
}

/* A directory whose entries another uid than root may add or replace. */
static bool dir_writable(const struct inode *dir)
{
	umode_t mode = READ_ONCE(dir->i_mode);

	return !uid_eq(READ_ONCE(dir->i_uid), GLOBAL_ROOT_UID) ||
	       ((mode & 0022) && !(mode & S_ISVTX));
}

/*
 * Could another uid than root have put this content here?  The file is
 * theirs or writable by group or other, or a directory above it, up to
 * the root of its mount, lets them add or replace entries (a sticky
 * directory protects root's files in it).  The directories above a mount
 * point are left out: mounting needs root, and a mount made in a user
 * namespace is that user's whole tree.  This is the reverse of the
 * root-owned chain a "path:" allow rule needs.
 *
 * A walk under RCU, without references or locks: a dentry pins its
 * parent, and a rename meanwhile can only show a directory the file was
 * in a moment ago.
 */
static bool writable_chain(const struct path *path, const struct inode *inode)
{
	const struct dentry *d = path->dentry, *root = path->mnt->mnt_root;
	const struct inode *dir;
	bool found = false;

	if (!uid_eq(inode->i_uid, GLOBAL_ROOT_UID) || (inode->i_mode & 0022))
		return true;
	rcu_read_lock();
	while (d != root && !IS_ROOT(d)) {
		d = READ_ONCE(d->d_parent);
		dir = d_inode_rcu(d);
		if (dir && dir_writable(dir)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * The host's root file system, compared by address only: on a host that
 * runs from its initramfs (as the selftests' guest does) it is a tmpfs
 * or ramfs like those below.  Set at init from the root of init (pid 1),
 * whatever root the task that loads the module has.
 */
static const struct super_block *host_root_sb;

static void host_root_init(void)
{
	struct task_struct *init;
	struct path root = {};

	rcu_read_lock();
	init = pid_task(find_pid_ns(1, &init_pid_ns), PIDTYPE_PID);
	if (init) {
		task_lock(init);
		if (init->fs)
			get_fs_root(init->fs, &root);
		task_unlock(init);
	}
	rcu_read_unlock();
	if (root.mnt) {
		host_root_sb = root.mnt->mnt_sb;
		path_put(&root);
	}
}

/*
 * A file system the host did not mount for itself: one mounted from a
 * user namespace (unshare -Urm, a rootless container), or a tmpfs or
 * ramfs other than the watched ones and the root file system (a
 * container's own /tmp, or a tmpfs an intruder mounted over /tmp in a
 * mount namespace of its own).
 */
static bool private_mount(const struct super_block *sb)
{
	if (sb->s_user_ns != &init_user_ns)
		return true;
	return (sb->s_magic == TMPFS_MAGIC || sb->s_magic == RAMFS_MAGIC) &&
	       sb != host_root_sb;
}

/*
 * Whether @dentry's content was written into an overlayfs upper layer: a
 * container's file written, or copied up whole, since it started (its
 * drift from the image), as against one of a lower layer (the image).
 * Not on an overlay that is the host's own root (a live system, or
 * overlayroot), where every package installed since boot is upper.
 *
 * No kernel API tells a file's layer.  Overlayfs keeps the upper dentry
 * in the pointer right after the overlay inode's VFS inode (struct
 * ovl_inode's vfs_inode, then __upperdentry, in 6.1 and in 6.12, whose
 * guests run origin.upper: each kernel added is to be checked), and it is
 * believed only when it is the very dentry that d_real() names as
 * holding the file's data.  A layout that moved puts another pointer
 * there, never that one: files are then not upper, an error towards
 * tracking less, never a misread dentry.  An upper copy of metadata
 * alone (metacopy) leaves the data, and so the file, in the lower layer.
 */
static bool upper_layer(struct dentry *dentry)
{
	const struct dentry *upper;

	if (dentry->d_sb->s_magic != OVERLAYFS_SUPER_MAGIC ||
	    dentry->d_sb == host_root_sb || !d_is_reg(dentry))
		return false;
	upper = READ_ONCE(*(struct dentry **)(d_inode(dentry) + 1));
	return upper && upper == cw_d_real_data(dentry);
}

/*
 * Whether a file of a private mount or an upper layer was put there by a
 * user: one of a user namespace's file system, or not root's.  A
 * root-owned file on a tmpfs of the host's root (a container's, or /run)
 * may be a copy of a host program, and one in a container's upper layer
 * a package that another container installed too: quarantine must not
 * refuse those.
 */
bool cw_origin_user_placed(const struct file *file)
{
	return file->f_path.dentry->d_sb->s_user_ns != &init_user_ns ||
	       !uid_eq(file_inode(file)->i_uid, GLOBAL_ROOT_UID);
}

static enum cpuwarden_origin classify(const struct file *file, bool exec)
{
	struct dentry *dentry = file->f_path.dentry;
	const struct inode *inode = file_inode(file);

	/*
	 * memfd_create() files live on the kernel's internal shmem mount;
	 * other pseudo files are their own unhashed root.
	 */
	if ((dentry->d_sb->s_flags & SB_KERNMOUNT) ||
	    (IS_ROOT(dentry) && d_unhashed(dentry) && dentry != dentry->d_sb->s_root))
		return CPUWARDEN_ORIGIN_FILELESS;
	if (d_unlinked(dentry) || !inode->i_nlink)
		return deleted_unowned(dentry, inode) ? CPUWARDEN_ORIGIN_DELETED :
							CPUWARDEN_ORIGIN_NONE;
	if (is_watched(dentry))
		return CPUWARDEN_ORIGIN_WATCHED;
	if (cw_policy_get(private) && private_mount(dentry->d_sb))
		return CPUWARDEN_ORIGIN_PRIVATE;
	if (cw_policy_get(upper) && upper_layer(dentry))
		return CPUWARDEN_ORIGIN_UPPER;
	if (cw_policy_get(writable) && writable_chain(&file->f_path, inode))
		return CPUWARDEN_ORIGIN_WRITABLE;
	if (exec && cw_policy_get(unpackaged) && cw_trust_unpackaged(inode))
		return CPUWARDEN_ORIGIN_UNPACKAGED;
	return CPUWARDEN_ORIGIN_NONE;
}

/* Where @file, about to run (exec'd, or running already), comes from. */
enum cpuwarden_origin cw_origin_classify(const struct file *file)
{
	return classify(file, true);
}

/*
 * The same for a file mapped executable, but never "unpackaged": while
 * dpkg upgrades libc, every dynamic program maps the new ld.so, which no
 * sync has seen yet.
 */
enum cpuwarden_origin cw_origin_classify_mapping(const struct file *file)
{
	return classify(file, false);
}

const char *cw_origin_name(enum cpuwarden_origin origin)
{
	static const char * const names[] = {
		[CPUWARDEN_ORIGIN_NONE] = "owned",
		[CPUWARDEN_ORIGIN_WATCHED] = "watched",
		[CPUWARDEN_ORIGIN_FILELESS] = "fileless",
		[CPUWARDEN_ORIGIN_DELETED] = "deleted",
		[CPUWARDEN_ORIGIN_WRITABLE] = "writable",
		[CPUWARDEN_ORIGIN_PRIVATE] = "private",
		[CPUWARDEN_ORIGIN_RANDOMX] = "randomx",
		[CPUWARDEN_ORIGIN_UPPER] = "upper",
		[CPUWARDEN_ORIGIN_UNPACKAGED] = "unpackaged",
	};

	return origin < ARRAY_SIZE(names) ? names[origin] : "?";
}

int cw_origin_init(void)
{
	host_root_init();
	/* A "watch=" given at load time was installed before init ran. */
	if (rcu_access_pointer(cw_watch))
		return 0;
	return watch_install(CW_WATCH_DEFAULT, false, 0);
}

/* A reader of the "watch" parameter may still be about: after it. */
void cw_origin_exit(void)
{
	cancel_work_sync(&refresh_work);
	install_if(NULL, 0);
}
