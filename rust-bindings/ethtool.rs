// SPDX-License-Identifier: GPL-2.0

//! The `ethtool_ops` table of a [`NetDevOps`] driver and the optional settings a driver may
//! implement through [`EthtoolOps`].

use core::{fmt, marker::PhantomData, mem, slice};
use kernel::{bindings, ffi::c_int, prelude::*, str::CStr};

use super::{
    ethtool_diag::{self, is_test_set},
    netdev::{priv_of, with_dev, NetDev, NetDevOps},
    rxnfc, sys,
};
use crate::logic::ntuple::spec::FlowSpec;

/// Size of one name slot of an ethtool string set (`ETH_GSTRING_LEN`).
const GSTRING_LEN: usize = bindings::ETH_GSTRING_LEN as usize;
/// `ETH_RSS_HASH_TOP` in the width of `ethtool_rxfh_param::hfunc`, which holds every
/// `ETH_RSS_HASH_*` bit.
const RSS_HASH_TOP: u8 = sys::RXGBE_ETH_RSS_HASH_TOP as u8;

/// Channel counts (`ethtool -l`/`-L`). Only combined channels (one receive and one transmit
/// queue sharing a vector) are modelled: the other kinds are reported as zero and refused.
#[derive(Clone, Copy, Default)]
pub(crate) struct Channels {
    /// Most combined channels the device can run.
    pub(crate) max_combined: u32,
    /// Combined channels in use.
    pub(crate) combined: u32,
}

/// Descriptor ring sizes (`ethtool -g`/`-G`). Mini and jumbo rings do not exist here.
#[derive(Clone, Copy, Default)]
pub(crate) struct RingParams {
    /// Largest receive ring.
    pub(crate) rx_max: u32,
    /// Largest transmit ring.
    pub(crate) tx_max: u32,
    /// Receive ring size in use.
    pub(crate) rx: u32,
    /// Transmit ring size in use.
    pub(crate) tx: u32,
    /// Whether received frames have their headers split off into a buffer of their own
    /// (`tcp-data-split`); reported only by the table of a MAC that can split (see
    /// [`Ops::TABLE`]).
    pub(crate) header_split: bool,
}

/// Interrupt coalescing (`ethtool -c`/`-C`): the subset named in the table's
/// `supported_coalesce_params`, so the core refuses every other parameter before the driver
/// sees a request.
#[derive(Clone, Copy, Default)]
pub(crate) struct Coalesce {
    /// Receive interrupt delay in microseconds.
    pub(crate) rx_usecs: u32,
    /// Transmit interrupt delay in microseconds.
    pub(crate) tx_usecs: u32,
    /// Whether the receive delay adapts to the load.
    pub(crate) adaptive_rx: bool,
}

/// Writes the counter names of `ethtool -S` into the core's string buffer: one
/// `ETH_GSTRING_LEN`-byte, NUL-terminated slot per counter, in the order of the values.
pub(crate) struct StatNames<'a> {
    slots: slice::ChunksExactMut<'a, u8>,
}

impl StatNames<'_> {
    /// Writes the next counter's name, cut to fit its slot. Names beyond the count the driver
    /// reported have no slot and are dropped.
    pub(crate) fn push(&mut self, name: fmt::Arguments<'_>) {
        if let Some(slot) = self.slots.next() {
            slot.fill(0);
            // A name that does not fit is cut, as the C `ethtool_puts` does; never an error.
            let _ = fmt::write(&mut SlotWriter { slot, len: 0 }, name);
        }
    }
}

/// Formats into one string slot, keeping its last byte NUL.
struct SlotWriter<'a> {
    slot: &'a mut [u8],
    len: usize,
}

impl fmt::Write for SlotWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.slot.len().saturating_sub(1);
        let free = self.slot.get_mut(self.len..end).unwrap_or_default();
        let mut n = 0;
        for (d, b) in free.iter_mut().zip(s.bytes()) {
            *d = b;
            n += 1;
        }
        self.len += n;
        Ok(())
    }
}

/// The optional `ethtool` settings and statistics of a driver.
///
/// Every method has a default that answers "not supported" (`EOPNOTSUPP`, a zero size or no
/// counters), so a MAC without a feature only leaves the method out. The core calls these
/// under RTNL; what it has already validated is said per method.
pub(crate) trait EthtoolOps {
    /// Channel counts. An error is reported to user space as all-zero counts, since the C
    /// callback cannot fail.
    fn channels(&self, _dev: &NetDev) -> Result<Channels> {
        Err(EOPNOTSUPP)
    }

