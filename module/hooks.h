/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_HOOKS_H
#define _CW_HOOKS_H

#include <linux/build_bug.h>

/*
 * A build-time check that @call, as written, fits what the kernel built
 * against declares: a kprobe handler's argument positions and types
 * against the probed function's parameters, a tracepoint probe against
 * its tracepoint's TP_PROTO.  Nothing is called: sizeof() only
 * type-checks the call, so that a kernel that changed a prototype fails
 * the build (the kernel's flags make an incompatible pointer an error)
 * rather than have a probe read the wrong register or trap under kCFI.
 * Integer arguments are written non-zero: a 0 would pass for a pointer.
 */
#define CW_FITS(call) static_assert(sizeof((call), 0))

int cw_hooks_register(void);
void cw_hooks_unregister(void);

#endif /* _CW_HOOKS_H */
