// SPDX-License-Identifier: GPL-2.0

//! rxgbe: a Rust driver for the Intel 82576 (QEMU `igb`) and 82540EM (QEMU `e1000`) Ethernet
//! controllers.
//!
//! Layers, bottom up: `net` (rust-bindings/: the only `unsafe` code, safe wrappers of
//! net_device, NAPI, sk_buff, page_pool and DMA), `logic` (pure descriptor and ring
//! arithmetic, also built on the host for unit tests), `hal` (registers and per-MAC
//! differences), the rings (`rx`, `tx`) and vectors (`queue_vector`), and `adapter` (the net
//! device callbacks). See docs/ARCHITECTURE.md.

#[path = "../rust-bindings/mod.rs"]
mod net;

mod adapter;
mod arfs;
mod diag;
mod ethtool_ops;
mod hal;
mod handoff;
mod hw_stats;
mod link;
mod logic;
mod loopback;
mod msglevel;
mod ntuple_ops;
mod ptp;
mod queue_vector;
mod ring_mem;
mod rss;
mod rx;
mod self_test;
mod stats;
mod steering;
mod tx;
mod tx_offload;
mod xdp_ops;

use kernel::{
    device::{Bound, Core},
    pci::{self, IrqType, IrqTypes},
    prelude::*,
    sync::Arc,
};

use adapter::Adapter;
use hal::diag::FlowSetting;
use hal::ptp::Timestamping;
use hal::{e82540::E82540, e82576::E82576, regs::BAR0_SIZE, Hw, IrqMode, Mac};
use link::LinkState;
use msglevel::{msg, MsgLevel};
use net::netdev::{features, Config, MacDisplay, Registration};

/// The MAC of a supported device, from the PCI ID table.
#[derive(Clone, Copy)]
enum MacKind {
    E82576,
    E82540,
}

impl MacKind {
    fn ops(self) -> &'static dyn Mac {
        match self {
            MacKind::E82576 => &E82576,
            MacKind::E82540 => &E82540,
        }
    }
}

kernel::pci_device_table!(
    PCI_TABLE,
    <RxgbeDriver as pci::Driver>::IdInfo,
    [
        (
            pci::DeviceId::from_id(pci::Vendor::INTEL, 0x10c9),
            MacKind::E82576
        ),
        (
            pci::DeviceId::from_id(pci::Vendor::INTEL, 0x100e),
            MacKind::E82540
        ),
    ]
);

struct RxgbeDriver;

/// A bound device: its registered net device, which owns everything else.
struct RxgbeDevice<'b> {
    _netdev: Registration<Adapter<'b>>,
}

/// Allocates interrupt vectors: with MSI-X, one per queue pair (as many as the MAC has queues
/// for) plus one for other causes; else one MSI or INTx vector for everything. Returns the
/// vectors, their mode and how many queue pairs they can serve.
fn alloc_irqs<'b>(
    pdev: &'b pci::Device<Bound>,
    mac: &dyn Mac,
) -> Result<(pci::IrqVectorRegistration<'b>, IrqMode, usize)> {
    if mac.has_msix() && module_parameters::msix.value() {
        let want = u32::try_from(mac.max_queues() + 1)?;
        if let Ok(v) = pdev.alloc_irq_vectors(2, want, IrqTypes::default().with(IrqType::MsiX)) {
            // All granted vectors but the last serve queues.
            let queues = v.len().saturating_sub(1).max(1);
            return Ok((v, IrqMode::Msix, queues));
        }
    }
    let v = pdev.alloc_irq_vectors(
        1,
        1,
        IrqTypes::default().with(IrqType::Msi).with(IrqType::Intx),
    )?;
    Ok((v, IrqMode::Single, 1))
}

