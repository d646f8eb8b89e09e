// SPDX-License-Identifier: GPL-2.0

//! The net device side of rxgbe: [`Adapter`] lives in the net device's private area and
//! implements the driver callbacks; [`Runtime`] is everything that exists while the
//! interface is up.

use core::pin::Pin;
use kernel::{
    device::Bound,
    irq::IrqRequest,
    new_mutex,
    pci::{self, IrqVectorRegistration},
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex},
};

use crate::hal::{regs::cause, Hw, IrqMode};
use crate::link;
use crate::logic::ring;
use crate::net::bh::lock_bh;
use crate::net::{
    netdev::{DrvInfo, LinkInfo, LinkStats64, MacAddr, NetDev, NetDevOps},
    skb::Skb,
    vector::{QueueKind, Vector},
};
use crate::queue_vector::{new_tx_slot, OtherVector, QueueVector, TxSlot};
use crate::rx::{RxRing, RX_BUF_LEN};
use crate::stats::QueueStats;
use crate::tx::TxRing;

/// Ethernet header plus FCS: frame size = MTU + this.
const FRAME_OVERHEAD: u32 = 14 + 4;
/// Room for one VLAN tag.
const VLAN_TAG: u32 = 4;
/// Default ring sizes (descriptors).
const DEFAULT_RING: u32 = 256;
const _: () = assert!(ring::valid_count(DEFAULT_RING));
/// Default interrupt throttle in microseconds (about 20k interrupts/s at most per vector).
const DEFAULT_ITR_USECS: u32 = 50;
/// Multicast addresses filtered exactly through the hash table before falling back to
/// all-multicast.
const MC_FILTER_MAX: usize = 64;

/// Driver state of one device, in its net device's private area.
pub(crate) struct Adapter<'b> {
    /// Present while the interface is up. Only changed under RTNL (open, stop, MTU change);
    /// the mutex makes that exclusion visible to the compiler.
    runtime: Pin<KBox<Mutex<Option<Runtime<'b>>>>>,
    hw: Arc<Hw<'b>>,
    pdev: &'b pci::Device<Bound>,
    irqs: IrqVectorRegistration<'b>,
    mode: IrqMode,
    queues: usize,
    stats: KVec<Arc<QueueStats>>,
    /// Transmit rings by queue, for the transmit path (installed while up).
    tx: KVec<TxSlot>,
}

/// What exists while the interface is up: vectors with their rings, interrupts and NAPI.
struct Runtime<'b> {
    hw: Arc<Hw<'b>>,
    pdev: &'b pci::Device<Bound>,
    queues: KVec<Vector<QueueVector<'b>>>,
    other: Option<Vector<OtherVector<'b>>>,
}

impl Drop for Runtime<'_> {
    fn drop(&mut self) {
        // Quiesce the device before the vectors free their interrupts and rings.
        self.hw.irq_disable(u32::MAX);
        self.hw.vectors_disable(u32::MAX);
        self.hw.disable_rx_tx(self.queues.len());
        for v in self.queues.iter_mut() {
            v.free_irq();
            v.napi_disable();
            if let Some(mut ring) = lock_bh(&v.data().tx).take() {
                ring.release(self.pdev);
            }
        }
    }
}

impl<'b> Adapter<'b> {
    /// Creates the adapter of a probed device.
    pub(crate) fn new(
        hw: Arc<Hw<'b>>,
        pdev: &'b pci::Device<Bound>,
        irqs: IrqVectorRegistration<'b>,
        mode: IrqMode,
        queues: usize,
    ) -> Result<Self> {
        let mut stats = KVec::with_capacity(queues, GFP_KERNEL)?;
        let mut tx = KVec::with_capacity(queues, GFP_KERNEL)?;
        for _ in 0..queues {
            stats.push(Arc::new(QueueStats::new(), GFP_KERNEL)?, GFP_KERNEL)?;
            tx.push(new_tx_slot()?, GFP_KERNEL)?;
        }
        Ok(Self {
            runtime: KBox::pin_init(new_mutex!(None), GFP_KERNEL)?,
            hw,
            pdev,
            irqs,
            mode,
            queues,
            stats,
            tx,
        })
    }

