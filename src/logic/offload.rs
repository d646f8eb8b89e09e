// SPDX-License-Identifier: GPL-2.0

//! Transmit offloads: turning what the stack asks of a packet (checksum insertion, TCP
//! segmentation) into a context descriptor and the offload bits of its data descriptors.
//!
//! - 82576 advanced context descriptor: datasheet 7.2.2.2 (`vlan_macip_lens`, `seqnum_seed`,
//!   `type_tucmd_mlhl`, `mss_l4len_idx`). The MAC knows the checksum position from the L4 type.
//! - 8254x TCP/IP context descriptor: manual 3.3.6 (`IPCSS/IPCSO/IPCSE`,
//!   `TUCSS/TUCSO/TUCSE`, `TUCMD`, `HDRLEN`, `MSS`). The checksum position is an offset, so
//!   any 16-bit ones'-complement checksum over the rest of the frame can be inserted.
//!
//! In both, the MAC adds the sum of the bytes from the checksum start to the end of the frame
//! into the checksum field, which the stack has seeded with the pseudo-header sum
//! (`CHECKSUM_PARTIAL`). For segmentation the stack's headers are first fixed up (lengths
//! zeroed, pseudo-header sum without the length) because the MAC fills those in per segment.

use super::desc::Format;

/// Offset of the checksum field in a TCP header.
pub(crate) const TCP_CSUM_OFFSET: u16 = 16;
/// Offset of the checksum field in a UDP header.
pub(crate) const UDP_CSUM_OFFSET: u16 = 6;
/// Offset of the checksum field in an IPv4 header.
const IPV4_CSUM_OFFSET: u16 = 10;

/// Network protocol of a packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum L3 {
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
    /// Anything else (the MACs offload nothing for it).
    Other,
}

/// TCP segmentation of a packet larger than one frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Segmentation {
    /// Payload bytes per segment (the skb's `gso_size`).
    pub(crate) mss: u16,
    /// TCP header length, options included.
    pub(crate) l4_len: u16,
}

/// What the stack asks of the MAC for one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TxRequest {
    /// Insert the checksum described by `csum_start` and `csum_offset` (`CHECKSUM_PARTIAL`).
    pub(crate) csum: bool,
    /// Insert this 802.1Q tag control (the skb's out-of-band VLAN tag).
    pub(crate) vlan: Option<u16>,
    /// Total packet length.
    pub(crate) len: u32,
    /// Offset of the network header (bytes of link-layer header, VLAN tags included).
    pub(crate) network_offset: u16,
    /// Offset where checksumming starts, i.e. the transport header.
    pub(crate) csum_start: u16,
    /// Offset of the checksum field from `csum_start`.
    pub(crate) csum_offset: u16,
    /// Network protocol.
    pub(crate) l3: L3,
    /// Segmentation, for TSO skbs.
    pub(crate) tso: Option<Segmentation>,
}

/// How a packet's offloads are carried out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TxPlan {
    /// No offload requested.
    None,
    /// The MAC cannot do what is asked: the driver must checksum in software (a TSO skb never
    /// gets here; `ndo_features_check` keeps those the MAC cannot segment in the stack's GSO), then
    /// plan again without the checksum.
    Software,
    /// No context descriptor; the data descriptors carry `data` (a legacy VLAN insertion).
    Data(DataOffload),
    /// A context descriptor ahead of the data descriptors, which carry `data`.
    Context {
        /// The context descriptor.
        desc: [u64; 2],
        /// Offload bits of the packet's data descriptors.
        data: DataOffload,
    },
}

/// Offload bits of a packet's data descriptors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct DataOffload {
    /// Segment the packet (TSE).
    pub(crate) segment: bool,
    /// Insert the TCP/UDP checksum (TXSM).
    pub(crate) l4_csum: bool,
    /// Insert the IPv4 header checksum (IXSM).
    pub(crate) ip_csum: bool,
    /// Bytes after the headers, the advanced format's PAYLEN when segmenting.
    pub(crate) payload_len: u32,
    /// Insert this VLAN tag (VLE).
    pub(crate) vlan: Option<u16>,
}

