// SPDX-License-Identifier: GPL-2.0

//! Hardware access: the register window of one device and the per-MAC differences.
//!
//! [`Hw`] implements what the 82576 and the 82540EM share (reset, addresses, link, ring
//! registers through [`queues`], interrupt masks); [`Mac`] is implemented once per MAC
//! ([`e82576`], [`e82540`]) for what differs, the way nova-core keeps per-chip `hal` modules.

pub(crate) mod diag;
pub(crate) mod e82540;
pub(crate) mod e82576;
pub(crate) mod ptp;
pub(crate) mod queues;
pub(crate) mod regs;
pub(crate) mod regs_diag;
pub(crate) mod regs_ptp;

use kernel::{
    io::{poll::read_poll_timeout, register::Array, Io},
    pci,
    prelude::*,
    time::Delta,
};

use crate::link::LinkState;
use crate::logic::{desc, vlan::VlanTable};
use crate::msglevel::MsgLevel;
use crate::net::netdev::MacAddr;
use crate::rss::RssConfig;
use queues::{on_layout, Layout};
use regs::*;

/// Every MSI-X vector bit of the extended interrupt registers (EIMS, EIMC, EIAC, EIAM: 25).
pub(crate) const ALL_VECTORS: u32 = (1 << 25) - 1;

/// The mapped register window of BAR 0.
pub(crate) type Bar0<'b> = pci::Bar<'b, BAR0_SIZE>;

/// Interrupt delivery chosen at probe.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum IrqMode {
    /// One MSI-X vector per queue pair, plus the last vector for link and other causes.
    Msix,
    /// A single MSI or INTx vector for everything, causes read from ICR.
    Single,
}

