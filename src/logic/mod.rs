// SPDX-License-Identifier: GPL-2.0

//! Pure logic shared by the module and the host unit tests (`cargo test`): no `kernel::`
//! dependency, no allocation, no panics.

pub(crate) mod desc;
// Not called by the driver yet: the RSS and adaptive moderation wiring comes separately.
#[allow(dead_code)]
pub(crate) mod itr;
pub(crate) mod ring;
#[allow(dead_code)]
pub(crate) mod rss;
