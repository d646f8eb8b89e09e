// SPDX-License-Identifier: GPL-2.0

//! Flow steering rules (`ethtool -N`) and the classifier that applies them in the receive path.
//!
//! None of the emulated MACs has usable receive filters, so the driver classifies: the packet's
//! fields are read once ([`PacketKey::parse`]), rules whose every field is fully specified are
//! found in O(1) through a hash index on those fields, and the others (masked fields, VLAN or
//! ethertype matches) in a short list ordered by location. Among the rules a packet matches, the
//! lowest location wins, as in `ethtool -n`'s listing order.
//!
//! Storage is the caller's (`R` for rule slots, `B` for hash buckets), so the module can keep the
//! tables in kernel allocations and the host tests in vectors; nothing here allocates.

use core::ops::DerefMut;

use super::wire::{
    be16, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
};

/// What a rule matches on (`ethtool -N ... flow-type`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub(crate) enum FlowType {
    /// TCP over IPv4.
    Tcp4,
    /// UDP over IPv4.
    Udp4,
    /// SCTP over IPv4.
    Sctp4,
    /// Any IPv4.
    Ip4,
    /// TCP over IPv6.
    Tcp6,
    /// UDP over IPv6.
    Udp6,
    /// Any IPv6.
    Ip6,
    /// Any Ethernet frame (by ethertype and VLAN).
    Ether,
}

impl FlowType {
    const fn is_ipv4(self) -> bool {
        matches!(self, Self::Tcp4 | Self::Udp4 | Self::Sctp4 | Self::Ip4)
    }

    const fn is_ipv6(self) -> bool {
        matches!(self, Self::Tcp6 | Self::Udp6 | Self::Ip6)
    }

    /// The IP protocol the flow type requires, if any.
    const fn l4_proto(self) -> Option<u8> {
        match self {
            Self::Tcp4 | Self::Tcp6 => Some(IPPROTO_TCP),
            Self::Udp4 | Self::Udp6 => Some(IPPROTO_UDP),
            Self::Sctp4 => Some(IPPROTO_SCTP),
            _ => None,
        }
    }

    /// Whether the flow type has ports to match.
    const fn has_ports(self) -> bool {
        self.l4_proto().is_some()
    }
}

/// A field value and the mask of its bits that must match (all-zero mask: any value).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub(crate) struct Masked<T> {
    /// Value (bits outside the mask are ignored).
    pub(crate) value: T,
    /// Bits that must match.
    pub(crate) mask: T,
}

/// What a rule matches. Addresses are 16 bytes; IPv4 ones use the first 4.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub(crate) struct Match {
    /// Flow type.
    pub(crate) flow: FlowType,
    /// Source address.
    pub(crate) src_ip: Masked<[u8; 16]>,
    /// Destination address.
    pub(crate) dst_ip: Masked<[u8; 16]>,
    /// Source port (TCP, UDP, SCTP flow types).
    pub(crate) src_port: Masked<u16>,
    /// Destination port.
    pub(crate) dst_port: Masked<u16>,
    /// VLAN tag control information (priority, DEI and id), as `ethtool -N ... vlan` gives it.
    pub(crate) vlan: Masked<u16>,
    /// Ethertype (the `ether` flow type).
    pub(crate) ethertype: Masked<u16>,
}

/// What happens to a matching packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Action {
    /// Deliver on this receive queue.
    Queue(u16),
    /// Drop (`action -1`).
    Drop,
}

/// A steering rule.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Rule {
    /// What it matches.
    pub(crate) m: Match,
    /// What it does.
    pub(crate) action: Action,
}

