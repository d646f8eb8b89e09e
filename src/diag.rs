// SPDX-License-Identifier: GPL-2.0

//! rxgbe's diagnostics and link controls through `ethtool`: message level (`-s msglvl`),
//! register dump (`-d`), NVM (`-e`), pause (`-a/-A`), the standard statistics groups
//! (`--show-stats`/`-S --groups`), self-test (`-t`), identify (`-p`), `-r` and `-s`.

use core::sync::atomic::Ordering;
use kernel::prelude::*;

use crate::adapter::Adapter;
use crate::hal::{
    queues::Layout,
    regs::MAX_HW_QUEUES,
    regs_diag::{stat::*, LEDS_OFF, LEDS_ON},
};
use crate::logic::regdump::{self, QueueBlocks};
use crate::net::ethtool::StatNames;
use crate::net::ethtool_diag::{
    link_mode, DiagOps, EthCtrlStats, EthMacStats, Identify, LinkRequest, Pause, PauseStats,
    RmonRange, RmonStats,
};
use crate::net::netdev::NetDev;
use crate::self_test;

/// `ethtool -p` blinks at this many on/off cycles per second (driven by the core).
const IDENTIFY_CYCLES: u32 = 2;

const fn range(low: u16, high: u16) -> RmonRange {
    RmonRange { low, high }
}

/// The size buckets of the 82576's `PRCnnn`/`PTCnnn` counters, FCS included; the last counts
/// every frame from 1024 bytes to the largest the MAC accepts. Ends with the all-zero entry
/// the core stops at.
static RMON_RANGES_82576: [RmonRange; 7] = [
    range(64, 64),
    range(65, 127),
    range(128, 255),
    range(256, 511),
    range(512, 1023),
    range(1024, 9220),
    range(0, 0),
];

/// The 82540EM's buckets: as the 82576's, with its larger longest frame.
static RMON_RANGES_82540: [RmonRange; 7] = [
    range(64, 64),
    range(65, 127),
    range(128, 255),
    range(256, 511),
    range(512, 1023),
    range(1024, 16132),
    range(0, 0),
];

/// MAC control frames the driver consumed and the stack sent, summed over the queues.
#[derive(Default)]
struct ControlFrames {
    rx: u64,
    rx_pause: u64,
    tx: u64,
    tx_pause: u64,
}

impl Adapter<'_> {
    fn control_frames(&self) -> ControlFrames {
        let mut c = ControlFrames::default();
        for s in (0..self.max_queues()).filter_map(|q| self.queue_stats(q)) {
            c.rx += s.rx_mac_control.get();
            c.rx_pause += s.rx_pause.get();
            c.tx += s.tx_mac_control.get();
            c.tx_pause += s.tx_pause.get();
        }
        c
    }

    /// Where the dump finds the MAC's queue registers.
    fn queue_blocks(&self) -> QueueBlocks {
        match self.hw.mac.queue_layout() {
            Layout::Legacy => QueueBlocks {
                rx_base: 0x2800,
                tx_base: 0x3800,
                stride: 0x100,
                queues: 1,
            },
            Layout::E82576 => QueueBlocks {
                rx_base: 0xC000,
                tx_base: 0xE000,
                stride: 0x40,
                queues: MAX_HW_QUEUES,
            },
        }
    }
}

