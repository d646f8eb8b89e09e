// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of rxgbe: see rxgbe_helpers.h. These exist only because bindgen cannot see static
 * inline functions and macros; each one is a direct call of the core API it names.
 */
#include <linux/linkmode.h>
#include <linux/bpf_trace.h>
#include "rxgbe_helpers.h"

/*
 * The private area starts with this header, the driver's data follows it: a delayed work item for
 * the driver's periodic service (accelerated RFS expiry), which C must own since the kernel crate
 * cannot cancel work.
 */
struct rxgbe_priv_hdr {
	struct delayed_work service;
	void (*service_fn)(struct net_device *dev);
	struct net_device *dev;
	struct rxgbe_ptp *ptp;
};
#define RXGBE_PRIV_HDR ALIGN(sizeof(struct rxgbe_priv_hdr), NETDEV_ALIGN)

static struct rxgbe_priv_hdr *rxgbe_hdr(struct net_device *dev)
{
	return netdev_priv(dev);
}

static void rxgbe_service_run(struct work_struct *work)
{
	struct rxgbe_priv_hdr *hdr = container_of(to_delayed_work(work), struct rxgbe_priv_hdr, service);

	if (hdr->service_fn)
		hdr->service_fn(hdr->dev);
}

struct net_device *rxgbe_netdev_alloc(struct device *parent, unsigned int priv_size,
				      unsigned int txqs, unsigned int rxqs)
{
	struct net_device *dev = alloc_etherdev_mqs(RXGBE_PRIV_HDR + priv_size, txqs, rxqs);
	struct rxgbe_priv_hdr *hdr;

	if (!dev)
		return NULL;
	SET_NETDEV_DEV(dev, parent);
	hdr = rxgbe_hdr(dev);
	INIT_DELAYED_WORK(&hdr->service, rxgbe_service_run);
	hdr->service_fn = NULL;
	hdr->dev = dev;
	hdr->ptp = NULL;
	return dev;
}

void *rxgbe_netdev_priv(struct net_device *dev)
{
	return (char *)netdev_priv(dev) + RXGBE_PRIV_HDR;
}

void rxgbe_netdev_set_service(struct net_device *dev, void (*fn)(struct net_device *dev))
{
	rxgbe_hdr(dev)->service_fn = fn;
}

/* Any context. A delay of 0 runs the work as soon as possible, even if it was due later. */
void rxgbe_netdev_service_schedule(struct net_device *dev, unsigned int delay_ms)
{
	struct rxgbe_priv_hdr *hdr = rxgbe_hdr(dev);

	if (delay_ms)
		queue_delayed_work(system_dfl_wq, &hdr->service, msecs_to_jiffies(delay_ms));
	else
		mod_delayed_work(system_dfl_wq, &hdr->service, 0);
}

/* Process context: returns once the work is neither pending nor running (a self-rearming one too). */
void rxgbe_netdev_service_cancel(struct net_device *dev)
{
	cancel_delayed_work_sync(&rxgbe_hdr(dev)->service);
}

int rxgbe_netdev_enable_cpu_rmap(struct net_device *dev, unsigned int queues)
{
	return netif_enable_cpu_rmap(dev, queues);
}

bool rxgbe_rps_may_expire_flow(struct net_device *dev, u16 rxq, u32 flow_id, u16 filter_id)
{
#ifdef CONFIG_RFS_ACCEL
	return rps_may_expire_flow(dev, rxq, flow_id, filter_id);
#else
	return true;
#endif
}

bool rxgbe_skb_flow_keys(const struct sk_buff *skb, struct rxgbe_flow_keys *out)
{
	struct flow_keys keys;

	if (!skb_flow_dissect_flow_keys(skb, &keys, 0))
		return false;
	if (keys.control.flags & FLOW_DIS_IS_FRAGMENT)
		return false;
	memset(out, 0, sizeof(*out));
	out->n_proto = ntohs(keys.basic.n_proto);
	out->ip_proto = keys.basic.ip_proto;
	if (keys.control.addr_type == FLOW_DISSECTOR_KEY_IPV4_ADDRS) {
		memcpy(out->src, &keys.addrs.v4addrs.src, 4);
		memcpy(out->dst, &keys.addrs.v4addrs.dst, 4);
	} else if (keys.control.addr_type == FLOW_DISSECTOR_KEY_IPV6_ADDRS) {
		memcpy(out->src, &keys.addrs.v6addrs.src, 16);
		memcpy(out->dst, &keys.addrs.v6addrs.dst, 16);
	} else {
		return false;
	}
	out->sport = ntohs(keys.ports.src);
	out->dport = ntohs(keys.ports.dst);
	return true;
}

void rxgbe_netdev_setup(struct net_device *dev, const struct net_device_ops *ops,
			const struct ethtool_ops *ethtool_ops, const struct netdev_stat_ops *stat_ops,
			u64 hw_features, u64 features, u64 vlan_features, unsigned int min_mtu,
			unsigned int max_mtu)
{
	dev->netdev_ops = ops;
	dev->ethtool_ops = ethtool_ops;
	dev->stat_ops = stat_ops;
	dev->hw_features = hw_features;
	dev->features = features;
	dev->vlan_features = vlan_features;
	dev->min_mtu = min_mtu;
	dev->max_mtu = max_mtu;
	dev->watchdog_timeo = 5 * HZ;
}

