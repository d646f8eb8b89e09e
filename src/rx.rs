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
use crate::handoff::{self, Inbox, BATCH};
use crate::logic::{
    desc,
    itr::Moderation,
    lro,
    lro::{Merge, Segment},
    ring::{self, RxBufLayout, HEADER_BUF_LEN},
    wire,
};
use crate::net::{
    dma::{DescRing, DmaBytes},
    netdev::{features, NetDev},
    pool::{PagePool, PoolPage},
    skb::{hash_type, RxMeta, Skb},
    vector::NapiRef,
    xdp::{self, Verdict, XdpFrame, XdpRx, XskVerdict},
    xsk::{XskBuf, XskPool},
};
use crate::queue_vector::TxSlot;
use crate::ring_mem::alloc_ring;
use crate::stats::QueueStats;
use crate::steering::{RingRules, Route};

/// Descriptors cleaned between two refills within one poll, and the fewest free slots a
/// refill waits for: a refill has a fixed cost (the pool's and ring's state loaded, one tail
/// write) that a batch shares, as igb's `IGB_RX_BUFFER_WRITE`. The smallest ring keeps 3/4 of
/// its buffers posted.
const REFILL_BATCH: u32 = 16;
const _: () = assert!(REFILL_BATCH * 4 <= ring::MIN_DESCS);
/// Frames a program sends back out (`XDP_TX`) gathered before they go to the transmit ring.
const XDP_TX_BATCH: usize = 32;

/// Pages a ring's page pool keeps for recycling, per descriptor. The stack frees received
/// buffers in bursts (a TCP socket's queue when the application reads it, on another CPU),
/// and a burst larger than the pool's recycle ring goes back to the page allocator, unmapped,
/// to be allocated and mapped again on the next refill. In a one-stream TCP receive (`make
/// iprofile`) the page allocator, page pool and DMA mapping cost 211 instructions per segment
/// at 1 page per descriptor and 114 at 4; 8 saved nothing more. The pool caps its ring at
/// 16384 entries.
const POOL_PAGES_PER_DESC: u32 = 4;

/// Bytes of each buffer the device may write, as programmed: a whole-page buffer's room. A ring
/// of half-page buffers relies on the MAC dropping longer frames (`Mac::rx_frame_bound`).
pub(crate) const RX_BUF_LEN: u32 = 2048;
/// Most segments one large-receive-offload packet takes: its head and a page fragment for each
/// further segment.
const LRO_MAX_SEGS: u16 = Skb::MAX_FRAGS as u16 + 1;

/// What the device's features ask of one poll.
#[derive(Clone, Copy)]
struct RxFeatures {
    csum: bool,
    hash: bool,
    /// Merge TCP segments; only with the MAC's checksum verdicts, as a merged packet is handed
    /// over verified.
    lro: bool,
    /// Hand stripped VLAN tags to the stack.
    vlan: bool,
}

impl RxFeatures {
    fn of(feats: u64) -> Self {
        let csum = feats & features::RXCSUM != 0;
        Self {
            csum,
            hash: feats & features::RXHASH != 0,
            lro: csum && feats & features::LRO != 0,
            vlan: feats & features::HW_VLAN_CTAG_RX != 0,
        }
    }
}

/// The MAC's checksum verdict, hash and stripped VLAN tag of a frame arrived on queue `q`, as
/// the poll's features pass them on; counts a bad checksum.
#[inline(always)]
fn meta(d: &desc::RxDone, f: RxFeatures, q: usize, stats: &QueueStats) -> RxMeta {
    if f.csum && d.csum == desc::RxCsum::Bad {
        stats.rx_csum_err.add(1);
    }
    let (hash, kind) = match d.hash {
        desc::RxHash::L4(h) if f.hash => (h, hash_type::L4),
        desc::RxHash::L3(h) if f.hash => (h, hash_type::L3),
        _ => (0, hash_type::NONE),
    };
    let tag = d.vlan.filter(|_| f.vlan);
    RxMeta {
        hash,
        hash_type: kind,
        csum_ok: f.csum && d.csum == desc::RxCsum::Good,
        vlan_present: tag.is_some(),
        vlan_tci: tag.unwrap_or(0),
        queue: q as u16,
    }
}

/// Applies the MAC's checksum verdict, hash, VLAN tag and timestamp of a frame to its skb.
///
/// Inlined: it runs for every frame, and a call would also need the decoded descriptor in
/// memory rather than in registers.
#[inline(always)]
fn mark(
    skb: &mut Skb,
    d: &desc::RxDone,
    (f, q): (RxFeatures, usize),
    hw: &Hw<'_>,
    stats: &QueueStats,
) {
    if d.timestamped {
        if let Some(ns) = hw.ptp_take_rx() {
            skb.set_rx_hwtstamp(ns);
        }
    }
    skb.set_rx_meta(&meta(d, f, q, stats));
}

/// The TCP segment in `frame` if it may be merged, and whether it may also start a packet: a
/// frame with Ethernet padding after its IP packet may only join one (its fragment leaves the
/// padding out), as the next segment's payload would land behind the padding of a head.
fn lro_segment(frame: &[u8]) -> Option<(Segment, bool)> {
    let seg = lro::parse(frame)?;
    let exact = usize::from(seg.hdr_len) + usize::from(seg.payload_len) == frame.len();
    Some((seg, exact))
}

