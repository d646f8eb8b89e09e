// SPDX-License-Identifier: GPL-2.0

//! XDP in driver mode: attaching a program restarts the rings with whole-page buffers that
//! run it (see rx.rs), and frames redirected to the device go out on the transmit ring of the
//! CPU's queue.

use kernel::prelude::*;

use kernel::sync::atomic::Relaxed;

use crate::adapter::{mtu_fits_xdp, Adapter};
use crate::net::{
    cpu,
    netdev::NetDev,
    xdp::{ExtAck, XdpBatch, XdpOps, XdpProg},
    xsk::XskPool,
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
        // Only rings of a started runtime: one being set up still has its queue's byte queue
        // limits to be reset.
        if !self.live.xmit.load(Relaxed) {
            return Err(ENETDOWN);
        }
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

    fn xsk_setup(&self, nd: &NetDev, qid: u16, pool: Option<XskPool>) -> Result {
        let q = usize::from(qid);
        let s = self.settings();
        if q >= s.queues {
            return Err(EINVAL);
        }
        // The rings only change while a program runs (without one the socket is bound but idle).
        let restart = s.xdp.is_some();
        match pool {
            Some(pool) => {
                // Refused here, the core falls back to copy mode unless zero-copy was demanded.
                if !self.mtu_fits_xsk(nd.mtu(), &pool) {
                    return Err(EINVAL);
                }
                pool.dma_map(self.pci_dev().as_ref())?;
                let bind = |s: &mut crate::adapter::Settings| {
                    let slot = s.xsk.get_mut(q).ok_or(EINVAL)?;
                    if slot.is_some() {
                        return Err(EBUSY);
                    }
                    *slot = Some(pool.clone());
                    Ok(())
                };
                let res = if restart {
                    self.reconfigure(nd, bind)
                } else {
                    self.update_live(bind, |_, _, _| {})
                };
                if res.is_err() {
                    pool.dma_unmap();
                }
                res
            }
            None => {
                // The pool goes from the settings first, so that even a restart that fails
                // (and falls back to the settings) runs without it: the core frees it after
                // this call whatever it returns.
                let mut old = None;
                self.update_live(
                    |s| {
                        old = s.xsk.get_mut(q).and_then(Option::take);
                        Ok(())
                    },
                    |_, _, _| {},
                )?;
                // The rings are rebuilt without the pool before it is unmapped: the device
                // must not write to the socket's memory afterwards.
                let res = if restart {
                    self.reconfigure(nd, |_| Ok(()))
                } else {
                    Ok(())
                };
                if let Some(old) = old {
                    old.dma_unmap();
                }
                res
            }
        }
    }

    fn xsk_wakeup(&self, _nd: &NetDev, qid: u32, _flags: u32) -> Result {
        let running = self.live.zc_queues.load(Relaxed);
        if qid >= u32::BITS || running & (1 << qid) == 0 {
            return Err(ENXIO);
        }
        // The queue's interrupt runs its poll on its CPU, which both receives and sends.
        self.kick_queues(1 << qid);
        Ok(())
    }
}
