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
pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The big-endian 32-bit field at `at`, if `b` holds it.
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
