// SPDX-License-Identifier: GPL-2.0

//! Network devices: [`NetDev`], the driver callbacks ([`NetDevOps`]) and their [`Registration`].

use core::{ffi::c_void, marker::PhantomData, mem, ptr::NonNull};
use kernel::{bindings, device, error::to_result, prelude::*, str::CStr, types::Opaque};

use super::{
    dma::raw_device,
    ethtool, ethtool_diag, ptp, qstats,
    skb::{Skb, TxLayout},
    sys, xdp,
};

/// Link-layer address length.
pub(crate) const ETH_ALEN: usize = 6;
/// An Ethernet MAC address.
pub(crate) type MacAddr = [u8; ETH_ALEN];

/// Shows a MAC address the usual way, `52:54:00:12:34:56`.
pub(crate) struct MacDisplay<'a>(pub(crate) &'a MacAddr);

impl kernel::fmt::Display for MacDisplay<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
/// Interface statistics as reported to the stack (`struct rtnl_link_stats64`).
pub(crate) type LinkStats64 = sys::rtnl_link_stats64;

/// Feature bits of a net device (`NETIF_F_*`).
pub(crate) mod features {
    use kernel::bindings;
    const fn bit(b: u32) -> u64 {
        1u64 << b
    }
    /// Scatter-gather transmit.
    pub(crate) const SG: u64 = bit(bindings::NETIF_F_SG_BIT);
    /// DMA to high memory.
    pub(crate) const HIGHDMA: u64 = bit(bindings::NETIF_F_HIGHDMA_BIT);
    /// Receive checksum offload.
    pub(crate) const RXCSUM: u64 = bit(bindings::NETIF_F_RXCSUM_BIT);
    /// Generic receive offload.
    pub(crate) const GRO: u64 = bit(bindings::NETIF_F_GRO_BIT);
    /// Receive hashing: the device's RSS hash goes to the stack.
    pub(crate) const RXHASH: u64 = bit(bindings::NETIF_F_RXHASH_BIT);
    /// Transmit checksum at any offset (`CHECKSUM_PARTIAL` with `csum_start`/`csum_offset`).
    pub(crate) const HW_CSUM: u64 = bit(bindings::NETIF_F_HW_CSUM_BIT);
    /// 802.1Q tag insertion on transmit.
    pub(crate) const HW_VLAN_CTAG_TX: u64 = bit(bindings::NETIF_F_HW_VLAN_CTAG_TX_BIT);
    /// 802.1Q tag stripping on receive.
    pub(crate) const HW_VLAN_CTAG_RX: u64 = bit(bindings::NETIF_F_HW_VLAN_CTAG_RX_BIT);
    /// 802.1Q VLAN filtering in the MAC.
    pub(crate) const HW_VLAN_CTAG_FILTER: u64 = bit(bindings::NETIF_F_HW_VLAN_CTAG_FILTER_BIT);
    /// Large receive offload.
    pub(crate) const LRO: u64 = bit(bindings::NETIF_F_LRO_BIT);
    /// TCP segmentation offload over IPv4.
    pub(crate) const TSO: u64 = bit(bindings::NETIF_F_TSO_BIT);
    /// TCP segmentation offload over IPv6.
    pub(crate) const TSO6: u64 = bit(bindings::NETIF_F_TSO6_BIT);
    /// Receive flow steering rules (`ethtool -N`) and accelerated RFS.
    pub(crate) const NTUPLE: u64 = bit(bindings::NETIF_F_NTUPLE_BIT);
    /// Every transmit checksum feature (`NETIF_F_CSUM_MASK`).
    pub(crate) const CSUM_MASK: u64 =
        bit(bindings::NETIF_F_IP_CSUM_BIT) | bit(bindings::NETIF_F_IPV6_CSUM_BIT) | HW_CSUM;
    /// Every segmentation offload feature (`NETIF_F_GSO_MASK`).
    pub(crate) const GSO_MASK: u64 = ((1u64 << (bindings::NETIF_F_GSO_LAST + 1)) - 1)
        & !((1u64 << bindings::NETIF_F_GSO_SHIFT) - 1);
}

/// A network device (`struct net_device`).
///
/// Only ever handed out by reference, for as long as the C object is known to be alive.
#[repr(transparent)]
pub(crate) struct NetDev(Opaque<bindings::net_device>);

// SAFETY: The methods of `NetDev` call net core functions that do their own locking or are
// documented as callable from any context on a live device; nothing in `NetDev` is thread-bound.
unsafe impl Sync for NetDev {}
// SAFETY: As above: a `net_device` is not tied to the thread that created it.
unsafe impl Send for NetDev {}

