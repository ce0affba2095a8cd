//! Memory held by a finished crawl whose handle is kept (as the playground
//! keeps it): every byte the engine allocates is counted, so the figures are
//! exact and the same on every run. The browser bench measures the wasm build
//! (32-bit pointers, so smaller); these bounds guard the native build against
//! regressions, such as an event log that stores each URL once per event.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use sitegen::SiteConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use support::{options, Sim};

/// The system allocator, counting live bytes and their high-water mark
/// (wasm memory never shrinks, so its high-water mark is what a page pays).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Bytes per page: (held after the crawl with the handle kept, high-water mark
/// during the crawl and the final report's JSON).
fn crawl_of(pages: usize) -> (f64, f64, usize) {
    let mut sim = Sim::new(SiteConfig { pages, latency_ms: 0, ..SiteConfig::default() });
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let crawl = sim.start(&options(10));
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    drop(sim);
    // What the page asks for at the end: the final report, in parts (as
    // the JS API reads it).
    drop(crawl.report_head_json());
    for from in (0..crawl.report_page_count()).step_by(1000) {
        drop(crawl.report_pages_json(from, 1000));
    }
    let held = LIVE.load(Relaxed) - before;
    let peak = PEAK.load(Relaxed) - before;
    let found = crawl.report().pages.len();
    let per = |b: usize| b as f64 / found as f64;
    eprintln!("{found} pages: held {:.0} B/page, peak {:.0} B/page", per(held), per(peak));
    drop(crawl);
    (per(held), per(peak), found)
}

#[test]
fn a_kept_crawl_holds_little_more_than_its_pages() {
    let (held, peak, found) = crawl_of(2000);
    assert!(found >= 2000, "the whole site was crawled ({found} pages)");
    // Budgets for the native (64-bit) build, with the event log on.
    assert!(held <= 1600.0, "held {held:.0} B per page");
    assert!(peak <= 2600.0, "high-water mark {peak:.0} B per page");
}
