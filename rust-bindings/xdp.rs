// SPDX-License-Identifier: GPL-2.0

//! XDP in driver mode: the attached program ([`XdpProg`]), running it on a received buffer
//! ([`XdpRx::run`]), the frames it sends on ([`XdpFrame`]), and the `ndo_bpf` and
//! `ndo_xdp_xmit` callbacks ([`XdpOps`]).

use core::ptr::NonNull;
use kernel::{bindings, device, error::to_result, prelude::*, str::CStr};

use super::{
    dma::{raw_device, TxMap},
    netdev::{errno_of, with_dev, NetDev, NetDevOps},
    pool::{PagePool, PoolPage},
    sys,
    vector::NapiRef,
    xsk::{XskBuf, XskPool},
};

/// What rxgbe offers (`xdp-features`): the basic actions, redirecting, and being a
/// redirect target.
pub(crate) const FEATURES: u64 = sys::RXGBE_NETDEV_XDP_ACT_BASIC
    | sys::RXGBE_NETDEV_XDP_ACT_REDIRECT
    | sys::RXGBE_NETDEV_XDP_ACT_NDO_XMIT
    | sys::RXGBE_NETDEV_XDP_ACT_XSK_ZEROCOPY;

/// Headroom a buffer needs in front of the frame for a program (`XDP_PACKET_HEADROOM`).
pub(crate) const HEADROOM: u32 = sys::XDP_PACKET_HEADROOM;

/// An XDP program, holding one reference.
///
/// # Invariants
///
/// `prog` is a live program this value holds a reference of.
pub(crate) struct XdpProg {
    prog: NonNull<bindings::bpf_prog>,
}

// SAFETY: A program reference may be used and dropped on any CPU.
unsafe impl Send for XdpProg {}
// SAFETY: Running a program through a shared reference is what the core does on every CPU.
unsafe impl Sync for XdpProg {}

impl XdpProg {
    /// Takes a new reference of `prog`.
    ///
    /// # Safety
    ///
    /// `prog` is a live program the caller holds a reference of.
    unsafe fn new_ref(prog: NonNull<bindings::bpf_prog>) -> Self {
        // SAFETY: live program (the function's safety requirement).
        unsafe { sys::bpf_prog_inc(prog.as_ptr()) };
        // INVARIANT: the reference just taken.
        Self { prog }
    }
}

impl Clone for XdpProg {
    fn clone(&self) -> Self {
        // SAFETY: `self` holds a reference, so the program is live.
        unsafe { Self::new_ref(self.prog) }
    }
}

impl Drop for XdpProg {
    fn drop(&mut self) {
        // SAFETY: the reference this value holds; the core defers the free out of atomic
        // context.
        unsafe { sys::bpf_prog_put(self.prog.as_ptr()) };
    }
}

/// A frame a program sent on with `XDP_TX`, or another device redirected to this one: its
/// buffer, until it is transmitted. Dropping it returns the buffer to its owner.
///
/// # Invariants
///
/// `frame` is a live `xdp_frame` this value owns.
pub(crate) struct XdpFrame {
    frame: NonNull<bindings::xdp_frame>,
}

// SAFETY: A frame may be transmitted and returned on any CPU.
unsafe impl Send for XdpFrame {}
// SAFETY: Shared references only map the frame for DMA.
unsafe impl Sync for XdpFrame {}

impl XdpFrame {
    /// Maps the frame's data for the device to read.
    pub(crate) fn map(&self, dev: &device::Device<device::Bound>) -> Result<TxMap> {
        let mut len = 0u32;
        // SAFETY: `dev` is bound; the frame is live (type invariant); `len` is writable.
        let addr =
            unsafe { sys::rxgbe_xdp_frame_map(raw_device(dev), self.frame.as_ptr(), &mut len) };
        TxMap::single(dev, addr, len)
    }

    /// Gives the frame back without freeing it.
    fn into_raw(self) -> *mut bindings::xdp_frame {
        let raw = self.frame.as_ptr();
        core::mem::forget(self);
        raw
    }
}

impl Drop for XdpFrame {
    fn drop(&mut self) {
        // SAFETY: the frame this value owns (type invariant); returning it is allowed in any
        // context.
        unsafe { sys::xdp_return_frame(self.frame.as_ptr()) };
    }
}

