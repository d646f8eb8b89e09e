// SPDX-License-Identifier: GPL-2.0

//! Protocol numbers and big-endian field reads shared by the code that parses received frames.

/// Ethertype of IPv4.
pub(crate) const ETH_P_IP: u16 = 0x0800;
/// Ethertype of IPv6.
pub(crate) const ETH_P_IPV6: u16 = 0x86dd;
/// Ethertype (TPID) of an 802.1Q tag.
pub(crate) const ETH_P_8021Q: u16 = 0x8100;
/// IP protocol numbers.
pub(crate) const IPPROTO_TCP: u8 = 6;
pub(crate) const IPPROTO_UDP: u8 = 17;
pub(crate) const IPPROTO_SCTP: u8 = 132;

/// The big-endian 16-bit field at `at`, if `b` holds it.
/// Ethertype of IEEE 802.3 MAC control frames (PAUSE and the like).
pub(crate) const ETH_P_MAC_CONTROL: u16 = 0x8808;
/// MAC control opcode of a PAUSE frame.
pub(crate) const PAUSE_OPCODE: u16 = 0x0001;

/// The MAC control opcode of an untagged Ethernet frame, if it is a MAC control frame.
pub(crate) fn mac_control_opcode(frame: &[u8]) -> Option<u16> {
    if be16(frame, 12)? != ETH_P_MAC_CONTROL {
        return None;
    }
    be16(frame, 14)
}

/// Length of the Ethernet frame check sequence.
pub(crate) const FCS_LEN: u32 = 4;

/// A frame's last receive buffer holds `buf_len` bytes ending with the FCS (the MAC leaves it
/// in the buffer): returns how many bytes of this buffer are frame data, and how many FCS
/// bytes sit at the end of the frame's previous buffer (when the FCS straddles two buffers).
///
/// An empty last buffer holds no FCS, and none precedes it: a MAC writes no descriptor for
/// nothing, except QEMU's, which ends a frame whose data filled its previous buffers with an
/// empty descriptor and leaves the FCS out altogether (a header-split frame of 66 header bytes
/// and 8192 payload bytes does, in 2 KB buffers).
pub(crate) const fn split_fcs(buf_len: u32) -> (u32, u32) {
    if buf_len == 0 {
        (0, 0)
    } else if buf_len >= FCS_LEN {
        (buf_len - FCS_LEN, 0)
    } else {
        (0, FCS_LEN - buf_len)
    }
}

pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The big-endian 32-bit field at `at`, if `b` holds it.
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_control_frames() {
        let mut f = [0u8; 60];
        f[..6].copy_from_slice(&[0x01, 0x80, 0xC2, 0, 0, 1]);
        f[12..16].copy_from_slice(&[0x88, 0x08, 0x00, 0x01]);
        assert_eq!(mac_control_opcode(&f), Some(PAUSE_OPCODE));
        f[15] = 0;
        assert_eq!(mac_control_opcode(&f), Some(0));
        f[12..14].copy_from_slice(&[0x08, 0x00]);
        assert_eq!(mac_control_opcode(&f), None);
        assert_eq!(mac_control_opcode(&f[..14]), None);
    }

    #[test]
    fn fcs_inside_the_last_buffer() {
        assert_eq!(split_fcs(64), (60, 0));
        assert_eq!(split_fcs(FCS_LEN), (0, 0));
    }

    #[test]
    fn fcs_straddling_two_buffers() {
        // A 2046-byte frame in 2048-byte buffers: 2 FCS bytes end the first buffer.
        assert_eq!(split_fcs(2), (0, 2));
        assert_eq!(split_fcs(1), (0, 3));
    }

    #[test]
    fn empty_last_buffer_has_no_fcs() {
        // QEMU's frame that ended on a buffer boundary: its FCS is nowhere, trim nothing.
        assert_eq!(split_fcs(0), (0, 0));
    }
}
