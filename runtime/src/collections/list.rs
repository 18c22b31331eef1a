//! Intrusive doubly linked lists over slab slots, linked by `u32` index:
//! the eviction order threads the table's nodes, the expiry lists thread its
//! stamps. A list owns no memory; its elements carry the links.

/// The end of a list, and "no slot".
pub(crate) const NIL: u32 = u32::MAX;

/// One element's neighbours (`NIL` at the ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Links {
    pub(crate) prev: u32,
    pub(crate) next: u32,
}

impl Links {
    /// Linked to nothing.
    pub(crate) const NONE: Links = Links { prev: NIL, next: NIL };
}

/// Anything whose elements carry one set of list links.
pub(crate) trait Linked {
    fn links(&mut self, i: u32) -> &mut Links;
}

/// Head and tail of an intrusive list; `head` is the oldest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct List {
    pub(crate) head: u32,
    pub(crate) tail: u32,
}

impl Default for List {
    fn default() -> Self {
        List::EMPTY
    }
}

impl List {
    pub(crate) const EMPTY: List = List { head: NIL, tail: NIL };

    pub(crate) fn push_back(&mut self, slots: &mut impl Linked, i: u32) {
        *slots.links(i) = Links { prev: self.tail, next: NIL };
        match self.tail {
            NIL => self.head = i,
            tail => slots.links(tail).next = i,
        }
        self.tail = i;
    }

    pub(crate) fn unlink(&mut self, slots: &mut impl Linked, i: u32) {
        let Links { prev, next } = *slots.links(i);
        match prev {
            NIL => self.head = next,
            p => slots.links(p).next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => slots.links(n).prev = prev,
        }
    }

    pub(crate) fn move_to_back(&mut self, slots: &mut impl Linked, i: u32) {
        if self.tail != i {
            self.unlink(slots, i);
            self.push_back(slots, i);
        }
    }

    /// The node at `from` moved to slot `to`: repoint its neighbours.
    pub(crate) fn relocate(&mut self, slots: &mut impl Linked, from: u32, to: u32) {
        let Links { prev, next } = *slots.links(to);
        match prev {
            NIL => self.head = to,
            p => slots.links(p).next = to,
        }
        match next {
            NIL => self.tail = to,
            n => slots.links(n).prev = to,
        }
        debug_assert_ne!(from, to);
    }
}

/// A list over `links` (one per slot) visits each of `len` slots once,
/// forwards and backwards, from `list.head` to `list.tail`.
pub(crate) fn check_list(name: &str, list: &List, links: &[Links], len: usize) {
    let mut seen = vec![false; len];
    let (mut at, mut prev, mut count) = (list.head, NIL, 0);
    while at != NIL {
        let i = at as usize;
        assert!(i < len, "{name} list points at {at}, len {len}");
        assert!(!std::mem::replace(&mut seen[i], true), "{name} list visits {at} twice");
        assert_eq!(links[i].prev, prev, "{name} list: {at}.prev is not {prev}");
        (prev, at) = (at, links[i].next);
        count += 1;
    }
    assert_eq!(list.tail, prev, "{name} list's tail is not its last slot");
    assert_eq!(count, len, "{name} list holds {count} of {len} slots");
}
