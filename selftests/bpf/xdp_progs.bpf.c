// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs of the rxgbe selftests (selftests/xdp.sh), one per object: build with
 * -DPROG=PASS, DROP, ABORT, ECHO_TX or ECHO_REDIRECT (scripts/bpf.sh). No headers and no maps, so
 * they load on a kernel without BTF.
 *
 * ECHO_* answer IPv4 ICMP echo requests themselves (XDP_TX, or XDP_REDIRECT back out of the
 * receiving device, which goes through its ndo_xdp_xmit); everything else passes. With the
 * kernel told to ignore echo requests, a peer's ping succeeds only through the program.
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

enum { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT };
#define PASS 1
#define DROP 2
#define ABORT 3
#define ECHO_TX 4
#define ECHO_REDIRECT 5

#define SEC(name) __attribute__((section(name), used))
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)23;

/* Turns an IPv4 ICMP echo request at data into its reply; returns 0 for any other frame. */
static __attribute__((always_inline)) int make_echo_reply(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 *ip = data + 14, *icmp = ip + 20;
	__u8 tmp[6];
	__u32 sum;
	int i;

	if (icmp + 8 > end)
		return 0;
	/* IPv4 without options, ICMP, echo request (type 8, code 0). */
	if (data[12] != 0x08 || data[13] != 0x00 || ip[0] != 0x45 || ip[9] != 1 ||
	    icmp[0] != 8 || icmp[1] != 0)
		return 0;
	for (i = 0; i < 6; i++) {
		tmp[i] = data[i];
		data[i] = data[6 + i];
		data[6 + i] = tmp[i];
	}
	/* Swapping the addresses keeps the IP header checksum. */
	for (i = 0; i < 4; i++) {
		tmp[i] = ip[12 + i];
		ip[12 + i] = ip[16 + i];
		ip[16 + i] = tmp[i];
	}
	/* Type 8 -> 0: the first 16-bit word drops by 0x0800, so the checksum rises by it
	 * (one's complement, end-around carry). */
	icmp[0] = 0;
	sum = ((__u32)icmp[2] << 8 | icmp[3]) + 0x0800;
	sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = sum >> 8;
	icmp[3] = sum & 0xff;
	return 1;
}

SEC("xdp")
int rxgbe_selftest(struct xdp_md *ctx)
{
#if PROG == PASS
	return XDP_PASS;
#elif PROG == DROP
	return XDP_DROP;
#elif PROG == ABORT
	return XDP_ABORTED;
#elif PROG == ECHO_TX
	return make_echo_reply(ctx) ? XDP_TX : XDP_PASS;
#elif PROG == ECHO_REDIRECT
	return make_echo_reply(ctx) ? bpf_redirect(ctx->ingress_ifindex, 0) : XDP_PASS;
#else
#error "PROG must name a program"
#endif
}

char _license[] SEC("license") = "GPL";
