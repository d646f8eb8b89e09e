// SPDX-License-Identifier: GPL-2.0

//! Encoding and decoding of the MACs' 16-byte DMA descriptors, as two little-endian 64-bit
//! words (the ring layer does the byte order).
//!
//! - `Advanced` is the 82576 format (datasheet 7.1.5 receive, 7.2.2.3 transmit). QEMU's igb
//!   only implements advanced transmit descriptors.
//! - `Legacy` is the 82540EM format (8254x manual 3.2.3 receive, 3.3.3 transmit).

use super::offload::DataOffload;

/// Descriptor format of a MAC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// 82575/82576 advanced descriptors.
    Advanced,
    /// 8254x legacy descriptors.
    Legacy,
}

/// What the MAC's receive checksum check says about a frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RxCsum {
    /// Not checked (not TCP/UDP, offload off, or the MAC does not report it).
    Unknown,
    /// The TCP or UDP checksum (and the IPv4 header checksum, if any) verified good.
    Good,
    /// The MAC found a bad IPv4 header or TCP/UDP checksum.
    Bad,
}

/// The RSS hash the MAC computed for a frame, by what it covered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RxHash {
    /// No hash (RSS off, legacy format, or a frame type the MAC does not hash).
    None,
    /// Hash over the IP addresses.
    L3(u32),
    /// Hash over the IP addresses and TCP/UDP ports.
    L4(u32),
}

/// A completed receive descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RxDone {
    /// Bytes written to this descriptor's buffer.
    pub(crate) len: u16,
    /// Last descriptor of the frame.
    pub(crate) eop: bool,
    /// The MAC flagged a frame error (CRC, symbol, sequence, length).
    pub(crate) frame_error: bool,
    /// Checksum verdict (meaningful on the EOP descriptor).
    pub(crate) csum: RxCsum,
    /// RSS hash (meaningful on the first descriptor of the frame, which the MAC writes with
    /// the same value as every other).
    pub(crate) hash: RxHash,
    /// The 802.1Q tag control the MAC stripped from the frame (VLAN stripping on), meaningful
    /// on the EOP descriptor.
    pub(crate) vlan: Option<u16>,
    /// The MAC latched the frame's receive timestamp (advanced format, EOP descriptor).
    pub(crate) timestamped: bool,
    /// Header split (advanced format, first descriptor of a frame): bytes of the frame's
    /// headers the MAC wrote to the descriptor's header buffer, the rest of the frame being in
    /// the packet buffer; 0 when the frame was not split and is whole in the packet buffer.
    pub(crate) split_hdr_len: u16,
}

/// `hdr_info` of the advanced write-back (word 0 bits 31:16): the frame was split (SPH), and
/// the length of its headers in the header buffer (HDR_LEN, bits 30:21).
const ADV_RX_SPH: u64 = 1 << 31;
const ADV_RX_HDR_LEN_SHIFT: u32 = 21;
const ADV_RX_HDR_LEN_MASK: u64 = 0x3ff;

/// Header buffer overflow (extended error, word 1): the headers were longer than the header
/// buffer, so the frame is whole in the packet buffer although SPH and HDR_LEN are set.
const ADV_RX_HBO: u64 = 1 << 23;

/// The header length of a split frame (write-back words `word0`, `word1`), 0 when it was not
/// split.
const fn adv_rx_split_hdr_len(word0: u64, word1: u64) -> u16 {
    if word0 & ADV_RX_SPH != 0 && word1 & ADV_RX_HBO == 0 {
        ((word0 >> ADV_RX_HDR_LEN_SHIFT) & ADV_RX_HDR_LEN_MASK) as u16
    } else {
        0
    }
}

/// Decodes the RSS type (`pkt_info` bits 3:0 of the advanced write-back) and hash.
const fn adv_rx_hash(word0: u64) -> RxHash {
    let hash = (word0 >> 32) as u32;
    match word0 & 0xf {
        // TCPv4, TCPv6, UDPv4, UDPv6.
        1 | 3 | 7 | 8 => RxHash::L4(hash),
        // IPv4, IPv6 with extension headers, IPv6.
        2 | 4 | 5 => RxHash::L3(hash),
        _ => RxHash::None,
    }
}

