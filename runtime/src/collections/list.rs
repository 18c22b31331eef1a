//! Intrusive doubly linked lists over table slots, linked by `u32` index:
//! the eviction order threads the table's entries, the expiry lists thread
//! its stamps. A list owns no memory; its elements carry the links.

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

/// Anything whose elements carry one set of list links. Getters and setters
/// rather than `&mut Links`, so that an element may pack its links with
/// other bits (a table entry keeps SIEVE's visited bit beside `next`).
pub(crate) trait Linked {
    fn links(&self, i: u32) -> Links;
    fn set_prev(&mut self, i: u32, prev: u32);
    fn set_next(&mut self, i: u32, next: u32);
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
        slots.set_prev(i, self.tail);
        slots.set_next(i, NIL);
        match self.tail {
            NIL => self.head = i,
            tail => slots.set_next(tail, i),
        }
        self.tail = i;
    }

    pub(crate) fn unlink(&mut self, slots: &mut impl Linked, i: u32) {
        let Links { prev, next } = slots.links(i);
        match prev {
            NIL => self.head = next,
            p => slots.set_next(p, next),
        }
        match next {
            NIL => self.tail = prev,
            n => slots.set_prev(n, prev),
        }
    }

    pub(crate) fn move_to_back(&mut self, slots: &mut impl Linked, i: u32) {
        if self.tail != i {
            self.unlink(slots, i);
            self.push_back(slots, i);
        }
    }

    /// The list with every slot renamed by `map` (a table moved its
    /// entries): `map[old]` is the new slot.
    pub(crate) fn remapped(self, map: &[u32]) -> List {
        List { head: remap(map, self.head), tail: remap(map, self.tail) }
    }
}

/// Slot `i` renamed by `map`; `NIL` stays `NIL`.
pub(crate) fn remap(map: &[u32], i: u32) -> u32 {
    if i == NIL { NIL } else { map[i as usize] }
}

/// A list over `links` (one per slot) visits `len` slots, each once and
/// each one `listed` allows, forwards and backwards, from `list.head` to
/// `list.tail`.
pub(crate) fn check_list(
    name: &str,
    list: &List,
    links: &[Links],
    len: usize,
    listed: impl Fn(u32) -> bool,
) {
    let mut seen = vec![false; links.len()];
    let (mut at, mut prev, mut count) = (list.head, NIL, 0);
    while at != NIL {
        let i = at as usize;
        assert!(i < links.len() && listed(at), "{name} list points at {at}, not a listed slot");
        assert!(!std::mem::replace(&mut seen[i], true), "{name} list visits {at} twice");
        assert_eq!(links[i].prev, prev, "{name} list: {at}.prev is not {prev}");
        (prev, at) = (at, links[i].next);
        count += 1;
    }
    assert_eq!(list.tail, prev, "{name} list's tail is not its last slot");
    assert_eq!(count, len, "{name} list holds {count} of {len} slots");
}
