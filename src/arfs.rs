// SPDX-License-Identifier: GPL-2.0

//! Accelerated RFS on rxgbe's steering engine: the kernel asks (`ndo_rx_flow_steer`, softirq)
//! that a flow be received on the queue whose vector serves the CPU of the application reading
//! it; the request is recorded here and installed as an exact rule in the table's accelerated-RFS
//! region (locations [`CAPACITY`]`..`[`TABLE_LEN`]) by the service work, which also removes the
//! rules the kernel's flow-expiry check (`rps_may_expire_flow`) gives up.
//!
//! The receive path may call `ndo_rx_flow_steer` while it holds a ring's lock, so the request
//! only takes this module's lock (never held while a ring lock is taken) and defers the rest.

use kernel::{new_spinlock, prelude::*, sync::SpinLock};

use crate::adapter::Adapter;
use crate::logic::ntuple::{Action, Match, Rule};
use crate::net::{
    bh::lock_bh,
    netdev::{FlowKeys, NetDev},
};
use crate::ntuple_ops::on_ring_copies;
use crate::steering::{ARFS_SLOTS, CAPACITY};

/// How often the service work checks the installed filters for expiry.
const EXPIRY_PERIOD_MS: u32 = 1000;

/// One steered flow.
#[derive(Clone, Copy)]
struct Slot {
    /// The flow; `None` if the slot is free.
    m: Option<Match>,
    /// Queue the kernel asked for.
    rxq: u16,
    /// The flow's entry in the kernel's RFS table, for the expiry check.
    flow_id: u32,
    /// Changed since the service work last installed it.
    pending: bool,
    /// In the rule tables.
    installed: bool,
}

const FREE: Slot = Slot {
    m: None,
    rxq: 0,
    flow_id: 0,
    pending: false,
    installed: false,
};

/// The steered flows, by filter ID (the slot index), and their counters.
pub(crate) struct ArfsFlows {
    /// [`ARFS_SLOTS`] slots (on the heap: 24 KiB would not fit a kernel stack).
    slots: KVec<Slot>,
    added: u64,
    expired: u64,
}

/// What the service work does to one slot's rule.
enum Change {
    Keep,
    Install(Rule),
    Remove,
}

impl ArfsFlows {
    /// The lock-protected, empty set of flows.
    pub(crate) fn new() -> Result<impl PinInit<SpinLock<Self>>> {
        let slots = KVec::from_elem(FREE, ARFS_SLOTS, GFP_KERNEL)?;
        Ok(new_spinlock!(Self {
            slots,
            added: 0,
            expired: 0,
        }))
    }

    /// Records that flow `m` (kernel flow `flow_id`) goes to `rxq`; returns its filter ID.
    fn request(&mut self, m: Match, rxq: u16, flow_id: u32) -> Result<u16> {
        let at = match self.slots.iter().position(|s| s.m == Some(m)) {
            Some(at) => at,
            None => {
                let at = self.slots.iter().position(|s| s.m.is_none()).ok_or(EBUSY)?;
                self.added += 1;
                at
            }
        };
        let slot = self.slots.get_mut(at).ok_or(EBUSY)?;
        if slot.m != Some(m) || slot.rxq != rxq || slot.flow_id != flow_id {
            *slot = Slot {
                m: Some(m),
                rxq,
                flow_id,
                pending: true,
                installed: slot.installed,
            };
        }
        u16::try_from(at).map_err(|_| EBUSY)
    }

    /// Decides what happens to slot `i` now; `queues` is the active queue count.
    fn next_change(&mut self, i: usize, queues: usize, dev: &NetDev) -> Change {
        let Some(slot) = self.slots.get_mut(i) else {
            return Change::Keep;
        };
        let Some(m) = slot.m else {
            return Change::Keep;
        };
        // A flow whose rule could not be installed (an `ethtool` rule has its match) is asked
        // about too, so that its slot comes free.
        let gone = usize::from(slot.rxq) >= queues
            || (!slot.pending && dev.rps_may_expire_flow(slot.rxq, slot.flow_id, i as u16));
        if gone {
            let was_installed = slot.installed;
            *slot = FREE;
            self.expired += 1;
            return if was_installed {
                Change::Remove
            } else {
                Change::Keep
            };
        }
        if slot.pending {
            slot.pending = false;
            slot.installed = true;
            return Change::Install(Rule {
                m,
                action: Action::Queue(slot.rxq),
            });
        }
        Change::Keep
    }

    /// Records that slot `i`'s rule is not in the tables (refused, or given way to an `ethtool`
    /// rule with the same match).
    pub(crate) fn uninstalled(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot.installed = false;
        }
    }

    /// Flows steered now.
    pub(crate) fn active(&self) -> u64 {
        self.slots.iter().filter(|s| s.m.is_some()).count() as u64
    }

    /// Flows steered since the interface got flow steering, and those expired.
    pub(crate) fn totals(&self) -> (u64, u64) {
        (self.added, self.expired)
    }

    /// Forgets every flow (flow steering off: the rules went with the table).
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = FREE);
    }
}

impl Adapter<'_> {
    /// `ndo_rx_flow_steer`.
    pub(crate) fn arfs_request(
        &self,
        dev: &NetDev,
        flow: &FlowKeys,
        rxq: u16,
        flow_id: u32,
    ) -> Result<u16> {
        let m = Match::exact_flow(
            flow.n_proto,
            flow.ip_proto,
            &flow.src,
            &flow.dst,
            (flow.sport, flow.dport),
        )
        .ok_or(EPROTONOSUPPORT)?;
        let id = lock_bh(&self.arfs).request(m, rxq, flow_id)?;
        dev.schedule_service(0);
        Ok(id)
    }

    /// The service work: installs requested flows, removes expired ones, and comes back while
    /// any flow is steered.
    pub(crate) fn arfs_service(&self, dev: &NetDev) {
        let active = self.with_rules(|master, queues, vectors| {
            let Some(t) = master.as_mut() else {
                lock_bh(&self.arfs).clear();
                return 0;
            };
            for i in 0..ARFS_SLOTS {
                let loc = CAPACITY + i;
                let change = lock_bh(&self.arfs).next_change(i, queues, dev);
                match change {
                    Change::Keep => {}
                    Change::Install(rule) => {
                        let _ = t.remove(loc);
                        // A flow an `ethtool` rule already matches exactly stays with that rule.
                        let installed = t.insert(loc, rule).is_ok();
                        on_ring_copies(vectors, |r| {
                            if installed {
                                r.replace(loc, rule);
                            } else {
                                r.remove(loc);
                            }
                        });
                        if !installed {
                            lock_bh(&self.arfs).uninstalled(i);
                        }
                    }
                    Change::Remove => {
                        let _ = t.remove(loc);
                        on_ring_copies(vectors, |r| r.remove(loc));
                    }
                }
            }
            lock_bh(&self.arfs).active()
        });
        if active > 0 {
            dev.schedule_service(EXPIRY_PERIOD_MS);
        }
    }
}