/// The fields of a received frame the rules look at.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct PacketKey {
    /// Ethertype after any VLAN tag.
    pub(crate) ethertype: u16,
    /// VLAN tag control information, if the frame was tagged (in-band or stripped by the MAC).
    pub(crate) vlan: Option<u16>,
    /// IP protocol (IPv4 or IPv6 without extension headers), if IP.
    pub(crate) proto: Option<u8>,
    /// Addresses (IPv4 in the first 4 bytes).
    pub(crate) src_ip: [u8; 16],
    pub(crate) dst_ip: [u8; 16],
    /// Ports, for TCP, UDP and SCTP in an unfragmented (or first-fragment) packet.
    pub(crate) ports: Option<(u16, u16)>,
}

impl PacketKey {
    /// Reads the key of an Ethernet frame; `stripped_vlan` is the tag the MAC removed, if any.
    /// Fields a truncated frame lacks stay unset.
    pub(crate) fn parse(frame: &[u8], stripped_vlan: Option<u16>) -> Self {
        let mut key = PacketKey {
            vlan: stripped_vlan,
            ..Self::default()
        };
        let Some(mut ethertype) = be16(frame, 12) else {
            return key;
        };
        let mut l3 = 14;
        if ethertype == ETH_P_8021Q {
            let (Some(tci), Some(inner)) = (be16(frame, 14), be16(frame, 16)) else {
                return key;
            };
            key.vlan = Some(tci);
            ethertype = inner;
            l3 = 18;
        }
        key.ethertype = ethertype;
        let l4 = match ethertype {
            ETH_P_IP => {
                let Some(&vihl) = frame.get(l3) else {
                    return key;
                };
                let (Some(&proto), Some(frag), Some(src), Some(dst)) = (
                    frame.get(l3 + 9),
                    be16(frame, l3 + 6),
                    frame.get(l3 + 12..l3 + 16),
                    frame.get(l3 + 16..l3 + 20),
                ) else {
                    return key;
                };
                key.proto = Some(proto);
                key.src_ip[..4].copy_from_slice(src);
                key.dst_ip[..4].copy_from_slice(dst);
                // Later fragments carry no ports.
                if vihl >> 4 != 4 || frag & 0x1fff != 0 {
                    return key;
                }
                l3 + usize::from(vihl & 0xf) * 4
            }
            ETH_P_IPV6 => {
                let (Some(&next), Some(src), Some(dst)) = (
                    frame.get(l3 + 6),
                    frame.get(l3 + 8..l3 + 24),
                    frame.get(l3 + 24..l3 + 40),
                ) else {
                    return key;
                };
                key.proto = Some(next);
                key.src_ip.copy_from_slice(src);
                key.dst_ip.copy_from_slice(dst);
                l3 + 40
            }
            _ => return key,
        };
        if matches!(key.proto, Some(IPPROTO_TCP | IPPROTO_UDP | IPPROTO_SCTP)) {
            if let (Some(s), Some(d)) = (be16(frame, l4), be16(frame, l4 + 2)) {
                key.ports = Some((s, d));
            }
        }
        key
    }
}

fn masked_eq<const N: usize>(f: &Masked<[u8; N]>, v: &[u8; N]) -> bool {
    f.value
        .iter()
        .zip(f.mask.iter())
        .zip(v.iter())
        .all(|((a, m), b)| (a ^ b) & m == 0)
}

impl Match {
    /// The match of every packet of flow type `flow`: no field specified.
    pub(crate) fn any(flow: FlowType) -> Self {
        Self {
            flow,
            src_ip: Masked::default(),
            dst_ip: Masked::default(),
            src_port: Masked::default(),
            dst_port: Masked::default(),
            vlan: Masked::default(),
            ethertype: Masked::default(),
        }
    }

