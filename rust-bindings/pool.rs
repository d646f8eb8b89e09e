// SPDX-License-Identifier: GPL-2.0

//! Receive buffers from a `page_pool`, which maps them for DMA and recycles them: whole pages,
//! or half pages where frames are known to be short (a page cut in two, each half holding one
//! of the page's pool references).

use core::{mem::MaybeUninit, ptr::NonNull};
use kernel::{
    bindings,
    device::{self, Bound},
    dma::DmaAddress,
    error::to_result,
    prelude::*,
};

use super::{dma::raw_device, sys, vector::NapiRef};
use crate::logic::ring::RxBufLayout;
use kernel::page::PAGE_SIZE;

/// Pages [`PagePool::alloc_each`] asks the pool for per call into C.
const ALLOC_BATCH: usize = 16;

/// Bytes `build_skb` keeps at the end of a buffer for the skb's shared info.
pub(crate) const SHINFO_SIZE: u32 = sys::RXGBE_SKB_SHINFO_SIZE;

/// A page pool bound to one receive ring and its NAPI instance, handing out buffers of one
/// layout.
///
/// # Invariants
///
/// `pool` is a live pool created by `page_pool_create`, destroyed on drop; `layout.truesize`
/// is a page or half a page; `spare` is from this pool.
pub(crate) struct PagePool {
    pool: NonNull<bindings::page_pool>,
    layout: RxBufLayout,
    /// The second half of the last page cut in two, handed out by the next allocation.
    spare: Option<PoolPage>,
}

// SAFETY: A page pool may be used from any CPU; the fast paths are NAPI-local by construction
// (the pool records its NAPI instance).
unsafe impl Send for PagePool {}
// SAFETY: As above.
unsafe impl Sync for PagePool {}

