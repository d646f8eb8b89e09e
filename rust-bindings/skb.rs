// SPDX-License-Identifier: GPL-2.0

//! Socket buffers (`struct sk_buff`) owned by the driver.

use core::ptr::NonNull;
use kernel::bindings;

use super::{dma::DmaBytes, pool::PoolPage, sys, vector::NapiRef, xsk::XskBuf};
use kernel::error::{to_result, Result};

/// Where a packet to transmit keeps its headers and which offloads the stack asks for (see
/// `struct rxgbe_tx_layout` in `rxgbe_helpers.h`).
pub(crate) type TxLayout = sys::rxgbe_tx_layout;

/// What the MAC reported of a received frame, for its skb: checksum verdict, RSS hash, stripped
/// VLAN tag and queue (see `struct rxgbe_rx_meta` in `rxgbe_helpers.h`).
pub(crate) type RxMeta = sys::rxgbe_rx_meta;

/// RSS hash kinds of [`RxMeta::hash_type`] (`PKT_HASH_TYPE_*`).
pub(crate) mod hash_type {
    use super::sys;
    /// No hash.
    pub(crate) const NONE: u8 = sys::RXGBE_PKT_HASH_NONE;
    /// A hash of the addresses only.
    pub(crate) const L3: u8 = sys::RXGBE_PKT_HASH_L3;
    /// A hash covering the ports too.
    pub(crate) const L4: u8 = sys::RXGBE_PKT_HASH_L4;
}

/// Link-layer protocol numbers (`ETH_P_*`), host order.
pub(crate) mod eth_p {
    use super::sys;
    /// IPv4.
    pub(crate) const IP: u16 = sys::RXGBE_ETH_P_IP;
    /// IPv6.
    pub(crate) const IPV6: u16 = sys::RXGBE_ETH_P_IPV6;
}

/// Segmentation types of a GSO skb (`SKB_GSO_*`).
pub(crate) mod gso {
    use super::sys;
    /// TCP over IPv4.
    pub(crate) const TCPV4: u32 = sys::RXGBE_SKB_GSO_TCPV4;
    /// TCP over IPv6.
    pub(crate) const TCPV6: u32 = sys::RXGBE_SKB_GSO_TCPV6;
}

/// An owned socket buffer. Dropping it frees it (from any context).
///
/// # Invariants
///
/// `ptr` is a valid skb exclusively owned by this value.
pub(crate) struct Skb {
    ptr: NonNull<bindings::sk_buff>,
}

// SAFETY: An skb is not bound to a thread; ownership moves with the value.
unsafe impl Send for Skb {}
// SAFETY: Shared references only read immutable properties of the skb.
unsafe impl Sync for Skb {}

