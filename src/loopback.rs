// SPDX-License-Identifier: GPL-2.0

//! The loopback self-test: frames sent on a private transmit ring come back through the MAC's
//! (or PHY's) loopback into a private receive ring, and each must arrive whole and unchanged.
//!
//! Runs on a quiesced, freshly reset device with interrupts masked: the rings are polled, and
//! neither the stack nor the data path's rings are involved.

use kernel::{device::Bound, io::poll::read_poll_timeout, pci, prelude::*, time::Delta};

use crate::hal::Hw;
use crate::logic::{desc, offload::DataOffload, wire};
use crate::net::dma::{DescRing, DmaBytes};
use crate::net::netdev::MacAddr;

/// Frames sent (and descriptors per ring: one each, so nothing wraps).
const FRAMES: usize = 16;
/// Bytes per frame, without FCS.
const FRAME_LEN: usize = 1000;
/// Receive buffer size (the MACs' 2 KiB receive buffer setting).
const BUF_LEN: usize = 2048;
/// The local experimental ethertype: nothing in the stack claims these frames.
const ETHERTYPE: [u8; 2] = [0x88, 0xB5];
/// How long the link may take to come up after the reset (QEMU: about 500 ms).
const LINK_TIMEOUT_MS: i64 = 5000;
/// How long one frame may take to come back.
const FRAME_TIMEOUT_MS: i64 = 500;
/// How long the loopback path may take to start passing frames (QEMU's 82540EM refuses
/// receive for one second after every receive control write).
const READY_TIMEOUT_MS: u32 = 3000;
const READY_PROBE_MS: u32 = 100;

/// Why a loopback test failed.
pub(crate) enum Failure {
    /// A frame did not come back in time.
    Lost(usize),
    /// A frame came back with another length or other bytes.
    Corrupt(usize),
    /// Setting up rings or loopback failed.
    Setup(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Setup(e)
    }
}

impl Failure {
    /// Logs the failure.
    pub(crate) fn report(&self) {
        match self {
            Failure::Lost(n) => pr_err!("self-test: loopback frame {n} did not come back\n"),
            Failure::Corrupt(n) => pr_err!("self-test: loopback frame {n} came back changed\n"),
            Failure::Setup(e) => pr_err!("self-test: loopback setup failed: {e:?}\n"),
        }
    }
}

/// Bytes of a ring, as the length registers take them.
fn ring_bytes(ring: &DescRing) -> Result<u32, Failure> {
    u32::try_from(ring.byte_len()).map_err(|_| Failure::Setup(EINVAL))
}

/// Byte `i` of test frame `n` (after the Ethernet header): differs between frames and within.
fn pattern(n: usize, i: usize) -> u8 {
    (n.wrapping_mul(31) ^ i.wrapping_mul(7)) as u8
}

/// The destination of the test frames: the device's address, locally administered.
fn test_address(src: &MacAddr) -> MacAddr {
    let mut a = *src;
    a[0] ^= 0x02;
    a
}

fn build_frame(n: usize, dst: &MacAddr, src: &MacAddr, out: &mut [u8; FRAME_LEN]) {
    out[..6].copy_from_slice(dst);
    out[6..12].copy_from_slice(src);
    out[12..14].copy_from_slice(&ETHERTYPE);
    for (i, b) in out[14..].iter_mut().enumerate() {
        *b = pattern(n, i);
    }
}

/// The private rings and buffers of one test run.
struct Rings {
    tx: DescRing,
    rx: DescRing,
    tx_buf: DmaBytes,
    rx_buf: DmaBytes,
}

/// Runs the loopback test on receive and transmit queue 0 of a reset device. Leaves loopback
/// off and the receiver and transmitter disabled.
pub(crate) fn run(hw: &Hw<'_>, pdev: &pci::Device<Bound>, src: &MacAddr) -> Result<(), Failure> {
    let dev = pdev.as_ref();
    // One spare descriptor each: a ring is empty when head == tail.
    let rings = Rings {
        tx: DescRing::new(dev, FRAMES + 1)?,
        rx: DescRing::new(dev, FRAMES + 1)?,
        tx_buf: DmaBytes::new(dev, FRAMES * BUF_LEN)?,
        rx_buf: DmaBytes::new(dev, FRAMES * BUF_LEN)?,
    };
    let result = exchange(hw, &rings, src);
    let off = hw.set_loopback(false);
    hw.disable_rx_tx(1);
    result?;
    off.map_err(Failure::Setup)
}

