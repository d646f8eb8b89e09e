// SPDX-License-Identifier: GPL-2.0

//! Link state: carrier follows the MAC's link-up status, reported on link change interrupts
//! and checked when the interface opens.

use kernel::prelude::*;

use crate::hal::Hw;
use crate::net::netdev::NetDev;

/// Brings the stack's carrier in line with the MAC's link state.
pub(crate) fn update(hw: &Hw<'_>, nd: &NetDev) {
    let link = hw.link();
    if link.up && !nd.carrier_ok() {
        pr_info!(
            "{}: link up, {} Mb/s, {} duplex\n",
            nd.name().to_str().unwrap_or("?"),
            link.speed,
            if link.full_duplex { "full" } else { "half" }
        );
        nd.carrier_on();
    } else if !link.up && nd.carrier_ok() {
        pr_info!("{}: link down\n", nd.name().to_str().unwrap_or("?"));
        nd.carrier_off();
    }
}
