// SPDX-License-Identifier: GPL-2.0

//! Large receive offload in software: which received TCP segments may be merged into one
//! packet, and the headers of the merged packet.
//!
//! None of the emulated MACs coalesce (no RSC), so the receive path does it: consecutive
//! in-order segments of one flow within a poll become one skb whose headers read as if the
//! sender had sent one large segment, the way a hardware LRO/RSC engine presents it. Only plain
//! data segments merge: TCP flags ACK or ACK|PSH, no options but the timestamp option in its
//! usual NOP,NOP,TS layout, IPv4 without options or fragmentation, IPv6 without extension
//! headers, checksums verified by the MAC. A segment with PSH merges and closes the packet.

use super::wire::{be16, be32, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP};

/// Ethernet header length (frames with an in-band VLAN tag are not merged).
const ETH_HLEN: usize = 14;
const IPV4_HLEN: usize = 20;
const IPV6_HLEN: usize = 40;
const TCP_HLEN: usize = 20;
/// TCP header with the timestamp option padded to 32 bits.
const TCP_HLEN_TS: usize = 32;
const TCP_ACK: u8 = 0x10;
const TCP_PSH: u8 = 0x08;
const TCP_CWR: u8 = 0x80;
/// NOP, NOP, kind 8 (timestamps), length 10.
const TS_OPTION: [u8; 4] = [1, 1, 8, 10];
/// Largest merged IP packet: the IPv4 total length field.
pub(crate) const MAX_IP_LEN: u32 = 65535;

/// The connection a segment belongs to, as its addresses and ports (IPv4 addresses take the
/// first 8 bytes of `addrs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Flow {
    ipv6: bool,
    addrs: [u8; 32],
    ports: [u8; 4],
    /// IPv4 TOS, TTL and DF, or the IPv6 traffic class, flow label and hop limit: a change
    /// ends merging.
    class: u64,
}

/// A received frame that may be merged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Segment {
    /// Its connection.
    pub(crate) flow: Flow,
    /// Sequence number of its first payload byte.
    pub(crate) seq: u32,
    ack: [u8; 4],
    window: [u8; 2],
    psh: bool,
    cwr: bool,
    /// Timestamp option values (TSval, TSecr), as on the wire.
    ts: Option<[u8; 8]>,
    /// Bytes of Ethernet, IP and TCP headers.
    pub(crate) hdr_len: u16,
    /// TCP payload bytes.
    pub(crate) payload_len: u16,
}

fn array<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at + N)?.try_into().ok()
}

/// Parses the headers of an Ethernet frame; `None` unless it is a TCP data segment that may
/// merge.
pub(crate) fn parse(frame: &[u8]) -> Option<Segment> {
    let mut addrs = [0u8; 32];
    let (ipv6, l4, ip_payload, class) = match be16(frame, 12)? {
        ETH_P_IP => {
            let ip = ETH_HLEN;
            // Version 4, no options; not a fragment (MF clear, offset 0); TCP.
            if *frame.get(ip)? != 0x45 || be16(frame, ip + 6)? & 0x3fff != 0 {
                return None;
            }
            if *frame.get(ip + 9)? != IPPROTO_TCP {
                return None;
            }
            let total = usize::from(be16(frame, ip + 2)?);
            addrs
                .get_mut(..8)?
                .copy_from_slice(frame.get(ip + 12..ip + 20)?);
            let tos = u64::from(*frame.get(ip + 1)?);
            let ttl = u64::from(*frame.get(ip + 8)?);
            let df = u64::from(be16(frame, ip + 6)? & 0x4000);
            let class = tos | (ttl << 8) | (df << 16);
            (false, ip + IPV4_HLEN, total.checked_sub(IPV4_HLEN)?, class)
        }
        ETH_P_IPV6 => {
            let ip = ETH_HLEN;
            if *frame.get(ip)? >> 4 != 6 || *frame.get(ip + 6)? != IPPROTO_TCP {
                return None;
            }
            addrs.copy_from_slice(frame.get(ip + 8..ip + 40)?);
            let class = u64::from(be32(frame, ip)?) | (u64::from(*frame.get(ip + 7)?) << 32);
            (
                true,
                ip + IPV6_HLEN,
                usize::from(be16(frame, ip + 4)?),
                class,
            )
        }
        _ => return None,
    };
    // The IP length must fit the frame (which may carry Ethernet padding beyond it).
    if l4 + ip_payload > frame.len() {
        return None;
    }
    let doff_byte = *frame.get(l4 + 12)?;
    // Reserved bits and AE (accurate ECN) clear: a segment carrying them must not lose them.
    if doff_byte & 0x0f != 0 {
        return None;
    }
    let doff = usize::from(doff_byte >> 4) * 4;
    let flags = *frame.get(l4 + 13)?;
    // CWR may start a packet (it stays in the head's flags) but never joins one.
    if flags & !(TCP_PSH | TCP_CWR) != TCP_ACK {
        return None;
    }
    let ts = match doff {
        TCP_HLEN => None,
        TCP_HLEN_TS if array::<4>(frame, l4 + TCP_HLEN)? == TS_OPTION => {
            Some(array::<8>(frame, l4 + TCP_HLEN + 4)?)
        }
        _ => return None,
    };
    let payload_len = ip_payload.checked_sub(doff)?;
    if payload_len == 0 {
        return None;
    }
    Some(Segment {
        flow: Flow {
            ipv6,
            addrs,
            ports: array::<4>(frame, l4)?,
            class,
        },
        seq: be32(frame, l4 + 4)?,
        ack: array::<4>(frame, l4 + 8)?,
        window: array::<2>(frame, l4 + 14)?,
        psh: flags & TCP_PSH != 0,
        cwr: flags & TCP_CWR != 0,
        ts,
        hdr_len: u16::try_from(l4 + doff).ok()?,
        payload_len: u16::try_from(payload_len).ok()?,
    })
}

