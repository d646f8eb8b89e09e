// SPDX-License-Identifier: GPL-2.0

//! Vectors: a queue vector owns one RX and one TX ring and polls both from its NAPI instance;
//! the "other" vector (MSI-X only) handles link changes.

use kernel::{
    device::Bound,
    irq::IrqReturn,
    new_spinlock, pci,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, SpinLock,
    },
};

use crate::hal::{regs::cause, Hw, IrqMode};
use crate::handoff::Inbox;
use crate::link;
use crate::logic::itr::Moderation;
use crate::net::bh::lock_bh;
use crate::net::vector::{IrqContext, NapiRef, VectorHandler};
use crate::rx::RxRing;
use crate::stats::QueueStats;
use crate::steering::RingRules;
use crate::tx::TxRing;

/// A transmit queue's ring, reachable from both the transmit path and the queue's NAPI poll.
/// Empty while the interface is down; the lock serialises transmit against completion.
pub(crate) type TxSlot = Arc<SpinLock<Option<TxRing>>>;

/// Allocates an empty transmit slot.
pub(crate) fn new_tx_slot() -> Result<TxSlot> {
    Arc::pin_init(new_spinlock!(None), GFP_KERNEL)
}

/// One queue pair and how its interrupt is delivered.
pub(crate) struct QueueVector<'b> {
    hw: Arc<Hw<'b>>,
    pdev: &'b pci::Device<Bound>,
    mode: IrqMode,
    /// This vector's bit in the MSI-X mask registers.
    vector_bit: u32,
    /// Receive ring: used by this vector's NAPI poll only; the lock makes that explicit and
    /// is never contended on the data path.
    pub(crate) rx: Pin<KBox<SpinLock<RxRing>>>,
    /// Transmit ring, shared with the transmit path (see [`TxSlot`]).
    pub(crate) tx: TxSlot,
    pub(crate) stats: Arc<QueueStats>,
    /// Queue index, which is also the vector's MSI-X index.
    q: u32,
    /// Interrupts this vector handled (the interrupt self-test waits for it to move).
    pub(crate) irqs: Atomic<u64>,
}

impl<'b> QueueVector<'b> {
    /// Allocates the rings of queue pair `q`, whose receive ring splits headers off into header
    /// buffers when `header_split`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        hw: Arc<Hw<'b>>,
        pdev: &'b pci::Device<Bound>,
        q: usize,
        mode: IrqMode,
        vector_bit: u32,
        stats: Arc<QueueStats>,
        tx: TxSlot,
        rx_count: u32,
        usecs: u32,
        adaptive: bool,
        header_split: bool,
        steering: (KVec<Inbox>, Option<RingRules>),
    ) -> Result<Self> {
        let fmt = hw.mac.desc_format();
        let (inboxes, rules) = steering;
        let moderation = Moderation::new(usecs, adaptive);
        let ring = (q, fmt, rx_count);
        let rx = RxRing::new(pdev, ring, header_split, (inboxes, rules), moderation)?;
        let rx = KBox::pin_init(new_spinlock!(rx), GFP_KERNEL)?;
        Ok(Self {
            hw,
            pdev,
            mode,
            vector_bit,
            rx,
            tx,
            stats,
            q: u32::try_from(q)?,
            irqs: Atomic::new(0),
        })
    }

    /// Programs a new interrupt throttle and whether it adapts to the traffic from now on.
    pub(crate) fn set_moderation(&self, usecs: u32, adaptive: bool) {
        // Under the ring's lock, which the poll holds while it decides: the poll cannot
        // program an adaptive value after this fixed one.
        let mut rx = lock_bh(&self.rx);
        rx.moderation = Moderation::new(usecs, adaptive);
        self.hw
            .mac
            .set_throttle(&self.hw.bar, self.mode, self.q, usecs);
    }

    /// Re-enables this vector's interrupt after a completed poll.
    fn unmask(&self) {
        match self.mode {
            IrqMode::Msix => {
                let _ = self.hw.vectors_enable(self.vector_bit);
            }
            IrqMode::Single => self.hw.irq_enable(cause::QUEUES),
        }
    }
}