    /// Switches to `combined` channels. The core has checked `1 <= combined <= max_combined`
    /// and that no RSS table or flow rule points past the new count.
    fn set_channels(&self, _dev: &NetDev, _combined: u32) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Ring sizes. An error is reported as all-zero sizes, since the C callback cannot fail.
    fn ring_params(&self, _dev: &NetDev) -> Result<RingParams> {
        Err(EOPNOTSUPP)
    }

    /// Resizes the rings and turns header split on or off (`tcp-data-split`; always off on a
    /// device whose table does not offer it, as the core refuses the request). The core has
    /// checked both sizes against the reported maximums, and refused header split while a
    /// single-buffer XDP program is attached; any other constraint (power of two, minimum) is
    /// the driver's to check.
    fn set_ring_params(&self, _dev: &NetDev, _rx: u32, _tx: u32, _header_split: bool) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Receive rings that RSS and flow rules may steer to; the core validates indirection
    /// tables against it. The default, the stack's active receive queues, is right for a
    /// driver with one ring per receive queue.
    fn rx_ring_count(&self, dev: &NetDev) -> u32 {
        dev.real_num_rx_queues()
    }

    /// RSS hash key size in bytes; 0 when RSS is not supported.
    fn rss_key_size(&self, _dev: &NetDev) -> u32 {
        0
    }

    /// RSS indirection table entries; 0 when RSS is not supported.
    fn rss_indir_size(&self, _dev: &NetDev) -> u32 {
        0
    }

    /// Reads the RSS key and indirection table (Toeplitz hash). Either slice may be empty
    /// when the caller did not ask for it; otherwise it has [`Self::rss_key_size`] or
    /// [`Self::rss_indir_size`] entries.
    fn rss(&self, _dev: &NetDev, _key: &mut [u8], _indir: &mut [u32]) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Changes the RSS key and/or indirection table; `None` leaves that part unchanged. The
    /// core has checked the sizes and that every table entry is below
    /// [`Self::rx_ring_count`]. Both may be `None` (e.g. the Toeplitz hash, already in use,
    /// was requested): succeed if RSS is supported.
    fn set_rss(&self, _dev: &NetDev, _key: Option<&[u8]>, _indir: Option<&[u32]>) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Header fields hashed for `flow_type` (`TCP_V4_FLOW`, ...), as `RXH_*` bits.
    fn rss_fields(&self, _dev: &NetDev, _flow_type: u32) -> Result<u32> {
        Err(EOPNOTSUPP)
    }

    /// Sets the header fields (`RXH_*` bits) hashed for `flow_type`; refuse what the MAC
    /// cannot hash.
    fn set_rss_fields(&self, _dev: &NetDev, _flow_type: u32, _fields: u32) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Interrupt coalescing settings.
    fn coalesce(&self, _dev: &NetDev) -> Result<Coalesce> {
        Err(EOPNOTSUPP)
    }

    /// Applies coalescing settings: the values [`Self::coalesce`] returned with the user's
    /// changes on top. Ranges are the driver's to check.
    fn set_coalesce(&self, _dev: &NetDev, _c: &Coalesce) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Flow rules in the table and the table's capacity (`ethtool -n` header).
    fn flow_rule_count(&self, _dev: &NetDev) -> Result<(u32, u32)> {
        Err(EOPNOTSUPP)
    }

    /// The flow rule at `loc` (`ENOENT` if none).
    fn flow_rule(&self, _dev: &NetDev, _loc: u32) -> Result<FlowSpec> {
        Err(EOPNOTSUPP)
    }

    /// Writes the locations of the flow rules, ascending, into `locs`; returns how many there
    /// are and the table's capacity. `EMSGSIZE` if they do not fit.
    fn flow_rule_locations(&self, _dev: &NetDev, _locs: &mut [u32]) -> Result<(u32, u32)> {
        Err(EOPNOTSUPP)
    }

    /// Inserts a flow rule at `loc`, which may be one of the special `RX_CLS_LOC_*` values (the
    /// rule count query advertises them); returns the location used. A refused rule changes
    /// nothing.
    fn insert_flow_rule(&self, _dev: &NetDev, _spec: &FlowSpec, _loc: u32) -> Result<u32> {
        Err(EOPNOTSUPP)
    }