/// Whether the frame of write-back `d` may be a MAC control frame, which only a look at its
/// ethertype tells: not when the MAC stripped a VLAN tag or checked an IP or TCP/UDP checksum
/// (it parsed an IP header), which spares most frames the look, a read of the frame.
#[inline(always)]
fn may_be_mac_control(d: &desc::RxDone) -> bool {
    d.vlan.is_none() && d.csum == desc::RxCsum::Unknown
}

/// Consumes a received MAC control frame (ethertype 0x8808) of opcode `op` in buffer `page`.
/// MAC control frames (PAUSE) end in the MAC on real hardware; QEMU's MACs hand them over like
/// any frame, so the driver counts them and gives the buffer back.
#[cold]
fn consume_mac_control(pool: &PagePool, page: PoolPage, op: u16, stats: &QueueStats) {
    stats.rx_mac_control.add(1);
    if op == wire::PAUSE_OPCODE {
        stats.rx_pause.add(1);
    }
    pool.recycle(page, true);
}

/// Queues the frames of `batch` on the queue's transmit ring and hands them to the device.
/// Frames that do not fit go back to their pool (counted by the ring).
fn send_xdp_tx(
    batch: &mut KVec<XdpFrame>,
    tx: &TxSlot,
    pdev: &pci::Device<Bound>,
    hw: &Hw<'_>,
    nd: &NetDev,
    stats: &QueueStats,
) {
    if batch.is_empty() {
        return;
    }
    // The poll runs with bottom halves off: a plain lock (see QueueVector::poll).
    let mut guard = tx.lock();
    let Some(ring) = &mut *guard else {
        stats.tx_xdp_full.add(batch.len() as u64);
        batch.clear();
        return;
    };
    for frame in batch.drain_all() {
        // A refused frame is dropped here, which returns its buffer.
        let _ = ring.xmit_xdp(pdev, nd, frame, stats);
    }
    ring.kick(hw);
}

/// Adds a frame a program sends back out (`XDP_TX`) to `batch`, sending the batch first when
/// it is full.
fn batch_xdp_tx(
    batch: &mut KVec<XdpFrame>,
    frame: XdpFrame,
    (tx, pdev): (&TxSlot, &pci::Device<Bound>),
    hw: &Hw<'_>,
    napi: &NapiRef<'_>,
    stats: &QueueStats,
) {
    stats.rx_xdp_tx.add(1);
    if batch.len() >= XDP_TX_BATCH {
        send_xdp_tx(batch, tx, pdev, hw, napi.netdev(), stats);
    }
    // Within capacity after the send; a refusal drops the frame, which returns its buffer.
    if batch.push_within_capacity(frame).is_err() {
        stats.tx_xdp_full.add(1);
    }
}

/// Hands a received skb to the stack through GRO; returns its length.
fn deliver(skb: Skb, napi: &NapiRef<'_>, q: usize) -> u32 {
    napi.receive(skb, q as u16)
}

/// Hands the LRO packet in `held`, if any, to the stack. Taken by reference and checked here,
/// inlined: the held packet is large, and most frames find none, which must then cost neither a
/// copy nor a call.
#[inline(always)]
fn deliver_merged(
    held: &mut Option<(Skb, Merge)>,
    napi: &NapiRef<'_>,
    q: usize,
    stats: &QueueStats,
) {
    if held.is_some() {
        deliver_held(held, napi, q, stats);
    }
}

/// [`deliver_merged`] of a held packet: its headers are first rewritten when segments were
/// merged.
fn deliver_held(held: &mut Option<(Skb, Merge)>, napi: &NapiRef<'_>, q: usize, stats: &QueueStats) {
    let Some((skb, merge)) = held.as_mut() else {
        return;
    };
    if merge.segs > 1 {
        let hdr_len = u32::from(merge.hdr_len());
        let written = skb.head_mut(hdr_len).and_then(|h| merge.write_headers(h));
        if written.is_none() {
            // Cannot happen for a head built from a parsed segment; never deliver it half-done.
            stats.rx_errors.add(1);
            *held = None;
            return;
        }
        skb.set_lro(merge.gso_size(), merge.is_ipv6(), merge.segs);
        stats.rx_lro_flushed.add(1);
    }
    if let Some((skb, _)) = held.take() {
        let _ = deliver(skb, napi, q);
    }
}

