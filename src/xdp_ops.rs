// SPDX-License-Identifier: GPL-2.0

//! XDP in driver mode: attaching a program restarts the rings with whole-page buffers that
//! run it (see rx.rs), and frames redirected to the device go out on the transmit ring of the
//! CPU's queue.

use kernel::prelude::*;

use crate::adapter::{mtu_fits_xdp, Adapter};
use crate::net::{
    cpu,
    netdev::NetDev,
    xdp::{ExtAck, XdpBatch, XdpOps, XdpProg},
};

impl XdpOps for Adapter<'_> {
    fn xdp_setup(&self, nd: &NetDev, prog: Option<XdpProg>, ext: &ExtAck) -> Result {
        if prog.is_some() && !mtu_fits_xdp(nd.mtu()) {
            ext.message(c"MTU too large for XDP: a frame must fit one 2048-byte buffer");
            return Err(EINVAL);
        }
        self.reconfigure(nd, |s| {
            s.xdp = prog;
            Ok(())
        })?;
        // LRO is not offered while a program is attached (fix_features).
        nd.update_features();
        Ok(())
    }

    fn xdp_xmit(&self, nd: &NetDev, batch: &mut XdpBatch<'_>, flush: bool) -> Result {
        let queues = nd.real_num_tx_queues().max(1);
        let q = usize::try_from(cpu::current() % queues)?;
        let (slot, stats) = self.tx_slot(q).ok_or(ENXIO)?;
        // Called with bottom halves off: a plain lock (see QueueVector::poll).
        let mut guard = slot.lock();
        let Some(ring) = &mut *guard else {
            return Err(ENETDOWN);
        };
        while let Some(frame) = batch.take() {
            match ring.xmit_xdp(self.pci_dev(), nd, frame, stats) {
                Ok(()) => stats.tx_xdp_xmit.add(1),
                Err(frame) => {
                    batch.refuse(frame);
                    break;
                }
            }
        }
        if flush {
            ring.kick(&self.hw);
        }
        Ok(())
    }
}
