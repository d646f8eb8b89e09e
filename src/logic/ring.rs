// SPDX-License-Identifier: GPL-2.0

//! Descriptor ring index arithmetic.
//!
//! A ring of `count` descriptors is shared with the device through two indices: software
//! produces at `next_to_use` (the tail register follows it) and consumes completions at
//! `next_to_clean`. One slot always stays empty so that a full ring is distinguishable from an
//! empty one (head == tail means empty to these MACs).

/// Smallest ring the MACs accept (their length registers need multiples of 128 bytes).
pub(crate) const MIN_DESCS: u32 = 64;
/// Largest ring the MACs accept.
pub(crate) const MAX_DESCS: u32 = 4096;
/// Ring lengths are multiples of this many 16-byte descriptors (128 bytes).
pub(crate) const DESC_ALIGN: u32 = 8;
/// Bytes of each header buffer of a header-split receive ring: Ethernet with a VLAN tag
/// (18), IPv6 (40) and TCP with every option (60) take 118; IPv4 with options takes up to 60.
/// A multiple of 64, the MAC's unit. Headers that do not fit are not split.
pub(crate) const HEADER_BUF_LEN: u32 = 256;

/// Returns the index after `i` in a ring of `count` entries.
#[inline]
pub(crate) const fn next(i: u32, count: u32) -> u32 {
    // Indices stay below `count` (at most MAX_DESCS): the add cannot wrap, and a checked one
    // costs a compare and a branch on every descriptor of every ring.
    let n = i.wrapping_add(1);
    if n >= count {
        0
    } else {
        n
    }
}

/// Returns the index `n` entries after `i` in a ring of `count` entries.
#[inline]
pub(crate) const fn advance(i: u32, n: u32, count: u32) -> u32 {
    (i + n % count) % count
}

/// Number of free slots software may still fill without overrunning unconsumed entries.
#[inline]
pub(crate) const fn unused(next_to_use: u32, next_to_clean: u32, count: u32) -> u32 {
    if next_to_clean > next_to_use {
        next_to_clean - next_to_use - 1
    } else {
        count - next_to_use + next_to_clean - 1
    }
}

/// Number of entries between `from` and `to` going forward.
#[cfg_attr(not(test), allow(dead_code))]
#[inline]
pub(crate) const fn distance(from: u32, to: u32, count: u32) -> u32 {
    if to >= from {
        to - from
    } else {
        count - from + to
    }
}

/// Whether `count` is a ring size the MACs accept.
pub(crate) const fn valid_count(count: u32) -> bool {
    count >= MIN_DESCS && count <= MAX_DESCS && count.is_multiple_of(DESC_ALIGN)
}

/// Descriptors a packet with `nr_frags` page fragments needs (linear part plus fragments).
#[inline]
pub(crate) const fn descs_for_packet(nr_frags: u32) -> u32 {
    nr_frags + 1
}

/// Free descriptors below which a TX queue is stopped: room for the largest packet the stack can
/// hand over (`max_frags` fragments) plus a context descriptor and one spare, so that a queue the
/// stack sees awake never has to drop for lack of descriptors.
#[inline]
pub(crate) const fn tx_stop_threshold(max_frags: u32) -> u32 {
    descs_for_packet(max_frags) + 2
}

/// Free descriptors at which a stopped TX queue of `count` descriptors is woken: twice the stop
/// threshold so that a woken queue takes a burst before it stops again, but no more than the
/// `count - 1` an idle ring offers, or a small ring would never wake.
#[inline]
pub(crate) const fn tx_wake_threshold(count: u32, stop: u32) -> u32 {
    if 2 * stop < count - 1 {
        2 * stop
    } else {
        count - 1
    }
}

/// Where receive buffers sit in pages: the frame starts `headroom` bytes into a buffer of
/// `truesize` bytes, whose end holds the skb's shared info.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RxBufLayout {
    /// Bytes before the frame.
    pub(crate) headroom: u32,
    /// Bytes of page each buffer takes (accounted to the socket).
    pub(crate) truesize: u32,
}

/// Headroom of whole-page buffers: room to grow headers without a copy (XDP's).
pub(crate) const FULL_PAGE_HEADROOM: u32 = 256;
/// Headroom of half-page buffers: what the stack pushes in front of a received frame.
pub(crate) const HALF_PAGE_HEADROOM: u32 = 128;

