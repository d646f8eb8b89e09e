// SPDX-License-Identifier: GPL-2.0

//! Receive-side scaling on the 82576: the Toeplitz hash, the indirection table (RETA), the
//! register images of the key (RSSRK) and table, and which packets get which hash (MRQC).
//!
//! The hash is the Microsoft RSS Toeplitz hash over source address, destination address and,
//! for a 4-tuple hash, source and destination port, all in network byte order. The MAC indexes
//! the 128-entry RETA with the hash's low 7 bits; the entry's low 4 bits are the queue.
//!
//! Everything here is also a software model of the MAC, so tests can predict the queue a packet
//! lands on: `hash_type_for` picks the input, `ipv4_input`/`ipv6_input` build it, `toeplitz`
//! hashes it and `reta_queue` looks the queue up.

/// Length of the Toeplitz key in bytes (the 82576 RSSRK registers hold 40 bytes).
pub(crate) const KEY_LEN: usize = 40;
/// Entries of the redirection table (82576: 32 RETA registers of 4 one-byte entries).
pub(crate) const RETA_LEN: usize = 128;
/// Number of 32-bit RETA registers.
pub(crate) const RETA_REGS: usize = RETA_LEN / 4;
/// Number of 32-bit RSSRK registers.
pub(crate) const KEY_REGS: usize = KEY_LEN / 4;
/// Longest hash input: IPv6 source and destination addresses and two ports. A 40-byte key
/// covers 36 input bytes, since every input bit needs the 32 key bits starting at its own.
pub(crate) const MAX_INPUT_LEN: usize = KEY_LEN - 4;

/// Computes the Toeplitz hash of `input` under `key`.
///
/// Bytes of `input` past [`MAX_INPUT_LEN`] are ignored: the key has no bits for them.
pub(crate) fn toeplitz(key: &[u8; KEY_LEN], input: &[u8]) -> u32 {
    // The high 32 bits of `window` are the key bits lined up with the current input bit; the
    // low 32 bits hold the key bits still to slide in, refilled a byte at a time.
    let mut first = [0u8; 8];
    for (dst, src) in first.iter_mut().zip(key.iter()) {
        *dst = *src;
    }
    let mut window = u64::from_be_bytes(first);
    let mut hash = 0u32;
    for (i, &byte) in input.iter().take(MAX_INPUT_LEN).enumerate() {
        for bit in (0..8).rev() {
            if byte & (1 << bit) != 0 {
                hash ^= (window >> 32) as u32;
            }
            window <<= 1;
        }
        // Past the key's end the window fills with zeros, which the remaining input bits
        // (at most 32 of them after byte 35) never reach in the high half.
        window |= u64::from(key.get(i + 8).copied().unwrap_or(0));
    }
    hash
}

/// A hash input built in network byte order, at most [`MAX_INPUT_LEN`] bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct HashInput {
    bytes: [u8; MAX_INPUT_LEN],
    len: usize,
}

impl HashInput {
    /// An empty input.
    const fn new() -> Self {
        Self {
            bytes: [0; MAX_INPUT_LEN],
            len: 0,
        }
    }

    /// Appends `data`; the constructors never exceed the buffer, so nothing is dropped.
    fn push(&mut self, data: &[u8]) {
        for &b in data {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    /// Appends source and destination port, if any, big-endian.
    fn push_ports(&mut self, ports: Option<(u16, u16)>) {
        if let Some((src, dst)) = ports {
            self.push(&src.to_be_bytes());
            self.push(&dst.to_be_bytes());
        }
    }

    /// The input bytes, ready for [`toeplitz`].
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&self.bytes)
    }
}

/// Hash input of an IPv4 packet: addresses, then the ports for a 4-tuple hash.
///
/// Addresses are given as they appear on the wire (`[192, 168, 0, 1]`), ports as numbers.
pub(crate) fn ipv4_input(src: [u8; 4], dst: [u8; 4], ports: Option<(u16, u16)>) -> HashInput {
    let mut input = HashInput::new();
    input.push(&src);
    input.push(&dst);
    input.push_ports(ports);
    input
}

