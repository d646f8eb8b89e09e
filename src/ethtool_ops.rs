// SPDX-License-Identifier: GPL-2.0

//! rxgbe's `ethtool` settings and statistics, and its per-queue netdev statistics.
//!
//! Settings changes go through [`Adapter::reconfigure`] (channels, rings: the rings are
//! rebuilt) or [`Adapter::update_live`] (RSS, moderation: registers only); both validate a copy
//! first, so a refused request changes nothing.

use kernel::prelude::*;

use crate::adapter::Adapter;
use crate::hw_stats::{self, HwStats};
use crate::logic::{itr, ntuple::spec::FlowSpec, ring, rss};
use crate::net::bh::lock_bh;
use crate::net::{
    ethtool::{Channels, Coalesce, EthtoolOps, RingParams, StatNames},
    netdev::NetDev,
    qstats::{QueueStatsOps, QueueStatsRx, QueueStatsTx},
};
use crate::stats::QueueStats;

/// Accelerated RFS counters: flows steered now, flows ever steered, flows expired.
const ARFS_COUNTERS: [&str; 3] = ["arfs-active", "arfs-added", "arfs-expired"];

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
const QUEUE_COUNTERS: [QueueCounter; 25] = [
    QueueCounter::new("rx", "packets", |s| s.rx_packets.get()),
    QueueCounter::new("rx", "bytes", |s| s.rx_bytes.get()),
    QueueCounter::new("rx", "errors", |s| s.rx_errors.get()),
    QueueCounter::new("rx", "csum-errors", |s| s.rx_csum_err.get()),
    QueueCounter::new("rx", "alloc-fail", |s| s.rx_alloc_fail.get()),
    QueueCounter::new("rx", "lro-merged", |s| s.rx_lro_merged.get()),
    QueueCounter::new("rx", "lro-flushed", |s| s.rx_lro_flushed.get()),
    QueueCounter::new("rx", "steered-in", |s| s.rx_steered_in.get()),
    QueueCounter::new("rx", "steer-overflow", |s| s.rx_steer_overflow.get()),
    QueueCounter::new("rx", "ntuple-drops", |s| s.rx_ntuple_drops.get()),
    QueueCounter::new("tx", "packets", |s| s.tx_packets.get()),
    QueueCounter::new("tx", "bytes", |s| s.tx_bytes.get()),
    QueueCounter::new("tx", "dropped", |s| s.tx_dropped.get()),
    QueueCounter::new("tx", "restarts", |s| s.tx_restarts.get()),
    QueueCounter::new("tx", "tso-packets", |s| s.tx_tso_packets.get()),
    QueueCounter::new("tx", "tso-segments", |s| s.tx_tso_segments.get()),
    QueueCounter::new("tx", "csum-offload", |s| s.tx_csum_offload.get()),
    QueueCounter::new("tx", "csum-software", |s| s.tx_csum_software.get()),
    QueueCounter::new("rx", "xdp-drop", |s| s.rx_xdp_drop.get()),
    QueueCounter::new("rx", "xdp-tx", |s| s.rx_xdp_tx.get()),
    QueueCounter::new("rx", "xdp-redirect", |s| s.rx_xdp_redirect.get()),
    QueueCounter::new("rx", "xdp-aborted", |s| s.rx_xdp_aborted.get()),
    QueueCounter::new("tx", "xdp-xmit", |s| s.tx_xdp_xmit.get()),
    QueueCounter::new("tx", "xdp-full", |s| s.tx_xdp_full.get()),
    QueueCounter::new("rx", "hdr-split", |s| s.rx_hdr_split.get()),
];

