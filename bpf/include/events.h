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
	EV_OP_CONNECT = 5,
	EV_OP_ACCEPT = 6,
	EV_OP_SYSCALL = 7,
	EV_OP_DNS = 8,
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
#define EXEC_EXE_OUTSIDE_ROOT 0x10 /* e.g. a memfd: exe is "/memfd:NAME" */

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
	__u32 tty;	     /* controlling terminal, kernel dev_t (MKDEV); 0 when none */
	__u32 pad;
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
/* The walk ended at a root other than the task's: an internal mount (memfd,
 * pipe, socket), a detached tree, or another mount namespace. */
#define PATH_OUTSIDE_ROOT 0x8

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

/* net_event.flags */
#define NET_UNIX_PATH_TRUNCATED 0x1

/*
 * connect(2) and accept(2)/accept4(2). Addresses are in network byte order
 * (IPv4 in the first 4 bytes), ports in host order. For connect, "local" is
 * the socket's bound address after the call and "remote" the address asked
 * for; for accept, the new connection's two ends. Followed by
 * unix_path[unix_path_size] for AF_UNIX (abstract names start with NUL).
 */
struct net_event {
	struct event_header hdr;
	__s32 ret;	   /* new fd (accept), 0 or -errno */
	__s32 fd;	   /* the socket fd connected, or listening (accept) */
	__u16 family;	   /* AF_INET, AF_INET6, AF_UNIX */
	__u16 protocol;	   /* IPPROTO_TCP, IPPROTO_UDP, 0 */
	__u16 sock_type;   /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 local_port;
	__u16 remote_port;
	__u16 unix_path_size;
	__u16 flags;
	__u16 pad;
	__u8 local_addr[16];
	__u8 remote_addr[16];
};

#define EV_UNIX_PATH_MAX 108

/* The security-relevant syscalls the syscall gadget reports. */
enum sec_syscall {
	SC_MOUNT = 1,
	SC_UMOUNT2,
	SC_SETNS,
	SC_UNSHARE,
	SC_PTRACE,
	SC_INIT_MODULE,
	SC_FINIT_MODULE,
	SC_BPF,
	SC_MEMFD_CREATE,
	SC_DUP2,
	SC_DUP3,
	SC_SOCKET,
	SC_RENAME,
	SC_RENAMEAT,
	SC_RENAMEAT2,
	SC_LINK,
	SC_LINKAT,
	SC_SYMLINK,
	SC_SYMLINKAT,
	SC_UNLINK,
	SC_UNLINKAT,
	SC_CHMOD,
	SC_FCHMOD,
	SC_FCHMODAT,
	SC_SETUID,
	SC_SETGID,
	SC_FCHMODAT2,
	SC_MAX,
};

/* syscall_event.flags */
#define SCF_STR_TRUNCATED 0x1  /* a string argument was cut */
#define SCF_BASE_TRUNCATED 0x2 /* a base directory path was cut */
#define SCF_BASE0_IS_FD 0x4    /* base[0] is the path of the fd argument */
#define SCF_SOURCE_SOCKET 0x8  /* dup2/dup3: the source fd is a socket */
#define SCF_NS_FD 0x10	       /* setns: the fd is a namespace file */
#define SCF_FD_OUTSIDE_ROOT 0x20 /* base[0] (an fd's path) is a pseudo file: memfd... */

/*
 * One security-relevant syscall at its exit. args are the raw arguments;
 * followed by str[0..2] (string arguments, as passed: paths, names, fstype)
 * and base[0..1]: for a relative path in str[i], the directory it was
 * relative to (cwd or dirfd), resolved by the kernel; or, with
 * SCF_BASE0_IS_FD, the path of the file behind the fd argument.
 */
struct syscall_event {
	struct event_header hdr;
	__s64 ret;
	__u64 args[6];
	__u16 syscall; /* enum sec_syscall */
	__u16 flags;
	__u16 str_size[3];
	__u16 base_size[2];
	__u16 pad;
	__u32 aux;  /* setns: ns type of the fd; bpf: prog type; dup: family */
	__u32 aux2; /* setns: ns inode number */
};

