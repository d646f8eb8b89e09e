// SPDX-License-Identifier: GPL-2.0

//! The MAC's own statistics counters for `ethtool -S`.
//!
//! The registers clear when read, so every read is added to a running total; the totals are
//! what `ethtool -S` shows. Both MACs have these counters at the same offsets of the statistics
//! block (82576 datasheet 8.19, 8254x manual 13.7).

use kernel::{io::register::Array, io::Io, new_mutex, prelude::*, sync::Mutex};

use crate::hal::{regs::STAT, regs_diag::stat::*, Hw};

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

/// The counters, in `ethtool -S` order. The first thirteen are the original set; later ones
/// are only ever appended, so names and positions stay stable (docs/ethtool.md lists them).
const COUNTERS: [Counter; 45] = [
    reg("mac_rx_good_packets", GPRC),
    reg64("mac_rx_good_bytes", GORCL),
    reg("mac_rx_broadcast", BPRC),
    reg("mac_rx_multicast", MPRC),
    reg("mac_tx_good_packets", GPTC),
    reg64("mac_tx_good_bytes", GOTCL),
    reg("mac_rx_missed", MPC),
    reg("mac_rx_no_buffer", RNBC),
    reg("mac_rx_crc_errors", CRCERRS),
    reg("mac_rx_undersize", RUC),
    reg("mac_rx_oversize", ROC),
    reg("mac_rx_total_packets", TPR),
    reg("mac_tx_total_packets", TPT),
    reg("mac_rx_alignment_errors", ALGNERRC),
    reg("mac_rx_symbol_errors", SYMERRS),
    reg("mac_rx_errors", RXERRC),
    reg("mac_rx_length_errors", RLEC),
    reg("mac_rx_fragments", RFC),
    reg("mac_rx_jabbers", RJC),
    reg("mac_tx_collisions", COLC),
    reg("mac_tx_single_collisions", SCC),
    reg("mac_tx_multi_collisions", MCC),
    reg("mac_tx_late_collisions", LATECOL),
    reg("mac_tx_excessive_collisions", ECOL),
    reg("mac_tx_deferred", DC),
    reg("mac_tx_no_carrier", TNCRS),
    reg("mac_rx_xon", XONRXC),
    reg("mac_rx_xoff", XOFFRXC),
    reg("mac_tx_xon", XONTXC),
    reg("mac_tx_xoff", XOFFTXC),
    reg("mac_rx_fc_unsupported", FCRUC),
    reg("mac_rx_size_64", PRC64),
    reg("mac_rx_size_65_127", PRC127),
    reg("mac_rx_size_128_255", PRC255),
    reg("mac_rx_size_256_511", PRC511),
    reg("mac_rx_size_512_1023", PRC1023),
    reg("mac_rx_size_1024_max", PRC1522),
    reg("mac_tx_size_64", PTC64),
    reg("mac_tx_size_65_127", PTC127),
    reg("mac_tx_size_128_255", PTC255),
    reg("mac_tx_size_256_511", PTC511),
    reg("mac_tx_size_512_1023", PTC1023),
    reg("mac_tx_size_1024_max", PTC1522),
    reg("mac_tx_multicast", MPTC),
    reg("mac_tx_broadcast", BPTC),
];

/// Number of MAC counters reported.
pub(crate) const COUNT: usize = COUNTERS.len();

/// The running totals at one moment, looked up by counter register.
pub(crate) struct Totals([u64; COUNT]);

impl Totals {
    /// The total of the counter at register `offset` (0 for a register not in the set).
    pub(crate) fn get(&self, offset: usize) -> u64 {
        COUNTERS
            .iter()
            .zip(self.0.iter())
            .find(|(c, _)| c.offset == offset)
            .map_or(0, |(_, t)| *t)
    }

    /// The sum of the totals at `offsets`.
    pub(crate) fn sum(&self, offsets: &[usize]) -> u64 {
        offsets.iter().map(|o| self.get(*o)).sum()
    }
}

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

    /// Adds what the MAC counted since the last call and returns the totals. Also called
    /// before a reset, which clears the registers.
    pub(crate) fn update(&self, hw: &Hw<'_>) -> Totals {
        let mut totals = self.totals.lock();
        for (c, total) in COUNTERS.iter().zip(totals.iter_mut()) {
            let lo = read_stat(hw, c.offset);
            let hi = c.high.map_or(0, |h| read_stat(hw, h));
            *total = total.wrapping_add(u64::from(lo) | (u64::from(hi) << 32));
        }
        Totals(*totals)
    }

    /// Adds what the MAC counted since the last call and copies the totals into `out`.
    pub(crate) fn read(&self, hw: &Hw<'_>, out: &mut [u64]) {
        let totals = self.update(hw);
        for (o, t) in out.iter_mut().zip(totals.0.iter()) {
            *o = *t;
        }
    }
}

fn read_stat(hw: &Hw<'_>, offset: usize) -> u32 {
    // An offset below the block wraps to an index past its end, which `try_at` refuses.
    STAT::try_at(offset.wrapping_sub(0x4000) / 4).map_or(0, |loc| hw.bar.read(loc).count().get())
}