impl VectorHandler for QueueVector<'_> {
    fn irq(&self, ctx: &IrqContext<'_>) -> IrqReturn {
        match self.mode {
            IrqMode::Msix => {
                self.irqs.fetch_add(1, Relaxed);
                // The MAC masked the vector (EIAM) until the poll completes; where it does not
                // (QEMU), NAPI notes an interrupt during the poll and polls again.
                ctx.schedule();
                IrqReturn::Handled
            }
            IrqMode::Single => {
                let causes = self.hw.irq_causes();
                if causes == 0 {
                    // A shared INTx line raised by another device.
                    return IrqReturn::None;
                }
                self.irqs.fetch_add(1, Relaxed);
                if causes & cause::LSC != 0 {
                    link::update(&self.hw, ctx.netdev());
                }
                if causes & cause::QUEUES != 0 {
                    self.hw.irq_disable(cause::QUEUES);
                    ctx.schedule();
                }
                IrqReturn::Handled
            }
        }
    }

    fn poll(&self, ctx: &NapiRef<'_>, budget: i32) -> i32 {
        // Bottom halves are off in every poll (softirq, busy polling, netpoll with interrupts
        // off): plain locks, whose release cannot run softirqs here. Process context takes the
        // same locks with bottom halves off (lock_bh). The receive ring's lock is held for the
        // whole poll (it is never contended on the data path); the transmit ring's is taken
        // inside it, the order every path follows.
        let mut rx = self.rx.lock();
        let (tx_all, xsk_more) = match &mut *self.tx.lock() {
            Some(ring) => {
                let (all, pkts, bytes) =
                    ring.clean(&self.hw, self.pdev, ctx.netdev(), &self.stats, budget);
                rx.moderation.account_tx(pkts.into(), bytes.into());
                let more = ring.xmit_xsk(&self.hw, ctx.netdev(), budget.unsigned_abs());
                (all, more)
            }
            None => (true, false),
        };
        let rx_done = rx.clean(&self.hw, ctx, &self.stats, budget, (&self.tx, self.pdev));
        if !tx_all || xsk_more || rx_done >= budget {
            return budget;
        }
        if ctx.complete_done(rx_done) {
            // Adaptive moderation: after each interrupt's work is done, the throttle moves
            // towards the latency class of the traffic seen since the last decision.
            if let Some(usecs) = rx.moderation.decide() {
                self.hw
                    .mac
                    .set_throttle(&self.hw.bar, self.mode, self.q, usecs);
            }
            // Work that landed since the last look set its cause: the MAC latches it (EICR /
            // ICR) and interrupts at once, or as soon as the unmask lands, so it is not looked
            // for here. Looking as well would poll it twice: once from the look and once more
            // from that interrupt, which finds the poll scheduled and makes it repeat (measured
            // in a 64-byte flood: 0.94 polls per frame with the look, 0.68 without).
            self.unmask();
        }
        rx_done
    }
}

/// The MSI-X vector for link and other non-queue causes.
pub(crate) struct OtherVector<'b> {
    pub(crate) hw: Arc<Hw<'b>>,
    pub(crate) vector_bit: u32,
    /// Interrupts this vector handled.
    pub(crate) irqs: Atomic<u64>,
}

impl VectorHandler for OtherVector<'_> {
    fn irq(&self, ctx: &IrqContext<'_>) -> IrqReturn {
        self.irqs.fetch_add(1, Relaxed);
        let causes = self.hw.irq_causes();
        if causes & cause::LSC != 0 {
            link::update(&self.hw, ctx.netdev());
        }
        let _ = self.hw.vectors_enable(self.vector_bit);
        IrqReturn::Handled
    }

    fn poll(&self, _ctx: &NapiRef<'_>, _budget: i32) -> i32 {
        0
    }
}
