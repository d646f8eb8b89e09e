// SPDX-License-Identifier: GPL-2.0

//! Host build of rxgbe's pure logic, for `cargo test`. The module includes the same files
//! through `src/logic/mod.rs`.
#![no_std]
#![allow(dead_code)]

#[cfg(test)]
extern crate std;

pub mod clock;
pub mod desc;
pub mod itr;
pub mod lro;
pub mod ntuple;
pub mod offload;
pub mod regdump;
pub mod ring;
pub mod rss;
pub mod vlan;
pub mod wire;
