// SPDX-License-Identifier: GPL-2.0

//! Host tests of the steering rules: the classifier against a reference matcher (a linear scan
//! by location) on random rules and random frames, table invariants and location management.

use super::super::wire::{
    ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
};
use super::*;
use std::vec;
use std::vec::Vec;

type Table = RuleTable<Vec<Option<Rule>>, Vec<u16>>;

fn table(cap: usize) -> Table {
    RuleTable::new(vec![None; cap], vec![0; 2 * cap], vec![0; cap]).expect("table")
}

/// xorshift64*: deterministic randomness without a crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

// A small value space, so random rules and random packets often meet.
fn addr4(r: &mut Rng) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[10, 0, r.below(2) as u8, 1 + r.below(4) as u8]);
    a
}
fn addr6(r: &mut Rng) -> [u8; 16] {
    let mut a = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    a[14] = r.below(2) as u8;
    a[15] = 1 + r.below(4) as u8;
    a
}
fn port(r: &mut Rng) -> u16 {
    [80, 443, 5201, 8000][r.below(4) as usize]
}

const FLOWS: [FlowType; 8] = [
    FlowType::Tcp4,
    FlowType::Udp4,
    FlowType::Sctp4,
    FlowType::Ip4,
    FlowType::Tcp6,
    FlowType::Udp6,
    FlowType::Ip6,
    FlowType::Ether,
];

fn random_rule(r: &mut Rng) -> Rule {
    let flow = FLOWS[r.below(8) as usize];
    let mut m = Match::any(flow);
    let addr_len = if flow.is_ipv4() { 4 } else { 16 };
    let addr = |r: &mut Rng| -> Masked<[u8; 16]> {
        let value = if flow.is_ipv4() { addr4(r) } else { addr6(r) };
        let mut mask = [0u8; 16];
        match r.below(3) {
            0 => {}
            1 => mask[..addr_len].fill(0xff),
            _ => mask[..addr_len - 1].fill(0xff), // a /24 or /120
        }
        let mut v = value;
        v.iter_mut().zip(mask.iter()).for_each(|(b, k)| *b &= k);
        Masked { value: v, mask }
    };
    if flow != FlowType::Ether {
        m.src_ip = addr(r);
        m.dst_ip = addr(r);
    }
    if flow.has_ports() {
        for p in [&mut m.src_port, &mut m.dst_port] {
            *p = match r.below(3) {
                0 => Masked::default(),
                1 => Masked {
                    value: port(r),
                    mask: 0xffff,
                },
                _ => {
                    let v = port(r) & 0xff00;
                    Masked {
                        value: v,
                        mask: 0xff00,
                    }
                }
            };
        }
    }
    if r.chance(20) {
        m.vlan = Masked {
            value: 100 + r.below(2) as u16,
            mask: 0x0fff,
        };
    }
    if flow == FlowType::Ether {
        m.ethertype = match r.below(3) {
            0 => Masked {
                value: ETH_P_IP,
                mask: 0xffff,
            },
            1 => Masked {
                value: ETH_P_IPV6,
                mask: 0xffff,
            },
            _ => Masked::default(),
        };
    }
    // A third of the rules with ports fully specified: they go through the hash index, and
    // removals then split its probe chains.
    if flow.has_ports() && r.chance(33) {
        let value = |r: &mut Rng| if flow.is_ipv4() { addr4(r) } else { addr6(r) };
        let mut full = [0u8; 16];
        full[..addr_len].fill(0xff);
        m.src_ip = Masked {
            value: value(r),
            mask: full,
        };
        m.dst_ip = Masked {
            value: value(r),
            mask: full,
        };
        m.src_port = Masked {
            value: port(r),
            mask: 0xffff,
        };
        m.dst_port = Masked {
            value: port(r),
            mask: 0xffff,
        };
        m.vlan = Masked::default();
        assert!(m.is_exact());
    }
    let action = if r.chance(15) {
        Action::Drop
    } else {
        Action::Queue(r.below(8) as u16)
    };
    Rule { m, action }
}

