//! The module's allocator: size classes for small blocks over the system's.
//!
//! A snapshot makes a few small blocks for every node of the page (its read,
//! tag, attribute names and values, child list), and most die when the batch
//! is encoded. The default allocator of `wasm32-unknown-unknown` (dlmalloc)
//! was the single largest wasm item of the snapshot's profile (see
//! `bench/results/profile.md`). Here a block of at most [`MAX_SMALL`] bytes comes
//! from a free list of its size class, or else is cut from a 256 KiB chunk by
//! moving a pointer; freeing pushes it back on its class's list. Everything
//! else (and any alignment above 8) goes to the system allocator unchanged.
//!
//! Chunks are never given back, like the module's memory itself: a freed
//! block is reused by the next block of its class, so a steady session (the
//! bench's ten-minute soak) keeps a flat footprint. Which allocator owns a
//! block follows from its layout alone, which `dealloc` and `realloc`
//! receive, so no header is needed.
//!
//! Single-threaded by construction: the module runs on one thread (the
//! page's, or one worker's, each with its own instance and memory).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ptr;

/// Size-class step.
const STEP: usize = 16;
/// The alignment every small block has (chunks are asked with it, and blocks
/// are multiples of [`STEP`]): dlmalloc's own, so a chunk costs a plain
/// `malloc` rather than a `memalign`.
const ALIGN: usize = 8;
/// Number of size classes: 16, 32, …, 256 bytes.
const CLASSES: usize = 16;
/// The largest block served from the size classes.
const MAX_SMALL: usize = STEP * CLASSES;
/// Bytes asked of the system allocator at a time for small blocks. A new
/// chunk usually grows the module's memory (a runtime call, and the JS glue
/// then renews its views of the memory), so chunks are not made smaller.
const CHUNK: usize = 256 * 1024;

/// A size-class allocator over `A`, which serves everything else.
pub(crate) struct Slab<A> {
    backing: A,
    state: UnsafeCell<State>,
}

struct State {
    /// Head of each class's free list; a free block holds the next one.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    next: *mut u8,
    end: *mut u8,
}

// SAFETY: the module is single-threaded (no `atomics` target feature): no two
// calls ever run at once.
unsafe impl<A: Sync> Sync for Slab<A> {}

impl<A> Slab<A> {
    pub(crate) const fn new(backing: A) -> Self {
        Slab {
            backing,
            state: UnsafeCell::new(State {
                free: [ptr::null_mut(); CLASSES],
                next: ptr::null_mut(),
                end: ptr::null_mut(),
            }),
        }
    }
}

/// The size class of `layout`, or `None` for the system allocator.
fn class_of(layout: Layout) -> Option<usize> {
    if layout.align() > ALIGN || layout.size() > MAX_SMALL {
        return None;
    }
    Some(layout.size().max(1).div_ceil(STEP) - 1)
}

impl<A: GlobalAlloc> Slab<A> {
    /// A block of class `class`: from its free list, else from the chunk.
    unsafe fn alloc_small(&self, class: usize) -> *mut u8 {
        let state = &mut *self.state.get();
        let head = state.free[class];
        if !head.is_null() {
            state.free[class] = head.cast::<*mut u8>().read();
            return head;
        }
        let size = (class + 1) * STEP;
        if (state.end as usize) - (state.next as usize) < size {
            // The old chunk's rest (under 256 bytes) is left unused.
            let chunk = self
                .backing
                .alloc(Layout::from_size_align_unchecked(CHUNK, ALIGN));
            if chunk.is_null() {
                return chunk;
            }
            state.next = chunk;
            state.end = chunk.add(CHUNK);
        }
        let block = state.next;
        state.next = block.add(size);
        block
    }

    unsafe fn free_small(&self, block: *mut u8, class: usize) {
        let state = &mut *self.state.get();
        block.cast::<*mut u8>().write(state.free[class]);
        state.free[class] = block;
    }
}

// SAFETY: small blocks are distinct ALIGN-aligned ranges of chunks that are
// never freed, handed out at most once until freed with the layout's class;
// everything else is the backing allocator's own contract.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Slab<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            Some(class) => self.alloc_small(class),
            None => self.backing.alloc(layout),
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match class_of(layout) {
            Some(class) => self.free_small(block, class),
            None => self.backing.dealloc(block, layout),
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (class_of(layout), class_of(new_layout)) {
            // A string growing within its class stays where it is.
            (Some(a), Some(b)) if a == b => block,
            (None, None) => self.backing.realloc(block, layout, new_size),
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn classes_cover_small_blocks_only() {
        assert_eq!(class_of(layout(1, 1)), Some(0));
        assert_eq!(class_of(layout(16, 8)), Some(0));
        assert_eq!(class_of(layout(17, 1)), Some(1));
        assert_eq!(class_of(layout(MAX_SMALL, 8)), Some(CLASSES - 1));
        assert_eq!(class_of(layout(MAX_SMALL + 1, 1)), None);
        assert_eq!(class_of(layout(8, 16)), None);
    }

    #[test]
    fn a_freed_block_is_reused_by_its_class_only() {
        let slab = Slab::new(System);
        unsafe {
            let a = slab.alloc(layout(24, 8));
            slab.dealloc(a, layout(24, 8));
            let other_class = slab.alloc(layout(40, 8));
            assert_ne!(a, other_class);
            assert_eq!(slab.alloc(layout(32, 4)), a);
        }
    }

    #[test]
    fn blocks_keep_their_contents_through_churn_and_realloc() {
        let slab = Slab::new(System);
        // Deterministic sizes across both allocators, interleaved frees.
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 7u32;
        for round in 0..20_000u32 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let size = 1 + (seed >> 8) as usize % 400;
            let l = layout(size, if seed & 1 == 0 { 8 } else { 1 });
            unsafe {
                let p = slab.alloc(l);
                assert!(!p.is_null());
                assert_eq!(p as usize % l.align(), 0);
                let tag = (round % 251) as u8;
                ptr::write_bytes(p, tag, size);
                live.push((p, l, tag));
                if seed & 6 == 0 && !live.is_empty() {
                    let (q, ql, qt) = live.swap_remove((seed >> 4) as usize % live.len());
                    // Grow or shrink across classes and allocators.
                    let new_size = 1 + (seed >> 12) as usize % 500;
                    let r = slab.realloc(q, ql, new_size);
                    for i in 0..ql.size().min(new_size) {
                        assert_eq!(*r.add(i), qt);
                    }
                    ptr::write_bytes(r, qt, new_size);
                    live.push((r, layout(new_size, ql.align()), qt));
                }
                if seed & 24 == 0 {
                    let (q, ql, qt) = live.swap_remove(live.len() / 2);
                    for i in 0..ql.size() {
                        assert_eq!(*q.add(i), qt, "a live block was overwritten");
                    }
                    slab.dealloc(q, ql);
                }
            }
        }
        for (p, l, tag) in live {
            unsafe {
                for i in 0..l.size() {
                    assert_eq!(*p.add(i), tag, "a live block was overwritten");
                }
                slab.dealloc(p, l);
            }
        }
    }
}
