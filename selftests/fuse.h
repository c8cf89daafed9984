/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A FUSE server that hangs on demand, for the selftests: the dead NFS or
 * FUSE server a real host meets, made small enough to read.
 *
 * It serves CW_FUSE_DIR with two files, "burn" and "burn2", each
 * CW_FUSE_SIZE bytes: cw-burn followed by zeros, mode 0755 and owned by
 * uid 1000 (so their origin is `writable`).  It answers every read that
 * ends below CW_FUSE_SERVED, which holds all that running cw-burn touches,
 * and every lookup but one of a name that starts with "hang".  A read
 * past CW_FUSE_SERVED, and a lookup of "hang...", it never answers: it
 * only counts them, by node (the root's count is the lookups).  "expire"
 * is "burn" again under a name whose entry expires at once: the dentry
 * cache never vouches for it without asking the server.  Its end, when
 * cw_fuse_end() kills it, closes /dev/fuse, which aborts the connection:
 * everything left hanging fails then.
 *
 * The server is a child process, with its counts in memory shared with
 * the test.  It speaks the FUSE protocol of <linux/fuse.h> directly,
 * single-threaded, answering each request in turn: the ones it keeps
 * never block the others.
 */
#ifndef _CW_SELFTEST_FUSE_H
#define _CW_SELFTEST_FUSE_H

#include "common.h"

#include <linux/fuse.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>

#define CW_FUSE_DIR "/mnt/cwfuse"
#define CW_FUSE_SERVED (4 << 20)
#define CW_FUSE_SIZE (8 << 20)

enum {
	CW_FUSE_ROOT = 1,	/* FUSE_ROOT_ID */
	CW_FUSE_BURN,
	CW_FUSE_BURN2,
	CW_FUSE_NODES
};

struct cw_fuse {
	pid_t pid;
	int stalled[CW_FUSE_NODES];	/* requests never answered, by node */
};

static inline void cw_fuse_attr(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == CW_FUSE_ROOT) {
		a->mode = S_IFDIR | 0755;
		return;
	}
	a->mode = S_IFREG | 0755;
	a->uid = 1000;
	a->gid = 1000;
	a->size = CW_FUSE_SIZE;
	a->blocks = CW_FUSE_SIZE / 512;
}

static inline void cw_fuse_reply(int fd, uint64_t unique, int error,
				 const void *arg, size_t len)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (error ? 0 : len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ &out, sizeof(out) }, { (void *)arg, error ? 0 : len },
	};

	/* ENOENT: the request was interrupted and is gone. */
	if (writev(fd, iov, 2) < 0 && errno != ENOENT)
		_exit(1);
}

static inline void cw_fuse_stall(struct cw_fuse *f, uint64_t node)
{
	if (node < CW_FUSE_NODES)
		__atomic_add_fetch(&f->stalled[node], 1, __ATOMIC_SEQ_CST);
}

static inline void cw_fuse_lookup(int fd, struct cw_fuse *f,
				  const struct fuse_in_header *h,
				  const char *name)
{
	struct fuse_entry_out e = {
		.generation = 1,
		.entry_valid = 3600,
		.attr_valid = 3600,
	};

	if (h->nodeid == CW_FUSE_ROOT && !strncmp(name, "hang", 4)) {
		cw_fuse_stall(f, CW_FUSE_ROOT);
		return;
	}
	if (h->nodeid == CW_FUSE_ROOT && !strcmp(name, "burn"))
		e.nodeid = CW_FUSE_BURN;
	else if (h->nodeid == CW_FUSE_ROOT && !strcmp(name, "burn2"))
		e.nodeid = CW_FUSE_BURN2;
	else if (h->nodeid == CW_FUSE_ROOT && !strcmp(name, "expire"))
		e.nodeid = CW_FUSE_BURN;
	if (!strcmp(name, "expire"))
		e.entry_valid = 0;
	if (!e.nodeid) {
		cw_fuse_reply(fd, h->unique, -ENOENT, NULL, 0);
		return;
	}
	cw_fuse_attr(e.nodeid, &e.attr);
	cw_fuse_reply(fd, h->unique, 0, &e, sizeof(e));
}

static inline void cw_fuse_read(int fd, struct cw_fuse *f,
				const struct fuse_in_header *h,
				const struct fuse_read_in *r,
				const char *img, size_t len)
{
	static char data[1 << 20];
	size_t size = r->size;

	if (r->offset >= CW_FUSE_SIZE) {
		cw_fuse_reply(fd, h->unique, 0, NULL, 0);
		return;
	}
	if (r->offset + size > CW_FUSE_SERVED) {
		cw_fuse_stall(f, h->nodeid);
		return;
	}
	if (size > sizeof(data))
		size = sizeof(data);
	memset(data, 0, size);
	if (r->offset < len)
		memcpy(data, img + r->offset,
		       len - r->offset < size ? len - r->offset : size);
	cw_fuse_reply(fd, h->unique, 0, data, size);
}