    /// Counters of every queue pair, by queue index.
    pub(crate) fn queue_stats(&self) -> &[Arc<QueueStats>] {
        &self.stats
    }

    fn irq_of(&self, vector: usize) -> Result<u32> {
        Ok(IrqRequest::from(self.irqs.index(vector)?).irq())
    }

    /// Builds rings, vectors and interrupts and starts the device.
    fn start(&self, nd: &NetDev) -> Result<Runtime<'b>> {
        let nq = self.queues;
        let nq32 = u32::try_from(nq)?;
        nd.set_real_num_queues(nq32, nq32)?;
        let max_frame = nd.mtu() + FRAME_OVERHEAD + VLAN_TAG;
        let mut rt = Runtime {
            hw: self.hw.clone(),
            pdev: self.pdev,
            queues: KVec::with_capacity(nq, GFP_KERNEL)?,
            other: None,
        };
        let fmt = self.hw.mac.desc_format();

        for q in 0..nq {
            let stats = self.stats.get(q).ok_or(EINVAL)?.clone();
            let tx = self.tx.get(q).ok_or(EINVAL)?.clone();
            *lock_bh(&tx) = Some(TxRing::new(self.pdev, q, fmt, DEFAULT_RING)?);
            let qv = QueueVector::new(
                self.hw.clone(),
                self.pdev,
                q,
                self.mode,
                1 << q,
                stats,
                tx,
                DEFAULT_RING,
            )?;
            let v = Vector::new(nd, qv, Some(u32::try_from(q)?))?;
            let pool = RxRing::new_pool(self.pdev, &v.napi(), DEFAULT_RING)?;
            lock_bh(&v.data().rx).attach_pool(pool);
            rt.queues.push(v, GFP_KERNEL)?;
        }
        if self.mode == IrqMode::Msix {
            let other = OtherVector {
                hw: self.hw.clone(),
                vector_bit: 1 << nq,
            };
            rt.other = Some(Vector::new(nd, other, None)?);
        }

        for (q, v) in rt.queues.iter().enumerate() {
            lock_bh(&v.data().rx).program(&self.hw)?;
            if let Some(ring) = lock_bh(&v.data().tx).as_ref() {
                ring.program(&self.hw)?;
            }
            nd.txq(u16::try_from(q)?).reset();
        }
        self.hw.enable_tx(nq);
        self.hw.enable_rx(nq, RX_BUF_LEN, max_frame);
        for v in rt.queues.iter() {
            lock_bh(&v.data().rx).refill(&self.hw, &v.data().stats);
        }
        self.hw.write_mac_addr(&nd.addr());
        self.apply_rx_mode(nd);

        let name = nd.name().to_str().unwrap_or("rxgbe");
        let shared = self.mode == IrqMode::Single;
        for (q, v) in rt.queues.iter_mut().enumerate() {
            let q32 = u32::try_from(q)?;
            if self.mode == IrqMode::Msix {
                self.hw.mac.route_msix(&self.hw.bar, q, q32, nq32);
            }
            self.hw
                .mac
                .set_throttle(&self.hw.bar, self.mode, q32, DEFAULT_ITR_USECS);
            v.link_queue(QueueKind::Rx, q32)?;
            v.link_queue(QueueKind::Tx, q32)?;
            v.napi_enable();
            v.request_irq(self.irq_of(q)?, shared, format_args!("{name}-TxRx-{q}"))?;
        }
        if let Some(other) = rt.other.as_mut() {
            other.request_irq(self.irq_of(nq)?, false, format_args!("{name}-other"))?;
        }
        match self.mode {
            IrqMode::Msix => {
                let queue_bits = (1u32 << nq) - 1;
                self.hw.vectors_autoclear(queue_bits)?;
                self.hw.irq_enable(cause::LSC);
                self.hw.vectors_enable(queue_bits | (1 << nq))?;
            }
            IrqMode::Single => self.hw.irq_enable(cause::LSC | cause::QUEUES),
        }
        self.hw.link_up();
        link::update(&self.hw, nd);
        nd.tx_start_all();
        Ok(rt)
    }

    fn apply_rx_mode(&self, nd: &NetDev) {
        let mut mc = [[0u8; 6]; MC_FILTER_MAX];
        let n = nd.mc_addrs(&mut mc);
        let allmulti = nd.is_allmulti() || n > MC_FILTER_MAX;
        self.hw.set_rx_filter(
            nd.is_promisc(),
            allmulti,
            mc.get(..n.min(MC_FILTER_MAX)).unwrap_or(&[]),
        );
    }
}

