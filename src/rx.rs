// SPDX-License-Identifier: GPL-2.0

//! Receive ring: page-pool buffers handed to the device, completed frames built into skbs
//! (chained frames become fragments) and passed to GRO.

use kernel::{
    device::Bound,
    pci,
    prelude::*,
    sync::barrier::{dma_mb, Read},
};

use crate::hal::Hw;
use crate::logic::{desc, ring};
use crate::net::{
    dma::DescRing,
    netdev::features,
    pool::{PagePool, PoolPage},
    skb::Skb,
    vector::NapiRef,
};
use crate::ring_mem::alloc_ring;
use crate::stats::QueueStats;

/// Descriptors cleaned between two refills within one poll.
const REFILL_BATCH: u32 = 16;

/// Headroom before each frame: room for XDP to grow headers without a copy.
pub(crate) const RX_HEADROOM: u32 = 256;
/// Bytes of each buffer the device may write.
pub(crate) const RX_BUF_LEN: u32 = 2048;
/// Memory accounted per buffer: one page.
const RX_TRUESIZE: u32 = 4096;

/// A receive ring and the buffers posted to it.
pub(crate) struct RxRing {
    q: usize,
    fmt: desc::Format,
    descs: DescRing,
    pages: KVec<Option<PoolPage>>,
    pool: Option<PagePool>,
    next_to_use: u32,
    next_to_clean: u32,
    /// A frame whose first buffers arrived but not yet its last (EOP) one.
    partial: Option<Skb>,
    partial_error: bool,
}

impl RxRing {
    /// Allocates the descriptor ring of `count` entries for queue `q`.
    pub(crate) fn new(
        dev: &pci::Device<Bound>,
        q: usize,
        fmt: desc::Format,
        count: u32,
    ) -> Result<Self> {
        let (descs, pages) = alloc_ring(dev, count)?;
        Ok(Self {
            q,
            fmt,
            descs,
            pages,
            pool: None,
            next_to_use: 0,
            next_to_clean: 0,
            partial: None,
            partial_error: false,
        })
    }

    fn count(&self) -> u32 {
        self.descs.count() as u32
    }

    /// Creates a page pool for a ring of `count` buffers, tied to the NAPI instance that will
    /// poll it. Creating it sleeps, so it is made outside the ring's lock and attached after.
    pub(crate) fn new_pool(
        dev: &pci::Device<Bound>,
        napi: &NapiRef<'_>,
        count: u32,
    ) -> Result<PagePool> {
        PagePool::new(dev.as_ref(), napi, count, RX_HEADROOM, RX_BUF_LEN)
    }

    /// Attaches the ring's page pool.
    pub(crate) fn attach_pool(&mut self, pool: PagePool) {
        self.pool = Some(pool);
    }

    /// Programs the ring into the MAC.
    pub(crate) fn program(&self, hw: &Hw<'_>) -> Result {
        hw.setup_rx_ring(
            self.q,
            self.descs.dma_address(),
            u32::try_from(self.descs.byte_len())?,
        )
    }

    /// Posts buffers to every free slot and moves the tail.
    pub(crate) fn refill(&mut self, hw: &Hw<'_>, stats: &QueueStats) {
        let Some(pool) = self.pool.as_ref() else {
            return;
        };
        let count = self.count();
        let mut posted = 0;
        while ring::unused(self.next_to_use, self.next_to_clean, count) > 0 {
            let i = self.next_to_use as usize;
            let Some(page) = pool.alloc() else {
                stats.rx_alloc_fail.add(1);
                break;
            };
            let addr = page.dma() + u64::from(RX_HEADROOM);
            if let Some(slot) = self.pages.get_mut(i) {
                if let Some(old) = slot.replace(page) {
                    pool.recycle(old, false);
                }
            }
            self.descs.write(i, desc::rx_ready(self.fmt, addr));
            self.next_to_use = ring::next(self.next_to_use, count);
            posted += 1;
        }
        if posted > 0 {
            // The MMIO write orders the descriptor writes before it.
            hw.rx_tail(self.q, self.next_to_use as u16);
        }
    }

    /// Whether the device has written back a frame the next [`Self::clean`] would receive.
    pub(crate) fn has_frames(&self) -> bool {
        self.next_to_clean != self.next_to_use
            && desc::rx_done(self.fmt, self.descs.read(self.next_to_clean as usize)).is_some()
    }

    /// Receives up to `budget` frames; returns how many were passed to the stack.
    pub(crate) fn clean(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        budget: i32,
    ) -> i32 {
        let count = self.count();
        let mut done = 0;
        let mut bytes = 0u64;
        let feats = napi.netdev().features();
        let rx_csum = feats & features::RXCSUM != 0;
        let rx_hash = feats & features::RXHASH != 0;
        let mut since_refill = 0u32;
        while done < budget && self.next_to_clean != self.next_to_use {
            // Give buffers back while cleaning, not only at the end: a jumbo frame takes several
            // descriptors, and the device drops frames aimed at a ring without room for them.
            if since_refill >= REFILL_BATCH {
                self.refill(hw, stats);
                since_refill = 0;
            }
            since_refill += 1;
            let i = self.next_to_clean as usize;
            let Some(d) = desc::rx_done(self.fmt, self.descs.read(i)) else {
                break;
            };
            // Read the rest of the descriptor and the buffer only after seeing DD.
            dma_mb(Read);
            self.next_to_clean = ring::next(self.next_to_clean, count);
            let Some(page) = self.pages.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let Some(pool) = self.pool.as_ref() else {
                continue;
            };
            let len = u32::from(d.len);
            pool.sync_for_cpu(&page, RX_HEADROOM, len);
            match self.partial.take() {
                Some(mut skb) => {
                    skb.add_frag(page, RX_HEADROOM, len, RX_TRUESIZE);
                    self.partial = Some(skb);
                }
                None => match Skb::build(page, RX_TRUESIZE, RX_HEADROOM, len) {
                    Ok(skb) => self.partial = Some(skb),
                    Err(page) => {
                        pool.recycle(page, true);
                        stats.rx_alloc_fail.add(1);
                        self.partial_error = true;
                    }
                },
            }
            self.partial_error |= d.frame_error;
            if !d.eop {
                continue;
            }
            let failed = core::mem::take(&mut self.partial_error);
            let Some(mut skb) = self.partial.take() else {
                continue;
            };
            if failed {
                stats.rx_errors.add(1);
                drop(skb);
                continue;
            }
            bytes += u64::from(skb.len());
            match d.csum {
                desc::RxCsum::Good if rx_csum => skb.set_csum_unnecessary(),
                desc::RxCsum::Bad => stats.rx_csum_err.add(1),
                _ => {}
            }
            if rx_hash {
                match d.hash {
                    desc::RxHash::L4(h) => skb.set_hash(h, true),
                    desc::RxHash::L3(h) => skb.set_hash(h, false),
                    desc::RxHash::None => {}
                }
            }
            skb.rx_finish(napi.netdev(), self.q as u16);
            napi.gro_receive(skb);
            done += 1;
        }
        if done > 0 {
            stats.rx_packets.add(done as u64);
            stats.rx_bytes.add(bytes);
        }
        self.refill(hw, stats);
        done
    }

    /// Returns every buffer to the pool; the device must no longer use the ring.
    pub(crate) fn release(&mut self) {
        self.partial = None;
        if let Some(pool) = self.pool.as_ref() {
            for slot in self.pages.iter_mut() {
                if let Some(page) = slot.take() {
                    pool.recycle(page, false);
                }
            }
        }
        self.next_to_use = 0;
        self.next_to_clean = 0;
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        self.release();
    }
}
