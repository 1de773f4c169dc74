// SPDX-License-Identifier: Apache-2.0
/* Prints the C layout of bpf/include/events.h as JSON, for the layout test. */
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "events.h"

static int first_struct = 1, first_field;

#define BEGIN(s)                                                              \
	do {                                                                  \
		printf("%s\"%s\":{\"size\":%zu,\"fields\":{", first_struct ? "" : ",", #s, \
		       sizeof(struct s));                                     \
		first_struct = 0;                                             \
		first_field = 1;                                              \
	} while (0)
#define F(s, f)                                                               \
	do {                                                                  \
		printf("%s\"%s\":[%zu,%zu]", first_field ? "" : ",", #f,       \
		       offsetof(struct s, f), sizeof(((struct s *)0)->f));    \
		first_field = 0;                                              \
	} while (0)
#define END() printf("}}")

int main(void)
{
	printf("{");
	BEGIN(event_header);
	F(event_header, op); F(event_header, flags); F(event_header, size);
	F(event_header, ktime_ns); F(event_header, start_ns); F(event_header, cgroup_id);
	F(event_header, pid); F(event_header, tid); F(event_header, ppid); F(event_header, vpid);
	F(event_header, uid); F(event_header, gid); F(event_header, auid);
	F(event_header, mntns); F(event_header, pidns); F(event_header, netns);
	F(event_header, comm);
	END();
	BEGIN(exec_event);
	F(exec_event, argc); F(exec_event, args_size); F(exec_event, filename_size);
	F(exec_event, exe_size); F(exec_event, cwd_size); F(exec_event, flags);
	F(exec_event, ruid); F(exec_event, old_pid); F(exec_event, tty); F(exec_event, pad);
	END();
	BEGIN(fork_event);
	F(fork_event, parent_tid); F(fork_event, clone_flags_hi);
	END();
	BEGIN(exit_event);
	F(exit_event, exit_code); F(exit_event, pad);
	END();
	BEGIN(open_event);
	F(open_event, ret); F(open_event, flags); F(open_event, ino); F(open_event, dev);
	F(open_event, mode); F(open_event, dirfd); F(open_event, i_mode); F(open_event, syscall);
	F(open_event, raw_size); F(open_event, path_size); F(open_event, path_flags);
	F(open_event, pad);
	END();
	BEGIN(net_event);
	F(net_event, ret); F(net_event, fd); F(net_event, family); F(net_event, protocol);
	F(net_event, sock_type); F(net_event, local_port); F(net_event, remote_port);
	F(net_event, unix_path_size); F(net_event, flags); F(net_event, local_addr);
	F(net_event, remote_addr);
	END();
	BEGIN(syscall_event);
	F(syscall_event, ret); F(syscall_event, args); F(syscall_event, syscall);
	F(syscall_event, flags); F(syscall_event, str_size); F(syscall_event, base_size);
	F(syscall_event, aux); F(syscall_event, aux2);
	END();
	BEGIN(dns_event);
	F(dns_event, dev_netns); F(dns_event, ifindex); F(dns_event, dir); F(dns_event, family);
	F(dns_event, sport); F(dns_event, dport); F(dns_event, dns_len); F(dns_event, captured);
	F(dns_event, saddr); F(dns_event, daddr);
	END();
	printf(",\"ops\":{\"EV_OP_CONNECT\":%d,\"EV_OP_ACCEPT\":%d,\"EV_OP_SYSCALL\":%d,"
	       "\"EV_OP_DNS\":%d,\"SC_MAX\":%d}",
	       EV_OP_CONNECT, EV_OP_ACCEPT, EV_OP_SYSCALL, EV_OP_DNS, SC_MAX);
	printf(",\"constants\":{\"EV_PATH_MAX\":%d,\"EV_ARGS_MAX\":%d,\"EV_COMM_LEN\":%d,"
	       "\"EV_OP_EXEC\":%d,\"EV_OP_FORK\":%d,\"EV_OP_EXIT\":%d,\"EV_OP_OPEN\":%d,"
	       "\"EV_DROP_REASONS\":%d}",
	       EV_PATH_MAX, EV_ARGS_MAX, EV_COMM_LEN, EV_OP_EXEC, EV_OP_FORK, EV_OP_EXIT,
	       EV_OP_OPEN, EV_DROP_REASONS);
	printf("}\n");
	return 0;
}