    /// Whether a packet with `key` matches.
    pub(crate) fn matches(&self, key: &PacketKey) -> bool {
        let f = self.flow;
        let l3_ok = if f.is_ipv4() {
            key.ethertype == ETH_P_IP
        } else if f.is_ipv6() {
            key.ethertype == ETH_P_IPV6
        } else {
            (key.ethertype ^ self.ethertype.value) & self.ethertype.mask == 0
        };
        if !l3_ok {
            return false;
        }
        if self.vlan.mask != 0 {
            match key.vlan {
                Some(v) if (v ^ self.vlan.value) & self.vlan.mask == 0 => {}
                _ => return false,
            }
        }
        if f == FlowType::Ether {
            return true;
        }
        if !masked_eq(&self.src_ip, &key.src_ip) || !masked_eq(&self.dst_ip, &key.dst_ip) {
            return false;
        }
        match f.l4_proto() {
            None => true,
            Some(p) => {
                if key.proto != Some(p) {
                    return false;
                }
                let Some((s, d)) = key.ports else {
                    // No ports (a later fragment): only a rule that ignores them matches.
                    return self.src_port.mask == 0 && self.dst_port.mask == 0;
                };
                (s ^ self.src_port.value) & self.src_port.mask == 0
                    && (d ^ self.dst_port.value) & self.dst_port.mask == 0
            }
        }
    }

    /// The exact match of one TCP or UDP flow (as accelerated RFS steers it), from its ethertype,
    /// IP protocol, addresses (IPv4 in the first 4 bytes) and ports; `None` for other flows.
    pub(crate) fn exact_flow(
        ethertype: u16,
        proto: u8,
        src: &[u8; 16],
        dst: &[u8; 16],
        ports: (u16, u16),
    ) -> Option<Self> {
        let (flow, addr_len) = match (ethertype, proto) {
            (ETH_P_IP, IPPROTO_TCP) => (FlowType::Tcp4, 4),
            (ETH_P_IP, IPPROTO_UDP) => (FlowType::Udp4, 4),
            (ETH_P_IPV6, IPPROTO_TCP) => (FlowType::Tcp6, 16),
            (ETH_P_IPV6, IPPROTO_UDP) => (FlowType::Udp6, 16),
            _ => return None,
        };
        let addr = |a: &[u8; 16]| {
            let mut m = Masked {
                value: [0u8; 16],
                mask: [0u8; 16],
            };
            for i in 0..addr_len {
                if let (Some(v), Some(k), Some(&b)) =
                    (m.value.get_mut(i), m.mask.get_mut(i), a.get(i))
                {
                    *v = b;
                    *k = 0xff;
                }
            }
            m
        };
        let full = |v: u16| Masked {
            value: v,
            mask: 0xffff,
        };
        Some(Self {
            src_ip: addr(src),
            dst_ip: addr(dst),
            src_port: full(ports.0),
            dst_port: full(ports.1),
            ..Self::any(flow)
        })
    }

    /// Whether every field the flow type has is fully specified and nothing else is: such
    /// rules are found through the hash index.
    fn is_exact(&self) -> bool {
        let f = self.flow;
        let addr_len = if f.is_ipv4() { 4 } else { 16 };
        let full_addr = |m: &Masked<[u8; 16]>| m.mask.iter().take(addr_len).all(|&b| b == 0xff);
        f.has_ports()
            && full_addr(&self.src_ip)
            && full_addr(&self.dst_ip)
            && self.src_port.mask == 0xffff
            && self.dst_port.mask == 0xffff
            && self.vlan.mask == 0
    }

    /// Whether the rule is well formed: masks only where the flow type has the field, values
    /// only within masks, IPv4 addresses only in their 4 bytes.
    pub(crate) fn is_valid(&self) -> bool {
        let f = self.flow;
        let zero16 = |m: &Masked<[u8; 16]>| m.mask.iter().all(|&b| b == 0);
        let within =
            |m: &Masked<[u8; 16]>| m.value.iter().zip(m.mask.iter()).all(|(v, k)| v & !k == 0);
        let ipv4_short = |m: &Masked<[u8; 16]>| m.mask.iter().skip(4).all(|&b| b == 0);
        let addrs_ok = match f {
            FlowType::Ether => zero16(&self.src_ip) && zero16(&self.dst_ip),
            _ if f.is_ipv4() => ipv4_short(&self.src_ip) && ipv4_short(&self.dst_ip),
            _ => true,
        } && within(&self.src_ip)
            && within(&self.dst_ip);
        let ports_ok = if f.has_ports() {
            self.src_port.value & !self.src_port.mask == 0
                && self.dst_port.value & !self.dst_port.mask == 0
        } else {
            self.src_port.mask == 0 && self.dst_port.mask == 0
        };
        let ether_ok = if f == FlowType::Ether {
            self.ethertype.value & !self.ethertype.mask == 0
        } else {
            self.ethertype.mask == 0
        };
        let vlan_ok = self.vlan.value & !self.vlan.mask == 0;
        addrs_ok && ports_ok && ether_ok && vlan_ok
    }