unsigned int rxgbe_netdev_mtu(const struct net_device *dev)
{
	return READ_ONCE(dev->mtu);
}

void rxgbe_netdev_set_mtu(struct net_device *dev, unsigned int mtu)
{
	WRITE_ONCE(dev->mtu, mtu);
}

unsigned int rxgbe_netdev_flags(const struct net_device *dev)
{
	return READ_ONCE(dev->flags);
}

u64 rxgbe_netdev_features(const struct net_device *dev)
{
	return READ_ONCE(dev->features);
}

/* The ring parameters beyond the sizes that the device's ethtool table offers. */
u32 rxgbe_netdev_ring_params_supported(const struct net_device *dev)
{
	return dev->ethtool_ops->supported_ring_params;
}

unsigned int rxgbe_netdev_real_num_rx_queues(const struct net_device *dev)
{
	return dev->real_num_rx_queues;
}

const char *rxgbe_netdev_name(const struct net_device *dev)
{
	return netdev_name(dev);
}

void rxgbe_netdev_addr(const struct net_device *dev, u8 *addr)
{
	ether_addr_copy(addr, dev->dev_addr);
}

void rxgbe_netdev_set_addr(struct net_device *dev, const u8 *addr)
{
	eth_hw_addr_set(dev, addr);
}

void rxgbe_netdev_random_addr(struct net_device *dev)
{
	eth_hw_addr_random(dev);
}

bool rxgbe_is_valid_ether_addr(const u8 *addr)
{
	return is_valid_ether_addr(addr);
}

int rxgbe_netdev_mc_addrs(struct net_device *dev, u8 *out, int max)
{
	struct netdev_hw_addr *ha;
	int n = 0;

	netdev_for_each_mc_addr(ha, dev) {
		if (n < max)
			ether_addr_copy(out + n * ETH_ALEN, ha->addr);
		n++;
	}
	return n;
}

void rxgbe_netif_addr_lock_bh(struct net_device *dev)
{
	netif_addr_lock_bh(dev);
}

void rxgbe_netif_addr_unlock_bh(struct net_device *dev)
{
	netif_addr_unlock_bh(dev);
}

bool rxgbe_netif_carrier_ok(const struct net_device *dev)
{
	return netif_carrier_ok(dev);
}

bool rxgbe_netif_running(const struct net_device *dev)
{
	return netif_running(dev);
}

void rxgbe_netif_tx_wake_all(struct net_device *dev)
{
	netif_tx_wake_all_queues(dev);
}

void rxgbe_netif_tx_disable(struct net_device *dev)
{
	netif_tx_disable(dev);
}

void rxgbe_txq_stop(struct net_device *dev, unsigned int q)
{
	netif_stop_subqueue(dev, q);
}

void rxgbe_txq_start(struct net_device *dev, unsigned int q)
{
	netif_start_subqueue(dev, q);
}

void rxgbe_txq_wake(struct net_device *dev, unsigned int q)
{
	netif_wake_subqueue(dev, q);
}

bool rxgbe_txq_sent(struct net_device *dev, unsigned int q, unsigned int bytes, bool more)
{
	return __netdev_tx_sent_queue(netdev_get_tx_queue(dev, q), bytes, more);
}

/* rxgbe_txq_sent of a packet from ndo_start_xmit, whose xmit_more the helper reads itself. */
bool rxgbe_txq_sent_xmit(struct net_device *dev, unsigned int q, unsigned int bytes)
{
	return __netdev_tx_sent_queue(netdev_get_tx_queue(dev, q), bytes, netdev_xmit_more());
}

/* Accounts completions for BQL; returns whether the queue is stopped (one call for both). */
bool rxgbe_txq_completed(struct net_device *dev, unsigned int q, unsigned int pkts,
			 unsigned int bytes)
{
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);

	netdev_tx_completed_queue(txq, pkts, bytes);
	return netif_tx_queue_stopped(txq);
}

void rxgbe_txq_reset(struct net_device *dev, unsigned int q)
{
	netdev_tx_reset_queue(netdev_get_tx_queue(dev, q));
}

void rxgbe_smp_mb(void)
{
	smp_mb();
}

void rxgbe_local_bh_disable(void)
{
	local_bh_disable();
}

void rxgbe_local_bh_enable(void)
{
	local_bh_enable();
}

struct rxgbe_napi {
	struct napi_struct napi;
	void *owner;
};

struct napi_struct *rxgbe_napi_alloc(struct net_device *dev,
				     int (*poll)(struct napi_struct *, int), void *owner,
				     int index)
{
	struct rxgbe_napi *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	n->owner = owner;
	netif_napi_add_config(dev, &n->napi, poll, index);
	return &n->napi;
}

