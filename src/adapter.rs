// SPDX-License-Identifier: GPL-2.0

//! The net device side of rxgbe: [`Adapter`] lives in the net device's private area and
//! implements the driver callbacks; [`Runtime`] is everything that exists while the
//! interface is up.

use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::sync::atomic::Atomic;
use kernel::{
    device::Bound,
    irq::IrqRequest,
    new_mutex,
    pci::{self, IrqVectorRegistration},
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex, SpinLock},
    time::{Instant, Monotonic},
};

use crate::arfs::ArfsFlows;
use crate::hal::{regs::cause, Hw, IrqMode, ALL_VECTORS};
use crate::handoff::{self, new_inbox, Inbox};
use crate::hw_stats::HwStats;
use crate::link;
use crate::logic::{ring, vlan::VlanTable};
use crate::net::bh::lock_bh;
use crate::net::{
    cpu,
    netdev::{
        features as net_features, DrvInfo, FlowKeys, LinkInfo, LinkStats64, MacAddr, McList,
        NetDev, NetDevOps,
    },
    pool,
    skb::{Skb, TxLayout},
    vector::{QueueKind, Vector},
    xdp::{self, XdpProg, XdpRx},
    xsk::XskPool,
};
use crate::queue_vector::{new_tx_slot, OtherVector, QueueVector, TxSlot};
use crate::rss::RssConfig;
use crate::rx::{RxRing, RX_BUF_LEN};
use crate::stats::QueueStats;
use crate::steering::{RingRules, Table};
use crate::tx::TxRing;
use crate::tx_offload;

/// Ethernet header plus FCS: frame size = MTU + this.
const FRAME_OVERHEAD: u32 = 14 + 4;
/// Room for one VLAN tag.
const VLAN_TAG: u32 = 4;
// Buffers of rings with an XDP program are whole pages, whose headroom the program may use.
const _: () = assert!(ring::FULL_PAGE_HEADROOM >= xdp::HEADROOM);

/// Whether frames of `mtu` fit one receive buffer, as an XDP program needs them.
pub(crate) fn mtu_fits_xdp(mtu: u32) -> bool {
    mtu + FRAME_OVERHEAD + VLAN_TAG <= RX_BUF_LEN
}

impl Adapter<'_> {
    /// Whether the MAC keeps frames of `mtu` within one buffer of zero-copy socket `pool` (it
    /// writes frames into the socket's memory, which has no room beyond).
    pub(crate) fn mtu_fits_xsk(&self, mtu: u32, pool: &XskPool) -> bool {
        self.hw
            .mac
            .rx_frame_bound(mtu + FRAME_OVERHEAD + VLAN_TAG)
            .is_some_and(|bound| bound <= pool.rx_frame_size())
    }
}
/// Default ring sizes (descriptors).
pub(crate) const DEFAULT_RING: u32 = 256;
const _: () = assert!(ring::valid_count(DEFAULT_RING));
/// Default interrupt throttle in microseconds (about 20k interrupts/s at most per vector).
pub(crate) const DEFAULT_ITR_USECS: u32 = 50;
/// Multicast addresses filtered exactly through the hash table before falling back to
/// all-multicast.
const MC_FILTER_MAX: usize = 64;
/// Destination of PAUSE frames.
const PAUSE_ADDR: MacAddr = [0x01, 0x80, 0xC2, 0x00, 0x00, 0x01];
/// Queue pairs any MAC has at most.
pub(crate) const MAX_QUEUES: usize = 8;
/// Default number of queue pairs at most (more can be set with `ethtool -L`).
const DEFAULT_QUEUES_MAX: u32 = 8;
/// Period of [`Adapter::watchdog`] (igb's and ixgbe's watchdogs run every 2 s).
const WATCHDOG_PERIOD_MS: u32 = 2000;

/// The interrupt bits of the vectors of `nq` queues: queue `q`'s vector is bit `q`, and there
/// are at most [`MAX_QUEUES`].
fn queue_bits(nq: usize) -> u32 {
    (1u32 << nq.min(MAX_QUEUES)) - 1
}

