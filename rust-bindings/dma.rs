// SPDX-License-Identifier: GPL-2.0

//! DMA: descriptor rings in coherent memory and streaming mappings of transmit buffers.

use kernel::{
    bindings,
    device::{self, Bound},
    dma::{Coherent, DmaAddress},
    error::to_result,
    prelude::*,
};

use super::{skb::Skb, sys};

/// The raw `struct device` behind `dev`.
pub(crate) fn raw_device(dev: &device::Device) -> *mut bindings::device {
    // `device::Device` is a transparent wrapper of `struct device`.
    core::ptr::from_ref(dev).cast_mut().cast()
}

/// A ring of 16-byte hardware descriptors in coherent DMA memory, shared with the device.
///
/// Every access is volatile: the device reads and writes the ring concurrently.
pub(crate) struct DescRing {
    mem: Coherent<[u64]>,
    count: usize,
}

impl DescRing {
    /// Allocates a zeroed ring of `count` descriptors.
    pub(crate) fn new(dev: &device::Device<Bound>, count: usize) -> Result<Self> {
        let words = count.checked_mul(2).ok_or(EINVAL)?;
        let mem = Coherent::<u64>::zeroed_slice(dev, words, GFP_KERNEL)?;
        Ok(Self { mem, count })
    }

    /// Number of descriptors.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Bus address of the ring, for the base address registers.
    pub(crate) fn dma_address(&self) -> DmaAddress {
        self.mem.dma_address()
    }

    /// Size of the ring in bytes.
    pub(crate) fn byte_len(&self) -> usize {
        self.count * 16
    }

    fn word_ptr(&self, idx: usize, half: usize) -> Option<*mut u64> {
        if idx >= self.count {
            return None;
        }
        // SAFETY: `idx < count`, so word `2 * idx + half` (half is 0 or 1) is inside the
        // allocation of `2 * count` words.
        Some(unsafe {
            self.mem
                .as_mut_ptr()
                .cast::<u64>()
                .add(2 * idx + (half & 1))
        })
    }

    /// Reads descriptor `idx` as two little-endian 64-bit words. Out of range reads as zero.
    pub(crate) fn read(&self, idx: usize) -> [u64; 2] {
        match (self.word_ptr(idx, 0), self.word_ptr(idx, 1)) {
            // SAFETY: both pointers are in bounds and aligned; volatile because the device
            // writes the ring concurrently.
            (Some(lo), Some(hi)) => unsafe {
                [
                    u64::from_le(lo.read_volatile()),
                    u64::from_le(hi.read_volatile()),
                ]
            },
            _ => [0, 0],
        }
    }

    /// Writes descriptor `idx` (ignored when out of range).
    pub(crate) fn write(&self, idx: usize, desc: [u64; 2]) {
        if let (Some(lo), Some(hi)) = (self.word_ptr(idx, 0), self.word_ptr(idx, 1)) {
            // SAFETY: both pointers are in bounds and aligned; volatile as the device reads it.
            unsafe {
                lo.write_volatile(desc[0].to_le());
                hi.write_volatile(desc[1].to_le());
            }
        }
    }
}

/// A buffer of bytes in coherent DMA memory that the device reads or writes, for frames the
/// driver builds and checks itself (the loopback self-test). Every access is volatile.
pub(crate) struct DmaBytes {
    mem: Coherent<[u8]>,
}

impl DmaBytes {
    /// Allocates `len` zeroed bytes.
    pub(crate) fn new(dev: &device::Device<Bound>, len: usize) -> Result<Self> {
        Ok(Self {
            mem: Coherent::<u8>::zeroed_slice(dev, len, GFP_KERNEL)?,
        })
    }

    /// Bus address of byte 0.
    pub(crate) fn dma_address(&self) -> DmaAddress {
        self.mem.dma_address()
    }

    /// Copies `src` to bytes `offset..`; `EINVAL` if it does not fit.
    pub(crate) fn write(&self, offset: usize, src: &[u8]) -> Result {
        let end = offset.checked_add(src.len()).ok_or(EINVAL)?;
        if end > self.mem.len() {
            return Err(EINVAL);
        }
        let base = self.mem.as_mut_ptr().cast::<u8>();
        for (i, b) in src.iter().enumerate() {
            // SAFETY: `offset + i < end <= len`: inside the allocation; volatile because the
            // device may read the buffer concurrently.
            unsafe { base.add(offset + i).write_volatile(*b) };
        }
        Ok(())
    }

