// SPDX-License-Identifier: GPL-2.0

//! The message level (`ethtool -s DEV msglvl`): which kinds of driver log messages are printed.

use core::sync::atomic::{AtomicU32, Ordering};

/// `NETIF_MSG_*` bits (include/linux/netdevice.h) that rxgbe's messages are gated on.
pub(crate) mod msg {
    /// Driver-wide events.
    pub(crate) const DRV: u32 = 0x0001;
    /// Probe-time messages.
    pub(crate) const PROBE: u32 = 0x0002;
    /// Link state changes.
    pub(crate) const LINK: u32 = 0x0004;
    /// Hardware problems (self-test failures).
    pub(crate) const HW: u32 = 0x2000;
}

/// The message level of one device; read from any context.
pub(crate) struct MsgLevel(AtomicU32);

impl Default for MsgLevel {
    /// Driver, probe and link messages, as the Intel drivers default to.
    fn default() -> Self {
        Self(AtomicU32::new(msg::DRV | msg::PROBE | msg::LINK))
    }
}

impl MsgLevel {
    /// The current bits.
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Replaces the bits (every `NETIF_MSG_*` value is accepted, as the core expects).
    pub(crate) fn set(&self, bits: u32) {
        self.0.store(bits, Ordering::Relaxed);
    }

    /// Whether messages of kind `bit` are printed.
    pub(crate) fn on(&self, bit: u32) -> bool {
        self.get() & bit != 0
    }
}
