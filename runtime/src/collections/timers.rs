//! When each entry of a table expires, and finding the expired ones without
//! looking at the others.
//!
//! Every slot of a timed table has a [`Stamp`] (a `Vec` parallel to the
//! table's buckets, empty while the table is untimed): its entry's expiry
//! instant and the links of the one expiry list it sits on; an empty
//! bucket's stamp is [`Stamp::EMPTY`]. Two structures share those links:
//!
//! - **The default list** holds the entries stamped with the collection's own
//!   TTL. They are stamped `now + ttl` by a clock that never goes back, so
//!   write order is expiry order: the expired ones are always at the head,
//!   found in O(1). This is the common case and costs one list push per write.
//! - **The wheel** holds the entries given a TTL of their own
//!   (`insert_with_ttl`, `set_ttl`), whose expiries come in any order. It is a
//!   hierarchical timer wheel (Varghese and Lauck, 1987; the design tokio's
//!   timers and moka's per-entry expiry use): six levels of 64 buckets, level
//!   `l`'s buckets each spanning `64^l` ticks of 2^20 ns (about 1 ms), so the
//!   levels reach about 67 ms, 4.3 s, 4.6 min, 4.9 h, 13 days and 2.3 years. An
//!   entry goes into the bucket of the highest level at which its deadline
//!   and the wheel's current tick differ, in O(1); when time reaches a
//!   bucket its entries either expire or drop to a lower level, so each
//!   entry is touched at most six times before it expires: amortized O(1)
//!   per write. A 64-bit occupancy mask per level finds the next bucket due
//!   with one `trailing_zeros`, and an empty stretch of time costs nothing.
//!
//! The wheel works in whole ticks: an entry with a TTL of its own leaves
//! memory within a tick after it expires (reads compare the exact instant,
//! so it is never returned). Deadlines further out than the top level's
//! reach are parked in its farthest bucket and placed again when it comes
//! round. Entries that never expire (an untimed write into a table that has
//! per-entry TTLs) are on no list.

use super::list::{Linked, Links, List, NIL, remap};

/// A tick of the wheel is 2^20 ns (1.048576 ms).
pub(crate) const TICK_SHIFT: u32 = 20;
/// Each level has 2^6 buckets.
const LEVEL_BITS: u32 = 6;
const SLOTS: usize = 1 << LEVEL_BITS;
const LEVELS: usize = 6;
/// Ticks the top level covers; deadlines further out are parked.
const REACH: u64 = 1 << (LEVEL_BITS * LEVELS as u32);
/// Ticks one bucket of the top level spans.
const TOP_BUCKET: u64 = 1 << (LEVEL_BITS * (LEVELS as u32 - 1));

/// Which list a stamp is on.
const UNSCHEDULED: u32 = u32::MAX;
const DEFAULT: u32 = u32::MAX - 1;
// Any other value is a wheel bucket: `level * SLOTS + slot`.

/// "Never expires".
pub(crate) const NEVER: u64 = u64::MAX;

/// One entry's expiry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamp {
    /// The clock instant (ns) from which the entry is expired; [`NEVER`].
    pub(crate) expires: u64,
    links: Links,
    /// The list it is on: [`DEFAULT`], a bucket, or [`UNSCHEDULED`].
    home: u32,
}

impl Stamp {
    /// The stamp of an empty bucket, or of an entry that never expires.
    pub(crate) const EMPTY: Stamp = Stamp { expires: NEVER, links: Links::NONE, home: UNSCHEDULED };
}

impl Linked for Vec<Stamp> {
    fn links(&self, i: u32) -> Links {
        self[i as usize].links
    }

    fn set_prev(&mut self, i: u32, prev: u32) {
        self[i as usize].links.prev = prev;
    }

    fn set_next(&mut self, i: u32, next: u32) {
        self[i as usize].links.next = next;
    }
}

/// The tick at which an entry expiring at `expires` ns is certainly expired.
fn deadline(expires: u64) -> u64 {
    expires.div_ceil(1 << TICK_SHIFT)
}

/// The stamps of a timed table and the lists over them.
#[derive(Clone, Default)]
pub(crate) struct Timers {
    pub(crate) stamps: Vec<Stamp>,
    default: List,
    /// Allocated with the first entry that has a TTL of its own.
    wheel: Option<Box<Wheel>>,
}

#[derive(Clone)]
struct Wheel {
    buckets: [List; LEVELS * SLOTS],
    /// Bit `s` of `occupied[l]`: bucket `s` of level `l` is not empty.
    occupied: [u64; LEVELS],
    /// The current tick: every deadline in the wheel is at or after it.
    elapsed: u64,
    /// No bucket is due before this tick (a lower bound: removals may leave
    /// it early, which costs one look).
    next_due: u64,
}