impl EthtoolOps for Adapter<'_> {
    fn channels(&self, _dev: &NetDev) -> Result<Channels> {
        Ok(Channels {
            max_combined: u32::try_from(self.max_queues())?,
            combined: u32::try_from(self.settings().queues)?,
        })
    }

    fn set_channels(&self, dev: &NetDev, combined: u32) -> Result {
        let n = usize::try_from(combined)?;
        // The core refuses a count below a rule's queue too; the driver does not rely on it.
        if n == 0 || n > self.max_queues() || !self.rules_fit_queues(n) {
            return Err(EINVAL);
        }
        // A table the user set stays (the core refused counts it points past); the default one
        // follows the queue count.
        let respread = !dev.rxfh_configured();
        self.reconfigure(dev, |s| {
            s.queues = n;
            if respread {
                s.rss.reta = rss::default_reta(combined);
            }
            Ok(())
        })
    }

    fn ring_params(&self, _dev: &NetDev) -> Result<RingParams> {
        let s = self.settings();
        Ok(RingParams {
            rx_max: ring::MAX_DESCS,
            tx_max: ring::MAX_DESCS,
            rx: s.rx_ring,
            tx: s.tx_ring,
            header_split: s.header_split,
        })
    }

    fn set_ring_params(&self, dev: &NetDev, rx: u32, tx: u32, header_split: bool) -> Result {
        if !ring::valid_count(rx) || !ring::valid_count(tx) {
            return Err(EINVAL);
        }
        if header_split && !self.hw.mac.has_header_split() {
            return Err(EOPNOTSUPP);
        }
        let turned_on = header_split && !self.settings().header_split;
        self.reconfigure(dev, |s| {
            s.rx_ring = rx;
            s.tx_ring = tx;
            s.header_split = header_split;
            Ok(())
        })?;
        if turned_on {
            // LRO is not offered while headers are split (fix_features).
            dev.update_features();
        }
        Ok(())
    }

    fn rss_key_size(&self, _dev: &NetDev) -> u32 {
        rss::KEY_LEN as u32
    }

    fn rss_indir_size(&self, _dev: &NetDev) -> u32 {
        rss::RETA_LEN as u32
    }

    fn rss(&self, _dev: &NetDev, key: &mut [u8], indir: &mut [u32]) -> Result {
        let s = self.settings();
        for (d, k) in key.iter_mut().zip(s.rss.key.iter()) {
            *d = *k;
        }
        for (d, q) in indir.iter_mut().zip(s.rss.reta.iter()) {
            *d = u32::from(*q);
        }
        Ok(())
    }

    fn set_rss(&self, _dev: &NetDev, key: Option<&[u8]>, indir: Option<&[u32]>) -> Result {
        self.update_live(
            |s| {
                if let Some(k) = key {
                    s.rss.key = k.try_into().map_err(|_| EINVAL)?;
                }
                if let Some(t) = indir {
                    if t.len() != rss::RETA_LEN {
                        return Err(EINVAL);
                    }
                    for (d, q) in s.rss.reta.iter_mut().zip(t) {
                        let q = usize::try_from(*q)?;
                        if q >= s.queues {
                            return Err(EINVAL);
                        }
                        *d = u8::try_from(q)?;
                    }
                }
                Ok(())
            },
            |a, s, _| a.hw.mac.program_rss(&a.hw.bar, &s.rss, true),
        )
    }

    fn rss_fields(&self, _dev: &NetDev, flow_type: u32) -> Result<u32> {
        let bits = self.settings().rss.fields.get(flow_type).ok_or(EINVAL)?;
        Ok(u32::try_from(bits)?)
    }

    fn set_rss_fields(&self, _dev: &NetDev, flow_type: u32, fields: u32) -> Result {
        self.update_live(
            |s| {
                s.rss.fields = s
                    .rss
                    .fields
                    .set(flow_type, u64::from(fields))
                    .ok_or(EINVAL)?;
                Ok(())
            },
            |a, s, _| a.hw.mac.program_rss(&a.hw.bar, &s.rss, true),
        )
    }

    fn coalesce(&self, _dev: &NetDev) -> Result<Coalesce> {
        let s = self.settings();
        Ok(Coalesce {
            rx_usecs: s.rx_usecs,
            tx_usecs: s.tx_usecs,
            adaptive_rx: s.adaptive_rx,
        })
    }

    fn set_coalesce(&self, _dev: &NetDev, c: &Coalesce) -> Result {
        if !itr::valid_usecs(c.rx_usecs) || !itr::valid_usecs(c.tx_usecs) {
            return Err(EINVAL);
        }
        self.update_live(
            |s| {
                s.rx_usecs = c.rx_usecs;
                s.tx_usecs = c.tx_usecs;
                s.adaptive_rx = c.adaptive_rx;
                Ok(())
            },
            |_, s, vectors| {
                for v in vectors {
                    v.data().set_moderation(s.vector_usecs(), s.adaptive_rx);
                }
            },
        )
    }

    fn flow_rule_count(&self, _dev: &NetDev) -> Result<(u32, u32)> {
        Adapter::flow_rule_count(self)
    }

    fn flow_rule(&self, _dev: &NetDev, loc: u32) -> Result<FlowSpec> {
        Adapter::flow_rule(self, loc)
    }

    fn flow_rule_locations(&self, _dev: &NetDev, locs: &mut [u32]) -> Result<(u32, u32)> {
        Adapter::flow_rule_locations(self, locs)
    }

    fn insert_flow_rule(&self, _dev: &NetDev, spec: &FlowSpec, loc: u32) -> Result<u32> {
        Adapter::insert_flow_rule(self, spec, loc)
    }

    fn delete_flow_rule(&self, _dev: &NetDev, loc: u32) -> Result {
        Adapter::delete_flow_rule(self, loc)
    }

    fn stats_count(&self, _dev: &NetDev) -> usize {
        let mut drop_rules = 0usize;
        self.drop_rule_counts(|_, _| drop_rules += 1);
        self.max_queues()
            .saturating_mul(QUEUE_COUNTERS.len())
            .saturating_add(hw_stats::COUNT)
            .saturating_add(ARFS_COUNTERS.len())
            .saturating_add(self.ptp_counters().map_or(0, |c| c.len()))
            .saturating_add(drop_rules)
    }

    fn stats_names(&self, _dev: &NetDev, names: &mut StatNames<'_>) {
        for q in 0..self.max_queues() {
            for c in QUEUE_COUNTERS.iter() {
                names.push(format_args!("{}-{q}-{}", c.dir, c.name));
            }
        }
        for n in HwStats::names() {
            names.push(format_args!("{n}"));
        }
        for n in ARFS_COUNTERS {
            names.push(format_args!("{n}"));
        }
        if self.ptp_counters().is_some() {
            for n in crate::ptp::COUNTER_NAMES {
                names.push(format_args!("{n}"));
            }
        }
        self.drop_rule_counts(|loc, _| names.push(format_args!("rule-{loc}-drops")));
    }

    fn stats_values(&self, _dev: &NetDev, values: &mut [u64]) {
        let per_queue = (0..self.max_queues())
            .filter_map(|q| self.queue_stats(q))
            .flat_map(|s| QUEUE_COUNTERS.iter().map(move |c| (c.get)(s)));
        let mut n = 0;
        for (v, x) in values.iter_mut().zip(per_queue) {
            *v = x;
            n += 1;
        }
        if let Some(rest) = values.get_mut(n..) {
            self.hw_stats.read(&self.hw, rest);
        }
        let mut at = n.saturating_add(hw_stats::COUNT);
        let arfs = {
            let flows = lock_bh(&self.arfs);
            let (added, expired) = flows.totals();
            [flows.active(), added, expired]
        };
        for x in Iterator::chain(arfs.into_iter(), self.ptp_counters().into_iter().flatten()) {
            if let Some(v) = values.get_mut(at) {
                *v = x;
            }
            at += 1;
        }
        self.drop_rule_counts(|_, drops| {
            if let Some(v) = values.get_mut(at) {
                *v = drops;
            }
            at += 1;
        });
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
        needs_csum: Some(s.tx_csum_offload.get()),
        hw_gso_packets: Some(s.tx_tso_packets.get()),
        hw_gso_bytes: Some(s.tx_tso_bytes.get()),
        hw_gso_wire_packets: Some(s.tx_tso_segments.get()),
        hw_gso_wire_bytes: Some(s.tx_tso_wire_bytes.get()),
        ..QueueStatsTx::default()
    }
}