/// Hash input of an IPv6 packet: addresses, then the ports for a 4-tuple hash.
pub(crate) fn ipv6_input(src: [u8; 16], dst: [u8; 16], ports: Option<(u16, u16)>) -> HashInput {
    let mut input = HashInput::new();
    input.push(&src);
    input.push(&dst);
    input.push_ports(ports);
    input
}

/// Redirection table spreading the 128 entries round-robin over `queues` queues.
///
/// Round-robin rather than igb's contiguous blocks, so that every queue owns hash values
/// all over the 7-bit index space and a handful of test flows already reaches several queues.
/// `queues == 0` yields a table pointing everything at queue 0.
pub(crate) fn default_reta(queues: u32) -> [u8; RETA_LEN] {
    let mut table = [0u8; RETA_LEN];
    for (i, entry) in (0u32..).zip(table.iter_mut()) {
        // i < 128, so the remainder always fits in a byte.
        *entry = i.checked_rem(queues).unwrap_or(0) as u8;
    }
    table
}

/// Highest queue a table points at, `None` for an empty table.
///
/// A table from ethtool is acceptable only if this is below the number of active queues: the
/// MAC drops packets aimed at a disabled ring.
pub(crate) fn reta_max_queue(table: &[u8]) -> Option<u8> {
    table.iter().copied().max()
}

/// Queue the MAC picks for a packet with RSS hash `hash`.
pub(crate) fn reta_queue(table: &[u8; RETA_LEN], hash: u32) -> u8 {
    let index = (hash & 0x7F) as usize;
    table.get(index).copied().unwrap_or(0) & 0x0F
}