impl Wheel {
    fn new(elapsed: u64) -> Box<Self> {
        Box::new(Wheel {
            buckets: [List::EMPTY; LEVELS * SLOTS],
            occupied: [0; LEVELS],
            elapsed,
            next_due: u64::MAX,
        })
    }

    /// The bucket for a deadline, and the tick at which it comes due.
    fn bucket_for(&self, deadline: u64) -> (u32, u64) {
        let now = self.elapsed;
        let last = (now & !(TOP_BUCKET - 1)) + REACH - 1;
        let deadline = deadline.clamp(now, last);
        let significant = 63 - ((now ^ deadline) | (SLOTS as u64 - 1)).leading_zeros();
        let level = ((significant / LEVEL_BITS) as usize).min(LEVELS - 1);
        let shift = LEVEL_BITS * level as u32;
        let slot = ((deadline >> shift) as usize) & (SLOTS - 1);
        let ahead = (slot as u64).wrapping_sub(now >> shift) & (SLOTS as u64 - 1);
        let due = ((now >> shift) + ahead) << shift;
        ((level * SLOTS + slot) as u32, due)
    }

    /// The earliest non-empty bucket and the tick it comes due: the first
    /// occupied one, from the current slot on, of the lowest occupied level.
    /// No need to compare levels: a level's deadlines all lie in the same
    /// block of `64^(level+1)` ticks as the current tick, and the next
    /// level's in later blocks, so a lower level always comes due first.
    fn earliest(&self) -> Option<(u32, u64)> {
        let level = self.occupied.iter().position(|&occupied| occupied != 0)?;
        let shift = LEVEL_BITS * level as u32;
        let here = self.elapsed >> shift;
        // `rotate_right` counts modulo 64, the slots in a level.
        let ahead = u64::from(self.occupied[level].rotate_right(here as u32).trailing_zeros());
        let slot = ((here + ahead) as usize) & (SLOTS - 1);
        Some(((level * SLOTS + slot) as u32, (here + ahead) << shift))
    }
}

impl Timers {
    /// The list `home` names, and the stamps its links run through.
    fn list(&mut self, home: u32) -> (&mut List, &mut Vec<Stamp>) {
        let Timers { stamps, default, wheel } = self;
        let list = match home {
            DEFAULT => default,
            bucket => match wheel.as_deref_mut() {
                Some(wheel) => &mut wheel.buckets[bucket as usize],
                None => unreachable!("a stamp in bucket {bucket} without a wheel"),
            },
        };
        (list, stamps)
    }

    /// Stamps slot `i`, just filled (its stamp is [`Stamp::EMPTY`]).
    pub(crate) fn insert(&mut self, i: u32, expires: u64, own_ttl: bool) {
        debug_assert_eq!(self.stamps[i as usize].home, UNSCHEDULED, "slot {i} stamped twice");
        self.schedule(i, expires, own_ttl);
    }

    /// Makes sure the wheel exists, its time starting at `now` (ns).
    pub(crate) fn start_wheel(&mut self, now: u64) {
        self.wheel.get_or_insert_with(|| Wheel::new(now >> TICK_SHIFT));
    }

    /// Stamps slot `i` (on no list) to expire at `expires`: onto the default
    /// list, or with `own_ttl` into the wheel.
    fn schedule(&mut self, i: u32, expires: u64, own_ttl: bool) {
        self.stamps[i as usize].expires = expires;
        if expires == NEVER {
            return;
        }
        if !own_ttl {
            self.default.push_back(&mut self.stamps, i);
            self.stamps[i as usize].home = DEFAULT;
            return;
        }
        let wheel = self.wheel.get_or_insert_with(|| Wheel::new(0));
        let (bucket, due) = wheel.bucket_for(deadline(expires));
        wheel.buckets[bucket as usize].push_back(&mut self.stamps, i);
        wheel.occupied[bucket as usize / SLOTS] |= 1 << (bucket as usize % SLOTS);
        wheel.next_due = wheel.next_due.min(due);
        self.stamps[i as usize].home = bucket;
    }

    /// Takes slot `i` off its list.
    fn unschedule(&mut self, i: u32) {
        let home = std::mem::replace(&mut self.stamps[i as usize].home, UNSCHEDULED);
        if home == UNSCHEDULED {
            return;
        }
        let (list, stamps) = self.list(home);
        list.unlink(stamps, i);
        let emptied = list.head == NIL;
        if emptied
            && home != DEFAULT
            && let Some(wheel) = self.wheel.as_deref_mut()
        {
            wheel.occupied[home as usize / SLOTS] &= !(1 << (home as usize % SLOTS));
        }
    }

