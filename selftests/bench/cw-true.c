// SPDX-License-Identifier: GPL-2.0
/*
 * cw-true: exit 0, for the exec storm of "make bench".  No libc and no
 * start-up code, so that a fork+exec+wait costs the kernel's work and
 * next to nothing else, and the module's share shows as much as it can.
 */
#include <sys/syscall.h>

void _start(void)
{
	long nr = SYS_exit_group;

	asm volatile("syscall" : "+a"(nr) : "D"(0L) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
