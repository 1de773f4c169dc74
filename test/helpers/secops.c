// SPDX-License-Identifier: Apache-2.0
/*
 * Performs one security-relevant syscall with known arguments, through the
 * raw syscall(2) so that libc cannot substitute another one, and prints
 * "<pid> <result> [extra...]" (result: the return value or -errno; pid: the
 * process that made the call) so the test can match the event.
 *
 *   secops mount SOURCE TARGET         mount tmpfs (MS_NOSUID|MS_NODEV, "size=1m")
 *                                      then umount2(TARGET, MNT_DETACH);
 *                                      prints "pid mountret umountret"
 *   secops setns uts|net|file          setns(open(/proc/self/ns/KIND), CLONE_NEW*);
 *                                      file: an fd of /etc/hostname, nstype 0;
 *                                      prints "pid ret fd ns_inode"
 *   secops unshare                     unshare(CLONE_NEWUTS)
 *   secops ptrace-attach               fork a sleeping child, PTRACE_ATTACH it,
 *                                      then PTRACE_DETACH; prints
 *                                      "pid attachret child detachret"
 *   secops ptrace-traceme              a forked child calls PTRACE_TRACEME;
 *                                      prints "childpid ret"
 *   secops bpf                         BPF_MAP_CREATE (not reported by the sensor),
 *                                      then BPF_PROG_LOAD of "mov r0,0; exit"
 *                                      as a socket filter named kestrel_test;
 *                                      prints "pid progfd mapfd"
 *   secops memfd                       memfd_create("kestrel-mem", MFD_CLOEXEC)
 *   secops dup2-socket                 dup2(socket(AF_INET, SOCK_STREAM), 2);
 *                                      prints "pid ret sockfd"
 *   secops dup3-file PATH              dup3(open(PATH), 1, O_CLOEXEC); the result
 *                                      goes to a saved copy of stdout;
 *                                      prints "pid ret filefd"
 *   secops socket-packet               socket(AF_PACKET, SOCK_RAW, 0)
 *   secops rename OLD NEW              rename(2)
 *   secops renameat ODIR OLD NDIR NEW  renameat(2); a DIR of "-" is AT_FDCWD
 *   secops renameat2 ODIR OLD NDIR NEW renameat2(2) with RENAME_NOREPLACE
 *   secops link OLD NEW                link(2)
 *   secops linkat ODIR OLD NDIR NEW    linkat(2) with AT_SYMLINK_FOLLOW
 *   secops symlink TARGET LINK         symlink(2)
 *   secops symlinkat TARGET DIR LINK   symlinkat(2)
 *   secops unlink PATH                 unlink(2)
 *   secops unlinkat DIR PATH [rmdir]   unlinkat(2), AT_REMOVEDIR with "rmdir"
 *   secops chmod PATH MODE             chmod(2), MODE in octal
 *   secops fchmod PATH MODE            fchmod(2) of an O_RDONLY fd of PATH;
 *                                      prints "pid ret fd"
 *   secops fchmodat DIR PATH MODE      fchmodat(2)
 *   secops fchmodat2 DIR PATH MODE     fchmodat2(2) (Linux 6.6)
 *   secops fchmod-memfd                fchmod(2) of a memfd named kestrel-mem2
 *   secops setuid UID / setgid GID     setuid(2) / setgid(2)
 *   secops init_module                 init_module of 64 bytes that are no ELF,
 *                                      params "kestrel_param=1" (fails)
 *   secops finit_module PATH           finit_module(open(PATH), "kestrel_param=1", 0)
 *                                      (fails: PATH is no module); prints "pid ret fd"
 *   secops exec-memfd execveat|procfd  copy /bin/true into memfd "kestrel-mem" and
 *                                      run it by execveat(fd, "", AT_EMPTY_PATH)
 *                                      or by execve("/proc/self/fd/N"); prints
 *                                      "pid memfd" before the exec
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1
#endif
#ifndef AF_PACKET
#define AF_PACKET 17
#endif

/* The raw result: the return value, or -errno. */
static long res(long r)
{
	return r < 0 ? -(long)errno : r;
}

/* fchmodat2 is newer than this libc's headers; the number is the same on
 * x86-64 and arm64 (the generic table). */
#ifdef SYS_fchmodat2
#define SYS_fchmodat2_ SYS_fchmodat2
#else
#define SYS_fchmodat2_ 452
#endif

static void report(long r)
{
	printf("%d %ld\n", getpid(), res(r));
	fflush(stdout);
}

static void report2(long r, long extra)
{
	printf("%d %ld %ld\n", getpid(), res(r), extra);
	fflush(stdout);
}

