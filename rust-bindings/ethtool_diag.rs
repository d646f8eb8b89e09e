// SPDX-License-Identifier: GPL-2.0

//! The diagnostic and link-level part of the `ethtool_ops` table: message level, register and
//! NVM dumps, self-test, pause, the standard IEEE 802.3 / RMON statistics groups, LED
//! identification and link settings, through [`DiagOps`].

use core::slice;
use kernel::{bindings, ffi::c_int, prelude::*};

use super::{
    ethtool::StatNames,
    netdev::{with_dev, NetDev, NetDevOps},
    sys,
};

/// IEEE 802.3 MAC counters (`ethtool -S --groups eth-mac`). The core sets every field to
/// "not counted" first; a driver writes only the ones its MAC counts.
pub(crate) type EthMacStats = bindings::ethtool_eth_mac_stats__bindgen_ty_1__bindgen_ty_1;
/// IEEE 802.3 MAC control counters (`--groups eth-ctrl`).
pub(crate) type EthCtrlStats = bindings::ethtool_eth_ctrl_stats__bindgen_ty_1__bindgen_ty_1;
/// RMON counters and frame size histograms (`--groups rmon`).
pub(crate) type RmonStats = bindings::ethtool_rmon_stats__bindgen_ty_1__bindgen_ty_1;
/// One bucket of an RMON histogram: frame sizes `low..=high` bytes, FCS included.
pub(crate) type RmonRange = bindings::ethtool_rmon_hist_range;

/// Flow control (`ethtool -a`/`-A`).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pause {
    /// Pause settings come from autonegotiation.
    pub(crate) autoneg: bool,
    /// Honour received PAUSE frames.
    pub(crate) rx: bool,
    /// Send PAUSE frames.
    pub(crate) tx: bool,
}

/// PAUSE frames counted by the MAC (`ethtool -I -a`).
#[derive(Clone, Copy, Default)]
pub(crate) struct PauseStats {
    /// PAUSE frames sent.
    pub(crate) tx: u64,
    /// PAUSE frames received.
    pub(crate) rx: u64,
}

/// A state of `ethtool -p` (identify by blinking an LED).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identify {
    /// Identification starts: save the LED state. Answer with how many on/off cycles per
    /// second the core should drive, or 0 if the MAC blinks by itself.
    Start,
    /// Light the LEDs (the core's cycle).
    On,
    /// Turn the LEDs off (the core's cycle).
    Off,
    /// Identification ends: restore the LED state.
    Stop,
}

/// A link settings request (`ethtool -s`), as the core merged it with the current settings.
#[derive(Clone, Copy)]
pub(crate) struct LinkRequest {
    /// Autonegotiation on (off: a forced speed and duplex).
    pub(crate) autoneg: bool,
    /// Advertised link modes, as [`link_mode`] bits.
    pub(crate) advertising: u32,
}

/// Link modes a [`LinkRequest`] advertises, as bits of [`LinkRequest::advertising`] (the
/// `RXGBE_LINK_MODE_*` values of rxgbe_helpers.c, which also has bits for 10 and 100 Mb/s and
/// one for any other mode; port, autonegotiation and pause bits are left out).
pub(crate) mod link_mode {
    /// 1000BASE-T full duplex.
    pub(crate) const T1000_FULL: u32 = 1 << 4;
}

/// The optional diagnostics and link controls of a driver. Every method defaults to "not
/// supported" (`EOPNOTSUPP`, a zero length or no counters). The core calls them under RTNL.
pub(crate) trait DiagOps {
    /// Message level (`NETIF_MSG_*` bits) gating the driver's log messages.
    fn msg_level(&self) -> u32 {
        0
    }

    /// Sets the message level.
    fn set_msg_level(&self, _level: u32) {}

    /// Length of the register dump in bytes; 0 when there is none.
    fn regs_len(&self, _dev: &NetDev) -> usize {
        0
    }

    /// Fills the register dump (`regs_len / 4` words); returns the layout's version.
    fn regs(&self, _dev: &NetDev, _words: &mut [u32]) -> u32 {
        0
    }

    /// Length of the NVM (EEPROM) in bytes; 0 when it cannot be read.
    fn eeprom_len(&self, _dev: &NetDev) -> usize {
        0
    }

    /// The value `ethtool -e` shows as the dump's magic (identifies the device).
    fn eeprom_magic(&self, _dev: &NetDev) -> u32 {
        0
    }

