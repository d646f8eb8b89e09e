// SPDX-License-Identifier: GPL-2.0

//! The `ethtool_ops` table of a [`NetDevOps`] driver.

use core::{marker::PhantomData, mem};
use kernel::{bindings, str::CStr};

use super::{
    netdev::{priv_of, NetDev, NetDevOps},
    sys,
};

/// Builds the `ethtool_ops` table for driver `T`.
pub(crate) struct Ops<T>(PhantomData<T>);

impl<T: NetDevOps> Ops<T> {
    pub(crate) const TABLE: bindings::ethtool_ops = {
        // SAFETY: all-zero is a valid `ethtool_ops`: optional callbacks and zero capabilities.
        let mut ops: bindings::ethtool_ops = unsafe { mem::zeroed() };
        ops.get_drvinfo = Some(get_drvinfo::<T>);
        ops.get_link = Some(bindings::ethtool_op_get_link);
        ops.get_link_ksettings = Some(get_link_ksettings::<T>);
        ops
    };
}

fn copy_cstr(dst: &mut [kernel::ffi::c_char], src: &CStr) {
    let bytes = src.to_bytes();
    let n = bytes.len().min(dst.len().saturating_sub(1));
    for (d, s) in dst.iter_mut().zip(&bytes[..n]) {
        *d = *s as kernel::ffi::c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

/// C entry point `get_drvinfo`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_drvinfo<T: NetDevOps>(
    dev: *mut bindings::net_device,
    info: *mut bindings::ethtool_drvinfo,
) {
    // SAFETY: the ethtool core calls this on a live device of this driver with a valid buffer.
    let (data, info) = unsafe { (priv_of::<T>(dev), &mut *info) };
    let di = data.drvinfo();
    copy_cstr(&mut info.driver, di.driver);
    copy_cstr(&mut info.version, di.version);
    copy_cstr(&mut info.bus_info, data.bus_info());
}

/// C entry point `get_link_ksettings`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_link_ksettings<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ks: *mut bindings::ethtool_link_ksettings,
) -> i32 {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let (netdev, data) = unsafe { (NetDev::from_raw(dev), priv_of::<T>(dev)) };
    let link = data.link_info(netdev);
    let duplex = if link.full_duplex {
        bindings::DUPLEX_FULL
    } else {
        bindings::DUPLEX_HALF
    };
    // SAFETY: `ks` is a valid settings buffer owned by the caller for this call.
    unsafe { sys::rxgbe_ksettings_set(ks.cast(), link.speed, duplex as u8, link.up) };
    0
}