    /// Restamps slot `i` to expire at `expires`.
    pub(crate) fn restamp(&mut self, i: u32, expires: u64, own_ttl: bool) {
        let stamp = &mut self.stamps[i as usize];
        if !own_ttl && stamp.home == DEFAULT {
            stamp.expires = expires;
            self.default.move_to_back(&mut self.stamps, i);
            return;
        }
        self.unschedule(i);
        self.schedule(i, expires, own_ttl);
    }

    /// Slot `i` was emptied: off its list, its stamp [`Stamp::EMPTY`].
    pub(crate) fn remove(&mut self, i: u32) {
        self.unschedule(i);
        self.stamps[i as usize] = Stamp::EMPTY;
    }

    /// Empties every list; every one of `buckets` slots gets an empty stamp.
    /// The wheel keeps its time.
    pub(crate) fn reset(&mut self, buckets: usize) {
        self.default = List::EMPTY;
        if let Some(wheel) = self.wheel.as_deref_mut() {
            wheel.buckets = [List::EMPTY; LEVELS * SLOTS];
            wheel.occupied = [0; LEVELS];
            wheel.next_due = u64::MAX;
        }
        self.stamps.clear();
        self.stamps.resize(buckets, Stamp::EMPTY);
        self.stamps.shrink_to_fit();
    }

    /// The table moved its entries to a table of `buckets` slots: the entry
    /// of slot `old` is now in `map[old]` (`NIL` for an empty slot). Every
    /// stamp moves with its entry, and the lists are renamed. O(buckets).
    pub(crate) fn remap(&mut self, map: &[u32], buckets: usize) {
        let mut stamps = vec![Stamp::EMPTY; buckets];
        for (stamp, &to) in self.stamps.iter().zip(map) {
            if to != NIL {
                let links = stamp.links;
                let links = Links { prev: remap(map, links.prev), next: remap(map, links.next) };
                stamps[to as usize] = Stamp { links, ..*stamp };
            }
        }
        self.stamps = stamps;
        self.default = self.default.remapped(map);
        if let Some(wheel) = self.wheel.as_deref_mut() {
            for list in &mut wheel.buckets {
                *list = list.remapped(map);
            }
        }
    }

    /// The oldest slot on the default list whose stamp is at or before
    /// `now`, if the list's head is one.
    pub(crate) fn default_expired(&self, now: u64) -> Option<u32> {
        let head = self.default.head;
        (head != NIL && self.stamps[head as usize].expires <= now).then_some(head)
    }

    /// The next wheel bucket due at or before `now` (ns), moving the wheel's
    /// time to it; `None` when none is due, the wheel's time then moving to
    /// `now`. O(1) when nothing is due, which is nearly every call.
    pub(crate) fn due_bucket(&mut self, now: u64) -> Option<u32> {
        let wheel = self.wheel.as_deref_mut()?;
        let tick = now >> TICK_SHIFT;
        if tick < wheel.next_due {
            wheel.elapsed = wheel.elapsed.max(tick);
            return None;
        }
        match wheel.earliest() {
            Some((bucket, due)) if due <= tick => {
                wheel.elapsed = due;
                Some(bucket)
            }
            other => {
                wheel.next_due = other.map_or(u64::MAX, |(_, due)| due);
                wheel.elapsed = wheel.elapsed.max(tick);
                None
            }
        }
    }

    /// The wheel's entries expired at `now` that [`Timers::due_bucket`] has
    /// not reached: once every bucket due by `now`'s tick is emptied, those
    /// can only have the deadline `deadline(now)` (the tick after `now`'s),
    /// and that deadline's bucket holds them (every bucket below the top
    /// level holds exactly the deadlines that map to it; a parked entry's
    /// top bucket comes due before its deadline). For exact removal where a
    /// whole tick's precision is not enough (`retain`, `iter_mut`).
    pub(crate) fn overdue(&self, now: u64) -> Vec<u32> {
        let Some(wheel) = self.wheel.as_deref() else {
            return Vec::new();
        };
        let (bucket, _) = wheel.bucket_for(deadline(now));
        let mut overdue = Vec::new();
        let mut at = wheel.buckets[bucket as usize].head;
        while at != NIL {
            let stamp = &self.stamps[at as usize];
            if stamp.expires <= now {
                overdue.push(at);
            }
            at = stamp.links.next;
        }
        overdue
    }