impl Drop for Adapter<'_> {
    fn drop(&mut self) {
        // The interface is down (unregistered); make sure the device does no more DMA.
        self.hw.irq_disable(u32::MAX);
        self.hw.disable_rx_tx(self.queues);
    }
}

impl NetDevOps for Adapter<'_> {
    fn open(&self, nd: &NetDev) -> Result {
        let mut rt = self.runtime.lock();
        if rt.is_none() {
            *rt = Some(self.start(nd)?);
        }
        Ok(())
    }

    fn stop(&self, nd: &NetDev) {
        nd.tx_disable();
        nd.carrier_off();
        let rt = self.runtime.lock().take();
        drop(rt);
    }

    fn start_xmit(&self, nd: &NetDev, skb: Skb) {
        let q = usize::from(skb.queue_mapping());
        let (Some(stats), Some(slot)) = (self.stats.get(q), self.tx.get(q)) else {
            return;
        };
        let mut guard = lock_bh(slot);
        match &mut *guard {
            Some(ring) => ring.xmit(&self.hw, self.pdev, nd, skb, stats),
            None => stats.tx_dropped.add(1),
        }
    }

    fn get_stats64(&self, _nd: &NetDev, s: &mut LinkStats64) {
        for st in self.stats.iter() {
            s.rx_packets += st.rx_packets.get();
            s.rx_bytes += st.rx_bytes.get();
            s.rx_errors += st.rx_errors.get();
            s.rx_dropped += st.rx_alloc_fail.get();
            s.tx_packets += st.tx_packets.get();
            s.tx_bytes += st.tx_bytes.get();
            s.tx_dropped += st.tx_dropped.get();
        }
    }

    fn change_mtu(&self, nd: &NetDev, mtu: u32) -> Result {
        if mtu + FRAME_OVERHEAD > self.hw.mac.max_frame() {
            return Err(EINVAL);
        }
        let mut rt = self.runtime.lock();
        if rt.is_none() {
            nd.set_mtu(mtu);
            return Ok(());
        }
        // Rings are rebuilt for the new buffer layout: a full stop and start.
        nd.tx_disable();
        drop(rt.take());
        nd.set_mtu(mtu);
        *rt = Some(self.start(nd)?);
        Ok(())
    }

    fn set_mac_address(&self, _nd: &NetDev, addr: &MacAddr) -> Result {
        self.hw.write_mac_addr(addr);
        Ok(())
    }

    fn set_rx_mode(&self, nd: &NetDev) {
        self.apply_rx_mode(nd);
    }

    fn drvinfo(&self) -> DrvInfo<'_> {
        DrvInfo {
            driver: c"rxgbe",
            version: c"0.1.0",
        }
    }

    fn bus_info(&self) -> &CStr {
        self.pdev.as_ref().name()
    }

    fn link_info(&self, _nd: &NetDev) -> LinkInfo {
        let l = self.hw.link();
        LinkInfo {
            up: l.up,
            speed: l.speed,
            full_duplex: l.full_duplex,
        }
    }
}
