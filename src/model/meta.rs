//! [`Meta`]: the extra fields of a comment, by name.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Source fields with no place in the model, by name, in name order (the order a
/// `BTreeMap` gives, which it replaces): one vector of pairs kept sorted.
///
/// A comment holds a handful of such fields at most. A `BTreeMap` allocates a node of about
/// 550 bytes for even one field: half a gigabyte at a million comments with hidden labels,
/// and a second of CPU time to fill and free.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta(Vec<(String, String)>);

impl Meta {
    /// No fields.
    pub fn new() -> Meta {
        Meta(Vec::new())
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// The fields in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The names in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Whether there is no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for Meta {
    type Output = String;

    /// The value of `key`; panics when there is none (as `BTreeMap`'s index does: for tests
    /// and for keys known to be there).
    fn index(&self, key: &str) -> &String {
        self.get(key)
            .unwrap_or_else(|| panic!("no meta field {key:?}"))
    }
}

impl<'a> IntoIterator for &'a Meta {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<BTreeMap<String, String>> for Meta {
    fn from(map: BTreeMap<String, String>) -> Meta {
        // Already in order and without repeats.
        Meta(map.into_iter().collect())
    }
}

impl Serialize for Meta {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Meta {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Meta, D::Error> {
        BTreeMap::<String, String>::deserialize(d).map(Meta::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m = Meta::new();
        let mut b = BTreeMap::new();
        for (k, v) in [
            ("stance", "agree"),
            ("topic", "3"),
            ("a", "x"),
            ("topic", "4"),
        ] {
            assert_eq!(
                m.insert(k.into(), v.into()),
                b.insert(k.to_string(), v.to_string())
            );
        }
        assert!(m.iter().eq(b.iter()));
        assert_eq!(m["topic"], "4");
        assert_eq!(m.get("none"), None);
        assert!(m.keys().eq(["a", "stance", "topic"]));
        assert!((&m).into_iter().map(|(k, v)| (k, v)).eq(b.iter()));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"a":"x","stance":"agree","topic":"4"}"#);
        assert_eq!(serde_json::from_str::<Meta>(&json).unwrap(), m);
    }
}