impl NetDev {
    /// Returns the `NetDev` behind `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live `struct net_device` that stays alive for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a NetDev {
        // SAFETY: `NetDev` is a transparent wrapper of `net_device`; validity is the caller's.
        unsafe { &*ptr.cast::<NetDev>() }
    }

    /// Runs the driver's [`NetDevOps::service`] after `delay_ms` (0: as soon as possible, even if
    /// it was due later). Any context.
    pub(crate) fn schedule_service(&self, delay_ms: u32) {
        // SAFETY: the device is live and was allocated by `rxgbe_netdev_alloc`, which set up the
        // work item; scheduling is allowed from any context.
        unsafe { sys::rxgbe_netdev_service_schedule(self.as_raw(), delay_ms) }
    }

    /// Whether the kernel no longer needs the accelerated RFS filter `filter_id` it asked for
    /// flow `flow_id` on receive queue `rxq` (`rps_may_expire_flow`).
    pub(crate) fn rps_may_expire_flow(&self, rxq: u16, flow_id: u32, filter_id: u16) -> bool {
        // SAFETY: the device is live; the core checks `rxq` and `flow_id` against its tables.
        unsafe { sys::rxgbe_rps_may_expire_flow(self.as_raw(), rxq, flow_id, filter_id) }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The interface name, e.g. `eth0`.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `self` is live; `netdev_name` returns its NUL-terminated name buffer, which
        // lives as long as the device.
        unsafe { CStr::from_char_ptr(sys::rxgbe_netdev_name(self.as_raw())) }
    }

    /// Current MTU.
    pub(crate) fn mtu(&self) -> u32 {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netdev_mtu(self.as_raw()) }
    }

    /// Sets the MTU the stack sees (the caller has reconfigured the hardware for it).
    pub(crate) fn set_mtu(&self, mtu: u32) {
        // SAFETY: `self` is live; the helper uses WRITE_ONCE as the core does.
        unsafe { sys::rxgbe_netdev_set_mtu(self.as_raw(), mtu) }
    }

    fn flags(&self) -> u32 {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netdev_flags(self.as_raw()) }
    }

    /// Currently enabled features (`NETIF_F_*` bits, see [`features`]).
    pub(crate) fn features(&self) -> u64 {
        // SAFETY: `self` is live; the helper reads the field with READ_ONCE.
        unsafe { sys::rxgbe_netdev_features(self.as_raw()) }
    }

    /// Whether the user set the RSS indirection table (else the driver keeps it spread over
    /// the active queues).
    pub(crate) fn rxfh_configured(&self) -> bool {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netif_is_rxfh_configured(self.as_raw()) }
    }

    /// Whether the interface is in promiscuous mode (`IFF_PROMISC`).
    pub(crate) fn is_promisc(&self) -> bool {
        self.flags() & 0x100 != 0
    }

    /// Whether the interface receives all multicast (`IFF_ALLMULTI`).
    pub(crate) fn is_allmulti(&self) -> bool {
        self.flags() & 0x200 != 0
    }

    /// The device's current MAC address.
    pub(crate) fn addr(&self) -> MacAddr {
        let mut a = [0u8; ETH_ALEN];
        // SAFETY: `self` is live and `a` has room for ETH_ALEN bytes.
        unsafe { sys::rxgbe_netdev_addr(self.as_raw(), a.as_mut_ptr()) };
        a
    }

    /// Sets the device's MAC address as the stack sees it.
    pub(crate) fn set_addr(&self, addr: &MacAddr) {
        // SAFETY: `self` is live and `addr` holds ETH_ALEN bytes.
        unsafe { sys::rxgbe_netdev_set_addr(self.as_raw(), addr.as_ptr()) }
    }

    /// Gives the device a random locally administered address.
    pub(crate) fn set_random_addr(&self) {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netdev_random_addr(self.as_raw()) }
    }

    /// Runs `f` with the multicast list, holding the address list lock (`netif_addr_lock_bh`)
    /// the list changes under. Process context, never from `set_rx_mode` (which gets its
    /// [`McList`] with the lock already held).
    pub(crate) fn with_mc_list<R>(&self, f: impl FnOnce(&McList<'_>) -> R) -> R {
        // SAFETY: `self` is live; process context, the lock is not held by this thread.
        unsafe { sys::rxgbe_netif_addr_lock_bh(self.as_raw()) };
        // INVARIANT: the address list lock is held until the unlock below.
        let r = f(&McList { dev: self });
        // SAFETY: locked above, on this thread.
        unsafe { sys::rxgbe_netif_addr_unlock_bh(self.as_raw()) };
        r
    }

    /// Reports link up to the stack.
    pub(crate) fn carrier_on(&self) {
        // SAFETY: `self` is live; callable from any context.
        unsafe { sys::netif_carrier_on(self.as_raw()) }
    }

    /// Reports link down to the stack.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: `self` is live; callable from any context.
        unsafe { sys::netif_carrier_off(self.as_raw()) }
    }

    /// Whether the stack currently sees the link up.
    pub(crate) fn carrier_ok(&self) -> bool {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netif_carrier_ok(self.as_raw()) }
    }

    /// Allows the stack to transmit on every queue and reschedules their qdiscs, so a backlog
    /// queued while the device restarted (`-L`, `-G`) goes out at once.
    pub(crate) fn tx_wake_all(&self) {
        // SAFETY: `self` is live.
        unsafe { sys::rxgbe_netif_tx_wake_all(self.as_raw()) }
    }

    /// Stops every transmit queue and waits for running transmits to finish.
    pub(crate) fn tx_disable(&self) {
        // SAFETY: `self` is live; called from process context by the driver's stop path.
        unsafe { sys::rxgbe_netif_tx_disable(self.as_raw()) }
    }

    /// Number of transmit queues the stack currently uses.
    pub(crate) fn real_num_tx_queues(&self) -> u32 {
        // SAFETY: live net device (type invariant); a plain field read.
        unsafe { sys::rxgbe_netdev_real_num_tx_queues(self.as_raw()) }
    }

    /// Has the core recompute the features (`ndo_fix_features` changed its answer). Under
    /// RTNL, with no driver lock held (the core calls back into the driver).
    pub(crate) fn update_features(&self) {
        // SAFETY: live net device; the callers hold RTNL.
        unsafe { sys::rxgbe_netdev_update_features(self.as_raw()) };
    }

    /// Number of receive queues the stack currently uses.
    pub(crate) fn real_num_rx_queues(&self) -> u32 {
        // SAFETY: `self` is live. The count is written under RTNL: hold it for a stable value.
        unsafe { sys::rxgbe_netdev_real_num_rx_queues(self.as_raw()) }
    }

    /// Sets the number of queues the stack uses.
    pub(crate) fn set_real_num_queues(&self, tx: u32, rx: u32) -> Result {
        // SAFETY: `self` is live; the core validates the counts against the allocated queues.
        to_result(unsafe { sys::netif_set_real_num_tx_queues(self.as_raw(), tx) })?;
        // SAFETY: As above.
        to_result(unsafe { sys::netif_set_real_num_rx_queues(self.as_raw(), rx) })
    }

    /// Transmit queue `q` of this device.
    pub(crate) fn txq(&self, q: u16) -> TxQueue<'_> {
        TxQueue {
            dev: self,
            q: q.into(),
        }
    }
}

