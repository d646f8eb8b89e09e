// SPDX-License-Identifier: GPL-2.0

//! Transmit ring: skbs mapped buffer by buffer onto descriptors, completions unmapped and
//! freed, byte queue limits and queue stop/wake.
//!
//! Stop/wake is race-free because both the transmit path and the completion path run under
//! the ring's lock: the transmit path stops the queue while holding it, and completion checks
//! for a stopped queue while holding it, so a wake-up can never be lost between the two.

use kernel::{
    device::Bound,
    dma::DmaAddress,
    pci,
    prelude::*,
    sync::barrier::{dma_mb, Read},
};

use crate::hal::Hw;
use crate::logic::{
    desc,
    offload::{DataOffload, TxPlan},
    ring, wire,
};
use crate::net::{
    dma::{DescRing, TxMap},
    netdev::{xmit_more, NetDev, TxQueue},
    skb::Skb,
    xdp::XdpFrame,
    xsk::XskPool,
};
use crate::ring_mem::alloc_ring;
use crate::stats::QueueStats;
use crate::tx_offload;

/// Most descriptors one packet may use (the 82576 limit; the 82540EM has none lower).
pub(crate) const MAX_DESCS_PER_PACKET: u32 = 64;
/// The queue is stopped when fewer descriptors than this are free.
const STOP_THRESHOLD: u32 = ring::tx_stop_threshold(Skb::MAX_FRAGS);
// The smallest ring must take the largest packet while its queue is awake, and no packet the stack
// can hand over needs more descriptors than the MAC takes: neither is checked per packet.
const _: () = assert!(STOP_THRESHOLD < ring::MIN_DESCS);
const _: () = assert!(ring::descs_for_packet(Skb::MAX_FRAGS) <= MAX_DESCS_PER_PACKET);

#[derive(Default)]
struct Slot {
    map: Option<TxMap>,
    /// Set on a packet's first slot: the skb, the frames and bytes it becomes on the wire, and
    /// its last descriptor.
    skb: Option<Skb>,
    frames: u32,
    bytes: u32,
    eop: u32,
    /// The packet holds the MAC's transmit timestamp latch.
    timestamp: bool,
    /// Set instead of `skb` on an XDP frame's slot.
    xdp: Option<XdpFrame>,
    /// The slot sends a frame of the zero-copy socket (its buffer is the socket's).
    xsk: bool,
}

/// A transmit ring.
pub(crate) struct TxRing {
    q: usize,
    fmt: desc::Format,
    descs: DescRing,
    slots: KVec<Slot>,
    next_to_use: u32,
    next_to_clean: u32,
    /// The zero-copy socket bound to this queue, whose frames the ring sends too.
    xsk: Option<XskPool>,
}

impl TxRing {
    /// Allocates the descriptor ring of `count` entries for queue `q`.
    pub(crate) fn new(
        dev: &pci::Device<Bound>,
        q: usize,
        fmt: desc::Format,
        count: u32,
    ) -> Result<Self> {
        let (descs, slots) = alloc_ring(dev, count)?;
        Ok(Self {
            q,
            fmt,
            descs,
            slots,
            next_to_use: 0,
            next_to_clean: 0,
            xsk: None,
        })
    }

    /// Sends the frames of zero-copy socket `pool` too, from now on.
    pub(crate) fn set_xsk(&mut self, pool: Option<XskPool>) {
        self.xsk = pool;
    }

    /// Queues up to `budget` frames the zero-copy socket wants sent; returns whether it may
    /// have more (the budget ran out). Room the stack's largest packet needs stays free.
    pub(crate) fn xmit_xsk(&mut self, hw: &Hw<'_>, nd: &NetDev, budget: u32) -> bool {
        let Some(pool) = self.xsk.clone() else {
            return false;
        };
        let txq = nd.txq(self.q as u16);
        let mut queued = 0;
        let more = loop {
            if queued >= budget {
                break true;
            }
            if self.unused() <= STOP_THRESHOLD {
                // Completions make room, and their poll comes back here.
                break false;
            }
            let Some((addr, len)) = pool.tx_next() else {
                break false;
            };
            if let Some(slot) = self.push_frame(addr, len, &txq) {
                slot.xsk = true;
            }
            queued += 1;
        };
        if queued > 0 {
            pool.tx_release();
            self.kick(hw);
        }
        if pool.uses_need_wakeup() {
            pool.set_tx_need_wakeup();
        }
        more
    }

    fn count(&self) -> u32 {
        self.descs.count() as u32
    }

    fn unused(&self) -> u32 {
        ring::unused(self.next_to_use, self.next_to_clean, self.count())
    }

    /// Programs the ring into the MAC.
    pub(crate) fn program(&self, hw: &Hw<'_>) -> Result {
        hw.setup_tx_ring(
            self.q,
            self.descs.dma_address(),
            u32::try_from(self.descs.byte_len())?,
        )
    }

