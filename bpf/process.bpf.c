// SPDX-License-Identifier: GPL-2.0-only
/* Process gadget: exec, fork and exit of whole processes (not threads). */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EXEC_DATA sizeof(struct exec_event)

/*
 * The controlling terminal as tty_devnum() gives it: the kernel's dev_t,
 * MKDEV(major, minor_start + index), which is what /proc/<pid>/stat encodes
 * as tty_nr. 0 when the session has no terminal.
 */
static __always_inline __u32 ctty_dev(struct task_struct *p)
{
	struct tty_struct *tty = BPF_CORE_READ(p, signal, tty);
	__u32 major, minor;

	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (major << 20) + minor;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_event *e;
	__u8 *data;
	__u32 off, n;
	int cut = 0;
	__u16 pflags = 0;

	if (is_self())
		return 0;
	e = new_record(p, EV_OP_EXEC, 0);
	if (!e)
		return 0;
	data = (__u8 *)e;
	e->argc = BPF_CORE_READ(bprm, argc);
	e->ruid = BPF_CORE_READ(p, cred, uid.val);
	e->old_pid = old_pid;
	e->tty = ctty_dev(p);
	e->pad = 0;
	e->flags = 0;

	off = EXEC_DATA;
	n = put_str(&data[off], BPF_CORE_READ(bprm, filename), 0, &cut);
	if (cut)
		e->flags |= EXEC_FILENAME_TRUNCATED;
	e->filename_size = n;
	off += n;

	struct file *exe = BPF_CORE_READ(p, mm, exe_file);
	n = put_path(&data[off & 0x3fff], BPF_CORE_READ(exe, f_path.dentry),
		     BPF_CORE_READ(exe, f_path.mnt), p, &pflags);
	if (pflags & PATH_TRUNCATED)
		e->flags |= EXEC_EXE_TRUNCATED;
	if (pflags & PATH_OUTSIDE_ROOT)
		e->flags |= EXEC_EXE_OUTSIDE_ROOT;
	e->exe_size = n;
	off = (off & 0x3fff) + n;

	pflags = 0;
	n = put_path(&data[off & 0x3fff], BPF_CORE_READ(p, fs, pwd.dentry),
		     BPF_CORE_READ(p, fs, pwd.mnt), p, &pflags);
	if (pflags & PATH_TRUNCATED)
		e->flags |= EXEC_CWD_TRUNCATED;
	e->cwd_size = n;
	off = (off & 0x3fff) + n;

	unsigned long arg_start = BPF_CORE_READ(p, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(p, mm, arg_end);
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;

	if (len > EV_ARGS_MAX - 1) {
		len = EV_ARGS_MAX - 1;
		e->flags |= EXEC_ARGS_TRUNCATED;
	}
	len &= EV_ARGS_MAX - 1;
	off &= 0x3fff;
	if (len && bpf_probe_read_user(&data[off], len, (void *)arg_start)) {
		len = 0;
		e->flags |= EXEC_ARGS_TRUNCATED;
	}
	e->args_size = len;
	off += len;
	e->hdr.size = off;
	emit(e, off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct fork_event *e;

	/* Threads share the process: only a new thread group is a new process. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if (is_self())
		return 0;
	e = new_record(child, EV_OP_FORK, sizeof(*e));
	if (!e)
		return 0;
	e->parent_tid = BPF_CORE_READ(parent, pid);
	e->clone_flags_hi = 0;
	emit(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct exit_event *e;

	/* Report the process once, when its last thread leaves. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (is_self())
		return 0;
	e = new_record(p, EV_OP_EXIT, sizeof(*e));
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	emit(e, sizeof(*e));
	return 0;
}