void rxgbe_napi_free(struct napi_struct *napi)
{
	netif_napi_del(napi);
	kfree(container_of(napi, struct rxgbe_napi, napi));
}

void *rxgbe_napi_owner(struct napi_struct *napi)
{
	return container_of(napi, struct rxgbe_napi, napi)->owner;
}

/* From an interrupt handler: hard interrupts are off (also when forced into a thread, where the
 * core disables them around the handler on !PREEMPT_RT), so no flags are saved. */
bool rxgbe_napi_schedule_irqoff(struct napi_struct *napi)
{
	if (!napi_schedule_prep(napi))
		return false;
	__napi_schedule_irqoff(napi);
	return true;
}

void rxgbe_napi_set_irq(struct napi_struct *napi, int irq)
{
	netif_napi_set_irq(napi, irq);
}

/*
 * The end of every received frame, in one call: its queue, its protocol, and GRO. Returns the
 * frame's length, read here as the skb is the stack's afterwards.
 */
unsigned int rxgbe_napi_receive(struct napi_struct *napi, struct sk_buff *skb, u16 queue)
{
	unsigned int len = skb->len;

	skb_record_rx_queue(skb, queue);
	skb->protocol = eth_type_trans(skb, napi->dev);
	napi_gro_receive(napi, skb);
	return len;
}

/*
 * The whole path of the common received frame, one page-pool buffer holding all of it, in one
 * call where the general path makes three: the skb built around the buffer (which it returns to
 * its pool when freed), the MAC's verdicts applied, and GRO. Returns the frame's length, or
 * -ENOMEM with the buffer still the caller's when no skb could be allocated.
 */
int rxgbe_napi_receive_buf(struct napi_struct *napi, void *va, unsigned int truesize,
			   unsigned int headroom, unsigned int len,
			   const struct rxgbe_rx_meta *meta)
{
	struct sk_buff *skb = napi_build_skb(va, truesize);

	if (unlikely(!skb))
		return -ENOMEM;
	skb_reserve(skb, headroom);
	__skb_put(skb, len);
	skb_mark_for_recycle(skb);
	rxgbe_skb_rx_offloads(skb, meta);
	skb_record_rx_queue(skb, meta->queue);
	skb->protocol = eth_type_trans(skb, napi->dev);
	napi_gro_receive(napi, skb);
	return len;
}

unsigned int rxgbe_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

unsigned int rxgbe_skb_headlen(const struct sk_buff *skb)
{
	return skb_headlen(skb);
}

unsigned int rxgbe_skb_nr_frags(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->nr_frags;
}

u16 rxgbe_skb_queue_mapping(const struct sk_buff *skb)
{
	return skb_get_queue_mapping(skb);
}

/*
 * Maps the linear part of an skb for the device: its bus address and length in *addr and *len.
 * 0, or -ENOMEM when the mapping failed (nothing to undo).
 */
int rxgbe_skb_map_head(struct device *dev, struct sk_buff *skb, dma_addr_t *addr,
		       unsigned int *len)
{
	*len = skb_headlen(skb);
	*addr = dma_map_single(dev, skb->data, *len, DMA_TO_DEVICE);
	return dma_mapping_error(dev, *addr) ? -ENOMEM : 0;
}

/*
 * Maps page fragment i of an skb as rxgbe_skb_map_head does; -EINVAL when the skb has no
 * fragment i.
 */
int rxgbe_skb_map_frag(struct device *dev, struct sk_buff *skb, unsigned int i,
		       dma_addr_t *addr, unsigned int *len)
{
	const skb_frag_t *frag;

	if (i >= skb_shinfo(skb)->nr_frags)
		return -EINVAL;
	frag = &skb_shinfo(skb)->frags[i];
	*len = skb_frag_size(frag);
	*addr = skb_frag_dma_map(dev, frag, 0, *len, DMA_TO_DEVICE);
	return dma_mapping_error(dev, *addr) ? -ENOMEM : 0;
}

void rxgbe_skb_free_any(struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
}

bool rxgbe_netdev_xmit_more(void)
{
	return netdev_xmit_more();
}

struct sk_buff *rxgbe_skb_build(void *va, unsigned int truesize, unsigned int headroom,
				unsigned int len)
{
	struct sk_buff *skb = napi_build_skb(va, truesize);

	if (!skb)
		return NULL;
	skb_reserve(skb, headroom);
	__skb_put(skb, len);
	skb_mark_for_recycle(skb);
	return skb;
}

/*
 * An skb holding a copy of the `len` header bytes at `src` (a header-split frame), whose page
 * pool fragments, added next, return to their pool when it is freed.
 */
struct sk_buff *rxgbe_skb_copy_head(struct napi_struct *napi, const void *src, unsigned int len)
{
	struct sk_buff *skb = napi_alloc_skb(napi, len);

	if (!skb)
		return NULL;
	skb_put_data(skb, src, len);
	skb_mark_for_recycle(skb);
	return skb;
}