/// Register `reg` of a byte array viewed as little-endian 32-bit registers.
fn le_register(bytes: &[u8], reg: usize) -> Option<u32> {
    let word: [u8; 4] = bytes.chunks_exact(4).nth(reg)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

/// Value of RETA register `reg` (0..[`RETA_REGS`]): entry `4 * reg` in bits 7:0, entry
/// `4 * reg + 3` in bits 31:24. `None` past the last register.
pub(crate) fn reta_register(table: &[u8; RETA_LEN], reg: usize) -> Option<u32> {
    le_register(table, reg)
}

/// Value of RSSRK register `reg` (0..[`KEY_REGS`]): key byte `4 * reg` in bits 7:0.
/// `None` past the last register.
///
/// The MAC (and QEMU, which reads the registers as a byte array) takes key byte 0 from the low
/// byte of RSSRK0, so the key is the registers' little-endian memory image.
pub(crate) fn key_register(key: &[u8; KEY_LEN], reg: usize) -> Option<u32> {
    le_register(key, reg)
}

/// ethtool `flow_type` for TCP over IPv4 (include/uapi/linux/ethtool.h).
pub(crate) const TCP_V4_FLOW: u32 = 0x01;
/// ethtool `flow_type` for UDP over IPv4.
pub(crate) const UDP_V4_FLOW: u32 = 0x02;
/// ethtool `flow_type` for TCP over IPv6.
pub(crate) const TCP_V6_FLOW: u32 = 0x05;
/// ethtool `flow_type` for UDP over IPv6.
pub(crate) const UDP_V6_FLOW: u32 = 0x06;
/// ethtool `flow_type` for any IPv4 packet.
pub(crate) const IPV4_FLOW: u32 = 0x10;
/// ethtool `flow_type` for any IPv6 packet.
pub(crate) const IPV6_FLOW: u32 = 0x11;

/// ethtool hash field: IP source address.
pub(crate) const RXH_IP_SRC: u64 = 1 << 4;
/// ethtool hash field: IP destination address.
pub(crate) const RXH_IP_DST: u64 = 1 << 5;
/// ethtool hash field: L4 bytes 0-1 (source port).
pub(crate) const RXH_L4_B_0_1: u64 = 1 << 6;
/// ethtool hash field: L4 bytes 2-3 (destination port).
pub(crate) const RXH_L4_B_2_3: u64 = 1 << 7;

/// The 2-tuple hash fields.
const RXH_2TUPLE: u64 = RXH_IP_SRC | RXH_IP_DST;
/// The 4-tuple hash fields.
const RXH_4TUPLE: u64 = RXH_2TUPLE | RXH_L4_B_0_1 | RXH_L4_B_2_3;

/// MRQC: hash TCP over IPv4 on the 4-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV4_TCP: u32 = 1 << 16;
/// MRQC: hash IPv4 on the 2-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV4: u32 = 1 << 17;
/// MRQC: hash TCP over IPv6 on the 4-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV6_TCP: u32 = 1 << 18;
/// MRQC: hash IPv6 on the 2-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV6: u32 = 1 << 20;
/// MRQC: hash UDP over IPv4 on the 4-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV4_UDP: u32 = 1 << 22;
/// MRQC: hash UDP over IPv6 on the 4-tuple.
pub(crate) const MRQC_RSS_FIELD_IPV6_UDP: u32 = 1 << 23;

/// Which packet types the MAC hashes, and on what: the MRQC RSS field bits.
///
/// Only values the driver can program come out of [`HashFields::default`] and
/// [`HashFields::set`]: IPv4 and IPv6 are always on, TCP and UDP of either version take the
/// 4-tuple optionally.
/// Bit 19 (IPv6 with extension headers) is never used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct HashFields(u32);

impl Default for HashFields {
    /// The in-tree igb default: TCP on the 4-tuple, UDP and everything else on the addresses,
    /// because UDP 4-tuple hashing sends the fragments of one datagram to different queues.
    fn default() -> Self {
        Self(
            MRQC_RSS_FIELD_IPV4
                | MRQC_RSS_FIELD_IPV4_TCP
                | MRQC_RSS_FIELD_IPV6
                | MRQC_RSS_FIELD_IPV6_TCP,
        )
    }
}

/// What an ethtool flow type means to MRQC: the 2-tuple bit of its IP version, and the 4-tuple
/// bit of its transport.
struct FlowBits {
    /// The IP version's 2-tuple bit.
    ip: u32,
    /// The transport's 4-tuple bit; `None` for plain IP.
    l4: Option<u32>,
}

/// MRQC bits behind ethtool flow type `flow`, `None` for a flow type the driver does not hash.
const fn flow_bits(flow: u32) -> Option<FlowBits> {
    let (ip, l4) = match flow {
        TCP_V4_FLOW => (MRQC_RSS_FIELD_IPV4, Some(MRQC_RSS_FIELD_IPV4_TCP)),
        UDP_V4_FLOW => (MRQC_RSS_FIELD_IPV4, Some(MRQC_RSS_FIELD_IPV4_UDP)),
        IPV4_FLOW => (MRQC_RSS_FIELD_IPV4, None),
        TCP_V6_FLOW => (MRQC_RSS_FIELD_IPV6, Some(MRQC_RSS_FIELD_IPV6_TCP)),
        UDP_V6_FLOW => (MRQC_RSS_FIELD_IPV6, Some(MRQC_RSS_FIELD_IPV6_UDP)),
        IPV6_FLOW => (MRQC_RSS_FIELD_IPV6, None),
        _ => return None,
    };
    Some(FlowBits { ip, l4 })
}

impl HashFields {
    /// The RSS field bits to OR into MRQC (the queue-mode bits 2:0 are the caller's).
    pub(crate) const fn mrqc_bits(self) -> u32 {
        self.0
    }

    /// ethtool's `RXH_*` answer for `flow`, `None` for a flow type the driver does not hash.
    pub(crate) const fn get(self, flow: u32) -> Option<u64> {
        let Some(bits) = flow_bits(flow) else {
            return None;
        };
        if let Some(l4) = bits.l4 {
            if self.0 & l4 != 0 {
                return Some(RXH_4TUPLE);
            }
        }
        Some(if self.0 & bits.ip != 0 { RXH_2TUPLE } else { 0 })
    }

    /// The configuration after ethtool asks to hash `flow` on `rxh`, or `None` if the MAC
    /// cannot do that.
    ///
    /// Plain IP flows only hash on both addresses; TCP and UDP take either the 2-tuple or the
    /// 4-tuple (clearing a transport's MRQC bit makes the MAC hash those packets as plain IP,
    /// which the in-tree igb does not offer for TCP but the MAC does). Any other field (L2
    /// address, VLAN, protocol, discard, a single address) and any other flow type is refused.
    pub(crate) const fn set(self, flow: u32, rxh: u64) -> Option<HashFields> {
        let Some(bits) = flow_bits(flow) else {
            return None;
        };
        match bits.l4 {
            None if rxh == RXH_2TUPLE => Some(Self(self.0 | bits.ip)),
            Some(l4) if rxh == RXH_4TUPLE => Some(Self(self.0 | bits.ip | l4)),
            Some(l4) if rxh == RXH_2TUPLE => Some(Self((self.0 | bits.ip) & !l4)),
            _ => None,
        }
    }
}

/// A received packet as far as hash selection cares.
///
/// Fragments of a TCP or UDP datagram count as `Other*`: the MAC cannot see their ports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PacketKind {
    /// TCP over IPv4.
    Tcp4,
    /// UDP over IPv4.
    Udp4,
    /// Any other IPv4 packet, or an IPv4 fragment.
    Other4,
    /// TCP over IPv6.
    Tcp6,
    /// UDP over IPv6.
    Udp6,
    /// Any other IPv6 packet, or an IPv6 fragment.
    Other6,
}