    /// Takes the first slot off a due bucket.
    pub(crate) fn pop(&mut self, bucket: u32) -> Option<u32> {
        let head = self.wheel.as_deref()?.buckets[bucket as usize].head;
        (head != NIL).then(|| {
            self.unschedule(head);
            head
        })
    }

    /// Whether slot `i` (taken off a due bucket) is due at `now` by the
    /// wheel's tick rule; if not, it goes back into the wheel, to a bucket
    /// that is not the one being emptied.
    pub(crate) fn due_or_replace(&mut self, i: u32, bucket: u32, now: u64) -> bool {
        let expires = self.stamps[i as usize].expires;
        if deadline(expires) <= now >> TICK_SHIFT {
            return true;
        }
        self.schedule(i, expires, true);
        // Placed from the bucket's own start, it lands on a lower level, or
        // (parked past the top level's reach) in a later top bucket.
        debug_assert_ne!(
            self.stamps[i as usize].home, bucket,
            "a wheel entry placed back where it was"
        );
        false
    }

    /// Bytes beyond the stamps: the wheel's buckets.
    pub(crate) fn wheel_bytes(&self) -> usize {
        self.wheel.as_ref().map_or(0, |_| size_of::<Wheel>())
    }

    /// Checks that there is a stamp per slot (`full` says which hold an
    /// entry), that every stamp is on the list its `home` names, once; that
    /// an empty slot's stamp is empty; that the default list is in time
    /// order; that each wheel bucket holds deadlines that belong to it and
    /// its occupancy bit says so.
    pub(crate) fn check_invariants(&self, full: &[bool]) {
        let len = full.len();
        assert_eq!(self.stamps.len(), len, "stamps and slots disagree");
        let mut on_lists = vec![false; len];
        let mut walk = |name: &str, list: &List, home: u32| {
            let mut at = list.head;
            let mut count = 0;
            let mut prev = NIL;
            while at != NIL {
                assert!(full[at as usize], "{name}: empty slot {at} is listed");
                let stamp = &self.stamps[at as usize];
                assert_eq!(
                    stamp.home, home,
                    "{name}: slot {at} is on list {home}, says {}",
                    stamp.home
                );
                assert!(
                    !std::mem::replace(&mut on_lists[at as usize], true),
                    "slot {at} listed twice"
                );
                assert_eq!(stamp.links.prev, prev, "{name}: {at}.prev is not {prev}");
                assert_ne!(stamp.expires, NEVER, "{name}: a never-expiring slot {at} is listed");
                prev = at;
                at = stamp.links.next;
                count += 1;
            }
            assert_eq!(list.tail, prev, "{name}: tail is not the last slot");
            count
        };
        walk("default", &self.default, DEFAULT);
        let mut at = self.default.head;
        let mut last = 0;
        while at != NIL {
            let stamp = &self.stamps[at as usize];
            assert!(stamp.expires >= last, "default expiry list out of time order at slot {at}");
            last = stamp.expires;
            at = stamp.links.next;
        }
        if let Some(wheel) = self.wheel.as_deref() {
            for (bucket, list) in wheel.buckets.iter().enumerate() {
                let (level, slot) = (bucket / SLOTS, bucket % SLOTS);
                let count = walk("bucket", list, bucket as u32);
                let bit = wheel.occupied[level] >> slot & 1 == 1;
                assert_eq!(bit, count > 0, "occupancy of bucket {level}/{slot}");
                let mut at = list.head;
                while at != NIL {
                    let stamp = &self.stamps[at as usize];
                    let d = deadline(stamp.expires);
                    if level < LEVELS - 1 {
                        let (bucket_now, _) = wheel.bucket_for(d);
                        assert_eq!(
                            bucket_now as usize, bucket,
                            "slot {at} (deadline {d}) in the wrong bucket"
                        );
                    }
                    assert!(d >= wheel.elapsed, "slot {at} overdue in the wheel");
                    at = stamp.links.next;
                }
            }
            if let Some((_, due)) = wheel.earliest() {
                assert!(
                    wheel.next_due <= due,
                    "next_due {} after the earliest bucket {due}",
                    wheel.next_due
                );
            }
        }
        for (i, stamp) in self.stamps.iter().enumerate() {
            assert_eq!(on_lists[i], stamp.expires != NEVER, "slot {i}: listed iff it expires");
            if !full[i] {
                assert_eq!(stamp.expires, NEVER, "empty slot {i} has an expiry");
                assert_eq!(stamp.links, Links::NONE, "empty slot {i} has links");
            }
        }
    }
}