/// What a program decided for a received buffer.
pub(crate) enum Verdict {
    /// To the stack: the frame is now `len` bytes at `headroom` of the buffer.
    Pass {
        /// The buffer, still the driver's.
        page: PoolPage,
        /// Where the frame starts in the buffer.
        headroom: u32,
        /// Frame length.
        len: u32,
    },
    /// Dropped by the program.
    Drop(PoolPage),
    /// Aborted: by the program, with an unknown action, or as its `XDP_TX` or `XDP_REDIRECT`
    /// failed (the core traced the exception).
    Aborted(PoolPage),
    /// To send back out of this device.
    Tx(XdpFrame),
    /// Redirected: the buffer is gone; [`flush_redirects`] must run before the poll ends.
    Redirected,
}

/// What a program decided for a zero-copy buffer.
pub(crate) enum XskVerdict {
    /// To the stack, which gets a copy of the frame.
    Pass(XskBuf),
    /// Dropped by the program; the buffer went back to the pool.
    Drop,
    /// Aborted (see [`Verdict::Aborted`]); the buffer went back to the pool.
    Aborted,
    /// To send back out of this device: a copy of the frame (the buffer went back to the
    /// pool).
    Tx(XdpFrame),
    /// Redirected, normally to the socket: [`flush_redirects`] must run before the poll ends.
    Redirected,
}

/// A receive ring's program and its XDP queue information (registered with the ring's page
/// pool as memory model).
///
/// # Invariants
///
/// `rxq` was registered by `rxgbe_xdp_rxq_create` and is destroyed on drop.
pub(crate) struct XdpRx {
    prog: XdpProg,
    rxq: NonNull<sys::xdp_rxq_info>,
}

// SAFETY: The queue information is only read while a program runs, from the ring's poll.
unsafe impl Send for XdpRx {}
// SAFETY: As above.
unsafe impl Sync for XdpRx {}

impl XdpRx {
    /// Registers receive queue `q` of `nd`, polled by `napi`, whose buffers come from `pool`.
    pub(crate) fn new(
        nd: &NetDev,
        q: u32,
        napi: &NapiRef<'_>,
        pool: &PagePool,
        prog: XdpProg,
    ) -> Result<Self> {
        Self::register(nd, q, napi, (pool.as_raw(), core::ptr::null_mut()), prog)
    }

    /// Registers receive queue `q` of `nd`, polled by `napi`, whose buffers come from the
    /// zero-copy `pool`.
    pub(crate) fn new_xsk(
        nd: &NetDev,
        q: u32,
        napi: &NapiRef<'_>,
        pool: &XskPool,
        prog: XdpProg,
    ) -> Result<Self> {
        Self::register(nd, q, napi, (core::ptr::null_mut(), pool.raw()), prog)
    }

    /// Registers the queue information with one memory model: `pools` holds a live page pool
    /// or a live zero-copy pool, the other null.
    fn register(
        nd: &NetDev,
        q: u32,
        napi: &NapiRef<'_>,
        pools: (*mut bindings::page_pool, *mut sys::xsk_buff_pool),
        prog: XdpProg,
    ) -> Result<Self> {
        let mut out: *mut sys::xdp_rxq_info = core::ptr::null_mut();
        // SAFETY: live net device, registered NAPI instance, one live pool (the callers');
        // `out` is writable.
        to_result(unsafe {
            sys::rxgbe_xdp_rxq_create(nd.as_raw(), q, napi.as_raw(), pools.0, pools.1, &mut out)
        })?;
        let rxq = NonNull::new(out).ok_or(ENOMEM)?;
        // INVARIANT: registered just now.
        Ok(Self { prog, rxq })
    }

    /// Runs the program on a zero-copy buffer whose frame was set with [`XskBuf::frame`].
    pub(crate) fn run_xsk(&self, buf: XskBuf) -> XskVerdict {
        let mut out = sys::rxgbe_xdp_out::default();
        // SAFETY: live program; the buffer is the driver's, from the pool this queue
        // information was registered with, its frame set and synced.
        let act = unsafe { sys::rxgbe_xsk_run(self.prog.prog.as_ptr(), buf.as_raw(), &mut out) };
        if act == sys::RXGBE_XDP_PASS {
            return XskVerdict::Pass(buf);
        }
        // Every other action consumed the buffer.
        buf.consumed();
        match act {
            sys::RXGBE_XDP_DROP => XskVerdict::Drop,
            sys::RXGBE_XDP_REDIRECT => XskVerdict::Redirected,
            // INVARIANT: the copy, owned by the driver.
            sys::RXGBE_XDP_TX => match NonNull::new(out.frame) {
                Some(frame) => XskVerdict::Tx(XdpFrame { frame }),
                None => XskVerdict::Aborted,
            },
            _ => XskVerdict::Aborted,
        }
    }

