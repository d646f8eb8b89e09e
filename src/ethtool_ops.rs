// SPDX-License-Identifier: GPL-2.0

//! rxgbe's `ethtool` settings and statistics and its per-queue netdev statistics.
//!
//! For now the driver runs one fixed queue pair with fixed rings and no RSS, so channels and
//! rings are reported but not changeable, and RSS, hash fields and coalescing keep the
//! trait defaults ("not supported"). Statistics come from the per-queue counters of
//! [`QueueStats`].

use kernel::prelude::*;

use crate::adapter::Adapter;
use crate::net::{
    ethtool::{Channels, EthtoolOps, RingParams, StatNames},
    netdev::NetDev,
    qstats::{QueueStatsOps, QueueStatsRx, QueueStatsTx},
};
use crate::stats::QueueStats;

/// Largest ring offered: the limit the C igb and e1000 drivers use for these MACs.
const MAX_RING: u32 = 4096;
/// Ring size in use: the adapter builds every ring with this many descriptors.
const RING: u32 = 256;

/// One per-queue `ethtool -S` counter, shown as `<dir>-<queue>-<name>`.
struct QueueCounter {
    dir: &'static str,
    name: &'static str,
    get: fn(&QueueStats) -> u64,
}

impl QueueCounter {
    const fn new(dir: &'static str, name: &'static str, get: fn(&QueueStats) -> u64) -> Self {
        Self { dir, name, get }
    }
}

/// The per-queue `ethtool -S` counters, in output order.
const QUEUE_COUNTERS: [QueueCounter; 6] = [
    QueueCounter::new("rx", "packets", |s| s.rx_packets.get()),
    QueueCounter::new("rx", "bytes", |s| s.rx_bytes.get()),
    QueueCounter::new("rx", "alloc-fail", |s| s.rx_alloc_fail.get()),
    QueueCounter::new("tx", "packets", |s| s.tx_packets.get()),
    QueueCounter::new("tx", "bytes", |s| s.tx_bytes.get()),
    QueueCounter::new("tx", "dropped", |s| s.tx_dropped.get()),
];

impl EthtoolOps for Adapter<'_> {
    fn channels(&self, _dev: &NetDev) -> Result<Channels> {
        // One queue pair until multi-queue arrives with RSS.
        Ok(Channels {
            max_combined: 1,
            combined: 1,
        })
    }

    fn set_channels(&self, _dev: &NetDev, combined: u32) -> Result {
        if combined == 1 {
            Ok(())
        } else {
            Err(EOPNOTSUPP)
        }
    }

    fn ring_params(&self, _dev: &NetDev) -> Result<RingParams> {
        Ok(RingParams {
            rx_max: MAX_RING,
            tx_max: MAX_RING,
            rx: RING,
            tx: RING,
        })
    }

    fn stats_count(&self, _dev: &NetDev) -> usize {
        self.queue_stats()
            .len()
            .saturating_mul(QUEUE_COUNTERS.len())
    }

    fn stats_names(&self, _dev: &NetDev, names: &mut StatNames<'_>) {
        for q in 0..self.queue_stats().len() {
            for c in QUEUE_COUNTERS.iter() {
                names.push(format_args!("{}-{q}-{}", c.dir, c.name));
            }
        }
    }

    fn stats_values(&self, _dev: &NetDev, values: &mut [u64]) {
        let all = self
            .queue_stats()
            .iter()
            .flat_map(|s| QUEUE_COUNTERS.iter().map(move |c| (c.get)(s)));
        for (v, x) in values.iter_mut().zip(all) {
            *v = x;
        }
    }
}

/// The receive counters rxgbe collects per queue.
fn rx_stats(s: &QueueStats) -> QueueStatsRx {
    QueueStatsRx {
        packets: Some(s.rx_packets.get()),
        bytes: Some(s.rx_bytes.get()),
        alloc_fail: Some(s.rx_alloc_fail.get()),
        csum_bad: Some(s.rx_csum_err.get()),
        ..QueueStatsRx::default()
    }
}

/// The transmit counters rxgbe collects per queue. Stops are not counted (byte queue limits
/// stop queues too, outside the driver), wakes by the completion path are.
fn tx_stats(s: &QueueStats) -> QueueStatsTx {
    QueueStatsTx {
        packets: Some(s.tx_packets.get()),
        bytes: Some(s.tx_bytes.get()),
        wake: Some(s.tx_restarts.get()),
        ..QueueStatsTx::default()
    }
}

impl QueueStatsOps for Adapter<'_> {
    fn queue_stats_rx(&self, _dev: &NetDev, idx: usize) -> QueueStatsRx {
        self.queue_stats()
            .get(idx)
            .map(|s| rx_stats(s))
            .unwrap_or_default()
    }

    fn queue_stats_tx(&self, _dev: &NetDev, idx: usize) -> QueueStatsTx {
        self.queue_stats()
            .get(idx)
            .map(|s| tx_stats(s))
            .unwrap_or_default()
    }

    fn base_stats(&self, _dev: &NetDev) -> (QueueStatsRx, QueueStatsTx) {
        // Queue counters live as long as the adapter and every queue is always active, so the
        // queues hold the whole history: the base is zero for exactly the counters they report.
        let zero = QueueStats::new();
        (rx_stats(&zero), tx_stats(&zero))
    }
}