    /// Deletes the flow rule at `loc` (`ENOENT` if none).
    fn delete_flow_rule(&self, _dev: &NetDev, _loc: u32) -> Result {
        Err(EOPNOTSUPP)
    }

    /// Number of `ethtool -S` counters. Must not change while RTNL is held: the core sizes
    /// the name and value buffers from it.
    fn stats_count(&self, _dev: &NetDev) -> usize {
        0
    }

    /// Writes the names of the [`Self::stats_count`] counters, in the order of
    /// [`Self::stats_values`].
    fn stats_names(&self, _dev: &NetDev, _names: &mut StatNames<'_>) {}

    /// Writes the counter values; `values` has one zeroed slot per name.
    fn stats_values(&self, _dev: &NetDev, _values: &mut [u64]) {}
}

/// Builds the `ethtool_ops` table for driver `T`.
pub(crate) struct Ops<T>(PhantomData<T>);

impl<T: NetDevOps> Ops<T> {
    /// The table, for `net_device::ethtool_ops`.
    pub(crate) const TABLE: bindings::ethtool_ops = {
        // SAFETY: all-zero is a valid `ethtool_ops`: optional callbacks and zero capabilities.
        let mut ops: bindings::ethtool_ops = unsafe { mem::zeroed() };
        ops.supported_coalesce_params =
            sys::RXGBE_ETHTOOL_COALESCE_USECS | sys::RXGBE_ETHTOOL_COALESCE_USE_ADAPTIVE_RX;
        // Header split with a threshold of 0 (the maximum too): the MAC splits every frame
        // whose headers it recognises, however short.
        ops.supported_ring_params =
            sys::RXGBE_ETHTOOL_RING_USE_TCP_DATA_SPLIT | sys::RXGBE_ETHTOOL_RING_USE_HDS_THRS;
        ops.get_drvinfo = Some(get_drvinfo::<T>);
        ops.get_link = Some(bindings::ethtool_op_get_link);
        ops.get_link_ksettings = Some(get_link_ksettings::<T>);
        ops.get_channels = Some(get_channels::<T>);
        ops.set_channels = Some(set_channels::<T>);
        ops.get_ringparam = Some(get_ringparam::<T>);
        ops.set_ringparam = Some(set_ringparam::<T>);
        ops.get_rx_ring_count = Some(get_rx_ring_count::<T>);
        ops.get_rxfh_key_size = Some(get_rxfh_key_size::<T>);
        ops.get_rxfh_indir_size = Some(get_rxfh_indir_size::<T>);
        ops.get_rxfh = Some(get_rxfh::<T>);
        ops.set_rxfh = Some(set_rxfh::<T>);
        ops.get_rxfh_fields = Some(get_rxfh_fields::<T>);
        ops.set_rxfh_fields = Some(set_rxfh_fields::<T>);
        ops.get_rxnfc = Some(rxnfc::get_rxnfc::<T>);
        ops.set_rxnfc = Some(rxnfc::set_rxnfc::<T>);
        ops.get_coalesce = Some(get_coalesce::<T>);
        ops.set_coalesce = Some(set_coalesce::<T>);
        ops.get_sset_count = Some(get_sset_count::<T>);
        ops.get_strings = Some(get_strings::<T>);
        ops.get_ethtool_stats = Some(get_ethtool_stats::<T>);
        ethtool_diag::install::<T>(&mut ops);
        ops
    };

