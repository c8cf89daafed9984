// SPDX-License-Identifier: GPL-2.0
/*
 * Which files a package installed, for "cpuwarden trust sync".  dpkg lists
 * every path of package P in info/P.list (and P:ARCH.list); directories,
 * symlinks and files removed since are there too, and are skipped.
 *
 * A file is identified by its file system's device as the kernel's super
 * block has it, which statx()'s stx_dev is not on btrfs (each subvolume
 * shows a device of its own): the device is taken from the line of
 * /proc/self/mountinfo whose mount id statx() gave.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "packages.h"
#include "util.h"

struct mount_dev {
	unsigned int id, major, minor;
};

struct mounts {
	struct mount_dev *m;
	size_t nr;
};

static int read_mounts(struct mounts *ms)
{
	unsigned int id, parent, major, minor;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t size = 0;

	if (!f)
		return -errno;
	/* Whole lines: an overlay's options alone may pass 4 KiB. */
	while (getline(&line, &size, f) > 0) {
		if (sscanf(line, "%u %u %u:%u", &id, &parent, &major, &minor) != 4)
			continue;
		ms->m = xrealloc(ms->m, (ms->nr + 1) * sizeof(*ms->m));
		ms->m[ms->nr++] = (struct mount_dev){ id, major, minor };
	}
	free(line);
	fclose(f);
	return 0;
}

/* @stx's device as its super block has it. */
static void device_of(const struct mounts *ms, const struct statx *stx,
		      struct cpuwarden_trust_id *id)
{
	size_t i;

	id->dev_major = stx->stx_dev_major;
	id->dev_minor = stx->stx_dev_minor;
	if (!(stx->stx_mask & STATX_MNT_ID))
		return;
	for (i = 0; i < ms->nr; i++)
		if (ms->m[i].id == stx->stx_mnt_id) {
			id->dev_major = ms->m[i].major;
			id->dev_minor = ms->m[i].minor;
			return;
		}
}

/* What the module judges: root's files that exec may run. */
static bool wanted(const struct statx *stx)
{
	return S_ISREG(stx->stx_mode) && stx->stx_uid == 0 && (stx->stx_mode & 0111);
}

static void read_list(FILE *f, const struct mounts *ms, struct cw_packaged *p,
		      size_t *alloc)
{
	const unsigned int mask = STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO |
				  STATX_CTIME | STATX_MNT_ID;
	char path[4096];
	struct statx stx;
	size_t len;

	while (fgets(path, sizeof(path), f)) {
		len = strlen(path);
		if (len && path[len - 1] == '\n')
			path[--len] = '\0';
		if (path[0] != '/')
			continue;
		p->listed++;
		if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, mask, &stx)) {
			if (errno != ENOENT && errno != ENOTDIR)
				p->unreadable++;
			continue;
		}
		if (!wanted(&stx))
			continue;
		if (p->nr == *alloc) {
			*alloc = *alloc ? 2 * *alloc : 4096;
			p->id = xrealloc(p->id, *alloc * sizeof(*p->id));
		}
		p->id[p->nr] = (struct cpuwarden_trust_id){
			.ino = stx.stx_ino,
			.ctime_sec = stx.stx_ctime.tv_sec,
			.ctime_nsec = stx.stx_ctime.tv_nsec,
		};
		device_of(ms, &stx, &p->id[p->nr]);
		p->nr++;
	}
}

static bool is_list(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && !strcmp(name + len - 5, ".list");
}

int cw_packages_read_dpkg(const char *admindir, struct cw_packaged *p)
{
	struct mounts ms = {};
	char dir[4096], file[4096 + 256];
	size_t alloc = 0, lists = 0;
	struct dirent *de;
	DIR *d;
	FILE *f;
	int ret;

	*p = (struct cw_packaged){};
	ret = read_mounts(&ms);
	if (ret) {
		fprintf(stderr, PROG_NAME ": cannot read /proc/self/mountinfo: %s\n",
			strerror(-ret));
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s/info", admindir);
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		fprintf(stderr, PROG_NAME ": cannot read dpkg's database %s: %s\n", dir,
			strerror(errno));
		free(ms.m);
		return ret;
	}
	while ((de = readdir(d))) {
		if (!is_list(de->d_name))
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
		f = fopen(file, "re");
		if (!f) {
			ret = -errno;
			fprintf(stderr, PROG_NAME ": cannot read %s: %s\n", file, strerror(errno));
			break;
		}
		read_list(f, &ms, p, &alloc);
		fclose(f);
		lists++;
	}
	closedir(d);
	free(ms.m);
	if (!ret && !lists) {
		fprintf(stderr, PROG_NAME ": no package list in %s\n", dir);
		ret = -ENOENT;
	}
	if (ret) {
		free(p->id);
		p->id = NULL;
		p->nr = 0;
	}
	return ret;
}
