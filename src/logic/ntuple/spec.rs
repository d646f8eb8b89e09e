// SPDX-License-Identifier: GPL-2.0

//! The `ethtool -N` form of a rule (`struct ethtool_rx_flow_spec`), to and from [`Rule`].
//!
//! The flow-type unions are handled as the bytes the UAPI lays out, in network order, so the
//! conversion (and what it refuses) is the same code in the module and the host tests.

use super::{Action, FlowType, Masked, Match, Rule};

/// `ethtool_rx_flow_spec::flow_type` values rxgbe takes (`TCP_V4_FLOW` ...).
pub(crate) mod flow {
    /// `TCP_V4_FLOW`.
    pub(crate) const TCP_V4: u32 = 0x01;
    /// `UDP_V4_FLOW`.
    pub(crate) const UDP_V4: u32 = 0x02;
    /// `SCTP_V4_FLOW`.
    pub(crate) const SCTP_V4: u32 = 0x03;
    /// `TCP_V6_FLOW`.
    pub(crate) const TCP_V6: u32 = 0x05;
    /// `UDP_V6_FLOW`.
    pub(crate) const UDP_V6: u32 = 0x06;
    /// `IPV4_USER_FLOW` (`ethtool ... flow-type ip4`).
    pub(crate) const IPV4_USER: u32 = 0x0d;
    /// `IPV6_USER_FLOW`.
    pub(crate) const IPV6_USER: u32 = 0x0e;
    /// `ETHER_FLOW`.
    pub(crate) const ETHER: u32 = 0x12;
    /// `FLOW_EXT`: the VLAN and user-defined fields are valid.
    pub(crate) const EXT: u32 = 0x8000_0000;
    /// `FLOW_MAC_EXT`: the destination MAC of the extension is valid.
    pub(crate) const MAC_EXT: u32 = 0x4000_0000;
    /// `FLOW_RSS`: spread matches over an RSS context.
    pub(crate) const RSS: u32 = 0x2000_0000;
}

/// `RX_CLS_FLOW_DISC`: drop matching packets.
pub(crate) const RING_DISCARD: u64 = u64::MAX;
/// `ETHTOOL_RX_FLOW_SPEC_RING`: the queue part of a ring cookie.
const RING_MASK: u64 = 0xffff_ffff;
/// `ETH_RX_NFC_IP4`: the only `ip_ver` of an IPv4 user flow.
const NFC_IP4: u8 = 1;

/// Bytes of `union ethtool_flow_union`.
pub(crate) const UNION_LEN: usize = 52;
/// Bytes of `struct ethtool_flow_ext`.
pub(crate) const EXT_LEN: usize = 20;

/// A rule as `ethtool` passes it: the flow type with its flags, values and masks (a mask bit set
/// means the value bit must match), and the ring cookie.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct FlowSpec {
    /// `flow_type`, flags included.
    pub(crate) flow_type: u32,
    /// `h_u`.
    pub(crate) h_u: [u8; UNION_LEN],
    /// `h_ext`.
    pub(crate) h_ext: [u8; EXT_LEN],
    /// `m_u`.
    pub(crate) m_u: [u8; UNION_LEN],
    /// `m_ext`.
    pub(crate) m_ext: [u8; EXT_LEN],
    /// `ring_cookie`: the queue, or [`RING_DISCARD`].
    pub(crate) ring_cookie: u64,
}

impl Default for FlowSpec {
    fn default() -> Self {
        Self {
            flow_type: 0,
            h_u: [0; UNION_LEN],
            h_ext: [0; EXT_LEN],
            m_u: [0; UNION_LEN],
            m_ext: [0; EXT_LEN],
            ring_cookie: 0,
        }
    }
}

/// Why a spec cannot become a rule.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SpecError {
    /// A flow type, field or action rxgbe does not match on (`EOPNOTSUPP`).
    Unsupported,
    /// A queue that does not exist, or a malformed value (`EINVAL`).
    Invalid,
}

