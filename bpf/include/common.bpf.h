/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* Helpers shared by every gadget: the ring, drop counters, the common
 * header and the dentry walk that turns a struct path into the absolute
 * path the task sees. Each gadget object gets its own copy of the maps. */
#ifndef __KESTREL_COMMON_BPF_H
#define __KESTREL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "events.h"

#define SCRATCH_SIZE (4 * EV_PATH_MAX + EV_ARGS_MAX + 512)
#define PATH_MASK (EV_PATH_MAX - 1)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EV_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* One record under construction per CPU; large records do not fit the stack. */
struct scratch {
	__u8 data[SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* The dentry walk writes backwards into the first half of this buffer. */
struct pathbuf {
	char data[2 * EV_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pathbuf);
} pathbuf_map SEC(".maps");

const volatile struct sensor_config cfg SEC(".rodata.config") = {};

/* Written by the agent at run time (a mapped global): non-zero while its
 * reader is idle, polling slowly; the first record into an empty ring then
 * wakes it at once, so a quiet node costs little and still alerts fast. */
volatile __u32 reader_idle SEC(".data.wake") = 0;

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline int is_self(void)
{
	return cfg.self_tgid && (bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid;
}

/*
 * Fill the common header from a BTF task pointer (tp_btf arguments, or
 * bpf_get_current_task_btf()). Plain field loads on BTF pointers are
 * relocated by CO-RE and compiled to direct loads with fault handling, far
 * cheaper than one bpf_probe_read call per field.
 */
static __always_inline void fill_header(struct event_header *h, struct task_struct *task, __u16 op)
{
	struct task_struct *leader = task->group_leader;
	const struct cred *cred = task->cred;
	struct nsproxy *ns = task->nsproxy;
	struct pid *pid = leader->thread_pid;
	unsigned int level = pid->level;

	h->op = op;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->start_ns = leader->start_boottime;
	h->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	h->pid = task->tgid;
	h->tid = task->pid;
	h->ppid = task->real_parent->tgid;
	h->uid = cred->euid.val;
	h->gid = cred->egid.val;
	h->auid = task->loginuid.val;
	h->mntns = ns ? ns->mnt_ns->ns.inum : 0;
	h->netns = ns ? ns->net_ns->ns.inum : 0;
	/* The pid namespace the tgid lives in, and the tgid as it numbers it
	 * (a variable index: BTF loads refuse it, so read it the old way). */
	h->vpid = BPF_CORE_READ(pid, numbers[level].nr);
	h->pidns = BPF_CORE_READ(pid, numbers[level].ns, ns.inum);
	bpf_probe_read_kernel_str(&h->comm, sizeof(h->comm), task->comm);
}

/* struct mount embeds struct vfsmount; its offset is relocated (CO-RE). */
static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

static __always_inline struct vfsmount *mount_vfs(struct mount *mnt)
{
	return (struct vfsmount *)((void *)mnt + bpf_core_field_offset(struct mount, mnt));
}

struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct mount *mnt_parent;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 off;
	__u16 flags;
	__u16 done;
};

/* One directory level of the walk; returns 1 to stop. Run by bpf_loop so
 * that the verifier checks the body once, whatever the depth. */
static long walk_step(__u64 index, struct walk_ctx *c)
{
	__u32 zero = 0, len;
	struct pathbuf *pb = bpf_map_lookup_elem(&pathbuf_map, &zero);
	struct dentry *dentry = c->dentry, *mnt_root, *parent;
	struct vfsmount *vfsmnt;
	struct mount *mnt, *mnt_parent;
	struct qstr name;

	if (!pb)
		return 1;
	if (dentry == c->root_dentry && c->vfsmnt == c->root_mnt)
		goto done;
	vfsmnt = c->vfsmnt;
	mnt = c->mnt;
	mnt_parent = c->mnt_parent;
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		if (dentry != mnt_root) {
			/* A pseudo dentry (memfd, pipe, socket) is its own parent:
			 * its name is the whole path, as d_path() shows it. */
			c->flags |= PATH_OUTSIDE_ROOT;
			name = BPF_CORE_READ(dentry, d_name);
			len = name.len;
			if (len > 0 && len + 1 < c->off) {
				c->off -= len;
				bpf_probe_read_kernel(&pb->data[c->off & PATH_MASK], len & PATH_MASK, name.name);
				c->off -= 1;
				pb->data[c->off & PATH_MASK] = '/';
			}
			goto done;
		}
		if (mnt == mnt_parent) {
			/* Namespace root or a detached tree, not the task's root. */
			c->flags |= PATH_OUTSIDE_ROOT;
			goto done;
		}
		c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = mnt_parent;
		c->mnt_parent = BPF_CORE_READ(mnt_parent, mnt_parent);
		c->vfsmnt = mount_vfs(mnt_parent);
		return 0;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = name.len;
	if (len + 1 >= c->off) {
		c->flags |= PATH_TRUNCATED;
		goto done;
	}
	c->off -= len;
	bpf_probe_read_kernel(&pb->data[c->off & PATH_MASK], len & PATH_MASK, name.name);
	c->off -= 1;
	pb->data[c->off & PATH_MASK] = '/';
	c->dentry = parent;
	return 0;
done:
	c->done = 1;
	return 1;
}

/*
 * Write the path of (dentry, vfsmnt) as seen from the task's root into
 * pathbuf[ret .. EV_PATH_MAX). Returns the start offset; *flags gets
 * PATH_TRUNCATED when the walk stopped early. Crosses mount points up to the
 * task's root or the root of the mount namespace, like d_path().
 */
static __always_inline __u32 walk_path(char *buf, struct dentry *dentry, struct vfsmount *vfsmnt,
				       struct task_struct *task, __u16 *flags)
{
	struct walk_ctx c = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
		.off = EV_PATH_MAX,
	};

	struct mount *mnt = real_mount(vfsmnt);

	c.mnt = mnt;
	c.mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
	bpf_loop(EV_PATH_DEPTH, walk_step, &c, 0);
	if (!c.done)
		c.flags |= PATH_TRUNCATED;
	*flags |= c.flags;
	if (c.off == EV_PATH_MAX) {
		c.off -= 1;
		buf[c.off & PATH_MASK] = '/';
	}
	return c.off;
}

/*
 * Resolve a struct path into dst (room for EV_PATH_MAX bytes). Returns the
 * number of bytes written, no terminating NUL.
 */
static __always_inline __u32 put_path(void *dst, struct dentry *dentry, struct vfsmount *vfsmnt,
				      struct task_struct *task, __u16 *flags)
{
	__u32 zero = 0, off, len;
	struct pathbuf *pb = bpf_map_lookup_elem(&pathbuf_map, &zero);

