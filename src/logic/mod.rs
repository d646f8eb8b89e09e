// SPDX-License-Identifier: GPL-2.0

//! Pure logic shared by the module and the host unit tests (`cargo test`): no `kernel::`
//! dependency, no allocation, no panics.

pub(crate) mod desc;
pub(crate) mod ring;
// Not called by the driver yet: the RSS wiring comes separately.
#[allow(dead_code)]
pub(crate) mod rss;
