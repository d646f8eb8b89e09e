// SPDX-License-Identifier: GPL-2.0

//! The 82576's PTP hardware clock and timestamp latches (see docs/ARCHITECTURE.md "Hardware
//! timestamping"): [`Timestamping`] keeps the clock's software time scale and the
//! user's timestamping setting, which survive device resets.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::{
    io::{register::Array, Io},
    prelude::*,
    sync::{new_spinlock_irq, SpinLockIrq},
};

use super::regs_ptp::*;
use super::Hw;
use crate::logic::clock::{self, CycleClock, RxStamp};

/// The ethertype filter the driver gives to PTP frames.
const PTP_FILTER: usize = 3;
/// PTP over Ethernet.
const ETH_P_1588: u16 = 0x88F7;
/// `TSYNCRXCTL` kinds.
const RX_KIND_L2_V2: u8 = 0;
const RX_KIND_EVENT_V2: u8 = 5;

/// Counters of hardware timestamping (`ethtool -I -T` and `ethtool -S`).
#[derive(Default)]
pub(crate) struct TstampCounters {
    /// Transmitted packets given their hardware timestamp.
    pub(crate) tx_stamped: AtomicU64,
    /// Transmit timestamp requests the MAC did not answer (the packet completed without one).
    pub(crate) tx_lost: AtomicU64,
    /// Transmit timestamp requests refused because one was in flight (the MAC latches one).
    pub(crate) tx_skipped: AtomicU64,
    /// Received frames given their hardware timestamp.
    pub(crate) rx_stamped: AtomicU64,
    /// Receive timestamps freed because no frame claimed them (the frame was dropped).
    pub(crate) rx_cleared: AtomicU64,
}

/// Timestamping state of a MAC with a PTP clock.
pub(crate) struct Timestamping {
    /// The clock's time scale over `SYSTIM`. Interrupts are off while it is held: transmit
    /// completions convert timestamps from any context netpoll polls in.
    clock: Pin<KBox<SpinLockIrq<CycleClock>>>,
    /// `HWTSTAMP_TX_ON` is set.
    tx_on: AtomicBool,
    /// The receive filter set (`HWTSTAMP_FILTER_*`).
    rx_filter: AtomicU32,
    /// A transmit timestamp is in flight: the MAC latches one at a time.
    tx_busy: AtomicBool,
    /// A receive timestamp was claimed since the last service check.
    rx_claimed: AtomicBool,
    /// The receive latch was found held, unclaimed, at the last service check.
    rx_held: AtomicBool,
    /// Counters.
    pub(crate) counters: TstampCounters,
}

impl Timestamping {
    /// Timestamping off, the clock at 0 until set.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            clock: KBox::pin_init(
                new_spinlock_irq!(CycleClock::new(0, 0), "rxgbe_ptp_clock"),
                GFP_KERNEL,
            )?,
            tx_on: AtomicBool::new(false),
            rx_filter: AtomicU32::new(clock::filter::NONE),
            tx_busy: AtomicBool::new(false),
            rx_claimed: AtomicBool::new(false),
            rx_held: AtomicBool::new(false),
            counters: TstampCounters::default(),
        })
    }

    /// The (transmit on, receive filter) setting.
    pub(crate) fn config(&self) -> (bool, u32) {
        (
            self.tx_on.load(Ordering::Relaxed),
            self.rx_filter.load(Ordering::Relaxed),
        )
    }

    /// Whether transmit timestamps are on.
    pub(crate) fn tx_on(&self) -> bool {
        self.tx_on.load(Ordering::Relaxed)
    }

    /// Takes the transmit latch for one packet; `false` (counted) when another holds it.
    pub(crate) fn claim_tx(&self) -> bool {
        let won = self
            .tx_busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if !won {
            self.counters.tx_skipped.fetch_add(1, Ordering::Relaxed);
        }
        won
    }

    /// Releases the transmit latch taken by [`Self::claim_tx`].
    fn release_tx(&self) {
        self.tx_busy.store(false, Ordering::Release);
    }
}

