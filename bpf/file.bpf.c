// SPDX-License-Identifier: GPL-2.0-only
/*
 * File gadget: open, openat, openat2 and creat, at syscall exit. The result
 * is known there and, for a successful open, the kernel's own view of the
 * file: the absolute path of the returned fd's struct file, so relative
 * paths, "..", symlinks, dirfds and /proc/self/root all land on the real
 * file. The arguments are read back from the user registers the kernel saved
 * at entry (pt_regs), so no entry program and no per-thread map are needed.
 *
 * Before any of that, read-only opens are judged against the interest set
 * the agent derived from its rules (maps interest_*): one that no rule can
 * match is counted in "filtered" and goes no further. Writes always pass.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD_ -100
#define O_ACCMODE_ 03
#define O_WRONLY_ 01
#define O_CREAT_ 0100
#define O_TRUNC_ 01000

#define PASS 1
#define DROP 0

/*
 * 6.2+: makes a plain kernel address a pointer the program may read through
 * directly, one load per field instead of one helper call. Weak: a kernel
 * without it keeps the compat_* programs, which trace every open.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym __weak;

/* Two generations of keys; allocated as written (a set is usually small). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * 2048);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct interest_key);
	__type(value, __u32);
} interest_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INTEREST_GENS);
	__type(key, __u32);
	__type(value, struct interest_cfg);
} interest_cfg SEC(".maps");

/* The generation in force; zero-filled maps mean "no interest set". */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} interest_gen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EV_FILTER_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} filtered SEC(".maps");

struct open_args {
	const char *fname;
	__u64 flags;
	__u32 mode;
	__s32 dirfd;
	__u16 kind;
};

static __always_inline void count_filtered(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&filtered, &reason);

	if (n)
		*n += 1; /* per-CPU slot */
}

static __always_inline int bit256(const __u64 *bits, __u32 n)
{
	return (bits[(n >> 6) & 3] >> (n & 63)) & 1;
}

/* The low `take - at` bytes of the word at byte `at` of a name (little-endian). */
static __always_inline __u64 take_mask(__u32 take, __u32 at)
{
	if (take <= at)
		return 0;
	if (take >= at + 8)
		return ~0ULL;
	return (1ULL << ((take - at) * 8)) - 1;
}

/* A key from the first `take` bytes of three words, for a name of `len`. */
static __always_inline void fill_key(struct interest_key *key, __u64 w0, __u64 w1, __u64 w2, __u32 take,
				     __u32 len, __u8 gen)
{
	__u64 *w = (__u64 *)key;

	w[0] = w0 & take_mask(take, 0);
	w[1] = w1 & take_mask(take, 8);
	w[2] = w2 & take_mask(take, 16);
	w[3] = (len & 0xffff) | ((__u64)gen << 16);
}

/*
 * A key from kernel memory, read through a cast to a struct of u64 words (any
 * will do; kernel_cpustat has been one since 2.6): one load per word, where a
 * char array would be read byte by byte. Bytes past the name are masked off.
 */
static __always_inline void kernel_key(struct interest_key *key, const void *s, __u32 take, __u32 len, __u8 gen)
{
	const struct kernel_cpustat *w = bpf_rdonly_cast(s, bpf_core_type_id_kernel(struct kernel_cpustat));

	fill_key(key, w->cpustat[0], w->cpustat[1], w->cpustat[2], take, len, gen);
}

static __always_inline __u64 rotl(__u64 x, int n)
{
	return (x << n) | (x >> (64 - n));
}

/* The two bloom bits of a key: sensor/kernel/interest.ts computes the same. */
static __always_inline int bloom_hit(const struct interest_cfg *ic, const struct interest_key *key)
{
	const __u64 *w = (const __u64 *)key;
	__u64 h = (w[0] ^ rotl(w[1], 21) ^ rotl(w[2], 42) ^ w[3]) * 0x9E3779B97F4A7C15ULL;
	__u32 a = (h >> 54) & (INTEREST_BLOOM_BITS - 1), b = (h >> 44) & (INTEREST_BLOOM_BITS - 1);

	return (ic->bloom[a >> 6] >> (a & 63)) & (ic->bloom[b >> 6] >> (b & 63)) & 1;
}

