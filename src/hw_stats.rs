// SPDX-License-Identifier: GPL-2.0

//! The MAC's own statistics counters for `ethtool -S`.
//!
//! The registers clear when read, so every read is added to a running total; the totals are
//! what `ethtool -S` shows. Both MACs have these counters at the same offsets of the statistics
//! block (82576 datasheet 8.19, 8254x manual 13.7).

use kernel::{io::register::Array, io::Io, new_mutex, prelude::*, sync::Mutex};

use crate::hal::{regs::STAT, Hw};

/// One reported counter: its name and where it is (a second register for the high half of a
/// 64-bit byte count).
struct Counter {
    name: &'static str,
    offset: usize,
    high: Option<usize>,
}

const fn reg(name: &'static str, offset: usize) -> Counter {
    Counter {
        name,
        offset,
        high: None,
    }
}

const fn reg64(name: &'static str, offset: usize) -> Counter {
    Counter {
        name,
        offset,
        high: Some(offset + 4),
    }
}

const COUNTERS: [Counter; 13] = [
    reg("mac_rx_good_packets", 0x4074),
    reg64("mac_rx_good_bytes", 0x4088),
    reg("mac_rx_broadcast", 0x4078),
    reg("mac_rx_multicast", 0x407C),
    reg("mac_tx_good_packets", 0x4080),
    reg64("mac_tx_good_bytes", 0x4090),
    reg("mac_rx_missed", 0x4010),
    reg("mac_rx_no_buffer", 0x40A0),
    reg("mac_rx_crc_errors", 0x4000),
    reg("mac_rx_undersize", 0x40A4),
    reg("mac_rx_oversize", 0x40AC),
    reg("mac_rx_total_packets", 0x40D0),
    reg("mac_tx_total_packets", 0x40D4),
];

/// Number of MAC counters reported.
pub(crate) const COUNT: usize = COUNTERS.len();

/// Running totals of the MAC counters.
#[pin_data]
pub(crate) struct HwStats {
    #[pin]
    totals: Mutex<[u64; COUNT]>,
}

impl HwStats {
    /// Zero totals.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            totals <- new_mutex!([0; COUNT]),
        })
    }

    /// Names of the counters, in the order of [`Self::read`].
    pub(crate) fn names() -> impl Iterator<Item = &'static str> {
        COUNTERS.iter().map(|c| c.name)
    }

    /// Adds what the MAC counted since the last call and copies the totals into `out`.
    pub(crate) fn read(&self, hw: &Hw<'_>, out: &mut [u64]) {
        let mut totals = self.totals.lock();
        for (c, total) in COUNTERS.iter().zip(totals.iter_mut()) {
            let lo = read_stat(hw, c.offset);
            let hi = c.high.map_or(0, |h| read_stat(hw, h));
            *total = total.wrapping_add(u64::from(lo) | (u64::from(hi) << 32));
        }
        for (o, t) in out.iter_mut().zip(totals.iter()) {
            *o = *t;
        }
    }
}

fn read_stat(hw: &Hw<'_>, offset: usize) -> u32 {
    STAT::try_at((offset - 0x4000) / 4).map_or(0, |loc| hw.bar.read(loc).count().get())
}
