// SPDX-License-Identifier: GPL-2.0

//! Diagnostic access to the MAC: raw register reads for the register dump and test, the NVM,
//! flow control, the LEDs and loopback.

use core::sync::atomic::{AtomicU8, Ordering};
use kernel::{
    io::{poll::read_poll_timeout, Io},
    prelude::*,
    time::Delta,
};

use super::{regs::*, regs_diag::*, Hw};

/// Reads NVM word `$word` through the MAC's `EERD` layout `$eerd`: start the read, poll for
/// done, take the data.
macro_rules! read_nvm {
    ($bar:expr, $eerd:ident, $word:expr) => {{
        $bar.write_reg($eerd::zeroed().with_start(true).try_with_addr($word)?);
        let done = kernel::io::poll::read_poll_timeout(
            || Ok($bar.read($eerd)),
            |r| r.done(),
            kernel::time::Delta::from_micros(5),
            kernel::time::Delta::from_millis(10),
        )?;
        Ok(done.data().get() as u16)
    }};
}
pub(crate) use read_nvm;

/// How a MAC loops transmitted frames back to its receiver.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loopback {
    /// In the MAC (`RCTL.LBM`).
    Mac,
    /// In the PHY (MII control register loopback bit).
    Phy,
}

/// Flow control thresholds programmed with transmit PAUSE: XOFF above `high` bytes of the
/// receive packet buffer, XON again below `high - XON_GAP`.
const XON_GAP: u32 = 16;
/// PAUSE quanta sent in XOFF frames (the most; XON ends the pause early).
const PAUSE_QUANTA: u32 = 0xFFFF;
/// The PAUSE frame destination 01:80:C2:00:00:01, as `FCAL`/`FCAH` hold it.
const PAUSE_ADDR_LOW: u32 = 0x00C2_8001;
const PAUSE_ADDR_HIGH: u32 = 0x0100;
/// The MAC control ethertype.
const MAC_CONTROL_TYPE: u32 = 0x8808;

/// The flow control the user chose (`ethtool -A`): receive and transmit PAUSE, both on by
/// default as in the Intel drivers. Kept here because every link-up re-applies it.
pub(crate) struct FlowSetting(AtomicU8);

const FLOW_RX: u8 = 1;
const FLOW_TX: u8 = 2;

impl Default for FlowSetting {
    fn default() -> Self {
        Self(AtomicU8::new(FLOW_RX | FLOW_TX))
    }
}

impl FlowSetting {
    /// (receive, transmit) PAUSE.
    pub(crate) fn get(&self) -> (bool, bool) {
        let v = self.0.load(Ordering::Relaxed);
        (v & FLOW_RX != 0, v & FLOW_TX != 0)
    }

    fn set(&self, rx: bool, tx: bool) {
        let v = if rx { FLOW_RX } else { 0 } | if tx { FLOW_TX } else { 0 };
        self.0.store(v, Ordering::Relaxed);
    }
}

impl Hw<'_> {
    /// Reads the 32-bit register at `offset` (0 outside the window).
    pub(crate) fn raw_read(&self, offset: usize) -> u32 {
        self.bar.try_read32(offset).unwrap_or(0)
    }

    /// Writes the 32-bit register at `offset`.
    pub(crate) fn raw_write(&self, offset: usize, value: u32) -> Result {
        self.bar.try_write32(value, offset)
    }

    /// Reads NVM word `word` through `EERD`.
    pub(crate) fn read_nvm_word(&self, word: u16) -> Result<u16> {
        self.mac.read_nvm_word(&self.bar, word)
    }

    /// Sets flow control: honour received PAUSE frames (`rx`), send them when the receive
    /// buffer fills (`tx`).
    pub(crate) fn set_flow_control(&self, rx: bool, tx: bool) {
        self.flow.set(rx, tx);
        self.apply_flow_control();
    }

    /// Programs the flow control setting into the MAC (after a reset or a link change: QEMU's
    /// 82576 turns both directions on whenever autonegotiation completes).
    pub(crate) fn apply_flow_control(&self) {
        let (rx, tx) = self.flow.get();
        self.bar.write_reg(FCAL::zeroed().with_addr(PAUSE_ADDR_LOW));
        if let Ok(r) = FCAH::zeroed().try_with_addr(PAUSE_ADDR_HIGH) {
            self.bar.write_reg(r);
        }
        if let Ok(r) = FCT::zeroed().try_with_ethertype(MAC_CONTROL_TYPE) {
            self.bar.write_reg(r);
        }
        if let Ok(r) = FCTTV::zeroed().try_with_quanta(PAUSE_QUANTA) {
            self.bar.write_reg(r);
        }
        let high = self.mac.fc_high_water();
        let (high, low) = if tx {
            (high / 8, high.saturating_sub(XON_GAP) / 8)
        } else {
            (0, 0)
        };
        if let (Ok(h), Ok(l)) = (
            FCRTH::zeroed().try_with_threshold(high),
            FCRTL::zeroed().try_with_threshold(low),
        ) {
            self.bar.write_reg(h);
            self.bar.write_reg(l.with_xone(tx));
        }
        self.bar.update(CTRL, |c| c.with_rfce(rx).with_tfce(tx));
    }

    /// Accepts broadcast frames or not (`RCTL.BAM`).
    pub(crate) fn set_broadcast(&self, on: bool) {
        self.bar.update(RCTL, |r| r.with_bam(on));
    }

    /// The LED control register.
    pub(crate) fn leds(&self) -> u32 {
        self.bar.read(LEDCTL).leds().get()
    }

    /// Writes the LED control register.
    pub(crate) fn set_leds(&self, value: u32) {
        self.bar.write_reg(LEDCTL::zeroed().with_leds(value));
    }

    /// Raises interrupt causes from software (`ICS`).
    pub(crate) fn raise_causes(&self, causes: u32) {
        self.bar.write_reg(ICS::zeroed().with_causes(causes));
    }

    /// Turns loopback of transmitted frames to the receiver on or off.
    pub(crate) fn set_loopback(&self, on: bool) -> Result {
        use mii::*;
        match self.mac.loopback() {
            Loopback::Mac => {
                self.bar.update(RCTL, |r| {
                    if on {
                        r.with_const_lbm::<1>()
                    } else {
                        r.with_const_lbm::<0>()
                    }
                });
                Ok(())
            }
            Loopback::Phy if on => {
                self.phy_write(BMCR, BMCR_LOOPBACK | BMCR_FULLDPLX | BMCR_SPEED1000)
            }
            Loopback::Phy => self.start_autoneg(),
        }
    }

    /// Waits up to `ms` milliseconds for the link to be up.
    pub(crate) fn wait_link_up(&self, ms: i64) -> bool {
        read_poll_timeout(
            || Ok(self.link()),
            |l| l.up,
            Delta::from_millis(10),
            Delta::from_millis(ms),
        )
        .is_ok()
    }
}
