// SPDX-License-Identifier: GPL-2.0

//! Receive buffers from a `page_pool`, which maps them for DMA and recycles them.

use core::ptr::NonNull;
use kernel::{
    bindings,
    device::{self, Bound},
    dma::DmaAddress,
    error::to_result,
    prelude::*,
};

use super::{dma::raw_device, sys, vector::NapiRef};

/// A page pool bound to one receive ring and its NAPI instance.
///
/// # Invariants
///
/// `pool` is a live pool created by `page_pool_create`, destroyed on drop.
pub(crate) struct PagePool {
    pool: NonNull<bindings::page_pool>,
}

// SAFETY: A page pool may be used from any CPU; the fast paths are NAPI-local by construction
// (the pool records its NAPI instance).
unsafe impl Send for PagePool {}
// SAFETY: As above.
unsafe impl Sync for PagePool {}

impl PagePool {
    /// Creates a pool of `size` pages for `dev`, synced for the device from `offset` for at most
    /// `max_len` bytes.
    pub(crate) fn new(
        dev: &device::Device<Bound>,
        napi: &NapiRef<'_>,
        size: u32,
        offset: u32,
        max_len: u32,
    ) -> Result<Self> {
        let mut out: *mut bindings::page_pool = core::ptr::null_mut();
        // SAFETY: `dev` is bound, `napi` is a registered NAPI instance, `out` is writable.
        to_result(unsafe {
            sys::rxgbe_page_pool_create(
                raw_device(dev),
                napi.as_raw(),
                size,
                offset,
                max_len,
                &mut out,
            )
        })?;
        let pool = NonNull::new(out).ok_or(ENOMEM)?;
        Ok(Self { pool })
    }

    /// Allocates a DMA-mapped page, or `None` when memory is short.
    pub(crate) fn alloc(&self) -> Option<PoolPage> {
        // SAFETY: live pool (type invariant).
        let page = unsafe { sys::rxgbe_pp_alloc(self.pool.as_ptr()) };
        NonNull::new(page).map(|page| PoolPage { page })
    }

    /// Makes `len` bytes at `offset` of `page` visible to the CPU after the device wrote them.
    pub(crate) fn sync_for_cpu(&self, page: &PoolPage, offset: u32, len: u32) {
        // SAFETY: `page` came from this pool (PoolPage is only made by `alloc`).
        unsafe { sys::rxgbe_pp_sync_for_cpu(self.pool.as_ptr(), page.as_raw(), offset, len) }
    }

    /// Returns an unused page to the pool; `in_napi` allows the lock-free fast cache.
    pub(crate) fn recycle(&self, page: PoolPage, in_napi: bool) {
        // SAFETY: `page` came from this pool and the caller gives up its reference.
        unsafe { sys::rxgbe_pp_put(self.pool.as_ptr(), page.as_raw(), in_napi) }
    }
}

impl Drop for PagePool {
    fn drop(&mut self) {
        // SAFETY: live pool; pages still held by skbs keep the pool's memory until returned.
        unsafe { sys::page_pool_destroy(self.pool.as_ptr()) }
    }
}

/// One page owned by the driver, from a [`PagePool`].
///
/// Give it back with [`PagePool::recycle`] or to an skb; dropping it leaks the page.
#[must_use]
pub(crate) struct PoolPage {
    page: NonNull<bindings::page>,
}

// SAFETY: The page reference can move between CPUs.
unsafe impl Send for PoolPage {}
// SAFETY: Shared references only read the page's DMA address and kernel address.
unsafe impl Sync for PoolPage {}

impl PoolPage {
    pub(crate) fn as_raw(&self) -> *mut bindings::page {
        self.page.as_ptr()
    }

    /// The page's bus address (mapped by the pool).
    pub(crate) fn dma(&self) -> DmaAddress {
        // SAFETY: a page allocated from a DMA-mapping pool.
        unsafe { sys::rxgbe_pp_dma(self.as_raw()) }
    }

    pub(crate) fn address(&self) -> *mut core::ffi::c_void {
        // SAFETY: pool pages are lowmem pages with a kernel address.
        unsafe { sys::rxgbe_page_address(self.as_raw()) }
    }

    /// The `len` bytes at `offset` in the page, as the device wrote them; the caller has
    /// synchronised them for the CPU ([`PagePool::sync_for_cpu`]). Empty when the range is not
    /// within the page.
    pub(crate) fn bytes(&self, offset: u32, len: u32) -> &[u8] {
        let (Ok(offset), Ok(len)) = (usize::try_from(offset), usize::try_from(len)) else {
            return &[];
        };
        if offset
            .checked_add(len)
            .is_none_or(|end| end > kernel::page::PAGE_SIZE)
        {
            return &[];
        }
        // SAFETY: the page is a mapped lowmem page of `PAGE_SIZE` bytes owned by this handle
        // and the range lies within it; the device no longer writes it (the descriptor was
        // written back) and nothing else writes it while `self` is borrowed.
        unsafe { core::slice::from_raw_parts(self.address().cast::<u8>().add(offset), len) }
    }

    /// Ownership has moved into an skb: consuming the handle is all there is to do.
    pub(crate) fn into_skb(self) {}
}
