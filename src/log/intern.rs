//! Strings kept once: a crawl names each URL in a dozen events (put, get,
//! fetch start and end, links, the page's end, task done) and in the link
//! lists of every page that links to it. The log and the report hold a
//! `u32` id instead, and the text lives here, once.

use std::collections::HashMap;
use std::rc::Rc;

/// An interned string's id: its position in [`Interner`] (dense, from 0).
pub type Id = u32;

/// A set of strings, each stored once and named by a dense [`Id`].
///
/// The map and the list share one allocation per string (an `Rc<str>`), so
/// a string costs its bytes plus two pointers, not two copies.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Id → text.
    list: Vec<Rc<str>>,
    /// Text → id, for interning.
    index: HashMap<Rc<str>, Id>,
}

impl Interner {
    /// The id of `text`, adding it if it is new.
    pub fn intern(&mut self, text: &str) -> Id {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        // More than 4 billion distinct strings cannot fit in wasm32 memory;
        // saturating keeps this total anyway (ids stay valid, if shared).
        let id = Id::try_from(self.list.len()).unwrap_or(Id::MAX);
        let shared: Rc<str> = Rc::from(text);
        self.list.push(shared.clone());
        self.index.insert(shared, id);
        id
    }

    /// The id of `text`, if it was interned.
    pub fn get(&self, text: &str) -> Option<Id> {
        self.index.get(text).copied()
    }

    /// The text of `id` (empty for an id this interner never gave out).
    pub fn text(&self, id: Id) -> &str {
        self.list.get(id as usize).map(|s| &**s).unwrap_or("")
    }

    /// How many strings are kept.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The two string sets of one crawl: URLs, and the few words that repeat
/// (content types, encodings, skip reasons, host names).
#[derive(Clone, Debug, Default)]
pub struct Strings {
    pub urls: Interner,
    pub words: Interner,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_interned_twice_gets_one_id_and_its_text_back() {
        let mut strings = Interner::default();
        let a = strings.intern("http://a/");
        let b = strings.intern("http://b/");
        assert_eq!(strings.intern("http://a/"), a);
        assert_ne!(a, b);
        assert_eq!(strings.text(b), "http://b/");
        assert_eq!(strings.get("http://c/"), None);
        assert_eq!(strings.text(99), "");
        assert_eq!(strings.len(), 2);
    }
}
