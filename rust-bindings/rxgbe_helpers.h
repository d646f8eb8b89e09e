/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of rxgbe: thin, exported-to-Rust wrappers of static inline functions and macros of
 * the networking core (net_device, NAPI, sk_buff, page_pool, DMA) that bindgen cannot call.
 * Each helper does one thing; policy stays in Rust.
 */
#ifndef RXGBE_HELPERS_H
#define RXGBE_HELPERS_H

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/ip6_checksum.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/net_tstamp.h>
#include <net/netdev_queues.h>
#include <net/page_pool/helpers.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <net/xdp.h>
#include <net/xdp_sock_drv.h>

/* net_device */
struct net_device *rxgbe_netdev_alloc(struct device *parent, unsigned int priv_size,
				      unsigned int txqs, unsigned int rxqs);
void *rxgbe_netdev_priv(struct net_device *dev);
void rxgbe_netdev_setup(struct net_device *dev, const struct net_device_ops *ops,
			const struct ethtool_ops *ethtool_ops, const struct netdev_stat_ops *stat_ops,
			u64 hw_features, u64 features, u64 vlan_features, unsigned int min_mtu,
			unsigned int max_mtu);
void rxgbe_netdev_set_service(struct net_device *dev, void (*fn)(struct net_device *dev));
void rxgbe_netdev_service_schedule(struct net_device *dev, unsigned int delay_ms);
void rxgbe_netdev_service_cancel(struct net_device *dev);
int rxgbe_netdev_enable_cpu_rmap(struct net_device *dev, unsigned int queues);
bool rxgbe_rps_may_expire_flow(struct net_device *dev, u16 rxq, u32 flow_id, u16 filter_id);

/* The fields of a received flow that accelerated RFS steers on, ports in host order. */
struct rxgbe_flow_keys {
	u16 n_proto;
	u8 ip_proto;
	u8 src[16];
	u8 dst[16];
	u16 sport;
	u16 dport;
};
bool rxgbe_skb_flow_keys(const struct sk_buff *skb, struct rxgbe_flow_keys *out);
unsigned int rxgbe_netdev_mtu(const struct net_device *dev);
void rxgbe_netdev_set_mtu(struct net_device *dev, unsigned int mtu);
unsigned int rxgbe_netdev_flags(const struct net_device *dev);
u64 rxgbe_netdev_features(const struct net_device *dev);
u32 rxgbe_netdev_ring_params_supported(const struct net_device *dev);
unsigned int rxgbe_netdev_real_num_rx_queues(const struct net_device *dev);
const char *rxgbe_netdev_name(const struct net_device *dev);
void rxgbe_netdev_addr(const struct net_device *dev, u8 *addr);
void rxgbe_netdev_set_addr(struct net_device *dev, const u8 *addr);
void rxgbe_netdev_random_addr(struct net_device *dev);
bool rxgbe_is_valid_ether_addr(const u8 *addr);
int rxgbe_netdev_mc_addrs(struct net_device *dev, u8 *out, int max);
void rxgbe_netif_addr_lock_bh(struct net_device *dev);
void rxgbe_netif_addr_unlock_bh(struct net_device *dev);
bool rxgbe_netif_carrier_ok(const struct net_device *dev);
bool rxgbe_netif_running(const struct net_device *dev);
void rxgbe_netif_tx_wake_all(struct net_device *dev);
void rxgbe_netif_tx_disable(struct net_device *dev);

/* TX queues: stop/wake with byte queue limits */
void rxgbe_txq_stop(struct net_device *dev, unsigned int q);
void rxgbe_txq_start(struct net_device *dev, unsigned int q);
void rxgbe_txq_wake(struct net_device *dev, unsigned int q);
bool rxgbe_txq_sent(struct net_device *dev, unsigned int q, unsigned int bytes, bool more);
bool rxgbe_txq_sent_xmit(struct net_device *dev, unsigned int q, unsigned int bytes);
bool rxgbe_txq_completed(struct net_device *dev, unsigned int q, unsigned int pkts,
			 unsigned int bytes);
void rxgbe_txq_reset(struct net_device *dev, unsigned int q);
void rxgbe_smp_mb(void);
void rxgbe_local_bh_disable(void);
void rxgbe_local_bh_enable(void);

/* NAPI: allocated by C so its layout never leaks into Rust */
struct napi_struct *rxgbe_napi_alloc(struct net_device *dev,
				     int (*poll)(struct napi_struct *, int), void *owner,
				     int index);
void rxgbe_napi_free(struct napi_struct *napi);
void *rxgbe_napi_owner(struct napi_struct *napi);
bool rxgbe_napi_schedule_irqoff(struct napi_struct *napi);
void rxgbe_napi_set_irq(struct napi_struct *napi, int irq);
unsigned int rxgbe_napi_receive(struct napi_struct *napi, struct sk_buff *skb, u16 queue);

