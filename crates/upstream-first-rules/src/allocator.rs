//! The policies' allocator inside their wasm modules: size-classed free lists in front of the
//! system allocator (wasi-libc's dlmalloc).
//!
//! A validate makes about a thousand small allocations (the request's JSON, the shell syntax
//! tree, expanded fields) and frees them all before it returns. dlmalloc spent about 30 % of
//! no-sql-mutating-jobs' validate on them, looking up bins and coalescing neighbours; talc
//! measured the same. Here a block of at most [`LARGEST_CLASS`] bytes is rounded up to a power
//! of two and taken from, or given back to, that size's free list: a few instructions each way,
//! because Rust tells `dealloc` the size, so no header is read. Blocks are carved from slabs
//! taken from the system allocator and never returned to it: a module's memory cannot shrink
//! anyway, and what a request freed serves the next one. Larger blocks go to the system
//! allocator as before.
//!
//! `register_policy!` installs it as the module's global allocator. It is not thread-safe: it
//! is `Sync` only on wasm32 without the `atomics` feature, where a module has one thread.

#![allow(
    unsafe_code,
    reason = "a global allocator: raw blocks, and free lists linked through freed blocks"
)]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ptr;

/// The smallest class holds a free list's link (a pointer) on every target.
const SMALLEST_CLASS_SHIFT: u32 = 3;
/// Classes 8, 16, …, 4096 bytes.
const CLASSES: usize = 10;
/// The largest block served from a free list; larger ones go to the system allocator.
pub const LARGEST_CLASS: usize = 1 << (SMALLEST_CLASS_SHIFT as usize + CLASSES - 1);
/// What is taken from the system allocator at a time, aligned to [`LARGEST_CLASS`] so that a
/// block of every class can be carved at its own alignment.
const SLAB_BYTES: usize = 64 * 1024;

/// A freed block: its first word links to the next free block of its class.
struct FreeBlock {
    next: *mut FreeBlock,
}

/// Size-classed free lists over `Backing`, which serves the slabs and the large blocks.
pub struct SizeClasses<Backing> {
    backing: Backing,
    free_lists: [Cell<*mut FreeBlock>; CLASSES],
    /// The unused part of the current slab: `slab_next..slab_end`.
    slab_next: Cell<*mut u8>,
    slab_end: Cell<*mut u8>,
}

impl<Backing> SizeClasses<Backing> {
    pub const fn new(backing: Backing) -> Self {
        SizeClasses {
            backing,
            free_lists: [const { Cell::new(ptr::null_mut()) }; CLASSES],
            slab_next: Cell::new(ptr::null_mut()),
            slab_end: Cell::new(ptr::null_mut()),
        }
    }
}

/// The class of a layout: the power of two that holds its size and its alignment, as an index
/// into the free lists, or `None` for a large block.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    let bytes = layout.size().max(layout.align());
    if bytes > LARGEST_CLASS {
        return None;
    }
    let bits = usize::BITS - (bytes.max(1 << SMALLEST_CLASS_SHIFT) - 1).leading_zeros();
    Some((bits - SMALLEST_CLASS_SHIFT) as usize)
}

#[inline]
const fn class_bytes(class: usize) -> usize {
    1 << (class + SMALLEST_CLASS_SHIFT as usize)
}

impl<Backing: GlobalAlloc> SizeClasses<Backing> {
    /// A new block of `class`, carved from the current slab or from a new one.
    #[cold]
    fn carve(&self, class: usize) -> *mut u8 {
        let bytes = class_bytes(class);
        let next = self.slab_next.get();
        // Blocks start at a multiple of their size, so every alignment the class allows holds.
        let start = next.wrapping_add(next.addr().wrapping_neg() & (bytes - 1));
        if !next.is_null() && start.addr() <= self.slab_end.get().addr().saturating_sub(bytes) {
            self.slab_next.set(start.wrapping_add(bytes));
            return start;
        }
        let Ok(slab_layout) = Layout::from_size_align(SLAB_BYTES, LARGEST_CLASS) else {
            return ptr::null_mut();
        };
        // SAFETY: the layout's size is not zero.
        let slab = unsafe { self.backing.alloc(slab_layout) };
        if slab.is_null() {
            return ptr::null_mut();
        }
        // The rest of the previous slab is left unused: less than one slab per slab taken.
        self.slab_next.set(slab.wrapping_add(bytes));
        self.slab_end.set(slab.wrapping_add(SLAB_BYTES));
        slab
    }
}