    /// Runs the program on the `len` bytes at `headroom` of the received `page`, which the
    /// caller has synchronised for the CPU.
    pub(crate) fn run(&self, page: PoolPage, headroom: u32, len: u32) -> Verdict {
        let mut out = sys::rxgbe_xdp_out::default();
        // SAFETY: the program and queue information are live (type invariants); the buffer is
        // `truesize` bytes the driver owns, the device no longer writes it, and the frame lies
        // within it after the headroom, so the program may use the whole buffer.
        let act = unsafe {
            sys::rxgbe_xdp_run(
                self.prog.prog.as_ptr(),
                self.rxq.as_ptr(),
                page.address(),
                page.truesize(),
                headroom,
                len,
                &mut out,
            )
        };
        match act {
            sys::RXGBE_XDP_PASS => Verdict::Pass {
                page,
                headroom: out.headroom,
                len: out.len,
            },
            sys::RXGBE_XDP_DROP => Verdict::Drop(page),
            sys::RXGBE_XDP_TX => match NonNull::new(out.frame) {
                Some(frame) => {
                    page.into_xdp();
                    // INVARIANT: the converted frame, owned by the driver.
                    Verdict::Tx(XdpFrame { frame })
                }
                None => Verdict::Aborted(page),
            },
            sys::RXGBE_XDP_REDIRECT => {
                page.into_xdp();
                Verdict::Redirected
            }
            _ => Verdict::Aborted(page),
        }
    }
}

impl Drop for XdpRx {
    fn drop(&mut self) {
        // SAFETY: registered at creation (type invariant); no poll runs the program any more.
        unsafe { sys::rxgbe_xdp_rxq_destroy(self.rxq.as_ptr()) };
    }
}

/// Sends on the frames redirected during this poll; called before the poll returns.
pub(crate) fn flush_redirects() {
    // SAFETY: called from the NAPI poll that redirected.
    unsafe { sys::xdp_do_flush() };
}

/// The frames of one `ndo_xdp_xmit` call, taken in order. Frames taken are the driver's;
/// a frame handed back with [`XdpBatch::refuse`] and every later one go back to the caller.
pub(crate) struct XdpBatch<'a> {
    frames: &'a [*mut bindings::xdp_frame],
    taken: usize,
    refused: bool,
}

impl XdpBatch<'_> {
    /// The next frame, `None` after the last or after a refusal.
    pub(crate) fn take(&mut self) -> Option<XdpFrame> {
        if self.refused {
            return None;
        }
        let raw = *self.frames.get(self.taken)?;
        self.taken += 1;
        // INVARIANT: the core passes live frames the driver may take over.
        NonNull::new(raw).map(|frame| XdpFrame { frame })
    }

    /// Hands back `frame`, the last one taken: it and the rest are not sent.
    pub(crate) fn refuse(&mut self, frame: XdpFrame) {
        let _ = frame.into_raw();
        self.refused = true;
    }

    fn sent(&self) -> usize {
        self.taken - usize::from(self.refused)
    }
}

/// An extended acknowledgement to explain a refusal in.
pub(crate) struct ExtAck(*mut bindings::netlink_ext_ack);

impl ExtAck {
    /// Sets the message the user sees with the error.
    pub(crate) fn message(&self, msg: &CStr) {
        // SAFETY: the core passed this extack (possibly NULL, which the helper checks) and it
        // outlives the callback; the message is copied.
        unsafe { sys::rxgbe_xdp_set_extack(self.0, msg.as_char_ptr()) };
    }
}