/// One transmit queue of a [`NetDev`]: flow control and byte queue limits.
pub(crate) struct TxQueue<'a> {
    dev: &'a NetDev,
    q: u32,
}

impl TxQueue<'_> {
    /// Stops the queue, then issues a full barrier so that a following check of the ring's free
    /// space cannot be ordered before the stop becomes visible to the completion path.
    pub(crate) fn stop_and_fence(&self) {
        // SAFETY: the device is live.
        unsafe {
            sys::rxgbe_txq_stop(self.dev.as_raw(), self.q);
            sys::rxgbe_smp_mb();
        }
    }

    /// Wakes a stopped queue and reschedules it (completion path).
    pub(crate) fn wake(&self) {
        // SAFETY: the device is live.
        unsafe { sys::rxgbe_txq_wake(self.dev.as_raw(), self.q) }
    }

    /// Accounts `bytes` queued to the hardware; returns whether the tail must be written now
    /// (no more packets follow, or byte queue limits stopped the queue).
    pub(crate) fn sent(&self, bytes: u32, more: bool) -> bool {
        // SAFETY: the device is live; called from the transmit path under the queue lock.
        unsafe { sys::rxgbe_txq_sent(self.dev.as_raw(), self.q, bytes, more) }
    }

    /// [`Self::sent`] of a packet from `ndo_start_xmit`, with the stack's [`xmit_more`] read in
    /// the same call.
    pub(crate) fn sent_from_stack(&self, bytes: u32) -> bool {
        // SAFETY: the device is live; called from the transmit path under the queue lock.
        unsafe { sys::rxgbe_txq_sent_xmit(self.dev.as_raw(), self.q, bytes) }
    }

    /// Accounts completed packets for byte queue limits; returns whether the stack is told to
    /// stop sending on this queue.
    pub(crate) fn completed(&self, pkts: u32, bytes: u32) -> bool {
        // SAFETY: the device is live.
        unsafe { sys::rxgbe_txq_completed(self.dev.as_raw(), self.q, pkts, bytes) }
    }

    /// Sets the queue's default transmit CPU (XPS): traffic sent from `cpu` uses this queue.
    pub(crate) fn set_xps_cpu(&self, cpu: u32) -> Result {
        // SAFETY: the device is live; called under RTNL from open.
        to_result(unsafe { sys::rxgbe_txq_set_xps_cpu(self.dev.as_raw(), self.q, cpu) })
    }

    /// Resets byte queue limits state (ring emptied).
    pub(crate) fn reset(&self) {
        // SAFETY: the device is live.
        unsafe { sys::rxgbe_txq_reset(self.dev.as_raw(), self.q) }
    }
}