/// Segments merged so far into one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Merge {
    first: Segment,
    last: Segment,
    next_seq: u32,
    /// Segments in the packet.
    pub(crate) segs: u16,
    /// TCP payload bytes in the packet.
    pub(crate) payload: u32,
    psh: bool,
}

/// Why a segment was not merged into the packet being built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Refusal {
    /// Another connection.
    OtherFlow,
    /// Not the next sequence number (a retransmission, a loss, reordering).
    OutOfOrder,
    /// Different header layout or options.
    HeaderChange,
    /// The packet is full (IP length, or `max_segs`), or closed by PSH.
    Full,
}

impl Merge {
    /// Starts a packet with `seg`.
    pub(crate) const fn new(seg: Segment) -> Self {
        Self {
            first: seg,
            last: seg,
            next_seq: seg.seq.wrapping_add(seg.payload_len as u32),
            segs: 1,
            payload: seg.payload_len as u32,
            psh: seg.psh,
        }
    }

    /// Adds `seg` to the packet, at most `max_segs` segments in all, or says why not.
    pub(crate) fn add(&mut self, seg: &Segment, max_segs: u16) -> Result<(), Refusal> {
        if seg.flow != self.first.flow {
            return Err(Refusal::OtherFlow);
        }
        if self.psh || self.segs >= max_segs {
            return Err(Refusal::Full);
        }
        if seg.seq != self.next_seq {
            return Err(Refusal::OutOfOrder);
        }
        if seg.cwr
            || seg.hdr_len != self.first.hdr_len
            || seg.ts.is_some() != self.first.ts.is_some()
        {
            return Err(Refusal::HeaderChange);
        }
        // Every segment but the last carries exactly the first one's payload (the sender's
        // MSS), as GRO requires: a larger one means the packet's segment size is unknown.
        if seg.payload_len > self.first.payload_len
            || self.last.payload_len < self.first.payload_len
        {
            return Err(Refusal::Full);
        }
        let l3_hdr = u32::from(self.first.hdr_len) - ETH_HLEN as u32;
        if l3_hdr + self.payload + u32::from(seg.payload_len) > MAX_IP_LEN {
            return Err(Refusal::Full);
        }
        self.last = *seg;
        self.next_seq = seg.seq.wrapping_add(u32::from(seg.payload_len));
        self.segs += 1;
        self.payload += u32::from(seg.payload_len);
        self.psh |= seg.psh;
        Ok(())
    }