/// The XDP callbacks.
pub(crate) trait XdpOps {
    /// Attaches `prog`, replacing the one attached, or detaches with `None`.
    fn xdp_setup(&self, dev: &NetDev, prog: Option<XdpProg>, ext: &ExtAck) -> Result;
    /// Queues the frames of `batch` for transmission, sending them on when `flush`.
    fn xdp_xmit(&self, dev: &NetDev, batch: &mut XdpBatch<'_>, flush: bool) -> Result;
    /// Binds the zero-copy `pool` of an AF_XDP socket to queue `qid`, or unbinds with `None`:
    /// every copy of the old pool must be gone on return.
    fn xsk_setup(&self, dev: &NetDev, qid: u16, pool: Option<XskPool>) -> Result;
    /// The socket of queue `qid` queued frames or buffers (`flags`: `XDP_WAKEUP_*`): have the
    /// queue's poll run.
    fn xsk_wakeup(&self, dev: &NetDev, qid: u32, flags: u32) -> Result;
}

/// C entry point `ndo_xsk_wakeup`.
///
/// # Safety
///
/// Called by the core on a device of this driver.
pub(super) unsafe extern "C" fn ndo_xsk_wakeup<T: NetDevOps>(
    dev: *mut bindings::net_device,
    qid: u32,
    flags: u32,
) -> i32 {
    // SAFETY: per the function's safety requirement.
    errno_of(unsafe { with_dev::<T, _>(dev, |d, t| t.xsk_wakeup(d, qid, flags)) })
}

/// C entry point `ndo_bpf`.
///
/// # Safety
///
/// Called by the core on a device of this driver with a valid `bpf`, under RTNL.
pub(super) unsafe extern "C" fn ndo_bpf<T: NetDevOps>(
    dev: *mut bindings::net_device,
    bpf: *mut sys::netdev_bpf,
) -> i32 {
    // SAFETY: `bpf` is valid (the function's safety requirement).
    let req = unsafe { &*bpf };
    if req.command == sys::RXGBE_XDP_SETUP_XSK_POOL {
        // SAFETY: the command says which union member is set.
        let xsk = unsafe { req.__bindgen_anon_1.xsk.as_ref() };
        // SAFETY: a pool from this call, taken away by a later call with none for the queue.
        let pool = NonNull::new(xsk.pool).map(|p| unsafe { XskPool::from_raw(p) });
        let qid = xsk.queue_id;
        // SAFETY: per the function's safety requirement.
        return errno_of(unsafe { with_dev::<T, _>(dev, |d, t| t.xsk_setup(d, qid, pool)) });
    }
    if req.command != sys::RXGBE_XDP_SETUP_PROG {
        // No program offload.
        return EOPNOTSUPP.to_errno();
    }
    // SAFETY: the command says which union member is set.
    let (raw, extack) = unsafe {
        (
            req.__bindgen_anon_1.__bindgen_anon_1.as_ref().prog,
            req.__bindgen_anon_1.__bindgen_anon_1.as_ref().extack,
        )
    };
    // The core moved one reference into the call, which is the driver's on success only. The
    // driver gets its own; on success the moved one is dropped here, on failure the core
    // drops it.
    // SAFETY: a live program with the reference the core moved in.
    let prog = NonNull::new(raw).map(|p| unsafe { XdpProg::new_ref(p) });
    let ext = ExtAck(extack);
    // SAFETY: per the function's safety requirement.
    let res = unsafe { with_dev::<T, _>(dev, |d, t| t.xdp_setup(d, prog, &ext)) };
    match res {
        Ok(()) => {
            if !raw.is_null() {
                // SAFETY: the moved-in reference, which the driver does not keep.
                unsafe { sys::bpf_prog_put(raw) };
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// C entry point `ndo_xdp_xmit`: returns how many of the `n` frames were queued (the core
/// frees the others) or an error (the core frees them all).
///
/// # Safety
///
/// Called by the core with `n` valid frames at `frames`, with bottom halves disabled.
pub(super) unsafe extern "C" fn ndo_xdp_xmit<T: NetDevOps>(
    dev: *mut bindings::net_device,
    n: i32,
    frames: *mut *mut bindings::xdp_frame,
    flags: u32,
) -> i32 {
    if flags & !sys::RXGBE_XDP_XMIT_FLAGS_MASK != 0 {
        return EINVAL.to_errno();
    }
    let Ok(n) = usize::try_from(n) else {
        return EINVAL.to_errno();
    };
    let frames = if n == 0 || frames.is_null() {
        &[][..]
    } else {
        // SAFETY: `n` frame pointers at `frames` (the function's safety requirement).
        unsafe { core::slice::from_raw_parts(frames, n) }
    };
    let mut batch = XdpBatch {
        frames,
        taken: 0,
        refused: false,
    };
    let flush = flags & sys::RXGBE_XDP_XMIT_FLUSH != 0;
    // SAFETY: per the function's safety requirement.
    let res = unsafe { with_dev::<T, _>(dev, |d, t| t.xdp_xmit(d, &mut batch, flush)) };
    match res {
        Ok(()) => i32::try_from(batch.sent()).unwrap_or(0),
        Err(e) if batch.sent() == 0 => e.to_errno(),
        // Frames already taken are the driver's: report them as sent.
        Err(_) => i32::try_from(batch.sent()).unwrap_or(0),
    }
}

/// Sets the XDP features of a net device that is not registered yet.
///
/// # Safety
///
/// `dev` is a live net device.
pub(super) unsafe fn set_features(dev: *mut bindings::net_device) {
    // SAFETY: per the function's safety requirement.
    unsafe { sys::rxgbe_netdev_set_xdp_features(dev, FEATURES) };
}