/// A frame for a random packet: IPv4 or IPv6, TCP, UDP, SCTP or ICMP, maybe VLAN-tagged in band
/// or stripped, maybe a later fragment.
fn random_frame(r: &mut Rng) -> (Vec<u8>, Option<u16>) {
    let mut f = vec![0u8; 12];
    let vlan = 100 + r.below(2) as u16;
    let (inband, stripped) = match r.below(4) {
        0 => (true, None),
        1 => (false, Some(vlan)),
        _ => (false, None),
    };
    if inband {
        f.extend_from_slice(&ETH_P_8021Q.to_be_bytes());
        f.extend_from_slice(&vlan.to_be_bytes());
    }
    let proto = [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, 1][r.below(4) as usize];
    if r.chance(50) {
        f.extend_from_slice(&ETH_P_IP.to_be_bytes());
        let frag: u16 = if r.chance(10) { 0x00b9 } else { 0x4000 };
        f.extend_from_slice(&[0x45, 0, 0, 40, 0, 0]);
        f.extend_from_slice(&frag.to_be_bytes());
        f.extend_from_slice(&[64, proto, 0, 0]);
        f.extend_from_slice(&addr4(r)[..4]);
        f.extend_from_slice(&addr4(r)[..4]);
    } else {
        f.extend_from_slice(&ETH_P_IPV6.to_be_bytes());
        f.extend_from_slice(&[0x60, 0, 0, 0, 0, 20, proto, 64]);
        f.extend_from_slice(&addr6(r));
        f.extend_from_slice(&addr6(r));
    }
    f.extend_from_slice(&port(r).to_be_bytes());
    f.extend_from_slice(&port(r).to_be_bytes());
    f.extend_from_slice(&[0u8; 16]);
    (f, stripped)
}

/// The reference: every rule in location order, first match wins.
fn reference(rules: &[Option<Rule>], key: &PacketKey) -> Option<usize> {
    rules
        .iter()
        .position(|r| r.is_some_and(|r| r.m.matches(key)))
}

#[test]
fn classifier_agrees_with_reference() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut hits = 0;
    for round in 0..40 {
        let mut t = table(1024);
        let mut mirror = vec![None; 1024];
        let n = [0, 10, 100, 1000][round % 4];
        while t.len() < n {
            let loc = r.below(1024) as usize;
            let rule = random_rule(&mut r);
            let dup = mirror.iter().flatten().any(|x: &Rule| x.m == rule.m);
            match t.insert(loc, rule) {
                Ok(()) => mirror[loc] = Some(rule),
                Err(RuleError::Taken) => assert!(mirror[loc].is_some()),
                Err(RuleError::Duplicate) => assert!(dup),
                Err(e) => panic!("unexpected {e:?} for {rule:?}"),
            }
        }
        // Remove some and check the index survives removals in the middle of probe chains.
        for _ in 0..n / 4 {
            let loc = r.below(1024) as usize;
            match t.remove(loc) {
                Ok(rule) => assert_eq!(mirror[loc].take(), Some(rule)),
                Err(RuleError::NotFound) => assert!(mirror[loc].is_none()),
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        for _ in 0..500 {
            let (frame, stripped) = random_frame(&mut r);
            let key = PacketKey::parse(&frame, stripped);
            let got = t.classify(&key).map(|(loc, _)| loc);
            assert_eq!(got, reference(&mirror, &key), "key {key:?}");
            hits += usize::from(got.is_some());
        }
    }
    assert!(hits > 1000, "random rules should often match ({hits})");
}

fn tcp4_exact(src_port: u16) -> Rule {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[10, 0, 0, 1]);
    let mut full = [0u8; 16];
    full[..4].fill(0xff);
    Rule {
        m: Match {
            flow: FlowType::Tcp4,
            src_ip: Masked {
                value: a,
                mask: full,
            },
            dst_ip: Masked {
                value: a,
                mask: full,
            },
            src_port: Masked {
                value: src_port,
                mask: 0xffff,
            },
            dst_port: Masked {
                value: 80,
                mask: 0xffff,
            },
            vlan: Masked::default(),
            ethertype: Masked::default(),
        },
        action: Action::Queue(1),
    }
}