/// What differs between the supported MACs.
pub(crate) trait Mac: Sync {
    /// Human-readable MAC name.
    fn name(&self) -> &'static str;
    /// Descriptor format of the rings.
    fn desc_format(&self) -> desc::Format;
    /// Largest frame (without FCS) the MAC receives and sends.
    fn max_frame(&self) -> u32;
    /// Whether the MAC reports receive checksum verdicts (QEMU's 82540EM never does).
    fn has_rx_csum(&self) -> bool;
    /// Whether the MAC segments TCP over IPv6 (both segment TCP over IPv4).
    fn has_tso6(&self) -> bool;
    /// Whether the MAC has MSI-X with per-queue vectors.
    fn has_msix(&self) -> bool;
    /// Receive/transmit queue pairs the driver may use.
    fn max_queues(&self) -> usize;
    /// Where the MAC's queue registers are.
    fn queue_layout(&self) -> Layout;
    /// One-time setup after a reset.
    fn init(&self, bar: &Bar0<'_>);
    /// Receive-buffer size and long-frame limit for frames up to `max_frame` bytes, with
    /// `buf_len`-byte receive buffers; with `split`, headers go to
    /// [`HEADER_BUF_LEN`](crate::logic::ring::HEADER_BUF_LEN)-byte header buffers (MACs with
    /// [`Mac::has_header_split`] only).
    fn set_rx_buffers(
        &self,
        bar: &Bar0<'_>,
        rctl: RCTL,
        q: usize,
        buf_len: u32,
        max_frame: u32,
        split: bool,
    ) -> RCTL;
    /// Whether the MAC can split a frame's headers from its payload into two buffers (ethtool's
    /// `tcp-data-split`).
    fn has_header_split(&self) -> bool {
        false
    }
    /// Enables (or disables) receive queue `q` after its ring registers are programmed.
    fn enable_rx_queue(&self, bar: &Bar0<'_>, q: usize, on: bool);
    /// Enables (or disables) transmit queue `q`.
    fn enable_tx_queue(&self, bar: &Bar0<'_>, q: usize, on: bool);
    /// Routes queue pair `q`'s causes to `vector`, in every interrupt mode (QEMU's 82576 raises a
    /// transmit completion only for a queue with a valid routing entry, even with MSI or INTx).
    fn route_queue_irq(&self, bar: &Bar0<'_>, q: usize, vector: u32);
    /// Puts the MAC in MSI-X mode with link and other causes on `other` (MSI-X MACs only).
    fn enable_msix(&self, bar: &Bar0<'_>, other: u32);
    /// Programs the interrupt rate limit of a vector, in microseconds between interrupts.
    fn set_throttle(&self, bar: &Bar0<'_>, mode: IrqMode, vector: u32, usecs: u32);
    /// Whether the MAC spreads receive traffic over queues by a Toeplitz hash.
    fn has_rss(&self) -> bool {
        false
    }
    /// Programs RSS: key, redirection table and hashed fields; RSS is off when `on` is false
    /// (every frame to queue 0).
    fn program_rss(&self, _bar: &Bar0<'_>, _rss: &RssConfig, _on: bool) {}
    /// NVM size in 16-bit words.
    fn nvm_words(&self, bar: &Bar0<'_>) -> u16;
    /// Reads one NVM word (`EERD`, whose layout differs between the MACs).
    fn read_nvm_word(&self, bar: &Bar0<'_>, word: u16) -> Result<u16>;
    /// Where the MAC loops frames back for the loopback self-test.
    fn loopback(&self) -> diag::Loopback;
    /// Receive packet buffer fill level in bytes above which transmit flow control sends XOFF.
    fn fc_high_water(&self) -> u32;
    /// Registers the register self-test writes and reads back: (offset, writable bits).
    fn test_registers(&self) -> &'static [(usize, u32)];
    /// Identifies the register dump layout (`ethtool -d` version, see docs/ethtool.md).
    fn dump_id(&self) -> u32;
    /// The most bytes the MAC writes for one frame (FCS included) when it receives frames of
    /// up to `max_frame` bytes, or `None` if it does not drop longer ones (the receive path
    /// then keeps whole-page buffers).
    fn rx_frame_bound(&self, _max_frame: u32) -> Option<u32> {
        None
    }
    /// Whether the MAC has the IEEE 1588 clock and timestamp latches (hal/ptp.rs).
    fn has_ptp(&self) -> bool {
        false
    }
}

/// Link state read from the MAC.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link {
    /// Link up.
    pub(crate) up: bool,
    /// Speed in Mb/s.
    pub(crate) speed: u32,
    /// Full duplex.
    pub(crate) full_duplex: bool,
}

/// One device's registers and its MAC.
pub(crate) struct Hw<'b> {
    /// The register window.
    pub(crate) bar: Bar0<'b>,
    /// MAC-specific behaviour.
    pub(crate) mac: &'static dyn Mac,
    /// The link state the stack was last told.
    pub(crate) link_state: LinkState,
    /// Which log messages are printed.
    pub(crate) msg: MsgLevel,
    /// The flow control setting.
    pub(crate) flow: diag::FlowSetting,
    /// The PTP clock and timestamping, on a MAC that has them ([`Mac::has_ptp`]).
    pub(crate) ts: Option<ptp::Timestamping>,
}

impl<'b> Hw<'b> {
    /// Resets the device and masks every interrupt. The PTP clock keeps its time (the reset
    /// stops the counter; it restarts mapped to the time before) and timestamping its setting.
    pub(crate) fn reset(&self) -> Result {
        let now = self.ptp_now();
        self.bar.write_reg(IMC::zeroed().with_causes(u32::MAX));
        self.bar.update(RCTL, |r| r.with_en(false));
        self.bar.update(TCTL, |r| r.with_en(false));
        self.bar.update(CTRL, |r| r.with_rst(true));
        read_poll_timeout(
            || Ok(self.bar.read(CTRL)),
            |c| !c.rst(),
            Delta::from_micros(100),
            Delta::from_millis(100),
        )?;
        self.bar.write_reg(IMC::zeroed().with_causes(u32::MAX));
        let _ = self.bar.read(ICR);
        // The 802.1Q TPID, whatever the reset left there (the outer TPID of the 82576 is unused).
        self.bar.update(VET, |v| v.with_const_tpid::<0x8100>());
        self.mac.init(&self.bar);
        self.ptp_restart(now);
        Ok(())
    }

    /// Reads the permanent address the MAC loaded into receive address 0 at reset.
    pub(crate) fn read_mac_addr(&self) -> MacAddr {
        let lo = self.bar.read(RAL::at(0)).addr().get().to_le_bytes();
        let hi = self.bar.read(RAH::at(0)).addr().get().to_le_bytes();
        [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]]
    }

    /// Programs receive address 0, the unicast address the MAC accepts.
    pub(crate) fn write_mac_addr(&self, a: &MacAddr) {
        let lo = u32::from_le_bytes([a[0], a[1], a[2], a[3]]);
        let hi = u16::from_le_bytes([a[4], a[5]]);
        self.bar.write(RAL::at(0), RAL::zeroed().with_addr(lo));
        self.bar
            .write(RAH::at(0), RAH::zeroed().with_addr(hi).with_av(true));
    }

    /// Writes PHY register `reg` through the MDI interface.
    pub(crate) fn phy_write(&self, reg: u8, data: u16) -> Result {
        let cmd = MDIC::zeroed()
            .with_const_op::<1>()
            .with_const_phy::<1>()
            .try_with_reg(reg)?
            .with_data(data);
        self.bar.write_reg(cmd);
        let done = read_poll_timeout(
            || Ok(self.bar.read(MDIC)),
            |m| m.ready(),
            Delta::from_micros(50),
            Delta::from_millis(10),
        )?;
        if done.error() {
            return Err(EIO);
        }
        Ok(())
    }

    /// Starts copper autonegotiation (advertising everything up to 1000 Mb/s full duplex); the
    /// link comes up when it completes, with a link status change interrupt.
    pub(crate) fn start_autoneg(&self) -> Result {
        use regs::mii::*;
        self.phy_write(
            BMCR,
            BMCR_ANENABLE | BMCR_ANRESTART | BMCR_FULLDPLX | BMCR_SPEED1000,
        )
    }

    /// Forces the link up (copper, autonegotiated).
    pub(crate) fn link_up(&self) {
        self.bar.update(CTRL, |c| {
            c.with_slu(true).with_asde(true).with_phy_rst(false)
        });
    }

    /// Current link state.
    pub(crate) fn link(&self) -> Link {
        let s = self.bar.read(STATUS);
        let speed = match s.speed().get() {
            0 => 10,
            1 => 100,
            _ => 1000,
        };
        Link {
            up: s.lu(),
            speed,
            full_duplex: s.fd(),
        }
    }

    /// Programs receive ring `q` (base, length, empty head and tail).
    pub(crate) fn setup_rx_ring(&self, q: usize, dma: u64, bytes: u32) -> Result {
        on_layout!(self.mac.queue_layout(), setup_rx(&self.bar, q, dma, bytes))
    }

    /// Programs transmit ring `q`.
    pub(crate) fn setup_tx_ring(&self, q: usize, dma: u64, bytes: u32) -> Result {
        on_layout!(self.mac.queue_layout(), setup_tx(&self.bar, q, dma, bytes))
    }

    /// Moves receive tail of queue `q`: descriptors before `idx` belong to the device.
    pub(crate) fn rx_tail(&self, q: usize, idx: u16) {
        on_layout!(self.mac.queue_layout(), rx_tail(&self.bar, q, idx))
    }

    /// Moves transmit tail of queue `q`.
    pub(crate) fn tx_tail(&self, q: usize, idx: u16) {
        on_layout!(self.mac.queue_layout(), tx_tail(&self.bar, q, idx))
    }

    /// Enables the receiver for frames up to `max_frame` bytes in `buf_len`-byte buffers, with
    /// headers split off into header buffers when `split` (see [`Mac::set_rx_buffers`]).
    pub(crate) fn enable_rx(&self, queues: usize, buf_len: u32, max_frame: u32, split: bool) {
        // The FCS stays in the buffer (the driver drops it): with SECRC set, QEMU's MACs leave
        // it out of their frame size counters too, which then no longer match the RMON size
        // buckets (ethtool --show-stats rmon), which count frames with their FCS.
        let mut rctl = self.bar.read(RCTL).with_bam(true).with_secrc(false);
        for q in 0..queues {
            rctl = self
                .mac
                .set_rx_buffers(&self.bar, rctl, q, buf_len, max_frame, split);
            self.mac.enable_rx_queue(&self.bar, q, true);
        }
        self.bar.write_reg(rctl.with_en(true));
    }

    /// Enables the transmitter.
    pub(crate) fn enable_tx(&self, queues: usize) {
        for q in 0..queues {
            self.mac.enable_tx_queue(&self.bar, q, true);
        }
        self.bar.write_reg(
            TCTL::zeroed()
                .with_en(true)
                .with_psp(true)
                .with_const_ct::<0x0f>()
                .with_const_cold::<0x3f>()
                .with_rtlc(true),
        );
    }

    /// Stops receive and transmit DMA of `queues` queues.
    pub(crate) fn disable_rx_tx(&self, queues: usize) {
        self.bar.update(RCTL, |r| r.with_en(false));
        self.bar.update(TCTL, |r| r.with_en(false));
        for q in 0..queues {
            self.mac.enable_rx_queue(&self.bar, q, false);
            self.mac.enable_tx_queue(&self.bar, q, false);
        }
    }

    /// Applies promiscuous and multicast filtering.
    /// Turns VLAN tag stripping on receive on or off (`CTRL.VME`).
    pub(crate) fn set_vlan_strip(&self, on: bool) {
        let ctrl = self.bar.read(CTRL);
        if ctrl.vme() != on {
            self.bar.write_reg(ctrl.with_vme(on));
        }
    }

    /// Writes the VLAN filter table (which the MAC applies while `RCTL.VFE` is set).
    pub(crate) fn write_vlan_table(&self, table: &VlanTable) {
        for (i, bits) in table.words().iter().enumerate() {
            if let Some(loc) = VFTA::try_at(i) {
                self.bar.write(loc, VFTA::zeroed().with_bits(*bits));
            }
        }
    }

    /// Writes entry `index` of the VLAN filter table.
    pub(crate) fn write_vlan_word(&self, index: usize, bits: u32) {
        if let Some(loc) = VFTA::try_at(index) {
            self.bar.write(loc, VFTA::zeroed().with_bits(bits));
        }
    }

    /// Programs the receive address filters: unicast and multicast promiscuous modes, the
    /// multicast hash table, and VLAN filtering (never in promiscuous mode, which must see
    /// every VLAN).
    pub(crate) fn set_rx_filter(
        &self,
        promisc: bool,
        allmulti: bool,
        mc: &[MacAddr],
        vlan_filter: bool,
    ) {
        let mut mta = [0u32; 128];
        for a in mc {
            // Multicast offset 0: hash = address bits 47:36.
            let hash = (usize::from(a[4]) >> 4) | (usize::from(a[5]) << 4);
            if let Some(word) = mta.get_mut((hash >> 5) & 0x7f) {
                *word |= 1 << (hash & 0x1f);
            }
        }
        for (i, bits) in mta.iter().enumerate() {
            if let Some(loc) = MTA::try_at(i) {
                self.bar.write(loc, MTA::zeroed().with_bits(*bits));
            }
        }
        // Only a change is written: QEMU's 82540EM stops receiving for a second after every
        // RCTL write, which feature changes and address list updates would otherwise repeat.
        let rctl = self.bar.read(RCTL);
        let new = rctl
            .with_upe(promisc)
            .with_mpe(promisc || allmulti)
            .with_vfe(vlan_filter && !promisc);
        if new.into_raw() != rctl.into_raw() {
            self.bar.write_reg(new);
        }
    }

    /// Enables interrupt causes in IMS.
    pub(crate) fn irq_enable(&self, causes: u32) {
        self.bar.write_reg(IMS::zeroed().with_causes(causes));
    }

    /// Masks interrupt causes.
    pub(crate) fn irq_disable(&self, causes: u32) {
        self.bar.write_reg(IMC::zeroed().with_causes(causes));
    }

    /// Reads and clears the interrupt causes.
    pub(crate) fn irq_causes(&self) -> u32 {
        self.bar.read(ICR).causes().get()
    }

    /// Unmasks MSI-X vectors (`bits`: one per vector).
    pub(crate) fn vectors_enable(&self, bits: u32) -> Result {
        self.bar.write_reg(EIMS::zeroed().try_with_vectors(bits)?);
        Ok(())
    }

    /// Makes MSI-X vectors clear their cause bits when they fire.
    pub(crate) fn vectors_autoclear(&self, bits: u32) -> Result {
        self.bar.write_reg(EIAC::zeroed().try_with_vectors(bits)?);
        Ok(())
    }

    /// Makes MSI-X vectors mask themselves when they fire (with GPIE.EIAME).
    pub(crate) fn vectors_automask(&self, bits: u32) -> Result {
        self.bar.write_reg(EIAM::zeroed().try_with_vectors(bits)?);
        Ok(())
    }

    /// Raises MSI-X vectors from software (`bits`: one per vector), as if their causes fired.
    pub(crate) fn vectors_raise(&self, bits: u32) {
        if let Ok(r) = EICS::zeroed().try_with_vectors(bits) {
            self.bar.write_reg(r);
        }
    }

    /// Masks MSI-X vectors ([`ALL_VECTORS`] masks every one).
    pub(crate) fn vectors_disable(&self, bits: u32) {
        if let Ok(r) = EIMC::zeroed().try_with_vectors(bits) {
            self.bar.write_reg(r);
        }
    }
}