// Advanced receive write-back, word 1 bits 31:0 (extended status 19:0, extended errors 31:20).
const ADV_RX_DD: u64 = 1 << 0;
const ADV_RX_EOP: u64 = 1 << 1;
const ADV_RX_VP: u64 = 1 << 3;
/// The frame's receive timestamp is in the timestamp registers.
const ADV_RX_TS: u64 = 1 << 16;
const ADV_RX_UDPCS: u64 = 1 << 4;
const ADV_RX_TCPCS: u64 = 1 << 5;
const ADV_RX_IPCS: u64 = 1 << 6;
/// Frame errors: CE, SE, SEQ, CXE, RXE (bits 24, 25, 26, 28, 31).
const ADV_RX_FRAME_ERRORS: u64 = 0x9700_0000;
const ADV_RX_L4E: u64 = 1 << 29;
const ADV_RX_IPE: u64 = 1 << 30;
// Legacy receive descriptor: status byte at bits 39:32, errors byte at bits 47:40.
const LEG_RX_DD: u64 = 1 << 32;
const LEG_RX_EOP: u64 = 1 << 33;
const LEG_RX_VP: u64 = 1 << 35;
const LEG_RX_IXSM: u64 = 1 << 34;
const LEG_RX_TCPCS: u64 = 1 << 37;
const LEG_RX_IPCS: u64 = 1 << 38;
/// Errors byte: CE, SE, SEQ, CXE, RXE; checksum errors (TCPE, IPE) are reported separately.
const LEG_RX_FRAME_ERRORS: u64 = 0b1001_0111 << 40;
const LEG_RX_TCPE: u64 = 1 << 45;
const LEG_RX_IPE: u64 = 1 << 46;

/// The stripped VLAN tag in bits 63:48 of word 1 (both formats), when the VP status bit `vp`
/// says there was one.
const fn rx_vlan(w: u64, vp: u64) -> Option<u16> {
    if w & vp != 0 {
        Some((w >> 48) as u16)
    } else {
        None
    }
}

/// Checksum verdict from the "checked" bits and the "error" bits of either format.
const fn csum_verdict(l4_checked: bool, ip_checked: bool, l4_err: bool, ip_err: bool) -> RxCsum {
    if (ip_checked && ip_err) || (l4_checked && l4_err) {
        RxCsum::Bad
    } else if l4_checked {
        RxCsum::Good
    } else {
        RxCsum::Unknown
    }
}

/// Transmit descriptor-done: bit 0 of the status field, at bit 32 of the second word in both
/// formats.
const TX_DD: u64 = 1 << 32;

// Advanced transmit data descriptor command bits (cmd_type_len).
const ADV_TX_DTYP_DATA: u64 = 0x3 << 20;
const ADV_TX_EOP: u64 = 1 << 24;
const ADV_TX_IFCS: u64 = 1 << 25;
const ADV_TX_RS: u64 = 1 << 27;
/// Latch the packet's transmit timestamp (MAC_TSTAMP).
const ADV_TX_TSTAMP: u64 = 1 << 19;
const ADV_TX_DEXT: u64 = 1 << 29;
const ADV_TX_TSE: u64 = 1 << 31;
/// Insert the VLAN tag of the packet's context descriptor (advanced), or of the descriptor's
/// own special field (legacy): both formats use bit 30.
const TX_VLE: u64 = 1 << 30;
const ADV_TX_PAYLEN_SHIFT: u32 = 46; // olinfo_status bits 31:14, in the upper half of word 1

// POPTS of both formats: insert the IPv4 header checksum, insert the TCP/UDP checksum.
const TX_POPTS_IXSM: u64 = 1 << 40;
const TX_POPTS_TXSM: u64 = 1 << 41;

// Legacy transmit command byte (bits 31:24 of word 1).
const LEG_TX_EOP: u64 = 1 << 24;
const LEG_TX_IFCS: u64 = 1 << 25;
const LEG_TX_RS: u64 = 1 << 27;
const LEG_TX_TSE: u64 = 1 << 26;
const LEG_TX_DEXT: u64 = 1 << 29;
const LEG_TX_DTYP_DATA: u64 = 1 << 20;

/// A receive descriptor handing buffer `addr` to the device (status cleared).
pub(crate) const fn rx_ready(fmt: Format, addr: u64) -> [u64; 2] {
    rx_ready_split(fmt, addr, 0)
}

/// A receive descriptor handing packet buffer `addr` and, on a header-split ring (advanced
/// format), header buffer `hdr_addr` to the device. `hdr_addr` must be even: its bit 0 is
/// where the device writes DD.
pub(crate) const fn rx_ready_split(fmt: Format, addr: u64, hdr_addr: u64) -> [u64; 2] {
    match fmt {
        // Word 1 is the header buffer address, and status once written back.
        Format::Advanced => [addr, hdr_addr & !ADV_RX_DD],
        // Word 1 is status only.
        Format::Legacy => [addr, 0],
    }
}