    /// Reads NVM bytes `offset..offset + buf.len()` (already checked against
    /// [`Self::eeprom_len`] by the core).
    fn read_eeprom(&self, _dev: &NetDev, _offset: usize, _buf: &mut [u8]) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Flow control settings.
    fn pause(&self, _dev: &NetDev) -> Result<Pause> {
        Err(EOPNOTSUPP)
    }

    /// Applies flow control settings; refuse what the MAC cannot do.
    fn set_pause(&self, _dev: &NetDev, _p: Pause) -> Result {
        Err(EOPNOTSUPP)
    }

    /// PAUSE frame counters; `None` when the MAC counts none.
    fn pause_stats(&self, _dev: &NetDev) -> Option<PauseStats> {
        None
    }

    /// Fills the IEEE 802.3 MAC counters the MAC has.
    fn eth_mac_stats(&self, _dev: &NetDev, _s: &mut EthMacStats) {}

    /// Fills the MAC control counters the MAC has.
    fn eth_ctrl_stats(&self, _dev: &NetDev, _s: &mut EthCtrlStats) {}

    /// Fills the RMON counters; returns the histogram buckets (`hist` and `hist_tx` index into
    /// it), ending with an all-zero entry, or an empty slice for no histogram.
    fn rmon_stats(&self, _dev: &NetDev, _s: &mut RmonStats) -> &'static [RmonRange] {
        &[]
    }

    /// Number of self-test results; 0 when there is no self-test.
    fn self_test_count(&self) -> usize {
        0
    }

    /// Writes the self-test result names, in the order of [`Self::self_test`]'s results.
    fn self_test_names(&self, _names: &mut StatNames<'_>) {}

    /// Runs the self-test (the offline tests too if `offline`), writing one result per test
    /// (0 = pass); returns whether any failed. A test not run leaves its result 0.
    fn self_test(&self, _dev: &NetDev, _offline: bool, _results: &mut [u64]) -> bool {
        false
    }

    /// Drives an identification LED state.
    fn identify(&self, _dev: &NetDev, _state: Identify) -> Result<u32> {
        Err(EOPNOTSUPP)
    }

    /// Restarts link autonegotiation (`ethtool -r`).
    fn restart_autoneg(&self, _dev: &NetDev) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Applies link settings; refuse what the MAC cannot do.
    fn set_link(&self, _dev: &NetDev, _req: &LinkRequest) -> Result {
        Err(EOPNOTSUPP)
    }
}

/// Installs the diagnostic callbacks of driver `T` into an `ethtool_ops` table.
pub(crate) const fn install<T: NetDevOps>(ops: &mut bindings::ethtool_ops) {
    ops.get_msglevel = Some(get_msglevel::<T>);
    ops.set_msglevel = Some(set_msglevel::<T>);
    ops.get_regs_len = Some(get_regs_len::<T>);
    ops.get_regs = Some(get_regs::<T>);
    ops.get_eeprom_len = Some(get_eeprom_len::<T>);
    ops.get_eeprom = Some(get_eeprom::<T>);
    ops.get_pauseparam = Some(get_pauseparam::<T>);
    ops.set_pauseparam = Some(set_pauseparam::<T>);
    ops.get_pause_stats = Some(get_pause_stats::<T>);
    ops.get_eth_mac_stats = Some(get_eth_mac_stats::<T>);
    ops.get_eth_ctrl_stats = Some(get_eth_ctrl_stats::<T>);
    ops.get_rmon_stats = Some(get_rmon_stats::<T>);
    ops.self_test = Some(self_test::<T>);
    ops.set_phys_id = Some(set_phys_id::<T>);
    ops.nway_reset = Some(nway_reset::<T>);
    ops.set_link_ksettings = Some(set_link_ksettings::<T>);
    ops.get_ts_info = Some(super::ptp::get_ts_info::<T>);
    ops.get_ts_stats = Some(super::ptp::get_ts_stats::<T>);
}

/// Whether a string set number is `ETH_SS_TEST`.
pub(super) fn is_test_set(sset: u32) -> bool {
    sset == bindings::ethtool_stringset_ETH_SS_TEST
}

