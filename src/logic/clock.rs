// SPDX-License-Identifier: GPL-2.0

//! The PTP hardware clock's time scale, and which received frames the MAC timestamps.
//!
//! The 82576 counts `SYSTIM` in 2^-19 ns units (one `TIMINCA` increment of 16 << 19 every
//! 16 ns). The driver never retunes that increment: [`CycleClock`] maps counter values to
//! nanoseconds in software, and frequency and phase adjustments change only the mapping. That
//! keeps every adjustment exact and free of register races (QEMU's `TIMINCA` write also moves
//! the counter, which a retuning driver would see as a jump).

/// Counter units per nanosecond, as a shift: `SYSTIM` counts 2^-19 ns.
pub(crate) const CYCLE_SHIFT: u32 = 19;
/// Fixed-point shift of [`CycleClock`]'s multiplier.
const MULT_SHIFT: u32 = 32 + CYCLE_SHIFT;
/// The multiplier at the nominal rate: `2^32 / 2^51` ns per unit.
const NOMINAL_MULT: u64 = 1 << 32;
/// Largest frequency adjustment accepted, in parts per billion (the 82576's, as igb has it).
pub(crate) const MAX_ADJ_PPB: i32 = 999_999_999;

/// Maps a free-running 64-bit counter to nanoseconds since the epoch: `ns` at counter
/// `cycles`, `mult / 2^51` nanoseconds per unit after that.
///
/// A counter value up to 2^63 units (about 4.9 hours) before or after `cycles` converts
/// exactly; [`CycleClock::advance`] must run more often than that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CycleClock {
    cycles: u64,
    ns: u64,
    mult: u64,
}

impl CycleClock {
    /// A clock reading `ns` at counter value `cycles`, at the nominal rate.
    pub(crate) const fn new(cycles: u64, ns: u64) -> Self {
        Self {
            cycles,
            ns,
            mult: NOMINAL_MULT,
        }
    }

    /// The time at counter value `cycles`, which may lie before the reference point (a
    /// timestamp latched before the last [`Self::advance`]).
    pub(crate) const fn ns_at(&self, cycles: u64) -> u64 {
        let delta = cycles.wrapping_sub(self.cycles);
        if (delta as i64) >= 0 {
            self.ns.wrapping_add(scale(delta, self.mult))
        } else {
            self.ns.wrapping_sub(scale(delta.wrapping_neg(), self.mult))
        }
    }

    /// Moves the reference point to `cycles`, keeping the time it maps to.
    pub(crate) fn advance(&mut self, cycles: u64) {
        self.ns = self.ns_at(cycles);
        self.cycles = cycles;
    }

    /// Sets the time at counter value `cycles` to `ns` (`clock_settime`).
    pub(crate) fn set(&mut self, cycles: u64, ns: u64) {
        self.cycles = cycles;
        self.ns = ns;
    }

    /// Steps the time by `delta` nanoseconds (`clock_adjtime` with `ADJ_SETOFFSET`).
    pub(crate) fn step(&mut self, delta: i64) {
        self.ns = self.ns.wrapping_add(delta as u64);
    }

    /// From counter value `cycles` on, runs `scaled_ppm` (parts per million, 16 fractional
    /// bits) faster than nominal; the time up to `cycles` is unchanged. `None` (and no change)
    /// beyond [`MAX_ADJ_PPB`].
    pub(crate) fn set_rate(&mut self, cycles: u64, scaled_ppm: i64) -> Option<()> {
        let mult = adjusted_mult(scaled_ppm)?;
        self.advance(cycles);
        self.mult = mult;
        Some(())
    }
}

/// `units * mult / 2^51`, without overflow.
const fn scale(units: u64, mult: u64) -> u64 {
    ((units as u128 * mult as u128) >> MULT_SHIFT) as u64
}

/// The multiplier running `scaled_ppm` faster than nominal: nominal times
/// `1 + scaled_ppm / (10^6 * 2^16)`. The nominal multiplier is 2^32, so the product's 2^16
/// cancels exactly.
const fn adjusted_mult(scaled_ppm: i64) -> Option<u64> {
    // ppb = scaled_ppm * 1000 / 2^16; compare without rounding.
    let limit = (MAX_ADJ_PPB as i64) * 65_536 / 1000;
    if scaled_ppm > limit || scaled_ppm < -limit {
        return None;
    }
    let diff = (NOMINAL_MULT >> 16) as i64 * scaled_ppm / 1_000_000;
    Some((NOMINAL_MULT as i64 + diff) as u64)
}

/// Which received PTP frames the MAC timestamps (`TSYNCRXCTL` type and `TSYNCRXCFG` message
/// type, with the 1588 ethertype filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RxStamp {
    /// None.
    Off,
    /// PTPv2 over Ethernet, event messages (`TSYNCRXCTL` type EVENT_V2).
    L2Events,
    /// PTPv2 over Ethernet of one message type (`TSYNCRXCTL` type L2_V2, the message type in
    /// `TSYNCRXCFG`): 0 Sync, 1 Delay_Req.
    L2Message(u8),
}

