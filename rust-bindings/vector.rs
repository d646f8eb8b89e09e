// SPDX-License-Identifier: GPL-2.0

//! Interrupt vectors with an optional NAPI instance: [`Vector`] owns both and the driver's
//! per-vector data, and tears them down in the right order.

use core::{
    ffi::c_void,
    fmt::{self, Write},
    mem::ManuallyDrop,
    ptr,
};
use kernel::{bindings, irq::IrqReturn, prelude::*};

use super::{
    netdev::NetDev,
    pool::PoolPage,
    skb::{RxMeta, Skb},
    sys,
};

/// The driver's side of a vector.
pub(crate) trait VectorHandler: Send + Sync + Sized {
    /// Hard interrupt handler.
    fn irq(&self, ctx: &IrqContext<'_>) -> IrqReturn;
    /// NAPI poll: process at most `budget` packets, return the work done. Only vectors created
    /// with a NAPI instance are polled.
    fn poll(&self, ctx: &NapiRef<'_>, budget: i32) -> i32;
}

/// The NAPI instance and net device of a vector, as seen from its callbacks.
pub(crate) struct NapiRef<'a> {
    napi: *mut bindings::napi_struct,
    dev: &'a NetDev,
}

impl NapiRef<'_> {
    /// The vector's net device.
    pub(crate) fn netdev(&self) -> &NetDev {
        self.dev
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::napi_struct {
        self.napi
    }

    /// Ends a poll that did less than its budget; returns whether interrupts may be re-enabled.
    pub(crate) fn complete_done(&self, work: i32) -> bool {
        if self.napi.is_null() {
            return false;
        }
        // SAFETY: called from this instance's poll.
        unsafe { sys::napi_complete_done(self.napi, work) }
    }

    /// Passes a received skb, arrived on `queue`, to the stack through GRO: records the queue
    /// and sets the protocol first. Returns the frame's length (0 when it was dropped instead).
    pub(crate) fn receive(&self, skb: Skb, queue: u16) -> u32 {
        if self.napi.is_null() {
            return 0;
        }
        // SAFETY: only called from this instance's poll (the only place a driver receives).
        unsafe { skb.receive(self.napi, queue) }
    }

    /// Passes a whole received frame, the `len` bytes at `headroom` of page-pool buffer `page`,
    /// to the stack through GRO with the MAC's verdicts `meta`: [`Skb::build`],
    /// [`Skb::set_rx_meta`] and [`Self::receive`] in one call. Returns the frame's length, or
    /// the buffer when no skb could be allocated.
    pub(crate) fn receive_buf(
        &self,
        page: PoolPage,
        headroom: u32,
        len: u32,
        meta: &RxMeta,
    ) -> Result<u32, PoolPage> {
        if self.napi.is_null() {
            return Err(page);
        }
        // SAFETY: only called from this instance's poll; `page` is a pool buffer owned by the
        // caller whose `headroom + len` bytes fit (the device's buffer size was programmed from
        // the same layout); `meta` is read during the call only.
        let ret = unsafe {
            sys::rxgbe_napi_receive_buf(
                self.napi,
                page.address(),
                page.truesize(),
                headroom,
                len,
                meta,
            )
        };
        match u32::try_from(ret) {
            Ok(n) => {
                // The skb owns the buffer now and returns it to its pool when freed.
                page.into_skb();
                Ok(n)
            }
            Err(_) => Err(page),
        }
    }
}

/// What a vector's interrupt handler sees: its NAPI instance and net device, with hard
/// interrupts off.
///
/// # Invariants
///
/// Only made by the interrupt entry point, for the duration of the handler: hard interrupts are
/// off on this CPU while it exists.
pub(crate) struct IrqContext<'a>(NapiRef<'a>);

impl IrqContext<'_> {
    /// The vector's net device.
    pub(crate) fn netdev(&self) -> &NetDev {
        self.0.dev
    }

    /// Schedules the NAPI poll (no-op for a vector without NAPI or when already scheduled).
    pub(crate) fn schedule(&self) -> bool {
        if self.0.napi.is_null() {
            return false;
        }
        // SAFETY: a registered NAPI instance of a live vector; hard interrupts are off (type
        // invariant), as the irqoff variant requires.
        unsafe { sys::rxgbe_napi_schedule_irqoff(self.0.napi) }
    }
}