/* What the MAC reported of a received frame, for its skb. */
struct rxgbe_rx_meta {
	u32 hash;
	u8 hash_type;		/* PKT_HASH_TYPE_* */
	bool csum_ok;		/* CHECKSUM_UNNECESSARY */
	bool vlan_present;	/* a stripped 802.1Q tag */
	u16 vlan_tci;
	u16 queue;
};
int rxgbe_napi_receive_buf(struct napi_struct *napi, void *va, unsigned int truesize,
			   unsigned int headroom, unsigned int len,
			   const struct rxgbe_rx_meta *meta);

/* sk_buff */
unsigned int rxgbe_skb_len(const struct sk_buff *skb);
unsigned int rxgbe_skb_headlen(const struct sk_buff *skb);
unsigned int rxgbe_skb_nr_frags(const struct sk_buff *skb);
u16 rxgbe_skb_queue_mapping(const struct sk_buff *skb);
void rxgbe_skb_tx_timestamp(struct sk_buff *skb);
int rxgbe_skb_trim(struct sk_buff *skb, unsigned int len);
int rxgbe_skb_mac_control_opcode(const struct sk_buff *skb);
int rxgbe_skb_map_head(struct device *dev, struct sk_buff *skb, dma_addr_t *addr,
		       unsigned int *len);
int rxgbe_skb_map_frag(struct device *dev, struct sk_buff *skb, unsigned int i,
		       dma_addr_t *addr, unsigned int *len);
void rxgbe_skb_free_any(struct sk_buff *skb);
bool rxgbe_netdev_xmit_more(void);
struct sk_buff *rxgbe_skb_build(void *va, unsigned int truesize, unsigned int headroom,
				unsigned int len);
struct sk_buff *rxgbe_skb_copy_head(struct napi_struct *napi, const void *src, unsigned int len);
void rxgbe_skb_add_frag(struct sk_buff *skb, struct page *page, unsigned int off,
			unsigned int len, unsigned int truesize);
void *rxgbe_skb_data(struct sk_buff *skb);
bool rxgbe_skb_header_cloned(const struct sk_buff *skb);
void rxgbe_skb_set_lro(struct sk_buff *skb, u16 gso_size, bool ipv6, u16 segs);
void rxgbe_skb_rx_offloads(struct sk_buff *skb, const struct rxgbe_rx_meta *meta);

/* Where a packet to transmit keeps its headers, and what offloads the stack asks for. */
struct rxgbe_tx_layout {
	u32 len;
	u16 network_offset;	/* from skb->data */
	u16 csum_start;		/* from skb->data; valid when csum_partial */
	u16 csum_offset;	/* from csum_start */
	u16 protocol;		/* host order, VLAN tags skipped */
	u16 gso_size;		/* 0 when not GSO */
	u16 gso_segs;
	u16 nr_frags;		/* page fragments after the linear part */
	u32 gso_type;		/* SKB_GSO_* */
	bool csum_partial;	/* CHECKSUM_PARTIAL */
	bool vlan_present;	/* an out-of-band VLAN tag to insert */
	u16 vlan_tci;
};
void rxgbe_skb_tx_layout(const struct sk_buff *skb, struct rxgbe_tx_layout *out);
bool rxgbe_skb_gso_layout(const struct sk_buff *skb, struct rxgbe_tx_layout *out);
int rxgbe_skb_tso_prepare(struct sk_buff *skb);
int rxgbe_skb_checksum_help(struct sk_buff *skb);

/* DMA streaming mappings */
bool rxgbe_dma_mapping_error(struct device *dev, dma_addr_t addr);
void rxgbe_dma_unmap_single(struct device *dev, dma_addr_t addr, unsigned int len);
void rxgbe_dma_unmap_page(struct device *dev, dma_addr_t addr, unsigned int len);

/* page_pool */
int rxgbe_page_pool_create(struct device *dev, struct napi_struct *napi, unsigned int size,
			   struct page_pool **out);
/* A new pool page: the page, and the kernel and bus address of its start. */
struct rxgbe_pp_buf {
	struct page *page;
	void *va;
	dma_addr_t dma;
};
unsigned int rxgbe_pp_alloc_pages(struct page_pool *pool, long refs, unsigned int n,
				  struct rxgbe_pp_buf *out);
void rxgbe_pp_sync_for_cpu(const struct page_pool *pool, const struct page *page,
			   unsigned int offset, unsigned int len);
void rxgbe_pp_put(struct page_pool *pool, struct page *page, bool in_napi);