/// `HWTSTAMP_FILTER_*` values (uapi/linux/net_tstamp.h).
pub(crate) mod filter {
    /// No receive timestamps.
    pub(crate) const NONE: u32 = 0;
    /// PTPv2 over Ethernet, any event message.
    pub(crate) const PTP_V2_L2_EVENT: u32 = 9;
    /// PTPv2 over Ethernet, Sync messages.
    pub(crate) const PTP_V2_L2_SYNC: u32 = 10;
    /// PTPv2 over Ethernet, Delay_Req messages.
    pub(crate) const PTP_V2_L2_DELAY_REQ: u32 = 11;
}

/// Receive filters the driver offers, as `HWTSTAMP_FILTER_*` bits for `ethtool -T`.
pub(crate) const RX_FILTERS: u32 = 1 << filter::NONE
    | 1 << filter::PTP_V2_L2_EVENT
    | 1 << filter::PTP_V2_L2_SYNC
    | 1 << filter::PTP_V2_L2_DELAY_REQ;

/// The MAC setting for a requested `HWTSTAMP_FILTER_*`, or `None` for one not offered. Each
/// offered filter is applied exactly, so the request is also what the driver reports back.
pub(crate) const fn rx_stamp_for(filter: u32) -> Option<RxStamp> {
    match filter {
        filter::NONE => Some(RxStamp::Off),
        filter::PTP_V2_L2_EVENT => Some(RxStamp::L2Events),
        filter::PTP_V2_L2_SYNC => Some(RxStamp::L2Message(0)),
        filter::PTP_V2_L2_DELAY_REQ => Some(RxStamp::L2Message(1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: u64 = 1 << CYCLE_SHIFT;

    #[test]
    fn nominal_rate_is_one_ns_per_2_19_units() {
        let c = CycleClock::new(1000 * NS, 5_000);
        assert_eq!(c.ns_at(1000 * NS), 5_000);
        assert_eq!(c.ns_at(1250 * NS), 5_250);
        // Before the reference point (a latched timestamp older than the last advance).
        assert_eq!(c.ns_at(900 * NS), 4_900);
    }

    #[test]
    fn conversion_survives_counter_wrap() {
        let start = u64::MAX - 10 * NS + 1;
        let c = CycleClock::new(start, 1_000_000);
        assert_eq!(c.ns_at(start.wrapping_add(20 * NS)), 1_000_020);
    }

    #[test]
    fn advance_keeps_time_and_set_step_move_it() {
        let mut c = CycleClock::new(0, 100);
        c.advance(50 * NS);
        assert_eq!(c.ns_at(60 * NS), 160);
        c.set(60 * NS, 1_000_000_000);
        assert_eq!(c.ns_at(61 * NS), 1_000_000_001);
        c.step(-500);
        assert_eq!(c.ns_at(61 * NS), 999_999_501);
    }

    #[test]
    fn rate_adjustment_applies_from_the_change_on() {
        let mut c = CycleClock::new(0, 0);
        // +100 ppm: 2^16 * 100 scaled ppm.
        assert_eq!(c.set_rate(1_000_000 * NS, 100 << 16), Some(()));
        assert_eq!(c.ns_at(1_000_000 * NS), 1_000_000);
        // The multiplier is truncated to 2^-51: within a nanosecond per millisecond.
        assert!(c.ns_at(2_000_000 * NS).abs_diff(2_000_100) <= 1);
        let at_change = c.ns_at(2_000_000 * NS);
        assert_eq!(c.set_rate(2_000_000 * NS, -(100 << 16)), Some(()));
        assert_eq!(c.ns_at(2_000_000 * NS), at_change);
        assert!(c.ns_at(3_000_000 * NS).abs_diff(at_change + 999_900) <= 1);
    }

    #[test]
    fn rate_limit_refused_without_change() {
        let mut c = CycleClock::new(0, 0);
        let limit = (MAX_ADJ_PPB as i64) * 65_536 / 1000;
        assert_eq!(c.set_rate(NS, limit + 1), None);
        assert_eq!(c, CycleClock::new(0, 0));
        assert_eq!(c.set_rate(NS, -limit), Some(()));
        assert!(c.ns_at(1_000_000 * NS) < 1_000_000);
    }

    #[test]
    fn offered_filters_map_exactly() {
        assert_eq!(rx_stamp_for(filter::NONE), Some(RxStamp::Off));
        assert_eq!(
            rx_stamp_for(filter::PTP_V2_L2_SYNC),
            Some(RxStamp::L2Message(0))
        );
        assert_eq!(
            rx_stamp_for(filter::PTP_V2_L2_DELAY_REQ),
            Some(RxStamp::L2Message(1))
        );
        assert_eq!(
            rx_stamp_for(filter::PTP_V2_L2_EVENT),
            Some(RxStamp::L2Events)
        );
        for f in 0..16 {
            assert_eq!(
                rx_stamp_for(f).is_some(),
                RX_FILTERS & (1 << f) != 0,
                "filter {f}"
            );
        }
    }
}