    /// The segment size the stack should assume (`gso_size`): the first segment's payload,
    /// which every merged segment but the last one matches.
    pub(crate) const fn gso_size(&self) -> u16 {
        self.first.payload_len
    }

    /// Bytes of Ethernet, IP and TCP headers at the start of the packet.
    pub(crate) const fn hdr_len(&self) -> u16 {
        self.first.hdr_len
    }

    /// Whether the packet is IPv6.
    pub(crate) const fn is_ipv6(&self) -> bool {
        self.first.flow.ipv6
    }

    /// Rewrites the first segment's headers (`head`, at least `hdr_len` bytes) into those of
    /// the merged packet: IP length (and IPv4 header checksum), and the acknowledgement,
    /// window, PSH and timestamps of the last segment. The TCP checksum is left as it is: the
    /// packet is handed over as verified, as each of its segments was.
    pub(crate) fn write_headers(&self, head: &mut [u8]) -> Option<()> {
        let l4 = usize::from(self.first.hdr_len) - tcp_hdr_len(&self.first);
        let tcp_len = u32::from(self.first.hdr_len) - l4 as u32 + self.payload;
        if self.first.flow.ipv6 {
            let len = u16::try_from(tcp_len).ok()?;
            head.get_mut(ETH_HLEN + 4..ETH_HLEN + 6)?
                .copy_from_slice(&len.to_be_bytes());
        } else {
            let ip = ETH_HLEN;
            let len = u16::try_from(tcp_len + IPV4_HLEN as u32).ok()?;
            head.get_mut(ip + 2..ip + 4)?
                .copy_from_slice(&len.to_be_bytes());
            head.get_mut(ip + 10..ip + 12)?.copy_from_slice(&[0, 0]);
            let sum = ipv4_header_checksum(head.get(ip..ip + IPV4_HLEN)?);
            head.get_mut(ip + 10..ip + 12)?
                .copy_from_slice(&sum.to_be_bytes());
        }
        head.get_mut(l4 + 8..l4 + 12)?
            .copy_from_slice(&self.last.ack);
        head.get_mut(l4 + 14..l4 + 16)?
            .copy_from_slice(&self.last.window);
        if self.psh {
            *head.get_mut(l4 + 13)? |= TCP_PSH;
        }
        if let Some(ts) = self.last.ts {
            head.get_mut(l4 + TCP_HLEN + 4..l4 + TCP_HLEN + 12)?
                .copy_from_slice(&ts);
        }
        Some(())
    }
}

const fn tcp_hdr_len(seg: &Segment) -> usize {
    if seg.ts.is_some() {
        TCP_HLEN_TS
    } else {
        TCP_HLEN
    }
}

