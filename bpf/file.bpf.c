// SPDX-License-Identifier: GPL-2.0-only
/*
 * File gadget: open, openat, openat2 and creat. Arguments are kept at entry;
 * at exit the result is known and, for a successful open, the kernel's own
 * view of the file: the absolute path of the returned fd's struct file, so
 * relative paths, "..", symlinks, dirfds and /proc/self/root all land on the
 * real file.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD_ -100
#define O_WRONLY_ 01
#define O_CREAT_ 0100
#define O_TRUNC_ 01000

struct inflight {
	__u64 fname;
	__u64 flags;
	__u32 mode;
	__s32 dirfd;
	__u16 kind;
};

/* Syscalls between entry and exit, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

static __always_inline int enter(__u16 kind, __s32 dirfd, const char *fname, __u64 flags, __u32 mode)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight in = {
		.fname = (__u64)fname,
		.flags = flags,
		.mode = mode,
		.dirfd = dirfd,
		.kind = kind,
	};

	if (is_self())
		return 0;
	if (bpf_map_update_elem(&inflight, &id, &in, BPF_ANY))
		count_drop(EV_DROP_INFLIGHT_FULL);
	return 0;
}

static __always_inline int leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = bpf_get_current_task_btf();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
	struct open_event *e;
	struct file *f = NULL;
	__u8 *data;
	__u32 off, n;
	int cut = 0;

	if (!in)
		return 0;
	e = new_record(task, EV_OP_OPEN, 0);
	if (!e)
		goto out;
	data = (__u8 *)e;
	e->ret = ret;
	e->flags = in->flags;
	e->mode = in->mode;
	e->dirfd = in->dirfd;
	e->syscall = in->kind;
	e->ino = 0;
	e->dev = 0;
	e->i_mode = 0;
	e->path_flags = 0;
	e->pad = 0;

	off = sizeof(*e);
	n = put_str(&data[off], (const char *)in->fname, 1, &cut);
	if (cut)
		e->path_flags |= PATH_RAW_TRUNCATED;
	e->raw_size = n;
	off += n;

	if (ret >= 0) {
		f = fd_file(task, ret);
	} else if (n > 0 && data[sizeof(*e)] != '/') {
		/* A failed relative open: report the directory it was relative
		 * to, so the agent can show the absolute path that was asked. */
		if (in->dirfd == AT_FDCWD_) {
			n = put_path(&data[off & 0x1fff], BPF_CORE_READ(task, fs, pwd.dentry),
				     BPF_CORE_READ(task, fs, pwd.mnt), task, &e->path_flags);
			e->path_flags |= PATH_IS_BASEDIR;
			goto done;
		}
		f = fd_file(task, in->dirfd);
		if (f)
			e->path_flags |= PATH_IS_BASEDIR;
	}
	n = 0;
	if (f) {
		struct inode *inode = BPF_CORE_READ(f, f_inode);

		if (ret >= 0) {
			e->ino = BPF_CORE_READ(inode, i_ino);
			e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
			e->i_mode = BPF_CORE_READ(inode, i_mode);
		}
		n = put_path(&data[off & 0x1fff], BPF_CORE_READ(f, f_path.dentry),
			     BPF_CORE_READ(f, f_path.mnt), task, &e->path_flags);
	}
done:
	e->path_size = n;
	off = (off & 0x1fff) + n;
	e->hdr.size = off;
	emit(e, off);
out:
	bpf_map_delete_elem(&inflight, &id);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter(SYS_KIND_OPEN, AT_FDCWD_, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(SYS_KIND_OPENAT, ctx->args[0], (const char *)ctx->args[1], ctx->args[2],
		     ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return enter(SYS_KIND_OPENAT2, ctx->args[0], (const char *)ctx->args[1], how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(SYS_KIND_CREAT, AT_FDCWD_, (const char *)ctx->args[0],
		     O_WRONLY_ | O_CREAT_ | O_TRUNC_, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}
