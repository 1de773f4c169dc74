// SPDX-License-Identifier: Apache-2.0
/*
 * Network operations with known endpoints, for the network gadget tests.
 * Prints "<pid> <key>=<value>..." so the test can match events.
 *   netops tcp4|tcp6     listen on loopback, connect to it, accept
 *   netops refused4      connect to a loopback port nobody listens on
 *   netops unix PATH     listen on a unix socket, connect, accept
 *   netops udp4 PORT     connect a UDP socket to 127.0.0.1:PORT
 *   netops connloop N    N x (socket, connect, accept, close both) on
 *                        loopback; prints "<pid> <ns per iteration>"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int tcp(int family)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int l = socket(family, SOCK_STREAM, 0), c = socket(family, SOCK_STREAM, 0), a;

	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_addr = in6addr_loopback;
		len = sizeof(*s);
	}
	if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 1)) {
		perror("listen");
		return 1;
	}
	int port = port_of(l);
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	if (syscall(SYS_connect, c, (struct sockaddr *)&ss, len)) {
		perror("connect");
		return 1;
	}
	a = syscall(SYS_accept, l, NULL, NULL);
	printf("%d listen_fd=%d connect_fd=%d accept_fd=%d server_port=%d client_port=%d\n", getpid(), l, c,
	       a, port, port_of(c));
	return 0;
}

static int connloop(long n)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(s);
	/* Reset on close: no TIME_WAIT, so the ephemeral ports never run out. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timespec a, b;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (bind(l, (struct sockaddr *)&s, sizeof(s)) || listen(l, 16) ||
	    getsockname(l, (struct sockaddr *)&s, &len)) {
		perror("listen");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), x;

		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(c, (struct sockaddr *)&s, sizeof(s))) {
			perror("connect");
			return 1;
		}
		x = accept(l, NULL, NULL);
		close(c);
		close(x);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%d %.1f\n", getpid(), n ? ns / n : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "tcp4"))
		return tcp(AF_INET);
	if (!strcmp(argv[1], "tcp6"))
		return tcp(AF_INET6);
	if (!strcmp(argv[1], "refused4")) {
		struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int probe = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
		socklen_t len = sizeof(s);
		/* A port that was free a moment ago: bind, read it, close. */
		bind(probe, (struct sockaddr *)&s, sizeof(s));
		getsockname(probe, (struct sockaddr *)&s, &len);
		close(probe);
		long r = syscall(SYS_connect, c, (struct sockaddr *)&s, sizeof(s));
		printf("%d fd=%d port=%d ret=%ld errno=%d\n", getpid(), c, ntohs(s.sin_port), r, r ? errno : 0);
		return 0;
	}
	if (!strcmp(argv[1], "unix") && argc > 2) {
		struct sockaddr_un s = { .sun_family = AF_UNIX };
		int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0);
		strncpy(s.sun_path, argv[2], sizeof(s.sun_path) - 1);
		unlink(argv[2]);
		if (bind(l, (struct sockaddr *)&s, sizeof(s)) || listen(l, 1)) {
			perror("unix listen");
			return 1;
		}
		long r = syscall(SYS_connect, c, (struct sockaddr *)&s, sizeof(s));
		int a = syscall(SYS_accept4, l, NULL, NULL, SOCK_CLOEXEC);
		printf("%d connect_fd=%d ret=%ld accept_fd=%d\n", getpid(), c, r, a);
		unlink(argv[2]);
		return 0;
	}
	if (!strcmp(argv[1], "udp4") && argc > 2) {
		struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					 .sin_port = htons(atoi(argv[2])) };
		int c = socket(AF_INET, SOCK_DGRAM, 0);
		long r = syscall(SYS_connect, c, (struct sockaddr *)&s, sizeof(s));
		printf("%d fd=%d ret=%ld client_port=%d\n", getpid(), c, r, port_of(c));
		return 0;
	}
	if (!strcmp(argv[1], "connloop") && argc > 2)
		return connloop(atol(argv[2]));
	fprintf(stderr, "netops: unknown operation %s\n", argv[1]);
	return 2;
}