impl Skb {
    /// Takes ownership of `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid skb whose ownership is transferred to the returned value.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Self {
        // SAFETY: per the safety requirement `ptr` is valid, hence non-null.
        let ptr = unsafe { NonNull::new_unchecked(ptr) };
        Self { ptr }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.ptr.as_ptr()
    }

    fn into_raw(self) -> *mut bindings::sk_buff {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: valid skb (type invariant).
        unsafe { sys::rxgbe_skb_len(self.as_raw()) }
    }

    /// Length of the linear part.
    pub(crate) fn headlen(&self) -> u32 {
        // SAFETY: valid skb (type invariant).
        unsafe { sys::rxgbe_skb_headlen(self.as_raw()) }
    }

    /// Most page fragments an skb can carry (the kernel's `MAX_SKB_FRAGS`).
    pub(crate) const MAX_FRAGS: u32 = sys::RXGBE_MAX_SKB_FRAGS;

    /// Number of page fragments.
    pub(crate) fn nr_frags(&self) -> u32 {
        // SAFETY: valid skb (type invariant).
        unsafe { sys::rxgbe_skb_nr_frags(self.as_raw()) }
    }

    /// The transmit queue the stack picked.
    pub(crate) fn queue_mapping(&self) -> u16 {
        // SAFETY: valid skb (type invariant).
        unsafe { sys::rxgbe_skb_queue_mapping(self.as_raw()) }
    }

    /// Takes the software transmit timestamp, if the socket asked for one: called once the
    /// packet is on the ring, as late before the device sends it as the driver can.
    pub(crate) fn tx_timestamp(&mut self) {
        // SAFETY: valid skb (type invariant), owned by the driver.
        unsafe { sys::rxgbe_skb_tx_timestamp(self.as_raw()) }
    }

    /// Whether the socket asked for a hardware transmit timestamp.
    pub(crate) fn hw_tstamp_requested(&self) -> bool {
        // SAFETY: valid skb (type invariant).
        unsafe { sys::rxgbe_skb_hw_tstamp_requested(self.as_raw()) }
    }

    /// Tells the stack the driver will deliver the hardware transmit timestamp.
    pub(crate) fn set_tstamp_in_progress(&mut self) {
        // SAFETY: valid skb (type invariant), owned by the driver.
        unsafe { sys::rxgbe_skb_tstamp_in_progress(self.as_raw()) }
    }

    /// Delivers the hardware transmit timestamp `ns` to the socket's error queue.
    pub(crate) fn tstamp_tx_hw(&self, ns: u64) {
        // SAFETY: valid skb (type invariant); the core clones what it queues.
        unsafe { sys::rxgbe_skb_tstamp_tx_hw(self.as_raw(), ns) }
    }

    /// Records the hardware receive timestamp `ns`.
    pub(crate) fn set_rx_hwtstamp(&mut self, ns: u64) {
        // SAFETY: valid skb (type invariant), owned by the driver.
        unsafe { sys::rxgbe_skb_set_rx_hwtstamp(self.as_raw(), ns) }
    }

    /// Header offsets and requested offloads, for the transmit path.
    pub(crate) fn tx_layout(&self) -> TxLayout {
        let mut layout = TxLayout::default();
        // SAFETY: valid skb (type invariant); `layout` is a valid output buffer.
        unsafe { sys::rxgbe_skb_tx_layout(self.as_raw(), &mut layout) };
        layout
    }

    /// Readies a TCP segmentation skb's headers for the MAC (the MAC fills in each segment's
    /// lengths); returns the TCP header length.
    pub(crate) fn tso_prepare(&mut self) -> Result<u16> {
        // SAFETY: valid skb owned by us; the helper checks the GSO type before it writes.
        let ret = unsafe { sys::rxgbe_skb_tso_prepare(self.as_raw()) };
        to_result(ret)?;
        u16::try_from(ret).map_err(|_| kernel::error::code::EINVAL)
    }

    /// Computes a `CHECKSUM_PARTIAL` skb's checksum in software.
    pub(crate) fn checksum_help(&mut self) -> Result {
        // SAFETY: valid skb owned by us.
        to_result(unsafe { sys::rxgbe_skb_checksum_help(self.as_raw()) })
    }

    /// Frees a transmitted skb from NAPI context; `budget` 0 means not in NAPI (netpoll).
    pub(crate) fn consume(self, budget: i32) {
        // SAFETY: we own the skb; ownership passes to the core.
        unsafe { sys::napi_consume_skb(self.into_raw(), budget) }
    }

    /// Builds an skb around a received page-pool buffer whose frame starts `headroom` bytes in
    /// and is `len` bytes long. On failure the buffer is handed back.
    pub(crate) fn build(page: PoolPage, headroom: u32, len: u32) -> Result<Skb, PoolPage> {
        // SAFETY: `page` is a pool buffer owned by the caller; `headroom + len` fits the buffer
        // as the receive path programmed the device's buffer size from the same layout.
        let skb = unsafe { sys::rxgbe_skb_build(page.address(), page.truesize(), headroom, len) };
        match NonNull::new(skb) {
            Some(ptr) => {
                // The skb now owns the buffer and returns it to its pool when freed.
                page.into_skb();
                Ok(Skb { ptr })
            }
            None => Err(page),
        }
    }

    /// A new skb holding a copy of the `len` bytes at `offset` of `mem`: the headers the MAC
    /// split off a frame into a header buffer, which the device has finished writing (its
    /// descriptor was written back). `None` if out of range or no skb could be allocated.
    pub(crate) fn copy_head(
        napi: &NapiRef<'_>,
        mem: &DmaBytes,
        offset: u32,
        len: u32,
    ) -> Option<Skb> {
        let src = mem.span(offset as usize, len as usize)?;
        // SAFETY: registered NAPI instance (this is its poll); `src..src + len` lies in `mem`,
        // which outlives the call and which the device no longer writes at these bytes.
        let skb = unsafe { sys::rxgbe_skb_copy_head(napi.as_raw(), src.cast(), len) };
        Some(Skb {
            ptr: NonNull::new(skb)?,
        })
    }

    /// A copy of the frame of a zero-copy buffer, which goes back to its pool; the buffer is
    /// handed back if no skb could be allocated.
    pub(crate) fn copy_xsk(napi: &NapiRef<'_>, buf: XskBuf) -> Result<Skb, XskBuf> {
        // SAFETY: registered NAPI instance (this is its poll); the buffer is the driver's with
        // its frame set, and is freed by the helper only on success.
        let skb = unsafe { sys::rxgbe_xsk_skb(napi.as_raw(), buf.as_raw()) };
        match NonNull::new(skb) {
            Some(ptr) => {
                buf.consumed();
                Ok(Skb { ptr })
            }
            None => Err(buf),
        }
    }

    /// Appends `len` bytes at `offset` of a received page-pool buffer as a fragment; the skb
    /// takes ownership of the buffer.
    pub(crate) fn add_frag(&mut self, page: PoolPage, offset: u32, len: u32) {
        let at = page.page_offset().saturating_add(offset);
        // SAFETY: valid skb built by `build` (recycling marked); the buffer reference moves in.
        unsafe { sys::rxgbe_skb_add_frag(self.as_raw(), page.as_raw(), at, len, page.truesize()) };
        page.into_skb();
    }

    /// The opcode of a MAC control frame (ethertype 0x8808, e.g. PAUSE); `None` for any other.
    pub(crate) fn mac_control_opcode(&self) -> Option<u16> {
        // SAFETY: valid skb (type invariant).
        let op = unsafe { sys::rxgbe_skb_mac_control_opcode(self.as_raw()) };
        u16::try_from(op).ok()
    }

    /// Removes the last `n` bytes of the packet (from its fragments or linear part).
    pub(crate) fn trim_tail(&mut self, n: u32) -> Result {
        let len = self
            .len()
            .checked_sub(n)
            .ok_or(kernel::error::code::EINVAL)?;
        // SAFETY: valid skb owned by the driver (type invariant); `len` is below its length.
        let r = unsafe { sys::rxgbe_skb_trim(self.as_raw(), len) };
        to_result(r)
    }

    /// The first `len` bytes of the linear part, for rewriting headers; `None` when the linear
    /// part is shorter or its header is shared with a clone.
    pub(crate) fn head_mut(&mut self, len: u32) -> Option<&mut [u8]> {
        // SAFETY: valid skb (type invariant).
        if len > self.headlen() || unsafe { sys::rxgbe_skb_header_cloned(self.as_raw()) } {
            return None;
        }
        // SAFETY: valid skb exclusively owned by us (type invariant) whose header no clone
        // shares (checked above); its linear part holds at least `len` bytes at `data`, written
        // only through this borrow.
        let data = unsafe { sys::rxgbe_skb_data(self.as_raw()) };
        // SAFETY: as above; `data` is non-null for a built skb.
        Some(unsafe { core::slice::from_raw_parts_mut(data.cast::<u8>(), len as usize) })
    }

    /// Marks a received skb as `segs` TCP segments merged by large receive offload, of
    /// `gso_size` payload bytes each (the last one may be shorter).
    pub(crate) fn set_lro(&mut self, gso_size: u16, ipv6: bool, segs: u16) {
        // SAFETY: valid skb owned by us.
        unsafe { sys::rxgbe_skb_set_lro(self.as_raw(), gso_size, ipv6, segs) }
    }

    /// Applies the MAC's verdicts of `meta` (its queue aside, which [`Self::receive`] records)
    /// to a received skb.
    pub(crate) fn set_rx_meta(&mut self, meta: &RxMeta) {
        // SAFETY: valid skb owned by us; `meta` is read during the call only.
        unsafe { sys::rxgbe_skb_rx_offloads(self.as_raw(), meta) }
    }

    /// Hands the received skb, arrived on `queue`, to the stack through GRO of `napi`; returns
    /// its length (the whole frame).
    ///
    /// # Safety
    ///
    /// `napi` must be the NAPI instance currently polling on this CPU.
    pub(crate) unsafe fn receive(self, napi: *mut bindings::napi_struct, queue: u16) -> u32 {
        // SAFETY: per the safety requirement; the skb's ownership passes to the stack.
        unsafe { sys::rxgbe_napi_receive(napi, self.into_raw(), queue) }
    }
}

impl Drop for Skb {
    fn drop(&mut self) {
        // SAFETY: we own the skb (type invariant).
        unsafe { sys::rxgbe_skb_free_any(self.as_raw()) }
    }
}