// SAFETY: every block handed out is either the backing allocator's (large layouts, passed
// through unchanged) or a block of its class, at least as large and as aligned as the layout,
// carved from a slab that is never freed and owned by one caller at a time: it is on a free
// list only between its `dealloc` and the next `alloc` that pops it.
unsafe impl<Backing: GlobalAlloc> GlobalAlloc for SizeClasses<Backing> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            // SAFETY: the caller's layout, passed on.
            return unsafe { self.backing.alloc(layout) };
        };
        let head = self.free_lists[class].get();
        if head.is_null() {
            return self.carve(class);
        }
        // SAFETY: `head` is a freed block of this class; its first word is its link.
        self.free_lists[class].set(unsafe { (*head).next });
        head.cast()
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            // SAFETY: the caller's layout, passed on.
            None => unsafe { self.backing.alloc_zeroed(layout) },
            Some(_) => {
                // SAFETY: the caller's layout; the block holds `layout.size()` bytes.
                let block = unsafe { self.alloc(layout) };
                if !block.is_null() {
                    // SAFETY: as above.
                    unsafe { block.write_bytes(0, layout.size()) };
                }
                block
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: a large block came from the backing allocator with this layout.
            return unsafe { self.backing.dealloc(block, layout) };
        };
        let freed = block.cast::<FreeBlock>();
        // SAFETY: the block is at least 8 bytes and aligned to its class (at least 8), and the
        // caller gives it up.
        unsafe {
            freed.write(FreeBlock {
                next: self.free_lists[class].get(),
            })
        };
        self.free_lists[class].set(freed);
    }

    #[inline]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees that `new_size`, rounded up to the alignment, fits.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            // SAFETY: a large block came from the backing allocator with this layout.
            (None, None) => unsafe { self.backing.realloc(block, layout, new_size) },
            (Some(old), Some(new)) if old == new => block,
            _ => {
                // SAFETY: a valid layout, as above.
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold the smaller size, and they are distinct.
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }
}

