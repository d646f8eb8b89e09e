// SPDX-License-Identifier: GPL-2.0

//! AF_XDP zero-copy: a socket's buffer pool bound to a queue ([`XskPool`]), the receive buffers
//! taken from it ([`XskBuf`]), and the frames the socket queues for transmission.

use core::ptr::NonNull;
use kernel::{device, dma::DmaAddress, error::to_result, prelude::*};

use super::{dma::raw_device, sys};

/// The buffer pool of an AF_XDP socket bound to one queue of the device in zero-copy mode.
///
/// # Invariants
///
/// `pool` is a live pool. The core keeps it live from the `XDP_SETUP_XSK_POOL` call that
/// hands it to the driver until the call that takes it away; the driver drops every copy before
/// returning from the latter (it restarts the rings without the pool).
#[derive(Clone)]
pub(crate) struct XskPool {
    pool: NonNull<sys::xsk_buff_pool>,
}

// SAFETY: The pool's driver-side calls may be made on any CPU (the rings serialise their own).
unsafe impl Send for XskPool {}
// SAFETY: As above.
unsafe impl Sync for XskPool {}

impl XskPool {
    /// Wraps the pool the core hands to the driver.
    ///
    /// # Safety
    ///
    /// `pool` comes from an `XDP_SETUP_XSK_POOL` call; the caller keeps the invariant (no copy
    /// outlives the call that takes it away).
    pub(super) unsafe fn from_raw(pool: NonNull<sys::xsk_buff_pool>) -> Self {
        Self { pool }
    }

    fn as_raw(&self) -> *mut sys::xsk_buff_pool {
        self.pool.as_ptr()
    }

    /// Maps the pool's memory for `dev`, which must be done before the pool is used.
    pub(crate) fn dma_map(&self, dev: &device::Device<device::Bound>) -> Result {
        // SAFETY: live pool (type invariant); `dev` is bound.
        to_result(unsafe { sys::rxgbe_xsk_pool_dma_map(self.as_raw(), raw_device(dev)) })
    }

    /// Undoes [`Self::dma_map`]; the device must no longer use the pool's memory.
    pub(crate) fn dma_unmap(&self) {
        // SAFETY: live pool, mapped by `dma_map`.
        unsafe { sys::rxgbe_xsk_pool_dma_unmap(self.as_raw()) }
    }

    /// Bytes of a received frame one buffer takes.
    pub(crate) fn rx_frame_size(&self) -> u32 {
        // SAFETY: live pool.
        unsafe { sys::rxgbe_xsk_pool_rx_frame_size(self.as_raw()) }
    }

    /// A free buffer from the socket's fill ring, `None` when the socket gave none.
    pub(crate) fn alloc(&self) -> Option<XskBuf> {
        // SAFETY: live, DMA-mapped pool, used by one ring's poll at a time.
        let xdp = unsafe { sys::rxgbe_xsk_buff_alloc(self.as_raw()) };
        // INVARIANT: a buffer the pool handed out, now the driver's.
        NonNull::new(xdp).map(|xdp| XskBuf { xdp })
    }

    /// The next frame the socket queued for transmission (bus address and length), synced for
    /// the device. [`Self::tx_release`] must follow once the batch is queued.
    pub(crate) fn tx_next(&self) -> Option<(DmaAddress, u32)> {
        let (mut dma, mut len) = (0, 0);
        // SAFETY: live pool; the outputs are writable.
        unsafe { sys::rxgbe_xsk_tx_next(self.as_raw(), &mut dma, &mut len) }.then_some((dma, len))
    }

    /// Tells the socket the frames taken with [`Self::tx_next`] are queued.
    pub(crate) fn tx_release(&self) {
        // SAFETY: live pool.
        unsafe { sys::xsk_tx_release(self.as_raw()) }
    }

    /// Tells the socket `n` of its frames were sent, in queuing order.
    pub(crate) fn tx_completed(&self, n: u32) {
        // SAFETY: live pool; `n` frames taken with `tx_next` completed.
        unsafe { sys::xsk_tx_completed(self.as_raw(), n) }
    }

    /// Whether the socket asked to be told when the driver needs a wake-up call to go on.
    pub(crate) fn uses_need_wakeup(&self) -> bool {
        // SAFETY: live pool.
        unsafe { sys::xsk_uses_need_wakeup(self.as_raw()) }
    }

    /// Asks the socket for a wake-up call before receiving goes on (or says none is needed).
    pub(crate) fn set_rx_need_wakeup(&self, needed: bool) {
        // SAFETY: live pool.
        unsafe {
            if needed {
                sys::xsk_set_rx_need_wakeup(self.as_raw())
            } else {
                sys::xsk_clear_rx_need_wakeup(self.as_raw())
            }
        }
    }

    /// Asks the socket for a wake-up call when it queues more frames to send.
    pub(crate) fn set_tx_need_wakeup(&self) {
        // SAFETY: live pool.
        unsafe { sys::xsk_set_tx_need_wakeup(self.as_raw()) }
    }

    /// The pool, for registering the XDP queue information of the ring using it.
    pub(super) fn raw(&self) -> *mut sys::xsk_buff_pool {
        self.as_raw()
    }
}

/// One receive buffer of an [`XskPool`], owned by the driver until it goes back to the pool
/// (dropped) or on to the socket or the stack.
///
/// # Invariants
///
/// `xdp` is a buffer of a live pool, owned by this value.
pub(crate) struct XskBuf {
    xdp: NonNull<sys::xdp_buff>,
}

// SAFETY: The buffer may move between CPUs with its ring.
unsafe impl Send for XskBuf {}
// SAFETY: Shared references only read the buffer's address.
unsafe impl Sync for XskBuf {}

impl XskBuf {
    /// The bus address the device writes a frame to.
    pub(crate) fn dma(&self) -> DmaAddress {
        // SAFETY: a live buffer (type invariant).
        unsafe { sys::rxgbe_xsk_buff_dma(self.xdp.as_ptr()) }
    }

    /// Sets the frame to the `len` bytes the device wrote and returns them, synced for the
    /// CPU. Empty if `len` exceeds the buffer.
    pub(crate) fn frame(&mut self, len: u32, frame_size: u32) -> &[u8] {
        if len > frame_size {
            return &[];
        }
        // SAFETY: a live buffer owned by `self`, which the device no longer writes (its
        // descriptor was written back); `len` is within the buffer's frame size.
        unsafe {
            let data = sys::rxgbe_xsk_buff_sync(self.xdp.as_ptr(), len);
            core::slice::from_raw_parts(data.cast::<u8>(), len as usize)
        }
    }

    pub(super) fn as_raw(&self) -> *mut sys::xdp_buff {
        self.xdp.as_ptr()
    }

    /// Ownership went to the socket, the stack's copy or the pool: nothing left to free.
    pub(super) fn consumed(self) {
        core::mem::forget(self);
    }
}

impl Drop for XskBuf {
    fn drop(&mut self) {
        // SAFETY: a live buffer owned by `self`; it goes back to its pool's free list.
        unsafe { sys::rxgbe_xsk_buff_free(self.xdp.as_ptr()) }
    }
}
