/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/*
 * The contract between the kernel programs and the agent. Every record in
 * every ring buffer starts with struct event_header; the agent dispatches on
 * its op code. This file is plain C, compiled both into the BPF objects and
 * into the layout test (test/helpers/layout.c), so it must not include
 * vmlinux.h. test/kernel/layout.test.ts checks every size and offset below
 * against sensor/decode/layout.ts.
 */
#ifndef __KESTREL_EVENTS_H
#define __KESTREL_EVENTS_H

#define EV_COMM_LEN 16
/* Largest path the kernel hands out (PATH_MAX); a power of two. */
#define EV_PATH_MAX 4096
/* Argument vector bytes captured per exec (NUL separated), a power of two. */
#define EV_ARGS_MAX 8192
/* Directory levels walked when resolving a path; deeper paths are flagged. */
#define EV_PATH_DEPTH 160

enum event_op {
	EV_OP_EXEC = 1,
	EV_OP_FORK = 2,
	EV_OP_EXIT = 3,
	EV_OP_OPEN = 4,
};

/* Slots of the per-CPU "drops" array each object carries. */
enum drop_reason {
	EV_DROP_RING_FULL = 0,	/* bpf_ringbuf_output failed: the record is lost */
	EV_DROP_INFLIGHT_FULL = 1, /* syscall entry not tracked: its exit is lost */
	EV_DROP_REASONS = 2,
};

/* event_header.flags */
#define EVH_IN_ROOT_MNTNS 0x1 /* reserved for the agent; not set in kernel */

struct event_header {
	__u16 op;
	__u16 flags;
	__u32 size;	  /* whole record, header and trailing data */
	__u64 ktime_ns;	  /* CLOCK_BOOTTIME of the event */
	__u64 start_ns;	  /* thread group leader start, CLOCK_BOOTTIME */
	__u64 cgroup_id;  /* cgroup v2 id (1 = root) */
	__u32 pid;	  /* tgid, in the initial pid namespace */
	__u32 tid;
	__u32 ppid;	  /* real parent's tgid */
	__u32 vpid;	  /* tgid as seen in the task's own pid namespace */
	__u32 uid;	  /* effective uid */
	__u32 gid;	  /* effective gid */
	__u32 auid;	  /* login uid, (u32)-1 when unset */
	__u32 mntns;	  /* mount namespace inode number */
	__u32 pidns;	  /* pid namespace inode number */
	__u32 netns;	  /* network namespace inode number */
	char comm[EV_COMM_LEN];
};

/* exec_event.flags */
#define EXEC_ARGS_TRUNCATED 0x1
#define EXEC_FILENAME_TRUNCATED 0x2
#define EXEC_EXE_TRUNCATED 0x4
#define EXEC_CWD_TRUNCATED 0x8

/*
 * Followed by filename[filename_size] (the path given to execve, as the
 * kernel opened it), exe[exe_size] (mm->exe_file resolved), cwd[cwd_size],
 * args[args_size] (argv strings, each NUL terminated). Sizes exclude any
 * terminating NUL of the path strings.
 */
struct exec_event {
	struct event_header hdr;
	__u32 argc;	     /* the real argument count, even when truncated */
	__u32 args_size;
	__u16 filename_size;
	__u16 exe_size;
	__u16 cwd_size;
	__u16 flags;
	__u32 ruid;	     /* real uid */
	__u32 old_pid;	     /* pid before exec (differs for a non-leader exec) */
};

struct fork_event {
	struct event_header hdr; /* describes the child */
	__u32 parent_tid;
	__u32 clone_flags_hi;	 /* reserved */
};

struct exit_event {
	struct event_header hdr;
	__u32 exit_code; /* wait status: (status << 8) | signal | 0x80 core */
	__u32 pad;
};

enum open_syscall {
	SYS_KIND_OPEN = 1,
	SYS_KIND_OPENAT = 2,
	SYS_KIND_OPENAT2 = 3,
	SYS_KIND_CREAT = 4,
};

/* open_event.path_flags */
#define PATH_TRUNCATED 0x1    /* deeper than EV_PATH_DEPTH or longer than EV_PATH_MAX */
#define PATH_IS_BASEDIR 0x2   /* failed relative open: path is the base directory */
#define PATH_RAW_TRUNCATED 0x4

/*
 * Followed by raw[raw_size] (the string the caller passed) and
 * path[path_size] (resolved from the returned fd, or for a failed relative
 * open the directory it was relative to).
 */
struct open_event {
	struct event_header hdr;
	__s64 ret;	 /* fd, or -errno */
	__u64 flags;	 /* open flags as passed */
	__u64 ino;	 /* inode of the opened file, 0 on failure */
	__u32 dev;	 /* st_dev of the opened file (kernel encoding) */
	__u32 mode;	 /* mode argument */
	__s32 dirfd;	 /* AT_FDCWD (-100) for open and creat */
	__u16 i_mode;	 /* file type and permission bits of the opened inode */
	__u16 syscall;	 /* enum open_syscall */
	__u16 raw_size;
	__u16 path_size;
	__u16 path_flags;
	__u16 pad;
};

/* Load-time settings, written into .rodata before load. */
struct sensor_config {
	__u32 self_tgid; /* the agent itself: never traced */
	__u32 pad;
};

#endif /* __KESTREL_EVENTS_H */
