// SPDX-License-Identifier: GPL-2.0-only
/*
 * Security-syscall gadget: the calls container escapes, rootkits, reverse
 * shells and tampering use. Arguments are kept at entry (by thread); at exit
 * one record carries the result, the raw arguments, up to three string
 * arguments and, for relative paths, the directory they were relative to.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD_ -100
#define S_IFMT_ 00170000
#define S_IFSOCK_ 0140000
#define NSFS_MAGIC_ 0x6e736673
#define BPF_PROG_LOAD_ 5
#define BPF_PROG_ATTACH_ 8
#define BPF_RAW_TRACEPOINT_OPEN_ 17
#define BPF_LINK_CREATE_ 28
#define NO_ARG 0xff

struct sc_args {
	__u64 args[6];
	__u16 syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct sc_args);
} inflight SEC(".maps");

/* Where a syscall's strings are: argument index of each string, and of the
 * dirfd each of the first two is relative to (AT_DIRFD_CWD: the cwd). */
#define AT_DIRFD_CWD 0xfe

struct shape {
	__u8 str[3];
	__u8 dirfd[2];
	__u8 fd_path; /* argument index of an fd whose path goes to base[0] */
};

static __always_inline struct shape shape_of(__u16 sc)
{
	struct shape s = { { NO_ARG, NO_ARG, NO_ARG }, { NO_ARG, NO_ARG }, NO_ARG };

	switch (sc) {
	case SC_MOUNT: /* source, target, fstype */
		s.str[0] = 0; s.str[1] = 1; s.str[2] = 2;
		s.dirfd[0] = AT_DIRFD_CWD; s.dirfd[1] = AT_DIRFD_CWD;
		break;
	case SC_UMOUNT2:
	case SC_UNLINK:
	case SC_CHMOD:
		s.str[0] = 0; s.dirfd[0] = AT_DIRFD_CWD;
		break;
	case SC_UNLINKAT:
	case SC_FCHMODAT:
	case SC_FCHMODAT2:
		s.str[0] = 1; s.dirfd[0] = 0;
		break;
	case SC_RENAME:
	case SC_LINK:
		s.str[0] = 0; s.str[1] = 1;
		s.dirfd[0] = AT_DIRFD_CWD; s.dirfd[1] = AT_DIRFD_CWD;
		break;
	case SC_RENAMEAT:
	case SC_RENAMEAT2:
	case SC_LINKAT:
		s.str[0] = 1; s.str[1] = 3; s.dirfd[0] = 0; s.dirfd[1] = 2;
		break;
	case SC_SYMLINK: /* the target is stored as given, never resolved */
		s.str[0] = 0; s.str[1] = 1; s.dirfd[1] = AT_DIRFD_CWD;
		break;
	case SC_SYMLINKAT:
		s.str[0] = 0; s.str[1] = 2; s.dirfd[1] = 1;
		break;
	case SC_INIT_MODULE:
		s.str[0] = 2;
		break;
	case SC_FINIT_MODULE:
		s.str[0] = 1; s.fd_path = 0;
		break;
	case SC_MEMFD_CREATE:
		s.str[0] = 0;
		break;
	case SC_FCHMOD:
		s.fd_path = 0;
		break;
	}
	return s;
}

/* Read only the syscall's own arguments: the kernel refuses to attach a
 * program that reads past a tracepoint's record (EACCES). */
static __always_inline int enter(__u16 sc, int nargs, struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sc_args a = { .syscall = sc };

	if (is_self())
		return 0;
	if (nargs > 0) a.args[0] = ctx->args[0];
	if (nargs > 1) a.args[1] = ctx->args[1];
	if (nargs > 2) a.args[2] = ctx->args[2];
	if (nargs > 3) a.args[3] = ctx->args[3];
	if (nargs > 4) a.args[4] = ctx->args[4];
	if (nargs > 5) a.args[5] = ctx->args[5];
	if (bpf_map_update_elem(&inflight, &id, &a, BPF_ANY))
		count_drop(EV_DROP_INFLIGHT_FULL);
	return 0;
}