static int open_dir(const char *dir)
{
	int fd;

	if (!strcmp(dir, "-"))
		return AT_FDCWD;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		perror(dir);
		exit(1);
	}
	return fd;
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int do_mount(const char *source, const char *target)
{
	long m = syscall(SYS_mount, source, target, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m");
	long me = res(m); /* before umount2 can change errno */
	long u = m == 0 ? syscall(SYS_umount2, target, MNT_DETACH) : 0;

	printf("%d %ld %ld\n", getpid(), me, res(u));
	fflush(stdout);
	return 0;
}

static int do_setns(const char *kind)
{
	struct stat st;
	int fd, nstype;
	long r;

	if (!strcmp(kind, "uts")) {
		fd = open_or_die("/proc/self/ns/uts", O_RDONLY);
		nstype = CLONE_NEWUTS;
	} else if (!strcmp(kind, "net")) {
		fd = open_or_die("/proc/self/ns/net", O_RDONLY);
		nstype = CLONE_NEWNET;
	} else {
		fd = open_or_die("/etc/hostname", O_RDONLY);
		nstype = 0;
	}
	if (fstat(fd, &st)) {
		perror("fstat");
		return 1;
	}
	r = syscall(SYS_setns, fd, nstype);
	printf("%d %ld %d %lu\n", getpid(), res(r), fd, (unsigned long)st.st_ino);
	fflush(stdout);
	return 0;
}

static int do_ptrace_attach(void)
{
	int status;
	long a, ae, d = -1, de;
	pid_t child = fork();

	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		for (;;)
			pause();
	}
	a = syscall(SYS_ptrace, PTRACE_ATTACH, child, 0, 0);
	ae = res(a);
	if (a == 0) {
		if (waitpid(child, &status, 0) < 0)
			perror("waitpid");
		d = syscall(SYS_ptrace, PTRACE_DETACH, child, 0, 0);
	}
	de = res(d);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	printf("%d %ld %d %ld\n", getpid(), ae, child, de);
	fflush(stdout);
	return 0;
}

static int do_ptrace_traceme(void)
{
	int status;
	pid_t child = fork();

	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		report(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
		_exit(0);
	}
	waitpid(child, &status, 0);
	return 0;
}

static int do_bpf(void)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr map, prog;
	long m, me, p;

	memset(&map, 0, sizeof(map));
	map.map_type = BPF_MAP_TYPE_ARRAY;
	map.key_size = 4;
	map.value_size = 4;
	map.max_entries = 1;
	m = syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof(map));
	me = res(m);

	memset(&prog, 0, sizeof(prog));
	prog.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	prog.insn_cnt = 2;
	prog.insns = (__u64)(unsigned long)insns;
	prog.license = (__u64)(unsigned long)"GPL";
	strncpy(prog.prog_name, "kestrel_test", sizeof(prog.prog_name) - 1);
	p = syscall(SYS_bpf, BPF_PROG_LOAD, &prog, sizeof(prog));
	report2(p, me);
	return 0;
}

static int do_dup3_file(const char *path)
{
	int saved = dup(1);
	int fd = open_or_die(path, O_WRONLY);
	long r;

	if (saved < 0) {
		perror("dup");
		return 1;
	}
	r = syscall(SYS_dup3, fd, 1, O_CLOEXEC);
	dprintf(saved, "%d %ld %d\n", getpid(), res(r), fd);
	return 0;
}

static int do_init_module(void)
{
	char image[64];

	memset(image, 0x5a, sizeof(image));
	report(syscall(SYS_init_module, image, sizeof(image), "kestrel_param=1"));
	return 0;
}

static int do_finit_module(const char *path)
{
	int fd = open_or_die(path, O_RDONLY);

	report2(syscall(SYS_finit_module, fd, "kestrel_param=1", 0), fd);
	return 0;
}