    /// The hash key of an exact rule, or of a packet as an exact rule of `flow` would see it.
    fn exact_key(flow: FlowType, src: &[u8; 16], dst: &[u8; 16], ports: (u16, u16)) -> u32 {
        // FNV-1a: cheap, and the rule set is the administrator's, not an attacker's.
        let mut h: u32 = 0x811c_9dc5;
        let mut eat = |b: u8| {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        };
        eat(flow as u8);
        src.iter().chain(dst.iter()).for_each(|&b| eat(b));
        ports
            .0
            .to_be_bytes()
            .into_iter()
            .chain(ports.1.to_be_bytes())
            .for_each(&mut eat);
        h
    }
}

/// Why a rule was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RuleError {
    /// A malformed rule (see [`Match::is_valid`]).
    Invalid,
    /// The location is beyond the table.
    BadLocation,
    /// The location already holds a rule.
    Taken,
    /// No free location is left.
    Full,
    /// The same match is already in the table.
    Duplicate,
    /// No rule at that location.
    NotFound,
}

/// Flag of the special rule locations (`RX_CLS_LOC_SPECIAL`).
pub(crate) const LOC_SPECIAL: u32 = 0x8000_0000;
/// Any free location (`RX_CLS_LOC_ANY`).
pub(crate) const LOC_ANY: u32 = 0xffff_ffff;
/// The first free location, highest priority (`RX_CLS_LOC_FIRST`).
pub(crate) const LOC_FIRST: u32 = 0xffff_fffe;
/// The last free location, lowest priority (`RX_CLS_LOC_LAST`).
pub(crate) const LOC_LAST: u32 = 0xffff_fffd;

/// `i` modulo `n`, 0 for an empty index (no division that could fault).
fn wrap(i: usize, n: usize) -> usize {
    i.checked_rem(n).unwrap_or(0)
}

/// Slot of the hash index: 0 is empty, otherwise location + 1.
const EMPTY: u16 = 0;

/// The rule table: rules by location, and a hash index of the exact ones.
pub(crate) struct RuleTable<R, B> {
    rules: R,
    buckets: B,
    /// Locations of the non-exact rules, ascending; `masked_len` are in use.
    masked: B,
    masked_len: usize,
    count: usize,
}

