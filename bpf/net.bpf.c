// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network gadget: connect(2) and accept(2)/accept4(2) on any socket family,
 * with the result and both ends of the connection read from the kernel's
 * struct sock. AF_UNIX connects carry the socket path (docker.sock...).
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_UNIX_ 1
#define AF_INET_ 2
#define AF_INET6_ 10
#define S_IFMT_ 00170000
#define S_IFSOCK_ 0140000

struct conn_args {
	__u64 addr;	/* user sockaddr */
	__u32 addrlen;
	__s32 fd;
	__u16 kind;	/* EV_OP_CONNECT or EV_OP_ACCEPT */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct conn_args);
} inflight SEC(".maps");

static __always_inline int enter(__u16 kind, __s32 fd, __u64 addr, __u32 addrlen)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct conn_args a = { .addr = addr, .addrlen = addrlen, .fd = fd, .kind = kind };

	if (is_self())
		return 0;
	if (bpf_map_update_elem(&inflight, &id, &a, BPF_ANY))
		count_drop(EV_DROP_INFLIGHT_FULL);
	return 0;
}

/* The struct sock of a socket fd, or NULL when the fd is not a socket. */
static __always_inline struct sock *fd_sock(struct task_struct *task, long fd, struct socket **sockp)
{
	struct file *f = fd_file(task, fd);
	struct socket *sock;

	if (!f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) != S_IFSOCK_)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	*sockp = sock;
	return BPF_CORE_READ(sock, sk);
}

static __always_inline void read_ends(struct net_event *e, struct sock *sk, int peer_from_sock)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (!e->family)
		e->family = family;
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family == AF_INET_) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(e->local_addr, &a, 4);
	} else if (family == AF_INET6_) {
		BPF_CORE_READ_INTO(&e->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
	}
	if (!peer_from_sock)
		return;
	e->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET_) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(e->remote_addr, &a, 4);
	} else if (family == AF_INET6_) {
		BPF_CORE_READ_INTO(&e->remote_addr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline int leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct conn_args *a = bpf_map_lookup_elem(&inflight, &id);
	struct socket *sock = NULL;
	struct net_event *e;
	struct sock *sk;
	__u32 size = sizeof(*e);

	if (!a)
		return 0;
	/* A failed accept (EAGAIN on a non-blocking listener) says nothing. */
	if (a->kind == EV_OP_ACCEPT && ret < 0)
		goto out;
	e = new_record(task, a->kind, 0);
	if (!e)
		goto out;
	/* Zero the body: fields a family does not use must read as 0. */
	__builtin_memset((__u8 *)e + sizeof(e->hdr), 0, sizeof(*e) - sizeof(e->hdr));
	e->ret = ret;
	e->fd = a->fd;

	if (a->kind == EV_OP_ACCEPT) {
		sk = fd_sock(task, ret, &sock);
		if (sk) {
			e->sock_type = BPF_CORE_READ(sock, type);
			read_ends(e, sk, 1);
		}
	} else {
		struct sockaddr_in6 sa = {};
		__u16 family = 0;

		bpf_probe_read_user(&family, sizeof(family), (void *)a->addr);
		e->family = family;
		if (family == AF_INET_ || family == AF_INET6_) {
			bpf_probe_read_user(&sa, sizeof(sa), (void *)a->addr);
			e->remote_port = bpf_ntohs(sa.sin6_port);
			if (family == AF_INET_)
				__builtin_memcpy(e->remote_addr, &((struct sockaddr_in *)&sa)->sin_addr, 4);
			else
				__builtin_memcpy(e->remote_addr, &sa.sin6_addr, 16);
		} else if (family == AF_UNIX_) {
			__u8 *path = (__u8 *)(e + 1);
			__u32 n = a->addrlen > 2 ? a->addrlen - 2 : 0;

			if (n > EV_UNIX_PATH_MAX) {
				n = EV_UNIX_PATH_MAX;
				e->flags |= NET_UNIX_PATH_TRUNCATED;
			}
			n &= 0x7f;
			if (n && bpf_probe_read_user(path, n, (void *)(a->addr + 2)))
				n = 0;
			e->unix_path_size = n;
			size += n;
		}
		sk = fd_sock(task, a->fd, &sock);
		if (sk) {
			e->sock_type = BPF_CORE_READ(sock, type);
			read_ends(e, sk, 0);
		}
	}
	e->hdr.size = size;
	emit(e, size);
out:
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return enter(EV_OP_CONNECT, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return enter(EV_OP_ACCEPT, ctx->args[0], 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return enter(EV_OP_ACCEPT, ctx->args[0], 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}