    /// The table of a single-queue device (the 82540EM): without channel and RSS callbacks or
    /// header split, so the core answers `ethtool -L`, `-x/-X`, `rx-flow-hash` and
    /// `-G tcp-data-split` with "not supported" itself.
    pub(crate) const SINGLE_QUEUE_TABLE: bindings::ethtool_ops = {
        let mut ops = Self::TABLE;
        ops.supported_ring_params = 0;
        ops.get_channels = None;
        ops.set_channels = None;
        ops.get_rx_ring_count = None;
        ops.get_rxfh_key_size = None;
        ops.get_rxfh_indir_size = None;
        ops.get_rxfh = None;
        ops.set_rxfh = None;
        ops.get_rxfh_fields = None;
        ops.set_rxfh_fields = None;
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

/// The C return value of a fallible callback: 0 or a negative errno.
fn errno(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The slice behind a buffer the core may leave out (null pointer) for one call.
///
/// # Safety
///
/// If `ptr` is not null it must point to `len` initialised elements that nothing else
/// accesses for `'a`.
unsafe fn buf_mut<'a, E>(ptr: *mut E, len: u32) -> Option<&'a mut [E]> {
    let len = usize::try_from(len).ok()?;
    if ptr.is_null() || len == 0 {
        return None;
    }
    // SAFETY: non-null, and valid for `len` elements per the function's safety requirement.
    Some(unsafe { slice::from_raw_parts_mut(ptr, len) })
}

/// C entry point `get_channels`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_channels<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ch: *mut bindings::ethtool_channels,
) {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let c = unsafe { with_dev::<T, _>(dev, |d, t| t.channels(d)) }.unwrap_or_default();
    // SAFETY: the core passes a valid buffer it owns for the call.
    let ch = unsafe { &mut *ch };
    ch.max_combined = c.max_combined;
    ch.combined_count = c.combined;
}

/// C entry point `set_channels`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn set_channels<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ch: *mut bindings::ethtool_channels,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call.
    let ch = unsafe { &*ch };
    // The core already refuses these against the zero maximums `get_channels` reports.
    if ch.rx_count != 0 || ch.tx_count != 0 || ch.other_count != 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
    errno(unsafe { with_dev::<T, _>(dev, |d, t| t.set_channels(d, ch.combined_count)) })
}

/// C entry point `get_ringparam`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_ringparam<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ring: *mut bindings::ethtool_ringparam,
    kring: *mut bindings::kernel_ethtool_ringparam,
    _extack: *mut bindings::netlink_ext_ack,
) {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.ring_params(d)) }.unwrap_or_default();
    // SAFETY: the core passes valid buffers it owns for the call.
    let (ring, kring) = unsafe { (&mut *ring, &mut *kring) };
    ring.rx_max_pending = r.rx_max;
    ring.tx_max_pending = r.tx_max;
    ring.rx_pending = r.rx;
    ring.tx_pending = r.tx;
    // SAFETY: a live device of this driver has one of this driver's tables.
    if unsafe { offers_header_split(dev) } {
        kring.tcp_data_split = if r.header_split {
            sys::RXGBE_ETHTOOL_TCP_DATA_SPLIT_ENABLED
        } else {
            sys::RXGBE_ETHTOOL_TCP_DATA_SPLIT_DISABLED
        };
        kring.hds_thresh = 0;
        kring.hds_thresh_max = 0;
    }
}

/// Whether the device's table offers header split.
///
/// # Safety
///
/// `dev` is a live device whose `ethtool_ops` is set.
unsafe fn offers_header_split(dev: *const bindings::net_device) -> bool {
    // SAFETY: per the function's contract.
    let supported = unsafe { sys::rxgbe_netdev_ring_params_supported(dev) };
    supported & sys::RXGBE_ETHTOOL_RING_USE_TCP_DATA_SPLIT != 0
}

/// C entry point `set_ringparam`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn set_ringparam<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ring: *mut bindings::ethtool_ringparam,
    kring: *mut bindings::kernel_ethtool_ringparam,
    _extack: *mut bindings::netlink_ext_ack,
) -> c_int {
    // SAFETY: the core passes valid buffers it owns for the call.
    let (ring, kring) = unsafe { (&*ring, &*kring) };
    // Of the kernel-only parameters (`kring`) only header split is offered (the core refuses
    // the others itself); its threshold can only be 0, which the core checked against the
    // reported maximum. "unknown" (the driver's choice) means off.
    if ring.rx_mini_pending != 0 || ring.rx_jumbo_pending != 0 {
        return EOPNOTSUPP.to_errno();
    }
    let (rx, tx) = (ring.rx_pending, ring.tx_pending);
    let split = kring.tcp_data_split == sys::RXGBE_ETHTOOL_TCP_DATA_SPLIT_ENABLED;
    // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
    errno(unsafe { with_dev::<T, _>(dev, |d, t| t.set_ring_params(d, rx, tx, split)) })
}

/// C entry point `get_rx_ring_count`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_rx_ring_count<T: NetDevOps>(dev: *mut bindings::net_device) -> u32 {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.rx_ring_count(d)) }
}