/* The kinds a key is wanted as, 0 when none. */
static __always_inline __u32 key_kinds(const struct interest_cfg *ic, const struct interest_key *key)
{
	__u32 *v;

	if (!bloom_hit(ic, key))
		return 0;
	v = bpf_map_lookup_elem(&interest_names, key);
	return v ? *v : 0;
}

/*
 * The word at byte `at` of an array of words on the stack: loads there must
 * be aligned, so it is put together from the two aligned words around it.
 * `last` bounds the first of them.
 */
static __always_inline __u64 stack_word(const __u64 *w, __u32 at, __u32 last)
{
	__u32 i = at >> 3, sh = (at & 7) * 8;

	if (i > last)
		return 0;
	return sh ? (w[i] >> sh) | (w[i + 1] << (64 - sh)) : w[i];
}

/*
 * Whether a name (len bytes at kernel address name) ends with an
 * INTEREST_SUFFIX key. The 24 bytes ending at the name's end are read once,
 * so no read goes past the name (and its object) however short the name.
 */
static __always_inline int name_suffix_hit(const struct interest_cfg *ic, __u8 gen, const char *name, __u32 len)
{
	const struct kernel_cpustat *t;
	struct interest_key key;
	__u64 win[5] = {};
	__u32 k, at;

	t = bpf_rdonly_cast(name + len - INTEREST_NAME_MAX, bpf_core_type_id_kernel(struct kernel_cpustat));
	win[0] = t->cpustat[0];
	win[1] = t->cpustat[1];
	win[2] = t->cpustat[2];
#pragma clang loop unroll(disable)
	for (k = 1; k <= INTEREST_NAME_MAX; k++) {
		if (k > len)
			break;
		if (!(ic->suffix_lens & (1u << k)))
			continue;
		at = INTEREST_NAME_MAX - k;
		fill_key(&key, stack_word(win, at, 3), stack_word(win, at + 8, 3), stack_word(win, at + 16, 3), k, k, gen);
		if (key_kinds(ic, &key) & INTEREST_SUFFIX)
			return 1;
	}
	return 0;
}

/* Bytes of a path string read onto the stack first; longer ones use pathbuf. */
#define RAW_SHORT 128

/*
 * The word at byte `at` of a string: on the stack loads must be aligned, so
 * it is put together from the two aligned words around it; in a map value
 * an unaligned load is fine.
 */
static __always_inline __u64 str_word(const char *buf, __u32 at, const int on_stack)
{
	if (!on_stack)
		return *(const __u64 *)(buf + at);
	return stack_word((const __u64 *)buf, at, (RAW_SHORT >> 3) + 2);
}

/*
 * Whether the string of len bytes in buf ends with a key of `kind`. buf is
 * readable for (len & mask) + 24 bytes (+ 8 on the stack): keys are filled a
 * word at a time and masked to their length.
 */
static __always_inline int raw_suffix_hit(const struct interest_cfg *ic, __u8 gen, __u32 lens, const char *buf,
					  __u32 len, __u32 mask, __u32 kind, const int on_stack)
{
	struct interest_key key;
	__u32 k, at;

#pragma clang loop unroll(disable)
	for (k = 1; k <= INTEREST_NAME_MAX; k++) {
		if (k > len)
			break;
		if (!(lens & (1u << k)))
			continue;
		at = (len - k) & mask;
		fill_key(&key, str_word(buf, at, on_stack), str_word(buf, at + 8, on_stack),
			 str_word(buf, at + 16, on_stack), k, k, gen);
		if (key_kinds(ic, &key) & kind)
			return 1;
	}
	return 0;
}

/*
 * For a failed open the agent shows the path string itself, or joined to the
 * directory it was relative to: a last segment of "", "." or ".." is not the
 * name a rule would see, so such strings pass.
 */