/* Base directory of a relative path: the dirfd's file, or the cwd. */
static __always_inline __u32 put_base(void *dst, struct task_struct *task, __u8 dirfd_arg,
				      __u64 *args, __u16 *pflags)
{
	struct file *f;
	__s32 dfd;

	if (dirfd_arg == NO_ARG)
		return 0;
	dfd = dirfd_arg == AT_DIRFD_CWD ? AT_FDCWD_ : (__s32)args[dirfd_arg & 7];
	if (dfd == AT_FDCWD_)
		return put_path(dst, BPF_CORE_READ(task, fs, pwd.dentry), BPF_CORE_READ(task, fs, pwd.mnt),
				task, pflags);
	f = fd_file(task, dfd);
	if (!f)
		return 0;
	return put_path(dst, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), task, pflags);
}

static __always_inline int is_socket(struct file *f)
{
	return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) == S_IFSOCK_;
}

/* Verified once (a global function), whichever syscall's exit calls it. */
__noinline int sc_leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct sc_args *a = bpf_map_lookup_elem(&inflight, &id);
	struct syscall_event *e;
	struct shape s;
	__u8 *data;
	__u32 off, n;
	__u16 pflags = 0;
	int cut = 0;
	long r;
	int i;

	if (!a)
		return 0;
	e = new_record(task, EV_OP_SYSCALL, 0);
	if (!e)
		goto out;
	data = (__u8 *)e;
	e->ret = ret;
	e->syscall = a->syscall;
	e->flags = 0;
	e->aux = 0;
	e->aux2 = 0;
	e->pad = 0;
	for (i = 0; i < 6; i++)
		e->args[i] = a->args[i];
	s = shape_of(a->syscall);

	off = sizeof(*e);
	for (i = 0; i < 3; i++) {
		n = 0;
		if (s.str[i] != NO_ARG)
			n = put_str(&data[off & 0x3fff], (const char *)a->args[s.str[i] & 7], 1, &cut);
		e->str_size[i] = n;
		off = (off & 0x3fff) + n;
	}
	/* base[0] */
	n = 0;
	if (s.fd_path != NO_ARG) {
		struct file *f = fd_file(task, (__s32)a->args[s.fd_path & 7]);

		if (f) {
			n = put_path(&data[off & 0x3fff], BPF_CORE_READ(f, f_path.dentry),
				     BPF_CORE_READ(f, f_path.mnt), task, &pflags);
			e->flags |= SCF_BASE0_IS_FD;
			if (pflags & PATH_OUTSIDE_ROOT)
				e->flags |= SCF_FD_OUTSIDE_ROOT;
		}
	} else if (e->str_size[0] && data[sizeof(*e)] != '/') {
		n = put_base(&data[off & 0x3fff], task, s.dirfd[0], a->args, &pflags);
	}
	e->base_size[0] = n;
	off = (off & 0x3fff) + n;
	/* base[1] */
	n = 0;
	if (e->str_size[1] && data[(sizeof(*e) + e->str_size[0]) & 0x3fff] != '/')
		n = put_base(&data[off & 0x3fff], task, s.dirfd[1], a->args, &pflags);
	e->base_size[1] = n;
	off = (off & 0x3fff) + n;
	if (pflags & PATH_TRUNCATED)
		e->flags |= SCF_BASE_TRUNCATED;
	if (cut)
		e->flags |= SCF_STR_TRUNCATED;

	switch (a->syscall) {
	case SC_DUP2:
	case SC_DUP3: {
		struct file *f = fd_file(task, (__s32)a->args[0]);

		if (is_socket(f)) {
			struct socket *sock = BPF_CORE_READ(f, private_data);

			e->flags |= SCF_SOURCE_SOCKET;
			e->aux = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		}
		break;
	}
	case SC_SETNS: {
		struct file *f = fd_file(task, (__s32)a->args[0]);
		struct inode *inode = BPF_CORE_READ(f, f_inode);

		if (f && BPF_CORE_READ(inode, i_sb, s_magic) == NSFS_MAGIC_) {
			struct ns_common *ns = BPF_CORE_READ(inode, i_private);
			const char *name = BPF_CORE_READ(ns, ops, name);

			e->flags |= SCF_NS_FD;
			e->aux2 = BPF_CORE_READ(ns, inum);
			/* The namespace kind ("mnt", "net", ...) as str[2]. */
			r = bpf_probe_read_kernel_str(&data[off & 0x3fff], 16, name);
			n = r > 0 ? r - 1 : 0;
			e->str_size[2] = n & 15;
			off = (off & 0x3fff) + (n & 15);
		}
		break;
	}
	case SC_BPF:
		if (a->args[0] == BPF_PROG_LOAD_) {
			__u32 type = 0;

			bpf_probe_read_user(&type, sizeof(type), (void *)a->args[1]);
			e->aux = type;
			/* prog_name is at offset 48 of union bpf_attr (uapi). */
			r = bpf_probe_read_user_str(&data[off & 0x3fff], 16, (void *)(a->args[1] + 48));
			n = r > 0 ? r - 1 : 0;
			e->str_size[2] = n & 15;
			off = (off & 0x3fff) + (n & 15);
		}
		break;
	}
	off &= 0x7fff;
	e->hdr.size = off;
	emit(e, off);
