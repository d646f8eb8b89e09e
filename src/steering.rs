// SPDX-License-Identifier: GPL-2.0

//! Flow steering in the driver: the `ethtool -N` rule table and the copies of it each receive
//! ring classifies with.
//!
//! The MACs rxgbe drives filter nothing (QEMU emulates no receive filters), so the receive path
//! classifies every frame itself (`logic::ntuple`). Each ring has its own copy of the table,
//! changed under the ring's lock between two polls: classification then takes no lock and
//! touches no line another CPU writes, which a shared table behind a lock could not give.

use kernel::{alloc::KVVec, prelude::*};

use crate::logic::ntuple::{spec::SpecError, Action, PacketKey, Rule, RuleError, RuleTable};

/// Rules `ethtool -N` may add (reported as the rule capacity): locations `0..CAPACITY`.
pub(crate) const CAPACITY: usize = 1024;
/// Flows accelerated RFS may steer at once: locations `CAPACITY..TABLE_LEN`, after (so below in
/// priority) every `ethtool` rule, and never listed by `ethtool -n`.
pub(crate) const ARFS_SLOTS: usize = 256;
/// Locations of the whole table.
pub(crate) const TABLE_LEN: usize = CAPACITY + ARFS_SLOTS;

/// A rule table in kernel allocations (virtually contiguous: a copy is about 110 KiB).
pub(crate) type Table = RuleTable<KVVec<Option<Rule>>, KVVec<u16>>;

/// An empty table of [`TABLE_LEN`] rules.
pub(crate) fn new_table() -> Result<Table> {
    let rules = KVVec::from_elem(None, TABLE_LEN, GFP_KERNEL)?;
    let buckets = KVVec::from_elem(0u16, 2 * TABLE_LEN, GFP_KERNEL)?;
    let masked = KVVec::from_elem(0u16, TABLE_LEN, GFP_KERNEL)?;
    RuleTable::new(rules, buckets, masked).ok_or(EINVAL)
}

/// The errno of a refused rule operation.
pub(crate) fn rule_errno(e: RuleError) -> Error {
    match e {
        RuleError::Invalid | RuleError::BadLocation => EINVAL,
        RuleError::Taken => EBUSY,
        RuleError::Full => ENOSPC,
        RuleError::Duplicate => EEXIST,
        RuleError::NotFound => ENOENT,
    }
}

/// The errno of a spec that cannot become a rule.
pub(crate) fn spec_errno(e: SpecError) -> Error {
    match e {
        SpecError::Unsupported => EOPNOTSUPP,
        SpecError::Invalid => EINVAL,
    }
}

/// Where a received frame goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Route {
    /// Up the stack from the ring it arrived on (no rule, or a rule naming this ring).
    Local,
    /// To another queue, through that queue's hand-off inbox.
    Queue(usize),
    /// Nowhere: a drop rule matched.
    Drop,
}

/// One receive ring's copy of the rules, with the ring's count of drops per rule.
pub(crate) struct RingRules {
    table: Table,
    drops: KVVec<u64>,
}

impl RingRules {
    /// A copy of `master`.
    pub(crate) fn copy_of(master: &Table) -> Result<Self> {
        let mut table = new_table()?;
        for loc in master.locations() {
            if let Some(rule) = master.get(loc) {
                table.insert(loc, *rule).map_err(rule_errno)?;
            }
        }
        Ok(Self {
            table,
            drops: KVVec::from_elem(0u64, TABLE_LEN, GFP_KERNEL)?,
        })
    }

    /// Mirrors an insert the master table accepted (so it cannot fail here).
    pub(crate) fn insert(&mut self, loc: usize, rule: Rule) {
        if self.table.insert(loc, rule).is_ok() {
            if let Some(d) = self.drops.get_mut(loc) {
                *d = 0;
            }
        }
    }

    /// Mirrors a delete.
    pub(crate) fn remove(&mut self, loc: usize) {
        let _ = self.table.remove(loc);
    }

    /// Mirrors a replacement (accelerated RFS moving a flow to another queue).
    pub(crate) fn replace(&mut self, loc: usize, rule: Rule) {
        let _ = self.table.remove(loc);
        self.insert(loc, rule);
    }

    /// Drops counted by the rule at `loc` on this ring.
    pub(crate) fn drops(&self, loc: usize) -> u64 {
        self.drops.get(loc).copied().unwrap_or(0)
    }

    /// Classifies a frame that arrived on ring `own`; `frame` is its first buffer and
    /// `stripped_vlan` the tag the MAC removed, if any.
    pub(crate) fn route(&mut self, own: usize, frame: &[u8], stripped_vlan: Option<u16>) -> Route {
        if self.table.len() == 0 {
            return Route::Local;
        }
        let key = PacketKey::parse(frame, stripped_vlan);
        match self.table.classify(&key) {
            None => Route::Local,
            Some((
                _,
                Rule {
                    action: Action::Queue(q),
                    ..
                },
            )) if usize::from(*q) == own => Route::Local,
            Some((
                _,
                Rule {
                    action: Action::Queue(q),
                    ..
                },
            )) => Route::Queue(usize::from(*q)),
            Some((loc, _)) => {
                if let Some(d) = self.drops.get_mut(loc) {
                    *d += 1;
                }
                Route::Drop
            }
        }
    }
}
