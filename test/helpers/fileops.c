// SPDX-License-Identifier: Apache-2.0
/*
 * Performs one file operation the way a test needs it, then prints
 * "<pid> <result>" (fd or -errno) so the test can match the event.
 *   fileops open PATH [FLAGS]      open(2); FLAGS: r, w (O_WRONLY|O_CREAT|O_TRUNC)
 *   fileops openat DIR REL         openat(2) relative to an fd for DIR
 *   fileops openat2 PATH           openat2(2)
 *   fileops creat PATH             creat(2)
 *   fileops loop N PATH            N x open+close of PATH, prints ns/op
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void report(long r)
{
	printf("%d %ld\n", getpid(), r < 0 ? -(long)errno : r);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fileops open|openat|openat2|creat|loop ...\n");
		return 2;
	}
	const char *op = argv[1];

	if (!strcmp(op, "open")) {
		int w = argc > 3 && argv[3][0] == 'w';
		int flags = w ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY;
		report(syscall(SYS_open, argv[2], flags, 0644));
	} else if (!strcmp(op, "openat") && argc > 3) {
		int dfd = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (dfd < 0) {
			perror("open dir");
			return 1;
		}
		report(syscall(SYS_openat, dfd, argv[3], O_RDONLY, 0));
	} else if (!strcmp(op, "openat2")) {
		struct open_how how = { .flags = O_RDONLY };
		report(syscall(SYS_openat2, AT_FDCWD, argv[2], &how, sizeof(how)));
	} else if (!strcmp(op, "creat")) {
		report(syscall(SYS_creat, argv[2], 0600));
	} else if (!strcmp(op, "loop") && argc > 3) {
		long n = atol(argv[2]);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++) {
			int fd = open(argv[3], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		printf("%d %.1f\n", getpid(), n ? ns / n : 0.0);
	} else {
		fprintf(stderr, "fileops: unknown operation %s\n", op);
		return 2;
	}
	return 0;
}
