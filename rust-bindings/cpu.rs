// SPDX-License-Identifier: GPL-2.0

//! Online CPUs, for sizing queues and spreading their interrupts.

use super::sys;

/// Number of CPUs currently online (at least 1).
pub(crate) fn online_count() -> u32 {
    // SAFETY: reads a global counter; callable from any context.
    unsafe { sys::rxgbe_num_online_cpus() }.max(1)
}

/// The `n`-th online CPU, counting modulo the number of online CPUs.
pub(crate) fn nth_online(n: u32) -> u32 {
    // SAFETY: reads the online mask; the helper wraps `n` into range.
    unsafe { sys::rxgbe_cpumask_nth_online(n) }
}

/// The CPU running the caller, which must not migrate (bottom halves or preemption off).
pub(crate) fn current() -> u32 {
    // SAFETY: reads this CPU's number; the caller keeps it valid by not migrating.
    unsafe { sys::rxgbe_smp_processor_id() }
}
