// SPDX-License-Identifier: GPL-2.0

//! Registers of the 8254x/82576 family used by rxgbe. Offsets and bits from the 82576
//! datasheet (chapter 8) and the 8254x developer's manual (chapter 13); where both MACs have a
//! register at the same offset, one definition serves both.

use kernel::io::{register, register::RegisterBase};

/// Size of the register window mapped from BAR 0.
pub(crate) const BAR0_SIZE: usize = 0x10000;

/// Queue register blocks the MACs have (the 82576 has 16 queues).
pub(crate) const MAX_HW_QUEUES: usize = 16;

/// Family of bases of the receive queue registers (`RDBAL` ... `RXDCTL`, 0x40 bytes per queue).
pub(crate) struct RxQueues;
/// Family of bases of the transmit queue registers (`TDBAL` ... `TXDCTL`).
pub(crate) struct TxQueues;

/// The 8254x layout: its single queue at 0x2800 (receive) and 0x3800 (transmit).
pub(crate) struct LegacyQueues;
impl RegisterBase<RxQueues> for LegacyQueues {
    const BASE: usize = 0x2800;
}
impl RegisterBase<TxQueues> for LegacyQueues {
    const BASE: usize = 0x3800;
}

/// The 82576 layout: 16 queues 0x40 apart at 0xC000 and 0xE000. (Queues 0-3 are also aliased at
/// the 8254x offsets, 0x100 apart; the native block covers all queues with one stride.)
pub(crate) struct Queues82576;
impl RegisterBase<RxQueues> for Queues82576 {
    const BASE: usize = 0xC000;
}
impl RegisterBase<TxQueues> for Queues82576 {
    const BASE: usize = 0xE000;
}