/// Whether the stack has more packets to send right after the current one.
pub(crate) fn xmit_more() -> bool {
    // SAFETY: reads a per-CPU flag; only meaningful inside `start_xmit`, harmless elsewhere.
    unsafe { sys::rxgbe_netdev_xmit_more() }
}

/// Link state for `ethtool` link settings.
pub(crate) struct LinkInfo {
    /// Whether the link is up.
    pub(crate) up: bool,
    /// Speed in Mb/s.
    pub(crate) speed: u32,
    /// Full duplex.
    pub(crate) full_duplex: bool,
}

/// The fields of a received flow (`struct rxgbe_flow_keys`): ethertype, IP protocol, addresses
/// (IPv4 in the first 4 bytes) and ports, host order.
pub(crate) type FlowKeys = sys::rxgbe_flow_keys;

/// A net device's multicast address list, readable because the address list lock is held.
///
/// # Invariants
///
/// `dev`'s address list lock is held while this exists.
pub(crate) struct McList<'a> {
    dev: &'a NetDev,
}

impl McList<'_> {
    /// Copies the list into `out`; returns the list's full length (may exceed `out`).
    pub(crate) fn copy_to(&self, out: &mut [MacAddr]) -> usize {
        let max = i32::try_from(out.len()).unwrap_or(i32::MAX);
        // SAFETY: the device is live and its list locked (type invariant); `out` has room for
        // `max` addresses of ETH_ALEN bytes each.
        let n =
            unsafe { sys::rxgbe_netdev_mc_addrs(self.dev.as_raw(), out.as_mut_ptr().cast(), max) };
        usize::try_from(n).unwrap_or(0)
    }
}

/// Static device information for `ethtool -i`.
pub(crate) struct DrvInfo<'a> {
    /// Driver name.
    pub(crate) driver: &'a CStr,
    /// Driver version.
    pub(crate) version: &'a CStr,
}

