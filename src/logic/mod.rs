// SPDX-License-Identifier: GPL-2.0

//! Pure logic shared by the module and the host unit tests (`cargo test`): no `kernel::`
//! dependency, no allocation, no panics.

pub(crate) mod clock;
pub(crate) mod desc;
pub(crate) mod itr;
pub(crate) mod lro;
pub(crate) mod ntuple;
pub(crate) mod offload;
pub(crate) mod regdump;
pub(crate) mod ring;
// The software Toeplitz hash and packet-kind model serve the host tests (and software flow
// steering later); the module itself only uses the table, key and field parts.
#[allow(dead_code)]
pub(crate) mod rss;
pub(crate) mod vlan;
pub(crate) mod wire;
