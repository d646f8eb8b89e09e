// SPDX-License-Identifier: GPL-2.0

//! Intel 82576 (QEMU `igb`): advanced descriptors, per-queue enables, MSI-X through IVAR.

use kernel::io::{
    register::{Array, RegisterArray, WithBase},
    Io,
};
use kernel::prelude::*;

use super::{
    diag::{read_nvm, Loopback},
    queues::Layout,
    regs::*,
    regs_diag::{EECD, EERD_82576},
    Bar0, IrqMode, Mac,
};
use crate::logic::{desc, itr, ring::HEADER_BUF_LEN, rss};
use crate::rss::RssConfig;

/// The 82576 MAC.
pub(crate) struct E82576;

/// Standard frame without VLAN tag, above which long-packet reception must be enabled.
const STD_FRAME: u32 = 1518;
const VLAN_TAG: u32 = 4;
/// Frame check sequence.
const FCS_LEN: u32 = 4;

impl Mac for E82576 {
    fn name(&self) -> &'static str {
        "82576"
    }

    fn desc_format(&self) -> desc::Format {
        desc::Format::Advanced
    }

    fn max_frame(&self) -> u32 {
        9216
    }

    fn has_tso6(&self) -> bool {
        true
    }

    fn has_ptp(&self) -> bool {
        true
    }

    fn rx_frame_bound(&self, max_frame: u32) -> Option<u32> {
        // RLPML (set_rx_buffers) drops longer frames; counted with the FCS in case the MAC
        // compares the length without it.
        Some(max_frame + VLAN_TAG + FCS_LEN)
    }

    fn has_rx_csum(&self) -> bool {
        true
    }

    fn has_msix(&self) -> bool {
        true
    }

    fn max_queues(&self) -> usize {
        // Eight queue vectors plus "other" fit the 10 MSI-X vectors; IVAR byte pairs 0/1 cover
        // queues 0-7.
        8
    }

    fn has_header_split(&self) -> bool {
        true
    }

    fn queue_layout(&self) -> Layout {
        Layout::E82576
    }

    fn init(&self, bar: &Bar0<'_>) {
        // Back to non-MSI-X routing until interrupts are set up at open.
        bar.write_reg(GPIE::zeroed());
        // Verify IPv4 header and TCP/UDP checksums on receive; whether the verdict is used is the
        // RXCSUM feature's business, in the receive path.
        bar.write_reg(RXCSUM::zeroed().with_ipofld(true).with_tuofld(true));
    }

    fn set_rx_buffers(
        &self,
        bar: &Bar0<'_>,
        rctl: RCTL,
        q: usize,
        buf_len: u32,
        max_frame: u32,
        split: bool,
    ) -> RCTL {
        if let Some(loc) = SRRCTL::of::<Queues82576>().try_at(q) {
            let kb = u8::try_from(buf_len / 1024).unwrap_or(2);
            let v = SRRCTL::zeroed().with_drop_en(true);
            let v = if split {
                // Fixed sizes the field always holds: 256 / 64 = 4.
                v.with_const_desctype::<2>()
                    .with_const_bsizehdr::<{ HEADER_BUF_LEN / 64 }>()
            } else {
                v.with_const_desctype::<1>()
            };
            bar.write(
                loc,
                v.try_with_bsizepkt(kb)
                    .unwrap_or(v.with_const_bsizepkt::<2>()),
            );
        }
        if split && q == 0 {
            // Split after the last header the MAC recognises.
            bar.write_reg(
                PSRTYPE::zeroed()
                    .with_l2(true)
                    .with_ipv4(true)
                    .with_ipv6(true)
                    .with_tcp(true)
                    .with_udp(true),
            );
        }
        let limit = RLPML::zeroed()
            .try_with_len(max_frame + VLAN_TAG)
            .unwrap_or(RLPML::zeroed());
        bar.write_reg(limit);
        rctl.with_lpe(max_frame > STD_FRAME)
    }

    fn enable_rx_queue(&self, bar: &Bar0<'_>, q: usize, on: bool) {
        if let Some(loc) = RXDCTL::of::<Queues82576>().try_at(q) {
            bar.update(loc, |r| r.with_enable(on));
        }
    }

    fn enable_tx_queue(&self, bar: &Bar0<'_>, q: usize, on: bool) {
        if let Some(loc) = TXDCTL::of::<Queues82576>().try_at(q) {
            bar.update(loc, |r| r.with_enable(on));
        }
    }

    fn route_queue_irq(&self, bar: &Bar0<'_>, q: usize, vector: u32) {
        let Ok(v) = u8::try_from(vector) else {
            return;
        };
        let ivar = IVAR::zeroed().with_rx_valid(true).with_tx_valid(true);
        if let (Some(loc), Ok(ivar)) = (
            IVAR::try_at(q),
            ivar.try_with_rx_vector(v)
                .and_then(|i| i.try_with_tx_vector(v)),
        ) {
            bar.write(loc, ivar);
        }
    }

    fn enable_msix(&self, bar: &Bar0<'_>, other: u32) {
        let Ok(o) = u8::try_from(other) else {
            return;
        };
        if let Ok(misc) = IVAR_MISC::zeroed().with_valid(true).try_with_vector(o) {
            bar.write_reg(misc);
        }
        bar.write_reg(
            GPIE::zeroed()
                .with_msix_mode(true)
                .with_pba(true)
                .with_eiame(true)
                .with_nsicr(true),
        );
    }

    fn has_rss(&self) -> bool {
        true
    }

    fn program_rss(&self, bar: &Bar0<'_>, rss: &RssConfig, on: bool) {
        for i in 0..RSSRK::SIZE {
            if let (Some(loc), Some(v)) = (RSSRK::try_at(i), rss::key_register(&rss.key, i)) {
                bar.write(loc, RSSRK::zeroed().with_bytes(v));
            }
        }
        for i in 0..RETA::SIZE {
            if let (Some(loc), Some(v)) = (RETA::try_at(i), rss::reta_register(&rss.reta, i)) {
                bar.write(loc, RETA::zeroed().with_entries(v));
            }
        }
        // The hash shares the descriptor word with the packet checksum, which the stack does
        // not need (TCP/UDP verdicts stay in the status bits); QEMU hashes only with PCSD set.
        bar.update(RXCSUM, |r| r.with_pcsd(true));
        let fields = u8::try_from(rss.fields.mrqc_bits() >> 16).unwrap_or(0);
        let mrqc = match MRQC::zeroed().try_with_fields(fields) {
            Ok(m) if on => m.with_const_mode::<2>(),
            _ => MRQC::zeroed(),
        };
        bar.write_reg(mrqc);
    }

    fn set_throttle(&self, bar: &Bar0<'_>, _mode: IrqMode, vector: u32, usecs: u32) {
        if let Some(loc) = usize::try_from(vector).ok().and_then(EITR::try_at) {
            let field = itr::eitr_interval(usecs) >> itr::EITR_INTERVAL_SHIFT;
            if let Ok(v) = EITR::zeroed().with_cnt_ignr(true).try_with_interval(field) {
                bar.write(loc, v);
            }
        }
    }

    fn nvm_words(&self, bar: &Bar0<'_>) -> u16 {
        let shift = (bar.read(EECD).size_ex().get() + 6).min(15);
        1 << shift
    }

    fn read_nvm_word(&self, bar: &Bar0<'_>, word: u16) -> Result<u16> {
        read_nvm!(bar, EERD_82576, word)
    }

    fn loopback(&self) -> Loopback {
        Loopback::Mac
    }

    fn fc_high_water(&self) -> u32 {
        // 64 KiB receive packet buffer (RXPBS reset value), less room for two full frames.
        64 * 1024 - 2 * (STD_FRAME + VLAN_TAG)
    }

    fn test_registers(&self) -> &'static [(usize, u32)] {
        &TEST_REGISTERS
    }

    fn dump_id(&self) -> u32 {
        0x0576
    }
}