/* IRQ */
int rxgbe_irq_set_affinity_hint(unsigned int irq, unsigned int cpu);
int rxgbe_irq_set_hint_only(unsigned int irq, unsigned int cpu);
int rxgbe_irq_refresh_affinity(unsigned int irq);
void rxgbe_irq_clear_affinity_hint(unsigned int irq);
unsigned int rxgbe_num_online_cpus(void);
unsigned int rxgbe_cpumask_nth_online(unsigned int n);
int rxgbe_txq_set_xps_cpu(struct net_device *dev, unsigned int q, unsigned int cpu);
void rxgbe_rss_key_fill(void *key, size_t len);
bool rxgbe_netif_is_rxfh_configured(const struct net_device *dev);
int rxgbe_request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		      const char *name, void *cookie);

/* ethtool */
void rxgbe_ksettings_set(struct ethtool_link_ksettings *ks, u32 speed, u8 duplex, bool link);
/* A link settings request, reduced to what the driver decides on (RXGBE_LINK_MODE_* bits). */
struct rxgbe_link_request {
	bool autoneg;
	u32 advertising;
};
void rxgbe_ksettings_request(const struct ethtool_link_ksettings *ks,
			     struct rxgbe_link_request *out);

/* PTP hardware clock: one per net device, its callbacks given the net device. */
struct rxgbe_ptp_callbacks {
	int (*adjfine)(struct net_device *dev, long scaled_ppm);
	int (*adjtime)(struct net_device *dev, s64 delta);
	u64 (*gettimex)(struct net_device *dev, struct ptp_system_timestamp *sts);
	void (*settime)(struct net_device *dev, u64 ns);
	/* Returns milliseconds until the next run. */
	unsigned int (*aux_work)(struct net_device *dev);
};
int rxgbe_ptp_register(struct net_device *dev, const struct rxgbe_ptp_callbacks *cb, s32 max_adj);
void rxgbe_ptp_unregister(struct net_device *dev);
int rxgbe_ptp_index(struct net_device *dev);
void rxgbe_ptp_sts_pre(struct ptp_system_timestamp *sts);
void rxgbe_ptp_sts_post(struct ptp_system_timestamp *sts);
u64 rxgbe_realtime_ns(void);
bool rxgbe_skb_hw_tstamp_requested(const struct sk_buff *skb);
void rxgbe_skb_tstamp_in_progress(struct sk_buff *skb);
void rxgbe_skb_tstamp_tx_hw(struct sk_buff *skb, u64 ns);
void rxgbe_skb_set_rx_hwtstamp(struct sk_buff *skb, u64 ns);

/* XDP: programs, per-ring receive queue info, frames */
int rxgbe_xdp_rxq_create(struct net_device *dev, u32 queue, struct napi_struct *napi,
			 struct page_pool *pool, struct xsk_buff_pool *xsk, struct xdp_rxq_info **out);
void rxgbe_xdp_rxq_destroy(struct xdp_rxq_info *rxq);
/* Where a frame's data is after the program ran (XDP_PASS), or the frame to transmit (XDP_TX). */
struct rxgbe_xdp_out {
	u32 headroom;
	u32 len;
	struct xdp_frame *frame;
};
u32 rxgbe_xdp_run(struct bpf_prog *prog, struct xdp_rxq_info *rxq, void *hard_start,
		  u32 frame_sz, u32 headroom, u32 len, struct rxgbe_xdp_out *out);
dma_addr_t rxgbe_xdp_frame_map(struct device *dev, struct xdp_frame *frame, u32 *len);
void rxgbe_xdp_set_extack(struct netlink_ext_ack *extack, const char *msg);
void rxgbe_netdev_set_xdp_features(struct net_device *dev, u64 features);
unsigned int rxgbe_netdev_real_num_tx_queues(const struct net_device *dev);
unsigned int rxgbe_smp_processor_id(void);
int rxgbe_netdev_update_features(struct net_device *dev);

/* AF_XDP zero-copy: a queue's buffers come from the socket's pool (user memory). */
int rxgbe_xsk_pool_dma_map(struct xsk_buff_pool *pool, struct device *dev);
void rxgbe_xsk_pool_dma_unmap(struct xsk_buff_pool *pool);
u32 rxgbe_xsk_pool_rx_frame_size(struct xsk_buff_pool *pool);
struct xdp_buff *rxgbe_xsk_buff_alloc(struct xsk_buff_pool *pool);
dma_addr_t rxgbe_xsk_buff_dma(struct xdp_buff *xdp);
void rxgbe_xsk_buff_free(struct xdp_buff *xdp);
void *rxgbe_xsk_buff_sync(struct xdp_buff *xdp, u32 len);
u32 rxgbe_xsk_run(struct bpf_prog *prog, struct xdp_buff *xdp, struct rxgbe_xdp_out *out);
struct sk_buff *rxgbe_xsk_skb(struct napi_struct *napi, struct xdp_buff *xdp);
bool rxgbe_xsk_tx_next(struct xsk_buff_pool *pool, dma_addr_t *dma, u32 *len);

#endif
