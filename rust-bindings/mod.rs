// SPDX-License-Identifier: GPL-2.0

//! Safe networking abstractions for rxgbe.
//!
//! The kernel crate has no net_device, NAPI, sk_buff or page_pool support yet, so this module
//! provides the small subset a NIC driver needs. It is the only part of rxgbe that contains
//! `unsafe` code: every FFI call is wrapped here behind a type whose invariants make it safe.

pub(crate) mod sys;

pub(crate) mod bh;
pub(crate) mod cpu;
pub(crate) mod dma;
pub(crate) mod ethtool;
pub(crate) mod ethtool_diag;
pub(crate) mod netdev;
pub(crate) mod pool;
pub(crate) mod ptp;
pub(crate) mod qstats;
pub(crate) mod rxnfc;
pub(crate) mod skb;
pub(crate) mod vector;
pub(crate) mod xdp;
pub(crate) mod xsk;
