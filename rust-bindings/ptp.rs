// SPDX-License-Identifier: GPL-2.0

//! Hardware timestamping: the PTP hardware clock (`/dev/ptpN`), the timestamping setting
//! (`ndo_hwtstamp_get`/`set`, `SIOC[GS]HWTSTAMP` and ethtool's tsconfig), `ethtool -T` and
//! its statistics, through [`TimestampOps`].

use kernel::{bindings, error::to_result, ffi::c_long, prelude::*};

use super::{
    netdev::{errno_of, with_dev, NetDev, NetDevOps, Registration},
    sys,
};

/// `HWTSTAMP_TX_OFF`.
pub(crate) const TX_OFF: u32 = bindings::hwtstamp_tx_types_HWTSTAMP_TX_OFF;
/// `HWTSTAMP_TX_ON`.
pub(crate) const TX_ON: u32 = bindings::hwtstamp_tx_types_HWTSTAMP_TX_ON;

/// A timestamping setting: `HWTSTAMP_TX_*` and `HWTSTAMP_FILTER_*` values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TstampConfig {
    /// Transmit timestamps (`HWTSTAMP_TX_*`).
    pub(crate) tx_type: u32,
    /// Which received frames get timestamps (`HWTSTAMP_FILTER_*`).
    pub(crate) rx_filter: u32,
}

/// What `ethtool -T` reports of a device with hardware timestamps.
pub(crate) struct TstampCaps {
    /// Supported `HWTSTAMP_TX_*` values, as bits.
    pub(crate) tx_types: u32,
    /// Supported `HWTSTAMP_FILTER_*` values, as bits.
    pub(crate) rx_filters: u32,
}

/// Hardware timestamping statistics (`ethtool -I -T`).
#[derive(Default)]
pub(crate) struct TstampStats {
    /// Packets sent with their hardware timestamp.
    pub(crate) pkts: u64,
    /// Timestamp requests the hardware never answered.
    pub(crate) lost: u64,
    /// Timestamp requests refused (the hardware was busy with another).
    pub(crate) err: u64,
}

/// System time samples around a clock read (`struct ptp_system_timestamp`, may be absent).
pub(crate) struct SysTimestamps(*mut sys::ptp_system_timestamp);

impl SysTimestamps {
    /// Samples the system time right before the device time is read.
    pub(crate) fn pre(&self) {
        // SAFETY: null or the core's live sample buffer for this call (the helper checks null).
        unsafe { sys::rxgbe_ptp_sts_pre(self.0) }
    }

    /// Samples the system time right after the device time is read.
    pub(crate) fn post(&self) {
        // SAFETY: as in `pre`.
        unsafe { sys::rxgbe_ptp_sts_post(self.0) }
    }
}

/// The current `CLOCK_REALTIME` time in nanoseconds.
pub(crate) fn realtime_ns() -> u64 {
    // SAFETY: reads the timekeeper; any context.
    unsafe { sys::rxgbe_realtime_ns() }
}

/// Hardware timestamping of a driver. The defaults describe a device without it: software
/// timestamps only, and every hardware request answered "not supported".
pub(crate) trait TimestampOps {
    /// The supported settings, or `None` without hardware timestamps.
    fn tstamp_caps(&self) -> Option<TstampCaps> {
        None
    }
    /// The current setting (`ndo_hwtstamp_get`), under RTNL.
    fn tstamp_get(&self, _dev: &NetDev) -> Result<TstampConfig> {
        Err(EOPNOTSUPP)
    }
    /// Applies a setting (`ndo_hwtstamp_set`), under RTNL: `ERANGE` for values the device does
    /// not offer, leaving the setting unchanged.
    fn tstamp_set(&self, _dev: &NetDev, _cfg: TstampConfig) -> Result {
        Err(EOPNOTSUPP)
    }
    /// Timestamping statistics.
    fn tstamp_stats(&self) -> TstampStats {
        TstampStats::default()
    }
    /// The clock's time in nanoseconds, with `sts` sampled around the device read.
    fn clock_gettime(&self, _sts: &SysTimestamps) -> u64 {
        0
    }
    /// Sets the clock.
    fn clock_settime(&self, _ns: u64) {}
    /// Steps the clock by `delta` nanoseconds.
    fn clock_step(&self, _delta: i64) -> Result {
        Err(EOPNOTSUPP)
    }
    /// Runs the clock `scaled_ppm` (ppm with 16 fractional bits) off its nominal rate.
    fn clock_set_rate(&self, _scaled_ppm: i64) -> Result {
        Err(EOPNOTSUPP)
    }
    /// Periodic clock upkeep, in the clock's worker thread; returns milliseconds until the
    /// next run.
    fn clock_service(&self) -> u32 {
        1000
    }
}

