// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink transport, with libmnl.  Requests ask for an
 * acknowledgement so that every exchange ends the same way, with an
 * NLMSG_ERROR or, for dumps, an NLMSG_DONE that may carry an error too.
 */
#define _GNU_SOURCE			/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "nl.h"
#include "util.h"

/* The kernel builds dump messages of up to 32 KiB; a smaller buffer truncates them. */
#define RX_SIZE 32768
#define TX_SIZE 8192
_Static_assert(TX_SIZE >= CPUWARDEN_WATCH_LEN + 1024 && TX_SIZE >= CPUWARDEN_PATH_LEN + 1024,
	       "a request with the longest watch list or path does not fit");

/* Events come in bursts when many programs are caught at once. */
#define EVENTS_RCVBUF (1 << 20)

struct cw_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;
	char extack[512];
	char tx[TX_SIZE];
	char rx[RX_SIZE];
};

/* What mnl_cb_run2() passes around, since it gives every callback the same data. */
struct run {
	struct cw_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static void save_extack(struct cw_nl *nl, const struct nlmsghdr *nlh, unsigned int offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->extack, sizeof(nl->extack), "%s", mnl_attr_get_str(attr));
	}
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run *run = data;

	return run->cb ? run->cb(nlh, run->data) : MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct run *run = data;
	unsigned int offset = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += mnl_nlmsg_get_payload_len(&err->msg);
	save_extack(run->nl, nlh, offset);
	if (!err->error) {
		if (run->nl->extack[0])
			fprintf(stderr, PROG_NAME ": warning: %s\n", run->nl->extack);
		return MNL_CB_STOP;
	}
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* A dump that fails part way ends with a negative errno in NLMSG_DONE. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run *run = data;
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return MNL_CB_STOP;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error >= 0)
		return MNL_CB_STOP;
	save_extack(run->nl, nlh, sizeof(error));
	errno = -error;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

static struct nlmsghdr *put_request_in(struct cw_nl *nl, void *buf, uint16_t type,
				       uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static struct nlmsghdr *put_request(struct cw_nl *nl, uint16_t type, uint8_t cmd,
				    uint8_t version, uint16_t flags)
{
	return put_request_in(nl, nl->tx, type, cmd, version, flags);
}

struct nlmsghdr *cw_nl_request(struct cw_nl *nl, uint8_t cmd, uint16_t flags)
{
	return put_request(nl, nl->family, cmd, CPUWARDEN_GENL_VERSION, flags);
}

struct nlmsghdr *cw_nl_request_in(struct cw_nl *nl, void *buf, size_t size, uint8_t cmd,
				  uint16_t flags)
{
	int len = (int)size;

	/* The kernel refuses a message larger than the send buffer. */
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_SNDBUFFORCE,
		       &len, sizeof(len)))
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_SNDBUF,
			   &len, sizeof(len));
	return put_request_in(nl, buf, nl->family, cmd, CPUWARDEN_GENL_VERSION, flags);
}

