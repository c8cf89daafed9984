/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CW_ORIGIN_H
#define _CW_ORIGIN_H

#include <linux/types.h>
#include <uapi/linux/cpuwarden.h>

struct cw_watch;
struct file;

enum cpuwarden_origin cw_origin_classify(const struct file *file);
enum cpuwarden_origin cw_origin_classify_mapping(const struct file *file);
bool cw_origin_user_placed(const struct file *file);
const char *cw_origin_name(enum cpuwarden_origin origin);

int cw_origin_watch_set(const char *list);
struct cw_watch *cw_origin_watch_resolve(const char *list, const u32 *fds,
					 unsigned int nfds, int *err);
const char *cw_origin_watch_spec(const struct cw_watch *w);
void cw_origin_watch_install(struct cw_watch *w);
void cw_origin_watch_free(struct cw_watch *w);
int cw_origin_watch_get(char *buf, size_t size);

int cw_origin_init(void);
void cw_origin_exit(void);

#endif /* _CW_ORIGIN_H */
