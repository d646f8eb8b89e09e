// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDP echo of the rxgbe selftests (selftests/xsk.sh): binds one AF_XDP socket to a queue of an
 * interface, attaches an XDP program (in driver mode) that redirects UDP datagrams for one port to
 * it, and sends every such datagram back to its sender from the socket's own memory (addresses and
 * ports swapped, so checksums stay valid): received and sent without a copy in zero-copy mode.
 *
 *   xsk_probe IFNAME QUEUE zc|copy COUNT PORT TIMEOUT_S
 *
 * Prints "mode=zerocopy|copy" once bound (the kernel's answer, from XDP_OPTIONS), "ready" once the
 * program is attached, then "echoed=N" after N datagrams (N = COUNT, or fewer at the timeout). The
 * program is hand-assembled (no libbpf, no BTF needed) and goes with the process (a BPF link).
 * Exit status: 0 when COUNT datagrams were echoed, 1 otherwise, 2 when setting up failed.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#define FRAME_SIZE 2048u
#define NUM_FRAMES 512u
#define RING_SIZE 256u

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void die(const char *what)
{
	fprintf(stderr, "xsk_probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* One mmapped ring: producer and consumer indexes, and the entries. */
struct ring {
	uint32_t *producer, *consumer, *flags;
	void *desc;
	uint32_t mask;
};

static void map_ring(int fd, struct ring *r, const struct xdp_ring_offset *off, size_t entry,
		     unsigned long long pgoff)
{
	void *m = mmap(NULL, off->desc + RING_SIZE * entry, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, pgoff);

	if (m == MAP_FAILED)
		die("mmap ring");
	r->producer = (uint32_t *)((char *)m + off->producer);
	r->consumer = (uint32_t *)((char *)m + off->consumer);
	r->flags = (uint32_t *)((char *)m + off->flags);
	r->desc = (char *)m + off->desc;
	r->mask = RING_SIZE - 1;
}

/* XDP program: UDP/IPv4 (no IP options) to port `port` goes to the socket of its receive queue in
 * `map_fd`; everything else, and a queue without a socket, passes to the stack. */
static int load_prog(int map_fd, uint16_t port)
{
	/* Jumps to "pass" (instruction 20) are relative to the next instruction. */
	struct bpf_insn insns[] = {
		/* 0: r6 = ctx, r2 = data, r3 = data_end */
		{ BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0 },
		{ BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0 },
		{ BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0 },
		/* 3: 42 bytes of Ethernet, IPv4 and UDP headers present */
		{ BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0 },
		{ BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 42 },
		{ BPF_JMP | BPF_JGT | BPF_X, 4, 3, 14, 0 },
		/* 6: ethertype 0x0800, version/IHL 0x45, protocol 17, destination port */
		{ BPF_LDX | BPF_MEM | BPF_H, 5, 2, 12, 0 },
		{ BPF_JMP | BPF_JNE | BPF_K, 5, 0, 12, 0x0008 },
		{ BPF_LDX | BPF_MEM | BPF_B, 5, 2, 14, 0 },
		{ BPF_JMP | BPF_JNE | BPF_K, 5, 0, 10, 0x45 },
		{ BPF_LDX | BPF_MEM | BPF_B, 5, 2, 23, 0 },
		{ BPF_JMP | BPF_JNE | BPF_K, 5, 0, 8, 17 },
		{ BPF_LDX | BPF_MEM | BPF_H, 5, 2, 36, 0 },
		{ BPF_JMP | BPF_JNE | BPF_K, 5, 0, 6, (uint16_t)((port >> 8) | (port << 8)) },
		/* 14: return bpf_redirect_map(map, ctx->rx_queue_index, XDP_PASS) */
		{ BPF_LDX | BPF_MEM | BPF_W, 2, 6, 16, 0 },
		{ BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd },
		{ 0, 0, 0, 0, 0 },
		{ BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, XDP_PASS },
		{ BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map },
		{ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 },
		/* 20: pass */
		{ BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS },
		{ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 },
	};
	char log[4096] = "";
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		fprintf(stderr, "%s\n", log);
		die("BPF_PROG_LOAD");
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Turns a received datagram into its answer in place: addresses and ports swapped. */
static int reflect(uint8_t *f, uint32_t len, uint16_t port)
{
	uint8_t t[6];

	if (len < 42 || f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45 || f[23] != 17 ||
	    f[36] != (port >> 8) || f[37] != (port & 0xff))
		return 0;
	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	memcpy(t, f + 26, 4);
	memcpy(f + 26, f + 30, 4);
	memcpy(f + 30, t, 4);
	memcpy(t, f + 34, 2);
	memcpy(f + 34, f + 36, 2);
	memcpy(f + 36, t, 2);
	return 1;
}

int main(int argc, char **argv)
{
	struct xdp_mmap_offsets off;
	struct xdp_umem_reg umem = { 0 };
	struct sockaddr_xdp sxdp = { 0 };
	struct xdp_options opts;
	struct ring fill, comp, rx, tx;
	unsigned int ifindex, queue, count, done = 0, size = RING_SIZE;
	union bpf_attr a;
	int fd, map_fd, prog_fd, link_fd, zc;
	double deadline;
	socklen_t optlen;
	uint16_t port;
	uint8_t *area;
	uint32_t i;

	if (argc != 7) {
		fprintf(stderr, "usage: %s IFNAME QUEUE zc|copy COUNT PORT TIMEOUT_S\n", argv[0]);
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex)
		die("interface");
	queue = atoi(argv[2]);
	zc = !strcmp(argv[3], "zc");
	count = atoi(argv[4]);
	port = atoi(argv[5]);
	deadline = now() + atof(argv[6]);

	fd = socket(AF_XDP, SOCK_RAW, 0);
	if (fd < 0)
		die("socket");
	area = mmap(NULL, NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap umem");
	umem.addr = (uintptr_t)area;
	umem.len = NUM_FRAMES * FRAME_SIZE;
	umem.chunk_size = FRAME_SIZE;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &umem, sizeof(umem)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &size, sizeof(size)) ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &size, sizeof(size)) ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &size, sizeof(size)) ||
	    setsockopt(fd, SOL_XDP, XDP_TX_RING, &size, sizeof(size)))
		die("setsockopt");
	optlen = sizeof(off);
	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen))
		die("XDP_MMAP_OFFSETS");
	map_ring(fd, &fill, &off.fr, sizeof(uint64_t), XDP_UMEM_PGOFF_FILL_RING);
	map_ring(fd, &comp, &off.cr, sizeof(uint64_t), XDP_UMEM_PGOFF_COMPLETION_RING);
	map_ring(fd, &rx, &off.rx, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING);
	map_ring(fd, &tx, &off.tx, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING);

	/* The fill ring gets the first RING_SIZE frames; answers go out from the same frames. */
	for (i = 0; i < RING_SIZE; i++)
		((uint64_t *)fill.desc)[i] = (uint64_t)i * FRAME_SIZE;
	__atomic_store_n(fill.producer, RING_SIZE, __ATOMIC_RELEASE);

	sxdp.sxdp_family = AF_XDP;
	sxdp.sxdp_ifindex = ifindex;
	sxdp.sxdp_queue_id = queue;
	sxdp.sxdp_flags = (zc ? XDP_ZEROCOPY : XDP_COPY) | XDP_USE_NEED_WAKEUP;
	if (bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)))
		die("bind");
	optlen = sizeof(opts);
	if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &optlen))
		die("XDP_OPTIONS");
	printf("mode=%s\n", opts.flags & XDP_OPTIONS_ZEROCOPY ? "zerocopy" : "copy");

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_XSKMAP;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 64;
	map_fd = bpf(BPF_MAP_CREATE, &a);
	if (map_fd < 0)
		die("BPF_MAP_CREATE");
	memset(&a, 0, sizeof(a));
	a.map_fd = map_fd;
	a.key = (uintptr_t)&queue;
	a.value = (uintptr_t)&fd;
	if (bpf(BPF_MAP_UPDATE_ELEM, &a))
		die("BPF_MAP_UPDATE_ELEM");
	prog_fd = load_prog(map_fd, port);
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog_fd;
	a.link_create.target_ifindex = ifindex;
	a.link_create.attach_type = BPF_XDP;
	a.link_create.flags = XDP_FLAGS_DRV_MODE;
	link_fd = bpf(BPF_LINK_CREATE, &a);
	if (link_fd < 0)
		die("BPF_LINK_CREATE (driver mode)");
	printf("ready\n");
	fflush(stdout);

	while (done < count && now() < deadline) {
		uint32_t rx_cons = *rx.consumer, rx_prod, n, tx_prod, c;
		struct pollfd p = { .fd = fd, .events = POLLIN };

		/* Buffers the device sent go back to the fill ring. */
		c = *comp.consumer;
		n = __atomic_load_n(comp.producer, __ATOMIC_ACQUIRE) - c;
		if (n) {
			uint32_t fp = *fill.producer;

			for (i = 0; i < n; i++)
				((uint64_t *)fill.desc)[(fp + i) & fill.mask] =
					((uint64_t *)comp.desc)[(c + i) & comp.mask];
			__atomic_store_n(fill.producer, fp + n, __ATOMIC_RELEASE);
			__atomic_store_n(comp.consumer, c + n, __ATOMIC_RELEASE);
		}
		if (*fill.flags & XDP_RING_NEED_WAKEUP)
			recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);

		rx_prod = __atomic_load_n(rx.producer, __ATOMIC_ACQUIRE);
		if (rx_prod == rx_cons) {
			poll(&p, 1, 100);
			continue;
		}
		tx_prod = *tx.producer;
		for (n = 0; rx_cons != rx_prod; rx_cons++) {
			struct xdp_desc *d = &((struct xdp_desc *)rx.desc)[rx_cons & rx.mask];
			/* Aligned chunks: the address is the frame's offset in the area. */
			uint8_t *f = area + d->addr;

			if (!reflect(f, d->len, port)) {
				/* Not ours (cannot happen with this program): straight back to fill. */
				uint32_t fp = *fill.producer;

				((uint64_t *)fill.desc)[fp & fill.mask] = d->addr & ~(uint64_t)(FRAME_SIZE - 1);
				__atomic_store_n(fill.producer, fp + 1, __ATOMIC_RELEASE);
				continue;
			}
			((struct xdp_desc *)tx.desc)[(tx_prod + n) & tx.mask] = *d;
			n++;
		}
		__atomic_store_n(rx.consumer, rx_cons, __ATOMIC_RELEASE);
		__atomic_store_n(tx.producer, tx_prod + n, __ATOMIC_RELEASE);
		done += n;
		if (n && (*tx.flags & XDP_RING_NEED_WAKEUP))
			sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	/* Let the last answers leave before the link (and the socket) go. */
	while (now() < deadline && __atomic_load_n(comp.producer, __ATOMIC_ACQUIRE) != *tx.producer) {
		sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		usleep(10000);
	}
	printf("echoed=%u\n", done);
	close(link_fd);
	close(fd);
	return done == count ? 0 : 1;
}