	if (!pb || !dentry || !vfsmnt)
		return 0;
	off = walk_path(pb->data, dentry, vfsmnt, task, flags);
	if (off >= EV_PATH_MAX)
		return 0;
	len = EV_PATH_MAX - off;
	bpf_probe_read_kernel(dst, len & PATH_MASK, &pb->data[off & PATH_MASK]);
	return len & PATH_MASK;
}

/*
 * Copy a NUL-terminated string (user or kernel memory) into dst, which has
 * room for EV_PATH_MAX bytes. Returns its length without the NUL; sets
 * *truncated when it filled the room.
 */
static __always_inline __u32 put_str(void *dst, const void *src, int user, int *truncated)
{
	long r = user ? bpf_probe_read_user_str(dst, EV_PATH_MAX, src)
		      : bpf_probe_read_kernel_str(dst, EV_PATH_MAX, src);
	__u32 n = r > 0 ? r - 1 : 0;

	if (n >= EV_PATH_MAX - 1)
		*truncated = 1;
	return n & PATH_MASK;
}

/* A fixed-size record about `task`: scratch space with its header filled. */
static __always_inline void *new_record(struct task_struct *task, __u16 op, __u32 size)
{
	struct event_header *h = get_scratch();

	if (!h)
		return NULL;
	fill_header(h, task, op);
	h->size = size;
	return h;
}

/* The struct file behind a task's fd, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd & 0xffffff]);
	return f;
}

/* Copy a record of `size` bytes from scratch into the ring, counting failure. */
static __always_inline void emit(void *rec, __u32 size)
{
	__u64 flags = 0;

	if (size > SCRATCH_SIZE)
		size = SCRATCH_SIZE;
	/* A wake-up costs the reader far more than a record does: wake it
	 * only as the backlog crosses the threshold; below it the reader
	 * finds the records on its next timer tick (which also catches a
	 * crossing missed by racing CPUs). An idle reader ticks slowly: the
	 * first record after a quiet spell wakes it. */
	if (cfg.wakeup_bytes) {
		__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

		if (avail == 0 && reader_idle)
			flags = BPF_RB_FORCE_WAKEUP;
		else
			flags = avail < cfg.wakeup_bytes && avail + size >= cfg.wakeup_bytes ?
					BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, rec, size, flags))
		count_drop(EV_DROP_RING_FULL);
}

#endif /* __KESTREL_COMMON_BPF_H */
