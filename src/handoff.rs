// SPDX-License-Identifier: GPL-2.0

//! Cross-vector hand-off: how a frame that one ring received but a rule gives to another queue
//! reaches that queue's NAPI context, on the CPU that serves the queue's vector.
//!
//! Each queue has an [`Inbox`], a bounded FIFO of skbs. A ring's poll collects the frames it
//! steers away into one batch per target queue (no lock), and at the end of the poll (or when
//! a batch fills) moves each batch into the target's inbox under the inbox lock, once per batch,
//! then raises the target's vector through the MAC (`EICS`), so the target's own interrupt
//! schedules its NAPI on its own CPU. The target's poll empties its inbox (one lock per poll)
//! and hands the skbs to GRO as its own. A full inbox drops the rest of the batch, counted,
//! instead of making the producer wait. Docs: ARCHITECTURE.md "Flow steering".

use kernel::{
    new_spinlock,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Arc, SpinLock,
    },
};

use crate::logic::ring;
use crate::net::{bh::lock_bh, skb::Skb};

/// Frames a ring collects for one target before moving them to the target's inbox.
pub(crate) const BATCH: usize = 64;

/// The skbs waiting for one queue's poll, oldest first.
pub(crate) struct InboxRing {
    slots: KVec<Option<Skb>>,
    head: u32,
    len: u32,
}

impl InboxRing {
    fn capacity(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Appends `skb`, or gives it back if the inbox is full.
    fn push(&mut self, skb: Skb) -> core::result::Result<(), Skb> {
        let cap = self.capacity();
        if self.len >= cap {
            return Err(skb);
        }
        let at = ring::advance(self.head, self.len, cap);
        match self.slots.get_mut(at as usize) {
            Some(slot) => {
                *slot = Some(skb);
                self.len += 1;
                Ok(())
            }
            None => Err(skb),
        }
    }

    fn pop(&mut self) -> Option<Skb> {
        if self.len == 0 {
            return None;
        }
        let skb = self.slots.get_mut(self.head as usize)?.take();
        self.head = ring::next(self.head, self.capacity());
        self.len -= 1;
        skb
    }
}

/// One queue's inbox, shared by every ring that may steer to it.
#[pin_data]
pub(crate) struct InboxShared {
    #[pin]
    ring: SpinLock<InboxRing>,
    /// Frames in `ring`, written under its lock and read without it: the consumer's poll skips
    /// the lock while nothing was handed over (the common case: no rule steers here). A stale
    /// zero is harmless, as every hand-off raises the consumer's vector after it.
    queued: Atomic<u32>,
}

/// A shared handle to a queue's inbox.
pub(crate) type Inbox = Arc<InboxShared>;

/// An empty inbox holding up to `capacity` frames.
pub(crate) fn new_inbox(capacity: u32) -> Result<Inbox> {
    let mut slots = KVec::with_capacity(capacity as usize, GFP_KERNEL)?;
    for _ in 0..capacity {
        slots.push(None, GFP_KERNEL)?;
    }
    Arc::pin_init(
        pin_init!(InboxShared {
            ring <- new_spinlock!(InboxRing {
                slots,
                head: 0,
                len: 0,
            }),
            queued: Atomic::new(0),
        }),
        GFP_KERNEL,
    )
}

/// Moves `batch` into `inbox`, oldest first; returns how many did not fit (freed). Called from
/// a NAPI poll, where bottom halves are already off: a plain lock, whose release cannot run
/// softirqs (netpoll polls with interrupts off, where that must not happen).
pub(crate) fn deliver_batch(inbox: &Inbox, batch: &mut KVec<Skb>) -> u64 {
    let mut dropped = 0;
    let mut ring = inbox.ring.lock();
    for skb in batch.drain_all() {
        if ring.push(skb).is_err() {
            dropped += 1;
        }
    }
    inbox.queued.store(ring.len, Release);
    dropped
}

/// Moves up to `max` frames from `inbox` into `out` (within its capacity), oldest first. From a
/// NAPI poll, with a plain lock as in [`deliver_batch`].
pub(crate) fn take(inbox: &Inbox, out: &mut KVec<Skb>, max: usize) {
    if !has_frames(inbox) {
        return;
    }
    let mut ring = inbox.ring.lock();
    while out.len() < max {
        let Some(skb) = ring.pop() else {
            break;
        };
        if let Err(e) = out.push_within_capacity(skb) {
            // Cannot happen: callers bound `max` by the capacity. The frame is freed, not lost.
            drop(e);
            break;
        }
    }
    inbox.queued.store(ring.len, Release);
}

/// Whether `inbox` holds frames (without its lock: see [`InboxShared::queued`]).
#[inline]
pub(crate) fn has_frames(inbox: &Inbox) -> bool {
    inbox.queued.load(Acquire) > 0
}

/// Frees every frame in `inbox` (the interface is going down, no poll runs).
pub(crate) fn purge(inbox: &Inbox) {
    let mut ring = lock_bh(&inbox.ring);
    while ring.pop().is_some() {}
    inbox.queued.store(0, Release);
}