/// The callbacks a network driver implements. The driver's data lives in the net device's
/// private area, so every callback gets both.
///
/// The optional `ethtool` settings ([`ethtool::EthtoolOps`]) and per-queue statistics
/// ([`qstats::QueueStatsOps`]) are supertraits, so every driver wires both tables and a driver
/// that keeps their defaults answers "not supported".
pub(crate) trait NetDevOps:
    ethtool::EthtoolOps
    + ethtool_diag::DiagOps
    + ptp::TimestampOps
    + qstats::QueueStatsOps
    + xdp::XdpOps
    + Send
    + Sync
    + Sized
{
    /// `ndo_open`: bring the interface up.
    fn open(&self, dev: &NetDev) -> Result;
    /// `ndo_stop`: bring the interface down, releasing what `open` acquired.
    fn stop(&self, dev: &NetDev);
    /// `ndo_start_xmit`: the driver takes ownership of `skb` (sends or drops it).
    fn start_xmit(&self, dev: &NetDev, skb: Skb);
    /// `ndo_get_stats64`.
    fn get_stats64(&self, dev: &NetDev, stats: &mut LinkStats64);
    /// `ndo_change_mtu`: reconfigure for `mtu` (already range-checked) and call `dev.set_mtu`.
    fn change_mtu(&self, dev: &NetDev, mtu: u32) -> Result;
    /// `ndo_set_mac_address`: program the (already validated) unicast address.
    fn set_mac_address(&self, dev: &NetDev, addr: &MacAddr) -> Result;
    /// `ndo_set_rx_mode`: apply promiscuous, all-multicast and the multicast list `mc`. Atomic
    /// context.
    fn set_rx_mode(&self, dev: &NetDev, mc: &McList<'_>);
    /// `ndo_set_features`: apply `features` (already fixed) to the hardware; the core records
    /// them once this succeeds.
    fn set_features(&self, dev: &NetDev, features: u64) -> Result;
    /// `ndo_vlan_rx_add_vid`: receive VLAN `vid` while VLAN filtering is on.
    fn vlan_add(&self, dev: &NetDev, vid: u16) -> Result;
    /// `ndo_vlan_rx_kill_vid`: stop receiving VLAN `vid`.
    fn vlan_kill(&self, dev: &NetDev, vid: u16) -> Result;
    /// `ndo_fix_features`: `features` with the driver's dependencies between them applied (the
    /// core applies its own after).
    fn fix_features(&self, dev: &NetDev, features: u64) -> u64;
    /// `ndo_features_check` of a GSO packet: the subset of `features` the device can apply to a
    /// packet laid out as `layout`; the stack does the rest in software. Atomic context.
    ///
    /// Other packets keep their `features` without a call (reading an skb's layout costs as
    /// much as the check): the driver must insert or compute the checksum of any packet that
    /// asks for one.
    fn features_check(&self, dev: &NetDev, layout: &TxLayout, features: u64) -> u64;
    /// `ndo_rx_flow_steer` (accelerated RFS, softirq context): steer `flow` (its ID in the
    /// queue's RFS table is `flow_id`) to receive queue `rxq`; returns the filter ID the kernel
    /// later passes to [`NetDev::rps_may_expire_flow`]. Must not sleep or take a lock the receive
    /// path holds.
    fn rx_flow_steer(
        &self,
        _dev: &NetDev,
        _flow: &FlowKeys,
        _rxq: u16,
        _flow_id: u32,
    ) -> Result<u16> {
        Err(EOPNOTSUPP)
    }
    /// The driver's periodic work (process context, may sleep), run after
    /// [`NetDev::schedule_service`].
    fn service(&self, _dev: &NetDev) {}
    /// `ethtool -i`.
    fn drvinfo(&self) -> DrvInfo<'_>;
    /// Bus address for `ethtool -i` (e.g. `0000:00:03.0`).
    fn bus_info(&self) -> &CStr;
    /// Link state for `ethtool` link settings.
    fn link_info(&self, dev: &NetDev) -> LinkInfo;
}

// `netdev_priv` is aligned to NETDEV_ALIGN.
const NETDEV_ALIGN: usize = 32;

/// Parameters of a new net device.
pub(crate) struct Config {
    /// Whether the device has several queues and RSS (else the channel and RSS ethtool
    /// callbacks are left out).
    pub(crate) multiqueue: bool,
    /// Number of transmit queues allocated.
    pub(crate) txqs: u32,
    /// Number of receive queues allocated.
    pub(crate) rxqs: u32,
    /// Features the user may toggle.
    pub(crate) hw_features: u64,
    /// Features on at start.
    pub(crate) features: u64,
    /// Features VLAN devices on top inherit.
    pub(crate) vlan_features: u64,
    /// Largest MTU the device supports.
    pub(crate) max_mtu: u32,
}

/// An allocated (and, after [`Registration::register`], registered) net device owning a `T` in
/// its private area.
///
/// # Invariants
///
/// `dev` points to a net device allocated by `rxgbe_netdev_alloc` whose private area holds an
/// initialised `T` and whose ops tables are those of `T`; `registered` tells whether
/// `register_netdev` succeeded.
pub(crate) struct Registration<T: NetDevOps> {
    dev: NonNull<bindings::net_device>,
    registered: bool,
    _data: PhantomData<T>,
}

// SAFETY: The registration only holds the device pointer; `T` is `Send + Sync`.
unsafe impl<T: NetDevOps> Send for Registration<T> {}
// SAFETY: Shared access only hands out `&NetDev` and `&T`, both `Sync`.
unsafe impl<T: NetDevOps> Sync for Registration<T> {}

impl<T: NetDevOps> Registration<T> {
    /// Allocates a net device for `parent` and initialises its private data with `init`.
    pub(crate) fn new(
        parent: &device::Device,
        cfg: &Config,
        init: impl FnOnce(&NetDev) -> Result<T>,
    ) -> Result<Self> {
        if mem::align_of::<T>() > NETDEV_ALIGN {
            return Err(EINVAL);
        }
        let priv_size = u32::try_from(mem::size_of::<T>())?;
        // SAFETY: `parent` is a live device; the helper allocates and links the net device.
        let raw =
            unsafe { sys::rxgbe_netdev_alloc(raw_device(parent), priv_size, cfg.txqs, cfg.rxqs) };
        let dev = NonNull::new(raw).ok_or(ENOMEM)?;
        // SAFETY: `raw` is a fresh, unregistered net device; the ops tables are 'static.
        unsafe {
            sys::rxgbe_netdev_setup(
                raw,
                &Self::NETDEV_OPS,
                if cfg.multiqueue {
                    &ethtool::Ops::<T>::TABLE
                } else {
                    &ethtool::Ops::<T>::SINGLE_QUEUE_TABLE
                },
                &qstats::Ops::<T>::TABLE,
                cfg.hw_features,
                cfg.features,
                cfg.vlan_features,
                68,
                cfg.max_mtu,
            )
        };
        // SAFETY: `raw` is fresh; the callback only runs while the device (and `T`) lives: the
        // work is cancelled in `drop` before `T` goes.
        unsafe { sys::rxgbe_netdev_set_service(raw, Some(service_cb::<T>)) };
        // SAFETY: `raw` is live and not registered.
        unsafe { xdp::set_features(raw) };
        // Accelerated RFS maps a CPU to the receive queue whose vector serves it.
        // SAFETY: `raw` is fresh and not registered.
        if cfg.multiqueue && unsafe { sys::rxgbe_netdev_enable_cpu_rmap(raw, cfg.rxqs) } != 0 {
            // SAFETY: never registered, private area not initialised: only the memory goes.
            unsafe { sys::free_netdev(raw) };
            return Err(ENOMEM);
        }
        // SAFETY: `raw` is live until `free_netdev` below or in `drop`.
        let netdev = unsafe { NetDev::from_raw(raw) };
        match init(netdev) {
            Ok(data) => {
                // SAFETY: the private area is `priv_size` bytes, aligned to NETDEV_ALIGN which is
                // at least `T`'s alignment (checked above), and not yet initialised.
                unsafe { sys::rxgbe_netdev_priv(raw).cast::<T>().write(data) };
                // INVARIANT: the private area now holds a `T`.
                Ok(Self {
                    dev,
                    registered: false,
                    _data: PhantomData,
                })
            }
            Err(e) => {
                // SAFETY: never registered, private area not initialised: only the memory goes.
                unsafe { sys::free_netdev(raw) };
                Err(e)
            }
        }
    }

    /// Makes the device visible to the stack. Callbacks may run from now on.
    ///
    /// The carrier starts off: the driver reports the link once it knows it.
    pub(crate) fn register(&mut self) -> Result {
        self.netdev().carrier_off();
        // SAFETY: the device is allocated and fully set up (type invariant).
        to_result(unsafe { sys::register_netdev(self.dev.as_ptr()) })?;
        self.registered = true;
        Ok(())
    }

    /// The net device.
    pub(crate) fn netdev(&self) -> &NetDev {
        // SAFETY: live as long as `self` (type invariant).
        unsafe { NetDev::from_raw(self.dev.as_ptr()) }
    }

    const NETDEV_OPS: sys::net_device_ops = {
        // SAFETY: all-zero is a valid `net_device_ops`: every member is an optional callback.
        let mut ops: sys::net_device_ops = unsafe { mem::zeroed() };
        ops.ndo_open = Some(ndo_open::<T>);
        ops.ndo_stop = Some(ndo_stop::<T>);
        ops.ndo_start_xmit = Some(ndo_start_xmit::<T>);
        ops.ndo_get_stats64 = Some(ndo_get_stats64::<T>);
        ops.ndo_change_mtu = Some(ndo_change_mtu::<T>);
        ops.ndo_set_mac_address = Some(ndo_set_mac_address::<T>);
        ops.ndo_set_rx_mode = Some(ndo_set_rx_mode::<T>);
        ops.ndo_validate_addr = Some(sys::eth_validate_addr);
        ops.ndo_features_check = Some(ndo_features_check::<T>);
        ops.ndo_fix_features = Some(ndo_fix_features::<T>);
        ops.ndo_set_features = Some(ndo_set_features::<T>);
        ops.ndo_vlan_rx_add_vid = Some(ndo_vlan_rx_add_vid::<T>);
        ops.ndo_vlan_rx_kill_vid = Some(ndo_vlan_rx_kill_vid::<T>);
        ops.ndo_rx_flow_steer = Some(ndo_rx_flow_steer::<T>);
        ops.ndo_hwtstamp_get = Some(ptp::ndo_hwtstamp_get::<T>);
        ops.ndo_hwtstamp_set = Some(ptp::ndo_hwtstamp_set::<T>);
        ops.ndo_bpf = Some(xdp::ndo_bpf::<T>);
        ops.ndo_xdp_xmit = Some(xdp::ndo_xdp_xmit::<T>);
        ops.ndo_xsk_wakeup = Some(xdp::ndo_xsk_wakeup::<T>);
        ops
    };
}

impl<T: NetDevOps> Drop for Registration<T> {
    fn drop(&mut self) {
        let raw = self.dev.as_ptr();
        // SAFETY: `raw` is live; its clock's callbacks use `T`, which is still there.
        unsafe { ptp::unregister_clock(raw) };
        if self.registered {
            // SAFETY: registered by `register`; this waits for every callback to finish and
            // stops the interface if it is up, so nothing uses `T` afterwards.
            unsafe { sys::unregister_netdev(raw) };
        }
        // SAFETY: the work item was set up at allocation; after this it neither runs nor is
        // queued, and nothing schedules it any more (the device is unregistered).
        unsafe { sys::rxgbe_netdev_service_cancel(raw) };
        // SAFETY: the private area holds a `T` no one else references any more.
        unsafe { core::ptr::drop_in_place(sys::rxgbe_netdev_priv(raw).cast::<T>()) };
        // SAFETY: unregistered (or never registered); the memory is released last.
        unsafe { sys::free_netdev(raw) };
    }
}

/// Returns the driver data of a net device created by [`Registration`].
///
/// # Safety
///
/// `dev` must be a live net device created by `Registration<T>`.
pub(crate) unsafe fn priv_of<'a, T>(dev: *mut bindings::net_device) -> &'a T {
    // SAFETY: per the function's safety requirement, the private area holds an initialised `T`.
    unsafe { &*sys::rxgbe_netdev_priv(dev).cast::<T>() }
}

/// Runs `f` with the device and driver data of a callback's `dev` argument.
///
/// # Safety
///
/// `dev` must be a live net device created by `Registration<T>`.
pub(super) unsafe fn with_dev<T: NetDevOps, R>(
    dev: *mut bindings::net_device,
    f: impl FnOnce(&NetDev, &T) -> R,
) -> R {
    // SAFETY: per the function's safety requirement.
    let (netdev, data) = unsafe { (NetDev::from_raw(dev), priv_of::<T>(dev)) };
    f(netdev, data)
}

/// C entry point `ndo_open`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_open<T: NetDevOps>(dev: *mut bindings::net_device) -> i32 {
    // SAFETY: the core calls ndo_open on a registered device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.open(d)) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `ndo_stop`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_stop<T: NetDevOps>(dev: *mut bindings::net_device) -> i32 {
    // SAFETY: the core calls ndo_stop on a registered device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.stop(d)) };
    0
}