static inline void cw_fuse_serve(int fd, struct cw_fuse *f, const char *img,
				 size_t len)
{
	static char in[1 << 20];

	for (;;) {
		const struct fuse_in_header *h = (void *)in;
		const void *arg = in + sizeof(*h);
		ssize_t n = read(fd, in, sizeof(in));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		/* ENODEV: unmounted. */
		if (n < (ssize_t)sizeof(*h))
			_exit(n < 0 && errno == ENODEV ? 0 : 1);

		switch (h->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *i = arg;
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION,
				.minor = FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = i->max_readahead,
				/* Lookups in one directory, side by side. */
				.flags = i->flags & FUSE_PARALLEL_DIROPS,
				.max_background = 16,
				.congestion_threshold = 12,
				.max_write = 4096,
				.time_gran = 1,
			};

			cw_fuse_reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP:
			cw_fuse_lookup(fd, f, h, arg);
			break;
		case FUSE_GETATTR: {
			struct fuse_attr_out a = { .attr_valid = 3600 };

			cw_fuse_attr(h->nodeid, &a.attr);
			cw_fuse_reply(fd, h->unique, 0, &a, sizeof(a));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = {
				.fh = h->nodeid,
				.open_flags = FOPEN_KEEP_CACHE,
			};

			cw_fuse_reply(fd, h->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			cw_fuse_read(fd, f, h, arg, img, len);
			break;
		case FUSE_READDIR:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_FLUSH:
			cw_fuse_reply(fd, h->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			cw_fuse_reply(fd, h->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

/*
 * Mount CW_FUSE_DIR and serve it from a child.  The server, or NULL with
 * errno set by the step that failed (ENOENT: this kernel has no FUSE).
 */
static inline struct cw_fuse *cw_fuse_start(void)
{
	struct cw_fuse *f;
	char opts[128], *img;
	struct stat st;
	int fd, src, e;
	pid_t pid;

	src = open(CW_BURN_SRC, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return NULL;
	if (fstat(src, &st) || st.st_size > CW_FUSE_SERVED / 2) {
		close(src);
		errno = EFBIG;
		return NULL;
	}
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, src, 0);
	close(src);
	if (img == MAP_FAILED)
		return NULL;
	f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED)
		goto out_img;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out_f;
	if (mkdir(CW_FUSE_DIR, 0755) && errno != EEXIST)
		goto out_fd;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40755,user_id=0,group_id=0,default_permissions,allow_other",
		 fd);
	if (mount("cwfuse", CW_FUSE_DIR, "fuse", MS_NOSUID | MS_NODEV, opts))
		goto out_fd;
	/* Not into f->pid at once: the child would write 0 there. */
	pid = fork();
	if (!pid) {
		cw_fuse_serve(fd, f, img, st.st_size);
		_exit(0);
	}
	if (pid < 0) {
		e = errno;
		umount2(CW_FUSE_DIR, MNT_DETACH);
		errno = e;
		goto out_fd;
	}
	f->pid = pid;
	/* The server's copy must be the last: its end aborts the requests. */
	close(fd);
	munmap(img, st.st_size);
	return f;

out_fd:
	e = errno;
	close(fd);
	errno = e;
out_f:
	e = errno;
	munmap(f, sizeof(*f));
	errno = e;
out_img:
	e = errno;
	munmap(img, st.st_size);
	errno = e;
	return NULL;
}

/* Kill the server, which fails what it left hanging, and unmount. */
static inline void cw_fuse_end(struct cw_fuse *f)
{
	if (!f || f->pid <= 0)
		return;
	cw_reap(f->pid);
	f->pid = 0;
	umount2(CW_FUSE_DIR, MNT_DETACH);
}

/* Wait up to @seconds for @n requests about @node to be left hanging. */
static inline bool cw_fuse_stalls(struct cw_fuse *f, int node, int n,
				  int seconds)
{
	time_t end = time(NULL) + seconds;

	while (__atomic_load_n(&f->stalled[node], __ATOMIC_SEQ_CST) < n) {
		if (time(NULL) > end)
			return false;
		usleep(100 * 1000);
	}
	return true;
}

#endif /* _CW_SELFTEST_FUSE_H */