/// Registers of the register self-test: queue 0's ring registers, the flow control
/// registers, a receive address, the multicast and VLAN tables and the VLAN ethertype.
const TEST_REGISTERS: [(usize, u32); 16] = [
    (0xC000, 0xFFFF_FF80), // RDBAL[0]
    (0xC004, 0xFFFF_FFFF), // RDBAH[0]
    (0xC008, 0x000F_FF80), // RDLEN[0]
    (0xE000, 0xFFFF_FF80), // TDBAL[0]
    (0xE004, 0xFFFF_FFFF), // TDBAH[0]
    (0xE008, 0x000F_FF80), // TDLEN[0]
    (0x0028, 0xFFFF_FFFF), // FCAL
    (0x002C, 0x0000_FFFF), // FCAH
    (0x0030, 0x0000_FFFF), // FCT
    (0x0170, 0x0000_FFFF), // FCTTV
    (0x0038, 0x0000_FFFF), // VET
    (0x5408, 0xFFFF_FFFF), // RAL[1]
    (0x540C, 0x0000_FFFF), // RAH[1], address bits
    (0x5200, 0xFFFF_FFFF), // MTA[0]
    (0x53FC, 0xFFFF_FFFF), // MTA[127]
    (0x5600, 0xFFFF_FFFF), // VFTA[0]
];