/// What the user configured through ethtool; survives interface down/up.
#[derive(Clone)]
pub(crate) struct Settings {
    /// Active queue pairs (`ethtool -L combined`).
    pub(crate) queues: usize,
    /// Receive ring size (`ethtool -G rx`).
    pub(crate) rx_ring: u32,
    /// Transmit ring size (`ethtool -G tx`).
    pub(crate) tx_ring: u32,
    /// Receive interrupt delay in microseconds (`ethtool -C rx-usecs`).
    pub(crate) rx_usecs: u32,
    /// Transmit interrupt delay (`ethtool -C tx-usecs`). A vector serves a queue pair, so its
    /// throttle is the smaller of the two.
    pub(crate) tx_usecs: u32,
    /// Adaptive receive moderation (`ethtool -C adaptive-rx`).
    pub(crate) adaptive_rx: bool,
    /// Received frames have their headers split off into a header buffer
    /// (`ethtool -G tcp-data-split on`; 82576).
    pub(crate) header_split: bool,
    /// Receive-side scaling.
    pub(crate) rss: RssConfig,
    /// VLANs the stack registered (`ndo_vlan_rx_add_vid`), for the MAC's VLAN filter.
    pub(crate) vlans: VlanTable,
    /// The XDP program every received frame goes through (`ip link set ... xdp`).
    pub(crate) xdp: Option<XdpProg>,
    /// The zero-copy AF_XDP socket bound to each queue; its queue runs on the socket's buffers
    /// while a program is attached.
    pub(crate) xsk: [Option<XskPool>; MAX_QUEUES],
}

impl Settings {
    /// The throttle a queue vector starts with.
    pub(crate) fn vector_usecs(&self) -> u32 {
        self.rx_usecs.min(self.tx_usecs)
    }
}

/// Everything the interface-level lock protects.
struct State<'b> {
    /// Present while the interface is up.
    runtime: Option<Runtime<'b>>,
    settings: Settings,
    /// The flow rules (`ethtool -N`), present while `ntuple` is on; each running receive ring
    /// classifies with a copy. Kept apart from [`Settings`], which is copied on every change.
    rules: Option<Table>,
}

/// Driver state of one device, in its net device's private area.
pub(crate) struct Adapter<'b> {
    /// Settings and the runtime. Only changed under RTNL (open, stop, MTU change, ethtool);
    /// the mutex makes that exclusion visible to the compiler.
    state: Pin<KBox<Mutex<State<'b>>>>,
    pub(crate) hw: Arc<Hw<'b>>,
    pdev: &'b pci::Device<Bound>,
    irqs: IrqVectorRegistration<'b>,
    mode: IrqMode,
    /// Queue pairs the allocated vectors can serve: the most `ethtool -L` accepts.
    max_queues: usize,
    /// Counters of every possible queue (they survive reconfiguration).
    stats: KVec<Arc<QueueStats>>,
    /// Transmit rings by queue, for the transmit path (installed while up).
    tx: KVec<TxSlot>,
    /// Running totals of the MAC's statistics registers.
    pub(crate) hw_stats: Pin<KBox<HwStats>>,
    /// Flows accelerated RFS steers (see arfs.rs).
    pub(crate) arfs: Pin<KBox<SpinLock<ArfsFlows>>>,
    /// Vectors (one bit each) whose interrupt was placed on its default CPU once. Later starts
    /// leave the affinity alone so a user's `smp_affinity` survives `-L`, `-G` and down/up.
    affinity_placed: AtomicU32,
    /// The LED control register saved while `ethtool -p` blinks the LEDs.
    pub(crate) leds_saved: AtomicU32,
    /// What the XDP callbacks that cannot take the interface lock read of the runtime.
    pub(crate) live: Arc<XdpLive>,
}

/// The state of the runtime the XDP callbacks read without the interface lock (they may not
/// sleep): set by `start` once everything runs, cleared first when the runtime goes.
pub(crate) struct XdpLive {
    /// The transmit rings take frames redirected to the device (`ndo_xdp_xmit`).
    pub(crate) xmit: Atomic<bool>,
    /// Queues running on a zero-copy socket's buffers, one bit each (`ndo_xsk_wakeup`).
    pub(crate) zc_queues: Atomic<u32>,
}