/// Which hash the MAC computes for a packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum HashType {
    /// Addresses and ports.
    FourTuple,
    /// Addresses only.
    TwoTuple,
    /// No hash: the packet goes to queue 0.
    None,
}

/// The hash the MAC computes for a `kind` packet under `fields`.
///
/// Mirrors the MAC's (and QEMU's `igb_rss_get_hash_type`) order: the transport's 4-tuple bit
/// first, then the IP version's 2-tuple bit, else no hash.
pub(crate) const fn hash_type_for(kind: PacketKind, fields: HashFields) -> HashType {
    let (ip, l4) = match kind {
        PacketKind::Tcp4 => (MRQC_RSS_FIELD_IPV4, MRQC_RSS_FIELD_IPV4_TCP),
        PacketKind::Udp4 => (MRQC_RSS_FIELD_IPV4, MRQC_RSS_FIELD_IPV4_UDP),
        PacketKind::Other4 => (MRQC_RSS_FIELD_IPV4, 0),
        PacketKind::Tcp6 => (MRQC_RSS_FIELD_IPV6, MRQC_RSS_FIELD_IPV6_TCP),
        PacketKind::Udp6 => (MRQC_RSS_FIELD_IPV6, MRQC_RSS_FIELD_IPV6_UDP),
        PacketKind::Other6 => (MRQC_RSS_FIELD_IPV6, 0),
    };
    let bits = fields.mrqc_bits();
    if bits & l4 != 0 {
        HashType::FourTuple
    } else if bits & ip != 0 {
        HashType::TwoTuple
    } else {
        HashType::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// The verification key of Microsoft's "Verifying the RSS Hash Calculation".
    const MS_KEY: [u8; KEY_LEN] = [
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f,
        0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
        0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    ];

    /// (source, source port, destination, destination port, addresses-only hash, with ports),
    /// from Microsoft's published tables; DPDK's test_thash.c carries the same values.
    const MS_V4: [(Ipv4Addr, u16, Ipv4Addr, u16, u32, u32); 5] = [
        (
            Ipv4Addr::new(66, 9, 149, 187),
            2794,
            Ipv4Addr::new(161, 142, 100, 80),
            1766,
            0x323e8fc2,
            0x51ccc178,
        ),
        (
            Ipv4Addr::new(199, 92, 111, 2),
            14230,
            Ipv4Addr::new(65, 69, 140, 83),
            4739,
            0xd718262a,
            0xc626b0ea,
        ),
        (
            Ipv4Addr::new(24, 19, 198, 95),
            12898,
            Ipv4Addr::new(12, 22, 207, 184),
            38024,
            0xd2d0a5de,
            0x5c2b394a,
        ),
        (
            Ipv4Addr::new(38, 27, 205, 30),
            48228,
            Ipv4Addr::new(209, 142, 163, 6),
            2217,
            0x82989176,
            0xafc7327f,
        ),
        (
            Ipv4Addr::new(153, 39, 163, 191),
            44251,
            Ipv4Addr::new(202, 188, 127, 2),
            1303,
            0x5d1809c5,
            0x10e828a2,
        ),
    ];

    const MS_V6: [(Ipv6Addr, u16, Ipv6Addr, u16, u32, u32); 3] = [
        (
            Ipv6Addr::new(0x3ffe, 0x2501, 0x200, 0x1fff, 0, 0, 0, 7),
            2794,
            Ipv6Addr::new(0x3ffe, 0x2501, 0x200, 3, 0, 0, 0, 1),
            1766,
            0x2cc18cd5,
            0x40207d3d,
        ),
        (
            Ipv6Addr::new(0x3ffe, 0x501, 8, 0, 0x260, 0x97ff, 0xfe40, 0xefab),
            14230,
            Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1),
            4739,
            0x0f0c461c,
            0xdde51bbf,
        ),
        (
            Ipv6Addr::new(0x3ffe, 0x1900, 0x4545, 3, 0x200, 0xf8ff, 0xfe21, 0x67cf),
            44251,
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0x200, 0xf8ff, 0xfe21, 0x67cf),
            38024,
            0x4b61e985,
            0x02d1feef,
        ),
    ];

    #[test]
    fn toeplitz_ipv4_vectors() {
        for (src, sport, dst, dport, two, four) in MS_V4 {
            let (s, d) = (src.octets(), dst.octets());
            assert_eq!(toeplitz(&MS_KEY, ipv4_input(s, d, None).as_bytes()), two);
            let input = ipv4_input(s, d, Some((sport, dport)));
            assert_eq!(toeplitz(&MS_KEY, input.as_bytes()), four);
        }
    }

    #[test]
    fn toeplitz_ipv6_vectors() {
        for (src, sport, dst, dport, two, four) in MS_V6 {
            let (s, d) = (src.octets(), dst.octets());
            assert_eq!(toeplitz(&MS_KEY, ipv6_input(s, d, None).as_bytes()), two);
            let input = ipv6_input(s, d, Some((sport, dport)));
            assert_eq!(toeplitz(&MS_KEY, input.as_bytes()), four);
        }
    }

    #[test]
    fn toeplitz_edges() {
        assert_eq!(toeplitz(&MS_KEY, &[]), 0);
        // One set leading bit selects exactly the key's first 32 bits.
        assert_eq!(toeplitz(&MS_KEY, &[0x80]), 0x6d5a56da);
        // The last input bit the key covers (bit 287) selects key bits 287..=318: the low bit
        // of byte 35 (0x3b), bytes 36..=38, and the top 7 bits of byte 39.
        let mut last = [0u8; MAX_INPUT_LEN];
        if let Some(b) = last.last_mut() {
            *b = 0x01;
        }
        let tail = (0x3b_beac_01fa_u64 >> 1) as u32;
        assert_eq!(toeplitz(&MS_KEY, &last), tail);
        // Input beyond what the key covers does not change the hash.
        let mut long = [0xffu8; MAX_INPUT_LEN + 4];
        let short = toeplitz(&MS_KEY, long.get(..MAX_INPUT_LEN).unwrap_or(&[]));
        assert_eq!(toeplitz(&MS_KEY, &long), short);
        long.fill(0);
        assert_eq!(toeplitz(&MS_KEY, &long), 0);
    }

    #[test]
    fn input_layout() {
        let input = ipv4_input([1, 2, 3, 4], [5, 6, 7, 8], Some((0x1234, 0xabcd)));
        assert_eq!(
            input.as_bytes(),
            &[1, 2, 3, 4, 5, 6, 7, 8, 0x12, 0x34, 0xab, 0xcd]
        );
        assert_eq!(ipv4_input([1; 4], [2; 4], None).as_bytes().len(), 8);
        assert_eq!(ipv6_input([1; 16], [2; 16], None).as_bytes().len(), 32);
        let v6 = ipv6_input([1; 16], [2; 16], Some((3, 4)));
        assert_eq!(v6.as_bytes().len(), MAX_INPUT_LEN);
        assert_eq!(v6.as_bytes().get(32..), Some(&[0, 3, 0, 4][..]));
    }

    #[test]
    fn default_reta_round_robin() {
        for queues in 1..=16u32 {
            let table = default_reta(queues);
            for (i, &e) in (0u32..).zip(table.iter()) {
                assert_eq!(u32::from(e), i % queues);
            }
            assert_eq!(reta_max_queue(&table), Some((queues - 1) as u8));
        }
        assert_eq!(default_reta(0), [0; RETA_LEN]);
        assert_eq!(default_reta(1), [0; RETA_LEN]);
        // More queues than entries: the identity.
        assert_eq!(reta_max_queue(&default_reta(1000)), Some(127));
    }

    #[test]
    fn reta_max_queue_of_custom_tables() {
        assert_eq!(reta_max_queue(&[]), None);
        assert_eq!(reta_max_queue(&[0, 3, 1]), Some(3));
        let mut table = [0u8; RETA_LEN];
        if let Some(e) = table.get_mut(77) {
            *e = 9;
        }
        assert_eq!(reta_max_queue(&table), Some(9));
    }

    #[test]
    fn reta_registers() {
        let table = default_reta(4);
        for reg in 0..RETA_REGS {
            assert_eq!(reta_register(&table, reg), Some(0x0302_0100));
        }
        assert_eq!(reta_register(&table, RETA_REGS), None);

        let mut ramp = [0u8; RETA_LEN];
        for (i, e) in (0u8..).zip(ramp.iter_mut()) {
            *e = i;
        }
        assert_eq!(reta_register(&ramp, 0), Some(0x0302_0100));
        assert_eq!(reta_register(&ramp, 1), Some(0x0706_0504));
        assert_eq!(reta_register(&ramp, 31), Some(0x7f7e_7d7c));
        assert_eq!(reta_register(&ramp, usize::MAX), None);
    }

    #[test]
    fn reta_queue_uses_low_hash_bits_and_low_entry_bits() {
        let mut ramp = [0u8; RETA_LEN];
        for (i, e) in (0u8..).zip(ramp.iter_mut()) {
            *e = i;
        }
        assert_eq!(reta_queue(&ramp, 0x05), 5);
        assert_eq!(reta_queue(&ramp, 0xffff_ff85), 5);
        // Entry 0x7f: only its low 4 bits name a queue.
        assert_eq!(reta_queue(&ramp, 0x7f), 0x0f);
        // The first Microsoft vector: 0x51ccc178 & 0x7f = 120 = 0 mod 4.
        assert_eq!(reta_queue(&default_reta(4), 0x51ccc178), 0);
        assert_eq!(reta_queue(&default_reta(3), 0x51ccc178), 0);
        assert_eq!(reta_queue(&default_reta(7), 0x51ccc178), 1);
    }

    #[test]
    fn key_registers() {
        assert_eq!(key_register(&MS_KEY, 0), Some(0xda56_5a6d));
        assert_eq!(key_register(&MS_KEY, 1), Some(0xc20e_5b25));
        assert_eq!(key_register(&MS_KEY, 9), Some(0xfa01_acbe));
        assert_eq!(key_register(&MS_KEY, KEY_REGS), None);
        // The registers are the key's little-endian image, byte for byte.
        let mut image = [0u8; KEY_LEN];
        for (reg, chunk) in image.chunks_exact_mut(4).enumerate() {
            let value = key_register(&MS_KEY, reg).unwrap_or(0);
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        assert_eq!(image, MS_KEY);
    }

    const ALL_FLOWS: [u32; 6] = [
        TCP_V4_FLOW,
        UDP_V4_FLOW,
        IPV4_FLOW,
        TCP_V6_FLOW,
        UDP_V6_FLOW,
        IPV6_FLOW,
    ];

    #[test]
    fn default_fields() {
        let f = HashFields::default();
        assert_eq!(f.mrqc_bits(), 0x0017_0000);
        assert_eq!(f.get(TCP_V4_FLOW), Some(RXH_4TUPLE));
        assert_eq!(f.get(TCP_V6_FLOW), Some(RXH_4TUPLE));
        assert_eq!(f.get(UDP_V4_FLOW), Some(RXH_2TUPLE));
        assert_eq!(f.get(UDP_V6_FLOW), Some(RXH_2TUPLE));
        assert_eq!(f.get(IPV4_FLOW), Some(RXH_2TUPLE));
        assert_eq!(f.get(IPV6_FLOW), Some(RXH_2TUPLE));
    }

    #[test]
    fn get_refuses_unknown_flows() {
        let f = HashFields::default();
        // SCTP_V4_FLOW, AH_ESP_V4_FLOW, ETHER_FLOW, and TCP_V4_FLOW with FLOW_EXT.
        for flow in [0, 0x03, 0x04, 0x12, 0x8000_0001, u32::MAX] {
            assert_eq!(f.get(flow), None, "flow {flow:#x}");
        }
    }

    #[test]
    fn udp_toggles_between_two_and_four_tuple() {
        let d = HashFields::default();
        let udp4 = d.set(UDP_V4_FLOW, RXH_4TUPLE).unwrap_or(d);
        assert_eq!(udp4.mrqc_bits(), d.mrqc_bits() | MRQC_RSS_FIELD_IPV4_UDP);
        assert_eq!(udp4.get(UDP_V4_FLOW), Some(RXH_4TUPLE));
        assert_eq!(udp4.get(UDP_V6_FLOW), Some(RXH_2TUPLE));
        let both = udp4.set(UDP_V6_FLOW, RXH_4TUPLE).unwrap_or(d);
        assert_eq!(both.mrqc_bits(), 0x00d7_0000);
        assert_eq!(
            both.set(UDP_V4_FLOW, RXH_2TUPLE),
            d.set(UDP_V6_FLOW, RXH_4TUPLE)
        );
        assert_eq!(
            both.set(UDP_V4_FLOW, RXH_2TUPLE)
                .and_then(|f| f.set(UDP_V6_FLOW, RXH_2TUPLE)),
            Some(d)
        );
    }

    #[test]
    fn accepted_settings_are_what_get_reports() {
        for flow in ALL_FLOWS {
            for rxh in [RXH_2TUPLE, RXH_4TUPLE] {
                if let Some(f) = HashFields::default().set(flow, rxh) {
                    assert_eq!(f.get(flow), Some(rxh), "flow {flow:#x}");
                }
            }
        }
    }

    /// Every combination of the four supported fields plus each unsupported one, per flow.
    #[test]
    fn set_refuses_everything_else() {
        let d = HashFields::default();
        let extra = [
            1 << 1,  // RXH_L2DA
            1 << 2,  // RXH_VLAN
            1 << 3,  // RXH_L3_PROTO
            1 << 8,  // RXH_GTP_TEID
            1 << 9,  // RXH_IP6_FL
            1 << 31, // RXH_DISCARD
        ];
        for flow in ALL_FLOWS {
            let transport = [TCP_V4_FLOW, TCP_V6_FLOW, UDP_V4_FLOW, UDP_V6_FLOW].contains(&flow);
            for combo in 0..16u64 {
                let rxh = combo << 4;
                let allowed = if transport {
                    rxh == RXH_2TUPLE || rxh == RXH_4TUPLE
                } else {
                    rxh == RXH_2TUPLE
                };
                assert_eq!(d.set(flow, rxh).is_some(), allowed, "{flow:#x} {rxh:#x}");
                for bit in extra {
                    assert_eq!(d.set(flow, rxh | bit), None, "{flow:#x} {rxh:#x} {bit:#x}");
                }
            }
        }
        for flow in [0x03, 0x12, 0x8000_0001] {
            assert_eq!(d.set(flow, RXH_2TUPLE), None);
            assert_eq!(d.set(flow, RXH_4TUPLE), None);
        }
    }

    #[test]
    fn hash_type_default() {
        let d = HashFields::default();
        assert_eq!(hash_type_for(PacketKind::Tcp4, d), HashType::FourTuple);
        assert_eq!(hash_type_for(PacketKind::Udp4, d), HashType::TwoTuple);
        assert_eq!(hash_type_for(PacketKind::Other4, d), HashType::TwoTuple);
        assert_eq!(hash_type_for(PacketKind::Tcp6, d), HashType::FourTuple);
        assert_eq!(hash_type_for(PacketKind::Udp6, d), HashType::TwoTuple);
        assert_eq!(hash_type_for(PacketKind::Other6, d), HashType::TwoTuple);
    }

    #[test]
    fn hash_type_with_udp_four_tuple() {
        let d = HashFields::default();
        let f = d.set(UDP_V4_FLOW, RXH_4TUPLE).unwrap_or(d);
        assert_eq!(hash_type_for(PacketKind::Udp4, f), HashType::FourTuple);
        assert_eq!(hash_type_for(PacketKind::Udp6, f), HashType::TwoTuple);
        assert_eq!(hash_type_for(PacketKind::Other4, f), HashType::TwoTuple);
        let f = f.set(UDP_V6_FLOW, RXH_4TUPLE).unwrap_or(d);
        assert_eq!(hash_type_for(PacketKind::Udp6, f), HashType::FourTuple);
    }

    #[test]
    fn hash_type_follows_raw_bits() {
        // Values the driver never programs, to pin down the MAC's order of choice.
        let none = HashFields(0);
        assert_eq!(hash_type_for(PacketKind::Tcp4, none), HashType::None);
        assert_eq!(hash_type_for(PacketKind::Other6, none), HashType::None);
        assert_eq!(none.get(IPV4_FLOW), Some(0));
        let tcp_only = HashFields(MRQC_RSS_FIELD_IPV4_TCP);
        assert_eq!(
            hash_type_for(PacketKind::Tcp4, tcp_only),
            HashType::FourTuple
        );
        assert_eq!(hash_type_for(PacketKind::Udp4, tcp_only), HashType::None);
        assert_eq!(hash_type_for(PacketKind::Tcp6, tcp_only), HashType::None);
        let v6 = HashFields(MRQC_RSS_FIELD_IPV6);
        assert_eq!(hash_type_for(PacketKind::Tcp6, v6), HashType::TwoTuple);
        assert_eq!(hash_type_for(PacketKind::Tcp4, v6), HashType::None);
    }
}