int cw_nl_run(struct cw_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct run run = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	nl->extack[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run2(nl->rx, len, nlh->nlmsg_seq, nl->portid, data_cb, &run,
				  ctl_cb, ARRAY_SIZE(ctl_cb));
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

int cw_nl_error(struct cw_nl *nl, int cmd, int err, const char *subject)
{
	char extack[sizeof(nl->extack)], msg[sizeof(nl->extack) + CW_RULE_STRLEN + 64];
	struct cw_status status;
	bool locked = false;
	int code;

	/* The status request below replaces the message. */
	strcpy(extack, nl->extack);
	/*
	 * The module refuses changes with EPERM once locked, as it refuses
	 * a path rule that is not root's: only its status tells them apart.
	 */
	if (-err == EPERM && extack[0])
		locked = !cw_nl_get_status(nl, &status) && status.locked;
	code = cw_error_message(msg, sizeof(msg), cmd, -err, extack, locked, subject);
	fprintf(stderr, PROG_NAME ": %s\n", msg);
	return code;
}

int cw_nl_command(struct cw_nl *nl, uint8_t cmd)
{
	int ret = cw_nl_run(nl, cw_nl_request(nl, cmd, NLM_F_ACK), NULL, NULL);

	return ret ? cw_nl_error(nl, cmd, ret, NULL) : 0;
}

static void family_group(struct cw_nl *nl, const struct nlattr *grp)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			id = mnl_attr_get_u32(attr);
	}
	if (name && !strcmp(name, CPUWARDEN_GENL_MCGRP_EVENTS))
		nl->events_group = id;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *grp;
	struct cw_nl *nl = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0) {
				errno = EPROTO;
				return MNL_CB_ERROR;
			}
			nl->family = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				family_group(nl, grp);
			break;
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(struct cw_nl *nl)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = put_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, CPUWARDEN_GENL_NAME);
	ret = cw_nl_run(nl, nlh, family_cb, nl);
	if (ret == -ENOENT) {
		fputs(PROG_NAME ": module not loaded (modprobe cpuwarden)\n", stderr);
		return CW_EXIT_NO_MODULE;
	}
	if (!ret && !nl->family)
		ret = -EPROTO;
	if (ret) {
		fprintf(stderr, PROG_NAME ": cannot resolve the generic netlink family `%s': %s\n",
			CPUWARDEN_GENL_NAME, strerror(-ret));
		return CW_EXIT_FAIL;
	}
	return 0;
}

int cw_nl_open(struct cw_nl **nlp)
{
	struct cw_nl *nl = xcalloc(1, sizeof(*nl));
	int one = 1, ret;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		fprintf(stderr, PROG_NAME ": cannot open a generic netlink socket: %s\n",
			strerror(errno));
		free(nl);
		return CW_EXIT_FAIL;
	}
	/* As iproute2 does: kernels without these still work, with less said. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, PROG_NAME ": cannot bind a generic netlink socket: %s\n",
			strerror(errno));
		cw_nl_close(nl);
		return CW_EXIT_FAIL;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	ret = resolve_family(nl);
	if (ret) {
		cw_nl_close(nl);
		return ret;
	}
	*nlp = nl;
	return 0;
}

void cw_nl_close(struct cw_nl *nl)
{
	mnl_socket_close(nl->sock);
	free(nl);
}

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cw_attrs a;

	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	cw_attr_get_status(&a, data);
	return MNL_CB_OK;
}

int cw_nl_get_status(struct cw_nl *nl, struct cw_status *s)
{
	return cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_GET_STATUS, NLM_F_ACK),
			 status_cb, s);
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cw_attrs a;

	if (cw_attr_parse(nlh, &a))
		return MNL_CB_ERROR;
	cw_attr_get_policy(&a, data);
	return MNL_CB_OK;
}

int cw_nl_get_policy(struct cw_nl *nl, struct cw_policy *p)
{
	return cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_GET_POLICY, NLM_F_ACK),
			 policy_cb, p);
}

static int allow_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cw_attrs a;
	struct cw_rule r;

	if (cw_attr_parse(nlh, &a) || cw_attr_get_rule(&a, &r))
		return MNL_CB_ERROR;
	cw_rules_add(data, &r);
	cw_rule_free(&r);
	return MNL_CB_OK;
}

int cw_nl_get_allow(struct cw_nl *nl, struct cw_rules *rules)
{
	return cw_nl_run(nl, cw_nl_request(nl, CPUWARDEN_CMD_ALLOW_LIST, NLM_F_DUMP),
			 allow_cb, rules);
}

static void close_fds(const uint32_t *fds, int n)
{
	while (n-- > 0)
		close((int)fds[n]);
}

/*
 * The module takes paths as descriptors of ours and looks none up: a
 * path on a server that hangs stalls this tool alone, and no mount
 * elsewhere gets in the way of the module's lookup.  Each directory of
 * @list ("a,b,c") opened O_PATH into @fds: how many, or -errno with the
 * reason in nl->extack.
 */