// 82576 advanced context descriptor.
const ADV_MACLEN_SHIFT: u32 = 9;
const ADV_VLAN_SHIFT: u32 = 16;
const ADV_MAX_MACLEN: u16 = 0x7f;
const ADV_MAX_IPLEN: u16 = 0x1ff;
const ADV_DTYP_CTXT: u64 = 0x2 << 20;
const ADV_DEXT: u64 = 1 << 29;
const ADV_TUCMD_IPV4: u64 = 1 << 10;
const ADV_TUCMD_L4T_TCP: u64 = 1 << 11;
const ADV_L4LEN_SHIFT: u32 = 8;
const ADV_MSS_SHIFT: u32 = 16;

// 8254x TCP/IP context descriptor (TUCMD in bits 31:24 of word 1).
const LEG_TUCMD_TCP: u64 = 1 << 24;
const LEG_TUCMD_IP: u64 = 1 << 25;
const LEG_TUCMD_TSE: u64 = 1 << 26;
const LEG_DEXT: u64 = 1 << 29;
const LEG_MAX_OFFSET: u16 = 0xff;

/// Whether the MAC can carry out `req`'s checksum and segmentation: the checksum field is where
/// the MAC puts it, and the header offsets fit the context descriptor's fields.
pub(crate) const fn mac_can(fmt: Format, req: &TxRequest) -> bool {
    if !req.csum {
        return req.tso.is_none();
    }
    let is_tcp = req.csum_offset == TCP_CSUM_OFFSET;
    let is_udp = req.csum_offset == UDP_CSUM_OFFSET;
    // Only TCP is segmented; an MSS of 0 stands for a GSO type the MACs do not segment.
    if let Some(seg) = req.tso {
        if !is_tcp || seg.mss == 0 {
            return false;
        }
    }
    if req.csum_start < req.network_offset {
        return false;
    }
    match fmt {
        // The MAC finds the checksum field from the L4 type, so only TCP and UDP over IP.
        Format::Advanced => {
            !matches!(req.l3, L3::Other)
                && (is_tcp || is_udp)
                && req.network_offset <= ADV_MAX_MACLEN
                && req.csum_start - req.network_offset <= ADV_MAX_IPLEN
        }
        // Any checksum position within reach of the 8-bit offsets; segmentation of IPv4 only
        // (the IP length the MAC writes per segment is at IPv4's offset) with the headers
        // within the 8-bit HDRLEN.
        Format::Legacy => {
            let seg_ok = match req.tso {
                None => true,
                Some(seg) => {
                    matches!(req.l3, L3::Ipv4)
                        && req.csum_start as u32 + seg.l4_len as u32 <= LEG_MAX_OFFSET as u32
                }
            };
            seg_ok && req.csum_start as u32 + req.csum_offset as u32 <= LEG_MAX_OFFSET as u32
        }
    }
}

/// Plans the offloads of one packet.
///
/// Inlined into the transmit path: the plan is then built in registers rather than returned
/// through memory, and only the branches of the packet's format and offloads run.
#[inline(always)]
pub(crate) const fn plan(fmt: Format, req: &TxRequest) -> TxPlan {
    if !req.csum {
        return vlan_only(fmt, req);
    }
    if !mac_can(fmt, req) {
        return TxPlan::Software;
    }
    let (hdr_len, payload_len) = match req.tso {
        Some(seg) => {
            let hdr = req.csum_start as u32 + seg.l4_len as u32;
            (hdr, req.len.saturating_sub(hdr))
        }
        None => (0, req.len),
    };
    let segment = req.tso.is_some();
    let data = DataOffload {
        segment,
        l4_csum: true,
        // IPv4 header checksums change per segment; otherwise the stack's stays valid.
        ip_csum: segment && matches!(req.l3, L3::Ipv4),
        payload_len,
        vlan: req.vlan,
    };
    let desc = match fmt {
        Format::Advanced => advanced_context(req),
        Format::Legacy => legacy_context(req, hdr_len, payload_len),
    };
    TxPlan::Context { desc, data }
}

