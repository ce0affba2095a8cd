//! Handing a crawl to other crawlers: the options a user designed in the
//! playground, written out as a program that runs the same crawl elsewhere.
//!
//! * [`scrapy`] — a self-contained Scrapy spider, or a scrapy-redis one whose
//!   frontier many processes share. Pure string building: no I/O, so it is
//!   tested natively and called from the JS API as it is.
//! * [`python`] — Python literals that no option text can break out of.

pub mod python;
pub mod scrapy;