/// Decodes a receive descriptor; `None` while the device has not written it back.
#[inline]
pub(crate) const fn rx_done(fmt: Format, d: [u64; 2]) -> Option<RxDone> {
    match fmt {
        Format::Advanced => {
            if d[1] & ADV_RX_DD == 0 {
                return None;
            }
            let w = d[1];
            Some(RxDone {
                len: (w >> 32) as u16,
                eop: w & ADV_RX_EOP != 0,
                frame_error: w & ADV_RX_FRAME_ERRORS != 0,
                csum: csum_verdict(
                    w & (ADV_RX_TCPCS | ADV_RX_UDPCS) != 0,
                    w & ADV_RX_IPCS != 0,
                    w & ADV_RX_L4E != 0,
                    w & ADV_RX_IPE != 0,
                ),
                hash: adv_rx_hash(d[0]),
                vlan: rx_vlan(w, ADV_RX_VP),
                timestamped: w & ADV_RX_TS != 0,
                split_hdr_len: adv_rx_split_hdr_len(d[0], w),
            })
        }
        Format::Legacy => {
            if d[1] & LEG_RX_DD == 0 {
                return None;
            }
            let w = d[1];
            let csum = if w & LEG_RX_IXSM != 0 {
                RxCsum::Unknown
            } else {
                csum_verdict(
                    w & LEG_RX_TCPCS != 0,
                    w & LEG_RX_IPCS != 0,
                    w & LEG_RX_TCPE != 0,
                    w & LEG_RX_IPE != 0,
                )
            };
            Some(RxDone {
                len: w as u16,
                eop: w & LEG_RX_EOP != 0,
                frame_error: w & LEG_RX_FRAME_ERRORS != 0,
                csum,
                hash: RxHash::None,
                vlan: rx_vlan(w, LEG_RX_VP),
                timestamped: false,
                split_hdr_len: 0,
            })
        }
    }
}

/// One buffer of a packet to transmit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TxBuf {
    /// Bus address.
    pub(crate) addr: u64,
    /// Length in bytes (at most 65535).
    pub(crate) len: u16,
    /// Last buffer of the packet: the device reports completion on it.
    pub(crate) eop: bool,
    /// The advanced format's PAYLEN: the whole packet, or the bytes after its headers when the
    /// MAC segments it.
    pub(crate) packet_len: u32,
    /// Offloads the packet's context descriptor set up.
    pub(crate) offload: DataOffload,
    /// Latch the packet's transmit timestamp (advanced format only).
    pub(crate) timestamp: bool,
}

/// Option bits (POPTS) of both formats' data descriptors, at bits 15:8 of their upper half.
const fn tx_popts(o: DataOffload) -> u64 {
    let mut popts = 0;
    if o.ip_csum {
        popts |= TX_POPTS_IXSM;
    }
    if o.l4_csum {
        popts |= TX_POPTS_TXSM;
    }
    popts
}

/// A transmit data descriptor for `b`, with FCS insertion and, on the last buffer, a status
/// report request.
pub(crate) const fn tx_data(fmt: Format, b: TxBuf) -> [u64; 2] {
    match fmt {
        Format::Advanced => {
            let mut w1 = ADV_TX_DTYP_DATA | ADV_TX_DEXT | ADV_TX_IFCS | b.len as u64;
            if b.eop {
                w1 |= ADV_TX_EOP | ADV_TX_RS;
            }
            if b.offload.segment {
                w1 |= ADV_TX_TSE;
            }
            if b.offload.vlan.is_some() {
                w1 |= TX_VLE;
            }
            if b.timestamp {
                w1 |= ADV_TX_TSTAMP;
            }
            w1 |= tx_popts(b.offload);
            w1 |= ((b.packet_len as u64) & 0x3_FFFF) << ADV_TX_PAYLEN_SHIFT;
            [b.addr, w1]
        }
        Format::Legacy => {
            let mut w1 = LEG_TX_IFCS | b.len as u64;
            if b.eop {
                w1 |= LEG_TX_EOP | LEG_TX_RS;
            }
            // Offloads need the extended (TCP/IP data) layout, which the context set up.
            if b.offload.l4_csum || b.offload.segment {
                w1 |= LEG_TX_DEXT | LEG_TX_DTYP_DATA | tx_popts(b.offload);
                if b.offload.segment {
                    w1 |= LEG_TX_TSE;
                }
            }
            if let Some(tag) = b.offload.vlan {
                w1 |= TX_VLE | ((tag as u64) << 48);
            }
            [b.addr, w1]
        }
    }
}