impl pci::Driver for RxgbeDriver {
    type IdInfo = MacKind;
    type Data<'bound> = RxgbeDevice<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let mac = info.ok_or(ENODEV)?.ops();
        pdev.enable_device_mem()?;
        pdev.set_master();
        net::dma::set_mask_at_probe(pdev, 64)?;
        let bound: &'bound pci::Device<Bound> = pdev;
        let bar = bound.iomap_region_sized::<BAR0_SIZE>(0, c"rxgbe")?;
        let hw = Arc::new(
            Hw {
                bar,
                mac,
                link_state: LinkState::default(),
                msg: MsgLevel::default(),
                flow: FlowSetting::default(),
                ts: if mac.has_ptp() {
                    Some(Timestamping::new()?)
                } else {
                    None
                },
            },
            GFP_KERNEL,
        )?;
        hw.reset()?;
        // The PTP clock starts at the system's time, as the Intel drivers start theirs.
        hw.ptp_set(net::ptp::realtime_ns());
        hw.start_autoneg()?;
        let (irqs, mode, max_queues) = alloc_irqs(bound, mac)?;
        let addr = hw.read_mac_addr();

        // LRO is rxgbe's own (no MAC coalesces) and needs the MAC's checksum verdicts: off by
        // default, as for hardware LRO, since it must not run on forwarded traffic.
        let rx_csum = if mac.has_rx_csum() {
            features::RXCSUM | features::LRO
        } else {
            0
        };
        let rx_hash = if mac.has_rss() { features::RXHASH } else { 0 };
        // Both MACs insert checksums at the offset the stack names and segment TCP over IPv4.
        let tso6 = if mac.has_tso6() { features::TSO6 } else { 0 };
        let tx_offloads = features::HW_CSUM | features::TSO | tso6;
        // Both MACs strip and insert 802.1Q tags and filter by VLAN id (VFTA).
        let vlan =
            features::HW_VLAN_CTAG_RX | features::HW_VLAN_CTAG_TX | features::HW_VLAN_CTAG_FILTER;
        let cfg = Config {
            multiqueue: mac.has_rss(),
            txqs: u32::try_from(max_queues)?,
            rxqs: u32::try_from(max_queues)?,
            // Flow steering is the driver's own (see steering.rs), so every MAC has it; off by
            // default, like the MACs that filter in hardware.
            hw_features: features::SG | tx_offloads | rx_csum | rx_hash | vlan | features::NTUPLE,
            features: features::SG
                | features::HIGHDMA
                | features::GRO
                | tx_offloads
                | (rx_csum & !features::LRO)
                | rx_hash
                | vlan,
            vlan_features: features::SG | features::HIGHDMA | tx_offloads,
            max_mtu: mac.max_frame() - 18,
        };
        let hw2 = hw.clone();
        let mut netdev = Registration::new(pdev.as_ref(), &cfg, move |nd| {
            if net::netdev::is_valid_addr(&addr) {
                nd.set_addr(&addr);
            } else {
                dev_warn!(
                    pdev,
                    "invalid MAC address {}, using a random one\n",
                    MacDisplay(&addr)
                );
                nd.set_random_addr();
                hw2.write_mac_addr(&nd.addr());
            }
            Adapter::new(hw2, bound, irqs, mode, max_queues)
        })?;
        netdev.register()?;
        if mac.has_ptp() {
            netdev.register_clock(logic::clock::MAX_ADJ_PPB)?;
        }
        if hw.msg.on(msg::PROBE) {
            dev_info!(
                pdev,
                "{}: {} MAC {}, {:?} interrupts\n",
                netdev.netdev().name().to_str().unwrap_or("?"),
                mac.name(),
                MacDisplay(&netdev.netdev().addr()),
                mode
            );
        }
        Ok(RxgbeDevice { _netdev: netdev })
    }
}

kernel::module_pci_driver! {
    type: RxgbeDriver,
    name: "rxgbe",
    authors: ["rxgbe developers"],
    description: "Rust driver for Intel 82576 and 82540EM Ethernet controllers",
    license: "GPL v2",
    params: {
        msix: bool {
            default: true,
            description: "Use MSI-X where the MAC has it (false: one MSI or INTx vector, one queue)",
        },
    },
}