/// Which kind of queue a NAPI instance serves, for `netif_queue_set_napi`.
#[derive(Clone, Copy)]
pub(crate) enum QueueKind {
    /// A receive queue.
    Rx,
    /// A transmit queue.
    Tx,
}

const NAME_LEN: usize = 32;

/// What the callbacks see: set up before any callback can run, immutable afterwards.
struct Inner<T> {
    napi: *mut bindings::napi_struct,
    dev: *mut bindings::net_device,
    /// Dropped by `Vector::drop` explicitly, before the NAPI instance is deleted: driver data
    /// such as a page pool may refer to the NAPI instance until it is gone.
    data: ManuallyDrop<T>,
}

/// A vector: driver data `T`, an optional NAPI instance and an optional interrupt handler.
///
/// # Invariants
///
/// - `inner` is heap-allocated and never moves: its address is the NAPI owner and IRQ cookie.
/// - `inner.napi`, when non-null, is registered on `inner.dev` with `inner` as owner.
/// - `inner.dev` outlives the vector: vectors are owned by driver data that lives in the net
///   device's private area, which is freed only after that data is dropped.
pub(crate) struct Vector<T: VectorHandler> {
    inner: KBox<Inner<T>>,
    irq: Option<u32>,
    napi_enabled: bool,
    linked: KVec<(QueueKind, u32)>,
    name: KBox<[u8; NAME_LEN]>,
}

// SAFETY: `T: Send + Sync`; the raw pointers are to kernel objects usable from any CPU.
unsafe impl<T: VectorHandler> Send for Vector<T> {}
// SAFETY: Shared access only reads `data` (`Sync`) and calls thread-safe NAPI functions.
unsafe impl<T: VectorHandler> Sync for Vector<T> {}

struct NameBuf<'a> {
    buf: &'a mut [u8; NAME_LEN],
    len: usize,
}

