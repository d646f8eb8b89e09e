// SPDX-License-Identifier: GPL-2.0

//! Memory of a descriptor ring: the descriptors shared with the device and the driver's
//! per-descriptor bookkeeping, allocated together.

use kernel::{device::Bound, pci, prelude::*};

use crate::net::dma::DescRing;

/// Allocates a zeroed ring of `count` descriptors and one default slot per descriptor.
pub(crate) fn alloc_ring<T: Default>(
    dev: &pci::Device<Bound>,
    count: u32,
) -> Result<(DescRing, KVec<T>)> {
    let n = usize::try_from(count)?;
    let descs = DescRing::new(dev.as_ref(), n)?;
    let mut slots = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        slots.push(T::default(), GFP_KERNEL)?;
    }
    Ok((descs, slots))
}
