// SPDX-License-Identifier: GPL-2.0
/*
 * cw-idle: wait for a signal for ever, using no CPU, for the idle
 * programs of "make bench".  No libc: thousands of them run at once, so
 * each should cost the guest as little memory as a process can.
 */
#include <sys/syscall.h>

void _start(void)
{
	long nr;

	for (;;) {
		nr = SYS_pause;
		asm volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
	}
}