impl Write for NameBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            // Keep the last byte for the terminating NUL; longer names are cut.
            if self.len + 1 < NAME_LEN {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

impl<T: VectorHandler> Vector<T> {
    /// Creates a vector for `dev`; with `napi_index`, it gets a NAPI instance with that
    /// persistent-config index.
    pub(crate) fn new(dev: &NetDev, data: T, napi_index: Option<u32>) -> Result<Self> {
        // Everything fallible that does not need `inner` comes first, so that `data` (wrapped in
        // `ManuallyDrop` below) never needs dropping by hand on an error path but one.
        let name = KBox::new([0u8; NAME_LEN], GFP_KERNEL)?;
        let index = napi_index.map(i32::try_from).transpose()?;
        let slot = KBox::<Inner<T>>::new_uninit(GFP_KERNEL)?;
        let mut inner = KBox::write(
            slot,
            Inner {
                napi: ptr::null_mut(),
                dev: dev.as_raw(),
                data: ManuallyDrop::new(data),
            },
        );
        if let Some(index) = index {
            let owner = ptr::from_ref::<Inner<T>>(&inner)
                .cast_mut()
                .cast::<c_void>();
            // SAFETY: `dev` is live; `owner` is the stable heap address of `inner`, which
            // outlives the NAPI instance (freed in `drop` first).
            let napi =
                unsafe { sys::rxgbe_napi_alloc(dev.as_raw(), Some(poll_cb::<T>), owner, index) };
            if napi.is_null() {
                // SAFETY: no NAPI instance or interrupt refers to `inner`; dropped once.
                unsafe { ManuallyDrop::drop(&mut inner.data) };
                return Err(ENOMEM);
            }
            // No callback can run yet: the instance is disabled and no interrupt is requested.
            inner.napi = napi;
        }
        Ok(Self {
            inner,
            irq: None,
            napi_enabled: false,
            linked: KVec::new(),
            name,
        })
    }

    /// The driver data.
    pub(crate) fn data(&self) -> &T {
        &self.inner.data
    }

    /// A handle for scheduling this vector's NAPI from outside its callbacks.
    pub(crate) fn napi(&self) -> NapiRef<'_> {
        // SAFETY: `dev` outlives the vector (type invariant).
        let dev = unsafe { NetDev::from_raw(self.inner.dev) };
        NapiRef {
            napi: self.inner.napi,
            dev,
        }
    }

    /// Requests interrupt `irq` for this vector, named from `name` (cut to 31 bytes).
    pub(crate) fn request_irq(
        &mut self,
        irq: u32,
        shared: bool,
        name: fmt::Arguments<'_>,
    ) -> Result {
        if self.irq.is_some() {
            return Err(EBUSY);
        }
        let mut nb = NameBuf {
            buf: &mut self.name,
            len: 0,
        };
        let _ = nb.write_fmt(name);
        let len = nb.len;
        self.name[len] = 0;
        let flags = if shared {
            bindings::IRQF_SHARED as usize
        } else {
            0
        };
        let cookie = self.cookie();
        // SAFETY: `cookie` is the stable address of `inner`, alive until `free_irq` (called in
        // `free_irq`/`drop` before `inner` goes); the name buffer is a separate stable box that
        // is not written while the interrupt is requested.
        kernel::error::to_result(unsafe {
            sys::rxgbe_request_irq(
                irq,
                Some(irq_cb::<T>),
                flags,
                self.name.as_ptr().cast(),
                cookie,
            )
        })?;
        self.irq = Some(irq);
        if !self.inner.napi.is_null() {
            // SAFETY: registered NAPI instance; the IRQ number is valid while requested.
            unsafe { sys::rxgbe_napi_set_irq(self.inner.napi, irq as i32) };
        }
        Ok(())
    }

    /// Frees the interrupt, waiting for a running handler to finish.
    pub(crate) fn free_irq(&mut self) {
        if let Some(irq) = self.irq.take() {
            let cookie = self.cookie();
            // SAFETY: `irq` is requested by this vector; free_irq wants the hint gone first.
            unsafe { sys::rxgbe_irq_clear_affinity_hint(irq) };
            if !self.inner.napi.is_null() {
                // SAFETY: registered NAPI instance.
                unsafe { sys::rxgbe_napi_set_irq(self.inner.napi, -1) };
            }
            // SAFETY: requested in `request_irq` with this cookie.
            unsafe { sys::free_irq(irq, cookie) };
        }
    }

    /// Steers the vector's interrupt to `cpu` (an online CPU) and publishes it as the hint
    /// irqbalance and the XPS defaults follow.
    pub(crate) fn set_affinity(&self, cpu: u32) -> Result {
        let irq = self.irq.ok_or(EINVAL)?;
        // SAFETY: `irq` is requested by this vector; the hint is cleared in `free_irq`.
        kernel::error::to_result(unsafe { sys::rxgbe_irq_set_affinity_hint(irq, cpu) })
    }

    /// Publishes `cpu` as the interrupt's affinity hint without moving it: the affinity the
    /// interrupt has (set by an earlier [`Self::set_affinity`] or by the user through
    /// `/proc/irq/N/smp_affinity`) stays, as it does across `free_irq`/`request_irq`.
    pub(crate) fn set_affinity_hint(&self, cpu: u32) -> Result {
        let irq = self.irq.ok_or(EINVAL)?;
        // SAFETY: `irq` is requested by this vector; the hint is cleared in `free_irq`.
        kernel::error::to_result(unsafe { sys::rxgbe_irq_set_hint_only(irq, cpu) })
    }

    /// Re-applies the interrupt's current affinity, so that the affinity notifiers (the accelerated
    /// RFS CPU map of the net device) learn it for a NAPI instance that just got the interrupt.
    pub(crate) fn refresh_affinity(&self) -> Result {
        let irq = self.irq.ok_or(EINVAL)?;
        // SAFETY: `irq` is requested by this vector.
        kernel::error::to_result(unsafe { sys::rxgbe_irq_refresh_affinity(irq) })
    }

    /// Links queue `index` of `kind` to this vector's NAPI instance (shown by netlink).
    pub(crate) fn link_queue(&mut self, kind: QueueKind, index: u32) -> Result {
        if self.inner.napi.is_null() {
            return Err(EINVAL);
        }
        self.linked.push((kind, index), GFP_KERNEL)?;
        // SAFETY: live device and registered NAPI; called under RTNL from open.
        unsafe { sys::netif_queue_set_napi(self.inner.dev, index, kind.raw(), self.inner.napi) };
        Ok(())
    }

    /// Enables NAPI polling.
    pub(crate) fn napi_enable(&mut self) {
        if !self.inner.napi.is_null() && !self.napi_enabled {
            // SAFETY: registered, currently disabled NAPI instance.
            unsafe { sys::napi_enable(self.inner.napi) };
            self.napi_enabled = true;
        }
    }

    /// Disables NAPI polling, waiting for a running poll to finish.
    pub(crate) fn napi_disable(&mut self) {
        if self.napi_enabled {
            // SAFETY: registered, enabled NAPI instance.
            unsafe { sys::napi_disable(self.inner.napi) };
            self.napi_enabled = false;
        }
    }
}