#[test]
fn locations_and_errors() {
    let mut t = table(4);
    assert_eq!(t.capacity(), 4);
    assert_eq!(t.free_location(), Some(0));
    assert_eq!(t.insert(2, tcp4_exact(1)), Ok(()));
    assert_eq!(t.insert(2, tcp4_exact(2)), Err(RuleError::Taken));
    assert_eq!(t.insert(4, tcp4_exact(2)), Err(RuleError::BadLocation));
    assert_eq!(t.insert(0, tcp4_exact(1)), Err(RuleError::Duplicate));
    let mut bad = tcp4_exact(3);
    bad.m.src_port = Masked {
        value: 0x1234,
        mask: 0xff00,
    };
    assert_eq!(
        t.insert(0, bad),
        Err(RuleError::Invalid),
        "value outside its mask"
    );
    let mut bad = tcp4_exact(3);
    bad.m.src_ip.mask[8] = 0xff;
    assert_eq!(
        t.insert(0, bad),
        Err(RuleError::Invalid),
        "IPv4 mask beyond 4 bytes"
    );
    let mut bad = tcp4_exact(3);
    bad.m.flow = FlowType::Ip4;
    assert_eq!(
        t.insert(0, bad),
        Err(RuleError::Invalid),
        "ports on a flow type without them"
    );
    let mut bad = tcp4_exact(3);
    bad.m.vlan = Masked {
        value: 0x1005,
        mask: 0x0fff,
    };
    assert_eq!(
        t.insert(0, bad),
        Err(RuleError::Invalid),
        "VLAN value outside its mask"
    );
    assert_eq!(t.len(), 1, "refused rules change nothing");
    for (loc, p) in [(0, 10), (1, 11), (3, 13)] {
        assert_eq!(t.insert(loc, tcp4_exact(p)), Ok(()));
    }
    assert_eq!(t.free_location(), None);
    assert_eq!(t.locations().collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert_eq!(t.remove(1).map(|r| r.m.src_port.value), Ok(11));
    assert_eq!(t.remove(1), Err(RuleError::NotFound));
    assert_eq!(t.free_location(), Some(1));
    t.clear();
    assert_eq!((t.len(), t.locations().count()), (0, 0));
    assert_eq!(
        t.insert(1, tcp4_exact(11)),
        Ok(()),
        "a cleared table takes rules again"
    );
}

#[test]
fn lowest_location_wins_between_exact_and_masked() {
    let mut t = table(16);
    let exact = tcp4_exact(1000);
    let mut any_tcp = exact;
    any_tcp.m.src_ip = Masked::default();
    any_tcp.m.src_port = Masked::default();
    any_tcp.action = Action::Drop;
    t.insert(5, exact).unwrap();
    t.insert(9, any_tcp).unwrap();
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&ETH_P_IP.to_be_bytes());
    frame.extend_from_slice(&[
        0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 1,
    ]);
    frame.extend_from_slice(&1000u16.to_be_bytes());
    frame.extend_from_slice(&80u16.to_be_bytes());
    let key = PacketKey::parse(&frame, None);
    assert_eq!(t.classify(&key).map(|(l, _)| l), Some(5));
    t.remove(5).unwrap();
    t.insert(12, exact).unwrap();
    assert_eq!(
        t.classify(&key).map(|(l, r)| (l, r.action)),
        Some((9, Action::Drop))
    );
}

#[test]
fn storage_must_be_empty_and_large_enough() {
    assert!(RuleTable::new(vec![None; 8], vec![0u16; 15], vec![0u16; 8]).is_none());
    assert!(RuleTable::new(vec![None; 8], vec![1u16; 16], vec![0u16; 8]).is_none());
    assert!(RuleTable::new(vec![None; 8], vec![0u16; 16], vec![0u16; 7]).is_none());
    assert!(RuleTable::new(vec![None; 8], vec![0u16; 16], vec![0u16; 8]).is_some());
}

