// SPDX-License-Identifier: Apache-2.0
/*
 * Open-loop, rate-limited open+close generator for the benchmark:
 *   openrate RATE N PATH
 * Operation i is due at start + i/RATE seconds, whatever happened before:
 * when the process falls behind (preempted, slowed by tracing) it catches up
 * at full speed instead of stretching the schedule, so the offered load does
 * not adapt to the system under test. When ahead it sleeps until the next
 * operation is due. Prints "<pid> <done> <elapsed ns> <max lag ns>"; max lag
 * is how far behind schedule it fell at worst (large = RATE not reachable).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: openrate RATE N PATH\n");
		return 2;
	}
	double rate = atof(argv[1]);
	long n = atol(argv[2]);
	const char *path = argv[3];

	if (!(rate > 0) || n < 0) {
		fprintf(stderr, "openrate: RATE must be > 0 and N >= 0\n");
		return 2;
	}
	/* Sleeps of a few microseconds must not overshoot by the default 50 us. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	double period = 1e9 / rate;
	long long start = now_ns(), lag = 0, max_lag = 0;
	long done = 0;

	while (done < n) {
		long long t = now_ns() - start;
		long due = (long)(t / period) + 1; /* operations due by now */

		if (due > n)
			due = n;
		if (done >= due) {
			long long at = start + (long long)(done * period);
			struct timespec ts = { at / 1000000000LL, at % 1000000000LL };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		lag = t - (long long)(done * period);
		if (lag > max_lag)
			max_lag = lag;
		while (done < due) {
			int fd = open(path, O_RDONLY);

			if (fd >= 0)
				close(fd);
			done++;
		}
	}
	printf("%d %ld %lld %lld\n", getpid(), done, now_ns() - start, max_lag);
	return 0;
}