/// The IPv4 header checksum of `hdr` (whose checksum field is zero).
fn ipv4_header_checksum(hdr: &[u8]) -> u16 {
    let mut sum: u32 = hdr
        .chunks(2)
        .map(|w| {
            u32::from(u16::from_be_bytes([
                *w.first().unwrap_or(&0),
                *w.get(1).unwrap_or(&0),
            ]))
        })
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A TCP/IPv4 frame (timestamps optional) with `payload` bytes.
    fn tcp4(seq: u32, ack: u32, flags: u8, ts: Option<(u32, u32)>, payload: usize) -> Vec<u8> {
        let doff = if ts.is_some() { 32 } else { 20 };
        let mut f = Vec::new();
        f.extend_from_slice(&[
            0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x52, 0x54, 0, 0x12, 0x34, 0x57,
        ]);
        f.extend_from_slice(&0x0800u16.to_be_bytes());
        let total = (20 + doff + payload) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1]);
        let sum = ipv4_header_checksum(&f[14..34]);
        f[24..26].copy_from_slice(&sum.to_be_bytes());
        f.extend_from_slice(&[0x13, 0x89, 0xc3, 0x50]);
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[(doff as u8 / 4) << 4, flags, 0x01, 0xf5, 0xab, 0xcd, 0, 0]);
        if let Some((v, e)) = ts {
            f.extend_from_slice(&TS_OPTION);
            f.extend_from_slice(&v.to_be_bytes());
            f.extend_from_slice(&e.to_be_bytes());
        }
        f.extend((0..payload).map(|i| i as u8));
        f
    }

    fn tcp6(seq: u32, payload: usize) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&[0; 12]);
        f.extend_from_slice(&0x86ddu16.to_be_bytes());
        f.extend_from_slice(&[0x60, 0, 0, 0]);
        f.extend_from_slice(&((20 + payload) as u16).to_be_bytes());
        f.extend_from_slice(&[6, 64]);
        f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[0x13, 0x89, 0xc3, 0x50]);
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 1, 0x50, TCP_ACK, 1, 0, 0, 0, 0, 0]);
        f.extend((0..payload).map(|i| i as u8));
        f
    }

    #[test]
    fn parses_data_segments_only() {
        let s = parse(&tcp4(1000, 5, TCP_ACK, Some((7, 8)), 1448)).expect("segment");
        assert_eq!(
            (s.seq, s.hdr_len, s.payload_len),
            (1000, 14 + 20 + 32, 1448)
        );
        assert!(parse(&tcp4(1, 5, TCP_ACK | TCP_PSH, None, 100)).is_some());
        // SYN, FIN, RST, URG, ECE, and pure ACKs do not merge.
        for flags in [0x02, 0x11, 0x04, 0x30, 0x50, 0xd0] {
            assert_eq!(
                parse(&tcp4(1, 5, flags, None, 100)),
                None,
                "flags {flags:#x}"
            );
        }
        assert_eq!(parse(&tcp4(1, 5, TCP_ACK, None, 0)), None);
        // A fragment, IP options, another option layout, truncated frames.
        let mut frag = tcp4(1, 5, TCP_ACK, None, 100);
        frag[20] = 0x20;
        assert_eq!(parse(&frag), None);
        let mut opts = tcp4(1, 5, TCP_ACK, None, 100);
        opts[14] = 0x46;
        assert_eq!(parse(&opts), None);
        let mut sack = tcp4(1, 5, TCP_ACK, Some((1, 2)), 100);
        sack[54] = 5;
        assert_eq!(parse(&sack), None);
        let f = tcp4(1, 5, TCP_ACK, Some((1, 2)), 100);
        for cut in [0, 13, 30, 50, 70, f.len() - 1] {
            assert_eq!(parse(&f[..cut]), None, "cut at {cut}");
        }
        let s6 = parse(&tcp6(9, 1000)).expect("ipv6 segment");
        assert_eq!((s6.hdr_len, s6.payload_len), (74, 1000));
    }

    #[test]
    fn merges_in_order_segments_of_one_flow() {
        let a = parse(&tcp4(1000, 5, TCP_ACK, Some((1, 2)), 1448)).unwrap();
        let b = parse(&tcp4(2448, 6, TCP_ACK, Some((3, 4)), 1448)).unwrap();
        let mut m = Merge::new(a);
        assert_eq!(m.add(&b, 17), Ok(()));
        assert_eq!((m.segs, m.payload, m.gso_size()), (2, 2896, 1448));
        // Out of order, a retransmission, another flow, another layout.
        let gap = parse(&tcp4(9999, 6, TCP_ACK, Some((3, 4)), 1448)).unwrap();
        assert_eq!(m.add(&gap, 17), Err(Refusal::OutOfOrder));
        assert_eq!(m.add(&b, 17), Err(Refusal::OutOfOrder));
        let mut other = tcp4(3896, 6, TCP_ACK, Some((3, 4)), 1448);
        other[34] = 0x99;
        assert_eq!(m.add(&parse(&other).unwrap(), 17), Err(Refusal::OtherFlow));
        let no_ts = parse(&tcp4(3896, 6, TCP_ACK, None, 1460)).unwrap();
        assert_eq!(m.add(&no_ts, 17), Err(Refusal::HeaderChange));
        let ipv6 = parse(&tcp6(3896, 1000)).unwrap();
        assert_eq!(m.add(&ipv6, 17), Err(Refusal::OtherFlow));
        let mut ttl = tcp4(3896, 6, TCP_ACK, Some((3, 4)), 1448);
        ttl[22] = 1;
        assert_eq!(m.add(&parse(&ttl).unwrap(), 17), Err(Refusal::OtherFlow));
        assert_eq!(m.segs, 2, "refusals change nothing");
    }

    #[test]
    fn segment_sizes_follow_gro_rules() {
        let seg = |seq, len| parse(&tcp4(seq, 5, TCP_ACK, None, len)).unwrap();
        // Smaller after larger merges and ends the packet; larger after smaller never merges.
        let mut m = Merge::new(seg(0, 1000));
        assert_eq!(m.add(&seg(1000, 500), 17), Ok(()));
        assert_eq!(m.add(&seg(1500, 500), 17), Err(Refusal::Full));
        assert_eq!(m.gso_size(), 1000);
        let mut m = Merge::new(seg(0, 500));
        assert_eq!(m.add(&seg(500, 1000), 17), Err(Refusal::Full));
        // CWR starts a packet but never joins one.
        let cwr = |seq| parse(&tcp4(seq, 5, TCP_ACK | TCP_CWR, None, 1000)).unwrap();
        let mut m = Merge::new(seg(0, 1000));
        assert_eq!(m.add(&cwr(1000), 17), Err(Refusal::HeaderChange));
        let mut m = Merge::new(cwr(1000));
        assert_eq!(m.add(&seg(2000, 1000), 17), Ok(()));
        // AE or reserved bits set: not a plain data segment.
        let mut ae = tcp4(0, 5, TCP_ACK, None, 100);
        ae[46] |= 0x01;
        assert_eq!(parse(&ae), None);
    }

    #[test]
    fn limits_close_the_packet() {
        let seg = |i: u32, flags| parse(&tcp4(1 + i * 1448, 5, flags, None, 1448)).unwrap();
        let mut m = Merge::new(seg(0, TCP_ACK));
        for i in 1..3 {
            assert_eq!(m.add(&seg(i, TCP_ACK), 3), Ok(()));
        }
        assert_eq!(m.add(&seg(3, TCP_ACK), 3), Err(Refusal::Full));
        let mut m = Merge::new(seg(0, TCP_ACK));
        assert_eq!(m.add(&seg(1, TCP_ACK | TCP_PSH), 17), Ok(()));
        assert_eq!(
            m.add(&seg(2, TCP_ACK), 17),
            Err(Refusal::Full),
            "PSH closes"
        );
        // The IPv4 length field bounds the packet.
        let big = |i: u32| parse(&tcp4(1 + i * 9000, 5, TCP_ACK, None, 9000)).unwrap();
        let mut m = Merge::new(big(0));
        let mut n = 1;
        while m.add(&big(n), 64).is_ok() {
            n += 1;
        }
        assert_eq!(n, 7);
        assert!(40 + m.payload <= MAX_IP_LEN);
    }

    #[test]
    fn merged_headers_read_as_one_segment() {
        let first = tcp4(1000, 5, TCP_ACK, Some((1, 2)), 1448);
        let mut m = Merge::new(parse(&first).unwrap());
        m.add(
            &parse(&tcp4(2448, 77, TCP_ACK | TCP_PSH, Some((3, 4)), 1000)).unwrap(),
            17,
        )
        .unwrap();
        let mut head = first[..66].to_vec();
        m.write_headers(&mut head).unwrap();
        assert_eq!(
            u16::from_be_bytes([head[16], head[17]]),
            20 + 32 + 2448,
            "IPv4 total length"
        );
        assert_eq!(
            ipv4_header_checksum(&head[14..34]),
            0,
            "header checksum verifies"
        );
        assert_eq!(
            u32::from_be_bytes(head[42..46].try_into().unwrap()),
            77,
            "last ACK"
        );
        assert_eq!(head[47] & TCP_PSH, TCP_PSH);
        assert_eq!(&head[58..66], &[0, 0, 0, 3, 0, 0, 0, 4], "last timestamps");
        assert_eq!(
            u32::from_be_bytes(head[38..42].try_into().unwrap()),
            1000,
            "first seq"
        );

        let f6 = tcp6(9, 1000);
        let mut m6 = Merge::new(parse(&f6).unwrap());
        m6.add(&parse(&tcp6(1009, 1000)).unwrap(), 17).unwrap();
        let mut h6 = f6[..74].to_vec();
        m6.write_headers(&mut h6).unwrap();
        assert_eq!(
            u16::from_be_bytes([h6[18], h6[19]]),
            2020,
            "IPv6 payload length"
        );
        assert!(m6.is_ipv6());
    }
}