out:
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

#define SYSCALL(name, sc, nargs)                                            \
	SEC("tracepoint/syscalls/sys_enter_" #name)                         \
	int enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                   \
		return enter(sc, nargs, ctx);                               \
	}                                                                   \
	SEC("tracepoint/syscalls/sys_exit_" #name)                          \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)               \
	{                                                                   \
		return sc_leave(ctx->ret);                                  \
	}

SYSCALL(mount, SC_MOUNT, 5)
SYSCALL(umount, SC_UMOUNT2, 2)
SYSCALL(setns, SC_SETNS, 2)
SYSCALL(unshare, SC_UNSHARE, 1)
SYSCALL(ptrace, SC_PTRACE, 4)
SYSCALL(init_module, SC_INIT_MODULE, 3)
SYSCALL(finit_module, SC_FINIT_MODULE, 3)
SYSCALL(memfd_create, SC_MEMFD_CREATE, 2)
SYSCALL(socket, SC_SOCKET, 3)
SYSCALL(rename, SC_RENAME, 2)
SYSCALL(renameat, SC_RENAMEAT, 4)
SYSCALL(renameat2, SC_RENAMEAT2, 5)
SYSCALL(link, SC_LINK, 2)
SYSCALL(linkat, SC_LINKAT, 5)
SYSCALL(symlink, SC_SYMLINK, 2)
SYSCALL(symlinkat, SC_SYMLINKAT, 3)
SYSCALL(unlink, SC_UNLINK, 1)
SYSCALL(unlinkat, SC_UNLINKAT, 3)
SYSCALL(chmod, SC_CHMOD, 2)
SYSCALL(fchmod, SC_FCHMOD, 2)
SYSCALL(fchmodat, SC_FCHMODAT, 3)
SYSCALL(fchmodat2, SC_FCHMODAT2, 4)
SYSCALL(setuid, SC_SETUID, 1)
SYSCALL(setgid, SC_SETGID, 1)

/* bpf(2): only what loads or attaches programs; map reads and writes are
 * every BPF tool's daily traffic (this sensor's included). */
SEC("tracepoint/syscalls/sys_enter_bpf")
int enter_bpf(struct trace_event_raw_sys_enter *ctx)
{
	__u64 cmd = ctx->args[0];

	if (cmd != BPF_PROG_LOAD_ && cmd != BPF_PROG_ATTACH_ && cmd != BPF_RAW_TRACEPOINT_OPEN_ &&
	    cmd != BPF_LINK_CREATE_)
		return 0;
	return enter(SC_BPF, 3, ctx);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct trace_event_raw_sys_exit *ctx)
{
	return sc_leave(ctx->ret);
}

/* dup2/dup3 matter only onto stdin, stdout or stderr (reverse shells). */
SEC("tracepoint/syscalls/sys_enter_dup2")
int enter_dup2(struct trace_event_raw_sys_enter *ctx)
{
	return ctx->args[1] <= 2 ? enter(SC_DUP2, 2, ctx) : 0;
}

SEC("tracepoint/syscalls/sys_exit_dup2")
int exit_dup2(struct trace_event_raw_sys_exit *ctx)
{
	return sc_leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int enter_dup3(struct trace_event_raw_sys_enter *ctx)
{
	return ctx->args[1] <= 2 ? enter(SC_DUP3, 3, ctx) : 0;
}

SEC("tracepoint/syscalls/sys_exit_dup3")
int exit_dup3(struct trace_event_raw_sys_exit *ctx)
{
	return sc_leave(ctx->ret);
}
