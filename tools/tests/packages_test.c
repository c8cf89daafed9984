// SPDX-License-Identifier: GPL-2.0
/* "trust sync": which listed files are packaged files, and as what. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "packages.h"

FIXTURE(dpkg) {
	char dir[64];
	char list[128];
};

static void make(struct __test_metadata *_metadata, const char *dir, const char *name,
		 mode_t mode, uid_t uid)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchmod(fd, mode));
	ASSERT_EQ(0, fchown(fd, uid, 0));
	close(fd);
}

FIXTURE_SETUP(dpkg)
{
	char info[96];

	if (geteuid())
		SKIP(return, "needs root, to own files as root and as another uid");
	strcpy(self->dir, "/tmp/cw-dpkg-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(info, sizeof(info), "%s/info", self->dir);
	ASSERT_EQ(0, mkdir(info, 0755));
	snprintf(self->list, sizeof(self->list), "%s/pkg:amd64.list", info);
	make(_metadata, self->dir, "prog", 0755, 0);
	make(_metadata, self->dir, "libx.so.1", 0644, 0);
	make(_metadata, self->dir, "data", 0644, 0);
	make(_metadata, self->dir, "users", 0755, 1000);
	ASSERT_EQ(0, symlink("prog", strcat(strcpy(info, self->dir), "/link")));
}

FIXTURE_TEARDOWN(dpkg)
{
	char cmd[96];

	if (self->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
		system(cmd);
	}
}

static void list(struct __test_metadata *_metadata, const char *file, const char *dir,
		 const char *const names[])
{
	FILE *f = fopen(file, "w");

	ASSERT_NE(NULL, f);
	fprintf(f, "/.\n%s\n", dir);
	for (; *names; names++)
		fprintf(f, "%s/%s\n", dir, *names);
	fclose(f);
}

/*
 * The device of the mount that @path is on, by its mount point, the
 * longest that is a prefix of @path: the super block's, as the module
 * compares it.
 */
static void mount_dev(const char *path, unsigned int *major, unsigned int *minor)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL, mnt[4096];
	unsigned int maj, min;
	long best = -1, len;
	size_t size = 0;

	while (f && getline(&line, &size, f) > 0) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		len = strcmp(mnt, "/") ? (long)strlen(mnt) : 0;
		if (len <= best || strncmp(path, mnt, len) || (path[len] && path[len] != '/'))
			continue;
		best = len;
		*major = maj;
		*minor = min;
	}
	free(line);
	if (f)
		fclose(f);
}

/* Root's executables; not libraries, data, symlinks, others' files. */
TEST_F(dpkg, root_executables_only)
{
	const char *const names[] = { "prog", "libx.so.1", "data", "users", "link", "gone",
				      NULL };
	unsigned int major = ~0U, minor = ~0U;
	struct cw_packaged p;
	struct stat st;
	char path[128];

	list(_metadata, self->list, self->dir, names);
	ASSERT_EQ(0, cw_packages_read_dpkg(self->dir, &p));
	EXPECT_EQ(8, p.listed);
	EXPECT_EQ(0, p.unreadable);
	ASSERT_EQ(1, p.nr);

	snprintf(path, sizeof(path), "%s/prog", self->dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(st.st_ino, p.id[0].ino);
	EXPECT_EQ(st.st_ctim.tv_sec, p.id[0].ctime_sec);
	EXPECT_EQ(st.st_ctim.tv_nsec, p.id[0].ctime_nsec);
	EXPECT_EQ(0, p.id[0].reserved);
	mount_dev(self->dir, &major, &minor);
	EXPECT_EQ(major, p.id[0].dev_major);
	EXPECT_EQ(minor, p.id[0].dev_minor);
	free(p.id);
}

TEST_F(dpkg, no_lists_is_an_error)
{
	struct cw_packaged p;

	EXPECT_EQ(-ENOENT, cw_packages_read_dpkg(self->dir, &p));
	EXPECT_EQ(-ENOENT, cw_packages_read_dpkg("/nonexistent", &p));
}

TEST_HARNESS_MAIN