/// C entry point `get_msglevel`.
///
/// # Safety
///
/// Only called by the kernel through the table built for `T`, with the arguments that
/// callback documents.
unsafe extern "C" fn get_msglevel<T: NetDevOps>(dev: *mut bindings::net_device) -> u32 {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |_, t| t.msg_level()) }
}

/// C entry point `set_msglevel`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn set_msglevel<T: NetDevOps>(dev: *mut bindings::net_device, level: u32) {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |_, t| t.set_msg_level(level)) }
}

/// C entry point `get_regs_len`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_regs_len<T: NetDevOps>(dev: *mut bindings::net_device) -> c_int {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let len = unsafe { with_dev::<T, _>(dev, |d, t| t.regs_len(d)) };
    c_int::try_from(len).unwrap_or(0)
}

/// C entry point `get_regs`.
///
/// # Safety
///
/// As for [`get_msglevel`]; `p` holds the `regs_len` bytes `get_regs_len` reported.
unsafe extern "C" fn get_regs<T: NetDevOps>(
    dev: *mut bindings::net_device,
    regs: *mut bindings::ethtool_regs,
    p: *mut kernel::ffi::c_void,
) {
    // SAFETY: the core passes its own header for the call.
    let regs = unsafe { &mut *regs };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let len = unsafe { with_dev::<T, _>(dev, |d, t| t.regs_len(d)) };
    // The core allocated `regs.len` bytes, the length it got from `get_regs_len` under RTNL.
    let words = (len.min(regs.len as usize)) / 4;
    if p.is_null() || words == 0 {
        return;
    }
    // SAFETY: `p` is the core's buffer of at least `regs.len` bytes, u32-aligned (kvzalloc),
    // exclusively ours for the call.
    let buf = unsafe { slice::from_raw_parts_mut(p.cast::<u32>(), words) };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    regs.version = unsafe { with_dev::<T, _>(dev, |d, t| t.regs(d, buf)) };
}

/// C entry point `get_eeprom_len`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_eeprom_len<T: NetDevOps>(dev: *mut bindings::net_device) -> c_int {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let len = unsafe { with_dev::<T, _>(dev, |d, t| t.eeprom_len(d)) };
    c_int::try_from(len).unwrap_or(0)
}

/// C entry point `get_eeprom`.
///
/// # Safety
///
/// As for [`get_msglevel`]; `data` holds `eeprom.len` bytes.
unsafe extern "C" fn get_eeprom<T: NetDevOps>(
    dev: *mut bindings::net_device,
    eeprom: *mut bindings::ethtool_eeprom,
    data: *mut u8,
) -> c_int {
    // SAFETY: the core passes its own request for the call.
    let ee = unsafe { &mut *eeprom };
    let (Ok(offset), Ok(len)) = (usize::try_from(ee.offset), usize::try_from(ee.len)) else {
        return EINVAL.to_errno();
    };
    if data.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: the core's buffer of `ee.len` bytes, exclusively ours for the call.
    let buf = unsafe { slice::from_raw_parts_mut(data, len) };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe {
        with_dev::<T, _>(dev, |d, t| {
            ee.magic = t.eeprom_magic(d);
            match t.read_eeprom(d, offset, buf) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        })
    }
}

/// C entry point `get_pauseparam`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_pauseparam<T: NetDevOps>(
    dev: *mut bindings::net_device,
    pause: *mut bindings::ethtool_pauseparam,
) {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let p = unsafe { with_dev::<T, _>(dev, |d, t| t.pause(d)) }.unwrap_or_default();
    // SAFETY: the core passes its own structure for the call.
    let pause = unsafe { &mut *pause };
    pause.autoneg = u32::from(p.autoneg);
    pause.rx_pause = u32::from(p.rx);
    pause.tx_pause = u32::from(p.tx);
}

/// C entry point `set_pauseparam`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn set_pauseparam<T: NetDevOps>(
    dev: *mut bindings::net_device,
    pause: *mut bindings::ethtool_pauseparam,
) -> c_int {
    // SAFETY: the core passes its own structure for the call.
    let pause = unsafe { &*pause };
    let p = Pause {
        autoneg: pause.autoneg != 0,
        rx: pause.rx_pause != 0,
        tx: pause.tx_pause != 0,
    };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.set_pause(d, p)) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `get_pause_stats`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_pause_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_pause_stats,
) {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let Some(p) = (unsafe { with_dev::<T, _>(dev, |d, t| t.pause_stats(d)) }) else {
        return;
    };
    // SAFETY: the core passes its own structure for the call; the counters are plain u64s of
    // the `struct_group` union, both views of which have the same layout.
    unsafe {
        let s = &mut (*stats).__bindgen_anon_1.__bindgen_anon_1;
        s.tx_pause_frames = p.tx;
        s.rx_pause_frames = p.rx;
    }
}