static int open_watch(struct cw_nl *nl, const char *list,
		      uint32_t fds[CPUWARDEN_WATCH_MAX])
{
	char *copy = xstrdup(list), *cur = copy, *tok;
	int n = 0, fd, err = 0;

	while ((tok = strsep(&cur, ","))) {
		if (!*tok)
			continue;
		if (n == CPUWARDEN_WATCH_MAX) {
			err = E2BIG;
			snprintf(nl->extack, sizeof(nl->extack),
				 "more than %d watched directories", CPUWARDEN_WATCH_MAX);
			break;
		}
		fd = open(tok, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			snprintf(nl->extack, sizeof(nl->extack), "%s: %s", tok, strerror(err));
			break;
		}
		fds[n++] = fd;
	}
	free(copy);
	if (err) {
		close_fds(fds, n);
		return -err;
	}
	return n;
}

int cw_nl_set_policy(struct cw_nl *nl, const struct cw_policy *p)
{
	struct nlmsghdr *nlh = cw_nl_request(nl, CPUWARDEN_CMD_SET_POLICY, NLM_F_ACK);
	uint32_t fds[CPUWARDEN_WATCH_MAX];
	int n = 0, ret;

	cw_attr_put_policy(nlh, p);
	if (p->keys & CW_KEY_BIT(CW_KEY_WATCH)) {
		n = open_watch(nl, p->watch, fds);
		if (n < 0)
			return n;
		mnl_attr_put(nlh, CPUWARDEN_A_WATCH_FDS, n * sizeof(fds[0]), fds);
	}
	ret = cw_nl_run(nl, nlh, NULL, NULL);
	close_fds(fds, n);
	return ret;
}

int cw_nl_allow(struct cw_nl *nl, uint8_t cmd, const struct cw_rule *r)
{
	struct nlmsghdr *nlh = cw_nl_request(nl, cmd, NLM_F_ACK);
	int fd = -1, err, ret;

	cw_attr_put_rule(nlh, r);
	if (r->kind == CW_RULE_PATH) {
		fd = open(r->path, O_PATH | O_CLOEXEC);
		/* A rule whose file is gone is deleted by its path. */
		if (fd < 0 && cmd == CPUWARDEN_CMD_ALLOW_ADD) {
			err = errno;
			snprintf(nl->extack, sizeof(nl->extack), "%s: %s", r->path,
				 strerror(err));
			return -err;
		}
		if (fd >= 0)
			mnl_attr_put_u32(nlh, CPUWARDEN_A_PATH_FD, fd);
	}
	ret = cw_nl_run(nl, nlh, NULL, NULL);
	if (fd >= 0)
		close(fd);
	return ret;
}

int cw_nl_subscribe(struct cw_nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock), size = EVENTS_RCVBUF;
	unsigned int group = nl->events_group;

	if (!group) {
		fprintf(stderr, PROG_NAME ": the module has no `%s' multicast group\n",
			CPUWARDEN_GENL_MCGRP_EVENTS);
		return CW_EXIT_FAIL;
	}
	/* SO_RCVBUFFORCE passes rmem_max, but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
		fprintf(stderr, PROG_NAME ": cannot size the receive buffer: %s\n",
			strerror(errno));
		return CW_EXIT_FAIL;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		if (errno == EPERM || errno == EACCES) {
			fputs(PROG_NAME ": permission denied: needs CAP_SYS_ADMIN and CAP_NET_ADMIN in the initial user namespace\n",
			      stderr);
			return CW_EXIT_PERM;
		}
		fprintf(stderr, PROG_NAME ": cannot join the `%s' multicast group: %s\n",
			CPUWARDEN_GENL_MCGRP_EVENTS, strerror(errno));
		return CW_EXIT_FAIL;
	}
	return 0;
}

int cw_nl_fd(const struct cw_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct run *run = data;

	if (nlh->nlmsg_type != run->nl->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd != CPUWARDEN_CMD_EVENT)
		return MNL_CB_OK;
	return run->cb(nlh, run->data);
}

int cw_nl_receive(struct cw_nl *nl, mnl_cb_t cb, void *data)
{
	struct run run = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;

	len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
	if (len < 0)
		return -errno;
	/* Notifications have sequence number and port 0: mnl checks neither. */
	if (mnl_cb_run(nl->rx, len, 0, 0, event_cb, &run) < 0)
		return -errno;
	return 0;
}
