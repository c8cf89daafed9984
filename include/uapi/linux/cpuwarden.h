/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cpuwarden: the contract between the kernel module and userspace.
 *
 * The module tracks "unowned" programs: programs whose file no package or
 * administrator vouches for.  This header names why a program is tracked
 * and what the module does about it; the module's log lines and, later,
 * its generic netlink messages use these values.
 *
 * Origin of a tracked program (enum cpuwarden_origin):
 *
 *   CPUWARDEN_ORIGIN_WATCHED   its file lives below a watched location
 *                              (module parameter "watch", by default
 *                              /tmp, /var/tmp and /dev/shm), judged by
 *                              mount and dentry, never by path string
 *   CPUWARDEN_ORIGIN_FILELESS  its file has no path at all: memfd_create()
 *                              plus fexecve(), or another file of a
 *                              kernel-internal mount
 *   CPUWARDEN_ORIGIN_DELETED   its file was unlinked before it ran, or
 *                              while it ran
 *
 * Origin flags (CPUWARDEN_ORIGIN_F_*), set beside the origin:
 *
 *   F_SCRIPT     the unowned file is a "#!" script run by an owned
 *                interpreter
 *   F_INHERITED  the program was forked by a tracked program
 *   F_LATE       the origin was found after exec: the file was deleted
 *                while it ran, or the program was running already when
 *                the module was loaded
 *
 * Modes (enum cpuwarden_mode), module parameter "mode":
 *
 *   CPUWARDEN_MODE_MONITOR  report abnormal CPU use, never act
 *   CPUWARDEN_MODE_KILL     report it and SIGKILL the thread group
 */
#ifndef _UAPI_LINUX_CPUWARDEN_H
#define _UAPI_LINUX_CPUWARDEN_H

enum cpuwarden_origin {
	CPUWARDEN_ORIGIN_NONE,
	CPUWARDEN_ORIGIN_WATCHED,
	CPUWARDEN_ORIGIN_FILELESS,
	CPUWARDEN_ORIGIN_DELETED,

	__CPUWARDEN_ORIGIN_LAST
};

#define CPUWARDEN_ORIGIN_MAX (__CPUWARDEN_ORIGIN_LAST - 1)

enum cpuwarden_origin_flag {
	CPUWARDEN_ORIGIN_F_SCRIPT = 1U << 0,
	CPUWARDEN_ORIGIN_F_INHERITED = 1U << 1,
	CPUWARDEN_ORIGIN_F_LATE = 1U << 2,

	__CPUWARDEN_ORIGIN_F_ALL = CPUWARDEN_ORIGIN_F_SCRIPT |
				   CPUWARDEN_ORIGIN_F_INHERITED |
				   CPUWARDEN_ORIGIN_F_LATE
};

enum cpuwarden_mode {
	CPUWARDEN_MODE_MONITOR,
	CPUWARDEN_MODE_KILL,

	__CPUWARDEN_MODE_LAST
};

#define CPUWARDEN_MODE_MAX (__CPUWARDEN_MODE_LAST - 1)

#endif /* _UAPI_LINUX_CPUWARDEN_H */
