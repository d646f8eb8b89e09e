// SPDX-License-Identifier: GPL-2.0

//! Per-queue statistics of the netdev netlink family (`struct netdev_stat_ops`,
//! `ynl ... --dump qstats-get`).

use core::marker::PhantomData;
use kernel::bindings;

use super::{
    netdev::{with_dev, NetDev, NetDevOps},
    sys,
};

/// Counters of one receive queue (`struct netdev_queue_stats_rx`). `None` is "not collected":
/// the core only reports the counters a driver sets.
#[derive(Clone, Copy, Default)]
pub(crate) struct QueueStatsRx {
    /// Packets received.
    pub(crate) packets: Option<u64>,
    /// Bytes received.
    pub(crate) bytes: Option<u64>,
    /// Buffer or skb allocation failures on the receive path.
    pub(crate) alloc_fail: Option<u64>,
    /// Packets that entered the device but were never handed to the driver.
    pub(crate) hw_drops: Option<u64>,
    /// Packets with a bad checksum, still delivered to the stack.
    pub(crate) csum_bad: Option<u64>,
}

/// Counters of one transmit queue (`struct netdev_queue_stats_tx`). `None` is "not collected".
#[derive(Clone, Copy, Default)]
pub(crate) struct QueueStatsTx {
    /// Packets sent.
    pub(crate) packets: Option<u64>,
    /// Bytes sent.
    pub(crate) bytes: Option<u64>,
    /// Packets the device dropped.
    pub(crate) hw_drops: Option<u64>,
    /// Times the driver stopped the queue because the ring was full.
    pub(crate) stop: Option<u64>,
    /// Times the driver restarted a stopped queue.
    pub(crate) wake: Option<u64>,
    /// Packets whose checksum the device inserted.
    pub(crate) needs_csum: Option<u64>,
    /// Packets the device segmented (super-packets) and their bytes.
    pub(crate) hw_gso_packets: Option<u64>,
    pub(crate) hw_gso_bytes: Option<u64>,
    /// Frames those became on the wire, and their bytes.
    pub(crate) hw_gso_wire_packets: Option<u64>,
    pub(crate) hw_gso_wire_bytes: Option<u64>,
}

/// Per-queue statistics callbacks (`struct netdev_stat_ops`), called under RTNL.
///
/// Every method has a default that collects nothing, which the core reports as no statistics.
pub(crate) trait QueueStatsOps {
    /// Counters of receive queue `idx` (below the stack's active receive queue count).
    fn queue_stats_rx(&self, _dev: &NetDev, _idx: usize) -> QueueStatsRx {
        QueueStatsRx::default()
    }

    /// Counters of transmit queue `idx` (below the stack's active transmit queue count).
    fn queue_stats_tx(&self, _dev: &NetDev, _idx: usize) -> QueueStatsTx {
        QueueStatsTx::default()
    }

    /// What the device totals hold beyond the sum of the active queues (e.g. history of
    /// queues that no longer exist).
    ///
    /// A counter set here, even to zero, declares that the device total of that counter (this
    /// plus the active queues) is complete; counters left `None` get no device total.
    fn base_stats(&self, _dev: &NetDev) -> (QueueStatsRx, QueueStatsTx) {
        (QueueStatsRx::default(), QueueStatsTx::default())
    }
}

/// Stores `v` in a C counter only when the driver collects it: the core pre-fills every
/// counter with all-ones, meaning "not reported".
fn put(dst: &mut u64, v: Option<u64>) {
    if let Some(v) = v {
        *dst = v;
    }
}

/// A Rust counter set and the C struct it fills.
trait FillC {
    type C;
    fn write_to(&self, out: &mut Self::C);
}

impl FillC for QueueStatsRx {
    type C = sys::netdev_queue_stats_rx;
    fn write_to(&self, out: &mut Self::C) {
        put(&mut out.packets, self.packets);
        put(&mut out.bytes, self.bytes);
        put(&mut out.alloc_fail, self.alloc_fail);
        put(&mut out.hw_drops, self.hw_drops);
        put(&mut out.csum_bad, self.csum_bad);
    }
}

impl FillC for QueueStatsTx {
    type C = sys::netdev_queue_stats_tx;
    fn write_to(&self, out: &mut Self::C) {
        put(&mut out.packets, self.packets);
        put(&mut out.bytes, self.bytes);
        put(&mut out.hw_drops, self.hw_drops);
        put(&mut out.stop, self.stop);
        put(&mut out.wake, self.wake);
        put(&mut out.needs_csum, self.needs_csum);
        put(&mut out.hw_gso_packets, self.hw_gso_packets);
        put(&mut out.hw_gso_bytes, self.hw_gso_bytes);
        put(&mut out.hw_gso_wire_packets, self.hw_gso_wire_packets);
        put(&mut out.hw_gso_wire_bytes, self.hw_gso_wire_bytes);
    }
}

/// Builds the `netdev_stat_ops` table for driver `T`.
pub(crate) struct Ops<T>(PhantomData<T>);

impl<T: NetDevOps> Ops<T> {
    /// The table, for `net_device::stat_ops`.
    pub(crate) const TABLE: sys::netdev_stat_ops = sys::netdev_stat_ops {
        get_queue_stats_rx: Some(get_queue_stats_rx::<T>),
        get_queue_stats_tx: Some(get_queue_stats_tx::<T>),
        get_base_stats: Some(get_base_stats::<T>),
    };
}

/// Fills the core's buffer for queue `idx` with what `get` returns for it.
///
/// # Safety
///
/// `dev` must be a live net device created by `Registration<T>` and `out` a valid stats buffer
/// owned by the caller for the call.
unsafe fn fill_queue<T: NetDevOps, S: FillC>(
    dev: *mut bindings::net_device,
    idx: i32,
    out: *mut S::C,
    get: impl FnOnce(&T, &NetDev, usize) -> S,
) {
    let Ok(idx) = usize::try_from(idx) else {
        return;
    };
    // SAFETY: per the function's safety requirement.
    let s = unsafe { with_dev::<T, _>(dev, |d, t| get(t, d, idx)) };
    // SAFETY: per the function's safety requirement.
    s.write_to(unsafe { &mut *out });
}

/// C entry point `get_queue_stats_rx`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_queue_stats_rx<T: NetDevOps>(
    dev: *mut bindings::net_device,
    idx: i32,
    out: *mut sys::netdev_queue_stats_rx,
) {
    // SAFETY: the core calls this on a registered device of this driver with its own buffer.
    unsafe { fill_queue::<T, _>(dev, idx, out, |t, d, i| t.queue_stats_rx(d, i)) }
}

/// C entry point `get_queue_stats_tx`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_queue_stats_tx<T: NetDevOps>(
    dev: *mut bindings::net_device,
    idx: i32,
    out: *mut sys::netdev_queue_stats_tx,
) {
    // SAFETY: the core calls this on a registered device of this driver with its own buffer.
    unsafe { fill_queue::<T, _>(dev, idx, out, |t, d, i| t.queue_stats_tx(d, i)) }
}

/// C entry point `get_base_stats`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_base_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    rx: *mut sys::netdev_queue_stats_rx,
    tx: *mut sys::netdev_queue_stats_tx,
) {
    // SAFETY: the core calls this on a registered device of this driver.
    let (r, t) = unsafe { with_dev::<T, _>(dev, |d, t| t.base_stats(d)) };
    // SAFETY: the core passes two valid, distinct stats buffers it owns for the call.
    let (rx, tx) = unsafe { (&mut *rx, &mut *tx) };
    r.write_to(rx);
    t.write_to(tx);
}
