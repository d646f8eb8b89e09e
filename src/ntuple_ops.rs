// SPDX-License-Identifier: GPL-2.0

//! `ethtool -N/-n` and `ethtool -K ntuple`: the flow rules kept by the adapter and mirrored
//! into every running receive ring (see steering.rs).
//!
//! Every change is validated against the master table first; only an accepted change reaches
//! the rings, so a refused rule leaves everything as it was.

use kernel::prelude::*;

use crate::adapter::Adapter;
use crate::logic::ntuple::{spec::FlowSpec, Action, RuleError};
use crate::net::{bh::lock_bh, vector::Vector};
use crate::queue_vector::QueueVector;
use crate::steering::{new_table, rule_errno, spec_errno, RingRules, Table, CAPACITY};

/// [`CAPACITY`] as the ethtool interface reports it.
const CAPACITY_U32: u32 = CAPACITY as u32;

/// Applies `f` to the rule copy of every running ring (each under its ring's lock, between polls).
pub(crate) fn on_ring_copies(
    vectors: &[Vector<QueueVector<'_>>],
    mut f: impl FnMut(&mut RingRules),
) {
    for v in vectors {
        if let Some(r) = lock_bh(&v.data().rx).rules_mut() {
            f(r);
        }
    }
}

/// Locations of the rules `ethtool` added (accelerated RFS keeps its own after them).
fn user_locations(t: &Table) -> impl Iterator<Item = usize> + '_ {
    t.locations().take_while(|&l| l < CAPACITY)
}

impl Adapter<'_> {
    /// Turns flow steering on (an empty table) or off (every rule removed).
    pub(crate) fn set_flow_steering(&self, on: bool) -> Result {
        self.with_rules(|master, _, vectors| {
            if on {
                let table = new_table()?;
                // Allocate every copy before installing any: a failure changes nothing.
                let mut copies = KVec::with_capacity(vectors.len(), GFP_KERNEL)?;
                for _ in vectors {
                    copies.push(RingRules::copy_of(&table)?, GFP_KERNEL)?;
                }
                for (v, copy) in vectors.iter().zip(copies.drain_all()) {
                    let old = lock_bh(&v.data().rx).set_rules(Some(copy));
                    drop(old);
                }
                *master = Some(table);
            } else {
                for v in vectors {
                    let old = lock_bh(&v.data().rx).set_rules(None);
                    drop(old);
                }
                *master = None;
                lock_bh(&self.arfs).clear();
            }
            Ok(())
        })
    }

    /// Rules `ethtool` added and the capacity for them.
    pub(crate) fn flow_rule_count(&self) -> Result<(u32, u32)> {
        self.with_rules(|master, _, _| {
            let n = master.as_ref().map_or(0, |t| user_locations(t).count());
            Ok((u32::try_from(n)?, CAPACITY_U32))
        })
    }

    /// The rule at `loc`, as ethtool shows it.
    pub(crate) fn flow_rule(&self, loc: u32) -> Result<FlowSpec> {
        self.with_rules(|master, _, _| {
            let loc = usize::try_from(loc)?;
            let rule = master
                .as_ref()
                .filter(|_| loc < CAPACITY)
                .and_then(|t| t.get(loc))
                .ok_or(ENOENT)?;
            Ok(FlowSpec::from_rule(rule))
        })
    }

    /// Writes the rule locations into `locs`; returns the rule count and the capacity.
    pub(crate) fn flow_rule_locations(&self, locs: &mut [u32]) -> Result<(u32, u32)> {
        self.with_rules(|master, _, _| {
            let Some(t) = master.as_ref() else {
                return Ok((0, CAPACITY_U32));
            };
            let n = user_locations(t).count();
            if n > locs.len() {
                return Err(EMSGSIZE);
            }
            for (d, loc) in locs.iter_mut().zip(user_locations(t)) {
                *d = u32::try_from(loc)?;
            }
            Ok((u32::try_from(n)?, CAPACITY_U32))
        })
    }

    /// Inserts a rule at `loc` (or a special location); returns where it went.
    pub(crate) fn insert_flow_rule(&self, spec: &FlowSpec, loc: u32) -> Result<u32> {
        self.with_rules(|master, queues, vectors| {
            // Rules need `ethtool -K ntuple on`, as on MACs with filter hardware.
            let t = master.as_mut().ok_or(EOPNOTSUPP)?;
            let rule = spec.rule(queues).map_err(spec_errno)?;
            let at = t.resolve_location(loc, CAPACITY).map_err(rule_errno)?;
            if t.get(at).is_some() {
                return Err(rule_errno(RuleError::Taken));
            }
            // An accelerated RFS flow with the same match gives way to the user's rule (it is
            // not listed, so a clash would be unexplainable); the kernel expires its filter.
            if let Some(dup) = t.find(&rule.m).filter(|&l| l >= CAPACITY) {
                let _ = t.remove(dup);
                on_ring_copies(vectors, |r| r.remove(dup));
                lock_bh(&self.arfs).uninstalled(dup - CAPACITY);
            }
            t.insert(at, rule).map_err(rule_errno)?;
            on_ring_copies(vectors, |r| r.insert(at, rule));
            Ok(u32::try_from(at)?)
        })
    }

    /// Deletes the rule at `loc`.
    pub(crate) fn delete_flow_rule(&self, loc: u32) -> Result {
        self.with_rules(|master, _, vectors| {
            let at = usize::try_from(loc)?;
            let t = master.as_mut().filter(|_| at < CAPACITY).ok_or(ENOENT)?;
            t.remove(at).map_err(rule_errno)?;
            on_ring_copies(vectors, |r| r.remove(at));
            Ok(())
        })
    }

    /// Whether every rule that delivers to a queue names one below `queues` (`ethtool -L` may
    /// not remove a queue a rule uses).
    pub(crate) fn rules_fit_queues(&self, queues: usize) -> bool {
        self.with_rules(|master, _, _| {
            master.as_ref().is_none_or(|t| {
                user_locations(t)
                    .filter_map(|l| t.get(l))
                    .all(|r| !matches!(r.action, Action::Queue(q) if usize::from(q) >= queues))
            })
        })
    }

    /// Locations of the drop rules, ascending, with the frames each dropped (all rings).
    pub(crate) fn drop_rule_counts(&self, mut f: impl FnMut(usize, u64)) {
        self.with_rules(|master, _, vectors| {
            let Some(t) = master.as_ref() else {
                return;
            };
            for loc in user_locations(t) {
                if t.get(loc).is_some_and(|r| r.action == Action::Drop) {
                    let n = vectors
                        .iter()
                        .map(|v| {
                            lock_bh(&v.data().rx)
                                .rules_mut()
                                .map_or(0, |r| r.drops(loc))
                        })
                        .sum();
                    f(loc, n);
                }
            }
        })
    }
}