/// The buffer layout for frames of at most `max_written` bytes as the MAC writes them (FCS
/// included), or `None` when the MAC bounds no frame size: half pages when such a frame fits
/// between the headroom and the `shinfo` bytes of shared info, whole pages otherwise. The
/// device's buffer size is programmed for whole pages either way, so only a MAC that drops
/// longer frames itself may be given half pages.
pub(crate) const fn rx_buf_layout(page: u32, shinfo: u32, max_written: Option<u32>) -> RxBufLayout {
    let half = page / 2;
    if let Some(max) = max_written {
        if HALF_PAGE_HEADROOM + max + shinfo <= half {
            return RxBufLayout {
                headroom: HALF_PAGE_HEADROOM,
                truesize: half,
            };
        }
    }
    RxBufLayout {
        headroom: FULL_PAGE_HEADROOM,
        truesize: page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_wraps() {
        assert_eq!(next(0, 8), 1);
        assert_eq!(next(7, 8), 0);
    }

    #[test]
    fn advance_wraps() {
        assert_eq!(advance(6, 3, 8), 1);
        assert_eq!(advance(0, 8, 8), 0);
        assert_eq!(advance(5, 0, 8), 5);
    }

    #[test]
    fn unused_keeps_one_slot_free() {
        assert_eq!(unused(0, 0, 8), 7);
        assert_eq!(unused(7, 0, 8), 0);
        assert_eq!(unused(3, 4, 8), 0);
        assert_eq!(unused(4, 3, 8), 6);
    }

    #[test]
    fn unused_plus_in_flight_is_count_minus_one() {
        for count in [8u32, 64, 256] {
            for ntc in 0..count {
                for ntu in 0..count {
                    assert_eq!(
                        unused(ntu, ntc, count) + distance(ntc, ntu, count),
                        count - 1
                    );
                }
            }
        }
    }

    #[test]
    fn tx_thresholds_fit_every_ring_size() {
        // 17 is the default MAX_SKB_FRAGS, 45 the largest CONFIG_MAX_SKB_FRAGS allows.
        for max_frags in [17u32, 45] {
            let stop = tx_stop_threshold(max_frags);
            // The smallest ring holds the largest packet with the queue still awake.
            assert!(stop < MIN_DESCS);
            for count in (MIN_DESCS..=MAX_DESCS).step_by(DESC_ALIGN as usize) {
                let wake = tx_wake_threshold(count, stop);
                // An idle ring (count - 1 free) always wakes a stopped queue, and waking never
                // happens below the stop level.
                assert!(
                    wake < count && wake >= stop,
                    "count {count} frags {max_frags}"
                );
            }
        }
        assert_eq!(tx_wake_threshold(64, tx_stop_threshold(17)), 40);
        assert_eq!(tx_wake_threshold(64, tx_stop_threshold(45)), 63);
        assert_eq!(tx_wake_threshold(4096, tx_stop_threshold(17)), 40);
    }

    #[test]
    fn rx_buffers_halve_pages_only_for_bounded_standard_frames() {
        let half = RxBufLayout {
            headroom: HALF_PAGE_HEADROOM,
            truesize: 2048,
        };
        let full = RxBufLayout {
            headroom: FULL_PAGE_HEADROOM,
            truesize: 4096,
        };
        // MTU 1500 on the 82576: RLPML 1526 plus FCS.
        assert_eq!(rx_buf_layout(4096, 320, Some(1530)), half);
        assert_eq!(rx_buf_layout(4096, 320, Some(2048 - 128 - 320)), half);
        assert_eq!(rx_buf_layout(4096, 320, Some(2048 - 128 - 320 + 1)), full);
        assert_eq!(rx_buf_layout(4096, 320, Some(9018)), full);
        // A MAC that bounds nothing (the 82540EM with long packets on).
        assert_eq!(rx_buf_layout(4096, 320, None), full);
    }

    #[test]
    fn valid_counts() {
        assert!(valid_count(64));
        assert!(valid_count(256));
        assert!(valid_count(4096));
        assert!(!valid_count(63));
        assert!(!valid_count(100));
        assert!(!valid_count(8192));
        assert!(!valid_count(0));
    }
}