/// A packet without checksum offload: the advanced format takes a VLAN tag to insert only from
/// a context descriptor, the legacy one from the data descriptors.
const fn vlan_only(fmt: Format, req: &TxRequest) -> TxPlan {
    let Some(tag) = req.vlan else {
        return TxPlan::None;
    };
    let data = DataOffload {
        segment: false,
        l4_csum: false,
        ip_csum: false,
        payload_len: req.len,
        vlan: Some(tag),
    };
    match fmt {
        Format::Advanced => {
            let vlan_macip_lens = ((tag as u64) << ADV_VLAN_SHIFT)
                | ((req.network_offset as u64) << ADV_MACLEN_SHIFT);
            TxPlan::Context {
                desc: [vlan_macip_lens, ADV_DTYP_CTXT | ADV_DEXT],
                data,
            }
        }
        Format::Legacy => TxPlan::Data(data),
    }
}

const fn advanced_context(req: &TxRequest) -> [u64; 2] {
    let ip_len = (req.csum_start - req.network_offset) as u64;
    let mut vlan_macip_lens = ip_len | ((req.network_offset as u64) << ADV_MACLEN_SHIFT);
    if let Some(tag) = req.vlan {
        vlan_macip_lens |= (tag as u64) << ADV_VLAN_SHIFT;
    }
    let mut type_tucmd = ADV_DTYP_CTXT | ADV_DEXT;
    if matches!(req.l3, L3::Ipv4) {
        type_tucmd |= ADV_TUCMD_IPV4;
    }
    if req.csum_offset == TCP_CSUM_OFFSET {
        type_tucmd |= ADV_TUCMD_L4T_TCP;
    }
    let mss_l4len = match req.tso {
        Some(seg) => ((seg.mss as u64) << ADV_MSS_SHIFT) | ((seg.l4_len as u64) << ADV_L4LEN_SHIFT),
        None => 0,
    };
    [vlan_macip_lens, type_tucmd | (mss_l4len << 32)]
}

const fn legacy_context(req: &TxRequest, hdr_len: u32, payload_len: u32) -> [u64; 2] {
    let tucss = req.csum_start as u64;
    let tucso = (req.csum_start + req.csum_offset) as u64;
    // TUCSE 0: checksum to the end of the frame.
    let mut w0 = (tucss << 32) | (tucso << 40);
    let mut w1 = LEG_DEXT;
    if let Some(seg) = req.tso {
        w1 |= LEG_TUCMD_TSE | LEG_TUCMD_TCP | (payload_len as u64 & 0xf_ffff);
        w1 |= ((hdr_len as u64) << 40) | ((seg.mss as u64) << 48);
        if matches!(req.l3, L3::Ipv4) {
            let ipcss = req.network_offset as u64;
            let ipcso = (req.network_offset + IPV4_CSUM_OFFSET) as u64;
            let ipcse = (req.csum_start - 1) as u64;
            w0 |= ipcss | (ipcso << 8) | (ipcse << 16);
            w1 |= LEG_TUCMD_IP;
        }
    } else if req.csum_offset == TCP_CSUM_OFFSET && !matches!(req.l3, L3::Other) {
        w1 |= LEG_TUCMD_TCP;
    }
    [w0, w1]
}

/// Largest TSO packet: the MACs' PAYLEN limit, and QEMU's igb drops anything above 64 KiB.
pub(crate) const TSO_MAX_SIZE: u32 = 65535;

/// Whether the stack may hand over `req` with its offloads on (`ndo_features_check`): a
/// segmentation or checksum the MAC cannot do must be done by the stack instead.
#[cfg(test)]
const fn features_ok(fmt: Format, req: &TxRequest) -> bool {
    mac_can(fmt, req) && size_ok(req)
}