/// A 64-bit register pair's value from its halves.
fn join(lo: u32, hi: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(lo)
}

impl Hw<'_> {
    fn ts(&self) -> Option<&Timestamping> {
        self.ts.as_ref()
    }

    /// The raw `SYSTIM` counter. Callers serialise on the clock lock: the low-half read
    /// latches the high half.
    fn read_systim(&self) -> u64 {
        let lo = self.bar.read(SYSTIML).value().get();
        join(lo, self.bar.read(SYSTIMH).value().get())
    }

    /// Frees the transmit latch held by a packet that will not complete.
    pub(crate) fn ptp_release_tx(&self) {
        if let Some(ts) = self.ts() {
            ts.release_tx();
        }
    }

    /// Starts the counter after a reset (which stops it) and maps it to `now` nanoseconds.
    pub(super) fn ptp_restart(&self, now: u64) {
        let Some(ts) = self.ts() else { return };
        self.bar.write_reg(
            TIMINCA::zeroed()
                .with_const_period::<1>()
                .with_const_increment::<{ 16 << clock::CYCLE_SHIFT }>(),
        );
        {
            let mut c = ts.clock.lock();
            let cycles = self.read_systim();
            c.set(cycles, now);
        }
        let (tx, rx) = ts.config();
        self.program_tx_stamping(tx);
        self.program_rx_stamping(clock::rx_stamp_for(rx).unwrap_or(RxStamp::Off));
        ts.release_tx();
    }

    /// The clock's time in nanoseconds (0 on a MAC without a clock).
    pub(crate) fn ptp_now(&self) -> u64 {
        self.ptp_time(|| {}, || {})
    }

    /// The clock's time, calling `pre` and `post` right around the counter read (the system
    /// time sampled there brackets the reading, for `PTP_SYS_OFFSET_EXTENDED`).
    pub(crate) fn ptp_time(&self, pre: impl FnOnce(), post: impl FnOnce()) -> u64 {
        let Some(ts) = self.ts() else { return 0 };
        let c = ts.clock.lock();
        pre();
        let lo = self.bar.read(SYSTIML).value().get();
        post();
        c.ns_at(join(lo, self.bar.read(SYSTIMH).value().get()))
    }

    /// Sets the clock to `ns`.
    pub(crate) fn ptp_set(&self, ns: u64) {
        let Some(ts) = self.ts() else { return };
        let mut c = ts.clock.lock();
        let cycles = self.read_systim();
        c.set(cycles, ns);
    }

    /// Steps the clock by `delta` nanoseconds.
    pub(crate) fn ptp_step(&self, delta: i64) {
        let Some(ts) = self.ts() else { return };
        ts.clock.lock().step(delta);
    }

    /// Runs the clock `scaled_ppm` faster than nominal (`ERANGE` beyond the limit).
    pub(crate) fn ptp_set_rate(&self, scaled_ppm: i64) -> Result {
        let ts = self.ts().ok_or(EOPNOTSUPP)?;
        let mut c = ts.clock.lock();
        let cycles = self.read_systim();
        c.set_rate(cycles, scaled_ppm).ok_or(ERANGE)
    }

    /// Periodic upkeep: keeps the time scale's reference point recent (the counter wraps in
    /// under 10 hours), and frees a receive latch that no frame claimed for a whole period
    /// (its frame was dropped after the MAC stamped it, which would block every later stamp).
    pub(crate) fn ptp_service(&self) {
        let Some(ts) = self.ts() else { return };
        {
            let mut c = ts.clock.lock();
            let cycles = self.read_systim();
            c.advance(cycles);
        }
        let held = self.bar.read(TSYNCRXCTL).valid();
        let claimed = ts.rx_claimed.swap(false, Ordering::Relaxed);
        if held && !claimed && ts.rx_held.load(Ordering::Relaxed) {
            let _ = self.take_rx_latch();
            ts.counters.rx_cleared.fetch_add(1, Ordering::Relaxed);
            ts.rx_held.store(false, Ordering::Relaxed);
        } else {
            ts.rx_held.store(held && !claimed, Ordering::Relaxed);
        }
    }

    /// Applies a timestamping setting: transmit on or off, and a receive filter
    /// (`HWTSTAMP_FILTER_*`); `ERANGE`, changing nothing, for a filter not offered.
    pub(crate) fn ptp_configure(&self, tx: bool, rx_filter: u32) -> Result {
        let ts = self.ts().ok_or(EOPNOTSUPP)?;
        let rx = clock::rx_stamp_for(rx_filter).ok_or(ERANGE)?;
        ts.tx_on.store(tx, Ordering::Relaxed);
        ts.rx_filter.store(rx_filter, Ordering::Relaxed);
        self.program_tx_stamping(tx);
        self.program_rx_stamping(rx);
        Ok(())
    }

    fn program_tx_stamping(&self, on: bool) {
        self.bar.write_reg(TSYNCTXCTL::zeroed().with_enabled(on));
        // Free a latch an earlier setting left behind.
        let _ = self.bar.read(TXSTMPL);
        let _ = self.bar.read(TXSTMPH);
    }

    fn program_rx_stamping(&self, rx: RxStamp) {
        let (on, kind, message) = match rx {
            RxStamp::Off => (false, RX_KIND_L2_V2, 0),
            RxStamp::L2Events => (true, RX_KIND_EVENT_V2, 0),
            RxStamp::L2Message(m) => (true, RX_KIND_L2_V2, m),
        };
        let cfg = TSYNCRXCFG::zeroed();
        self.bar
            .write_reg(cfg.try_with_v2_message(message).unwrap_or(cfg));
        let filter = ETQF::zeroed()
            .with_enabled(on)
            .with_timestamp(on)
            .with_ethertype(ETH_P_1588);
        self.bar.write(ETQF::at(PTP_FILTER), filter);
        let ctl = TSYNCRXCTL::zeroed().with_enabled(on);
        self.bar.write_reg(ctl.try_with_kind(kind).unwrap_or(ctl));
        let _ = self.take_rx_latch();
    }

    fn take_rx_latch(&self) -> u64 {
        let lo = self.bar.read(RXSTMPL).value().get();
        let stamp = join(lo, self.bar.read(RXSTMPH).value().get());
        let _ = self.bar.read(RXSATRH);
        stamp
    }

    /// The transmit timestamp of the packet that held the latch, in clock nanoseconds; frees
    /// the latch. `None` (counted as lost) if the MAC took none.
    pub(crate) fn ptp_take_tx(&self) -> Option<u64> {
        let ts = self.ts()?;
        let stamp = if self.bar.read(TSYNCTXCTL).valid() {
            let lo = self.bar.read(TXSTMPL).value().get();
            let cycles = join(lo, self.bar.read(TXSTMPH).value().get());
            ts.counters.tx_stamped.fetch_add(1, Ordering::Relaxed);
            Some(ts.clock.lock().ns_at(cycles))
        } else {
            ts.counters.tx_lost.fetch_add(1, Ordering::Relaxed);
            None
        };
        ts.release_tx();
        stamp
    }

    /// The receive timestamp of a frame whose descriptor says it was stamped, in clock
    /// nanoseconds; frees the latch. Called from the NAPI poll.
    pub(crate) fn ptp_take_rx(&self) -> Option<u64> {
        let ts = self.ts()?;
        if !self.bar.read(TSYNCRXCTL).valid() {
            return None;
        }
        let cycles = self.take_rx_latch();
        ts.rx_claimed.store(true, Ordering::Relaxed);
        ts.counters.rx_stamped.fetch_add(1, Ordering::Relaxed);
        Some(ts.clock.lock().ns_at(cycles))
    }
}
