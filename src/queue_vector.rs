// SPDX-License-Identifier: GPL-2.0

//! Vectors: a queue vector owns one RX and one TX ring and polls both from its NAPI instance;
//! the "other" vector (MSI-X only) handles link changes.

use kernel::{
    device::Bound,
    irq::IrqReturn,
    new_spinlock, pci,
    prelude::*,
    sync::{Arc, SpinLock},
};

use crate::hal::{regs::cause, Hw, IrqMode};
use crate::link;
use crate::net::bh::lock_bh;
use crate::net::vector::{NapiRef, VectorHandler};
use crate::rx::RxRing;
use crate::stats::QueueStats;
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
}

impl<'b> QueueVector<'b> {
    /// Allocates the rings of queue pair `q`.
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
    ) -> Result<Self> {
        let fmt = hw.mac.desc_format();
        let rx = KBox::pin_init(
            new_spinlock!(RxRing::new(pdev, q, fmt, rx_count)?),
            GFP_KERNEL,
        )?;
        Ok(Self {
            hw,
            pdev,
            mode,
            vector_bit,
            rx,
            tx,
            stats,
        })
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
    fn irq(&self, ctx: &NapiRef<'_>) -> IrqReturn {
        match self.mode {
            IrqMode::Msix => {
                // QEMU does not emulate auto-masking (EIAM): mask until the poll completes.
                self.hw.vectors_disable(self.vector_bit);
                ctx.schedule();
                IrqReturn::Handled
            }
            IrqMode::Single => {
                let causes = self.hw.irq_causes();
                if causes == 0 {
                    // A shared INTx line raised by another device.
                    return IrqReturn::None;
                }
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
        let tx_all = match &mut *lock_bh(&self.tx) {
            Some(ring) => ring.clean(self.pdev, ctx.netdev(), &self.stats, budget),
            None => true,
        };
        let rx_done = lock_bh(&self.rx).clean(&self.hw, ctx, &self.stats, budget);
        if !tx_all || rx_done >= budget {
            return budget;
        }
        if ctx.complete_done(rx_done) {
            self.unmask();
        }
        rx_done
    }
}

/// The MSI-X vector for link and other non-queue causes.
pub(crate) struct OtherVector<'b> {
    pub(crate) hw: Arc<Hw<'b>>,
    pub(crate) vector_bit: u32,
}

impl VectorHandler for OtherVector<'_> {
    fn irq(&self, ctx: &NapiRef<'_>) -> IrqReturn {
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
