/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_VERSION_H
#define _CW_VERSION_H

#define CW_VERSION "0.3.0"

#endif /* _CW_VERSION_H */
