//! How big an allocation a std collection holds, from its capacity alone.
//!
//! A hash table's memory is not `capacity() * size_of::<(K, V)>()`: hashbrown
//! (std's `HashMap` and `HashSet`, and the `hashbrown` crate) allocates a
//! power-of-two number of buckets, at most 7/8 of them usable, plus one
//! control byte per bucket and a trailing group of control bytes, with the
//! bucket array padded to the control bytes' alignment. Deep-size crates
//! that multiply the capacity by the entry size under-report it by about an
//! eighth; this models the real layout, which a counting-allocator test
//! checks for every collection here.

/// Control bytes are read a group at a time: 16 with SSE2, 8 otherwise.
const GROUP_WIDTH: usize =
    if cfg!(all(any(target_arch = "x86", target_arch = "x86_64"), target_feature = "sse2")) {
        16
    } else {
        8
    };

/// Buckets behind a hashbrown table whose `capacity()` is `capacity`.
fn buckets(capacity: usize) -> usize {
    // hashbrown: capacity = buckets - 1 up to 8 buckets, else buckets / 8 * 7.
    if capacity < 8 { capacity + 1 } else { capacity / 7 * 8 }
}

/// Bytes a hashbrown table allocates for elements of `size` bytes aligned to
/// `align`, given the table's `capacity()`.
pub fn hash_table_bytes(capacity: usize, size: usize, align: usize) -> usize {
    if capacity == 0 || size == 0 {
        return 0;
    }
    let buckets = buckets(capacity);
    let ctrl_align = align.max(GROUP_WIDTH);
    let data = (size * buckets).next_multiple_of(ctrl_align);
    data + buckets + GROUP_WIDTH
}

/// Bytes a `Vec`/`VecDeque`/`BinaryHeap` of `T` allocates for `capacity`.
pub(crate) fn array_bytes<T>(capacity: usize) -> usize {
    capacity * size_of::<T>()
}

/// Bytes of the allocation behind an `Arc<T>` or `Rc<T>`: two counters
/// and the value.
pub(crate) fn rc_bytes<T>() -> usize {
    std::alloc::Layout::new::<[usize; 2]>()
        .extend(std::alloc::Layout::new::<T>())
        .map_or(0, |(layout, _)| layout.pad_to_align().size())
}