// SAFETY: a wasm32 module without the `atomics` feature runs one thread, so the cells are never
// touched concurrently.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<Backing: Sync> Sync for SizeClasses<Backing> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use std::alloc::System;

    #[rstest]
    #[case::zero_bytes(0, 1, Some(0))]
    #[case::one_byte(1, 1, Some(0))]
    #[case::eight_bytes(8, 8, Some(0))]
    #[case::nine_bytes(9, 1, Some(1))]
    #[case::alignment_beyond_the_size(8, 64, Some(3))]
    #[case::largest_class(LARGEST_CLASS, 8, Some(CLASSES - 1))]
    #[case::one_byte_beyond(LARGEST_CLASS + 1, 8, None)]
    #[case::alignment_beyond_the_largest_class(8, 2 * LARGEST_CLASS, None)]
    fn classes(#[case] size: usize, #[case] align: usize, #[case] class: Option<usize>) {
        let layout = Layout::from_size_align(size, align).unwrap();
        assert_eq!(class_of(layout), class);
        if let Some(class) = class {
            assert!(class_bytes(class) >= size.max(align));
        }
    }

    #[test]
    fn a_freed_block_serves_the_next_allocation_of_its_class() {
        let allocator = SizeClasses::new(System);
        let small = Layout::from_size_align(24, 8).unwrap();
        let same_class = Layout::from_size_align(32, 4).unwrap();
        unsafe {
            let first = allocator.alloc(small);
            allocator.dealloc(first, small);
            assert_eq!(allocator.alloc(same_class), first);
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        Alloc {
            size: usize,
            align_shift: u32,
            zeroed: bool,
        },
        Free(usize),
        Realloc(usize, usize),
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        let size = prop_oneof![0usize..64, 0usize..5000, 0usize..70_000];
        let step = prop_oneof![
            (size.clone(), 0u32..8, any::<bool>()).prop_map(|(size, align_shift, zeroed)| {
                Step::Alloc {
                    size,
                    align_shift,
                    zeroed,
                }
            }),
            any::<usize>().prop_map(Step::Free),
            (any::<usize>(), size).prop_map(|(at, size)| Step::Realloc(at, size)),
        ];
        proptest::collection::vec(step, 1..400)
    }

    /// A live block: where it is, its layout and the byte it was filled with.
    struct Live {
        block: *mut u8,
        layout: Layout,
        fill: u8,
    }

    /// Whether the `len` bytes at `block` are all `byte`.
    fn all_bytes(block: *mut u8, len: usize, byte: u8) -> bool {
        (0..len).all(|i| unsafe { *block.add(i) } == byte)
    }

    fn filled_with(live: &Live) -> bool {
        all_bytes(live.block, live.layout.size(), live.fill)
    }

    proptest! {
        /// Any sequence of allocations, frees and reallocations: every block is aligned, keeps
        /// its bytes (across a reallocation, up to the smaller size) and overlaps no other.
        #[test]
        fn blocks_keep_their_bytes_and_never_overlap(steps in steps()) {
            let allocator = SizeClasses::new(System);
            let mut live: Vec<Live> = Vec::new();
            for (n, step) in steps.into_iter().enumerate() {
                let fill = n as u8;
                match step {
                    Step::Alloc { size, align_shift, zeroed } => {
                        let layout = Layout::from_size_align(size.max(1), 1 << align_shift).unwrap();
                        let block = unsafe {
                            if zeroed { allocator.alloc_zeroed(layout) } else { allocator.alloc(layout) }
                        };
                        prop_assert!(!block.is_null());
                        prop_assert_eq!(block.addr() % layout.align(), 0);
                        if zeroed {
                            prop_assert!(all_bytes(block, layout.size(), 0));
                        }
                        unsafe { block.write_bytes(fill, layout.size()) };
                        live.push(Live { block, layout, fill });
                    }
                    Step::Free(at) if !live.is_empty() => {
                        let gone = live.swap_remove(at % live.len());
                        prop_assert!(filled_with(&gone));
                        unsafe { allocator.dealloc(gone.block, gone.layout) };
                    }
                    Step::Realloc(at, size) if !live.is_empty() => {
                        let at = at % live.len();
                        let old = &live[at];
                        let new_size = size.max(1);
                        let block = unsafe { allocator.realloc(old.block, old.layout, new_size) };
                        prop_assert!(!block.is_null());
                        let kept = old.layout.size().min(new_size);
                        prop_assert!(all_bytes(block, kept, old.fill));
                        let layout = Layout::from_size_align(new_size, old.layout.align()).unwrap();
                        prop_assert_eq!(block.addr() % layout.align(), 0);
                        unsafe { block.write_bytes(fill, new_size) };
                        live[at] = Live { block, layout, fill };
                    }
                    Step::Free(_) | Step::Realloc(..) => {}
                }
            }
            for remaining in &live {
                prop_assert!(filled_with(remaining));
            }
            let mut spans: Vec<(usize, usize)> =
                live.iter().map(|l| (l.block.addr(), l.block.addr() + l.layout.size())).collect();
            spans.sort_unstable();
            prop_assert!(spans.windows(2).all(|pair| pair[0].1 <= pair[1].0));
            for gone in live {
                unsafe { allocator.dealloc(gone.block, gone.layout) };
            }
        }
    }
}