/// C entry point `ndo_start_xmit`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_start_xmit<T: NetDevOps>(
    skb: *mut bindings::sk_buff,
    dev: *mut bindings::net_device,
) -> sys::netdev_tx_t {
    // SAFETY: the core hands over ownership of a valid skb.
    let skb = unsafe { Skb::from_raw(skb) };
    // SAFETY: the core calls ndo_start_xmit on a registered device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.start_xmit(d, skb)) };
    sys::netdev_tx_NETDEV_TX_OK
}

/// C entry point `ndo_get_stats64`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_get_stats64<T: NetDevOps>(
    dev: *mut bindings::net_device,
    stats: *mut sys::rtnl_link_stats64,
) {
    // The buffer may be only 4-byte aligned (rtnetlink hands out netlink attribute space on
    // machines with cheap unaligned access), so no reference to it is ever made: the driver
    // fills a local copy, read and written back unaligned.
    // SAFETY: the core passes a valid, exclusively owned stats buffer.
    let mut local = unsafe { stats.read_unaligned() };
    // SAFETY: the core calls this on a device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.get_stats64(d, &mut local)) };
    // SAFETY: as above.
    unsafe { stats.write_unaligned(local) };
}

/// C entry point `ndo_change_mtu`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_change_mtu<T: NetDevOps>(dev: *mut bindings::net_device, mtu: i32) -> i32 {
    let Ok(mtu) = u32::try_from(mtu) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the core calls this on a registered device of this driver, under RTNL.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.change_mtu(d, mtu)) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `ndo_set_mac_address`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_set_mac_address<T: NetDevOps>(
    dev: *mut bindings::net_device,
    p: *mut c_void,
) -> i32 {
    // SAFETY: the core passes a `struct sockaddr` whose data holds the new address.
    let sa = unsafe { &*p.cast::<bindings::sockaddr>() };
    let mut addr = [0u8; ETH_ALEN];
    for (dst, src) in addr.iter_mut().zip(sa.sa_data.iter()) {
        *dst = *src;
    }
    // SAFETY: `addr` holds ETH_ALEN bytes.
    if !unsafe { sys::rxgbe_is_valid_ether_addr(addr.as_ptr()) } {
        return EADDRNOTAVAIL.to_errno();
    }
    // SAFETY: the core calls this on a registered device of this driver, under RTNL.
    let res: Result = unsafe {
        with_dev::<T, _>(dev, |d, t| {
            t.set_mac_address(d, &addr)?;
            d.set_addr(&addr);
            Ok(())
        })
    };
    match res {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The C return value of a callback's result: 0 or a negative errno.
pub(super) fn errno_of(r: Result) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// C entry point `ndo_set_features`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_set_features<T: NetDevOps>(
    dev: *mut bindings::net_device,
    features: u64,
) -> i32 {
    // SAFETY: the core calls this on a registered device of this driver, under RTNL.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.set_features(d, features)) };
    errno_of(r)
}

/// C entry point `ndo_vlan_rx_add_vid`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_vlan_rx_add_vid<T: NetDevOps>(
    dev: *mut bindings::net_device,
    _proto: u16,
    vid: u16,
) -> i32 {
    // SAFETY: the core calls this on a registered device of this driver, under RTNL. Only
    // 802.1Q filtering is offered (`HW_VLAN_CTAG_FILTER`), so `_proto` is always 802.1Q.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.vlan_add(d, vid)) };
    errno_of(r)
}

