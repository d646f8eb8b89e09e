// SPDX-License-Identifier: GPL-2.0

//! The VLAN filter table: one bit per VLAN id, laid out as the MACs' `VFTA` registers (bit
//! `id % 32` of word `id / 32`).

/// Number of VLAN ids (12 bits).
pub(crate) const VLAN_IDS: u16 = 4096;
const WORDS: usize = VLAN_IDS as usize / 32;

/// The VLAN ids the interface receives while VLAN filtering is on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct VlanTable {
    words: [u32; WORDS],
}

impl Default for VlanTable {
    fn default() -> Self {
        Self::new()
    }
}

impl VlanTable {
    /// An empty table (only untagged frames pass).
    pub(crate) const fn new() -> Self {
        Self { words: [0; WORDS] }
    }

    /// Admits `id`; `false` (table unchanged) when it is not a 12-bit VLAN id.
    pub(crate) fn add(&mut self, id: u16) -> bool {
        self.set(id, true)
    }

    /// Stops admitting `id`; `false` when it is not a 12-bit VLAN id.
    pub(crate) fn remove(&mut self, id: u16) -> bool {
        self.set(id, false)
    }

    fn set(&mut self, id: u16, on: bool) -> bool {
        let Some(word) = self.words.get_mut(usize::from(id) / 32) else {
            return false;
        };
        let bit = 1u32 << (id % 32);
        if on {
            *word |= bit;
        } else {
            *word &= !bit;
        }
        true
    }

    /// The register holding `id`'s bit and its value: (`VFTA` index, bits).
    pub(crate) fn word_of(&self, id: u16) -> Option<(usize, u32)> {
        let i = usize::from(id) / 32;
        Some((i, *self.words.get(i)?))
    }

    /// The table as register values, `VFTA[0]` first.
    pub(crate) const fn words(&self) -> &[u32; WORDS] {
        &self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_to_vfta_bits() {
        let mut t = VlanTable::new();
        assert!(t.add(0) && t.add(100) && t.add(4095));
        assert_eq!(t.words()[0], 1);
        assert_eq!(t.words()[3], 1 << 4, "100 = 3 * 32 + 4");
        assert_eq!(t.words()[127], 1 << 31);
        assert_eq!(t.word_of(100), Some((3, 1 << 4)));
        assert_eq!(t.word_of(4096), None);
        assert!(t.remove(100));
        assert_eq!(t.words()[3], 0);
    }

    #[test]
    fn out_of_range_ids_change_nothing() {
        let mut t = VlanTable::new();
        t.add(5);
        let before = t.clone();
        assert!(!t.add(4096) && !t.remove(u16::MAX));
        assert_eq!(t, before);
    }
}