/// Whether a packet the MAC can offload ([`mac_can`]) is also within what it segments in one
/// go; the two together are `features_ok` (the tests' check).
pub(crate) const fn size_ok(req: &TxRequest) -> bool {
    req.tso.is_none() || req.len <= TSO_MAX_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP4: TxRequest = TxRequest {
        csum: true,
        vlan: None,
        len: 1514,
        network_offset: 14,
        csum_start: 34,
        csum_offset: TCP_CSUM_OFFSET,
        l3: L3::Ipv4,
        tso: None,
    };

    fn context(p: TxPlan) -> ([u64; 2], DataOffload) {
        match p {
            TxPlan::Context { desc, data } => (desc, data),
            other => panic!("expected a context, got {other:?}"),
        }
    }

    #[test]
    fn no_request_no_offload() {
        let plain = TxRequest {
            csum: false,
            ..TCP4
        };
        assert_eq!(plan(Format::Advanced, &plain), TxPlan::None);
        assert_eq!(plan(Format::Legacy, &plain), TxPlan::None);
    }

    #[test]
    fn vlan_insertion() {
        let tagged = TxRequest {
            csum: false,
            vlan: Some(0x6064),
            ..TCP4
        };
        let (d, data) = context(plan(Format::Advanced, &tagged));
        assert_eq!(d[0] >> 16 & 0xffff, 0x6064, "tag in vlan_macip_lens");
        assert_eq!((d[0] >> 9) & 0x7f, 14, "MACLEN");
        assert_eq!(data.vlan, Some(0x6064));
        assert!(!data.l4_csum);
        match plan(Format::Legacy, &tagged) {
            TxPlan::Data(data) => assert_eq!(data.vlan, Some(0x6064)),
            other => panic!("legacy VLAN needs no context, got {other:?}"),
        }
        let both = TxRequest {
            vlan: Some(7),
            ..TCP4
        };
        let (d, data) = context(plan(Format::Advanced, &both));
        assert_eq!((d[0] >> 16 & 0xffff, d[0] & 0x1ff), (7, 20));
        assert!(data.l4_csum && data.vlan == Some(7));
    }

    #[test]
    fn advanced_tcp4_checksum() {
        let (d, data) = context(plan(Format::Advanced, &TCP4));
        assert_eq!(d[0] & 0x1ff, 20, "IPLEN");
        assert_eq!((d[0] >> 9) & 0x7f, 14, "MACLEN");
        assert_eq!((d[1] >> 20) & 0xf, 2, "DTYP context");
        assert_ne!(d[1] & ADV_DEXT, 0);
        assert_ne!(d[1] & ADV_TUCMD_IPV4, 0);
        assert_ne!(d[1] & ADV_TUCMD_L4T_TCP, 0);
        assert_eq!(d[1] >> 32, 0, "no MSS/L4LEN without TSO");
        assert_eq!(
            data,
            DataOffload {
                segment: false,
                l4_csum: true,
                ip_csum: false,
                payload_len: 1514,
                vlan: None,
            }
        );
    }

    #[test]
    fn advanced_udp6_checksum() {
        let req = TxRequest {
            csum_start: 54,
            csum_offset: UDP_CSUM_OFFSET,
            l3: L3::Ipv6,
            ..TCP4
        };
        let (d, _) = context(plan(Format::Advanced, &req));
        assert_eq!(d[0] & 0x1ff, 40);
        assert_eq!(
            d[1] & (ADV_TUCMD_IPV4 | ADV_TUCMD_L4T_TCP),
            0,
            "UDP over IPv6"
        );
    }

    #[test]
    fn advanced_tso() {
        let req = TxRequest {
            len: 14 + 20 + 32 + 64000,
            tso: Some(Segmentation {
                mss: 1448,
                l4_len: 32,
            }),
            ..TCP4
        };
        let (d, data) = context(plan(Format::Advanced, &req));
        assert_eq!((d[1] >> 48) & 0xffff, 1448, "MSS");
        assert_eq!((d[1] >> 40) & 0xff, 32, "L4LEN");
        assert!(data.segment && data.l4_csum && data.ip_csum);
        assert_eq!(data.payload_len, 64000);
    }

    #[test]
    fn advanced_refuses_what_it_cannot_place() {
        let sctp = TxRequest {
            csum_offset: 8,
            ..TCP4
        };
        assert_eq!(plan(Format::Advanced, &sctp), TxPlan::Software);
        let long_mac = TxRequest {
            network_offset: 128,
            csum_start: 148,
            ..TCP4
        };
        assert_eq!(plan(Format::Advanced, &long_mac), TxPlan::Software);
        let long_ip = TxRequest {
            csum_start: 14 + 512,
            ..TCP4
        };
        assert_eq!(plan(Format::Advanced, &long_ip), TxPlan::Software);
        let not_ip = TxRequest {
            l3: L3::Other,
            ..TCP4
        };
        assert_eq!(plan(Format::Advanced, &not_ip), TxPlan::Software);
        let udp_tso = TxRequest {
            csum_offset: UDP_CSUM_OFFSET,
            tso: Some(Segmentation {
                mss: 1000,
                l4_len: 8,
            }),
            ..TCP4
        };
        assert!(!features_ok(Format::Advanced, &udp_tso));
    }

    #[test]
    fn legacy_checksum_at_any_offset() {
        let (d, data) = context(plan(Format::Legacy, &TCP4));
        assert_eq!((d[0] >> 32) & 0xff, 34, "TUCSS");
        assert_eq!((d[0] >> 40) & 0xff, 50, "TUCSO");
        assert_eq!(d[0] >> 48, 0, "TUCSE: to the end");
        assert_eq!(d[0] & 0xffff_ffff, 0, "no IP checksum context");
        assert_ne!(d[1] & LEG_DEXT, 0);
        assert_eq!((d[1] >> 20) & 0xf, 0, "DTYP context");
        assert_ne!(d[1] & LEG_TUCMD_TCP, 0);
        assert!(data.l4_csum && !data.segment && !data.ip_csum);
        let sctp_like = TxRequest {
            l3: L3::Other,
            csum_offset: 8,
            ..TCP4
        };
        let (d, _) = context(plan(Format::Legacy, &sctp_like));
        assert_eq!((d[0] >> 40) & 0xff, 42);
        let too_far = TxRequest {
            csum_start: 250,
            ..TCP4
        };
        assert_eq!(plan(Format::Legacy, &too_far), TxPlan::Software);
    }

    #[test]
    fn legacy_tso4() {
        let req = TxRequest {
            len: 14 + 20 + 20 + 30000,
            tso: Some(Segmentation {
                mss: 1460,
                l4_len: 20,
            }),
            ..TCP4
        };
        let (d, data) = context(plan(Format::Legacy, &req));
        assert_eq!(d[0] & 0xff, 14, "IPCSS");
        assert_eq!((d[0] >> 8) & 0xff, 24, "IPCSO");
        assert_eq!((d[0] >> 16) & 0xffff, 33, "IPCSE");
        assert_eq!(d[1] & 0xf_ffff, 30000, "payload length");
        assert_eq!((d[1] >> 40) & 0xff, 54, "HDRLEN");
        assert_eq!(d[1] >> 48, 1460, "MSS");
        assert_eq!(
            d[1] & (LEG_TUCMD_TSE | LEG_TUCMD_TCP | LEG_TUCMD_IP),
            LEG_TUCMD_TSE | LEG_TUCMD_TCP | LEG_TUCMD_IP
        );
        assert!(data.segment && data.ip_csum);
    }

    #[test]
    fn unknown_gso_type_is_left_to_the_stack() {
        let other_gso = TxRequest {
            tso: Some(Segmentation { mss: 0, l4_len: 20 }),
            ..TCP4
        };
        assert!(!mac_can(Format::Advanced, &other_gso));
        assert!(!mac_can(Format::Legacy, &other_gso));
    }

    #[test]
    fn legacy_segments_ipv4_only_with_short_headers() {
        let tso6 = TxRequest {
            l3: L3::Ipv6,
            csum_start: 54,
            tso: Some(Segmentation {
                mss: 1440,
                l4_len: 20,
            }),
            ..TCP4
        };
        assert!(!mac_can(Format::Legacy, &tso6));
        assert!(mac_can(Format::Advanced, &tso6));
        let long_hdr = TxRequest {
            csum_start: 200,
            tso: Some(Segmentation {
                mss: 1000,
                l4_len: 60,
            }),
            ..TCP4
        };
        assert!(!mac_can(Format::Legacy, &long_hdr));
    }

    #[test]
    fn oversized_tso_goes_to_software_gso() {
        let req = TxRequest {
            len: TSO_MAX_SIZE + 1,
            tso: Some(Segmentation {
                mss: 1448,
                l4_len: 32,
            }),
            ..TCP4
        };
        assert!(!features_ok(Format::Advanced, &req));
        assert!(features_ok(
            Format::Advanced,
            &TxRequest { len: 60000, ..req }
        ));
    }
}