/// C entry point `get_rxfh_key_size`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_rxfh_key_size<T: NetDevOps>(dev: *mut bindings::net_device) -> u32 {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.rss_key_size(d)) }
}

/// C entry point `get_rxfh_indir_size`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_rxfh_indir_size<T: NetDevOps>(dev: *mut bindings::net_device) -> u32 {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.rss_indir_size(d)) }
}

/// C entry point `get_rxfh`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_rxfh<T: NetDevOps>(
    dev: *mut bindings::net_device,
    rxfh: *mut bindings::ethtool_rxfh_param,
) -> c_int {
    // SAFETY: the core passes a valid parameter block it owns for the call.
    let rxfh = unsafe { &mut *rxfh };
    // The core sizes the buffers from the driver's own `get_rxfh_key_size` and
    // `get_rxfh_indir_size`, and does not always fill `key_size`/`indir_size` in (e.g. when it
    // checks the highest queue the table uses before `ethtool -L`): take the sizes from there.
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let (key_size, indir_size) =
        unsafe { with_dev::<T, _>(dev, |d, t| (t.rss_key_size(d), t.rss_indir_size(d))) };
    // SAFETY: a non-null `key`/`indir` is a buffer of that many entries the core allocated
    // for this call; the two never overlap.
    let (key, indir) = unsafe {
        (
            buf_mut(rxfh.key, key_size).unwrap_or_default(),
            buf_mut(rxfh.indir, indir_size).unwrap_or_default(),
        )
    };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.rss(d, key, indir)) };
    if r.is_ok() {
        // Toeplitz is the only hash function the trait models.
        rxfh.hfunc = RSS_HASH_TOP;
    }
    errno(r)
}

/// C entry point `set_rxfh`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn set_rxfh<T: NetDevOps>(
    dev: *mut bindings::net_device,
    rxfh: *mut bindings::ethtool_rxfh_param,
    _extack: *mut bindings::netlink_ext_ack,
) -> c_int {
    // SAFETY: the core passes a valid parameter block it owns for the call.
    let rxfh = unsafe { &*rxfh };
    let hfunc = u32::from(rxfh.hfunc);
    let xfrm = u32::from(rxfh.input_xfrm);
    // Only the default context, the Toeplitz hash and no input transformation exist here;
    // an unsupported change must fail rather than be ignored.
    if rxfh.rss_context != 0
        || rxfh.rss_delete != 0
        || (hfunc != bindings::ETH_RSS_HASH_NO_CHANGE && hfunc != sys::RXGBE_ETH_RSS_HASH_TOP)
        || (xfrm != 0 && xfrm != bindings::RXH_XFRM_NO_CHANGE)
    {
        return EOPNOTSUPP.to_errno();
    }
    // SAFETY: a non-null `key`/`indir` is a buffer of `key_size`/`indir_size` entries that
    // the core filled for this call.
    let (key, indir) = unsafe {
        (
            buf_mut(rxfh.key, rxfh.key_size),
            buf_mut(rxfh.indir, rxfh.indir_size),
        )
    };
    let (key, indir) = (key.map(|k| &*k), indir.map(|i| &*i));
    // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
    errno(unsafe { with_dev::<T, _>(dev, |d, t| t.set_rss(d, key, indir)) })
}

