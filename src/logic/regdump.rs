// SPDX-License-Identifier: GPL-2.0

//! Layout of the `ethtool -d` register dump (version 1, documented in docs/ethtool.md).
//!
//! The dump is a sequence of 32-bit register values: first [`COMMON`] in order, then for each
//! queue the MAC has, its [`RX_QUEUE`] and then its [`TX_QUEUE`] registers. Registers that
//! clear when read (interrupt causes, statistics) are left out, so taking a dump changes
//! nothing.

/// Layout version, in bits 31:16 of the dump's version word (bits 15:0 name the MAC: 0x0540
/// for the 82540EM, 0x0576 for the 82576).
pub(crate) const VERSION: u32 = 1;

/// Device-wide registers: (name, offset).
pub(crate) const COMMON: [(&str, usize); 29] = [
    ("CTRL", 0x0000),
    ("STATUS", 0x0008),
    ("EECD", 0x0010),
    ("CTRL_EXT", 0x0018),
    ("MDIC", 0x0020),
    ("FCAL", 0x0028),
    ("FCAH", 0x002C),
    ("FCT", 0x0030),
    ("VET", 0x0038),
    ("ITR", 0x00C4),
    ("IMS", 0x00D0),
    ("RCTL", 0x0100),
    ("FCTTV", 0x0170),
    ("TCTL", 0x0400),
    ("TIPG", 0x0410),
    ("LEDCTL", 0x0E00),
    ("PBA", 0x1000),
    ("GPIE", 0x1514),
    ("EIMS", 0x1524),
    ("EIAC", 0x152C),
    ("IVAR_MISC", 0x1740),
    ("FCRTL", 0x2160),
    ("FCRTH", 0x2168),
    ("RXCSUM", 0x5000),
    ("RLPML", 0x5004),
    ("MRQC", 0x5818),
    ("RAL0", 0x5400),
    ("RAH0", 0x5404),
    ("VFTA0", 0x5600),
];

/// A receive queue's registers: (name, offset in the queue's block).
pub(crate) const RX_QUEUE: [(&str, usize); 7] = [
    ("RDBAL", 0x00),
    ("RDBAH", 0x04),
    ("RDLEN", 0x08),
    ("SRRCTL", 0x0C),
    ("RDH", 0x10),
    ("RDT", 0x18),
    ("RXDCTL", 0x28),
];

/// A transmit queue's registers: (name, offset in the queue's block).
pub(crate) const TX_QUEUE: [(&str, usize); 6] = [
    ("TDBAL", 0x00),
    ("TDBAH", 0x04),
    ("TDLEN", 0x08),
    ("TDH", 0x10),
    ("TDT", 0x18),
    ("TXDCTL", 0x28),
];

/// Where a MAC's queue register blocks are.
#[derive(Clone, Copy)]
pub(crate) struct QueueBlocks {
    /// Offset of receive queue 0's block.
    pub(crate) rx_base: usize,
    /// Offset of transmit queue 0's block.
    pub(crate) tx_base: usize,
    /// Distance between two queues' blocks.
    pub(crate) stride: usize,
    /// Number of queues.
    pub(crate) queues: usize,
}

/// Number of 32-bit words in the dump of a MAC with `blocks`.
pub(crate) const fn words(blocks: QueueBlocks) -> usize {
    COMMON.len() + blocks.queues * (RX_QUEUE.len() + TX_QUEUE.len())
}

/// The register offset of dump word `i`, or `None` past the end.
pub(crate) fn offset(blocks: QueueBlocks, i: usize) -> Option<usize> {
    if let Some((_, off)) = COMMON.get(i) {
        return Some(*off);
    }
    let per_queue = RX_QUEUE.len() + TX_QUEUE.len();
    let rest = i - COMMON.len();
    let q = rest / per_queue;
    if q >= blocks.queues {
        return None;
    }
    let j = rest % per_queue;
    match RX_QUEUE.get(j) {
        Some((_, off)) => Some(blocks.rx_base + q * blocks.stride + off),
        None => TX_QUEUE
            .get(j - RX_QUEUE.len())
            .map(|(_, off)| blocks.tx_base + q * blocks.stride + off),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E82576: QueueBlocks = QueueBlocks {
        rx_base: 0xC000,
        tx_base: 0xE000,
        stride: 0x40,
        queues: 16,
    };

    #[test]
    fn every_word_has_a_distinct_offset() {
        let n = words(E82576);
        assert_eq!(n, 29 + 16 * 13);
        let mut seen = std::vec::Vec::new();
        for i in 0..n {
            let off = offset(E82576, i).unwrap();
            assert_eq!(off % 4, 0);
            assert!(!seen.contains(&off), "offset {off:#x} twice");
            seen.push(off);
        }
        assert_eq!(offset(E82576, n), None);
    }

    #[test]
    fn queue_blocks_follow_the_stride() {
        // Queue 1's RDT: after the common block and queue 0's 13 words, the 6th RX register.
        assert_eq!(offset(E82576, 29 + 13 + 5), Some(0xC000 + 0x40 + 0x18));
        assert_eq!(offset(E82576, 29 + 7), Some(0xE000));
    }

    #[test]
    fn no_register_that_clears_when_read() {
        for i in 0..words(E82576) {
            let off = offset(E82576, i).unwrap();
            // ICR, EICR and the statistics block clear when read.
            assert!(off != 0x00C0 && off != 0x1580, "{off:#x}");
            assert!(!(0x4000..0x4100).contains(&off), "{off:#x}");
        }
    }
}