void rxgbe_skb_add_frag(struct sk_buff *skb, struct page *page, unsigned int off,
			unsigned int len, unsigned int truesize)
{
	skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, off, len, truesize);
}

void *rxgbe_skb_data(struct sk_buff *skb)
{
	return skb->data;
}

bool rxgbe_skb_header_cloned(const struct sk_buff *skb)
{
	return skb_header_cloned(skb);
}

void rxgbe_skb_set_lro(struct sk_buff *skb, u16 gso_size, bool ipv6, u16 segs)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	shinfo->gso_size = gso_size;
	shinfo->gso_type = ipv6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
	shinfo->gso_segs = segs;
}

void rxgbe_skb_tx_layout(const struct sk_buff *skb, struct rxgbe_tx_layout *out)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);

	out->len = skb->len;
	out->network_offset = skb_network_offset(skb);
	out->csum_partial = skb->ip_summed == CHECKSUM_PARTIAL;
	out->csum_start = out->csum_partial ? skb_checksum_start_offset(skb) : 0;
	out->csum_offset = out->csum_partial ? skb->csum_offset : 0;
	out->protocol = ntohs(vlan_get_protocol(skb));
	out->gso_size = skb_is_gso(skb) ? shinfo->gso_size : 0;
	out->gso_segs = shinfo->gso_segs;
	out->nr_frags = shinfo->nr_frags;
	out->gso_type = shinfo->gso_type;
	out->vlan_present = skb_vlan_tag_present(skb);
	out->vlan_tci = out->vlan_present ? skb_vlan_tag_get(skb) : 0;
}

/* The layout of a GSO skb, for ndo_features_check; false (nothing read) for any other. */
bool rxgbe_skb_gso_layout(const struct sk_buff *skb, struct rxgbe_tx_layout *out)
{
	if (!skb_is_gso(skb))
		return false;
	rxgbe_skb_tx_layout(skb, out);
	return true;
}

/*
 * Readies the headers of a TCP segmentation offload skb for the MAC, which writes the IP
 * length (and IPv4 header checksum) of each segment and adds the length to the TCP
 * pseudo-header checksum: those fields must not already count the super-packet's length.
 * Returns the TCP header length, or a negative errno when the headers cannot be written.
 */
int rxgbe_skb_tso_prepare(struct sk_buff *skb)
{
	int err = skb_cow_head(skb, 0);
	struct tcphdr *th;

	if (err)
		return err;
	th = tcp_hdr(skb);
	if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = 0;
		iph->check = 0;
		th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, 0, IPPROTO_TCP, 0);
	} else if (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6) {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = 0;
		th->check = ~csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, 0, IPPROTO_TCP, 0);
	} else {
		return -EINVAL;
	}
	return tcp_hdrlen(skb);
}

int rxgbe_skb_checksum_help(struct sk_buff *skb)
{
	return skb_checksum_help(skb);
}

/*
 * The MAC's checksum verdict and RSS hash of a received frame, in one call (both are per frame).
 * hash_type is an enum pkt_hash_types value; PKT_HASH_TYPE_NONE leaves the hash unset.
 */
void rxgbe_skb_rx_offloads(struct sk_buff *skb, const struct rxgbe_rx_meta *meta)
{
	if (meta->csum_ok)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (meta->hash_type != PKT_HASH_TYPE_NONE)
		skb_set_hash(skb, meta->hash, meta->hash_type);
	if (meta->vlan_present)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), meta->vlan_tci);
}

bool rxgbe_dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	return dma_mapping_error(dev, addr) != 0;
}

void rxgbe_dma_unmap_single(struct device *dev, dma_addr_t addr, unsigned int len)
{
	dma_unmap_single(dev, addr, len, DMA_TO_DEVICE);
}

void rxgbe_dma_unmap_page(struct device *dev, dma_addr_t addr, unsigned int len)
{
	dma_unmap_page(dev, addr, len, DMA_TO_DEVICE);
}

/*
 * The device syncs whole pages: a page may hold two buffers (fragments), and the pool recycles
 * it only when both are free.
 */
int rxgbe_page_pool_create(struct device *dev, struct napi_struct *napi, unsigned int size,
			   struct page_pool **out)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order = 0,
		.pool_size = size,
		.nid = NUMA_NO_NODE,
		.dev = dev,
		.napi = napi,
		.netdev = napi->dev,
		.dma_dir = DMA_FROM_DEVICE,
		.offset = 0,
		.max_len = PAGE_SIZE,
	};
	struct page_pool *pool = page_pool_create(&pp);

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	*out = pool;
	return 0;
}

/*
 * A pool page holding refs buffers (one reference each: the page is recycled once all are
 * freed), with both its addresses computed once here rather than on every use in the receive
 * path. The driver cuts the buffers itself: for half pages, one call and one page reference
 * count write per two buffers, where page_pool_dev_alloc_frag() pays a call and its fragment
 * bookkeeping per buffer.
 */