/// C entry point `get_eth_mac_stats`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_eth_mac_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_eth_mac_stats,
) {
    // SAFETY: the core passes its own structure for the call; the counters are plain u64s of
    // the `struct_group` union, both views of which have the same layout.
    let s = unsafe { &mut (*stats).__bindgen_anon_1.__bindgen_anon_1 };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.eth_mac_stats(d, s)) }
}

/// C entry point `get_eth_ctrl_stats`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_eth_ctrl_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_eth_ctrl_stats,
) {
    // SAFETY: as in `get_eth_mac_stats`.
    let s = unsafe { &mut (*stats).__bindgen_anon_1.__bindgen_anon_1 };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.eth_ctrl_stats(d, s)) }
}

/// C entry point `get_rmon_stats`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn get_rmon_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_rmon_stats,
    ranges: *mut *const bindings::ethtool_rmon_hist_range,
) {
    // SAFETY: as in `get_eth_mac_stats`.
    let s = unsafe { &mut (*stats).__bindgen_anon_1.__bindgen_anon_1 };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.rmon_stats(d, s)) };
    // The core walks the ranges up to an all-zero entry: only a terminated table is handed over.
    if !ranges.is_null() && r.last().is_some_and(|e| e.low == 0 && e.high == 0) {
        // SAFETY: `ranges` is the core's out-pointer; the table is 'static.
        unsafe { *ranges = r.as_ptr() };
    }
}

/// C entry point `self_test`.
///
/// # Safety
///
/// As for [`get_msglevel`]; `data` holds `test.len` results (the count the driver reported for
/// `ETH_SS_TEST`).
unsafe extern "C" fn self_test<T: NetDevOps>(
    dev: *mut bindings::net_device,
    test: *mut bindings::ethtool_test,
    data: *mut u64,
) {
    // SAFETY: the core passes its own request for the call.
    let test = unsafe { &mut *test };
    let offline = test.flags & bindings::ethtool_test_flags_ETH_TEST_FL_OFFLINE != 0;
    let Ok(len) = usize::try_from(test.len) else {
        return;
    };
    if data.is_null() || len == 0 {
        return;
    }
    // SAFETY: the core's zeroed buffer of `test.len` results, ours for the call.
    let results = unsafe { slice::from_raw_parts_mut(data, len) };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let failed = unsafe { with_dev::<T, _>(dev, |d, t| t.self_test(d, offline, results)) };
    if failed {
        test.flags |= bindings::ethtool_test_flags_ETH_TEST_FL_FAILED;
    }
}

/// C entry point `set_phys_id`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn set_phys_id<T: NetDevOps>(
    dev: *mut bindings::net_device,
    state: bindings::ethtool_phys_id_state,
) -> c_int {
    let state = match state {
        bindings::ethtool_phys_id_state_ETHTOOL_ID_ACTIVE => Identify::Start,
        bindings::ethtool_phys_id_state_ETHTOOL_ID_ON => Identify::On,
        bindings::ethtool_phys_id_state_ETHTOOL_ID_OFF => Identify::Off,
        _ => Identify::Stop,
    };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.identify(d, state)) } {
        Ok(cycles) => c_int::try_from(cycles).unwrap_or(0),
        Err(e) => e.to_errno(),
    }
}

/// C entry point `nway_reset`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn nway_reset<T: NetDevOps>(dev: *mut bindings::net_device) -> c_int {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.restart_autoneg(d)) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `set_link_ksettings`.
///
/// # Safety
///
/// As for [`get_msglevel`].
unsafe extern "C" fn set_link_ksettings<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ks: *const bindings::ethtool_link_ksettings,
) -> c_int {
    let mut req = sys::rxgbe_link_request::default();
    // SAFETY: `ks` is the core's request, valid for the call.
    unsafe { sys::rxgbe_ksettings_request(ks.cast(), &mut req) };
    let req = LinkRequest {
        autoneg: req.autoneg,
        advertising: req.advertising,
    };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.set_link(d, &req)) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