fn exchange(hw: &Hw<'_>, r: &Rings, src: &MacAddr) -> Result<(), Failure> {
    let fmt = hw.mac.desc_format();
    hw.setup_tx_ring(0, r.tx.dma_address(), ring_bytes(&r.tx)?)?;
    hw.setup_rx_ring(0, r.rx.dma_address(), ring_bytes(&r.rx)?)?;
    let rx_base = r.rx_buf.dma_address();
    for i in 0..FRAMES {
        r.rx.write(i, desc::rx_ready(fmt, rx_base + (i * BUF_LEN) as u64));
    }
    // The MAC stays connected to the wire (QEMU's loopback modes do not cut it off): accept only
    // the test address, a locally administered variant of the device's, so that the peer's
    // traffic to the device's address, broadcasts and multicasts stay out of the test ring.
    let test_addr = test_address(src);
    hw.write_mac_addr(&test_addr);
    hw.set_rx_filter(false, false, &[], false);
    // The MAC receives only with the link up, which a reset takes down on the 82576.
    hw.link_up();
    hw.start_autoneg()?;
    if !hw.wait_link_up(LINK_TIMEOUT_MS) {
        return Err(Failure::Setup(ETIMEDOUT));
    }
    hw.enable_tx(1);
    hw.enable_rx(1, BUF_LEN as u32, (FRAME_LEN + 4) as u32, false);
    hw.set_broadcast(false);
    hw.set_loopback(true)?;
    hw.rx_tail(0, FRAMES as u16);

    let mut frame = [0u8; FRAME_LEN];
    for n in 0..FRAMES {
        build_frame(n, &test_addr, src, &mut frame);
        let at = n * BUF_LEN;
        r.tx_buf.write(at, &frame)?;
        r.tx.write(n, tx_desc(r, fmt, n));
        hw.tx_tail(0, (n + 1) as u16);
        let timeout = if n == 0 {
            // The first frame also waits for the loopback path to come up; it is re-sent
            // while the receiver still refuses frames (see READY_TIMEOUT_MS).
            wait_first(hw, r, fmt)?
        } else {
            wait_rx(r, fmt, n, FRAME_TIMEOUT_MS)
        };
        let done = timeout.ok_or(Failure::Lost(n))?;
        check(r, n, done.len, &frame)?;
    }
    Ok(())
}

/// The transmit descriptor of frame `n`.
fn tx_desc(r: &Rings, fmt: desc::Format, n: usize) -> [u64; 2] {
    let buf = desc::TxBuf {
        timestamp: false,
        addr: r.tx_buf.dma_address() + (n * BUF_LEN) as u64,
        len: FRAME_LEN as u16,
        eop: true,
        packet_len: FRAME_LEN as u32,
        offload: DataOffload::default(),
    };
    desc::tx_data(fmt, buf)
}

/// Waits for descriptor `n` of the receive ring to be written back.
fn wait_rx(r: &Rings, fmt: desc::Format, n: usize, ms: i64) -> Option<desc::RxDone> {
    read_poll_timeout(
        || Ok(desc::rx_done(fmt, r.rx.read(n))),
        |d| d.is_some(),
        Delta::from_micros(100),
        Delta::from_millis(ms),
    )
    .ok()
    .flatten()
}

/// Waits for frame 0, re-sending it until the receiver takes frames: a frame the receiver
/// refuses is dropped (never delivered late), so the first that arrives is in receive slot 0.
fn wait_first(hw: &Hw<'_>, r: &Rings, fmt: desc::Format) -> Result<Option<desc::RxDone>, Failure> {
    let mut waited = 0;
    while waited < READY_TIMEOUT_MS {
        if let Some(d) = wait_rx(r, fmt, 0, i64::from(READY_PROBE_MS)) {
            return Ok(Some(d));
        }
        waited += READY_PROBE_MS;
        // Once sent (and refused), frame 0 goes out again from slot 0: the ring is rewound,
        // which is safe while it is idle.
        if desc::tx_done(fmt, r.tx.read(0)) {
            r.tx.write(0, tx_desc(r, fmt, 0));
            hw.setup_tx_ring(0, r.tx.dma_address(), ring_bytes(&r.tx)?)?;
            hw.enable_tx(1);
            hw.tx_tail(0, 1);
        }
    }
    Ok(None)
}

/// Compares received frame `n` with what was sent.
fn check(r: &Rings, n: usize, len: u16, sent: &[u8; FRAME_LEN]) -> Result<(), Failure> {
    // The MAC leaves the FCS in the buffer (see Hw::enable_rx).
    if wire::split_fcs(u32::from(len)) != (FRAME_LEN as u32, 0) {
        return Err(Failure::Corrupt(n));
    }
    let mut got = [0u8; FRAME_LEN];
    r.rx_buf.read(n * BUF_LEN, &mut got)?;
    if got != *sent {
        return Err(Failure::Corrupt(n));
    }
    Ok(())
}