impl PagePool {
    /// Creates a pool of `size` pages for `dev` whose buffers have `layout` (a whole page or
    /// half of one, `EINVAL` otherwise).
    pub(crate) fn new(
        dev: &device::Device<Bound>,
        napi: &NapiRef<'_>,
        size: u32,
        layout: RxBufLayout,
    ) -> Result<Self> {
        let page = PAGE_SIZE as u32;
        if layout.truesize != page && layout.truesize != page / 2 {
            return Err(EINVAL);
        }
        let mut out: *mut bindings::page_pool = core::ptr::null_mut();
        // SAFETY: `dev` is bound, `napi` is a registered NAPI instance, `out` is writable.
        to_result(unsafe {
            sys::rxgbe_page_pool_create(raw_device(dev), napi.as_raw(), size, &mut out)
        })?;
        let pool = NonNull::new(out).ok_or(ENOMEM)?;
        // INVARIANT: the truesize was checked above; no spare yet.
        Ok(Self {
            pool,
            layout,
            spare: None,
        })
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::page_pool {
        self.pool.as_ptr()
    }

    /// The layout of this pool's buffers.
    pub(crate) fn layout(&self) -> RxBufLayout {
        self.layout
    }

    /// Allocates up to `want` DMA-mapped buffers and hands each to `post`, in order; returns
    /// how many it handed over (fewer when memory is short). A buffer `post` returns (one it
    /// displaced) goes back to the pool.
    ///
    /// Pages come from the pool [`ALLOC_BATCH`] per call into C, and a page cut in two gives
    /// both halves to `post` in turn: the per-buffer loop makes no call and keeps no half in
    /// the pool between two buffers (a half left over at the end waits for the next call).
    #[inline(always)]
    pub(crate) fn alloc_each(
        &mut self,
        want: u32,
        mut post: impl FnMut(PoolPage) -> Option<PoolPage>,
    ) -> u32 {
        let mut done = 0;
        if want == 0 {
            return 0;
        }
        if let Some(half) = self.spare.take() {
            self.give_back(post(half));
            done += 1;
        }
        let size = self.layout.truesize;
        let halves = size < PAGE_SIZE as u32;
        let per_page: u8 = if halves { 2 } else { 1 };
        // Left uninitialised: the helper writes the entries it returns, and zeroing the array
        // first (384 bytes) cost 24 instructions per received frame (`make iprofile`).
        let mut bufs = [const { MaybeUninit::<sys::rxgbe_pp_buf>::uninit() }; ALLOC_BATCH];
        while done < want {
            let pages = (want - done)
                .div_ceil(u32::from(per_page))
                .min(ALLOC_BATCH as u32);
            // SAFETY: live pool; `bufs` has room for `pages` (at most ALLOC_BATCH) entries; one
            // reference per buffer cut from each page.
            let got = unsafe {
                sys::rxgbe_pp_alloc_pages(
                    self.pool.as_ptr(),
                    kernel::ffi::c_long::from(per_page),
                    pages,
                    bufs.as_mut_ptr().cast(),
                )
            };
            for slot in bufs.iter().take(got as usize) {
                // SAFETY: the helper wrote each of the first `got` entries, with a lowmem page's
                // address.
                let buf = unsafe { slot.assume_init_read() };
                let (Some(page), Some(va)) = (NonNull::new(buf.page), NonNull::new(buf.va)) else {
                    continue;
                };
                let va = va.cast::<u8>();
                // INVARIANT: the pool returned a page mapped at `va` and `buf.dma`; this buffer
                // is its first `size` bytes, with one of its references.
                let first = PoolPage {
                    page,
                    offset: 0,
                    truesize: size,
                    va,
                    dma: buf.dma,
                };
                self.give_back(post(first));
                done += 1;
                // The two halves are spelled out rather than looped over: the loop cost 20 more
                // instructions per buffer (`make iprofile`, `RxRing::fill`: 76 against 56).
                if !halves {
                    continue;
                }
                // SAFETY: `size` is half a page: the second half starts within the page.
                let second_va = unsafe { va.add(size as usize) };
                // INVARIANT: the second half, `size` bytes at `size` of the page, holds the
                // page's second reference.
                let second = PoolPage {
                    page,
                    offset: size,
                    truesize: size,
                    va: second_va,
                    dma: buf.dma + u64::from(size),
                };
                if done < want {
                    self.give_back(post(second));
                    done += 1;
                } else {
                    self.spare = Some(second);
                }
            }
            if got < pages {
                break;
            }
        }
        done
    }

    fn give_back(&self, page: Option<PoolPage>) {
        if let Some(page) = page {
            self.recycle(page, false);
        }
    }

    /// Makes `len` bytes at `offset` of buffer `page` visible to the CPU after the device wrote
    /// them.
    pub(crate) fn sync_for_cpu(&self, page: &PoolPage, offset: u32, len: u32) {
        // SAFETY: `page` came from this pool (PoolPage is only made by `alloc`); the pool syncs
        // relative to the page start (its own offset is 0).
        unsafe {
            sys::rxgbe_pp_sync_for_cpu(
                self.pool.as_ptr(),
                page.as_raw(),
                page.offset.saturating_add(offset),
                len,
            )
        }
    }

    /// Returns an unused buffer to the pool (the page is recycled once all its buffers are);
    /// `in_napi` allows the lock-free fast cache.
    pub(crate) fn recycle(&self, page: PoolPage, in_napi: bool) {
        // SAFETY: `page` came from this pool and the caller gives up its reference.
        unsafe { sys::rxgbe_pp_put(self.pool.as_ptr(), page.as_raw(), in_napi) }
    }
}

impl Drop for PagePool {
    fn drop(&mut self) {
        if let Some(half) = self.spare.take() {
            self.recycle(half, false);
        }
        // SAFETY: live pool; pages still held by skbs keep the pool's memory until returned.
        unsafe { sys::page_pool_destroy(self.pool.as_ptr()) }
    }
}

/// One buffer owned by the driver, from a [`PagePool`]: `truesize` bytes at `offset` of a
/// pool page, the driver holding one of the page's references.
///
/// Give it back with [`PagePool::recycle`] or to an skb; dropping it leaks the page.
///
/// # Invariants
///
/// `offset + truesize` is at most `PAGE_SIZE`.
#[must_use]
pub(crate) struct PoolPage {
    page: NonNull<bindings::page>,
    offset: u32,
    truesize: u32,
    /// Kernel address of the buffer's start (kept: the receive path needs it per frame).
    va: NonNull<u8>,
    /// Bus address of the buffer's start.
    dma: DmaAddress,
}

// SAFETY: The page reference can move between CPUs.
unsafe impl Send for PoolPage {}
// SAFETY: Shared references only read the page's DMA address and kernel address.
unsafe impl Sync for PoolPage {}

impl PoolPage {
    pub(crate) fn as_raw(&self) -> *mut bindings::page {
        self.page.as_ptr()
    }

    /// Where the buffer starts in its page.
    pub(crate) fn page_offset(&self) -> u32 {
        self.offset
    }

    /// Bytes of page the buffer takes.
    pub(crate) fn truesize(&self) -> u32 {
        self.truesize
    }

    /// The buffer's bus address (the pool mapped its page).
    pub(crate) fn dma(&self) -> DmaAddress {
        self.dma
    }

    /// The buffer's kernel address.
    pub(crate) fn address(&self) -> *mut core::ffi::c_void {
        self.va.as_ptr().cast()
    }

    /// The `len` bytes at `offset` in the buffer, as the device wrote them; the caller has
    /// synchronised them for the CPU ([`PagePool::sync_for_cpu`]). Empty when the range is not
    /// within the buffer.
    pub(crate) fn bytes(&self, offset: u32, len: u32) -> &[u8] {
        if offset
            .checked_add(len)
            .is_none_or(|end| end > self.truesize)
        {
            return &[];
        }
        // SAFETY: the buffer lies in a mapped lowmem page owned (for these bytes) by this
        // handle and the range lies within the buffer; the device no longer writes it (the
        // descriptor was written back) and nothing else writes it while `self` is borrowed.
        unsafe {
            core::slice::from_raw_parts(
                self.address().cast::<u8>().add(offset as usize),
                len as usize,
            )
        }
    }

    /// Ownership has moved into an skb: consuming the handle is all there is to do.
    pub(crate) fn into_skb(self) {}

    /// Ownership has moved into an XDP frame or to a redirect target, which return the
    /// buffer to the pool.
    pub(crate) fn into_xdp(self) {}
}