static __always_inline int odd_end(const char *buf, __u32 len, __u32 mask)
{
	char c = buf[(len - 1) & mask];

	if (c == '/')
		return 1;
	if (c != '.')
		return 0;
	c = len >= 2 ? buf[(len - 2) & mask] : '/';
	if (c == '/')
		return 1;
	return c == '.' && (len < 3 || buf[(len - 3) & mask] == '/');
}

/*
 * The path string the caller gave, judged by its end. Most are short and
 * are read onto the stack; a longer one is read again into pathbuf.
 */
static __always_inline int raw_wanted(const struct interest_cfg *ic, __u8 gen, __u32 lens, const char *fname,
				      __u32 kind, int end_checks)
{
	__u64 words[(RAW_SHORT >> 3) + 4];
	char *sbuf = (char *)words;
	__u32 zero = 0, len;
	struct pathbuf *pb;
	long n;

	words[RAW_SHORT >> 3] = 0;
	words[(RAW_SHORT >> 3) + 1] = 0;
	words[(RAW_SHORT >> 3) + 2] = 0;
	words[(RAW_SHORT >> 3) + 3] = 0;
	n = bpf_probe_read_user_str(sbuf, RAW_SHORT, fname);
	if (n <= 1)
		return PASS;
	if (n < RAW_SHORT) {
		len = (n - 1) & (RAW_SHORT - 1);
		if (end_checks && odd_end(sbuf, len, RAW_SHORT - 1))
			return PASS;
		return raw_suffix_hit(ic, gen, lens, sbuf, len, RAW_SHORT - 1, kind, 1) ? PASS : DROP;
	}
	pb = bpf_map_lookup_elem(&pathbuf_map, &zero);
	if (!pb)
		return PASS;
	n = bpf_probe_read_user_str(pb->data, EV_PATH_MAX, fname);
	if (n <= 1)
		return PASS;
	len = (n - 1) & PATH_MASK;
	if (end_checks && odd_end(pb->data, len, PATH_MASK))
		return PASS;
	return raw_suffix_hit(ic, gen, lens, pb->data, len, PATH_MASK, kind, 0) ? PASS : DROP;
}

/* The names of a path, the file's own first, as walk_path() writes them. */
struct check_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	const struct interest_cfg *ic;
	__u32 level; /* names looked at so far */
	__u8 gen;
	__u8 done;
	__u8 verdict;
};

/*
 * One directory level; returns 1 when the walk is over. Pointers come from
 * bpf_rdonly_cast (plain loads).
 */
static __always_inline long check_level(struct check_ctx *c)
{
	struct dentry *dentry = c->dentry, *parent, *mnt_root;
	const struct interest_cfg *ic = c->ic;
	struct mount *mnt = c->mnt, *mnt_parent;
	struct interest_key key;
	const char *name;
	__u32 len, want;

	c->done = 1;
	if (dentry == c->root_dentry && c->vfsmnt == c->root_mnt) {
		/* The task's root: every name was looked at. Opening "/" itself
		 * has none, and a rule may want exactly that. */
		c->verdict = c->level ? DROP : PASS;
		return 1;
	}
	mnt_root = c->vfsmnt->mnt_root;
	parent = dentry->d_parent;
	if (dentry == mnt_root || dentry == parent) {
		mnt_parent = mnt->mnt_parent;
		if (dentry != mnt_root || mnt == mnt_parent) {
			/* A pseudo file (memfd, pipe, anon inode) or a path that
			 * ends outside the task's root: shown differently, passes. */
			c->verdict = PASS;
			return 1;
		}
		c->dentry = mnt->mnt_mountpoint;
		c->mnt = mnt_parent;
		c->vfsmnt = &mnt_parent->mnt;
		c->done = 0;
		return 0;
	}
	len = dentry->d_name.len;
	if (len > 255) {
		c->verdict = PASS;
		return 1;
	}
	want = INTEREST_ANCESTOR;
	if (c->level == 0)
		want |= INTEREST_FINAL;
	else if (c->level == 1)
		want |= INTEREST_PARENT;
	name = (const char *)dentry->d_name.name;
	kernel_key(&key, name, len < INTEREST_NAME_MAX ? len : INTEREST_NAME_MAX, len, c->gen);
	if (key_kinds(ic, &key) & want) {
		c->verdict = PASS;
		return 1;
	}
	if (c->level == 0 && ic->suffix_lens && name_suffix_hit(ic, c->gen, name, len)) {
		c->verdict = PASS;
		return 1;
	}
	c->level++;
	if (c->level >= ic->depth || (parent == c->root_dentry && c->vfsmnt == c->root_mnt)) {
		/* No name further up is in the set, or there is none. */
		c->verdict = DROP;
		return 1;
	}
	c->dentry = parent;
	c->done = 0;
	return 0;
}

