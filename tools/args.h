/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ARGS_H
#define _CW_ARGS_H

#include <stdbool.h>

int cw_take_global_opts(int argc, char *argv[], bool *json);

#endif /* _CW_ARGS_H */
