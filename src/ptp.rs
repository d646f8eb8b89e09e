// SPDX-License-Identifier: GPL-2.0

//! Hardware timestamping and the PTP hardware clock of the 82576, for the stack and ethtool
//! (see docs/ARCHITECTURE.md "Hardware timestamping"). The register work is in hal/ptp.rs; a
//! MAC without the clock (the 82540EM) keeps [`TimestampOps`]' defaults: software timestamps
//! only, hardware requests answered "not supported".

use core::sync::atomic::Ordering;
use kernel::prelude::*;

use crate::adapter::Adapter;
use crate::logic::clock::RX_FILTERS;
use crate::net::{
    netdev::NetDev,
    ptp::{SysTimestamps, TimestampOps, TstampCaps, TstampConfig, TstampStats, TX_OFF, TX_ON},
};

/// How often the clock's upkeep runs (hal/ptp.rs `ptp_service`): a receive latch that no frame
/// claims is freed after one to two periods.
const SERVICE_MS: u32 = 2000;

/// `ethtool -S` names of [`Adapter::ptp_counters`], after the accelerated RFS counters on a MAC
/// with a PTP clock.
pub(crate) const COUNTER_NAMES: [&str; 5] = [
    "ptp-tx-stamped",
    "ptp-tx-lost",
    "ptp-tx-skipped",
    "ptp-rx-stamped",
    "ptp-rx-cleared",
];

impl Adapter<'_> {
    /// The timestamping counters, in [`COUNTER_NAMES`] order; `None` without a PTP clock.
    pub(crate) fn ptp_counters(&self) -> Option<[u64; COUNTER_NAMES.len()]> {
        let c = &self.hw.ts.as_ref()?.counters;
        Some(
            [
                &c.tx_stamped,
                &c.tx_lost,
                &c.tx_skipped,
                &c.rx_stamped,
                &c.rx_cleared,
            ]
            .map(|a| a.load(Ordering::Relaxed)),
        )
    }
}

impl TimestampOps for Adapter<'_> {
    fn tstamp_caps(&self) -> Option<TstampCaps> {
        self.hw.ts.as_ref()?;
        Some(TstampCaps {
            tx_types: 1 << TX_OFF | 1 << TX_ON,
            rx_filters: RX_FILTERS,
        })
    }

    fn tstamp_get(&self, _dev: &NetDev) -> Result<TstampConfig> {
        let (tx, rx_filter) = self.hw.ts.as_ref().ok_or(EOPNOTSUPP)?.config();
        Ok(TstampConfig {
            tx_type: if tx { TX_ON } else { TX_OFF },
            rx_filter,
        })
    }

    fn tstamp_set(&self, _dev: &NetDev, cfg: TstampConfig) -> Result {
        self.hw.ts.as_ref().ok_or(EOPNOTSUPP)?;
        let tx = match cfg.tx_type {
            TX_OFF => false,
            TX_ON => true,
            _ => return Err(ERANGE),
        };
        // An unoffered receive filter is ERANGE there.
        self.hw.ptp_configure(tx, cfg.rx_filter)
    }

    fn tstamp_stats(&self) -> TstampStats {
        let Some(ts) = self.hw.ts.as_ref() else {
            return TstampStats::default();
        };
        let c = &ts.counters;
        TstampStats {
            pkts: c.tx_stamped.load(Ordering::Relaxed),
            lost: c.tx_lost.load(Ordering::Relaxed),
            err: c.tx_skipped.load(Ordering::Relaxed),
        }
    }

    fn clock_gettime(&self, sts: &SysTimestamps) -> u64 {
        self.hw.ptp_time(|| sts.pre(), || sts.post())
    }

    fn clock_settime(&self, ns: u64) {
        self.hw.ptp_set(ns);
    }

    fn clock_step(&self, delta: i64) -> Result {
        self.hw.ptp_step(delta);
        Ok(())
    }

    fn clock_set_rate(&self, scaled_ppm: i64) -> Result {
        self.hw.ptp_set_rate(scaled_ppm)
    }

    fn clock_service(&self) -> u32 {
        self.hw.ptp_service();
        SERVICE_MS
    }
}
