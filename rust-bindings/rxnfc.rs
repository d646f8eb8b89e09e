// SPDX-License-Identifier: GPL-2.0

//! `ethtool -N/-n` (receive flow classification rules): the `get_rxnfc` and `set_rxnfc` entry
//! points, which turn `struct ethtool_rxnfc` into calls of [`EthtoolOps`]'s rule methods.

use kernel::{bindings, ffi::c_int, prelude::*};

use super::netdev::{with_dev, NetDevOps};
use crate::logic::ntuple::spec::{FlowSpec, EXT_LEN, UNION_LEN};

/// The bytes of a `struct ethtool_flow_ext`, in memory order.
fn ext_bytes(e: &bindings::ethtool_flow_ext) -> [u8; EXT_LEN] {
    let [p0, p1] = e.padding;
    let [d0, d1, d2, d3, d4, d5] = e.h_dest;
    let [e0, e1] = e.vlan_etype.to_ne_bytes();
    let [t0, t1] = e.vlan_tci.to_ne_bytes();
    let [data0, data1] = e.data;
    let [a0, a1, a2, a3] = data0.to_ne_bytes();
    let [b0, b1, b2, b3] = data1.to_ne_bytes();
    [
        p0, p1, d0, d1, d2, d3, d4, d5, e0, e1, t0, t1, a0, a1, a2, a3, b0, b1, b2, b3,
    ]
}

/// Writes `b` (memory order) into a `struct ethtool_flow_ext`.
fn set_ext(e: &mut bindings::ethtool_flow_ext, b: &[u8; EXT_LEN]) {
    let [p0, p1, d0, d1, d2, d3, d4, d5, e0, e1, t0, t1, a0, a1, a2, a3, b0, b1, b2, b3] = *b;
    e.padding = [p0, p1];
    e.h_dest = [d0, d1, d2, d3, d4, d5];
    e.vlan_etype = u16::from_ne_bytes([e0, e1]);
    e.vlan_tci = u16::from_ne_bytes([t0, t1]);
    e.data = [
        u32::from_ne_bytes([a0, a1, a2, a3]),
        u32::from_ne_bytes([b0, b1, b2, b3]),
    ];
}

fn spec_of(fs: &bindings::ethtool_rx_flow_spec) -> FlowSpec {
    // SAFETY: every member of `ethtool_flow_union` is plain bytes; `hdata` covers all of it.
    let (h_u, m_u) = unsafe { (fs.h_u.hdata, fs.m_u.hdata) };
    const _: () = assert!(UNION_LEN == 52);
    FlowSpec {
        flow_type: fs.flow_type,
        h_u,
        h_ext: ext_bytes(&fs.h_ext),
        m_u,
        m_ext: ext_bytes(&fs.m_ext),
        ring_cookie: fs.ring_cookie,
    }
}

fn set_spec(fs: &mut bindings::ethtool_rx_flow_spec, s: &FlowSpec) {
    fs.flow_type = s.flow_type;
    fs.h_u.hdata = s.h_u;
    fs.m_u.hdata = s.m_u;
    set_ext(&mut fs.h_ext, &s.h_ext);
    set_ext(&mut fs.m_ext, &s.m_ext);
    fs.ring_cookie = s.ring_cookie;
}

/// C entry point `get_rxnfc`: rule count, one rule, or every rule location.
///
/// # Safety
///
/// Only called by the kernel through the table built for `T`, with the arguments that callback
/// documents: `rule_locs` has `info.rule_cnt` entries for `ETHTOOL_GRXCLSRLALL`.
pub(super) unsafe extern "C" fn get_rxnfc<T: NetDevOps>(
    dev: *mut bindings::net_device,
    info: *mut bindings::ethtool_rxnfc,
    rule_locs: *mut u32,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call; one field is read.
    let cmd = unsafe { (*info).cmd };
    let res = match cmd {
        bindings::ETHTOOL_GRXCLSRLCNT => {
            // SAFETY: the ethtool core calls this on a live device of this driver.
            unsafe { with_dev::<T, _>(dev, |d, t| t.flow_rule_count(d)) }.map(|(n, cap)| {
                // SAFETY: valid for the call; no other reference to it exists.
                let info = unsafe { &mut *info };
                info.__bindgen_anon_1.rule_cnt = n;
                info.data = u64::from(cap | bindings::RX_CLS_LOC_SPECIAL);
            })
        }
        bindings::ETHTOOL_GRXCLSRULE => {
            // SAFETY: valid for the call; no other reference to it exists.
            let info = unsafe { &mut *info };
            let loc = info.fs.location;
            // SAFETY: the ethtool core calls this on a live device of this driver.
            unsafe { with_dev::<T, _>(dev, |d, t| t.flow_rule(d, loc)) }
                .map(|s| set_spec(&mut info.fs, &s))
        }
        bindings::ETHTOOL_GRXCLSRLALL => {
            // `rule_locs` may be `info`'s own flexible array (the core's channel-count check
            // passes it), which begins in `info`'s trailing padding: no reference to the whole
            // of `info` may live alongside the slice, so fields go through the raw pointer.
            // SAFETY: valid for the call; `rule_cnt` is the member the core set for this command.
            let len = unsafe { (*info).__bindgen_anon_1.rule_cnt };
            let res = {
                let locs: &mut [u32] = match usize::try_from(len) {
                    // SAFETY: the core allocated `rule_cnt` entries for this call (or none), and
                    // nothing else refers to them while the slice lives.
                    Ok(n) if n > 0 && !rule_locs.is_null() => unsafe {
                        core::slice::from_raw_parts_mut(rule_locs, n)
                    },
                    _ => &mut [],
                };
                // SAFETY: the ethtool core calls this on a live device of this driver.
                unsafe { with_dev::<T, _>(dev, |d, t| t.flow_rule_locations(d, locs)) }
            };
            res.map(|(n, cap)| {
                // SAFETY: field writes through the valid pointer, after the slice is gone.
                unsafe {
                    (*info).__bindgen_anon_1.rule_cnt = n;
                    (*info).data = u64::from(cap);
                }
            })
        }
        _ => Err(EOPNOTSUPP),
    };
    match res {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `set_rxnfc`: insert or delete a rule.
///
/// # Safety
///
/// Only called by the kernel through the table built for `T`, with the arguments that callback
/// documents.
pub(super) unsafe extern "C" fn set_rxnfc<T: NetDevOps>(
    dev: *mut bindings::net_device,
    info: *mut bindings::ethtool_rxnfc,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call.
    let info = unsafe { &mut *info };
    let loc = info.fs.location;
    let res = match info.cmd {
        bindings::ETHTOOL_SRXCLSRLINS => {
            let spec = spec_of(&info.fs);
            // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
            unsafe { with_dev::<T, _>(dev, |d, t| t.insert_flow_rule(d, &spec, loc)) }
                .map(|at| info.fs.location = at)
        }
        // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
        bindings::ETHTOOL_SRXCLSRLDEL => unsafe {
            with_dev::<T, _>(dev, |d, t| t.delete_flow_rule(d, loc))
        },
        _ => Err(EOPNOTSUPP),
    };
    match res {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