impl<T: NetDevOps> Registration<T> {
    /// Registers the device's PTP hardware clock (`/dev/ptpN`), whose callbacks are `T`'s
    /// [`TimestampOps`] clock methods; adjustments beyond `max_adj_ppb` are refused by the core.
    /// The clock goes before the net device does.
    pub(crate) fn register_clock(&mut self, max_adj_ppb: i32) -> Result {
        // SAFETY: the device is allocated with `T` in its private area (type invariant); the
        // callbacks table is 'static; `Drop` unregisters the clock before `T` goes.
        to_result(unsafe {
            sys::rxgbe_ptp_register(self.netdev().as_raw(), &Clock::<T>::CALLBACKS, max_adj_ppb)
        })
    }
}

/// Unregisters the clock of `dev` if it has one; no clock callback runs afterwards.
///
/// # Safety
///
/// `dev` must be a live net device created by `Registration`.
pub(super) unsafe fn unregister_clock(dev: *mut bindings::net_device) {
    // SAFETY: per the function's safety requirement; the helper ignores a device without one.
    unsafe { sys::rxgbe_ptp_unregister(dev) }
}

struct Clock<T>(core::marker::PhantomData<T>);

impl<T: NetDevOps> Clock<T> {
    const CALLBACKS: sys::rxgbe_ptp_callbacks = sys::rxgbe_ptp_callbacks {
        adjfine: Some(clock_adjfine::<T>),
        adjtime: Some(clock_adjtime::<T>),
        gettimex: Some(clock_gettimex::<T>),
        settime: Some(clock_settime::<T>),
        aux_work: Some(clock_aux_work::<T>),
    };
}

/// C entry point of the clock's `adjfine`.
///
/// # Safety
///
/// Only called by the helper for a clock registered by `Registration<T>::register_clock`.
unsafe extern "C" fn clock_adjfine<T: NetDevOps>(
    dev: *mut bindings::net_device,
    scaled_ppm: c_long,
) -> i32 {
    // SAFETY: the clock is unregistered before the device and its `T` go.
    errno_of(unsafe { with_dev::<T, _>(dev, |_, t| t.clock_set_rate(scaled_ppm as i64)) })
}

/// C entry point of the clock's `adjtime`.
///
/// # Safety
///
/// As for [`clock_adjfine`].
unsafe extern "C" fn clock_adjtime<T: NetDevOps>(
    dev: *mut bindings::net_device,
    delta: i64,
) -> i32 {
    // SAFETY: as in `clock_adjfine`.
    errno_of(unsafe { with_dev::<T, _>(dev, |_, t| t.clock_step(delta)) })
}

/// C entry point of the clock's `gettimex64`.
///
/// # Safety
///
/// As for [`clock_adjfine`]; `sts` is null or the core's sample buffer for this call.
unsafe extern "C" fn clock_gettimex<T: NetDevOps>(
    dev: *mut bindings::net_device,
    sts: *mut sys::ptp_system_timestamp,
) -> u64 {
    let sts = SysTimestamps(sts);
    // SAFETY: as in `clock_adjfine`.
    unsafe { with_dev::<T, _>(dev, |_, t| t.clock_gettime(&sts)) }
}

/// C entry point of the clock's `settime64`.
///
/// # Safety
///
/// As for [`clock_adjfine`].
unsafe extern "C" fn clock_settime<T: NetDevOps>(dev: *mut bindings::net_device, ns: u64) {
    // SAFETY: as in `clock_adjfine`.
    unsafe { with_dev::<T, _>(dev, |_, t| t.clock_settime(ns)) }
}

