// SPDX-License-Identifier: GPL-2.0

//! IEEE 1588 time synchronisation registers of the 82576 (datasheet section 7.9 and 8.16):
//! the system time counter, the transmit and receive timestamp latches, and the ethertype
//! filter that marks PTP frames for timestamping. The 82540EM has none of them.

use kernel::io::register;

register! {
    /// System time, low half. Reading it latches the high half into [`SYSTIMH`].
    pub(crate) SYSTIML(u32) @ 0xB600 {
        31:0 value;
    }

    /// System time, high half, as latched by the last [`SYSTIML`] read.
    pub(crate) SYSTIMH(u32) @ 0xB604 {
        31:0 value;
    }

    /// System time increment: `increment` units are added every `period` x 16 ns.
    pub(crate) TIMINCA(u32) @ 0xB608 {
        /// Increment period, in 16 ns ticks.
        31:24 period;
        /// Units added per period.
        23:0 increment;
    }

    /// Transmit timestamp control.
    pub(crate) TSYNCTXCTL(u32) @ 0xB614 {
        /// Timestamp packets whose descriptor asks for it.
        4:4 enabled => bool;
        /// [`TXSTMPL`]/[`TXSTMPH`] hold a timestamp; no other is taken until [`TXSTMPH`] is read.
        0:0 valid => bool;
    }

    /// Transmit timestamp, low half.
    pub(crate) TXSTMPL(u32) @ 0xB618 {
        31:0 value;
    }

    /// Transmit timestamp, high half; reading it frees the latch.
    pub(crate) TXSTMPH(u32) @ 0xB61C {
        31:0 value;
    }

    /// Receive timestamp control.
    pub(crate) TSYNCRXCTL(u32) @ 0xB620 {
        /// Timestamp received PTP frames.
        4:4 enabled => bool;
        /// Which frames: 0 PTPv2 over Ethernet of the message type in [`TSYNCRXCFG`], 5 every
        /// PTPv2 event message.
        3:1 kind;
        /// [`RXSTMPL`]/[`RXSTMPH`] hold a timestamp; no other is taken until it is read.
        0:0 valid => bool;
    }

    /// Receive timestamp, low half.
    pub(crate) RXSTMPL(u32) @ 0xB624 {
        31:0 value;
    }

    /// Receive timestamp, high half; reading it frees the latch.
    pub(crate) RXSTMPH(u32) @ 0xB628 {
        31:0 value;
    }

    /// Source identity and sequence number of the timestamped frame, high half. QEMU frees the
    /// receive latch on reading this register rather than [`RXSTMPH`], so the driver reads both.
    pub(crate) RXSATRH(u32) @ 0xB630 {
        31:0 value;
    }

    /// Receive timestamp configuration: which PTP message the L2_V2 kind timestamps.
    pub(crate) TSYNCRXCFG(u32) @ 0x5F50 {
        /// PTPv2 message type (`messageType` of the PTP header): 0 Sync, 1 Delay_Req.
        11:8 v2_message;
    }

    /// Ethertype filters; filter 3 marks PTP frames (ethertype 0x88F7) for timestamping.
    pub(crate) ETQF(u32)[8, stride = 4] @ 0x5CB0 {
        /// Frames matching this filter are timestamp candidates.
        30:30 timestamp => bool;
        /// The filter is active.
        26:26 enabled => bool;
        /// The ethertype matched.
        15:0 ethertype;
    }
}