static bool rxgbe_pp_alloc_page(struct page_pool *pool, long refs, struct rxgbe_pp_buf *out)
{
	struct page *page = page_pool_dev_alloc_pages(pool);

	if (!page)
		return false;
	if (refs > 1)
		page_pool_fragment_page(page, refs);
	out->page = page;
	out->va = page_address(page);
	out->dma = page_pool_get_dma_addr(page);
	return true;
}

/*
 * Up to n pages as rxgbe_pp_alloc_page() makes them, into out[0..n); returns how many (fewer
 * when memory is short). One call per refill batch keeps the call and the pool's state loads
 * out of the driver's per-buffer loop.
 */
unsigned int rxgbe_pp_alloc_pages(struct page_pool *pool, long refs, unsigned int n,
				  struct rxgbe_pp_buf *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!rxgbe_pp_alloc_page(pool, refs, &out[i]))
			break;
	}
	return i;
}

void rxgbe_pp_sync_for_cpu(const struct page_pool *pool, const struct page *page,
			   unsigned int offset, unsigned int len)
{
	page_pool_dma_sync_for_cpu(pool, page, offset, len);
}

void rxgbe_pp_put(struct page_pool *pool, struct page *page, bool in_napi)
{
	page_pool_put_full_page(pool, page, in_napi);
}

int rxgbe_request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags,
		      const char *name, void *cookie)
{
	return request_irq(irq, handler, flags, name, cookie);
}

int rxgbe_irq_set_affinity_hint(unsigned int irq, unsigned int cpu)
{
	return irq_set_affinity_and_hint(irq, cpumask_of(cpu));
}

int rxgbe_irq_set_hint_only(unsigned int irq, unsigned int cpu)
{
	return irq_update_affinity_hint(irq, cpumask_of(cpu));
}

/*
 * Sets the interrupt's affinity to what it is: the affinity notifiers run again (the netdev core's
 * updates the accelerated-RFS CPU map from them), without moving the interrupt.
 */
int rxgbe_irq_refresh_affinity(unsigned int irq)
{
	cpumask_var_t mask;
	int rc;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	cpumask_copy(mask, irq_get_affinity_mask(irq));
	rc = irq_set_affinity(irq, mask);
	free_cpumask_var(mask);
	return rc;
}

void rxgbe_irq_clear_affinity_hint(unsigned int irq)
{
	irq_update_affinity_hint(irq, NULL);
}

unsigned int rxgbe_num_online_cpus(void)
{
	return num_online_cpus();
}

unsigned int rxgbe_cpumask_nth_online(unsigned int n)
{
	return cpumask_nth(n % num_online_cpus(), cpu_online_mask);
}

int rxgbe_txq_set_xps_cpu(struct net_device *dev, unsigned int q, unsigned int cpu)
{
	return netif_set_xps_queue(dev, cpumask_of(cpu), q);
}

void rxgbe_rss_key_fill(void *key, size_t len)
{
	netdev_rss_key_fill(key, len);
}

bool rxgbe_netif_is_rxfh_configured(const struct net_device *dev)
{
	return netif_is_rxfh_configured(dev);
}

void rxgbe_ksettings_set(struct ethtool_link_ksettings *ks, u32 speed, u8 duplex, bool link)
{
	ethtool_link_ksettings_zero_link_mode(ks, supported);
	ethtool_link_ksettings_zero_link_mode(ks, advertising);
	ethtool_link_ksettings_add_link_mode(ks, supported, 10baseT_Full);
	ethtool_link_ksettings_add_link_mode(ks, supported, 100baseT_Full);
	ethtool_link_ksettings_add_link_mode(ks, supported, 1000baseT_Full);
	ethtool_link_ksettings_add_link_mode(ks, supported, Autoneg);
	ethtool_link_ksettings_add_link_mode(ks, supported, TP);
	ethtool_link_ksettings_add_link_mode(ks, advertising, 1000baseT_Full);
	ethtool_link_ksettings_add_link_mode(ks, advertising, Autoneg);
	ethtool_link_ksettings_add_link_mode(ks, advertising, TP);
	ks->base.port = PORT_TP;
	ks->base.autoneg = AUTONEG_ENABLE;
	ks->base.speed = link ? speed : SPEED_UNKNOWN;
	ks->base.duplex = link ? duplex : DUPLEX_UNKNOWN;
}

/*
 * The bits of struct rxgbe_link_request::advertising; the Rust side (ethtool_diag.rs, module
 * link_mode) uses the same values.
 */
#define RXGBE_LINK_MODE_10_HALF BIT(0)
#define RXGBE_LINK_MODE_10_FULL BIT(1)
#define RXGBE_LINK_MODE_100_HALF BIT(2)
#define RXGBE_LINK_MODE_100_FULL BIT(3)
#define RXGBE_LINK_MODE_1000_FULL BIT(4)
#define RXGBE_LINK_MODE_OTHER BIT(31)