/// Byte ranges of the fields, per `union ethtool_flow_union` member.
struct Layout {
    src: (usize, usize),
    dst: (usize, usize),
    /// Ports, for the flow types that have them.
    ports: Option<(usize, usize)>,
    /// Fields rxgbe does not match on (TOS, traffic class, first L4 bytes, protocol).
    unsupported: &'static [(usize, usize)],
}

/// `ethtool_tcpip4_spec`: addresses, ports, TOS.
const TCPIP4: Layout = Layout {
    src: (0, 4),
    dst: (4, 8),
    ports: Some((8, 10)),
    unsupported: &[(12, 13)],
};
/// `ethtool_usrip4_spec`: addresses, first L4 bytes, TOS, (ip_ver), protocol.
const USRIP4: Layout = Layout {
    src: (0, 4),
    dst: (4, 8),
    ports: None,
    unsupported: &[(8, 12), (12, 13), (14, 15)],
};
/// `ethtool_tcpip6_spec`: addresses, ports, traffic class.
const TCPIP6: Layout = Layout {
    src: (0, 16),
    dst: (16, 32),
    ports: Some((32, 34)),
    unsupported: &[(36, 37)],
};
/// `ethtool_usrip6_spec`: addresses, first L4 bytes, traffic class, protocol.
const USRIP6: Layout = Layout {
    src: (0, 16),
    dst: (16, 32),
    ports: None,
    unsupported: &[(32, 38)],
};
/// `ethhdr`: destination and source MAC, then the ethertype at 12.
const ETHER_ADDRS: (usize, usize) = (0, 12);
const ETHER_PROTO: usize = 12;
/// `ethtool_flow_ext`: destination MAC (`FLOW_MAC_EXT`), VLAN ethertype, TCI, user data.
const EXT_H_DEST: (usize, usize) = (2, 8);
const EXT_VLAN_ETYPE: (usize, usize) = (8, 10);
const EXT_VLAN_TCI: usize = 10;
const EXT_DATA: (usize, usize) = (12, 20);
/// `ethtool_usrip4_spec::ip_ver`.
const USRIP4_IP_VER: usize = 13;

fn layout(flow: FlowType) -> &'static Layout {
    match flow {
        FlowType::Tcp4 | FlowType::Udp4 | FlowType::Sctp4 => &TCPIP4,
        FlowType::Ip4 => &USRIP4,
        FlowType::Tcp6 | FlowType::Udp6 => &TCPIP6,
        FlowType::Ip6 | FlowType::Ether => &USRIP6,
    }
}

fn flow_of(ft: u32) -> Option<FlowType> {
    Some(match ft {
        flow::TCP_V4 => FlowType::Tcp4,
        flow::UDP_V4 => FlowType::Udp4,
        flow::SCTP_V4 => FlowType::Sctp4,
        flow::IPV4_USER => FlowType::Ip4,
        flow::TCP_V6 => FlowType::Tcp6,
        flow::UDP_V6 => FlowType::Udp6,
        flow::IPV6_USER => FlowType::Ip6,
        flow::ETHER => FlowType::Ether,
        _ => return None,
    })
}

fn code_of(f: FlowType) -> u32 {
    match f {
        FlowType::Tcp4 => flow::TCP_V4,
        FlowType::Udp4 => flow::UDP_V4,
        FlowType::Sctp4 => flow::SCTP_V4,
        FlowType::Ip4 => flow::IPV4_USER,
        FlowType::Tcp6 => flow::TCP_V6,
        FlowType::Udp6 => flow::UDP_V6,
        FlowType::Ip6 => flow::IPV6_USER,
        FlowType::Ether => flow::ETHER,
    }
}

fn any_set(b: &[u8], (from, to): (usize, usize)) -> bool {
    b.get(from..to).is_some_and(|s| s.iter().any(|&x| x != 0))
}