    /// Queues `skb` for transmission (or drops it, counted).
    pub(crate) fn xmit(
        &mut self,
        hw: &Hw<'_>,
        dev: &pci::Device<Bound>,
        nd: &NetDev,
        mut skb: Skb,
        stats: &QueueStats,
    ) {
        let txq = nd.txq(self.q as u16);
        let Ok(prepared) = tx_offload::prepare(self.fmt, &mut skb) else {
            self.drop_packet(hw, stats);
            return;
        };
        // Only a non-IP frame can be a MAC control frame (the look is an out-of-line read).
        let control = if prepared.ip {
            None
        } else {
            skb.mac_control_opcode()
        };
        let (context, offload) = match prepared.plan {
            TxPlan::Context { desc, data } => (Some(desc), data),
            TxPlan::Data(data) => (None, data),
            TxPlan::None | TxPlan::Software => (None, DataOffload::default()),
        };
        let buffers = ring::descs_for_packet(prepared.nr_frags);
        let needed = buffers + u32::from(context.is_some());
        if self.unused() < needed {
            self.drop_packet(hw, stats);
            return;
        }
        let count = self.count();
        let first = self.next_to_use;
        let packet_len = prepared.len;
        let paylen = if offload.segment {
            offload.payload_len
        } else {
            packet_len
        };
        let mut idx = first;
        // The context descriptor has no buffer: its slot stays empty.
        if let Some(ctx) = context {
            self.descs.write(idx as usize, ctx);
            idx = ring::next(idx, count);
        }
        let data_first = idx;
        // The setting first: the skb's flags are an out-of-line read, skipped while it is off.
        let timestamp = hw
            .ts
            .as_ref()
            .is_some_and(|t| t.tx_on() && skb.hw_tstamp_requested() && t.claim_tx());
        if timestamp {
            skb.set_tstamp_in_progress();
        }
        for part in 0..buffers {
            let map = if part == 0 {
                TxMap::head(dev.as_ref(), &skb)
            } else {
                TxMap::frag(dev.as_ref(), &skb, part - 1)
            };
            let Ok(map) = map else {
                // Parts 0..part were mapped.
                self.unwind(dev, data_first, part);
                if timestamp {
                    hw.ptp_release_tx();
                }
                self.drop_packet(hw, stats);
                return;
            };
            let b = desc::TxBuf {
                addr: map.addr(),
                len: map.len() as u16,
                eop: part + 1 == buffers,
                packet_len: paylen,
                offload,
                timestamp,
            };
            self.descs.write(idx as usize, desc::tx_data(self.fmt, b));
            if let Some(slot) = self.slots.get_mut(idx as usize) {
                slot.map = Some(map);
            }
            idx = ring::next(idx, count);
        }
        let eop = ring::advance(first, needed - 1, count);
        let wire_bytes = prepared.wire_bytes;
        skb.tx_timestamp();
        if let Some(slot) = self.slots.get_mut(first as usize) {
            slot.skb = Some(skb);
            slot.frames = prepared.frames;
            slot.bytes = wire_bytes;
            slot.eop = eop;
            slot.timestamp = timestamp;
        }
        self.next_to_use = idx;
        prepared.account(stats);
        if let Some(op) = control {
            stats.tx_mac_control.add(1);
            if op == wire::PAUSE_OPCODE {
                stats.tx_pause.add(1);
            }
        }

        if self.unused() < STOP_THRESHOLD {
            txq.stop_and_fence();
        }
        if txq.sent_from_stack(wire_bytes) {
            hw.tx_tail(self.q, self.next_to_use as u16);
        }
    }

    /// Counts a packet that could not be queued. Packets queued before it with `xmit_more`
    /// waited for this one to move the tail: move it now unless more packets follow.
    fn drop_packet(&self, hw: &Hw<'_>, stats: &QueueStats) {
        stats.tx_dropped.add(1);
        if !xmit_more() {
            hw.tx_tail(self.q, self.next_to_use as u16);
        }
    }

    /// Queues an XDP frame (a program's `XDP_TX`, or a frame redirected to this device); the
    /// caller moves the tail with [`Self::kick`] once its batch is queued. A frame that finds no
    /// room or cannot be mapped is handed back, counted.
    pub(crate) fn xmit_xdp(
        &mut self,
        dev: &pci::Device<Bound>,
        nd: &NetDev,
        frame: XdpFrame,
        stats: &QueueStats,
    ) -> Result<(), XdpFrame> {
        // Room for the stack's largest packet stays: the stack's queue is only stopped below
        // that, and XDP must not take descriptors an awake queue was promised.
        if self.unused() <= STOP_THRESHOLD {
            stats.tx_xdp_full.add(1);
            return Err(frame);
        }
        let Ok(map) = frame.map(dev.as_ref()) else {
            stats.tx_xdp_full.add(1);
            return Err(frame);
        };
        let txq = nd.txq(self.q as u16);
        if let Some(slot) = self.push_frame(map.addr(), map.len(), &txq) {
            slot.map = Some(map);
            slot.xdp = Some(frame);
        }
        Ok(())
    }