/// Adds `b` into `a` counter by counter.
fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.wrapping_add(b?))
}

impl QueueStatsOps for Adapter<'_> {
    fn queue_stats_rx(&self, _dev: &NetDev, idx: usize) -> QueueStatsRx {
        self.queue_stats(idx).map(rx_stats).unwrap_or_default()
    }

    fn queue_stats_tx(&self, _dev: &NetDev, idx: usize) -> QueueStatsTx {
        self.queue_stats(idx).map(tx_stats).unwrap_or_default()
    }

    fn base_stats(&self, dev: &NetDev) -> (QueueStatsRx, QueueStatsTx) {
        // Counters outlive `ethtool -L`: the base holds those of the queues not active now, so
        // base + active queues = the device totals (stats64 sums every queue).
        let zero = QueueStats::new();
        let (mut rx, mut tx) = (rx_stats(&zero), tx_stats(&zero));
        let active = usize::try_from(dev.real_num_rx_queues()).unwrap_or(0);
        for s in (active..self.max_queues()).filter_map(|q| self.queue_stats(q)) {
            let (r, t) = (rx_stats(s), tx_stats(s));
            rx = QueueStatsRx {
                packets: add(rx.packets, r.packets),
                bytes: add(rx.bytes, r.bytes),
                alloc_fail: add(rx.alloc_fail, r.alloc_fail),
                csum_bad: add(rx.csum_bad, r.csum_bad),
                ..rx
            };
            tx = QueueStatsTx {
                packets: add(tx.packets, t.packets),
                bytes: add(tx.bytes, t.bytes),
                wake: add(tx.wake, t.wake),
                needs_csum: add(tx.needs_csum, t.needs_csum),
                hw_gso_packets: add(tx.hw_gso_packets, t.hw_gso_packets),
                hw_gso_bytes: add(tx.hw_gso_bytes, t.hw_gso_bytes),
                hw_gso_wire_packets: add(tx.hw_gso_wire_packets, t.hw_gso_wire_packets),
                hw_gso_wire_bytes: add(tx.hw_gso_wire_bytes, t.hw_gso_wire_bytes),
                ..tx
            };
        }
        (rx, tx)
    }
}