/// What exists while the interface is up: vectors with their rings, interrupts and NAPI.
struct Runtime<'b> {
    hw: Arc<Hw<'b>>,
    pdev: &'b pci::Device<Bound>,
    queues: KVec<Vector<QueueVector<'b>>>,
    other: Option<Vector<OtherVector<'b>>>,
    /// Each queue's hand-off inbox (see handoff.rs).
    inboxes: KVec<Inbox>,
    /// [`Adapter::live`].
    live: Arc<XdpLive>,
    /// When the watchdog last raised the queue vectors ([`Adapter::watchdog`]).
    kicked: Instant<Monotonic>,
}

impl Drop for Runtime<'_> {
    fn drop(&mut self) {
        self.live.xmit.store(false, kernel::sync::atomic::Relaxed);
        self.live.zc_queues.store(0, kernel::sync::atomic::Relaxed);
        // Quiesce the device before the vectors free their interrupts and rings.
        self.hw.irq_disable(u32::MAX);
        if self.other.is_some() {
            // MSI-X, the only mode with an other vector (and with the extended registers).
            self.hw.vectors_disable(ALL_VECTORS);
        }
        self.hw.disable_rx_tx(self.queues.len());
        for v in self.queues.iter_mut() {
            v.free_irq();
            v.napi_disable();
            if let Some(mut ring) = lock_bh(&v.data().tx).take() {
                ring.release(&self.hw, self.pdev);
            }
        }
        // No poll runs any more: frames still waiting for a queue go back to their pools now,
        // before the pools go with the vectors.
        for inbox in self.inboxes.iter() {
            handoff::purge(inbox);
        }
    }
}

impl<'b> Adapter<'b> {
    /// Creates the adapter of a probed device whose vectors serve up to `max_queues` queue
    /// pairs.
    pub(crate) fn new(
        hw: Arc<Hw<'b>>,
        pdev: &'b pci::Device<Bound>,
        irqs: IrqVectorRegistration<'b>,
        mode: IrqMode,
        max_queues: usize,
    ) -> Result<Self> {
        if max_queues > MAX_QUEUES {
            return Err(EINVAL);
        }
        let mut stats = KVec::with_capacity(max_queues, GFP_KERNEL)?;
        let mut tx = KVec::with_capacity(max_queues, GFP_KERNEL)?;
        for _ in 0..max_queues {
            stats.push(Arc::new(QueueStats::new(), GFP_KERNEL)?, GFP_KERNEL)?;
            tx.push(new_tx_slot()?, GFP_KERNEL)?;
        }
        let queues = cpu::online_count()
            .min(DEFAULT_QUEUES_MAX)
            .min(u32::try_from(max_queues)?)
            .max(1);
        let settings = Settings {
            queues: usize::try_from(queues)?,
            rx_ring: DEFAULT_RING,
            tx_ring: DEFAULT_RING,
            rx_usecs: DEFAULT_ITR_USECS,
            tx_usecs: DEFAULT_ITR_USECS,
            adaptive_rx: true,
            header_split: false,
            rss: RssConfig::new(queues),
            vlans: VlanTable::new(),
            xdp: None,
            xsk: [const { None }; MAX_QUEUES],
        };
        Ok(Self {
            state: KBox::pin_init(
                new_mutex!(State {
                    runtime: None,
                    settings,
                    rules: None,
                }),
                GFP_KERNEL,
            )?,
            hw,
            pdev,
            irqs,
            mode,
            max_queues,
            stats,
            tx,
            hw_stats: KBox::pin_init(HwStats::new(), GFP_KERNEL)?,
            arfs: KBox::pin_init(ArfsFlows::new()?, GFP_KERNEL)?,
            affinity_placed: AtomicU32::new(0),
            leds_saved: AtomicU32::new(0),
            live: Arc::new(
                XdpLive {
                    xmit: Atomic::new(false),
                    zc_queues: Atomic::new(0),
                },
                GFP_KERNEL,
            )?,
        })
    }

    /// Queue pairs the device can run at most.
    pub(crate) fn max_queues(&self) -> usize {
        self.max_queues
    }

    /// Counters of queue `q` (any queue below [`Self::max_queues`]).
    pub(crate) fn queue_stats(&self, q: usize) -> Option<&QueueStats> {
        self.stats.get(q).map(|s| &**s)
    }

    /// The interrupt mode chosen at probe.
    pub(crate) fn irq_mode(&self) -> IrqMode {
        self.mode
    }