    /// Writes the descriptor of a one-buffer frame without offloads and returns its slot, for
    /// the caller to record what the buffer is. The caller checked there is room.
    fn push_frame(&mut self, addr: DmaAddress, len: u32, txq: &TxQueue<'_>) -> Option<&mut Slot> {
        let idx = self.next_to_use;
        let b = desc::TxBuf {
            addr,
            len: len as u16,
            eop: true,
            packet_len: len,
            offload: DataOffload::default(),
            timestamp: false,
        };
        self.descs.write(idx as usize, desc::tx_data(self.fmt, b));
        self.next_to_use = ring::next(idx, self.count());
        // Completion reports every frame to the byte queue limits: so must queuing.
        let _ = txq.sent(len, true);
        let slot = self.slots.get_mut(idx as usize)?;
        slot.frames = 1;
        slot.bytes = len;
        slot.eop = idx;
        Some(slot)
    }

    /// Hands the frames queued so far to the device.
    pub(crate) fn kick(&self, hw: &Hw<'_>) {
        hw.tx_tail(self.q, self.next_to_use as u16);
    }

    /// Undoes the mappings of a packet that could not be queued.
    fn unwind(&mut self, dev: &pci::Device<Bound>, first: u32, maps: u32) {
        let count = self.count();
        let mut idx = first;
        for _ in 0..maps {
            if let Some(map) = self.slots.get_mut(idx as usize).and_then(|s| s.map.take()) {
                map.unmap(dev.as_ref());
            }
            idx = ring::next(idx, count);
        }
    }

    /// Frees completed packets: returns whether every completion was processed, and the frames
    /// and bytes completed (for the vector's moderation).
    pub(crate) fn clean(
        &mut self,
        hw: &Hw<'_>,
        dev: &pci::Device<Bound>,
        nd: &NetDev,
        stats: &QueueStats,
        budget: i32,
    ) -> (bool, u32, u32) {
        let count = self.count();
        let (mut pkts, mut bytes, mut skbs) = (0u32, 0u32, 0u32);
        let mut xsk_done = 0u32;
        let mut all = true;
        while self.next_to_clean != self.next_to_use {
            if skbs >= 256 {
                all = false;
                break;
            }
            let first = self.next_to_clean as usize;
            let Some(eop) = self.slots.get(first).map(|s| s.eop) else {
                break;
            };
            if !desc::tx_done(self.fmt, self.descs.read(eop as usize)) {
                break;
            }
            dma_mb(Read);
            let mut idx = self.next_to_clean;
            loop {
                if let Some(slot) = self.slots.get_mut(idx as usize) {
                    if let Some(map) = slot.map.take() {
                        map.unmap(dev.as_ref());
                    }
                    if let Some(skb) = slot.skb.take() {
                        if core::mem::take(&mut slot.timestamp) {
                            if let Some(ns) = hw.ptp_take_tx() {
                                skb.tstamp_tx_hw(ns);
                            }
                        }
                        skbs += 1;
                        pkts += slot.frames;
                        bytes += slot.bytes;
                        skb.consume(budget);
                    }
                    if let Some(frame) = slot.xdp.take() {
                        skbs += 1;
                        pkts += slot.frames;
                        bytes += slot.bytes;
                        drop(frame);
                    }
                    if core::mem::take(&mut slot.xsk) {
                        skbs += 1;
                        pkts += slot.frames;
                        bytes += slot.bytes;
                        xsk_done += 1;
                    }
                }
                let last = idx == eop;
                idx = ring::next(idx, count);
                if last {
                    break;
                }
            }
            self.next_to_clean = idx;
        }
        if xsk_done > 0 {
            if let Some(pool) = self.xsk.as_ref() {
                pool.tx_completed(xsk_done);
            }
        }
        if pkts > 0 {
            let txq = nd.txq(self.q as u16);
            let stopped = txq.completed(pkts, bytes);
            stats.tx_packets.add(pkts.into());
            stats.tx_bytes.add(bytes.into());
            if stopped
                && self.unused() >= ring::tx_wake_threshold(count, STOP_THRESHOLD)
                && nd.carrier_ok()
            {
                txq.wake();
                stats.tx_restarts.add(1);
            }
        }
        (all, pkts, bytes)
    }

    /// Unmaps and frees every queued packet; the device must no longer use the ring. The
    /// queue's byte queue limits are reset when the ring is next started.
    pub(crate) fn release(&mut self, hw: &Hw<'_>, dev: &pci::Device<Bound>) {
        let mut xsk_in_flight = 0;
        for slot in self.slots.iter_mut() {
            if core::mem::take(&mut slot.xsk) {
                xsk_in_flight += 1;
            }
            if let Some(map) = slot.map.take() {
                map.unmap(dev.as_ref());
            }
            if core::mem::take(&mut slot.timestamp) {
                hw.ptp_release_tx();
            }
            slot.skb = None;
            slot.xdp = None;
        }
        // The socket gets its buffers back as if sent.
        if let Some(pool) = self.xsk.as_ref().filter(|_| xsk_in_flight > 0) {
            pool.tx_completed(xsk_in_flight);
        }
        self.next_to_use = 0;
        self.next_to_clean = 0;
    }
}