/* Levels looked at inline (a call per level costs more than the level). */
#define CHECK_INLINE 12

/* Deeper ones, one bpf_loop step each. */
static long check_step(__u64 index, struct check_ctx *c)
{
	return check_level(c);
}

/* A successful read-only open: does any rule want this file? */
static __always_inline int read_open_wanted(struct task_struct *task, long fd, const struct open_args *a,
					    const struct interest_cfg *ic, __u8 gen)
{
	struct fdtable *fdt = task->files->fdt;
	const struct kernel_cpustat *slot;
	struct vfsmount *vfsmnt;
	struct check_ctx c = {};
	struct file **arr, *f;
	int i;

	if (fd >= fdt->max_fds)
		return PASS;
	arr = fdt->fd;
	/* The fd's slot, read as a word through a cast, like names are. */
	slot = bpf_rdonly_cast(&arr[fd & 0xffffff], bpf_core_type_id_kernel(struct kernel_cpustat));
	f = (struct file *)slot->cpustat[0];
	if (!f)
		return PASS; /* closed by another thread already */
	f = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
	if (ic->types & (1u << ((f->f_inode->i_mode >> 12) & 15)))
		return PASS;
	if (ic->depth) {
		vfsmnt = f->f_path.mnt;
		c.dentry = f->f_path.dentry;
		c.vfsmnt = vfsmnt;
		c.mnt = bpf_rdonly_cast((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt),
					bpf_core_type_id_kernel(struct mount));
		c.root_dentry = task->fs->root.dentry;
		c.root_mnt = task->fs->root.mnt;
		c.ic = ic;
		c.gen = gen;
#pragma clang loop unroll(disable)
		for (i = 0; i < CHECK_INLINE; i++)
			if (check_level(&c))
				break;
		if (!c.done)
			bpf_loop(EV_PATH_DEPTH - CHECK_INLINE, check_step, &c, 0);
		if (!c.done || c.verdict == PASS)
			return PASS; /* deeper than the walk goes, or wanted */
	}
	if (ic->raw_lens)
		return raw_wanted(ic, gen, ic->raw_lens, a->fname, INTEREST_RAW, 0);
	return DROP;
}

/* Whether the open goes on to the ring; counts what it keeps back. */
static __always_inline int wanted(struct task_struct *task, long ret, const struct open_args *a)
{
	__u32 zero = 0, gen, e;
	__u32 *g = bpf_map_lookup_elem(&interest_gen, &zero);
	const struct interest_cfg *ic;

	gen = g ? *g & 1 : 0;
	ic = bpf_map_lookup_elem(&interest_cfg, &gen);
	if (!ic || !(ic->flags & INTEREST_ON))
		return PASS;
	/* Anything that can change a file passes: the agent tracks writes. */
	if (a->flags & (O_ACCMODE_ | O_CREAT_ | O_TRUNC_))
		return PASS;
	if (ret >= 0) {
		if (read_open_wanted(task, ret, a, ic, gen))
			return PASS;
		count_filtered(EV_FILTER_OPEN_READ);
		return DROP;
	}
	if (ret < -255)
		return PASS;
	e = -ret;
	if (bit256(ic->fail_pass, e))
		return PASS;
	if (bit256(ic->fail_judge, e) && raw_wanted(ic, gen, ic->fail_raw_lens, a->fname, INTEREST_FAIL_RAW, 1))
		return PASS;
	count_filtered(EV_FILTER_OPEN_FAILED);
	return DROP;
}