    /// Kernel address of bytes `offset..offset + len`, `None` when out of range (the pointer is
    /// for C code that copies from the buffer).
    pub(crate) fn span(&self, offset: usize, len: usize) -> Option<*const u8> {
        let end = offset.checked_add(len)?;
        if end > self.mem.len() {
            return None;
        }
        Some(
            self.mem
                .as_mut_ptr()
                .cast::<u8>()
                .cast_const()
                .wrapping_add(offset),
        )
    }

    /// Copies bytes `offset..offset + dst.len()` into `dst`; `EINVAL` if out of range.
    pub(crate) fn read(&self, offset: usize, dst: &mut [u8]) -> Result {
        let end = offset.checked_add(dst.len()).ok_or(EINVAL)?;
        if end > self.mem.len() {
            return Err(EINVAL);
        }
        let base = self.mem.as_mut_ptr().cast::<u8>();
        for (i, b) in dst.iter_mut().enumerate() {
            // SAFETY: in bounds as above; volatile because the device writes the buffer.
            *b = unsafe { base.add(offset + i).read_volatile() };
        }
        Ok(())
    }
}

/// What a transmit mapping maps, which decides how it is unmapped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    /// The linear part of an skb (`dma_map_single`).
    Head,
    /// A page fragment of an skb (`skb_frag_dma_map`).
    Frag,
}

/// A streaming DMA mapping of part of an skb, to the device.
///
/// It must be given back with [`TxMap::unmap`] on the device it was mapped for; forgetting it
/// leaks the mapping (which DMA-API debugging reports) but is not unsafe.
#[must_use]
pub(crate) struct TxMap {
    addr: DmaAddress,
    len: u32,
    kind: MapKind,
}

impl TxMap {
    /// Maps the linear part of `skb`.
    pub(crate) fn head(dev: &device::Device<Bound>, skb: &Skb) -> Result<Self> {
        let (mut addr, mut len) = (0, 0u32);
        // SAFETY: `dev` is bound, `skb` is a valid skb owned by the caller; `addr` and `len`
        // are writable. The helper checks the mapping (one call where three were).
        to_result(unsafe {
            sys::rxgbe_skb_map_head(raw_device(dev), skb.as_raw(), &mut addr, &mut len)
        })?;
        Ok(Self {
            addr,
            len,
            kind: MapKind::Head,
        })
    }

    /// Maps page fragment `i` of `skb` (`EINVAL` when it has none).
    pub(crate) fn frag(dev: &device::Device<Bound>, skb: &Skb, i: u32) -> Result<Self> {
        let (mut addr, mut len) = (0, 0u32);
        // SAFETY: `dev` is bound, `skb` is a valid skb owned by the caller whose fragment count
        // the helper checks `i` against; `addr` and `len` are writable.
        to_result(unsafe {
            sys::rxgbe_skb_map_frag(raw_device(dev), skb.as_raw(), i, &mut addr, &mut len)
        })?;
        Ok(Self {
            addr,
            len,
            kind: MapKind::Frag,
        })
    }

    /// Checks a `dma_map_single` mapping of `len` bytes made on `dev` (an XDP frame's).
    pub(super) fn single(dev: &device::Device<Bound>, addr: DmaAddress, len: u32) -> Result<Self> {
        Self::checked(dev, addr, len, MapKind::Head)
    }

    fn checked(
        dev: &device::Device<Bound>,
        addr: DmaAddress,
        len: u32,
        kind: MapKind,
    ) -> Result<Self> {
        // SAFETY: `addr` was just returned by a mapping call on `dev`.
        if unsafe { sys::rxgbe_dma_mapping_error(raw_device(dev), addr) } {
            return Err(ENOMEM);
        }
        Ok(Self { addr, len, kind })
    }

    /// Bus address.
    pub(crate) fn addr(&self) -> DmaAddress {
        self.addr
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// Releases the mapping.
    pub(crate) fn unmap(self, dev: &device::Device<Bound>) {
        // SAFETY: the mapping was created on `dev` with this address, length and direction.
        unsafe {
            match self.kind {
                MapKind::Head => sys::rxgbe_dma_unmap_single(raw_device(dev), self.addr, self.len),
                MapKind::Frag => sys::rxgbe_dma_unmap_page(raw_device(dev), self.addr, self.len),
            }
        }
    }
}

/// Sets the device's streaming and coherent DMA masks to `bits` bits.
///
/// Takes the probe-time (`Core`) device: no DMA allocation or mapping can run concurrently then.
pub(crate) fn set_mask_at_probe(dev: &kernel::pci::Device<device::Core<'_>>, bits: u32) -> Result {
    use kernel::dma::Device as _;
    let mask = kernel::dma::DmaMask::try_new(bits)?;
    // SAFETY: called from probe, before the driver allocates or maps any DMA memory, so nothing
    // uses the mask concurrently.
    unsafe { dev.dma_set_mask_and_coherent(mask) }
}