/// C entry point `ndo_vlan_rx_kill_vid`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_vlan_rx_kill_vid<T: NetDevOps>(
    dev: *mut bindings::net_device,
    _proto: u16,
    vid: u16,
) -> i32 {
    // SAFETY: as for `ndo_vlan_rx_add_vid`.
    let r = unsafe { with_dev::<T, _>(dev, |d, t| t.vlan_kill(d, vid)) };
    errno_of(r)
}

/// C entry point `ndo_fix_features`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_fix_features<T: NetDevOps>(
    dev: *mut bindings::net_device,
    features: u64,
) -> u64 {
    // SAFETY: the core calls this, under RTNL, on a device of this driver whose private data
    // was written at allocation (also from within `register_netdevice`).
    unsafe { with_dev::<T, _>(dev, |d, t| t.fix_features(d, features)) }
}

/// C entry point `ndo_features_check`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_features_check<T: NetDevOps>(
    skb: *mut bindings::sk_buff,
    dev: *mut bindings::net_device,
    features: u64,
) -> u64 {
    let mut layout = TxLayout::default();
    // SAFETY: the core passes a valid skb it owns for the duration of the call.
    if !unsafe { sys::rxgbe_skb_gso_layout(skb, &mut layout) } {
        return features;
    }
    // SAFETY: the core calls this on a registered device of this driver.
    unsafe { with_dev::<T, _>(dev, |d, t| t.features_check(d, &layout, features)) }
}

