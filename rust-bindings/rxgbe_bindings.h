/* SPDX-License-Identifier: GPL-2.0 */
/* What bindgen reads to generate rxgbe's networking bindings (see generate.sh). */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <net/page_pool/types.h>
#include "rxgbe_helpers.h"

/*
 * Constants built from function-like macros (BIT() and friends), which bindgen cannot expand:
 * clang evaluates the initialisers, so the Rust side gets them as plain `pub const`s.
 */
const u32 RXGBE_ETH_RSS_HASH_TOP = ETH_RSS_HASH_TOP;
const u32 RXGBE_ETHTOOL_COALESCE_USECS = ETHTOOL_COALESCE_USECS;
const u32 RXGBE_ETHTOOL_COALESCE_USE_ADAPTIVE_RX = ETHTOOL_COALESCE_USE_ADAPTIVE_RX;
/* Ring parameters beyond the sizes (enum ethtool_supported_ring_param, enum of tcp-data-split). */
const u32 RXGBE_ETHTOOL_RING_USE_TCP_DATA_SPLIT = ETHTOOL_RING_USE_TCP_DATA_SPLIT;
const u32 RXGBE_ETHTOOL_RING_USE_HDS_THRS = ETHTOOL_RING_USE_HDS_THRS;
const u8 RXGBE_ETHTOOL_TCP_DATA_SPLIT_UNKNOWN = ETHTOOL_TCP_DATA_SPLIT_UNKNOWN;
const u8 RXGBE_ETHTOOL_TCP_DATA_SPLIT_DISABLED = ETHTOOL_TCP_DATA_SPLIT_DISABLED;
const u8 RXGBE_ETHTOOL_TCP_DATA_SPLIT_ENABLED = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
/* What build_skb() reserves at the end of a buffer for the shared info. */
const u32 RXGBE_SKB_SHINFO_SIZE = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
/* MAX_SKB_FRAGS names CONFIG_MAX_SKB_FRAGS, which bindgen leaves out. */
const u32 RXGBE_MAX_SKB_FRAGS = MAX_SKB_FRAGS;
/* Protocol and GSO type constants the transmit offloads match on (enum or BIT() based). */
const u16 RXGBE_ETH_P_IP = ETH_P_IP;
const u16 RXGBE_ETH_P_IPV6 = ETH_P_IPV6;
const u32 RXGBE_SKB_GSO_TCPV4 = SKB_GSO_TCPV4;
const u32 RXGBE_SKB_GSO_TCPV6 = SKB_GSO_TCPV6;
/* RSS hash types of a received skb (enum pkt_hash_types). */
const u8 RXGBE_PKT_HASH_NONE = PKT_HASH_TYPE_NONE;
const u8 RXGBE_PKT_HASH_L3 = PKT_HASH_TYPE_L3;
const u8 RXGBE_PKT_HASH_L4 = PKT_HASH_TYPE_L4;
/* XDP actions and the XDP features rxgbe implements (enums of the UAPI headers). */
const u32 RXGBE_XDP_ABORTED = XDP_ABORTED;
const u32 RXGBE_XDP_DROP = XDP_DROP;
const u32 RXGBE_XDP_PASS = XDP_PASS;
const u32 RXGBE_XDP_TX = XDP_TX;
const u32 RXGBE_XDP_REDIRECT = XDP_REDIRECT;
const u32 RXGBE_XDP_SETUP_PROG = XDP_SETUP_PROG;
const u32 RXGBE_XDP_SETUP_XSK_POOL = XDP_SETUP_XSK_POOL;
const u32 RXGBE_XDP_XMIT_FLUSH = XDP_XMIT_FLUSH;
const u32 RXGBE_XDP_XMIT_FLAGS_MASK = XDP_XMIT_FLAGS_MASK;
const u64 RXGBE_NETDEV_XDP_ACT_BASIC = NETDEV_XDP_ACT_BASIC;
const u64 RXGBE_NETDEV_XDP_ACT_REDIRECT = NETDEV_XDP_ACT_REDIRECT;
const u64 RXGBE_NETDEV_XDP_ACT_NDO_XMIT = NETDEV_XDP_ACT_NDO_XMIT;
const u64 RXGBE_NETDEV_XDP_ACT_XSK_ZEROCOPY = NETDEV_XDP_ACT_XSK_ZEROCOPY;