    /// The PCI device.
    pub(crate) fn pci_dev(&self) -> &'b pci::Device<Bound> {
        self.pdev
    }

    /// Runs an offline self-test. The runtime goes (if the interface is up) and `idle` runs on
    /// the quiesced device; then the device is reset and a fresh runtime comes up for `live`,
    /// which gets its vectors. The interface is left as it was: up with that fresh runtime, or
    /// down. Fails only if the device cannot be restarted.
    pub(crate) fn offline_test<A, B>(
        &self,
        nd: &NetDev,
        idle: impl FnOnce() -> A,
        live: impl FnOnce(&[Vector<QueueVector<'b>>], Option<&Vector<OtherVector<'b>>>) -> B,
    ) -> Result<(A, B)> {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        let was_up = st.runtime.is_some();
        if was_up {
            nd.tx_disable();
            drop(st.runtime.take());
        }
        // The MAC's counters clear on reset: keep what they counted, before and during.
        self.hw_stats.update(&self.hw);
        let a = idle();
        self.hw_stats.update(&self.hw);
        self.hw.reset()?;
        self.hw.start_autoneg()?;
        let rt = self.start(nd, &st.settings, st.rules.as_ref())?;
        let b = live(&rt.queues, rt.other.as_ref());
        if was_up {
            st.runtime = Some(rt);
        } else {
            drop(rt);
            link::stop(&self.hw, nd);
        }
        Ok((a, b))
    }

    /// Raises the interrupts of the queues in `queues` (one bit each), so that their polls run.
    pub(crate) fn kick_queues(&self, queues: u32) {
        match self.mode {
            IrqMode::Msix => self.hw.vectors_raise(queues),
            IrqMode::Single => self.hw.raise_causes(cause::QUEUES),
        }
    }

    /// The watchdog, run by the service work while the interface is up: every
    /// [`WATCHDOG_PERIOD_MS`] it raises each queue vector, so that a poll runs even if an
    /// interrupt was lost, as igb's and ixgbe's watchdogs do. Without it, completions that
    /// landed after the last poll whose interrupt never came wait on the ring for the next
    /// frame: their skbs stay charged to their sockets, and TCP's small-queue limit holds
    /// back what the socket sends next (a FIN, the last segments), however long no frame
    /// comes.
    fn watchdog(&self, nd: &NetDev) {
        let mut guard = self.state.lock();
        let Some(rt) = guard.runtime.as_mut() else {
            // Down: `open` starts the watchdog again.
            return;
        };
        // The service work also runs for accelerated RFS, as often as flows are requested: at
        // most one kick per half period (not a whole one, which a run scheduled a period after
        // the last kick can miss by a rounding of its timer).
        if rt.kicked.elapsed().as_millis() >= i64::from(WATCHDOG_PERIOD_MS / 2) {
            rt.kicked = Instant::now();
            self.kick_queues(queue_bits(rt.queues.len()));
        }
        nd.schedule_service(WATCHDOG_PERIOD_MS);
    }

    /// Whether an XDP program is attached.
    pub(crate) fn xdp_attached(&self) -> bool {
        self.state.lock().settings.xdp.is_some()
    }

    /// Whether received frames have their headers split off (`tcp-data-split`).
    pub(crate) fn header_split(&self) -> bool {
        self.state.lock().settings.header_split
    }

    /// The transmit ring slot and counters of queue `q`.
    pub(crate) fn tx_slot(&self, q: usize) -> Option<(&TxSlot, &QueueStats)> {
        Some((self.tx.get(q)?, self.stats.get(q)?))
    }

    /// A copy of the current settings.
    pub(crate) fn settings(&self) -> Settings {
        self.state.lock().settings.clone()
    }

    fn irq_of(&self, vector: usize) -> Result<u32> {
        Ok(IrqRequest::from(self.irqs.index(vector)?).irq())
    }

    /// Builds rings, vectors and interrupts for `s` and starts the device; the receive rings
    /// classify with copies of `rules`.
    fn start(&self, nd: &NetDev, s: &Settings, rules: Option<&Table>) -> Result<Runtime<'b>> {
        let nq = s.queues;
        if nq == 0 || nq > self.max_queues {
            return Err(EINVAL);
        }
        let nq32 = u32::try_from(nq)?;
        nd.set_real_num_queues(nq32, nq32)?;
        let max_frame = nd.mtu() + FRAME_OVERHEAD + VLAN_TAG;
        let mut rt = Runtime {
            hw: self.hw.clone(),
            pdev: self.pdev,
            queues: KVec::with_capacity(nq, GFP_KERNEL)?,
            other: None,
            inboxes: KVec::with_capacity(nq, GFP_KERNEL)?,
            live: self.live.clone(),
            kicked: Instant::now(),
        };
        let mut zc_queues = 0u32;
        for _ in 0..nq {
            rt.inboxes.push(new_inbox(s.rx_ring)?, GFP_KERNEL)?;
        }
        let fmt = self.hw.mac.desc_format();
        // Half-page buffers where the MAC bounds frames to fit one, whole pages otherwise, and
        // always with an XDP program, which gets the whole page's headroom.
        let bound = self
            .hw
            .mac
            .rx_frame_bound(max_frame)
            .filter(|_| s.xdp.is_none());
        let layout = ring::rx_buf_layout(kernel::page::PAGE_SIZE as u32, pool::SHINFO_SIZE, bound);
        // The core refuses header split with a single-buffer program attached and the other way
        // round; the program check keeps the rings consistent whatever the order of changes.
        let split = s.header_split && s.xdp.is_none() && self.hw.mac.has_header_split();
        // The "other" vector is the last allocated one, whatever the active queue count.
        let other_vector = self.max_queues;

        for q in 0..nq {
            let stats = self.stats.get(q).ok_or(EINVAL)?.clone();
            let tx = self.tx.get(q).ok_or(EINVAL)?.clone();
            *lock_bh(&tx) = Some(TxRing::new(self.pdev, q, fmt, s.tx_ring)?);
            let mut inboxes = KVec::with_capacity(nq, GFP_KERNEL)?;
            for inbox in rt.inboxes.iter() {
                inboxes.push(inbox.clone(), GFP_KERNEL)?;
            }
            let ring_rules = rules.map(RingRules::copy_of).transpose()?;
            let qv = QueueVector::new(
                self.hw.clone(),
                self.pdev,
                q,
                self.mode,
                1 << q,
                stats,
                tx,
                s.rx_ring,
                s.vector_usecs(),
                s.adaptive_rx,
                split,
                (inboxes, ring_rules),
            )?;
            let v = Vector::new(nd, qv, Some(u32::try_from(q)?))?;
            let pool = RxRing::new_pool(self.pdev, &v.napi(), s.rx_ring, layout)?;
            // A queue with a zero-copy socket runs on its buffers while a program is attached.
            let xsk = s.xsk.get(q).cloned().flatten().filter(|_| s.xdp.is_some());
            let q32 = u32::try_from(q)?;
            let xdp = match (s.xdp.clone(), xsk.as_ref()) {
                (Some(prog), Some(xsk)) => Some(XdpRx::new_xsk(nd, q32, &v.napi(), xsk, prog)?),
                (Some(prog), None) => Some(XdpRx::new(nd, q32, &v.napi(), &pool, prog)?),
                (None, _) => None,
            };
            let xsk_slots = match xsk.as_ref() {
                Some(_) => Some(RxRing::xsk_slots(s.rx_ring)?),
                None => None,
            };
            {
                let mut rx = lock_bh(&v.data().rx);
                rx.attach_pool(pool, xdp);
                if let (Some(xsk), Some(slots)) = (xsk.clone(), xsk_slots) {
                    rx.attach_xsk(xsk, slots)?;
                }
            }
            if let Some(ring) = lock_bh(&v.data().tx).as_mut() {
                ring.set_xsk(xsk.clone());
            }
            if xsk.is_some() {
                zc_queues |= 1 << q;
            }
            rt.queues.push(v, GFP_KERNEL)?;
        }
        if self.mode == IrqMode::Msix {
            let other = OtherVector {
                hw: self.hw.clone(),
                vector_bit: 1 << other_vector,
                irqs: Atomic::new(0),
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
        if self.hw.mac.has_rss() {
            self.hw.mac.program_rss(&self.hw.bar, &s.rss, true);
        }
        self.hw.enable_tx(nq);
        self.hw.enable_rx(nq, RX_BUF_LEN, max_frame, split);
        for v in rt.queues.iter() {
            lock_bh(&v.data().rx).refill(&self.hw, &v.data().stats);
        }
        self.hw.write_mac_addr(&nd.addr());
        self.hw.write_vlan_table(&s.vlans);
        self.hw
            .set_vlan_strip(nd.features() & net_features::HW_VLAN_CTAG_RX != 0);
        self.apply_rx_mode(nd);

        let name = nd.name().to_str().unwrap_or("rxgbe");
        let shared = self.mode == IrqMode::Single;
        if self.mode == IrqMode::Msix {
            self.hw
                .mac
                .enable_msix(&self.hw.bar, u32::try_from(other_vector)?);
        }
        for (q, v) in rt.queues.iter_mut().enumerate() {
            let q32 = u32::try_from(q)?;
            // Single mode: vector 0 serves the only queue pair.
            self.hw.mac.route_queue_irq(&self.hw.bar, q, q32);
            self.hw
                .mac
                .set_throttle(&self.hw.bar, self.mode, q32, s.vector_usecs());
            v.link_queue(QueueKind::Rx, q32)?;
            v.link_queue(QueueKind::Tx, q32)?;
            v.napi_enable();
            v.request_irq(self.irq_of(q)?, shared, format_args!("{name}-TxRx-{q}"))?;
            // Queue q's interrupt and its transmit CPUs on the q-th online CPU. Both are
            // hints (the user and irqbalance may move them), so failing to set them is not
            // an error of the interface.
            let cpu = cpu::nth_online(q32);
            let bit = 1u32 << q;
            if self.affinity_placed.fetch_or(bit, Ordering::Relaxed) & bit == 0 {
                let _ = v.set_affinity(cpu);
            } else {
                let _ = v.set_affinity_hint(cpu);
                // The kept affinity still has to reach the accelerated RFS CPU map, which only
                // affinity changes update: without this it would name vectors `-L` removed.
                let _ = v.refresh_affinity();
            }
            let _ = nd.txq(u16::try_from(q)?).set_xps_cpu(cpu);
        }
        if let Some(other) = rt.other.as_mut() {
            other.request_irq(
                self.irq_of(other_vector)?,
                false,
                format_args!("{name}-other"),
            )?;
        }
        match self.mode {
            IrqMode::Msix => {
                let queue_bits = queue_bits(nq);
                let other_bit = 1u32 << other_vector;
                // The other vector auto-clears too: the MAC signals a vector only when its
                // EICR bit goes from clear to set, so a bit left set would swallow every
                // later link change.
                self.hw.vectors_autoclear(queue_bits | other_bit)?;
                // Each vector masks itself when it fires and its handler's work (the poll, or
                // the other vector's handler) unmasks it, as igb does. QEMU does not emulate the
                // auto-mask: there a vector stays unmasked, and an interrupt during its poll
                // makes NAPI poll once more, which costs less than masking by hand in every
                // interrupt (measured: request/response 1% faster, small packets no slower).
                self.hw.vectors_automask(queue_bits | other_bit)?;
                self.hw.irq_enable(cause::LSC);
                self.hw.vectors_enable(queue_bits | other_bit)?;
            }
            IrqMode::Single => self.hw.irq_enable(cause::LSC | cause::QUEUES),
        }
        self.hw.link_up();
        self.hw.apply_flow_control();
        link::update(&self.hw, nd);
        nd.tx_wake_all();
        rt.live
            .zc_queues
            .store(zc_queues, kernel::sync::atomic::Relaxed);
        rt.live.xmit.store(true, kernel::sync::atomic::Relaxed);
        // The sockets' fill rings may have been empty when the rings were filled, and nothing
        // else would poll those queues: poll them once now (their polls ask for a wake-up call
        // if still without buffers).
        if zc_queues != 0 {
            self.kick_queues(zc_queues);
        }
        Ok(rt)
    }

    /// Applies a settings change made by `change`, which validates and edits a copy. While
    /// the interface is up the device restarts with the new settings; if that fails it comes
    /// back with the old ones and the error is returned, so a refused or failed change leaves
    /// everything as it was.
    pub(crate) fn reconfigure(
        &self,
        nd: &NetDev,
        change: impl FnOnce(&mut Settings) -> Result,
    ) -> Result {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        let mut new = st.settings.clone();
        change(&mut new)?;
        if st.runtime.is_none() {
            st.settings = new;
            return Ok(());
        }
        nd.tx_disable();
        drop(st.runtime.take());
        match self.start(nd, &new, st.rules.as_ref()) {
            Ok(rt) => {
                st.runtime = Some(rt);
                st.settings = new;
                Ok(())
            }
            Err(e) => {
                st.runtime = Some(self.start(nd, &st.settings, st.rules.as_ref())?);
                Err(e)
            }
        }
    }

    /// Applies a change that needs no restart (RSS tables, moderation): `change` validates and
    /// edits a copy of the settings; `apply` programs the result if the interface is up.
    pub(crate) fn update_live(
        &self,
        change: impl FnOnce(&mut Settings) -> Result,
        apply: impl FnOnce(&Self, &Settings, &[Vector<QueueVector<'b>>]),
    ) -> Result {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        let mut new = st.settings.clone();
        change(&mut new)?;
        if let Some(rt) = st.runtime.as_ref() {
            apply(self, &new, &rt.queues);
        }
        st.settings = new;
        Ok(())
    }

    /// Runs `f` on the flow rules (`None` while `ntuple` is off), the active queue count and the
    /// vectors of the running interface (none while down), under the interface lock.
    pub(crate) fn with_rules<R>(
        &self,
        f: impl FnOnce(&mut Option<Table>, usize, &[Vector<QueueVector<'b>>]) -> R,
    ) -> R {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        let vectors = st.runtime.as_ref().map_or(&[][..], |rt| &rt.queues[..]);
        f(&mut st.rules, st.settings.queues, vectors)
    }

    /// Reprograms the receive filters (after a change of what they must let through).
    pub(crate) fn refresh_rx_filters(&self, nd: &NetDev) {
        self.apply_rx_mode(nd);
    }

    fn apply_rx_mode(&self, nd: &NetDev) {
        nd.with_mc_list(|list| self.apply_rx_filters(nd, list, nd.features()));
    }

    /// Programs the receive filters for the device's addresses (multicast: `list`) and modes,
    /// with features `feats` (which may not be the device's yet, in `ndo_set_features`).
    fn apply_rx_filters(&self, nd: &NetDev, list: &McList<'_>, feats: u64) {
        let mut mc = [[0u8; 6]; MC_FILTER_MAX];
        let mut n = list.copy_to(&mut mc);
        // A MAC honouring PAUSE frames receives them whatever its filters; QEMU's MACs only
        // through the multicast table (the driver then consumes them, see rx.rs).
        if self.hw.flow.get().0 {
            if let Some(slot) = mc.get_mut(n) {
                *slot = PAUSE_ADDR;
                n += 1;
            }
        }
        let allmulti = nd.is_allmulti() || n > MC_FILTER_MAX;
        self.hw.set_rx_filter(
            nd.is_promisc(),
            allmulti,
            mc.get(..n.min(MC_FILTER_MAX)).unwrap_or(&[]),
            feats & net_features::HW_VLAN_CTAG_FILTER != 0,
        );
    }

    /// Adds or removes VLAN `vid` from the filter table, in the settings and in the MAC.
    fn set_vlan(&self, vid: u16, on: bool) -> Result {
        let mut st = self.state.lock();
        let vlans = &mut st.settings.vlans;
        let changed = if on {
            vlans.add(vid)
        } else {
            vlans.remove(vid)
        };
        let (index, bits) = vlans.word_of(vid).filter(|_| changed).ok_or(EINVAL)?;
        self.hw.write_vlan_word(index, bits);
        Ok(())
    }
}

impl Drop for Adapter<'_> {
    fn drop(&mut self) {
        // The interface is down (unregistered); make sure the device does no more DMA.
        self.hw.irq_disable(u32::MAX);
        self.hw.disable_rx_tx(self.max_queues);
    }
}

impl NetDevOps for Adapter<'_> {
    fn open(&self, nd: &NetDev) -> Result {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        if st.runtime.is_none() {
            st.runtime = Some(self.start(nd, &st.settings, st.rules.as_ref())?);
            nd.schedule_service(WATCHDOG_PERIOD_MS);
        }
        Ok(())
    }

    fn stop(&self, nd: &NetDev) {
        nd.tx_disable();
        let rt = self.state.lock().runtime.take();
        drop(rt);
        link::stop(&self.hw, nd);
    }

    fn start_xmit(&self, nd: &NetDev, skb: Skb) {
        let q = usize::from(skb.queue_mapping());
        let (Some(stats), Some(slot)) = (self.stats.get(q), self.tx.get(q)) else {
            return;
        };
        // Transmit runs with bottom halves off (or interrupts off, from netpoll): a plain lock.
        // Releasing a `_bh` lock here would run pending softirqs, whose receive path can
        // transmit on a queue netpoll holds locked, on this CPU.
        let mut guard = slot.lock();
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
            s.rx_dropped += st.rx_alloc_fail.get() + st.rx_steer_overflow.get();
            s.tx_packets += st.tx_packets.get();
            s.tx_bytes += st.tx_bytes.get();
            s.tx_dropped += st.tx_dropped.get();
        }
    }

    fn change_mtu(&self, nd: &NetDev, mtu: u32) -> Result {
        if mtu + FRAME_OVERHEAD > self.hw.mac.max_frame() {
            return Err(EINVAL);
        }
        let pools = self.settings().xsk;
        if pools.iter().flatten().any(|p| !self.mtu_fits_xsk(mtu, p)) {
            pr_warn!(
                "{}: MTU {mtu} too large for a bound AF_XDP zero-copy socket\n",
                nd.name().to_str().unwrap_or("?")
            );
            return Err(EINVAL);
        }
        if !mtu_fits_xdp(mtu) && self.xdp_attached() {
            pr_warn!(
                "{}: MTU {mtu} too large for the attached XDP program\n",
                nd.name().to_str().unwrap_or("?")
            );
            return Err(EINVAL);
        }
        // Receive buffers are laid out for the frame size: restart with the new MTU, and put
        // the old one back if the restart fails.
        let old = nd.mtu();
        nd.set_mtu(mtu);
        let res = self.reconfigure(nd, |_| Ok(()));
        if res.is_err() {
            nd.set_mtu(old);
        }
        res
    }

    fn set_mac_address(&self, _nd: &NetDev, addr: &MacAddr) -> Result {
        self.hw.write_mac_addr(addr);
        Ok(())
    }

    fn set_rx_mode(&self, nd: &NetDev, list: &McList<'_>) {
        self.apply_rx_filters(nd, list, nd.features());
    }

    fn set_features(&self, nd: &NetDev, features: u64) -> Result {
        let ntuple = features & net_features::NTUPLE != 0;
        if ntuple != (nd.features() & net_features::NTUPLE != 0) {
            // Turning it off removes every rule, as on MACs with filter hardware.
            self.set_flow_steering(ntuple)?;
        }
        // Both registers take effect at once and are safe to change under traffic.
        let _st = self.state.lock();
        self.hw
            .set_vlan_strip(features & net_features::HW_VLAN_CTAG_RX != 0);
        nd.with_mc_list(|list| self.apply_rx_filters(nd, list, features));
        Ok(())
    }

    fn vlan_add(&self, _nd: &NetDev, vid: u16) -> Result {
        self.set_vlan(vid, true)
    }

    fn vlan_kill(&self, _nd: &NetDev, vid: u16) -> Result {
        self.set_vlan(vid, false)
    }

    fn fix_features(&self, _nd: &NetDev, features: u64) -> u64 {
        // rxgbe's LRO hands merged packets over as verified: it needs the MAC's verdicts. An XDP
        // program sees frames as they arrived, which merging would hide.
        // LRO merges whole frames; a split frame's headers are apart from its payload.
        if features & net_features::RXCSUM == 0 || self.xdp_attached() || self.header_split() {
            features & !net_features::LRO
        } else {
            features
        }
    }

    fn features_check(&self, _nd: &NetDev, layout: &TxLayout, features: u64) -> u64 {
        tx_offload::features_check(self.hw.mac.desc_format(), layout, features)
    }

    fn rx_flow_steer(&self, nd: &NetDev, flow: &FlowKeys, rxq: u16, flow_id: u32) -> Result<u16> {
        self.arfs_request(nd, flow, rxq, flow_id)
    }

    fn service(&self, nd: &NetDev) {
        self.arfs_service(nd);
        self.watchdog(nd);
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