static __always_inline int report(struct task_struct *task, long ret, const struct open_args *a)
{
	struct open_event *e;
	struct file *f = NULL;
	__u8 *data;
	__u32 off, n;
	int cut = 0;

	e = new_record(task, EV_OP_OPEN, 0);
	if (!e)
		return 0;
	data = (__u8 *)e;
	e->ret = ret;
	e->flags = a->flags;
	e->mode = a->mode;
	e->dirfd = a->dirfd;
	e->syscall = a->kind;
	e->ino = 0;
	e->dev = 0;
	e->i_mode = 0;
	e->path_flags = 0;
	e->pad = 0;

	off = sizeof(*e);
	n = put_str(&data[off], a->fname, 1, &cut);
	if (cut)
		e->path_flags |= PATH_RAW_TRUNCATED;
	e->raw_size = n;
	off += n;

	if (ret >= 0) {
		f = fd_file(task, ret);
	} else if (n > 0 && data[sizeof(*e)] != '/') {
		/* A failed relative open: report the directory it was relative
		 * to, so the agent can show the absolute path that was asked. */
		if (a->dirfd == AT_FDCWD_) {
			n = put_path(&data[off & 0x1fff], BPF_CORE_READ(task, fs, pwd.dentry),
				     BPF_CORE_READ(task, fs, pwd.mnt), task, &e->path_flags);
			e->path_flags |= PATH_IS_BASEDIR;
			goto done;
		}
		f = fd_file(task, a->dirfd);
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
	return 0;
}

/*
 * The arguments as the syscall took them: still in the user registers the
 * kernel saved at entry (ptrace and seccomp act before the syscall runs).
 */
static __always_inline int leave(struct trace_event_raw_sys_exit *ctx, __u16 kind, const int filter)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct open_args a = { .kind = kind, .dirfd = AT_FDCWD_ };
	struct open_how how = {};
	long ret = ctx->ret;

	if (is_self())
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	switch (kind) {
	case SYS_KIND_OPEN:
		a.fname = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		a.flags = PT_REGS_PARM2_SYSCALL(regs);
		a.mode = PT_REGS_PARM3_SYSCALL(regs);
		break;
	case SYS_KIND_OPENAT:
		a.dirfd = PT_REGS_PARM1_SYSCALL(regs);
		a.fname = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		a.flags = PT_REGS_PARM3_SYSCALL(regs);
		a.mode = PT_REGS_PARM4_SYSCALL(regs);
		break;
	case SYS_KIND_OPENAT2:
		/* struct open_how is read from the caller's memory: openat2
		 * is never filtered, so a racing rewrite hides nothing. */
		a.dirfd = PT_REGS_PARM1_SYSCALL(regs);
		a.fname = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		bpf_probe_read_user(&how, sizeof(how), (void *)PT_REGS_PARM3_SYSCALL(regs));
		a.flags = how.flags;
		a.mode = how.mode;
		break;
	default: /* creat */
		a.fname = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		a.flags = O_WRONLY_ | O_CREAT_ | O_TRUNC_;
		a.mode = PT_REGS_PARM2_SYSCALL(regs);
		break;
	}
	if (filter && !wanted(task, ret, &a))
		return 0;
	return report(task, ret, &a);
}

/* With the interest set (6.2+: bpf_rdonly_cast). */
SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_OPEN, 1);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_OPENAT, 1);
}

/* The same without it, for kernels that lack bpf_rdonly_cast. */
SEC("tracepoint/syscalls/sys_exit_open")
int compat_open(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_OPEN, 0);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int compat_openat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_OPENAT, 0);
}

/* Never filtered: creat always writes; openat2's flags are in user memory. */
SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_OPENAT2, 0);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx, SYS_KIND_CREAT, 0);
}