void rxgbe_ksettings_request(const struct ethtool_link_ksettings *ks,
			     struct rxgbe_link_request *out)
{
	__ETHTOOL_DECLARE_LINK_MODE_MASK(rest);
	static const struct {
		int bit;
		u32 mode;
	} modes[] = {
		{ ETHTOOL_LINK_MODE_10baseT_Half_BIT, RXGBE_LINK_MODE_10_HALF },
		{ ETHTOOL_LINK_MODE_10baseT_Full_BIT, RXGBE_LINK_MODE_10_FULL },
		{ ETHTOOL_LINK_MODE_100baseT_Half_BIT, RXGBE_LINK_MODE_100_HALF },
		{ ETHTOOL_LINK_MODE_100baseT_Full_BIT, RXGBE_LINK_MODE_100_FULL },
		{ ETHTOOL_LINK_MODE_1000baseT_Full_BIT, RXGBE_LINK_MODE_1000_FULL },
	};
	int i;

	out->autoneg = ks->base.autoneg == AUTONEG_ENABLE;
	out->advertising = 0;
	linkmode_copy(rest, ks->link_modes.advertising);
	/* Not speeds: the port type and the autonegotiation and pause capabilities. */
	linkmode_clear_bit(ETHTOOL_LINK_MODE_TP_BIT, rest);
	linkmode_clear_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, rest);
	linkmode_clear_bit(ETHTOOL_LINK_MODE_Pause_BIT, rest);
	linkmode_clear_bit(ETHTOOL_LINK_MODE_Asym_Pause_BIT, rest);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (linkmode_test_bit(modes[i].bit, rest)) {
			out->advertising |= modes[i].mode;
			linkmode_clear_bit(modes[i].bit, rest);
		}
	}
	if (!linkmode_empty(rest))
		out->advertising |= RXGBE_LINK_MODE_OTHER;
}

void rxgbe_skb_tx_timestamp(struct sk_buff *skb)
{
	skb_tx_timestamp(skb);
}

int rxgbe_skb_trim(struct sk_buff *skb, unsigned int len)
{
	return pskb_trim(skb, len);
}

/*
 * The opcode of a MAC control frame (ethertype 0x8808) the stack sends, read from the frame
 * itself: a packet socket's skb->protocol need not name it. -1 for any other frame. The transmit
 * path asks only for frames that are not IP (see tx_offload::Prepared::ip).
 */
int rxgbe_skb_mac_control_opcode(const struct sk_buff *skb)
{
	__be16 buf[2];
	const __be16 *h;

	h = skb_header_pointer(skb, 2 * ETH_ALEN, sizeof(buf), buf);
	if (!h || h[0] != htons(ETH_P_PAUSE))
		return -1;
	return ntohs(h[1]);
}

/*
 * PTP hardware clock. The ptp_clock_info must outlive the clock, and its callbacks must find the
 * net device: both live in this allocation, referenced from the private area's header.
 */
struct rxgbe_ptp {
	struct ptp_clock_info info;
	struct net_device *dev;
	const struct rxgbe_ptp_callbacks *cb;
	struct ptp_clock *clock;
};

static struct rxgbe_ptp *rxgbe_ptp_of(struct ptp_clock_info *info)
{
	return container_of(info, struct rxgbe_ptp, info);
}

static int rxgbe_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	struct rxgbe_ptp *p = rxgbe_ptp_of(info);

	return p->cb->adjfine(p->dev, scaled_ppm);
}

static int rxgbe_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	struct rxgbe_ptp *p = rxgbe_ptp_of(info);

	return p->cb->adjtime(p->dev, delta);
}

static int rxgbe_ptp_gettimex(struct ptp_clock_info *info, struct timespec64 *ts,
			      struct ptp_system_timestamp *sts)
{
	struct rxgbe_ptp *p = rxgbe_ptp_of(info);

	*ts = ns_to_timespec64(p->cb->gettimex(p->dev, sts));
	return 0;
}

static int rxgbe_ptp_settime(struct ptp_clock_info *info, const struct timespec64 *ts)
{
	struct rxgbe_ptp *p = rxgbe_ptp_of(info);

	p->cb->settime(p->dev, timespec64_to_ns(ts));
	return 0;
}

static int rxgbe_ptp_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static long rxgbe_ptp_aux_work(struct ptp_clock_info *info)
{
	struct rxgbe_ptp *p = rxgbe_ptp_of(info);

	return msecs_to_jiffies(p->cb->aux_work(p->dev));
}

/* Process context, once per device; the aux work starts at once. */
int rxgbe_ptp_register(struct net_device *dev, const struct rxgbe_ptp_callbacks *cb, s32 max_adj)
{
	struct rxgbe_ptp *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct ptp_clock *clock;

	if (!p)
		return -ENOMEM;
	p->info.owner = THIS_MODULE;
	snprintf(p->info.name, sizeof(p->info.name), "rxgbe %s", dev_name(dev->dev.parent));
	p->info.max_adj = max_adj;
	p->info.adjfine = rxgbe_ptp_adjfine;
	p->info.adjtime = rxgbe_ptp_adjtime;
	p->info.gettimex64 = rxgbe_ptp_gettimex;
	p->info.settime64 = rxgbe_ptp_settime;
	p->info.enable = rxgbe_ptp_enable;
	p->info.do_aux_work = rxgbe_ptp_aux_work;
	p->dev = dev;
	p->cb = cb;
	clock = ptp_clock_register(&p->info, dev->dev.parent);
	if (IS_ERR_OR_NULL(clock)) {
		kfree(p);
		return clock ? PTR_ERR(clock) : -EOPNOTSUPP;
	}
	p->clock = clock;
	rxgbe_hdr(dev)->ptp = p;
	ptp_schedule_worker(clock, 0);
	return 0;
}