/// A receive ring and the buffers posted to it.
pub(crate) struct RxRing {
    q: usize,
    fmt: desc::Format,
    descs: DescRing,
    pages: KVec<Option<PoolPage>>,
    /// Header split (`tcp-data-split`): one [`HEADER_BUF_LEN`]-byte header buffer per
    /// descriptor, which the MAC fills with the headers of a frame it splits.
    headers: Option<DmaBytes>,
    pool: Option<PagePool>,
    next_to_use: u32,
    next_to_clean: u32,
    /// A frame whose first buffers arrived but not yet its last (EOP) one.
    partial: Option<Skb>,
    partial_error: bool,
    /// This ring's copy of the flow rules, while `ethtool -K ntuple` is on.
    rules: Option<RingRules>,
    /// Where the frame being received goes (decided on its first buffer).
    route: Route,
    /// The rest of a frame given up (dropped by a rule, or its first buffer could not become
    /// an skb) is still arriving.
    discarding: bool,
    /// Every queue's hand-off inbox, by queue (this ring's own at `q`).
    inboxes: KVec<Inbox>,
    /// Frames steered to each queue during this poll, not yet in its inbox.
    outbox: KVec<KVec<Skb>>,
    /// Some outbox holds frames: the end of a poll looks at the outboxes only then, as most
    /// polls steer nothing.
    steered: bool,
    /// Frames taken from this queue's inbox, being delivered.
    inbound: KVec<Skb>,
    /// The XDP program every frame goes through first, while one is attached.
    xdp: Option<XdpRx>,
    /// Frames the program sends back out, not yet on the transmit ring.
    xdp_tx: KVec<XdpFrame>,
    /// The zero-copy socket bound to this queue while a program runs: its buffers replace the
    /// page pool's (see [`Self::clean_xsk`]).
    xsk: Option<XskPool>,
    xsk_bufs: KVec<Option<XskBuf>>,
    /// The vector's interrupt moderation. It lives here because the ring's lock is held for the
    /// whole poll, which accounts the traffic of both rings and decides.
    pub(crate) moderation: Moderation,
}