/// C entry point `get_rxfh_fields`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_rxfh_fields<T: NetDevOps>(
    dev: *mut bindings::net_device,
    fields: *mut bindings::ethtool_rxfh_fields,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call.
    let fields = unsafe { &mut *fields };
    // Per-context fields are not advertised (`rxfh_per_ctx_fields`); the core already
    // refuses a context, this keeps the trait free of one.
    if fields.rss_context != 0 {
        return EOPNOTSUPP.to_errno();
    }
    let flow_type = fields.flow_type;
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.rss_fields(d, flow_type)) } {
        Ok(data) => {
            fields.data = data;
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C entry point `set_rxfh_fields`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn set_rxfh_fields<T: NetDevOps>(
    dev: *mut bindings::net_device,
    fields: *const bindings::ethtool_rxfh_fields,
    _extack: *mut bindings::netlink_ext_ack,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call.
    let fields = unsafe { &*fields };
    if fields.rss_context != 0 {
        return EOPNOTSUPP.to_errno();
    }
    let (flow_type, data) = (fields.flow_type, fields.data);
    // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
    errno(unsafe { with_dev::<T, _>(dev, |d, t| t.set_rss_fields(d, flow_type, data)) })
}

/// C entry point `get_coalesce`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_coalesce<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ec: *mut bindings::ethtool_coalesce,
    _kec: *mut bindings::kernel_ethtool_coalesce,
    _extack: *mut bindings::netlink_ext_ack,
) -> c_int {
    // SAFETY: the ethtool core calls this on a live device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.coalesce(d)) } {
        Ok(c) => {
            // SAFETY: the core passes a valid buffer it owns for the call.
            let ec = unsafe { &mut *ec };
            ec.rx_coalesce_usecs = c.rx_usecs;
            ec.tx_coalesce_usecs = c.tx_usecs;
            ec.use_adaptive_rx_coalesce = u32::from(c.adaptive_rx);
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C entry point `set_coalesce`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn set_coalesce<T: NetDevOps>(
    dev: *mut bindings::net_device,
    ec: *mut bindings::ethtool_coalesce,
    _kec: *mut bindings::kernel_ethtool_coalesce,
    _extack: *mut bindings::netlink_ext_ack,
) -> c_int {
    // SAFETY: the core passes a valid buffer it owns for the call.
    let ec = unsafe { &*ec };
    let c = Coalesce {
        rx_usecs: ec.rx_coalesce_usecs,
        tx_usecs: ec.tx_coalesce_usecs,
        adaptive_rx: ec.use_adaptive_rx_coalesce != 0,
    };
    // SAFETY: the ethtool core calls this on a live device of this driver, under RTNL.
    errno(unsafe { with_dev::<T, _>(dev, |d, t| t.set_coalesce(d, &c)) })
}

/// Whether a string set number is `ETH_SS_STATS`.
fn is_stats_set(sset: u32) -> bool {
    sset == bindings::ethtool_stringset_ETH_SS_STATS
}

/// C entry point `get_sset_count`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_sset_count<T: NetDevOps>(
    dev: *mut bindings::net_device,
    sset: c_int,
) -> c_int {
    let n = match u32::try_from(sset) {
        // SAFETY: the ethtool core calls this on a live device of this driver.
        Ok(s) if is_stats_set(s) => unsafe { with_dev::<T, _>(dev, |d, t| t.stats_count(d)) },
        // SAFETY: as above.
        Ok(s) if is_test_set(s) => unsafe { with_dev::<T, _>(dev, |_, t| t.self_test_count()) },
        _ => return EOPNOTSUPP.to_errno(),
    };
    if n == 0 {
        return EOPNOTSUPP.to_errno();
    }
    match c_int::try_from(n) {
        Ok(n) => n,
        Err(_) => EINVAL.to_errno(),
    }
}

/// C entry point `get_strings`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_strings<T: NetDevOps>(
    dev: *mut bindings::net_device,
    sset: u32,
    data: *mut u8,
) {
    let test = is_test_set(sset);
    if !(is_stats_set(sset) || test) || data.is_null() {
        return;
    }
    // SAFETY: the ethtool core calls this on a live device of this driver.
    let count = unsafe {
        with_dev::<T, _>(dev, |d, t| {
            if test {
                t.self_test_count()
            } else {
                t.stats_count(d)
            }
        })
    };
    let Some(len) = count.checked_mul(GSTRING_LEN) else {
        return;
    };
    // SAFETY: in the same RTNL section the core sized `data` from `get_sset_count`, i.e.
    // `count` slots of ETH_GSTRING_LEN bytes, and both counts are stable under RTNL.
    let buf = unsafe { slice::from_raw_parts_mut(data, len) };
    let mut names = StatNames {
        slots: buf.chunks_exact_mut(GSTRING_LEN),
    };
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe {
        with_dev::<T, _>(dev, |d, t| {
            if test {
                t.self_test_names(&mut names)
            } else {
                t.stats_names(d, &mut names)
            }
        })
    };
}

/// C entry point `get_ethtool_stats`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn get_ethtool_stats<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut bindings::ethtool_stats,
    data: *mut u64,
) {
    // SAFETY: the core passes a valid header and a buffer of `n_stats` counters, both its own
    // for the call.
    let Some(values) = (unsafe { buf_mut(data, (*stats).n_stats) }) else {
        return;
    };
    values.fill(0);
    // SAFETY: the ethtool core calls this on a live device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.stats_values(d, values)) };
}