#[test]
fn parse_reads_tags_fragments_and_truncations() {
    let (mut f, _) = (vec![0u8; 12], ());
    f.extend_from_slice(&ETH_P_8021Q.to_be_bytes());
    f.extend_from_slice(&0x2064u16.to_be_bytes());
    f.extend_from_slice(&ETH_P_IP.to_be_bytes());
    f.extend_from_slice(&[
        0x45, 0, 0, 40, 0, 0, 0x20, 0x10, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    f.extend_from_slice(&[0, 53, 0, 54]);
    let k = PacketKey::parse(&f, None);
    assert_eq!(k.vlan, Some(0x2064), "the whole tag control information");
    assert_eq!((k.ethertype, k.proto), (ETH_P_IP, Some(17)));
    assert_eq!(k.ports, None, "a later fragment has no ports");
    for cut in [0, 13, 16, 20, 30, 40] {
        let k = PacketKey::parse(&f[..cut], Some(7));
        assert_eq!(k.ports, None);
        assert!(k.vlan.is_some());
    }
}

#[test]
fn special_locations() {
    // Six locations, of which the first four are the user's.
    let mut t = table(6);
    assert_eq!(t.resolve_location(LOC_ANY, 4), Ok(0));
    assert_eq!(t.resolve_location(LOC_LAST, 4), Ok(3));
    t.insert(0, tcp4_exact(1)).unwrap();
    t.insert(3, tcp4_exact(2)).unwrap();
    assert_eq!(t.resolve_location(LOC_FIRST, 4), Ok(1));
    assert_eq!(t.resolve_location(LOC_LAST, 4), Ok(2));
    assert_eq!(t.resolve_location(2, 4), Ok(2));
    assert_eq!(t.resolve_location(4, 4), Err(RuleError::BadLocation));
    assert_eq!(
        t.resolve_location(LOC_SPECIAL | 5, 4),
        Err(RuleError::BadLocation)
    );
    t.insert(1, tcp4_exact(3)).unwrap();
    t.insert(2, tcp4_exact(4)).unwrap();
    assert_eq!(t.resolve_location(LOC_ANY, 4), Err(RuleError::Full));
    assert_eq!(t.resolve_location(LOC_ANY, 6), Ok(4));
}

#[test]
fn exact_flow_is_an_indexed_rule_matching_its_flow() {
    let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
    src[..4].copy_from_slice(&[10, 0, 0, 2]);
    dst[..4].copy_from_slice(&[10, 0, 0, 1]);
    let m = Match::exact_flow(ETH_P_IP, IPPROTO_UDP, &src, &dst, (4000, 53)).unwrap();
    assert!(m.is_valid() && m.is_exact());
    let key = PacketKey {
        ethertype: ETH_P_IP,
        vlan: None,
        proto: Some(IPPROTO_UDP),
        src_ip: src,
        dst_ip: dst,
        ports: Some((4000, 53)),
    };
    assert!(m.matches(&key));
    assert!(!m.matches(&PacketKey {
        ports: Some((4000, 54)),
        ..key
    }));
    let mut t = table(4);
    t.insert(
        2,
        Rule {
            m,
            action: Action::Queue(1),
        },
    )
    .unwrap();
    assert_eq!(t.classify(&key).map(|(l, _)| l), Some(2));
    assert_eq!(t.find(&m), Some(2));
    assert_eq!(t.find(&Match::any(FlowType::Tcp4)), None);
    assert!(Match::exact_flow(ETH_P_IP, IPPROTO_SCTP, &src, &dst, (1, 2)).is_none());
    assert!(Match::exact_flow(ETH_P_IPV6, IPPROTO_TCP, &src, &dst, (1, 2)).is_some());
}