#define EV_DNS_PAYLOAD_MAX 512

enum dns_dir {
	DNS_QUERY = 0,	  /* leaving the host towards port 53 */
	DNS_RESPONSE = 1, /* arriving from port 53 */
};

/*
 * A UDP packet to or from port 53, seen on a network device in any network
 * namespace. The process fields of the header are meaningful for queries
 * only (responses arrive in softirq context). Followed by the first
 * captured bytes of the UDP payload (the DNS message).
 */
struct dns_event {
	struct event_header hdr;
	__u32 dev_netns;  /* network namespace of the device */
	__u32 ifindex;
	__u8 dir;	  /* enum dns_dir */
	__u8 family;	  /* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u16 dns_len;	  /* UDP payload length on the wire */
	__u16 captured;	  /* bytes that follow */
	__u16 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * The open filter: the interest set the agent derives from its rules, so
 * that read-only opens no rule can match never leave the kernel. Names are
 * keys of the "interest_names" hash map; each generation (0, 1) has its own
 * keys and its own interest_cfg, and "interest_gen" says which one is in
 * force, so that a reload is seen whole or not at all.
 */
#define INTEREST_NAME_MAX 24	/* bytes of a name kept in a key */
#define INTEREST_GENS 2
#define INTEREST_BLOOM_BITS 1024

/* The kinds a key is wanted as (the value of its map entry) */
#define INTEREST_FINAL 0x1     /* the opened file's own name */
#define INTEREST_PARENT 0x2    /* the name of the directory holding it */
#define INTEREST_ANCESTOR 0x4  /* any name on its path, its own included */
#define INTEREST_SUFFIX 0x8    /* the end of the file's own name */
#define INTEREST_RAW 0x10      /* the end of the path string given, successful opens */
#define INTEREST_FAIL_RAW 0x20 /* the end of the path string given, failed opens */

/*
 * A whole name of len bytes: its first INTEREST_NAME_MAX bytes (two long
 * names alike in those and in length share a key: both pass). An end of a
 * name or path string: its last len (<= INTEREST_NAME_MAX) bytes. The rest of
 * name[] is zero. Aligned so the kernel fills name[] a word at a time.
 */
struct interest_key {
	char name[INTEREST_NAME_MAX];
	__u16 len;
	__u8 gen;
	__u8 pad[5];
} __attribute__((aligned(8)));

/* interest_cfg.flags */
#define INTEREST_ON 0x1 /* judge read-only opens; without it every open passes */

/*
 * The bloom filter holds two bits per key, from the key's words (see
 * bloom_hit() in file.bpf.c): a key whose bits are not both set is in no
 * map entry, and the lookup is skipped.
 */
struct interest_cfg {
	__u32 flags;
	__u32 types;	     /* bit (i_mode >> 12): opened files of that type pass */
	__u32 depth;	     /* names of the path looked at, the file's own first */
	__u32 suffix_lens;   /* bit k: some INTEREST_SUFFIX key has k bytes */
	__u32 raw_lens;	     /* bit k: some INTEREST_RAW key has k bytes */
	__u32 fail_raw_lens; /* bit k: some INTEREST_FAIL_RAW key has k bytes */
	__u64 bloom[INTEREST_BLOOM_BITS / 64];
	__u64 fail_pass[4];  /* bit e: failed opens with errno e all pass */
	__u64 fail_judge[4]; /* bit e: judged by the path string (others drop) */
};

/* Slots of the file object's per-CPU "filtered" array. */
enum filter_reason {
	EV_FILTER_OPEN_READ = 0,   /* successful read-only open outside the interest set */
	EV_FILTER_OPEN_FAILED = 1, /* failed read-only open outside it */
	EV_FILTER_REASONS = 2,
};

/* Load-time settings, written into .rodata before load. */
struct sensor_config {
	__u32 self_tgid;    /* the agent itself: never traced */
	/* Wake the reader only once this many bytes wait in the ring; below
	 * it the reader polls on a timer. 0: wake on every record. */
	__u32 wakeup_bytes;
};

#endif /* __KESTREL_EVENTS_H */
