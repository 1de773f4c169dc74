// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS gadget: UDP port 53 packets on every network device, in every network
 * namespace, whatever API sent them (sendto, sendmmsg, write on a connected
 * socket). Queries are taken as they leave (net_dev_queue, in the sender's
 * context), responses as they arrive (netif_receive_skb). The agent parses
 * the DNS message and pairs responses with queries for latency.
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define IPPROTO_UDP_ 17
#define AF_INET_ 2
#define AF_INET6_ 10
#define DNS_PORT 53

struct udp_hdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__be16 check;
};

/* Parse the IP and UDP headers at l3; emit when port 53 is on the wanted side. */
static __always_inline int handle(struct sk_buff *skb, unsigned char *l3, __u8 dir)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct dns_event *e;
	struct udp_hdr udp;
	unsigned char *l4;
	__u8 family;
	__u8 saddr[16] = {}, daddr[16] = {};

	if (proto == ETH_P_IP_) {
		__u8 vihl, ipproto;

		if (bpf_probe_read_kernel(&vihl, 1, l3) || (vihl >> 4) != 4)
			return 0;
		bpf_probe_read_kernel(&ipproto, 1, l3 + 9);
		if (ipproto != IPPROTO_UDP_)
			return 0;
		bpf_probe_read_kernel(saddr, 4, l3 + 12);
		bpf_probe_read_kernel(daddr, 4, l3 + 16);
		l4 = l3 + (vihl & 0xf) * 4;
		family = AF_INET_;
	} else if (proto == ETH_P_IPV6_) {
		__u8 nexthdr;

		bpf_probe_read_kernel(&nexthdr, 1, l3 + 6);
		if (nexthdr != IPPROTO_UDP_)
			return 0;
		bpf_probe_read_kernel(saddr, 16, l3 + 8);
		bpf_probe_read_kernel(daddr, 16, l3 + 24);
		l4 = l3 + 40;
		family = AF_INET6_;
	} else {
		return 0;
	}
	if (bpf_probe_read_kernel(&udp, sizeof(udp), l4))
		return 0;
	if (dir == DNS_QUERY ? bpf_ntohs(udp.dest) != DNS_PORT : bpf_ntohs(udp.source) != DNS_PORT)
		return 0;

	e = new_record(bpf_get_current_task_btf(), EV_OP_DNS, 0);
	if (!e)
		return 0;
	e->dev_netns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	e->ifindex = BPF_CORE_READ(skb, dev, ifindex);
	e->dir = dir;
	e->family = family;
	e->sport = bpf_ntohs(udp.source);
	e->dport = bpf_ntohs(udp.dest);
	e->pad = 0;
	__builtin_memcpy(e->saddr, saddr, 16);
	__builtin_memcpy(e->daddr, daddr, 16);

	__u32 len = bpf_ntohs(udp.len);
	len = len > 8 ? len - 8 : 0;
	e->dns_len = len;
	if (len > EV_DNS_PAYLOAD_MAX)
		len = EV_DNS_PAYLOAD_MAX;
	/* The linear part may be shorter than the message (paged skb): then
	 * take what the linear area holds. */
	unsigned char *tail = BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, tail);
	unsigned char *payload = l4 + 8;
	if (payload + len > tail)
		len = tail > payload ? tail - payload : 0;
	len &= 1023;
	if (len > EV_DNS_PAYLOAD_MAX)
		len = EV_DNS_PAYLOAD_MAX;
	if (len && bpf_probe_read_kernel(e + 1, len, payload))
		len = 0;
	e->captured = len;
	e->hdr.size = sizeof(*e) + len;
	emit(e, sizeof(*e) + len);
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(dns_egress, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);

	return handle(skb, head + nh, DNS_QUERY);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(dns_ingress, struct sk_buff *skb)
{
	/* Here skb->data is the network header; network_header is set later. */
	return handle(skb, BPF_CORE_READ(skb, data), DNS_RESPONSE);
}