/* Process context; after it no callback runs. A device without a clock is left alone. */
void rxgbe_ptp_unregister(struct net_device *dev)
{
	struct rxgbe_ptp *p = rxgbe_hdr(dev)->ptp;

	if (!p)
		return;
	rxgbe_hdr(dev)->ptp = NULL;
	ptp_clock_unregister(p->clock);
	kfree(p);
}

/* The clock's index (/dev/ptpN), or -1 without a clock. */
int rxgbe_ptp_index(struct net_device *dev)
{
	struct rxgbe_ptp *p = rxgbe_hdr(dev)->ptp;

	return p ? ptp_clock_index(p->clock) : -1;
}

void rxgbe_ptp_sts_pre(struct ptp_system_timestamp *sts)
{
	ptp_read_system_prets(sts);
}

void rxgbe_ptp_sts_post(struct ptp_system_timestamp *sts)
{
	ptp_read_system_postts(sts);
}

u64 rxgbe_realtime_ns(void)
{
	return ktime_get_real_ns();
}

bool rxgbe_skb_hw_tstamp_requested(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->tx_flags & SKBTX_HW_TSTAMP;
}

void rxgbe_skb_tstamp_in_progress(struct sk_buff *skb)
{
	skb_shinfo(skb)->tx_flags |= SKBTX_IN_PROGRESS;
}

void rxgbe_skb_tstamp_tx_hw(struct sk_buff *skb, u64 ns)
{
	struct skb_shared_hwtstamps hw = { .hwtstamp = ns_to_ktime(ns) };

	skb_tstamp_tx(skb, &hw);
}

void rxgbe_skb_set_rx_hwtstamp(struct sk_buff *skb, u64 ns)
{
	skb_hwtstamps(skb)->hwtstamp = ns_to_ktime(ns);
}

/*
 * XDP. A ring's queue info is registered with its memory model: its page pool, so frames the program
 * sends on (XDP_TX, XDP_REDIRECT) go back to that pool when freed, or the zero-copy socket's pool @xsk.
 */
int rxgbe_xdp_rxq_create(struct net_device *dev, u32 queue, struct napi_struct *napi,
			 struct page_pool *pool, struct xsk_buff_pool *xsk, struct xdp_rxq_info **out)
{
	struct xdp_rxq_info *rxq = kzalloc(sizeof(*rxq), GFP_KERNEL);
	int err;

	if (!rxq)
		return -ENOMEM;
	err = xdp_rxq_info_reg(rxq, dev, queue, napi->napi_id);
	if (err)
		goto free;
	if (xsk)
		err = xdp_rxq_info_reg_mem_model(rxq, MEM_TYPE_XSK_BUFF_POOL, NULL);
	else
		err = xdp_rxq_info_reg_mem_model(rxq, MEM_TYPE_PAGE_POOL, pool);
	if (err)
		goto unreg;
	if (xsk)
		xsk_pool_set_rxq_info(xsk, rxq);
	*out = rxq;
	return 0;
unreg:
	xdp_rxq_info_unreg(rxq);
free:
	kfree(rxq);
	return err;
}

void rxgbe_xdp_rxq_destroy(struct xdp_rxq_info *rxq)
{
	xdp_rxq_info_unreg(rxq);
	kfree(rxq);
}

/*
 * Runs @prog on the @len bytes at @headroom of the @frame_sz byte buffer at @hard_start.
 * Returns the action taken: XDP_PASS (@out gives where the data now is), XDP_DROP, XDP_TX
 * (@out->frame holds the buffer), XDP_REDIRECT (done: the buffer is no longer the caller's), or
 * XDP_ABORTED for an aborted program, an unknown action or a failed XDP_TX or XDP_REDIRECT.
 */