impl<T: VectorHandler> Vector<T> {
    fn cookie(&self) -> *mut c_void {
        ptr::from_ref::<Inner<T>>(&self.inner).cast_mut().cast()
    }
}

impl QueueKind {
    fn raw(self) -> sys::netdev_queue_type {
        match self {
            QueueKind::Rx => sys::netdev_queue_type_NETDEV_QUEUE_TYPE_RX,
            QueueKind::Tx => sys::netdev_queue_type_NETDEV_QUEUE_TYPE_TX,
        }
    }
}

impl<T: VectorHandler> Drop for Vector<T> {
    fn drop(&mut self) {
        self.free_irq();
        self.napi_disable();
        for (kind, index) in self.linked.iter() {
            // SAFETY: live device; clears the queue's link before the NAPI instance goes.
            unsafe {
                sys::netif_queue_set_napi(self.inner.dev, *index, kind.raw(), ptr::null_mut())
            };
        }
        // SAFETY: no callback can run any more (interrupt freed, NAPI disabled), nothing else
        // refers to the data, and it is dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.inner.data) };
        if !self.inner.napi.is_null() {
            // SAFETY: registered and disabled; deleted and freed exactly once.
            unsafe { sys::rxgbe_napi_free(self.inner.napi) };
        }
    }
}

/// C entry point `poll_cb`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn poll_cb<T: VectorHandler>(
    napi: *mut bindings::napi_struct,
    budget: i32,
) -> i32 {
    // SAFETY: the owner of every NAPI created by `Vector::new` is its live `Inner<T>`.
    let inner = unsafe { &*sys::rxgbe_napi_owner(napi).cast::<Inner<T>>() };
    // SAFETY: the device outlives the vector (type invariant of `Vector`).
    let dev = unsafe { NetDev::from_raw(inner.dev) };
    let ctx = NapiRef { napi, dev };
    inner.data.poll(&ctx, budget)
}

/// C entry point `irq_cb`.
///
/// # Safety
///
/// Only called by the kernel through the table or registration built for `T`, with the
/// arguments that callback documents.
unsafe extern "C" fn irq_cb<T: VectorHandler>(
    _irq: i32,
    cookie: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: the cookie is the live `Inner<T>` given to `request_irq`.
    let inner = unsafe { &*cookie.cast::<Inner<T>>() };
    // SAFETY: the device outlives the vector (type invariant of `Vector`).
    let dev = unsafe { NetDev::from_raw(inner.dev) };
    // INVARIANT: an interrupt handler runs with hard interrupts off (a handler forced into a
    // thread too, on !PREEMPT_RT; on PREEMPT_RT the irqoff scheduling takes its own lock).
    let ctx = IrqContext(NapiRef {
        napi: inner.napi,
        dev,
    });
    bindings::irqreturn_t(inner.data.irq(&ctx) as u32)
}
