//! Just enough JSON writing for `/__expected`, by hand.
//!
//! The output is a handful of string, number and string-array fields, so a
//! dozen lines replace `serde_json` and keep its code out of the `.wasm` the
//! service worker downloads. The tests parse what this writes with
//! `serde_json` and compare it with the native server's own answer.

use std::fmt::Write;

use sitegen::ExpectedPage;

/// `[{"url":…,"aliases":[…],"status":…,"contentType":…,"links":[…]}, …]`
pub(crate) fn expected_pages(pages: &[ExpectedPage]) -> String {
    let mut out = String::from("[");
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"url\":");
        string(&mut out, &page.url);
        out.push_str(",\"aliases\":");
        strings(&mut out, &page.aliases);
        // `write!` into a String only fails if the String's `fmt::Write`
        // impl does, and it never does; `let _ =` says we know.
        let _ = write!(out, ",\"status\":{},\"contentType\":", page.status);
        string(&mut out, &page.content_type);
        out.push_str(",\"links\":");
        strings(&mut out, &page.links);
        out.push('}');
    }
    out.push(']');
    out
}

fn strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

/// A JSON string literal (RFC 8259 §7): `"` and `\` are escaped, and so is
/// every control character below U+0020; everything else is UTF-8 as is.
pub(crate) fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32); // see above: cannot fail
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
