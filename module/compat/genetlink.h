/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink where kernels differ.  The CW_HAVE_* macros come from
 * the feature probes in Kbuild, which read the headers built against.
 */
#ifndef _CW_COMPAT_GENETLINK_H
#define _CW_COMPAT_GENETLINK_H

#include <net/genetlink.h>

/*
 * What a family's pre_doit and post_doit are given: 6.2 split each
 * operation into its do and dump halves, struct genl_split_ops.
 */
#ifdef CW_HAVE_GENL_SPLIT_OPS
#define cw_genl_doit_ops genl_split_ops
#else
#define cw_genl_doit_ops genl_ops
#endif

#endif /* _CW_COMPAT_GENETLINK_H */
