// SPDX-License-Identifier: Apache-2.0
/*
 * Process-lifecycle loops for the benchmark, timing themselves:
 *   procops execloop N PATH   N x fork, execve(PATH) (argv: PATH), wait;
 *                             prints "<pid> <ns per iteration>"
 *   procops mixed N PATH FILE N x: one fork+exec of PATH, then 100
 *                             open+close of FILE; prints "<pid> <ns/iter>"
 * The executed program should be tiny and static-ish (/bin/true).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int run(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *const argv[] = { (char *)path, NULL };
		char *const envp[] = { NULL };

		execve(path, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: procops execloop N PATH | mixed N PATH FILE\n");
		return 2;
	}
	long n = atol(argv[2]);
	int mixed = !strcmp(argv[1], "mixed");

	if (!mixed && strcmp(argv[1], "execloop")) {
		fprintf(stderr, "procops: unknown operation %s\n", argv[1]);
		return 2;
	}
	if (mixed && argc < 5) {
		fprintf(stderr, "usage: procops mixed N PATH FILE\n");
		return 2;
	}
	long long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		if (run(argv[3]) < 0) {
			fprintf(stderr, "procops: %s failed\n", argv[3]);
			return 1;
		}
		for (int j = 0; mixed && j < 100; j++) {
			int fd = open(argv[4], O_RDONLY);

			if (fd >= 0)
				close(fd);
		}
	}
	printf("%d %.1f\n", getpid(), (double)(now_ns() - t0) / (n ? n : 1));
	return 0;
}