register! {
    /// Device control.
    pub(crate) CTRL(u32) @ 0x0000 {
        /// PHY reset.
        31:31 phy_rst => bool;
        /// VLAN mode: strip received 802.1Q tags into the descriptor (and, on the 8254x, allow
        /// inserting them on transmit).
        30:30 vme => bool;
        /// Transmit flow control: send PAUSE frames when the receive buffer fills.
        28:28 tfce => bool;
        /// Receive flow control: honour received PAUSE frames.
        27:27 rfce => bool;
        /// Device reset (self-clearing).
        26:26 rst => bool;
        /// Set link up.
        6:6 slu => bool;
        /// Auto-speed detection enable (8254x).
        5:5 asde => bool;
    }

    /// Device status.
    pub(crate) STATUS(u32) @ 0x0008 {
        /// Speed: 0 = 10, 1 = 100, 2 or 3 = 1000 Mb/s.
        7:6 speed;
        /// Link up.
        1:1 lu => bool;
        /// Full duplex.
        0:0 fd => bool;
    }

    /// MDI control: access to the PHY's MII registers.
    pub(crate) MDIC(u32) @ 0x0020 {
        /// The last access failed.
        30:30 error => bool;
        /// The access completed.
        28:28 ready => bool;
        /// Opcode: 1 = write, 2 = read.
        27:26 op;
        /// PHY address (1 on these MACs).
        25:21 phy;
        /// PHY register.
        20:16 reg;
        /// Data written or read.
        15:0 data;
    }

    /// Interrupt cause read (clear on read).
    pub(crate) ICR(u32) @ 0x00C0 {
        31:0 causes;
    }

    /// Interrupt throttling (8254x): minimum interval in 256 ns units.
    pub(crate) ITR(u32) @ 0x00C4 {
        15:0 interval;
    }

    /// Interrupt mask set.
    pub(crate) IMS(u32) @ 0x00D0 {
        31:0 causes;
    }

    /// Interrupt mask clear.
    pub(crate) IMC(u32) @ 0x00D8 {
        31:0 causes;
    }

    /// Receive control.
    pub(crate) RCTL(u32) @ 0x0100 {
        /// Strip the Ethernet CRC.
        26:26 secrc => bool;
        /// Buffer size extension (8254x).
        25:25 bsex => bool;
        /// VLAN filter enable: tagged frames pass only if their VLAN id is set in `VFTA`.
        18:18 vfe => bool;
        /// Buffer size (8254x, with `bsex`); 0 = 2048 bytes.
        17:16 bsize;
        /// Accept broadcast.
        15:15 bam => bool;
        /// Loopback mode: 0 = none, 1 = MAC loopback (82576; the 8254x loops back in the PHY).
        7:6 lbm;
        /// Long packet enable (frames above 1522 bytes).
        5:5 lpe => bool;
        /// Multicast promiscuous.
        4:4 mpe => bool;
        /// Unicast promiscuous.
        3:3 upe => bool;
        /// Receiver enable.
        1:1 en => bool;
    }

    /// Transmit control.
    pub(crate) TCTL(u32) @ 0x0400 {
        /// Re-transmit on late collision.
        24:24 rtlc => bool;
        /// Collision distance.
        21:12 cold;
        /// Collision threshold.
        11:4 ct;
        /// Pad short packets.
        3:3 psp => bool;
        /// Transmitter enable.
        1:1 en => bool;
    }

    /// Transmit inter-packet gap (8254x).
    pub(crate) TIPG(u32) @ 0x0410 {
        29:20 ipgr2;
        19:10 ipgr1;
        9:0 ipgt;
    }

    /// Packet split receive type of pool 0, which serves every queue while VMDq is off
    /// (82576): after which headers a frame is split. The bits are the 82599's (`PSRTYPE`).
    pub(crate) PSRTYPE(u32) @ 0x5480 {
        /// Split after the L2 header (frames with no recognised L3 header).
        12:12 l2 => bool;
        /// Split after the IPv6 header (no recognised L4 header).
        9:9 ipv6 => bool;
        /// Split after the IPv4 header (no recognised L4 header).
        8:8 ipv4 => bool;
        /// Split after the UDP header.
        5:5 udp => bool;
        /// Split after the TCP header.
        4:4 tcp => bool;
    }

    /// Receive long packet maximum length (82576).
    pub(crate) RLPML(u32) @ 0x5004 {
        13:0 len;
    }

    /// Receive checksum control.
    pub(crate) RXCSUM(u32) @ 0x5000 {
        /// Packet checksum disable: the descriptor carries the RSS hash instead of the
        /// fragment checksum (82576; QEMU hashes only with this set).
        13:13 pcsd => bool;
        /// TCP/UDP checksum offload.
        9:9 tuofld => bool;
        /// IPv4 header checksum offload.
        8:8 ipofld => bool;
    }

    /// VLAN Ether type: the TPID the MAC recognises as an 802.1Q tag.
    pub(crate) VET(u32) @ 0x0038 {
        /// TPID of an outer (extended) tag (82576).
        31:16 ext;
        15:0 tpid;
    }

    /// VLAN filter table array: bit `id % 32` of entry `id / 32` admits VLAN `id`.
    pub(crate) VFTA(u32)[128] @ 0x5600 {
        31:0 bits;
    }

    /// Multicast table array: 4096 hash bits.
    pub(crate) MTA(u32)[128] @ 0x5200 {
        31:0 bits;
    }

    /// Receive address low (first four bytes of the address, LSB first).
    pub(crate) RAL(u32)[16, stride = 8] @ 0x5400 {
        31:0 addr;
    }

    /// Receive address high.
    pub(crate) RAH(u32)[16, stride = 8] @ 0x5404 {
        /// Address valid.
        31:31 av => bool;
        /// Last two bytes of the address.
        15:0 addr;
    }

    /// Receive descriptor base address low.
    pub(crate) RDBAL(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x00 {
        31:0 addr;
    }
    /// Receive descriptor base address high.
    pub(crate) RDBAH(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x04 {
        31:0 addr;
    }
    /// Receive descriptor ring length in bytes (multiple of 128).
    pub(crate) RDLEN(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x08 {
        19:0 len;
    }
    /// Split and replication receive control (82576).
    pub(crate) SRRCTL(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x0C {
        /// Drop when no descriptor is available.
        31:31 drop_en => bool;
        /// Descriptor type: 1 = advanced, one buffer; 2 = advanced, header split (the
        /// headers the MAC recognises go to the header buffer, the rest to the packet buffer).
        27:25 desctype;
        /// Header buffer size in 64-byte units (header split).
        11:8 bsizehdr;
        /// Packet buffer size in KB.
        6:0 bsizepkt;
    }
    /// Receive descriptor head.
    pub(crate) RDH(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x10 {
        15:0 idx;
    }
    /// Receive descriptor tail.
    pub(crate) RDT(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x18 {
        15:0 idx;
    }
    /// Receive descriptor control (82576: queue enable).
    pub(crate) RXDCTL(u32)[MAX_HW_QUEUES, stride = 0x40] @ RxQueues + 0x28 {
        25:25 enable => bool;
        20:16 wthresh;
        12:8 hthresh;
        4:0 pthresh;
    }

    /// Transmit descriptor base address low.
    pub(crate) TDBAL(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x00 {
        31:0 addr;
    }
    /// Transmit descriptor base address high.
    pub(crate) TDBAH(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x04 {
        31:0 addr;
    }
    /// Transmit descriptor ring length in bytes.
    pub(crate) TDLEN(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x08 {
        19:0 len;
    }
    /// Transmit descriptor head.
    pub(crate) TDH(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x10 {
        15:0 idx;
    }
    /// Transmit descriptor tail.
    pub(crate) TDT(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x18 {
        15:0 idx;
    }
    /// Transmit descriptor control (82576: queue enable).
    pub(crate) TXDCTL(u32)[MAX_HW_QUEUES, stride = 0x40] @ TxQueues + 0x28 {
        25:25 enable => bool;
        20:16 wthresh;
        12:8 hthresh;
        4:0 pthresh;
    }

    /// Multiple receive queues command (82576): RSS enable and the header fields hashed.
    pub(crate) MRQC(u32) @ 0x5818 {
        /// Hashed header fields (bit 16 + n of the register; see `logic::rss::HashFields`).
        23:16 fields;
        /// 2 = RSS.
        2:0 mode;
    }
    /// RSS random key, 40 bytes in 10 registers, byte 0 in the low bits of register 0.
    pub(crate) RSSRK(u32)[10] @ 0x5C80 {
        31:0 bytes;
    }
    /// RSS redirection table: 128 one-byte entries, four per register, queue in bits 3:0.
    pub(crate) RETA(u32)[32] @ 0x5C00 {
        31:0 entries;
    }
    /// Extended interrupt cause set (82576): raises the given MSI-X vectors from software.
    pub(crate) EICS(u32) @ 0x1520 {
        24:0 vectors;
    }

    /// General purpose interrupt enable (82576).
    pub(crate) GPIE(u32) @ 0x1514 {
        /// PBA support: required with MSI-X.
        31:31 pba => bool;
        /// Extended interrupt auto-mask enable.
        30:30 eiame => bool;
        /// MSI-X mode: causes are routed per IVAR.
        4:4 msix_mode => bool;
        /// Non-selective interrupt clear on read.
        0:0 nsicr => bool;
    }
    /// Extended interrupt mask set (82576): one bit per MSI-X vector.
    pub(crate) EIMS(u32) @ 0x1524 {
        24:0 vectors;
    }
    /// Extended interrupt mask clear (82576).
    pub(crate) EIMC(u32) @ 0x1528 {
        24:0 vectors;
    }
    /// Extended interrupt auto clear (82576).
    pub(crate) EIAC(u32) @ 0x152C {
        24:0 vectors;
    }
    /// Extended interrupt auto mask (82576): with GPIE.EIAME, sending a vector's MSI-X message
    /// masks the vector (clears its EIMS bit) until the driver unmasks it.
    pub(crate) EIAM(u32) @ 0x1530 {
        24:0 vectors;
    }
    /// Extended interrupt throttle (82576), per vector.
    pub(crate) EITR(u32)[25] @ 0x1680 {
        /// Counter ignore: a write does not restart the running interval, so reprogramming a
        /// busy vector does not postpone its pending interrupt (82576 and later).
        31:31 cnt_ignr => bool;
        /// Interval in microseconds, in bits 14:2.
        14:2 interval;
    }
    /// Interrupt vector allocation (82576): queue n's RX cause in byte 0, TX in byte 1.
    pub(crate) IVAR(u32)[8] @ 0x1700 {
        15:15 tx_valid => bool;
        12:8 tx_vector;
        7:7 rx_valid => bool;
        4:0 rx_vector;
    }
    /// Interrupt vector allocation for other causes (82576).
    pub(crate) IVAR_MISC(u32) @ 0x1740 {
        15:15 valid => bool;
        12:8 vector;
    }

    /// Statistics block: 32-bit counters, cleared when read (64-bit byte counters are a
    /// low/high register pair, low first). See [`crate::hw_stats`] for the ones reported.
    pub(crate) STAT(u32)[64] @ 0x4000 {
        31:0 count;
    }
}

/// PHY (MII) registers and bits.
pub(crate) mod mii {
    /// Basic mode control register.
    pub(crate) const BMCR: u8 = 0;
    /// 1000 Mb/s speed selection (with `SPEED100` clear).
    pub(crate) const BMCR_SPEED1000: u16 = 1 << 6;
    /// Full duplex.
    pub(crate) const BMCR_FULLDPLX: u16 = 1 << 8;
    /// Restart autonegotiation.
    pub(crate) const BMCR_ANRESTART: u16 = 1 << 9;
    /// Autonegotiation enable.
    pub(crate) const BMCR_ANENABLE: u16 = 1 << 12;
    /// Loopback: transmitted frames come back to the MAC's receiver.
    pub(crate) const BMCR_LOOPBACK: u16 = 1 << 14;
}

/// Interrupt cause bits of ICR/IMS/IMC.
pub(crate) mod cause {
    /// Transmit descriptor written back.
    pub(crate) const TXDW: u32 = 1 << 0;
    /// Link status change.
    pub(crate) const LSC: u32 = 1 << 2;
    /// Receive descriptor minimum threshold.
    pub(crate) const RXDMT0: u32 = 1 << 4;
    /// Receiver overrun.
    pub(crate) const RXO: u32 = 1 << 6;
    /// Receive timer (a frame arrived).
    pub(crate) const RXT0: u32 = 1 << 7;
    /// The causes a queue vector serves in single-vector modes.
    pub(crate) const QUEUES: u32 = TXDW | RXDMT0 | RXO | RXT0;
}
