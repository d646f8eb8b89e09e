// SPDX-License-Identifier: GPL-2.0

//! Receive-side scaling settings of a device: what `ethtool -x/-X` and `-n/-N rx-flow-hash`
//! show and change. They outlive interface down/up and are programmed by the MAC
//! ([`crate::hal::Mac::program_rss`]).

use crate::logic::rss::{default_reta, HashFields, KEY_LEN, RETA_LEN};
use crate::net::netdev::rss_key_fill;

/// RSS key, redirection table and hashed fields.
#[derive(Clone)]
pub(crate) struct RssConfig {
    /// Toeplitz key.
    pub(crate) key: [u8; KEY_LEN],
    /// Redirection table: entry `hash % RETA_LEN` is the receive queue.
    pub(crate) reta: [u8; RETA_LEN],
    /// Which header fields feed the hash, per traffic type.
    pub(crate) fields: HashFields,
}

impl RssConfig {
    /// A random key (the system's RSS key), the table spread over `queues`, default fields.
    pub(crate) fn new(queues: u32) -> Self {
        let mut key = [0u8; KEY_LEN];
        rss_key_fill(&mut key);
        Self {
            key,
            reta: default_reta(queues),
            fields: HashFields::default(),
        }
    }
}