/// Whether the device has completed a transmit descriptor (written on EOP descriptors).
pub(crate) const fn tx_done(_fmt: Format, d: [u64; 2]) -> bool {
    d[1] & TX_DD != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rx_ready_clears_status() {
        for fmt in [Format::Advanced, Format::Legacy] {
            let d = rx_ready(fmt, 0x1234_5000);
            assert_eq!(d, [0x1234_5000, 0]);
            assert_eq!(rx_done(fmt, d), None);
        }
    }

    #[test]
    fn advanced_rx_writeback() {
        // 60-byte frame, DD + EOP; word 0: RSS type 1 (TCPv4), hash 0xdeadbeef.
        let d = [0xdead_beef_0000_0011, (60u64 << 32) | 0b11];
        assert_eq!(
            rx_done(Format::Advanced, d),
            Some(RxDone {
                len: 60,
                eop: true,
                frame_error: false,
                csum: RxCsum::Unknown,
                hash: RxHash::L4(0xdead_beef),
                vlan: None,
                timestamped: false,
                split_hdr_len: 0,
            })
        );
        let chained = [0, (2048u64 << 32) | 0b01];
        assert_eq!(
            rx_done(Format::Advanced, chained),
            Some(RxDone {
                len: 2048,
                eop: false,
                frame_error: false,
                csum: RxCsum::Unknown,
                hash: RxHash::None,
                vlan: None,
                timestamped: false,
                split_hdr_len: 0,
            })
        );
        let bad = [0, (64u64 << 32) | 0b11 | (1 << 31)];
        assert!(rx_done(Format::Advanced, bad).is_some_and(|r| r.frame_error));
    }

    #[test]
    fn split_rx_descriptors() {
        let d = rx_ready_split(Format::Advanced, 0x1234_5000, 0x8000_0100);
        assert_eq!(d, [0x1234_5000, 0x8000_0100]);
        assert_eq!(rx_done(Format::Advanced, d), None);
        // The device writes DD into bit 0: an odd header address would read as written back.
        assert_eq!(rx_ready_split(Format::Advanced, 0, 0x101)[1], 0x100);
        assert_eq!(rx_ready_split(Format::Legacy, 0x5000, 0x100), [0x5000, 0]);
        // Split TCP/IPv4 frame: 54 header bytes (HDR_LEN at 30:21, SPH at 31), 1448 payload
        // bytes in the packet buffer.
        let split = [(1u64 << 31) | (54 << 21) | 1, (1448u64 << 32) | 0b11];
        let r = rx_done(Format::Advanced, split);
        assert_eq!(r.map(|r| (r.split_hdr_len, r.len)), Some((54, 1448)));
        // HDR_LEN without SPH (a frame the MAC did not split): whole in the packet buffer.
        let whole = [(256u64 << 21) | 1, (60u64 << 32) | 0b11];
        assert_eq!(
            rx_done(Format::Advanced, whole).map(|r| r.split_hdr_len),
            Some(0)
        );
        // Headers longer than the header buffer (HBO): SPH and HDR_LEN set, yet whole in the
        // packet buffer.
        let overflow = [
            (1u64 << 31) | (326 << 21) | 1,
            (400u64 << 32) | (1 << 23) | 0b11,
        ];
        let r = rx_done(Format::Advanced, overflow);
        assert_eq!(
            r.map(|r| (r.split_hdr_len, r.frame_error)),
            Some((0, false))
        );
    }

    #[test]
    fn advanced_rx_hash_types() {
        let done = [(100u64 << 32) | 0b11];
        let hash_of = |rss_type: u64| {
            rx_done(
                Format::Advanced,
                [(0x1234_5678u64 << 32) | rss_type, done[0]],
            )
            .map(|r| r.hash)
        };
        for l4 in [1, 3, 7, 8] {
            assert_eq!(hash_of(l4), Some(RxHash::L4(0x1234_5678)));
        }
        for l3 in [2, 4, 5] {
            assert_eq!(hash_of(l3), Some(RxHash::L3(0x1234_5678)));
        }
        for none in [0, 6, 9, 0xf] {
            assert_eq!(hash_of(none), Some(RxHash::None));
        }
    }

    #[test]
    fn legacy_rx_writeback() {
        let d = [0x1000, (0b11u64 << 32) | 1514];
        assert_eq!(
            rx_done(Format::Legacy, d),
            Some(RxDone {
                len: 1514,
                eop: true,
                frame_error: false,
                csum: RxCsum::Unknown,
                hash: RxHash::None,
                vlan: None,
                timestamped: false,
                split_hdr_len: 0,
            })
        );
        // A TCP checksum error alone is not a frame error.
        let csum = [0x1000, (0b11u64 << 32) | (0x20u64 << 40) | 100];
        assert!(rx_done(Format::Legacy, csum).is_some_and(|r| !r.frame_error));
        let crc = [0x1000, (0b11u64 << 32) | (0x01u64 << 40) | 100];
        assert!(rx_done(Format::Legacy, crc).is_some_and(|r| r.frame_error));
    }

    #[test]
    fn advanced_rx_checksum() {
        let base = (100u64 << 32) | 0b11;
        let tcp_good = [0, base | ADV_RX_IPCS | ADV_RX_TCPCS];
        assert_eq!(
            rx_done(Format::Advanced, tcp_good).map(|r| r.csum),
            Some(RxCsum::Good)
        );
        let udp6_good = [0, base | ADV_RX_UDPCS];
        assert_eq!(
            rx_done(Format::Advanced, udp6_good).map(|r| r.csum),
            Some(RxCsum::Good)
        );
        let tcp_bad = [0, base | ADV_RX_IPCS | ADV_RX_TCPCS | ADV_RX_L4E];
        assert_eq!(
            rx_done(Format::Advanced, tcp_bad).map(|r| r.csum),
            Some(RxCsum::Bad)
        );
        let ip_bad = [0, base | ADV_RX_IPCS | ADV_RX_IPE];
        assert_eq!(
            rx_done(Format::Advanced, ip_bad).map(|r| r.csum),
            Some(RxCsum::Bad)
        );
        // An L4 error is not a frame error: the frame is delivered, unverified.
        assert!(rx_done(Format::Advanced, tcp_bad).is_some_and(|r| !r.frame_error));
        let ip_only = [0, base | ADV_RX_IPCS];
        assert_eq!(
            rx_done(Format::Advanced, ip_only).map(|r| r.csum),
            Some(RxCsum::Unknown)
        );
    }

    #[test]
    fn legacy_rx_checksum() {
        let base = (0b11u64 << 32) | 100;
        let ignored = [0, base | LEG_RX_IXSM | LEG_RX_TCPCS];
        assert_eq!(
            rx_done(Format::Legacy, ignored).map(|r| r.csum),
            Some(RxCsum::Unknown)
        );
        let good = [0, base | LEG_RX_TCPCS | LEG_RX_IPCS];
        assert_eq!(
            rx_done(Format::Legacy, good).map(|r| r.csum),
            Some(RxCsum::Good)
        );
        let bad = [0, base | LEG_RX_TCPCS | LEG_RX_TCPE];
        assert_eq!(
            rx_done(Format::Legacy, bad).map(|r| r.csum),
            Some(RxCsum::Bad)
        );
    }

    #[test]
    fn advanced_tx_encoding() {
        let d = tx_data(
            Format::Advanced,
            TxBuf {
                timestamp: false,
                addr: 0xabc000,
                len: 1514,
                eop: true,
                packet_len: 1514,
                offload: DataOffload::default(),
            },
        );
        assert_eq!(d[0], 0xabc000);
        assert_eq!(d[1] & 0xffff, 1514);
        assert_eq!((d[1] >> 20) & 0xf, 0x3, "DTYP data");
        assert_ne!(d[1] & ADV_TX_DEXT, 0);
        assert_ne!(d[1] & (ADV_TX_EOP | ADV_TX_RS), 0);
        assert_eq!((d[1] >> 46) & 0x3_ffff, 1514, "PAYLEN");
        assert!(!tx_done(Format::Advanced, d));
        let mid = tx_data(
            Format::Advanced,
            TxBuf {
                timestamp: false,
                addr: 1,
                len: 100,
                eop: false,
                packet_len: 3000,
                offload: DataOffload::default(),
            },
        );
        assert_eq!(mid[1] & (ADV_TX_EOP | ADV_TX_RS), 0);
    }

    #[test]
    fn legacy_tx_encoding() {
        let d = tx_data(
            Format::Legacy,
            TxBuf {
                timestamp: false,
                addr: 0x2000,
                len: 60,
                eop: true,
                packet_len: 60,
                offload: DataOffload::default(),
            },
        );
        assert_eq!(d[1] & 0xffff, 60);
        assert_eq!((d[1] >> 24) & 0xff, 0x0b, "EOP|IFCS|RS");
        let done = [d[0], d[1] | (1 << 32)];
        assert!(tx_done(Format::Legacy, done));
    }

    #[test]
    fn vlan_tags() {
        let adv = [0, (100u64 << 32) | 0b11 | ADV_RX_VP | (0x2064u64 << 48)];
        assert_eq!(
            rx_done(Format::Advanced, adv).and_then(|r| r.vlan),
            Some(0x2064)
        );
        let leg = [0, (0b11u64 << 32) | LEG_RX_VP | (100u64 << 48) | 60];
        assert_eq!(rx_done(Format::Legacy, leg).and_then(|r| r.vlan), Some(100));
        let untagged = [0, (100u64 << 32) | 0b11 | (0x2064u64 << 48)];
        assert_eq!(
            rx_done(Format::Advanced, untagged).and_then(|r| r.vlan),
            None
        );
        let tagged = DataOffload {
            vlan: Some(0x0123),
            ..DataOffload::default()
        };
        let buf = TxBuf {
            timestamp: false,
            addr: 0,
            len: 60,
            eop: true,
            packet_len: 60,
            offload: tagged,
        };
        let plain = TxBuf {
            timestamp: false,
            offload: DataOffload::default(),
            ..buf
        };
        assert_eq!(
            tx_data(Format::Advanced, buf)[1],
            tx_data(Format::Advanced, plain)[1] | TX_VLE,
            "advanced: VLE only, the tag is in the context"
        );
        let leg = tx_data(Format::Legacy, buf);
        assert_ne!(leg[1] & TX_VLE, 0);
        assert_eq!(leg[1] >> 48, 0x0123, "legacy: tag in the special field");
        assert_eq!(leg[1] & LEG_TX_DEXT, 0, "no offload: legacy layout");
    }

    #[test]
    fn tx_offload_bits() {
        let tso = DataOffload {
            segment: true,
            l4_csum: true,
            ip_csum: true,
            payload_len: 9000,
            vlan: None,
        };
        let buf = TxBuf {
            timestamp: false,
            addr: 0x4000,
            len: 66,
            eop: false,
            packet_len: 9000,
            offload: tso,
        };
        let adv = tx_data(Format::Advanced, buf);
        assert_ne!(adv[1] & ADV_TX_TSE, 0);
        assert_eq!((adv[1] >> 40) & 0x3, 0x3, "POPTS IXSM|TXSM");
        assert_eq!((adv[1] >> 46) & 0x3_ffff, 9000, "PAYLEN");
        let leg = tx_data(Format::Legacy, buf);
        assert_eq!((leg[1] >> 20) & 0xf, 1, "DTYP data");
        assert_ne!(leg[1] & (LEG_TX_DEXT | LEG_TX_TSE), 0);
        assert_eq!((leg[1] >> 40) & 0x3, 0x3);
        let csum_only = TxBuf {
            timestamp: false,
            offload: DataOffload {
                segment: false,
                ip_csum: false,
                ..tso
            },
            ..buf
        };
        let leg = tx_data(Format::Legacy, csum_only);
        assert_eq!(leg[1] & LEG_TX_TSE, 0);
        assert_eq!((leg[1] >> 40) & 0x3, 0x2, "TXSM only");
        let plain = TxBuf {
            timestamp: false,
            offload: DataOffload::default(),
            ..buf
        };
        assert_eq!(
            tx_data(Format::Legacy, plain)[1] & (LEG_TX_DEXT | (0xff << 40)),
            0
        );
    }

    #[test]
    fn timestamp_bits() {
        let rx = [0, (60u64 << 32) | 0b11 | (1 << 16)];
        assert!(rx_done(Format::Advanced, rx).is_some_and(|d| d.timestamped));
        let plain = [0, (60u64 << 32) | 0b11];
        assert!(rx_done(Format::Advanced, plain).is_some_and(|d| !d.timestamped));
        let buf = |timestamp| TxBuf {
            timestamp,
            addr: 0x1000,
            len: 60,
            eop: true,
            packet_len: 60,
            offload: DataOffload::default(),
        };
        assert_eq!(tx_data(Format::Advanced, buf(true))[1] & (1 << 19), 1 << 19);
        assert_eq!(tx_data(Format::Advanced, buf(false))[1] & (1 << 19), 0);
        assert_eq!(
            tx_data(Format::Legacy, buf(true)),
            tx_data(Format::Legacy, buf(false))
        );
    }
}