u32 rxgbe_xdp_run(struct bpf_prog *prog, struct xdp_rxq_info *rxq, void *hard_start,
		  u32 frame_sz, u32 headroom, u32 len, struct rxgbe_xdp_out *out)
{
	struct xdp_buff xdp;
	u32 act;

	xdp_init_buff(&xdp, frame_sz, rxq);
	xdp_prepare_buff(&xdp, hard_start, headroom, len, true);
	act = bpf_prog_run_xdp(prog, &xdp);
	switch (act) {
	case XDP_PASS:
		out->headroom = xdp.data - xdp.data_hard_start;
		out->len = xdp.data_end - xdp.data;
		return XDP_PASS;
	case XDP_DROP:
		return XDP_DROP;
	case XDP_TX:
		out->frame = xdp_convert_buff_to_frame(&xdp);
		if (!out->frame)
			break;
		return XDP_TX;
	case XDP_REDIRECT:
		if (xdp_do_redirect(rxq->dev, &xdp, prog))
			break;
		return XDP_REDIRECT;
	default:
		bpf_warn_invalid_xdp_action(rxq->dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		break;
	}
	trace_xdp_exception(rxq->dev, prog, act);
	return XDP_ABORTED;
}

dma_addr_t rxgbe_xdp_frame_map(struct device *dev, struct xdp_frame *frame, u32 *len)
{
	*len = frame->len;
	return dma_map_single(dev, frame->data, frame->len, DMA_TO_DEVICE);
}

void rxgbe_xdp_set_extack(struct netlink_ext_ack *extack, const char *msg)
{
	NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
}

void rxgbe_netdev_set_xdp_features(struct net_device *dev, u64 features)
{
	xdp_set_features_flag(dev, features);
}

unsigned int rxgbe_netdev_real_num_tx_queues(const struct net_device *dev)
{
	return dev->real_num_tx_queues;
}

unsigned int rxgbe_smp_processor_id(void)
{
	return smp_processor_id();
}

int rxgbe_netdev_update_features(struct net_device *dev)
{
	netdev_update_features(dev);
	return 0;
}

/* The device only writes zero-copy buffers; the CPU syncs what it reads. */
#define RXGBE_XSK_DMA_ATTR (DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_WEAK_ORDERING)

int rxgbe_xsk_pool_dma_map(struct xsk_buff_pool *pool, struct device *dev)
{
	return xsk_pool_dma_map(pool, dev, RXGBE_XSK_DMA_ATTR);
}

void rxgbe_xsk_pool_dma_unmap(struct xsk_buff_pool *pool)
{
	xsk_pool_dma_unmap(pool, RXGBE_XSK_DMA_ATTR);
}

u32 rxgbe_xsk_pool_rx_frame_size(struct xsk_buff_pool *pool)
{
	return xsk_pool_get_rx_frame_size(pool);
}

struct xdp_buff *rxgbe_xsk_buff_alloc(struct xsk_buff_pool *pool)
{
	return xsk_buff_alloc(pool);
}

dma_addr_t rxgbe_xsk_buff_dma(struct xdp_buff *xdp)
{
	return xsk_buff_xdp_get_dma(xdp);
}

void rxgbe_xsk_buff_free(struct xdp_buff *xdp)
{
	xsk_buff_free(xdp);
}

/* Sets the frame's length to what the device wrote and makes it visible to the CPU. */
void *rxgbe_xsk_buff_sync(struct xdp_buff *xdp, u32 len)
{
	xsk_buff_set_size(xdp, len);
	xsk_buff_dma_sync_for_cpu(xdp);
	return xdp->data;
}

/*
 * Runs @prog on a zero-copy buffer (see rxgbe_xdp_run for the actions). XDP_PASS leaves the
 * buffer with the caller; every other action consumes it: XDP_TX copies the frame out of the
 * socket's memory into @out->frame.
 */
u32 rxgbe_xsk_run(struct bpf_prog *prog, struct xdp_buff *xdp, struct rxgbe_xdp_out *out)
{
	struct net_device *dev = xdp->rxq->dev;
	u32 act = bpf_prog_run_xdp(prog, xdp);

	switch (act) {
	case XDP_PASS:
		return XDP_PASS;
	case XDP_DROP:
		xsk_buff_free(xdp);
		return XDP_DROP;
	case XDP_TX:
		out->frame = xdp_convert_buff_to_frame(xdp);
		if (!out->frame)
			break;
		return XDP_TX;
	case XDP_REDIRECT:
		if (xdp_do_redirect(dev, xdp, prog))
			break;
		return XDP_REDIRECT;
	default:
		bpf_warn_invalid_xdp_action(dev, prog, act);
		fallthrough;
	case XDP_ABORTED:
		break;
	}
	trace_xdp_exception(dev, prog, act);
	xsk_buff_free(xdp);
	return XDP_ABORTED;
}

/* A copy of a zero-copy buffer's frame for the stack; frees the buffer on success. */
struct sk_buff *rxgbe_xsk_skb(struct napi_struct *napi, struct xdp_buff *xdp)
{
	unsigned int len = xdp->data_end - xdp->data;
	struct sk_buff *skb = napi_alloc_skb(napi, len);

	if (!skb)
		return NULL;
	skb_put_data(skb, xdp->data, len);
	xsk_buff_free(xdp);
	return skb;
}

/* The next frame the socket queued for transmission, mapped and synced for the device. */
bool rxgbe_xsk_tx_next(struct xsk_buff_pool *pool, dma_addr_t *dma, u32 *len)
{
	struct xdp_desc desc;

	if (!xsk_tx_peek_desc(pool, &desc))
		return false;
	*dma = xsk_buff_raw_get_dma(pool, desc.addr);
	xsk_buff_raw_dma_sync_for_device(pool, *dma, desc.len);
	*len = desc.len;
	return true;
}