static int do_exec_memfd(const char *how)
{
	static char buf[1 << 16];
	char *argv[] = { "kestrel-fileless", NULL };
	char *envp[] = { NULL };
	char procpath[64];
	int src = open_or_die("/bin/true", O_RDONLY);
	int mfd = syscall(SYS_memfd_create, "kestrel-mem", MFD_CLOEXEC);
	ssize_t n;

	if (mfd < 0) {
		perror("memfd_create");
		return 1;
	}
	while ((n = read(src, buf, sizeof(buf))) > 0) {
		if (write(mfd, buf, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(src);
	printf("%d %d\n", getpid(), mfd);
	fflush(stdout);
	if (!strcmp(how, "procfd")) {
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", mfd);
		syscall(SYS_execve, procpath, argv, envp);
	} else {
		syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
	}
	perror("exec");
	return 1;
}

static long mode_of(const char *s)
{
	return strtol(s, NULL, 8);
}

int main(int argc, char **argv)
{
	const char *op;

	if (argc < 2) {
		fprintf(stderr, "usage: secops OPERATION [ARGS...] (see the source)\n");
		return 2;
	}
	op = argv[1];

#define NEED(n)                                                                 \
	do {                                                                    \
		if (argc < (n) + 2) {                                           \
			fprintf(stderr, "secops %s: needs %d arguments\n", op, n); \
			return 2;                                               \
		}                                                               \
	} while (0)

	if (!strcmp(op, "mount")) {
		NEED(2);
		return do_mount(argv[2], argv[3]);
	} else if (!strcmp(op, "setns")) {
		NEED(1);
		return do_setns(argv[2]);
	} else if (!strcmp(op, "unshare")) {
		report(syscall(SYS_unshare, CLONE_NEWUTS));
	} else if (!strcmp(op, "ptrace-attach")) {
		return do_ptrace_attach();
	} else if (!strcmp(op, "ptrace-traceme")) {
		return do_ptrace_traceme();
	} else if (!strcmp(op, "bpf")) {
		return do_bpf();
	} else if (!strcmp(op, "memfd")) {
		report(syscall(SYS_memfd_create, "kestrel-mem", MFD_CLOEXEC));
	} else if (!strcmp(op, "dup2-socket")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0) {
			perror("socket");
			return 1;
		}
		report2(syscall(SYS_dup2, s, 2), s);
	} else if (!strcmp(op, "dup3-file")) {
		NEED(1);
		return do_dup3_file(argv[2]);
	} else if (!strcmp(op, "socket-packet")) {
		report(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0));
	} else if (!strcmp(op, "rename")) {
		NEED(2);
		report(syscall(SYS_rename, argv[2], argv[3]));
	} else if (!strcmp(op, "renameat")) {
		NEED(4);
		report(syscall(SYS_renameat, open_dir(argv[2]), argv[3], open_dir(argv[4]), argv[5]));
	} else if (!strcmp(op, "renameat2")) {
		NEED(4);
		report(syscall(SYS_renameat2, open_dir(argv[2]), argv[3], open_dir(argv[4]), argv[5],
			       RENAME_NOREPLACE));
	} else if (!strcmp(op, "link")) {
		NEED(2);
		report(syscall(SYS_link, argv[2], argv[3]));
	} else if (!strcmp(op, "linkat")) {
		NEED(4);
		report(syscall(SYS_linkat, open_dir(argv[2]), argv[3], open_dir(argv[4]), argv[5],
			       AT_SYMLINK_FOLLOW));
	} else if (!strcmp(op, "symlink")) {
		NEED(2);
		report(syscall(SYS_symlink, argv[2], argv[3]));
	} else if (!strcmp(op, "symlinkat")) {
		NEED(3);
		report(syscall(SYS_symlinkat, argv[2], open_dir(argv[3]), argv[4]));
	} else if (!strcmp(op, "unlink")) {
		NEED(1);
		report(syscall(SYS_unlink, argv[2]));
	} else if (!strcmp(op, "unlinkat")) {
		NEED(2);
		report(syscall(SYS_unlinkat, open_dir(argv[2]), argv[3],
			       argc > 4 && !strcmp(argv[4], "rmdir") ? AT_REMOVEDIR : 0));
	} else if (!strcmp(op, "chmod")) {
		NEED(2);
		report(syscall(SYS_chmod, argv[2], mode_of(argv[3])));
	} else if (!strcmp(op, "fchmod")) {
		int fd;

		NEED(2);
		fd = open_or_die(argv[2], O_RDONLY);
		report2(syscall(SYS_fchmod, fd, mode_of(argv[3])), fd);
	} else if (!strcmp(op, "fchmodat")) {
		NEED(3);
		report(syscall(SYS_fchmodat, open_dir(argv[2]), argv[3], mode_of(argv[4])));
	} else if (!strcmp(op, "fchmodat2")) {
		NEED(3);
		report(syscall(SYS_fchmodat2_, open_dir(argv[2]), argv[3], mode_of(argv[4]), 0));
	} else if (!strcmp(op, "fchmod-memfd")) {
		int fd = syscall(SYS_memfd_create, "kestrel-mem2", 0);

		report2(syscall(SYS_fchmod, fd, 0600), fd);
	} else if (!strcmp(op, "setuid")) {
		NEED(1);
		report(syscall(SYS_setuid, atoi(argv[2])));
	} else if (!strcmp(op, "setgid")) {
		NEED(1);
		report(syscall(SYS_setgid, atoi(argv[2])));
	} else if (!strcmp(op, "init_module")) {
		return do_init_module();
	} else if (!strcmp(op, "finit_module")) {
		NEED(1);
		return do_finit_module(argv[2]);
	} else if (!strcmp(op, "exec-memfd")) {
		NEED(1);
		return do_exec_memfd(argv[2]);
	} else {
		fprintf(stderr, "secops: unknown operation %s\n", op);
		return 2;
	}
	return 0;
}