fn be16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

fn put16(b: &mut [u8], at: usize, v: u16) {
    if let Some(d) = b.get_mut(at..at + 2) {
        d.copy_from_slice(&v.to_be_bytes());
    }
}

/// A masked 16-bit field; the value keeps only the masked bits.
fn masked16(h: &[u8], m: &[u8], at: usize) -> Masked<u16> {
    let mask = be16_at(m, at);
    Masked {
        value: be16_at(h, at) & mask,
        mask,
    }
}

/// A masked address of `to - from` bytes (4 or 16), in the first bytes of a 16-byte field.
fn masked_addr(h: &[u8], m: &[u8], (from, to): (usize, usize)) -> Masked<[u8; 16]> {
    let mut a = Masked {
        value: [0; 16],
        mask: [0; 16],
    };
    for (i, at) in (from..to).enumerate() {
        let (Some(&v), Some(&k)) = (h.get(at), m.get(at)) else {
            break;
        };
        if let (Some(dv), Some(dk)) = (a.value.get_mut(i), a.mask.get_mut(i)) {
            *dv = v & k;
            *dk = k;
        }
    }
    a
}

fn put_addr(b: &mut [u8], (from, to): (usize, usize), a: &[u8; 16]) {
    if let Some(d) = b.get_mut(from..to) {
        let n = d.len();
        d.copy_from_slice(a.get(..n).unwrap_or(&[]));
    }
}

impl FlowSpec {
    /// The rule this spec asks for, on a device with `queues` receive queues.
    pub(crate) fn rule(&self, queues: usize) -> Result<Rule, SpecError> {
        if self.flow_type & flow::RSS != 0 {
            return Err(SpecError::Unsupported);
        }
        let flags = self.flow_type & (flow::EXT | flow::MAC_EXT);
        let f = flow_of(self.flow_type & !flags).ok_or(SpecError::Unsupported)?;
        let action = match self.ring_cookie {
            RING_DISCARD => Action::Drop,
            c if c & !RING_MASK != 0 => return Err(SpecError::Unsupported),
            c => {
                let q = usize::try_from(c).map_err(|_| SpecError::Invalid)?;
                if q >= queues {
                    return Err(SpecError::Invalid);
                }
                Action::Queue(u16::try_from(q).map_err(|_| SpecError::Invalid)?)
            }
        };
        let (h, m) = (&self.h_u, &self.m_u);
        let mut rule = Match::any(f);
        if f == FlowType::Ether {
            if any_set(m, ETHER_ADDRS) {
                return Err(SpecError::Unsupported);
            }
            rule.ethertype = masked16(h, m, ETHER_PROTO);
        } else {
            let l = layout(f);
            if l.unsupported.iter().any(|&r| any_set(m, r)) {
                return Err(SpecError::Unsupported);
            }
            let ip_ver = (h.get(USRIP4_IP_VER), m.get(USRIP4_IP_VER));
            if f == FlowType::Ip4 && !matches!(ip_ver, (Some(&NFC_IP4), _) | (_, Some(&0))) {
                return Err(SpecError::Invalid);
            }
            rule.src_ip = masked_addr(h, m, l.src);
            rule.dst_ip = masked_addr(h, m, l.dst);
            if let Some((s, d)) = l.ports {
                rule.src_port = masked16(h, m, s);
                rule.dst_port = masked16(h, m, d);
            }
        }
        if flags & flow::MAC_EXT != 0 && any_set(&self.m_ext, EXT_H_DEST) {
            return Err(SpecError::Unsupported);
        }
        if flags & flow::EXT != 0 {
            if any_set(&self.m_ext, EXT_VLAN_ETYPE) || any_set(&self.m_ext, EXT_DATA) {
                return Err(SpecError::Unsupported);
            }
            rule.vlan = masked16(&self.h_ext, &self.m_ext, EXT_VLAN_TCI);
        }
        if !rule.is_valid() {
            return Err(SpecError::Invalid);
        }
        Ok(Rule { m: rule, action })
    }

