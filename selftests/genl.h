/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cpuwarden generic netlink family spoken raw, for the selftests:
 * resolving the family, building messages attribute by attribute, and
 * reading replies up to their ack, extended ack included.
 */
#ifndef _CW_SELFTEST_GENL_H
#define _CW_SELFTEST_GENL_H

#include "common.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <uapi/linux/cpuwarden.h>

/* Nothing the family does takes this long: a reply that does not come is lost. */
#define NL_TIMEOUT 10

struct nl {
	int fd;
	__u16 family;
	__u32 group;
	__u32 seq;
};

struct msg {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	char attrs[8192];
};

struct ack {
	int error;
	char msg[256];
	bool has_offs;
	__u32 offs;
	__u32 miss_type;
	bool acked;		/* an ack or a dump's end came */
	bool done;		/* the end of a dump, not an ack */
	unsigned int replies;	/* messages before the end */
};

static inline void msg_init(struct msg *m, __u16 type, __u8 cmd, __u16 flags)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->g.cmd = cmd;
	m->g.version = CPUWARDEN_GENL_VERSION;
}

/* An attribute of @len bytes, with @type as given (flags included). */
static inline struct nlattr *put(struct msg *m, __u16 type, const void *data,
				 size_t len)
{
	struct nlattr *a = (void *)((char *)m + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static inline void put_u32(struct msg *m, __u16 type, __u32 v)
{
	put(m, type, &v, sizeof(v));
}

static inline void put_str(struct msg *m, __u16 type, const char *s)
{
	put(m, type, s, strlen(s) + 1);
}

/* The attribute @type of a message's payload after @hdrlen bytes. */
static inline struct nlattr *find(struct nlmsghdr *nh, size_t hdrlen, __u16 type)
{
	struct nlattr *a = (void *)((char *)NLMSG_DATA(nh) + NLMSG_ALIGN(hdrlen));
	int rem = nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(hdrlen));

	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		rem -= NLA_ALIGN(a->nla_len);
		a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

#define NLA_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))

/* An ack (NLMSG_ERROR), or the NLMSG_DONE that ends a dump. */
static inline void parse_ack(struct nlmsghdr *nh, struct ack *ack)
{
	struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t hdr = sizeof(*e);
	struct nlattr *a;

	if (nh->nlmsg_type == NLMSG_DONE) {
		ack->done = true;
		if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
			ack->error = *(int *)NLMSG_DATA(nh);
		hdr = sizeof(int);
	} else {
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			ack->error = -EBADMSG;
			return;
		}
		ack->error = e->error;
		if (!(nh->nlmsg_flags & NLM_F_CAPPED))
			hdr += e->msg.nlmsg_len - sizeof(e->msg);
	}
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	a = find(nh, hdr, NLMSGERR_ATTR_MSG);
	if (a)
		snprintf(ack->msg, sizeof(ack->msg), "%s", (char *)NLA_DATA(a));
	a = find(nh, hdr, NLMSGERR_ATTR_OFFS);
	if (a) {
		ack->has_offs = true;
		ack->offs = *(__u32 *)NLA_DATA(a);
	}
	a = find(nh, hdr, NLMSGERR_ATTR_MISS_TYPE);
	if (a)
		ack->miss_type = *(__u32 *)NLA_DATA(a);
}

/*
 * Read the replies to the request @seq up to its ack, or up to the
 * NLMSG_DONE of its dump; @each (if given) sees every other message of
 * @seq.  Messages of other requests are skipped.  Returns the ack's error
 * (0 or -errno), or the -errno of recv(): -EAGAIN when nothing came for
 * NL_TIMEOUT seconds, -EMSGSIZE for a datagram larger than the buffer.
 */
static inline int nl_recv(struct nl *nl, __u32 seq, struct ack *ack,
			  void (*each)(struct nlmsghdr *nh, void *arg), void *arg)
{
	static char buf[65536];
	struct nlmsghdr *nh;
	ssize_t n;
	int len;

	memset(ack, 0, sizeof(*ack));
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0)
			return -errno;
		if (n > (ssize_t)sizeof(buf))
			return -EMSGSIZE;
		len = n;
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR ||
			    nh->nlmsg_type == NLMSG_DONE) {
				ack->acked = true;
				parse_ack(nh, ack);
				return ack->error;
			}
			ack->replies++;
			if (each)
				each(nh, arg);
		}
	}
}

static inline void copy_first(struct nlmsghdr *nh, void *arg)
{
	void **out = arg;
	size_t size = (size_t)out[1];

	if (!out[0])
		return;
	memcpy(out[0], nh, nh->nlmsg_len < size ? nh->nlmsg_len : size);
	out[0] = NULL;
}

/*
 * Send @m and read until its ack; the first reply message is copied to
 * @reply.  Returns the ack's error (0 or -errno).
 */
static inline int transact(struct nl *nl, struct msg *m, struct ack *ack,
			   void *reply, size_t size)
{
	void *out[2] = { reply, (void *)size };

	memset(ack, 0, sizeof(*ack));
	m->nh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, m, m->nh.nlmsg_len, 0) < 0)
		return -errno;
	return nl_recv(nl, m->nh.nlmsg_seq, ack, copy_first, out);
}

/* A generic netlink socket, with extended acks and a receive timeout. */
static inline int nl_socket(struct nl *nl)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT };
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Open @nl and resolve the family and its group. */
static inline int nl_open(struct nl *nl)
{
	static char reply[8192];
	struct nlattr *a, *g;
	struct msg m;
	struct ack ack;
	int ret, rem;

	ret = nl_socket(nl);
	if (ret)
		return ret;
	msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	m.g.version = 1;
	put_str(&m, CTRL_ATTR_FAMILY_NAME, CPUWARDEN_GENL_NAME);
	ret = transact(nl, &m, &ack, reply, sizeof(reply));
	if (ret)
		return ret;
	a = find((void *)reply, GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
	if (!a)
		return -ENOENT;
	nl->family = *(__u16 *)NLA_DATA(a);
	a = find((void *)reply, GENL_HDRLEN, CTRL_ATTR_MCAST_GROUPS);
	if (!a)
		return -ENOENT;
	/* One group: its nest holds CTRL_ATTR_MCAST_GRP_ID. */
	g = NLA_DATA(a);
	for (rem = a->nla_len - NLA_HDRLEN, a = NLA_DATA(g);
	     rem > 0 && a->nla_len >= NLA_HDRLEN;
	     rem -= NLA_ALIGN(a->nla_len), a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID)
			nl->group = *(__u32 *)NLA_DATA(a);
	return nl->group ? 0 : -ENOENT;
}

static inline __u32 get_u32(void *reply, __u16 type)
{
	struct nlattr *a = find(reply, GENL_HDRLEN, type);

	return a ? *(__u32 *)NLA_DATA(a) : ~0U;
}

#endif /* _CW_SELFTEST_GENL_H */
