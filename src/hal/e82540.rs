// SPDX-License-Identifier: GPL-2.0

//! Intel 82540EM (QEMU `e1000`): legacy descriptors, one queue, one interrupt line.

use kernel::io::Io;
use kernel::prelude::*;

use super::{
    diag::{read_nvm, Loopback},
    queues::Layout,
    regs::*,
    regs_diag::EERD_8254X,
    Bar0, IrqMode, Mac,
};
use crate::logic::desc;

/// The 82540EM MAC.
pub(crate) struct E82540;

const STD_FRAME: u32 = 1518;
/// The longest frame (FCS included) the MAC takes with long packets off: a standard frame with a
/// VLAN tag. Longer ones it drops.
const STD_VLAN_FRAME: u32 = STD_FRAME + 4;

impl Mac for E82540 {
    fn name(&self) -> &'static str {
        "82540EM"
    }

    fn desc_format(&self) -> desc::Format {
        desc::Format::Legacy
    }

    fn max_frame(&self) -> u32 {
        16128
    }

    fn has_tso6(&self) -> bool {
        // The 8254x segments IPv4 only (the in-tree e1000 offers TSO, not TSO6, on it).
        false
    }

    fn has_rx_csum(&self) -> bool {
        false
    }

    fn rx_frame_bound(&self, max_frame: u32) -> Option<u32> {
        // Long packets off (set_rx_buffers) bound frames; with them on the MAC takes up to 16 KiB.
        (max_frame <= STD_VLAN_FRAME).then_some(STD_VLAN_FRAME)
    }

    fn has_msix(&self) -> bool {
        false
    }

    fn max_queues(&self) -> usize {
        1
    }

    fn queue_layout(&self) -> Layout {
        Layout::Legacy
    }

    fn init(&self, bar: &Bar0<'_>) {
        // Inter-packet gap for copper (8254x manual 13.4.34).
        bar.write_reg(
            TIPG::zeroed()
                .with_const_ipgt::<10>()
                .with_const_ipgr1::<8>()
                .with_const_ipgr2::<6>(),
        );
    }

    fn set_rx_buffers(
        &self,
        _bar: &Bar0<'_>,
        rctl: RCTL,
        _q: usize,
        _buf_len: u32,
        max_frame: u32,
        _split: bool,
    ) -> RCTL {
        // BSIZE 0 without BSEX: 2048-byte buffers; longer frames chain over descriptors.
        rctl.with_const_bsize::<0>()
            .with_bsex(false)
            .with_lpe(max_frame > STD_VLAN_FRAME)
    }

    fn enable_rx_queue(&self, _bar: &Bar0<'_>, _q: usize, _on: bool) {}

    fn enable_tx_queue(&self, _bar: &Bar0<'_>, _q: usize, _on: bool) {}

    fn route_queue_irq(&self, _bar: &Bar0<'_>, _q: usize, _vector: u32) {}

    fn enable_msix(&self, _bar: &Bar0<'_>, _other: u32) {}

    fn set_throttle(&self, bar: &Bar0<'_>, _mode: IrqMode, _vector: u32, usecs: u32) {
        // ITR counts 256 ns units.
        let units = usecs.saturating_mul(1000) / 256;
        if let Ok(v) = ITR::zeroed().try_with_interval(units) {
            bar.write_reg(v);
        }
    }

    fn nvm_words(&self, _bar: &Bar0<'_>) -> u16 {
        // The 82540EM's Microwire EEPROM (a 93C46): 64 words.
        64
    }

    fn read_nvm_word(&self, bar: &Bar0<'_>, word: u16) -> Result<u16> {
        read_nvm!(bar, EERD_8254X, word)
    }

    fn loopback(&self) -> Loopback {
        // The 8254x MAC loops back too, but QEMU implements only the PHY's loopback.
        Loopback::Phy
    }

    fn fc_high_water(&self) -> u32 {
        // 48 KiB receive packet buffer (PBA reset value), less room for two full frames.
        48 * 1024 - 2 * STD_FRAME
    }

    fn test_registers(&self) -> &'static [(usize, u32)] {
        &TEST_REGISTERS
    }

    fn dump_id(&self) -> u32 {
        0x0540
    }
}

/// Registers of the register self-test: the queue's ring registers, a receive address, the
/// multicast and VLAN tables (first and last entries) and the VLAN ethertype.
const TEST_REGISTERS: [(usize, u32); 11] = [
    (0x2800, 0xFFFF_FF80), // RDBAL
    (0x2804, 0xFFFF_FFFF), // RDBAH
    (0x2808, 0x000F_FF80), // RDLEN
    (0x3800, 0xFFFF_FF80), // TDBAL
    (0x3804, 0xFFFF_FFFF), // TDBAH
    (0x3808, 0x000F_FF80), // TDLEN
    (0x5408, 0xFFFF_FFFF), // RAL[1]
    (0x540C, 0x0000_FFFF), // RAH[1], address bits
    (0x5200, 0xFFFF_FFFF), // MTA[0]
    (0x53FC, 0xFFFF_FFFF), // MTA[127]
    (0x5600, 0xFFFF_FFFF), // VFTA[0]
];