/// C entry point `ndo_rx_flow_steer`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_rx_flow_steer<T: NetDevOps>(
    dev: *mut bindings::net_device,
    skb: *const bindings::sk_buff,
    rxq: u16,
    flow_id: u32,
) -> i32 {
    let mut flow = FlowKeys::default();
    // SAFETY: the core passes a valid received skb for the duration of the call.
    if !unsafe { sys::rxgbe_skb_flow_keys(skb, &mut flow) } {
        return EPROTONOSUPPORT.to_errno();
    }
    // SAFETY: the core calls this on a registered device of this driver.
    match unsafe { with_dev::<T, _>(dev, |d, t| t.rx_flow_steer(d, &flow, rxq, flow_id)) } {
        Ok(id) => i32::from(id),
        Err(e) => e.to_errno(),
    }
}

/// The service work's callback.
///
/// # Safety
///
/// Only called by the work item set up in [`Registration::new`], which is cancelled before the
/// private data is dropped.
unsafe extern "C" fn service_cb<T: NetDevOps>(dev: *mut bindings::net_device) {
    // SAFETY: the device and its `T` are live while the work can run (see above).
    unsafe { with_dev::<T, _>(dev, |d, t| t.service(d)) };
}

/// C entry point `ndo_set_rx_mode`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn ndo_set_rx_mode<T: NetDevOps>(dev: *mut bindings::net_device) {
    // SAFETY: the core calls this on a registered device of this driver.
    unsafe {
        with_dev::<T, _>(dev, |d, t| {
            // INVARIANT: the core calls ndo_set_rx_mode with the address list lock held.
            t.set_rx_mode(d, &McList { dev: d })
        })
    };
}

/// Fills `key` with the system's RSS key (random, shared by all devices, so that a flow hashes
/// the same way on every NIC of the host).
pub(crate) fn rss_key_fill(key: &mut [u8]) {
    // SAFETY: `key` is writable for its length; the core copies at most that many bytes.
    unsafe { sys::rxgbe_rss_key_fill(key.as_mut_ptr().cast(), key.len()) }
}

/// Whether `addr` is a valid unicast station address (not zero, not multicast).
pub(crate) fn is_valid_addr(addr: &MacAddr) -> bool {
    // SAFETY: `addr` holds ETH_ALEN readable bytes.
    unsafe { sys::rxgbe_is_valid_ether_addr(addr.as_ptr()) }
}
