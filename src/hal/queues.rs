// SPDX-License-Identifier: GPL-2.0

//! Ring registers of one queue, for either queue register layout.
//!
//! The register block a MAC uses is a type ([`LegacyQueues`], [`Queues82576`]); [`Layout`]
//! names it at run time so that [`super::Hw`] can stay MAC-agnostic, and [`on_layout!`]
//! turns that run-time choice back into the type the register accessors need.

use kernel::{
    io::{
        register::{RegisterBase, WithBase},
        Io,
    },
    prelude::*,
};

use super::{regs::*, Bar0};

/// Which queue register block a MAC has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layout {
    /// [`LegacyQueues`]: the 8254x, one queue.
    Legacy,
    /// [`Queues82576`]: 16 queues.
    E82576,
}

/// Runs `$f::<Block>($args)` with the register block type of `$layout`.
macro_rules! on_layout {
    ($layout:expr, $f:ident($($arg:expr),* $(,)?)) => {
        match $layout {
            $crate::hal::queues::Layout::Legacy => {
                $crate::hal::queues::$f::<$crate::hal::regs::LegacyQueues>($($arg),*)
            }
            $crate::hal::queues::Layout::E82576 => {
                $crate::hal::queues::$f::<$crate::hal::regs::Queues82576>($($arg),*)
            }
        }
    };
}
pub(crate) use on_layout;

/// Programs one ring of queue `$q` through its five registers: base (low, high), length in
/// bytes, and head = tail = 0 (empty). The receive and transmit register sets have the same
/// shape but distinct types.
macro_rules! setup_ring {
    ($bar:expr, $base:ty, $q:expr, $dma:expr, $bytes:expr, $bal:ident, $bah:ident, $len:ident, $h:ident, $t:ident) => {{
        let (Some(bal), Some(bah), Some(len), Some(h), Some(t)) = (
            $bal::of::<$base>().try_at($q),
            $bah::of::<$base>().try_at($q),
            $len::of::<$base>().try_at($q),
            $h::of::<$base>().try_at($q),
            $t::of::<$base>().try_at($q),
        ) else {
            return Err(EINVAL);
        };
        $bar.write(bal, $bal::zeroed().with_addr($dma as u32));
        $bar.write(bah, $bah::zeroed().with_addr(($dma >> 32) as u32));
        $bar.write(len, $len::zeroed().try_with_len($bytes)?);
        $bar.write(h, $h::zeroed());
        $bar.write(t, $t::zeroed());
        Ok(())
    }};
}

/// Programs receive ring `q`: base, length in bytes, empty.
pub(crate) fn setup_rx<B: RegisterBase<RxQueues>>(
    bar: &Bar0<'_>,
    q: usize,
    dma: u64,
    bytes: u32,
) -> Result {
    setup_ring!(bar, B, q, dma, bytes, RDBAL, RDBAH, RDLEN, RDH, RDT)
}

/// Programs transmit ring `q`: base, length in bytes, empty.
pub(crate) fn setup_tx<B: RegisterBase<TxQueues>>(
    bar: &Bar0<'_>,
    q: usize,
    dma: u64,
    bytes: u32,
) -> Result {
    setup_ring!(bar, B, q, dma, bytes, TDBAL, TDBAH, TDLEN, TDH, TDT)
}

/// Moves the receive tail of queue `q`.
pub(crate) fn rx_tail<B: RegisterBase<RxQueues>>(bar: &Bar0<'_>, q: usize, idx: u16) {
    if let Some(t) = RDT::of::<B>().try_at(q) {
        bar.write(t, RDT::zeroed().with_idx(idx));
    }
}

/// Moves the transmit tail of queue `q`.
pub(crate) fn tx_tail<B: RegisterBase<TxQueues>>(bar: &Bar0<'_>, q: usize, idx: u16) {
    if let Some(t) = TDT::of::<B>().try_at(q) {
        bar.write(t, TDT::zeroed().with_idx(idx));
    }
}
