// SPDX-License-Identifier: GPL-2.0

//! The transmit offloads of one skb: what the stack asked for, turned into a plan the ring
//! writes (context descriptor and data descriptor bits), or done in software when the MAC
//! cannot.

use kernel::prelude::*;

use crate::logic::desc::Format;
use crate::logic::offload::{self, Segmentation, TxPlan, TxRequest, L3};
use crate::net::{
    netdev::features,
    skb::{eth_p, gso, Skb, TxLayout},
};
use crate::stats::QueueStats;

/// A packet ready for the ring.
pub(crate) struct Prepared {
    /// Its offloads.
    pub(crate) plan: TxPlan,
    /// Frames it becomes on the wire.
    pub(crate) frames: u32,
    /// Bytes it becomes on the wire (headers repeated per segment).
    pub(crate) wire_bytes: u32,
    /// Length of the skb.
    pub(crate) len: u32,
    /// Page fragments of the skb after its linear part.
    pub(crate) nr_frags: u32,
    /// An IPv4 or IPv6 packet (so no MAC control frame).
    pub(crate) ip: bool,
    /// The driver computed its checksum.
    software_csum: bool,
}

impl Prepared {
    /// Counts the offloads of a packet the ring took.
    pub(crate) fn account(&self, stats: &QueueStats) {
        if self.software_csum {
            stats.tx_csum_software.add(1);
        }
        let TxPlan::Context { data, .. } = self.plan else {
            return;
        };
        if data.l4_csum {
            // Every frame a segmented packet becomes gets its checksum from the MAC.
            stats.tx_csum_offload.add(self.frames.into());
        }
        if data.segment {
            stats.tx_tso_packets.add(1);
            stats.tx_tso_bytes.add(self.len.into());
            stats.tx_tso_segments.add(self.frames.into());
            stats.tx_tso_wire_bytes.add(self.wire_bytes.into());
        }
    }
}

fn l3_of(layout: &TxLayout) -> L3 {
    if layout.gso_size != 0 {
        // The segmentation type names the IP version even through VLAN tags.
        if layout.gso_type & gso::TCPV4 != 0 {
            return L3::Ipv4;
        }
        if layout.gso_type & gso::TCPV6 != 0 {
            return L3::Ipv6;
        }
    }
    match layout.protocol {
        eth_p::IP => L3::Ipv4,
        eth_p::IPV6 => L3::Ipv6,
        _ => L3::Other,
    }
}

/// The offload request of an skb laid out as `layout`, `l4_len` being its TCP header length
/// when it is to be segmented.
fn request(layout: &TxLayout, l4_len: u16) -> TxRequest {
    let tcp_gso = layout.gso_type & (gso::TCPV4 | gso::TCPV6) != 0;
    TxRequest {
        csum: layout.csum_partial,
        vlan: layout.vlan_present.then_some(layout.vlan_tci),
        len: layout.len,
        network_offset: layout.network_offset,
        csum_start: layout.csum_start,
        csum_offset: layout.csum_offset,
        l3: l3_of(layout),
        tso: (layout.gso_size != 0).then_some(Segmentation {
            // A GSO type the MACs do not segment gets an MSS of 0, which `mac_can` refuses.
            mss: if tcp_gso { layout.gso_size } else { 0 },
            l4_len,
        }),
    }
}

/// `ndo_features_check` of a GSO packet: keeps the stack's software segmentation (and its
/// checksum) for packets the MAC cannot segment. A checksum of any other packet that the MAC
/// cannot place is computed by [`prepare`].
pub(crate) fn features_check(fmt: Format, layout: &TxLayout, feats: u64) -> u64 {
    if !layout.csum_partial {
        return feats;
    }
    let req = request(layout, 0);
    if !offload::mac_can(fmt, &req) {
        // Neither the checksum nor the segmentation: the stack does both.
        feats & !(features::CSUM_MASK | features::GSO_MASK)
    } else if !offload::size_ok(&req) {
        // Too large to segment here: the stack segments, the MAC still checksums.
        feats & !features::GSO_MASK
    } else {
        feats
    }
}

/// Prepares `skb` for the ring: headers fixed up for segmentation, or the checksum computed
/// here when the MAC cannot insert it.
pub(crate) fn prepare(fmt: Format, skb: &mut Skb) -> Result<Prepared> {
    let layout = skb.tx_layout();
    let mut prepared = Prepared {
        plan: TxPlan::None,
        frames: 1,
        wire_bytes: layout.len,
        len: layout.len,
        nr_frags: layout.nr_frags.into(),
        ip: matches!(layout.protocol, eth_p::IP | eth_p::IPV6),
        software_csum: false,
    };
    // `features_check` let through only TCP segmentation the MAC can do.
    let tcp_gso = layout.gso_type & (gso::TCPV4 | gso::TCPV6) != 0;
    let l4_len = if layout.csum_partial && layout.gso_size != 0 && tcp_gso {
        skb.tso_prepare()?
    } else {
        0
    };
    let mut req = request(&layout, l4_len);
    let mut plan = offload::plan(fmt, &req);
    if plan == TxPlan::Software {
        skb.checksum_help()?;
        // Making the checksummed bytes writable may have pulled fragments into the head.
        prepared.nr_frags = skb.nr_frags();
        prepared.software_csum = true;
        req.csum = false;
        plan = offload::plan(fmt, &req);
    }
    match plan {
        TxPlan::Software => return Err(EINVAL),
        plan @ TxPlan::Data(_) => prepared.plan = plan,
        plan @ TxPlan::Context { data, .. } => {
            prepared.plan = plan;
            if data.segment {
                let frames = u32::from(layout.gso_segs).max(1);
                let hdr_len = layout.len.saturating_sub(data.payload_len);
                prepared.frames = frames;
                prepared.wire_bytes = layout.len + (frames - 1) * hdr_len;
            }
        }
        TxPlan::None => {}
    }
    Ok(prepared)
}
