/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_HOOKS_H
#define _CW_HOOKS_H

int cw_hooks_register(void);
void cw_hooks_unregister(void);

#endif /* _CW_HOOKS_H */