impl DiagOps for Adapter<'_> {
    fn msg_level(&self) -> u32 {
        self.hw.msg.get()
    }

    fn set_msg_level(&self, level: u32) {
        self.hw.msg.set(level);
    }

    fn regs_len(&self, _dev: &NetDev) -> usize {
        regdump::words(self.queue_blocks()) * 4
    }

    fn regs(&self, _dev: &NetDev, words: &mut [u32]) -> u32 {
        let blocks = self.queue_blocks();
        for (i, w) in words.iter_mut().enumerate() {
            *w = regdump::offset(blocks, i).map_or(0, |off| self.hw.raw_read(off));
        }
        (regdump::VERSION << 16) | self.hw.mac.dump_id()
    }

    fn eeprom_len(&self, _dev: &NetDev) -> usize {
        usize::from(self.hw.mac.nvm_words(&self.hw.bar)) * 2
    }

    fn eeprom_magic(&self, _dev: &NetDev) -> u32 {
        let pdev = self.pci_dev();
        u32::from(pdev.vendor_id().as_raw()) | (u32::from(pdev.device_id()) << 16)
    }

    fn read_eeprom(&self, dev: &NetDev, offset: usize, buf: &mut [u8]) -> Result {
        let end = offset.checked_add(buf.len()).ok_or(EINVAL)?;
        if end > self.eeprom_len(dev) {
            return Err(EINVAL);
        }
        let mut word_at = usize::MAX;
        let mut word = [0u8; 2];
        for (i, b) in buf.iter_mut().enumerate() {
            let byte = offset + i;
            if byte / 2 != word_at {
                word_at = byte / 2;
                word = self
                    .hw
                    .read_nvm_word(u16::try_from(word_at)?)?
                    .to_le_bytes();
            }
            *b = word[byte % 2];
        }
        Ok(())
    }

    fn pause(&self, _dev: &NetDev) -> Result<Pause> {
        let (rx, tx) = self.hw.flow.get();
        Ok(Pause {
            autoneg: false,
            rx,
            tx,
        })
    }

    fn set_pause(&self, dev: &NetDev, p: Pause) -> Result {
        // Flow control is set, not negotiated: rxgbe does not resolve the link partner's
        // pause abilities.
        if p.autoneg {
            return Err(EOPNOTSUPP);
        }
        self.hw.set_flow_control(p.rx, p.tx);
        // Receiving PAUSE frames takes their address in the multicast filter.
        self.refresh_rx_filters(dev);
        Ok(())
    }

    /// The MAC's XON/XOFF counters, plus the PAUSE frames the driver saw: QEMU's MACs neither
    /// send nor interpret PAUSE frames, they pass them through (see rx.rs and tx.rs).
    fn pause_stats(&self, _dev: &NetDev) -> Option<PauseStats> {
        let t = self.hw_stats.update(&self.hw);
        let c = self.control_frames();
        Some(PauseStats {
            tx: t.sum(&[XONTXC, XOFFTXC]) + c.tx_pause,
            rx: t.sum(&[XONRXC, XOFFRXC]) + c.rx_pause,
        })
    }

    fn eth_mac_stats(&self, _dev: &NetDev, s: &mut EthMacStats) {
        let t = self.hw_stats.update(&self.hw);
        s.FramesTransmittedOK = t.get(GPTC);
        s.FramesReceivedOK = t.get(GPRC);
        s.SingleCollisionFrames = t.get(SCC);
        s.MultipleCollisionFrames = t.get(MCC);
        s.FrameCheckSequenceErrors = t.get(CRCERRS);
        s.AlignmentErrors = t.get(ALGNERRC);
        s.OctetsTransmittedOK = t.get(GOTCL);
        s.OctetsReceivedOK = t.get(GORCL);
        s.FramesWithDeferredXmissions = t.get(DC);
        s.LateCollisions = t.get(LATECOL);
        s.FramesAbortedDueToXSColls = t.get(ECOL);
        s.CarrierSenseErrors = t.get(TNCRS);
        s.MulticastFramesXmittedOK = t.get(MPTC);
        s.BroadcastFramesXmittedOK = t.get(BPTC);
        s.MulticastFramesReceivedOK = t.get(MPRC);
        s.BroadcastFramesReceivedOK = t.get(BPRC);
        s.FrameTooLongErrors = t.get(ROC);
    }

    /// As [`Self::pause_stats`]: the MAC's flow control counters plus the MAC control
    /// frames the driver consumed or sent.
    fn eth_ctrl_stats(&self, _dev: &NetDev, s: &mut EthCtrlStats) {
        let t = self.hw_stats.update(&self.hw);
        let c = self.control_frames();
        s.MACControlFramesTransmitted = t.sum(&[XONTXC, XOFFTXC]) + c.tx;
        s.MACControlFramesReceived = t.sum(&[XONRXC, XOFFRXC, FCRUC]) + c.rx;
        s.UnsupportedOpcodesReceived = t.get(FCRUC) + c.rx.saturating_sub(c.rx_pause);
    }

    fn rmon_stats(&self, _dev: &NetDev, s: &mut RmonStats) -> &'static [RmonRange] {
        let t = self.hw_stats.update(&self.hw);
        s.undersize_pkts = t.get(RUC);
        s.oversize_pkts = t.get(ROC);
        s.fragments = t.get(RFC);
        s.jabbers = t.get(RJC);
        let rx = [PRC64, PRC127, PRC255, PRC511, PRC1023, PRC1522];
        let tx = [PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522];
        for (h, reg) in s.hist.iter_mut().zip(rx) {
            *h = t.get(reg);
        }
        for (h, reg) in s.hist_tx.iter_mut().zip(tx) {
            *h = t.get(reg);
        }
        match self.hw.mac.queue_layout() {
            Layout::Legacy => &RMON_RANGES_82540,
            Layout::E82576 => &RMON_RANGES_82576,
        }
    }

    fn self_test_count(&self) -> usize {
        self_test::NAMES.len()
    }

    fn self_test_names(&self, names: &mut StatNames<'_>) {
        for n in self_test::NAMES {
            names.push(format_args!("{n}"));
        }
    }

    fn self_test(&self, dev: &NetDev, offline: bool, results: &mut [u64]) -> bool {
        self.run_self_test(dev, offline, results)
    }

    fn identify(&self, _dev: &NetDev, state: Identify) -> Result<u32> {
        match state {
            Identify::Start => {
                self.leds_saved.store(self.hw.leds(), Ordering::Relaxed);
                return Ok(IDENTIFY_CYCLES);
            }
            Identify::On => self.hw.set_leds(LEDS_ON),
            Identify::Off => self.hw.set_leds(LEDS_OFF),
            Identify::Stop => self.hw.set_leds(self.leds_saved.load(Ordering::Relaxed)),
        }
        Ok(0)
    }

    fn restart_autoneg(&self, _dev: &NetDev) -> Result {
        self.hw.start_autoneg()
    }

    fn set_link(&self, _dev: &NetDev, req: &LinkRequest) -> Result {
        // The driver runs the copper link autonegotiated at 1000 Mb/s full duplex, the one
        // mode QEMU's PHYs link at (and 1000BASE-T cannot be forced). Anything else is refused.
        if req.autoneg && req.advertising == link_mode::T1000_FULL {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }
}
