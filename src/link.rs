// SPDX-License-Identifier: GPL-2.0

//! Link state: carrier follows the MAC's link-up status, reported on link change interrupts
//! and checked when the interface opens.

use core::sync::atomic::{AtomicBool, Ordering};

use kernel::prelude::*;

use crate::hal::Hw;
use crate::msglevel::msg;
use crate::net::netdev::NetDev;

/// The link state last handed to the stack. Updates come from the open path and from the
/// link-change interrupt at the same time (setting the link up at open raises one); swapping
/// this flag picks exactly one of them to report a change.
#[derive(Default)]
pub(crate) struct LinkState {
    up: AtomicBool,
}

/// Brings the stack's carrier in line with the MAC's link state.
pub(crate) fn update(hw: &Hw<'_>, nd: &NetDev) {
    let link = hw.link();
    if hw.link_state.up.swap(link.up, Ordering::AcqRel) == link.up {
        return;
    }
    let log = hw.msg.on(msg::LINK);
    if link.up {
        hw.apply_flow_control();
        if log {
            pr_info!(
                "{}: link up, {} Mb/s, {} duplex\n",
                nd.name().to_str().unwrap_or("?"),
                link.speed,
                if link.full_duplex { "full" } else { "half" }
            );
        }
        nd.carrier_on();
    } else {
        if log {
            pr_info!("{}: link down\n", nd.name().to_str().unwrap_or("?"));
        }
        nd.carrier_off();
    }
}

/// Drops the carrier when the interface stops (after its interrupts are gone, so no link
/// change can turn it back on); the next open reports the link afresh.
pub(crate) fn stop(hw: &Hw<'_>, nd: &NetDev) {
    hw.link_state.up.store(false, Ordering::Release);
    nd.carrier_off();
}
