// SPDX-License-Identifier: GPL-2.0

//! Spinlocks shared between process context and softirq context (NAPI, transmit).
//!
//! The kernel crate's `SpinLock` has no `_bh` flavour. A lock that a NAPI poll or the transmit
//! path takes must be taken with bottom halves disabled everywhere else, or a softirq on the same
//! CPU could spin on it forever (lockdep reports this as a SOFTIRQ-safe -> SOFTIRQ-unsafe order).
//! [`lock_bh`] is `spin_lock_bh()`: it disables bottom halves, then locks.

use core::{
    marker::PhantomData,
    ops::{Deref, DerefMut},
};
use kernel::sync::{lock::spinlock::SpinLockGuard, SpinLock};

use super::sys;

/// Bottom halves disabled on this CPU until dropped. Not `Send`: it must be re-enabled on the
/// CPU that disabled it.
struct BhDisabled(PhantomData<*mut ()>);

impl BhDisabled {
    fn new() -> Self {
        // SAFETY: process or softirq context (never hard IRQ, where no caller of `lock_bh` runs);
        // paired with the enable in `drop`.
        unsafe { sys::rxgbe_local_bh_disable() };
        Self(PhantomData)
    }
}

impl Drop for BhDisabled {
    fn drop(&mut self) {
        // SAFETY: paired with the disable in `new`, on the same CPU (the type is not `Send`).
        unsafe { sys::rxgbe_local_bh_enable() };
    }
}

/// A held spinlock with bottom halves disabled; both are released on drop, lock first.
pub(crate) struct BhGuard<'a, T> {
    guard: SpinLockGuard<'a, T>,
    _bh: BhDisabled,
}

/// Disables bottom halves and takes `lock` (`spin_lock_bh`).
pub(crate) fn lock_bh<T>(lock: &SpinLock<T>) -> BhGuard<'_, T> {
    let bh = BhDisabled::new();
    BhGuard {
        guard: lock.lock(),
        _bh: bh,
    }
}

impl<T> Deref for BhGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: Unpin> DerefMut for BhGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
