// SPDX-License-Identifier: GPL-2.0

//! `ethtool -t`: the register, interrupt, loopback and link tests.
//!
//! The offline tests take the interface down for their duration (the device is reset for
//! them), then bring it back as it was; the online test only checks the link.

use kernel::{
    io::poll::read_poll_timeout,
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    time::Delta,
};

use crate::adapter::Adapter;
use crate::hal::{regs::cause, Hw, IrqMode};
use crate::loopback;
use crate::msglevel::msg;
use crate::net::{netdev::NetDev, vector::Vector};
use crate::queue_vector::{OtherVector, QueueVector};

/// Result names (`ethtool -t` output), in result order.
pub(crate) const NAMES: [&str; 4] = [
    "Register test  (offline)",
    "Interrupt test (offline)",
    "Loopback test  (offline)",
    "Link test   (on/offline)",
];
const REGISTER: usize = 0;
const INTERRUPT: usize = 1;
const LOOPBACK: usize = 2;
const LINK: usize = 3;

/// Patterns the register test writes (masked by each register's writable bits).
const PATTERNS: [u32; 4] = [0x5A5A_5A5A, 0xA5A5_A5A5, 0x0000_0000, 0xFFFF_FFFF];
/// How long an interrupt raised from software may take to arrive.
const IRQ_TIMEOUT_MS: i64 = 1000;
/// `EIMS`, read for the interrupt test's failure message.
const EIMS_OFFSET: usize = 0x1524;
/// How long the link may take to come up (QEMU autonegotiates in about 500 ms).
const LINK_TIMEOUT_MS: i64 = 5000;

/// Writes each pattern into each test register and reads it back; restores the registers.
/// Returns the offset of the first register that did not keep a pattern.
fn register_test(hw: &Hw<'_>) -> Option<usize> {
    for &(offset, mask) in hw.mac.test_registers() {
        let saved = hw.raw_read(offset);
        let bad = PATTERNS.iter().any(|p| {
            hw.raw_write(offset, p & mask).is_err() || hw.raw_read(offset) & mask != p & mask
        });
        let _ = hw.raw_write(offset, saved);
        if bad {
            return Some(offset);
        }
    }
    None
}

/// Waits until `count` moves past `before`.
fn moved(count: &Atomic<u64>, before: u64) -> bool {
    read_poll_timeout(
        || Ok(count.load(Relaxed)),
        |n| *n != before,
        Delta::from_micros(100),
        Delta::from_millis(IRQ_TIMEOUT_MS),
    )
    .is_ok()
}

/// Raises each vector's interrupt from software and waits for its handler to run. Returns the
/// first vector that stayed silent.
fn interrupt_test<'a>(
    hw: &Hw<'_>,
    mode: IrqMode,
    queues: impl Iterator<Item = &'a Atomic<u64>>,
    other: Option<(&'a Atomic<u64>, u32)>,
) -> Option<usize> {
    let mut n = 0;
    for (v, count) in queues.enumerate() {
        let before = count.load(Relaxed);
        match mode {
            IrqMode::Msix => hw.vectors_raise(1 << v),
            IrqMode::Single => hw.raise_causes(cause::RXT0),
        }
        if !moved(count, before) {
            return Some(v);
        }
        n = v + 1;
    }
    if let Some((count, bit)) = other {
        let before = count.load(Relaxed);
        hw.vectors_raise(bit);
        if !moved(count, before) {
            return Some(n);
        }
    }
    None
}

impl Adapter<'_> {
    /// Runs the self-test; writes one result per [`NAMES`] entry (0 = pass, 1 = fail; tests
    /// not run stay 0) and returns whether any failed.
    pub(crate) fn run_self_test(&self, nd: &NetDev, offline: bool, results: &mut [u64]) -> bool {
        let mut failed = [false; NAMES.len()];
        if offline {
            let addr = nd.addr();
            let hw = &*self.hw;
            let idle = || {
                let regs = hw.reset().map_or(Some(0), |()| register_test(hw));
                let lb = hw
                    .reset()
                    .map_err(loopback::Failure::Setup)
                    .and_then(|()| loopback::run(hw, self.pci_dev(), &addr));
                (regs, lb)
            };
            let live = |queues: &[Vector<QueueVector<'_>>],
                        other: Option<&Vector<OtherVector<'_>>>| {
                let link = hw.wait_link_up(LINK_TIMEOUT_MS);
                let irq = interrupt_test(
                    hw,
                    self.irq_mode(),
                    queues.iter().map(|v| &v.data().irqs),
                    other.map(|o| (&o.data().irqs, o.data().vector_bit)),
                );
                (irq, link)
            };
            match self.offline_test(nd, idle, live) {
                Ok(((regs, lb), (irq, link))) => {
                    failed[REGISTER] = regs.is_some();
                    failed[LOOPBACK] = lb.is_err();
                    failed[INTERRUPT] = irq.is_some();
                    failed[LINK] = !link;
                    if hw.msg.on(msg::HW) {
                        if let Some(off) = regs {
                            pr_err!("self-test: register {off:#06x} did not hold a pattern\n");
                        }
                        if let Err(e) = &lb {
                            e.report();
                        }
                        if let Some(v) = irq {
                            let eims = hw.raw_read(EIMS_OFFSET);
                            pr_err!("self-test: vector {v} raised no interrupt (EIMS {eims:#x})\n");
                        }
                    }
                }
                Err(_) => failed.fill(true),
            }
        } else {
            failed[LINK] = !self.hw.wait_link_up(LINK_TIMEOUT_MS);
        }
        for (r, f) in results.iter_mut().zip(failed.iter()) {
            *r = u64::from(*f);
        }
        failed.iter().any(|f| *f)
    }
}
