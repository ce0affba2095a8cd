//! The browser's `URL` parser as the engine's [`Idna`] backend: it maps and
//! punycodes international hosts by UTS #46, so the wasm carries no IDNA
//! tables of its own (see [`Idna`]).

use crate::env::Idna;

pub struct WebIdna;

impl Idna for WebIdna {
    fn to_ascii(&self, input: &str, base: Option<&str>) -> Option<String> {
        // `new URL(input, base)` throws a TypeError for what is no URL.
        let url = match base {
            Some(base) => web_sys::Url::new_with_base(input, base),
            None => web_sys::Url::new(input),
        };
        url.ok().map(|u| u.href())
    }
}