    /// The spec `ethtool -n` shows for `rule`.
    pub(crate) fn from_rule(rule: &Rule) -> Self {
        let r = &rule.m;
        let mut s = Self {
            flow_type: code_of(r.flow),
            ring_cookie: match rule.action {
                Action::Drop => RING_DISCARD,
                Action::Queue(q) => u64::from(q),
            },
            ..Self::default()
        };
        if r.flow == FlowType::Ether {
            put16(&mut s.h_u, ETHER_PROTO, r.ethertype.value);
            put16(&mut s.m_u, ETHER_PROTO, r.ethertype.mask);
        } else {
            let l = layout(r.flow);
            put_addr(&mut s.h_u, l.src, &r.src_ip.value);
            put_addr(&mut s.m_u, l.src, &r.src_ip.mask);
            put_addr(&mut s.h_u, l.dst, &r.dst_ip.value);
            put_addr(&mut s.m_u, l.dst, &r.dst_ip.mask);
            if let Some((sp, dp)) = l.ports {
                put16(&mut s.h_u, sp, r.src_port.value);
                put16(&mut s.m_u, sp, r.src_port.mask);
                put16(&mut s.h_u, dp, r.dst_port.value);
                put16(&mut s.m_u, dp, r.dst_port.mask);
            }
            if r.flow == FlowType::Ip4 {
                if let Some(v) = s.h_u.get_mut(USRIP4_IP_VER) {
                    *v = NFC_IP4;
                }
            }
        }
        if r.vlan.mask != 0 {
            s.flow_type |= flow::EXT;
            put16(&mut s.h_ext, EXT_VLAN_TCI, r.vlan.value);
            put16(&mut s.m_ext, EXT_VLAN_TCI, r.vlan.mask);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const ETH_P_ARP: u16 = 0x0806;

    fn tcp4(src: [u8; 4], sport: u16) -> FlowSpec {
        let mut s = FlowSpec {
            flow_type: flow::TCP_V4,
            ring_cookie: 1,
            ..FlowSpec::default()
        };
        s.h_u[..4].copy_from_slice(&src);
        s.m_u[..4].copy_from_slice(&[0xff; 4]);
        s.h_u[8..10].copy_from_slice(&sport.to_be_bytes());
        s.m_u[8..10].copy_from_slice(&[0xff; 2]);
        s
    }

    #[test]
    fn tcp4_fields_and_round_trip() {
        let s = tcp4([10, 0, 0, 2], 5001);
        let r = s.rule(2).unwrap();
        assert_eq!(r.action, Action::Queue(1));
        assert_eq!(r.m.flow, FlowType::Tcp4);
        assert_eq!(&r.m.src_ip.value[..4], &[10, 0, 0, 2]);
        assert_eq!(
            r.m.src_port,
            Masked {
                value: 5001,
                mask: 0xffff
            }
        );
        assert_eq!(r.m.dst_port.mask, 0);
        assert_eq!(FlowSpec::from_rule(&r), s);
    }

    #[test]
    fn every_flow_type_round_trips() {
        for ft in [
            flow::TCP_V4,
            flow::UDP_V4,
            flow::SCTP_V4,
            flow::IPV4_USER,
            flow::TCP_V6,
            flow::UDP_V6,
            flow::IPV6_USER,
            flow::ETHER,
        ] {
            let mut s = FlowSpec {
                flow_type: ft | flow::EXT,
                ring_cookie: RING_DISCARD,
                ..FlowSpec::default()
            };
            if ft == flow::ETHER {
                s.h_u[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
                s.m_u[12..14].copy_from_slice(&[0xff; 2]);
            } else {
                // The destination address: bytes 4..8 (IPv4) or 16..32 (IPv6), half masked.
                let (from, to) = if ft <= flow::SCTP_V4 || ft == flow::IPV4_USER {
                    (4, 8)
                } else {
                    (16, 32)
                };
                for i in from..to {
                    s.h_u[i] = i as u8;
                    s.m_u[i] = if i < (from + to) / 2 { 0xff } else { 0 };
                    s.h_u[i] &= s.m_u[i];
                }
                if ft == flow::IPV4_USER {
                    s.h_u[USRIP4_IP_VER] = NFC_IP4;
                }
            }
            s.h_ext[10..12].copy_from_slice(&7u16.to_be_bytes());
            s.m_ext[10..12].copy_from_slice(&0x0fffu16.to_be_bytes());
            let r = s.rule(1).unwrap_or_else(|e| panic!("flow {ft:#x}: {e:?}"));
            assert_eq!(r.action, Action::Drop);
            assert_eq!(
                r.m.vlan,
                Masked {
                    value: 7,
                    mask: 0x0fff
                }
            );
            assert_eq!(FlowSpec::from_rule(&r), s, "flow {ft:#x}");
        }
    }

    #[test]
    fn refusals() {
        let ok = tcp4([10, 0, 0, 2], 5001);
        let err = |f: &dyn Fn(&mut FlowSpec), queues: usize| {
            let mut s = ok;
            f(&mut s);
            s.rule(queues).unwrap_err()
        };
        use SpecError::{Invalid, Unsupported};
        assert_eq!(err(&|_| {}, 1), Invalid, "queue 1 of 1");
        assert_eq!(err(&|s| s.ring_cookie = 1 << 32, 2), Unsupported, "a VF");
        assert_eq!(
            err(&|s| s.ring_cookie = u64::MAX - 1, 2),
            Unsupported,
            "wake"
        );
        assert_eq!(err(&|s| s.flow_type = 0x04, 2), Unsupported, "ah-esp");
        assert_eq!(err(&|s| s.flow_type = 0x07, 2), Unsupported, "sctp6");
        assert_eq!(err(&|s| s.flow_type |= flow::RSS, 2), Unsupported, "rss");
        assert_eq!(err(&|s| s.m_u[12] = 0xff, 2), Unsupported, "tos");
        let user_def = |s: &mut FlowSpec| {
            s.flow_type |= flow::EXT;
            s.m_ext[19] = 1;
        };
        assert_eq!(err(&user_def, 2), Unsupported, "user-def");
        let dst_mac = |s: &mut FlowSpec| {
            s.flow_type |= flow::MAC_EXT;
            s.m_ext[2] = 0xff;
        };
        assert_eq!(err(&dst_mac, 2), Unsupported, "dst-mac");
        let ip4_proto = |s: &mut FlowSpec| {
            s.flow_type = flow::IPV4_USER;
            s.m_u = [0; UNION_LEN];
            s.h_u[USRIP4_IP_VER] = NFC_IP4;
            s.m_u[14] = 0xff;
        };
        assert_eq!(err(&ip4_proto, 2), Unsupported, "ip4 l4proto");
        let ip4_ver = |s: &mut FlowSpec| {
            s.flow_type = flow::IPV4_USER;
            s.m_u = [0; UNION_LEN];
            s.h_u[USRIP4_IP_VER] = 6;
            s.m_u[USRIP4_IP_VER] = 0xff;
        };
        assert_eq!(err(&ip4_ver, 2), Invalid, "ip4 with ip_ver 6");
        let ether_mac = |s: &mut FlowSpec| {
            s.flow_type = flow::ETHER;
            s.m_u = [0; UNION_LEN];
            s.m_u[0] = 0xff;
        };
        assert_eq!(err(&ether_mac, 2), Unsupported, "ether dst");
        // Extension fields without their flag are ignored, as the UAPI says.
        let mut s = ok;
        s.m_ext[19] = 1;
        assert!(s.rule(2).is_ok());
    }
}