/// C entry point of the clock's `do_aux_work`.
///
/// # Safety
///
/// As for [`clock_adjfine`].
unsafe extern "C" fn clock_aux_work<T: NetDevOps>(dev: *mut bindings::net_device) -> u32 {
    // SAFETY: as in `clock_adjfine`.
    unsafe { with_dev::<T, _>(dev, |_, t| t.clock_service()) }
}

/// C entry point `ndo_hwtstamp_get`.
///
/// # Safety
///
/// Called by the core under RTNL on a registered device of this driver, with a valid `cfg`.
pub(super) unsafe extern "C" fn ndo_hwtstamp_get<T: NetDevOps>(
    dev: *mut bindings::net_device,
    cfg: *mut bindings::kernel_hwtstamp_config,
) -> i32 {
    // SAFETY: per the function's safety requirement.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.tstamp_get(d)) } {
        Ok(c) => {
            // SAFETY: `cfg` is valid for writes (the function's safety requirement).
            let cfg = unsafe { &mut *cfg };
            cfg.tx_type = c.tx_type as i32;
            cfg.rx_filter = c.rx_filter as i32;
            cfg.flags = 0;
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C entry point `ndo_hwtstamp_set`. The core reports the request back as it is left on
/// success, so the request is the applied setting.
///
/// # Safety
///
/// As for [`ndo_hwtstamp_get`].
pub(super) unsafe extern "C" fn ndo_hwtstamp_set<T: NetDevOps>(
    dev: *mut bindings::net_device,
    cfg: *mut bindings::kernel_hwtstamp_config,
    _extack: *mut bindings::netlink_ext_ack,
) -> i32 {
    // SAFETY: `cfg` is valid (the function's safety requirement).
    let req = unsafe { &*cfg };
    let (Ok(tx_type), Ok(rx_filter)) = (u32::try_from(req.tx_type), u32::try_from(req.rx_filter))
    else {
        return ERANGE.to_errno();
    };
    if req.flags != 0 {
        return EINVAL.to_errno();
    }
    let c = TstampConfig { tx_type, rx_filter };
    // SAFETY: per the function's safety requirement.
    errno_of(unsafe { with_dev::<T, _>(dev, |d, t| t.tstamp_set(d, c)) })
}

/// C entry point `get_ts_info` (`ethtool -T`); the core adds software receive timestamps.
///
/// # Safety
///
/// Called by the core on a device of this driver, with a valid `info`.
pub(super) unsafe extern "C" fn get_ts_info<T: NetDevOps>(
    dev: *mut bindings::net_device,
    info: *mut bindings::kernel_ethtool_ts_info,
) -> i32 {
    // SAFETY: per the function's safety requirement.
    let (caps, index) = unsafe {
        with_dev::<T, _>(dev, |d, t| {
            (t.tstamp_caps(), sys::rxgbe_ptp_index(d.as_raw()))
        })
    };
    // SAFETY: `info` is valid for writes (the function's safety requirement).
    let info = unsafe { &mut *info };
    info.so_timestamping = bindings::SOF_TIMESTAMPING_TX_SOFTWARE;
    if let Some(caps) = caps.filter(|_| index >= 0) {
        info.so_timestamping |= bindings::SOF_TIMESTAMPING_TX_HARDWARE
            | bindings::SOF_TIMESTAMPING_RX_HARDWARE
            | bindings::SOF_TIMESTAMPING_RAW_HARDWARE;
        info.phc_index = index;
        info.tx_types = caps.tx_types;
        info.rx_filters = caps.rx_filters;
    }
    0
}

/// C entry point `get_ts_stats` (`ethtool -I -T`).
///
/// # Safety
///
/// Called by the core on a device of this driver, with a valid `stats` whose fields it
/// preset to "not counted".
pub(super) unsafe extern "C" fn get_ts_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_ts_stats,
) {
    // SAFETY: per the function's safety requirement.
    let s = unsafe { with_dev::<T, _>(dev, |_, t| (t.tstamp_caps().is_some(), t.tstamp_stats())) };
    let (true, s) = s else { return };
    // SAFETY: `stats` is valid for writes (the function's safety requirement); the counters are
    // the `tx_stats` group's members.
    let tx = unsafe { &mut (*stats).__bindgen_anon_1.__bindgen_anon_1 };
    tx.pkts = s.pkts;
    tx.lost = s.lost;
    tx.err = s.err;
}