impl RxRing {
    /// Allocates the descriptor ring of `count` entries for queue `q`, with header buffers when
    /// `header_split`; the ring hands frames to other queues through `inboxes` and classifies
    /// with `rules`. Its vector starts with `moderation`.
    pub(crate) fn new(
        dev: &pci::Device<Bound>,
        (q, fmt, count): (usize, desc::Format, u32),
        header_split: bool,
        (inboxes, rules): (KVec<Inbox>, Option<RingRules>),
        moderation: Moderation,
    ) -> Result<Self> {
        let (descs, pages) = alloc_ring(dev, count)?;
        let headers = if header_split {
            let len = count.checked_mul(HEADER_BUF_LEN).ok_or(EINVAL)?;
            Some(DmaBytes::new(dev.as_ref(), usize::try_from(len)?)?)
        } else {
            None
        };
        let mut outbox = KVec::with_capacity(inboxes.len(), GFP_KERNEL)?;
        for _ in 0..inboxes.len() {
            outbox.push(KVec::with_capacity(BATCH, GFP_KERNEL)?, GFP_KERNEL)?;
        }
        Ok(Self {
            rules,
            route: Route::Local,
            discarding: false,
            inboxes,
            outbox,
            steered: false,
            inbound: KVec::with_capacity(BATCH, GFP_KERNEL)?,
            xdp: None,
            xdp_tx: KVec::with_capacity(XDP_TX_BATCH, GFP_KERNEL)?,
            xsk: None,
            xsk_bufs: KVec::new(),
            q,
            fmt,
            descs,
            pages,
            headers,
            pool: None,
            next_to_use: 0,
            next_to_clean: 0,
            partial: None,
            partial_error: false,
            moderation,
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
        layout: RxBufLayout,
    ) -> Result<PagePool> {
        PagePool::new(
            dev.as_ref(),
            napi,
            count.saturating_mul(POOL_PAGES_PER_DESC),
            layout,
        )
    }

    /// Attaches the ring's page pool, and its XDP program if one is attached (registered with
    /// that pool).
    pub(crate) fn attach_pool(&mut self, pool: PagePool, xdp: Option<XdpRx>) {
        self.pool = Some(pool);
        self.xdp = xdp;
    }

    /// Slots for the zero-copy buffers of a ring of `count` descriptors (allocated before the
    /// ring's lock is taken).
    pub(crate) fn xsk_slots(count: u32) -> Result<KVec<Option<XskBuf>>> {
        let mut slots = KVec::with_capacity(count as usize, GFP_KERNEL)?;
        for _ in 0..count {
            slots.push(None, GFP_KERNEL)?;
        }
        Ok(slots)
    }

    /// Receives into the buffers of zero-copy socket `pool` instead of the page pool's; `slots`
    /// come from [`Self::xsk_slots`] for this ring's size.
    pub(crate) fn attach_xsk(&mut self, pool: XskPool, slots: KVec<Option<XskBuf>>) -> Result {
        if slots.len() != self.count() as usize {
            return Err(EINVAL);
        }
        self.xsk_bufs = slots;
        self.xsk = Some(pool);
        Ok(())
    }

    /// Programs the ring into the MAC.
    pub(crate) fn program(&self, hw: &Hw<'_>) -> Result {
        hw.setup_rx_ring(
            self.q,
            self.descs.dma_address(),
            u32::try_from(self.descs.byte_len())?,
        )
    }

    /// Posts buffers to every free slot and moves the tail, once at least [`REFILL_BATCH`]
    /// slots are free (a ring just set up has all of them free).
    ///
    /// Inlined check first: most polls take fewer buffers than a batch, and must then cost no
    /// call.
    #[inline(always)]
    pub(crate) fn refill(&mut self, hw: &Hw<'_>, stats: &QueueStats) {
        if self.xsk.is_some()
            || ring::unused(self.next_to_use, self.next_to_clean, self.count()) >= REFILL_BATCH
        {
            self.fill(hw, stats);
        }
    }

    /// [`Self::refill`] of a ring with free slots (or a zero-copy socket, whose wake-up flag
    /// needs a look even when it is full).
    fn fill(&mut self, hw: &Hw<'_>, stats: &QueueStats) {
        if let Some(pool) = self.xsk.clone() {
            if !self.refill_xsk(hw, &pool) && pool.uses_need_wakeup() {
                pool.set_rx_need_wakeup(true);
            }
            return;
        }
        let count = self.count();
        // Counted once: cleaning, which frees slots, does not run meanwhile.
        let free = ring::unused(self.next_to_use, self.next_to_clean, count);
        let Some(pool) = self.pool.as_mut() else {
            return;
        };
        let headroom = u64::from(pool.layout().headroom);
        let (fmt, descs, pages, headers) = (self.fmt, &self.descs, &mut self.pages, &self.headers);
        let mut idx = self.next_to_use;
        let posted = pool.alloc_each(free, |page| {
            let addr = page.dma() + headroom;
            let d = match headers.as_ref() {
                Some(h) => {
                    let hdr = h.dma_address() + u64::from(idx * HEADER_BUF_LEN);
                    desc::rx_ready_split(fmt, addr, hdr)
                }
                None => desc::rx_ready(fmt, addr),
            };
            let slot = idx as usize;
            descs.write(slot, d);
            idx = ring::next(idx, count);
            // The slot is empty (cleaning took its buffer): that case stores without moving the
            // old value out. A buffer still in the slot goes back.
            match pages.get_mut(slot) {
                Some(slot @ None) => {
                    *slot = Some(page);
                    None
                }
                Some(slot) => slot.replace(page),
                None => Some(page),
            }
        });
        if posted < free {
            stats.rx_alloc_fail.add(1);
        }
        if posted > 0 {
            self.next_to_use = idx;
            // The MMIO write orders the descriptor writes before it.
            hw.rx_tail(self.q, idx as u16);
        }
    }

    /// Posts the socket's buffers to every free slot it has buffers for and moves the tail;
    /// returns whether every slot got one.
    fn refill_xsk(&mut self, hw: &Hw<'_>, pool: &XskPool) -> bool {
        let count = self.count();
        let mut posted = 0;
        let mut filled = true;
        while ring::unused(self.next_to_use, self.next_to_clean, count) > 0 {
            let i = self.next_to_use as usize;
            let Some(buf) = pool.alloc() else {
                filled = false;
                break;
            };
            self.descs.write(i, desc::rx_ready(self.fmt, buf.dma()));
            if let Some(slot) = self.xsk_bufs.get_mut(i) {
                // A buffer left in a free slot goes back to the pool.
                *slot = Some(buf);
            }
            self.next_to_use = ring::next(self.next_to_use, count);
            posted += 1;
        }
        if posted > 0 {
            hw.rx_tail(self.q, self.next_to_use as u16);
        }
        filled
    }

    /// Replaces the ring's copy of the flow rules; returns the old one, to be freed after the
    /// ring's lock is released (freeing may sleep).
    pub(crate) fn set_rules(&mut self, rules: Option<RingRules>) -> Option<RingRules> {
        core::mem::replace(&mut self.rules, rules)
    }

    /// The ring's copy of the flow rules.
    pub(crate) fn rules_mut(&mut self) -> Option<&mut RingRules> {
        self.rules.as_mut()
    }

    /// Delivers up to half of `budget` frames other rings steered to this queue, as this queue's: on
    /// its NAPI instance, counted in its statistics.
    ///
    /// Inlined check first: most polls find the inbox empty, and must then cost no call.
    #[inline(always)]
    fn receive_handed_off(&mut self, napi: &NapiRef<'_>, stats: &QueueStats, budget: i32) -> i32 {
        if budget > 0 && self.inboxes.get(self.q).is_some_and(handoff::has_frames) {
            self.take_handed_off(napi, stats, budget)
        } else {
            0
        }
    }

    /// [`Self::receive_handed_off`] once the inbox has frames.
    fn take_handed_off(&mut self, napi: &NapiRef<'_>, stats: &QueueStats, budget: i32) -> i32 {
        let Some(inbox) = self.inboxes.get(self.q) else {
            return 0;
        };
        // At most half the budget: the ring's own frames must keep flowing however busy the
        // other rings keep the inbox.
        let max = usize::try_from(budget / 2).unwrap_or(0).clamp(1, BATCH);
        handoff::take(inbox, &mut self.inbound, max);
        let (q, mut n, mut bytes) = (self.q, 0u64, 0u64);
        for skb in self.inbound.drain_all() {
            bytes += u64::from(deliver(skb, napi, q));
            n += 1;
        }
        if n > 0 {
            stats.rx_packets.add(n);
            stats.rx_bytes.add(bytes);
            stats.rx_steered_in.add(n);
            self.moderation.account_rx(n, bytes);
        }
        n as i32
    }

    /// Queues `skb` for queue `t`'s inbox.
    fn steer(&mut self, t: usize, skb: Skb, hw: &Hw<'_>, stats: &QueueStats) {
        if self.outbox.get(t).is_some_and(|b| b.len() >= BATCH) {
            self.flush_steered_to(t, hw, stats);
        }
        match self.outbox.get_mut(t) {
            Some(batch) => {
                if batch.push_within_capacity(skb).is_err() {
                    stats.rx_steer_overflow.add(1);
                } else {
                    self.steered = true;
                }
            }
            None => stats.rx_steer_overflow.add(1),
        }
    }

    /// Moves the frames steered to queue `t` into its inbox and raises its vector.
    fn flush_steered_to(&mut self, t: usize, hw: &Hw<'_>, stats: &QueueStats) {
        let (Some(batch), Some(inbox)) = (self.outbox.get_mut(t), self.inboxes.get(t)) else {
            return;
        };
        if batch.is_empty() {
            return;
        }
        stats
            .rx_steer_overflow
            .add(handoff::deliver_batch(inbox, batch));
        // The target's own interrupt runs its NAPI on its CPU. A target already polling has
        // its vector masked: the cause stays latched and interrupts when the poll unmasks.
        hw.vectors_raise(1 << t);
    }

    /// Receives up to `budget` frames; returns how many were passed to the stack. Frames an
    /// XDP program sends back out go on the queue's transmit ring `tx` (of device `pdev`).
    pub(crate) fn clean(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        budget: i32,
        (tx, pdev): (&TxSlot, &pci::Device<Bound>),
    ) -> i32 {
        if let Some(pool) = self.xsk.clone() {
            return self.clean_xsk(hw, napi, stats, budget, (tx, pdev), &pool);
        }
        let done = self.receive_handed_off(napi, stats, budget);
        if done >= budget || !self.frame_waiting() {
            // Nothing written back (a transmit completion's poll, an empty repeat): none of the
            // per-poll set-up below, which costs as much as a frame.
            self.refill(hw, stats);
            return done;
        }
        let f = RxFeatures::of(napi.netdev().features());
        let done = if self.plain(f) {
            match self.clean_plain(hw, napi, stats, f, (budget, done)) {
                Ok(done) => return done,
                Err(done) => done,
            }
        } else {
            done
        };
        self.clean_ring(hw, napi, stats, f, (budget, done), (tx, pdev))
    }

    /// Whether nothing looks at this poll's frames between the MAC and the stack (no flow rules,
    /// XDP program, LRO or header split) and no frame is half-received: the case
    /// [`Self::clean_plain`] takes.
    #[inline(always)]
    fn plain(&self, f: RxFeatures) -> bool {
        !f.lro
            && self.rules.is_none()
            && self.xdp.is_none()
            && self.headers.is_none()
            && self.partial.is_none()
            && !self.discarding
    }

    /// [`Self::clean`] of a [plain](Self::plain) ring: the frames that arrived whole in one
    /// buffer, without errors or a timestamp, each go to the stack in one call, in a loop that
    /// carries nothing else (the general loop's state costs as much as a frame's delivery).
    ///
    /// Returns `Ok` with the frames done when it ended the poll (refilled the ring), `Err` with
    /// those done so far when it stopped at a frame of another kind, which it left on the ring
    /// for [`Self::clean_ring`].
    fn clean_plain(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        f: RxFeatures,
        (budget, mut done): (i32, i32),
    ) -> Result<i32, i32> {
        let count = self.count();
        let (mut delivered, mut bytes) = (0u64, 0u64);
        let mut since_refill = 0u32;
        let mut other = false;
        while done < budget && self.next_to_clean != self.next_to_use {
            let Some((i, d)) = self.next_written_back(&mut since_refill, hw, stats) else {
                break;
            };
            if !d.eop || d.frame_error || d.timestamped {
                other = true;
                break;
            }
            // Read the rest of the descriptor and the buffer only after seeing DD.
            dma_mb(Read);
            self.next_to_clean = ring::next(self.next_to_clean, count);
            let (Some(page), Some(pool)) = (
                self.pages.get_mut(i).and_then(Option::take),
                self.pool.as_ref(),
            ) else {
                continue;
            };
            // The buffer ends with the FCS (see `clean_ring`).
            let (len, _) = wire::split_fcs(u32::from(d.len));
            let headroom = pool.layout().headroom;
            pool.sync_for_cpu(&page, headroom, len);
            if may_be_mac_control(&d) {
                if let Some(op) = wire::mac_control_opcode(page.bytes(headroom, len)) {
                    consume_mac_control(pool, page, op, stats);
                    done += 1;
                    continue;
                }
            }
            match napi.receive_buf(page, headroom, len, &meta(&d, f, self.q, stats)) {
                Ok(n) => {
                    bytes += u64::from(n);
                    delivered += 1;
                    done += 1;
                }
                Err(page) => {
                    pool.recycle(page, true);
                    stats.rx_alloc_fail.add(1);
                }
            }
        }
        self.account_delivered(stats, (delivered, bytes));
        if other {
            return Err(done);
        }
        self.refill(hw, stats);
        Ok(done)
    }

    /// The next descriptor to clean and its write-back, `None` while the device has not written
    /// it back. Every [`REFILL_BATCH`] descriptors (counted in `since_refill`) the ring is
    /// refilled first: buffers go back while cleaning, not only at the end, as a jumbo frame
    /// takes several descriptors and the device drops frames aimed at a ring without room.
    #[inline(always)]
    fn next_written_back(
        &mut self,
        since_refill: &mut u32,
        hw: &Hw<'_>,
        stats: &QueueStats,
    ) -> Option<(usize, desc::RxDone)> {
        if *since_refill >= REFILL_BATCH {
            self.refill(hw, stats);
            *since_refill = 0;
        }
        *since_refill += 1;
        let i = self.next_to_clean as usize;
        desc::rx_done(self.fmt, self.descs.read(i)).map(|d| (i, d))
    }

    /// Counts `delivered` frames of `bytes` bytes passed to the stack, for the statistics and
    /// the vector's moderation.
    fn account_delivered(&mut self, stats: &QueueStats, (delivered, bytes): (u64, u64)) {
        if delivered > 0 {
            stats.rx_packets.add(delivered);
            stats.rx_bytes.add(bytes);
            self.moderation.account_rx(delivered, bytes);
        }
    }

    /// Whether the next descriptor to clean has been written back.
    #[inline(always)]
    fn frame_waiting(&self) -> bool {
        self.next_to_clean != self.next_to_use
            && desc::rx_done(self.fmt, self.descs.read(self.next_to_clean as usize)).is_some()
    }

    /// [`Self::clean`] of a ring with a frame written back: receives until `budget` (of which
    /// `done` is used) or the written-back descriptors run out.
    fn clean_ring(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        f: RxFeatures,
        (budget, mut done): (i32, i32),
        (tx, pdev): (&TxSlot, &pci::Device<Bound>),
    ) -> i32 {
        let count = self.count();
        // Frames delivered from this ring (steered and dropped ones are work, not receptions).
        let mut delivered = 0u64;
        let mut bytes = 0u64;
        // The LRO packet being built: merged segments are held until one does not fit, and
        // every other frame is delivered only after it, so the stack sees the wire's order.
        let mut held: Option<(Skb, Merge)> = None;
        let mut since_refill = 0u32;
        let mut redirected = false;
        while done < budget && self.next_to_clean != self.next_to_use {
            let Some((i, d)) = self.next_written_back(&mut since_refill, hw, stats) else {
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
            // The MAC leaves the FCS in the buffer (so that its frame size counters include
            // it, see Hw::enable_rx); the last buffer of a frame ends with it.
            let (len, fcs_before) = if d.eop {
                wire::split_fcs(u32::from(d.len))
            } else {
                (u32::from(d.len), 0)
            };
            let headroom = pool.layout().headroom;
            pool.sync_for_cpu(&page, headroom, len);
            if self.discarding {
                // The rest of a frame already given up: dropped by a rule, or its first buffer
                // could not become an skb.
                pool.recycle(page, true);
                self.discarding = !d.eop;
                continue;
            }
            let first = self.partial.is_none();
            let split_hdr = u32::from(d.split_hdr_len);
            // Header split: the frame starts in the header buffer, so its packet buffer is taken
            // below like the next buffer of a chained frame. (Headers longer than the buffer stay
            // with the frame in the packet buffer: `RxDone` reports those as not split.)
            let mut split_head = None;
            if first && split_hdr > 0 && split_hdr <= HEADER_BUF_LEN {
                let head = self
                    .headers
                    .as_ref()
                    .and_then(|h| Skb::copy_head(napi, h, i as u32 * HEADER_BUF_LEN, split_hdr));
                if head.is_none() {
                    pool.recycle(page, true);
                    stats.rx_alloc_fail.add(1);
                    self.discarding = !d.eop;
                    continue;
                }
                stats.rx_hdr_split.add(1);
                split_head = head;
            }
            // The MAC splits IP frames only: a split frame is no MAC control frame.
            if first && split_head.is_none() && may_be_mac_control(&d) {
                if let Some(op) = wire::mac_control_opcode(page.bytes(headroom, len)) {
                    consume_mac_control(pool, page, op, stats);
                    self.discarding = !d.eop;
                    done += 1;
                    continue;
                }
            }
            if first {
                self.route = match self.rules.as_mut() {
                    Some(r) => {
                        // The rules read the headers, wherever the MAC put them.
                        let bytes: &[u8] = match split_head.as_mut() {
                            Some(skb) => skb.head_mut(split_hdr).map_or(&[], |h| &*h),
                            None => page.bytes(headroom, len),
                        };
                        r.route(self.q, bytes, d.vlan)
                    }
                    None => Route::Local,
                };
                if self.route == Route::Drop {
                    // A split frame's head skb goes with `split_head` at the end of the turn.
                    stats.rx_ntuple_drops.add(1);
                    pool.recycle(page, true);
                    self.discarding = !d.eop;
                    done += 1;
                    continue;
                }
            }
            if let Some(skb) = split_head {
                // Neither an XDP program nor LRO runs while headers are split (the core and
                // `fix_features` keep them off): the partial frame skips both below.
                self.partial = Some(skb);
            }
            // The program sees every frame the rules let through, whole, before the stack does.
            let (page, headroom, len) = match self.xdp.as_ref().filter(|_| self.partial.is_none()) {
                None => (page, headroom, len),
                Some(_) if !d.eop || d.frame_error => {
                    // Frames of one buffer only: the MTU keeps frames within one, so a longer
                    // one is a frame the MAC should have dropped. A frame with errors is
                    // dropped before the program could send it on.
                    stats.rx_errors.add(1);
                    pool.recycle(page, true);
                    self.discarding = !d.eop;
                    done += 1;
                    continue;
                }
                Some(prog) => match prog.run(page, headroom, len) {
                    Verdict::Pass {
                        page,
                        headroom,
                        len,
                    } => (page, headroom, len),
                    verdict => {
                        if d.timestamped {
                            // Free the MAC's receive timestamp latch for the next frame.
                            let _ = hw.ptp_take_rx();
                        }
                        match verdict {
                            Verdict::Drop(page) => {
                                stats.rx_xdp_drop.add(1);
                                pool.recycle(page, true);
                            }
                            Verdict::Aborted(page) | Verdict::Pass { page, .. } => {
                                stats.rx_xdp_aborted.add(1);
                                pool.recycle(page, true);
                            }
                            Verdict::Tx(frame) => {
                                batch_xdp_tx(&mut self.xdp_tx, frame, (tx, pdev), hw, napi, stats)
                            }
                            Verdict::Redirected => {
                                stats.rx_xdp_redirect.add(1);
                                redirected = true;
                            }
                        }
                        done += 1;
                        delivered += 1;
                        bytes += u64::from(len);
                        continue;
                    }
                },
            };
            // Whole frames only, and untagged: the flow key has no VLAN, the stripped tag would
            // make two VLANs' connections look alike.
            let whole = self.partial.is_none() && d.eop && !d.frame_error && d.vlan.is_none();
            if f.lro && whole && self.route == Route::Local && d.csum == desc::RxCsum::Good {
                let candidate = lro_segment(page.bytes(headroom, len));
                if let (Some((seg, _)), Some((skb, merge))) = (candidate, held.as_mut()) {
                    if merge.add(&seg, LRO_MAX_SEGS).is_ok() {
                        let at = headroom + u32::from(seg.hdr_len);
                        skb.add_frag(page, at, u32::from(seg.payload_len));
                        stats.rx_lro_merged.add(1);
                        done += 1;
                        delivered += 1;
                        bytes += u64::from(len);
                        continue;
                    }
                }
                if let Some((seg, true)) = candidate {
                    deliver_merged(&mut held, napi, self.q, stats);
                    match Skb::build(page, headroom, len) {
                        Ok(mut skb) => {
                            mark(&mut skb, &d, (f, self.q), hw, stats);
                            held = Some((skb, Merge::new(seg)));
                            done += 1;
                            delivered += 1;
                            bytes += u64::from(len);
                        }
                        Err(page) => {
                            pool.recycle(page, true);
                            stats.rx_alloc_fail.add(1);
                        }
                    }
                    continue;
                }
            }
            deliver_merged(&mut held, napi, self.q, stats);
            match self.partial.take() {
                Some(mut skb) => {
                    if len > 0 {
                        skb.add_frag(page, headroom, len);
                    } else {
                        pool.recycle(page, true);
                    }
                    // FCS bytes that ended the previous buffer.
                    if fcs_before > 0 && skb.trim_tail(fcs_before).is_err() {
                        self.partial_error = true;
                    }
                    self.partial = Some(skb);
                }
                None => match Skb::build(page, headroom, len) {
                    Ok(skb) => self.partial = Some(skb),
                    Err(page) => {
                        pool.recycle(page, true);
                        stats.rx_alloc_fail.add(1);
                        self.partial_error = false;
                        self.discarding = !d.eop;
                        continue;
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
            mark(&mut skb, &d, (f, self.q), hw, stats);
            match self.route {
                // A rule for a queue this configuration does not run (an accelerated RFS entry
                // older than `ethtool -L`) delivers here.
                Route::Queue(t) if t < self.outbox.len() => self.steer(t, skb, hw, stats),
                _ => {
                    bytes += u64::from(deliver(skb, napi, self.q));
                    delivered += 1;
                }
            }
            done += 1;
        }
        deliver_merged(&mut held, napi, self.q, stats);
        self.end_poll(hw, napi, stats, (tx, pdev), redirected, (delivered, bytes));
        self.refill(hw, stats);
        done
    }

    /// [`Self::clean`] of a ring receiving into the buffers of zero-copy socket `pool`: the
    /// program sees each frame in the socket's memory, and redirects it to the socket without a
    /// copy; the stack gets copies. The MAC bounds frames to one buffer (checked when the socket
    /// was bound), so a frame of several is an error.
    fn clean_xsk(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        budget: i32,
        (tx, pdev): (&TxSlot, &pci::Device<Bound>),
        pool: &XskPool,
    ) -> i32 {
        let mut done = self.receive_handed_off(napi, stats, budget);
        let count = self.count();
        let (mut delivered, mut bytes) = (0u64, 0u64);
        let f = RxFeatures::of(napi.netdev().features());
        let frame_size = pool.rx_frame_size();
        let mut redirected = false;
        while done < budget && self.next_to_clean != self.next_to_use {
            let i = self.next_to_clean as usize;
            let Some(d) = desc::rx_done(self.fmt, self.descs.read(i)) else {
                break;
            };
            dma_mb(Read);
            self.next_to_clean = ring::next(self.next_to_clean, count);
            let Some(mut buf) = self.xsk_bufs.get_mut(i).and_then(Option::take) else {
                continue;
            };
            done += 1;
            if self.discarding || !d.eop || d.frame_error {
                if !self.discarding {
                    stats.rx_errors.add(1);
                }
                self.discarding = !d.eop;
                continue;
            }
            let (len, _) = wire::split_fcs(u32::from(d.len));
            let frame = buf.frame(len, frame_size);
            if d.vlan.is_none() {
                if let Some(op) = wire::mac_control_opcode(frame) {
                    stats.rx_mac_control.add(1);
                    if op == wire::PAUSE_OPCODE {
                        stats.rx_pause.add(1);
                    }
                    continue;
                }
            }
            let route = match self.rules.as_mut() {
                Some(r) => r.route(self.q, frame, d.vlan),
                None => Route::Local,
            };
            if route == Route::Drop {
                stats.rx_ntuple_drops.add(1);
                continue;
            }
            let Some(prog) = self.xdp.as_ref() else {
                // A zero-copy ring always runs a program (see Adapter::start).
                continue;
            };
            let skb = match prog.run_xsk(buf) {
                XskVerdict::Pass(buf) => Skb::copy_xsk(napi, buf),
                verdict => {
                    if d.timestamped {
                        let _ = hw.ptp_take_rx();
                    }
                    match verdict {
                        XskVerdict::Drop => stats.rx_xdp_drop.add(1),
                        XskVerdict::Aborted | XskVerdict::Pass(_) => stats.rx_xdp_aborted.add(1),
                        XskVerdict::Tx(frame) => {
                            batch_xdp_tx(&mut self.xdp_tx, frame, (tx, pdev), hw, napi, stats)
                        }
                        XskVerdict::Redirected => {
                            stats.rx_xdp_redirect.add(1);
                            redirected = true;
                        }
                    }
                    delivered += 1;
                    bytes += u64::from(len);
                    continue;
                }
            };
            let Ok(mut skb) = skb else {
                // The buffer went back to the pool with the error.
                stats.rx_alloc_fail.add(1);
                continue;
            };
            mark(&mut skb, &d, (f, self.q), hw, stats);
            match route {
                Route::Queue(t) if t < self.outbox.len() => self.steer(t, skb, hw, stats),
                _ => {
                    bytes += u64::from(deliver(skb, napi, self.q));
                    delivered += 1;
                }
            }
        }
        self.end_poll(hw, napi, stats, (tx, pdev), redirected, (delivered, bytes));
        let filled = self.refill_xsk(hw, pool);
        if pool.uses_need_wakeup() {
            // Without buffers the ring stalls until the socket gives some and says so.
            pool.set_rx_need_wakeup(!filled || self.next_to_clean == self.next_to_use);
        } else if !filled {
            // The socket never says: poll on until it gives buffers.
            return budget;
        }
        done
    }

    /// What every poll does after its frames: sends on redirected frames and the program's
    /// `XDP_TX` batch, hands steered frames to their queues, and counts the `delivered` frames of
    /// `bytes` bytes.
    fn end_poll(
        &mut self,
        hw: &Hw<'_>,
        napi: &NapiRef<'_>,
        stats: &QueueStats,
        (tx, pdev): (&TxSlot, &pci::Device<Bound>),
        redirected: bool,
        (delivered, bytes): (u64, u64),
    ) {
        if redirected {
            xdp::flush_redirects();
        }
        if !self.xdp_tx.is_empty() {
            send_xdp_tx(&mut self.xdp_tx, tx, pdev, hw, napi.netdev(), stats);
        }
        if core::mem::take(&mut self.steered) {
            for t in 0..self.outbox.len() {
                self.flush_steered_to(t, hw, stats);
            }
        }
        self.account_delivered(stats, (delivered, bytes));
    }

    /// Returns every buffer to the pool; the device must no longer use the ring.
    pub(crate) fn release(&mut self) {
        self.partial = None;
        self.discarding = false;
        self.route = Route::Local;
        self.inbound.clear();
        self.xdp_tx.clear();
        for slot in self.xsk_bufs.iter_mut() {
            *slot = None;
        }
        for batch in self.outbox.iter_mut() {
            batch.clear();
        }
        self.steered = false;
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