impl<R, B> RuleTable<R, B>
where
    R: DerefMut<Target = [Option<Rule>]>,
    B: DerefMut<Target = [u16]>,
{
    /// A table over empty storage: `rules` (its length is the capacity, at most 65535), `buckets`
    /// (at least twice the capacity, zeroed) and `masked` (the capacity, any content).
    pub(crate) fn new(rules: R, buckets: B, masked: B) -> Option<Self> {
        let cap = rules.len();
        if cap >= usize::from(u16::MAX)
            || buckets.len() < 2 * cap
            || masked.len() < cap
            || rules.iter().any(Option::is_some)
            || buckets.iter().any(|&b| b != EMPTY)
        {
            return None;
        }
        Some(Self {
            rules,
            buckets,
            masked,
            masked_len: 0,
            count: 0,
        })
    }

    /// Most rules the table holds.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.rules.len()
    }

    /// Rules in the table.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The rule at `loc`.
    pub(crate) fn get(&self, loc: usize) -> Option<&Rule> {
        self.rules.get(loc)?.as_ref()
    }

    /// The location of the rule whose match is `m`, if any.
    pub(crate) fn find(&self, m: &Match) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.m == *m))
    }

    /// Locations in use, ascending.
    pub(crate) fn locations(&self) -> impl Iterator<Item = usize> + '_ {
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|_| i))
    }

    /// The first free location.
    #[cfg(test)]
    pub(crate) fn free_location(&self) -> Option<usize> {
        self.rules.iter().position(Option::is_none)
    }

    /// The location an insert at `requested` uses, among the first `limit` locations: an
    /// explicit location as it is (checked by [`Self::insert`], and against `limit`), or the
    /// special values of `ethtool -N` without `loc`: [`LOC_ANY`] and [`LOC_FIRST`] take the
    /// lowest free location (highest priority), [`LOC_LAST`] the highest.
    pub(crate) fn resolve_location(
        &self,
        requested: u32,
        limit: usize,
    ) -> Result<usize, RuleError> {
        let range = self.rules.get(..limit).unwrap_or(&self.rules[..]);
        let pick = match requested {
            LOC_ANY | LOC_FIRST => range.iter().position(Option::is_none),
            LOC_LAST => range.iter().rposition(Option::is_none),
            _ if requested & LOC_SPECIAL != 0 => return Err(RuleError::BadLocation),
            _ => {
                return usize::try_from(requested)
                    .ok()
                    .filter(|&l| l < limit)
                    .ok_or(RuleError::BadLocation)
            }
        };
        pick.ok_or(RuleError::Full)
    }

    fn bucket_of(&self, h: u32) -> usize {
        wrap(h as usize, self.buckets.len())
    }

    /// Adds `rule` at `loc`.
    pub(crate) fn insert(&mut self, loc: usize, rule: Rule) -> Result<(), RuleError> {
        if !rule.m.is_valid() {
            return Err(RuleError::Invalid);
        }
        match self.rules.get(loc) {
            None => return Err(RuleError::BadLocation),
            Some(Some(_)) => return Err(RuleError::Taken),
            Some(None) => {}
        }
        if self.rules.iter().flatten().any(|r| r.m == rule.m) {
            return Err(RuleError::Duplicate);
        }
        if rule.m.is_exact() {
            let m = &rule.m;
            let h = Match::exact_key(
                m.flow,
                &m.src_ip.value,
                &m.dst_ip.value,
                (m.src_port.value, m.dst_port.value),
            );
            let n = self.buckets.len();
            let mut b = self.bucket_of(h);
            // The index has twice the slots of the table, so a free one exists.
            while self.buckets.get(b).is_some_and(|&s| s != EMPTY) {
                b = wrap(b + 1, n);
            }
            let slot = self.buckets.get_mut(b).ok_or(RuleError::Full)?;
            *slot = (loc + 1) as u16;
        } else {
            let len = self.masked_len;
            let at = self
                .masked
                .get(..len)
                .map_or(len, |m| m.partition_point(|&l| usize::from(l) < loc));
            let list = self.masked.get_mut(..=len).ok_or(RuleError::Full)?;
            list.copy_within(at..len, at + 1);
            if let Some(s) = list.get_mut(at) {
                *s = loc as u16;
            }
            self.masked_len += 1;
        }
        if let Some(slot) = self.rules.get_mut(loc) {
            *slot = Some(rule);
        }
        self.count += 1;
        Ok(())
    }

    /// Removes the rule at `loc`.
    pub(crate) fn remove(&mut self, loc: usize) -> Result<Rule, RuleError> {
        let rule = self
            .rules
            .get(loc)
            .copied()
            .flatten()
            .ok_or(RuleError::NotFound)?;
        if rule.m.is_exact() {
            let n = self.buckets.len();
            let Some(mut b) = self.buckets.iter().position(|&s| usize::from(s) == loc + 1) else {
                return Err(RuleError::NotFound);
            };
            // Backward-shift deletion keeps every probe chain unbroken.
            if let Some(s) = self.buckets.get_mut(b) {
                *s = EMPTY;
            }
            let mut next = wrap(b + 1, n);
            while let Some(&s) = self.buckets.get(next).filter(|&&s| s != EMPTY) {
                let home = self.home_of(usize::from(s) - 1);
                // Move the entry back if its home is not in (b, next].
                let dist_home = wrap(next + n - home, n);
                let dist_b = wrap(next + n - b, n);
                if dist_home >= dist_b {
                    if let Some(d) = self.buckets.get_mut(b) {
                        *d = s;
                    }
                    if let Some(d) = self.buckets.get_mut(next) {
                        *d = EMPTY;
                    }
                    b = next;
                }
                next = wrap(next + 1, n);
            }
        } else {
            let len = self.masked_len;
            if let Some(list) = self.masked.get_mut(..len) {
                if let Some(at) = list.iter().position(|&l| usize::from(l) == loc) {
                    list.copy_within(at + 1..len, at);
                    self.masked_len -= 1;
                }
            }
        }
        if let Some(slot) = self.rules.get_mut(loc) {
            *slot = None;
        }
        self.count -= 1;
        Ok(rule)
    }

    /// The home bucket of the exact rule at `loc`.
    fn home_of(&self, loc: usize) -> usize {
        let Some(Some(r)) = self.rules.get(loc) else {
            return 0;
        };
        let m = &r.m;
        self.bucket_of(Match::exact_key(
            m.flow,
            &m.src_ip.value,
            &m.dst_ip.value,
            (m.src_port.value, m.dst_port.value),
        ))
    }

    /// Removes every rule.
    #[cfg(test)]
    pub(crate) fn clear(&mut self) {
        self.rules.iter_mut().for_each(|r| *r = None);
        self.buckets.iter_mut().for_each(|b| *b = EMPTY);
        self.masked_len = 0;
        self.count = 0;
    }

    /// The location and rule a packet with `key` is steered by: the lowest-located match.
    pub(crate) fn classify(&self, key: &PacketKey) -> Option<(usize, &Rule)> {
        if self.count == 0 {
            return None;
        }
        let exact = self.lookup_exact(key);
        let bound = exact.map_or(usize::MAX, |(loc, _)| loc);
        let masked = self
            .masked
            .get(..self.masked_len)
            .unwrap_or(&[])
            .iter()
            .map(|&l| usize::from(l))
            .take_while(|&l| l < bound)
            .find_map(|l| self.get(l).filter(|r| r.m.matches(key)).map(|r| (l, r)));
        masked.or(exact)
    }

    fn lookup_exact(&self, key: &PacketKey) -> Option<(usize, &Rule)> {
        let ports = key.ports?;
        let flow = match (key.ethertype, key.proto?) {
            (ETH_P_IP, IPPROTO_TCP) => FlowType::Tcp4,
            (ETH_P_IP, IPPROTO_UDP) => FlowType::Udp4,
            (ETH_P_IP, IPPROTO_SCTP) => FlowType::Sctp4,
            (ETH_P_IPV6, IPPROTO_TCP) => FlowType::Tcp6,
            (ETH_P_IPV6, IPPROTO_UDP) => FlowType::Udp6,
            _ => return None,
        };
        let n = self.buckets.len();
        let mut b = self.bucket_of(Match::exact_key(flow, &key.src_ip, &key.dst_ip, ports));
        for _ in 0..n {
            let s = *self.buckets.get(b)?;
            if s == EMPTY {
                return None;
            }
            let loc = usize::from(s) - 1;
            if let Some(r) = self
                .get(loc)
                .filter(|r| r.m.flow == flow && r.m.matches(key))
            {
                return Some((loc, r));
            }
            b = wrap(b + 1, n);
        }
        None
    }
}

pub(crate) mod spec;

#[cfg(test)]
mod tests;
