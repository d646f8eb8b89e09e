// SPDX-License-Identifier: GPL-2.0

//! Per-queue counters: written by the queue's own data path, read lock-free by stats64.

use kernel::sync::atomic::{Atomic, Relaxed};

/// One counter with a single writer (the queue's NAPI poll or its transmit path under the
/// ring lock), read lock-free by stats64.
///
/// An add is one atomic add rather than a load and a store: the single writer does not need
/// it, but kernel atomics are calls into C, and this halves them on the data path.
pub(crate) struct Counter(Atomic<u64>);

impl Counter {
    pub(crate) const fn new() -> Self {
        Self(Atomic::new(0))
    }

    pub(crate) fn add(&self, n: u64) {
        self.0.add(n, Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// Counters of one queue pair.
pub(crate) struct QueueStats {
    pub(crate) rx_packets: Counter,
    pub(crate) rx_bytes: Counter,
    /// Frames dropped for MAC-reported errors.
    pub(crate) rx_errors: Counter,
    /// Frames whose TCP/UDP or IPv4 header checksum the MAC found bad (left to the stack).
    pub(crate) rx_csum_err: Counter,
    /// Buffer allocations that failed during refill.
    pub(crate) rx_alloc_fail: Counter,
    /// Segments large receive offload appended to an earlier one, and merged packets it
    /// handed to the stack.
    pub(crate) rx_lro_merged: Counter,
    pub(crate) rx_lro_flushed: Counter,
    /// Frames other rings steered to this queue (`ethtool -N ... action N`), delivered here.
    pub(crate) rx_steered_in: Counter,
    /// Frames this ring steered to a queue whose inbox was full, dropped.
    pub(crate) rx_steer_overflow: Counter,
    /// Frames a drop rule (`action -1`) discarded on this ring.
    pub(crate) rx_ntuple_drops: Counter,
    /// Frames whose headers the MAC split off into a header buffer (`tcp-data-split`).
    pub(crate) rx_hdr_split: Counter,
    pub(crate) tx_packets: Counter,
    pub(crate) tx_bytes: Counter,
    /// Packets dropped on transmit (mapping failure, ring full).
    pub(crate) tx_dropped: Counter,
    /// Times the queue was stopped for lack of descriptors and woken again.
    pub(crate) tx_restarts: Counter,
    /// Packets the MAC segmented (TSO super-packets), their bytes, and the frames and wire
    /// bytes they became.
    pub(crate) tx_tso_packets: Counter,
    pub(crate) tx_tso_bytes: Counter,
    pub(crate) tx_tso_segments: Counter,
    pub(crate) tx_tso_wire_bytes: Counter,
    /// Packets whose checksum the MAC inserted.
    pub(crate) tx_csum_offload: Counter,
    /// Packets asking for a checksum the MAC cannot place, checksummed by the driver.
    pub(crate) tx_csum_software: Counter,
    /// MAC control frames (ethertype 0x8808) received and consumed by the driver, and the
    /// PAUSE frames among them; the same for frames the stack sent.
    pub(crate) rx_mac_control: Counter,
    pub(crate) rx_pause: Counter,
    pub(crate) tx_mac_control: Counter,
    pub(crate) tx_pause: Counter,
    /// Frames the XDP program dropped, sent back out (`XDP_TX`), redirected, and aborted on
    /// (including an `XDP_TX` or redirect that failed).
    pub(crate) rx_xdp_drop: Counter,
    pub(crate) rx_xdp_tx: Counter,
    pub(crate) rx_xdp_redirect: Counter,
    pub(crate) rx_xdp_aborted: Counter,
    /// Frames other devices redirected here (`ndo_xdp_xmit`), queued on this ring.
    pub(crate) tx_xdp_xmit: Counter,
    /// XDP frames (`XDP_TX` or redirected here) not queued: ring full or mapping failed.
    pub(crate) tx_xdp_full: Counter,
}

impl QueueStats {
    pub(crate) const fn new() -> Self {
        Self {
            rx_packets: Counter::new(),
            rx_bytes: Counter::new(),
            rx_errors: Counter::new(),
            rx_csum_err: Counter::new(),
            rx_alloc_fail: Counter::new(),
            rx_lro_merged: Counter::new(),
            rx_lro_flushed: Counter::new(),
            rx_steered_in: Counter::new(),
            rx_steer_overflow: Counter::new(),
            rx_ntuple_drops: Counter::new(),
            rx_hdr_split: Counter::new(),
            tx_packets: Counter::new(),
            tx_bytes: Counter::new(),
            tx_dropped: Counter::new(),
            tx_restarts: Counter::new(),
            tx_tso_packets: Counter::new(),
            tx_tso_bytes: Counter::new(),
            tx_tso_segments: Counter::new(),
            tx_tso_wire_bytes: Counter::new(),
            tx_csum_offload: Counter::new(),
            tx_csum_software: Counter::new(),
            rx_mac_control: Counter::new(),
            rx_pause: Counter::new(),
            tx_mac_control: Counter::new(),
            tx_pause: Counter::new(),
            rx_xdp_drop: Counter::new(),
            rx_xdp_tx: Counter::new(),
            rx_xdp_redirect: Counter::new(),
            rx_xdp_aborted: Counter::new(),
            tx_xdp_xmit: Counter::new(),
            tx_xdp_full: Counter::new(),
        }
    }
}
