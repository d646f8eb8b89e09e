// SPDX-License-Identifier: GPL-2.0

//! Registers for diagnostics and link-level control: flow control, LEDs, the NVM read
//! interface, software-raised interrupt causes, and the offsets of the statistics counters.
//! Offsets and bits from the 82576 datasheet (chapter 8) and the 8254x developer's manual
//! (chapter 13); both MACs have these registers at the same offsets.

use kernel::io::register;

register! {
    /// Interrupt cause set: raises the written causes as if the hardware had.
    pub(crate) ICS(u32) @ 0x00C8 {
        31:0 causes;
    }

    /// NVM (EEPROM) read on the 8254x: write `start` with a word address, poll `done`.
    pub(crate) EERD_8254X(u32) @ 0x0014 {
        /// The word read.
        31:16 data;
        /// Word address.
        15:8 addr;
        /// The read completed.
        4:4 done => bool;
        /// Start a read.
        0:0 start => bool;
    }

    /// NVM read on the 82576: as on the 8254x with a wider address and the done bit at 1.
    pub(crate) EERD_82576(u32) @ 0x0014 {
        /// The word read.
        31:16 data;
        /// Word address.
        15:2 addr;
        /// The read completed.
        1:1 done => bool;
        /// Start a read.
        0:0 start => bool;
    }

    /// Flow control address, low half: the PAUSE multicast address 01:80:C2:00:00:01.
    pub(crate) FCAL(u32) @ 0x0028 {
        31:0 addr;
    }

    /// Flow control address, high half.
    pub(crate) FCAH(u32) @ 0x002C {
        15:0 addr;
    }

    /// Flow control ethertype (0x8808, MAC control).
    pub(crate) FCT(u32) @ 0x0030 {
        15:0 ethertype;
    }

    /// Pause time sent in XOFF frames, in 512-bit-time quanta.
    pub(crate) FCTTV(u32) @ 0x0170 {
        15:0 quanta;
    }

    /// LED control: one byte per LED (0-3), its mode in bits 3:0.
    pub(crate) LEDCTL(u32) @ 0x0E00 {
        31:0 leds;
    }

    /// Flow control receive threshold low: XON is sent when the receive buffer drains below.
    pub(crate) FCRTL(u32) @ 0x2160 {
        /// Send XON frames.
        31:31 xone => bool;
        /// Threshold in bytes (8-byte granularity).
        15:3 threshold;
    }

    /// Flow control receive threshold high: XOFF is sent when the receive buffer fills above.
    pub(crate) FCRTH(u32) @ 0x2168 {
        /// Threshold in bytes (8-byte granularity).
        15:3 threshold;
    }
}

/// `LEDCTL` with every LED forced on (mode 1110b in each LED's byte).
pub(crate) const LEDS_ON: u32 = 0x0E0E_0E0E;
/// `LEDCTL` with every LED forced off (mode 1111b).
pub(crate) const LEDS_OFF: u32 = 0x0F0F_0F0F;

/// Offsets of the statistics counters (32-bit, cleared when read; a byte count's high half
/// follows its low half).
pub(crate) mod stat {
    /// CRC errors.
    pub(crate) const CRCERRS: usize = 0x4000;
    /// Alignment errors.
    pub(crate) const ALGNERRC: usize = 0x4004;
    /// Symbol errors.
    pub(crate) const SYMERRS: usize = 0x4008;
    /// Receive errors.
    pub(crate) const RXERRC: usize = 0x400C;
    /// Missed packets (receive buffer full).
    pub(crate) const MPC: usize = 0x4010;
    /// Single collisions.
    pub(crate) const SCC: usize = 0x4014;
    /// Excessive collisions (transmit aborted).
    pub(crate) const ECOL: usize = 0x4018;
    /// Multiple collisions.
    pub(crate) const MCC: usize = 0x401C;
    /// Late collisions.
    pub(crate) const LATECOL: usize = 0x4020;
    /// Collisions.
    pub(crate) const COLC: usize = 0x4028;
    /// Deferred transmissions.
    pub(crate) const DC: usize = 0x4030;
    /// Transmits without carrier sense.
    pub(crate) const TNCRS: usize = 0x4034;
    /// Receive length errors.
    pub(crate) const RLEC: usize = 0x4040;
    /// XON frames received.
    pub(crate) const XONRXC: usize = 0x4048;
    /// XON frames sent.
    pub(crate) const XONTXC: usize = 0x404C;
    /// XOFF frames received.
    pub(crate) const XOFFRXC: usize = 0x4050;
    /// XOFF frames sent.
    pub(crate) const XOFFTXC: usize = 0x4054;
    /// Flow control frames with an unsupported opcode received.
    pub(crate) const FCRUC: usize = 0x4058;
    /// Received frames of 64 bytes.
    pub(crate) const PRC64: usize = 0x405C;
    /// Received frames of 65-127 bytes.
    pub(crate) const PRC127: usize = 0x4060;
    /// Received frames of 128-255 bytes.
    pub(crate) const PRC255: usize = 0x4064;
    /// Received frames of 256-511 bytes.
    pub(crate) const PRC511: usize = 0x4068;
    /// Received frames of 512-1023 bytes.
    pub(crate) const PRC1023: usize = 0x406C;
    /// Received frames of 1024 bytes up to the maximum.
    pub(crate) const PRC1522: usize = 0x4070;
    /// Good frames received.
    pub(crate) const GPRC: usize = 0x4074;
    /// Broadcast frames received.
    pub(crate) const BPRC: usize = 0x4078;
    /// Multicast frames received.
    pub(crate) const MPRC: usize = 0x407C;
    /// Good frames sent.
    pub(crate) const GPTC: usize = 0x4080;
    /// Good octets received (low half).
    pub(crate) const GORCL: usize = 0x4088;
    /// Good octets sent (low half).
    pub(crate) const GOTCL: usize = 0x4090;
    /// No receive descriptor available.
    pub(crate) const RNBC: usize = 0x40A0;
    /// Undersized frames received.
    pub(crate) const RUC: usize = 0x40A4;
    /// Fragments (undersized with a bad CRC) received.
    pub(crate) const RFC: usize = 0x40A8;
    /// Oversized frames received.
    pub(crate) const ROC: usize = 0x40AC;
    /// Jabbers (oversized with a bad CRC) received.
    pub(crate) const RJC: usize = 0x40B0;
    /// Total frames received.
    pub(crate) const TPR: usize = 0x40D0;
    /// Total frames sent.
    pub(crate) const TPT: usize = 0x40D4;
    /// Sent frames of 64 bytes.
    pub(crate) const PTC64: usize = 0x40D8;
    /// Sent frames of 65-127 bytes.
    pub(crate) const PTC127: usize = 0x40DC;
    /// Sent frames of 128-255 bytes.
    pub(crate) const PTC255: usize = 0x40E0;
    /// Sent frames of 256-511 bytes.
    pub(crate) const PTC511: usize = 0x40E4;
    /// Sent frames of 512-1023 bytes.
    pub(crate) const PTC1023: usize = 0x40E8;
    /// Sent frames of 1024 bytes up to the maximum.
    pub(crate) const PTC1522: usize = 0x40EC;
    /// Multicast frames sent.
    pub(crate) const MPTC: usize = 0x40F0;
    /// Broadcast frames sent.
    pub(crate) const BPTC: usize = 0x40F4;
}

register! {
    /// EEPROM/NVM control: the NVM's size on the 82576.
    pub(crate) EECD(u32) @ 0x0010 {
        /// Size: 2^(size_ex + 6) words.
        14:11 size_ex;
    }
}
