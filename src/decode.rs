//! Turning a body's bytes into text the way a browser does (WHATWG
//! "determine the character encoding", simplified): a byte order mark wins,
//! then the `Content-Type` charset, then a `<meta charset>` (or
//! `http-equiv`) in the first 1024 bytes, then UTF-8. Never
//! `Response.text()`, which always assumes UTF-8.
//!
//! An unknown label is not an error: it is noted and the next source is
//! used, so an odd page is recorded as data rather than crashing anything.

use encoding_rs::{Encoding, UTF_8};

/// A decoded body.
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used (`UTF-8`, `windows-1252`, …).
    pub encoding: &'static str,
    /// Why the obvious choice was not used, if it was not.
    pub note: Option<String>,
}

/// Decode `body`, served with `content_type`.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    let mut notes = Vec::new();
    let encoding = Encoding::for_bom(body)
        .map(|(encoding, _)| encoding)
        .or_else(|| {
            let label = charset_param(content_type?)?;
            let found = Encoding::for_label(label.as_bytes());
            if found.is_none() {
                notes.push(format!("unknown charset label \"{label}\" in Content-Type"));
            }
            found
        })
        .or_else(|| {
            let label = meta_charset(&body[..body.len().min(1024)])?;
            match Encoding::for_label(label.as_bytes()) {
                // A meta tag cannot switch to UTF-16 (the bytes were read as ASCII to find it).
                Some(found) => Some(found.output_encoding()),
                None => {
                    notes.push(format!("unknown charset label \"{label}\" in <meta>"));
                    None
                }
            }
        })
        .unwrap_or(UTF_8);
    // Strips the BOM, replaces malformed sequences with U+FFFD: never fails.
    let (text, _, malformed) = encoding.decode(body);
    if malformed {
        notes.push(format!("malformed {} bytes replaced", encoding.name()));
    }
    let note =
        if notes.is_empty() { None } else { Some(format!("{}; decoded as {}", notes.join("; "), encoding.name())) };
    Decoded { text: text.into_owned(), encoding: encoding.name(), note }
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The charset a `<meta>` in `head` declares (a small prescan: `charset=`
/// after `<meta`, in `charset` or in an `http-equiv` content attribute).
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta").map(|i| i + from) {
        let end = find(&lower[at..], b">").map_or(lower.len(), |i| i + at);
        let tag = &lower[at..end];
        if let Some(pos) = find(tag, b"charset") {
            let rest = &tag[pos + b"charset".len()..];
            let rest = rest.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
            let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
            let label: Vec<u8> = rest
                .iter()
                .take_while(|b| !matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') && !b.is_ascii_whitespace())
                .copied()
                .collect();
            if !label.is_empty() {
                return Some(String::from_utf8_lossy(&label).into_owned());
            }
        }
        from = end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_default_is_utf8() {
        let d = decode("héllo".as_bytes(), Some("text/html"));
        assert_eq!((d.text.as_str(), d.encoding, d.note), ("héllo", "UTF-8", None));
    }

    #[test]
    fn content_type_charset_beats_meta() {
        let d = decode(b"<meta charset=utf-8>caf\xe9", Some("text/html; charset=ISO-8859-1"));
        assert_eq!((d.encoding, d.text.ends_with("café")), ("windows-1252", true));
    }

    #[test]
    fn meta_charset_is_found_in_the_first_kilobyte() {
        let d = decode(
            b"<!doctype html><META http-equiv=content-type content=\"text/html; charset=Shift_JIS\">\x82\xa0",
            None,
        );
        assert_eq!((d.encoding, d.text.ends_with('あ')), ("Shift_JIS", true));
    }

    #[test]
    fn bom_beats_every_label() {
        let mut body = vec![0xFF, 0xFE];
        body.extend("<a>".encode_utf16().flat_map(u16::to_le_bytes));
        let d = decode(&body, Some("text/html; charset=windows-1252"));
        assert_eq!((d.encoding, d.text.as_str()), ("UTF-16LE", "<a>"));
    }

    #[test]
    fn an_unknown_label_is_noted_not_fatal() {
        let d = decode(b"ok", Some("text/html; charset=x-no-such-charset"));
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.note.as_deref().unwrap_or("").contains("x-no-such-charset"), "{:?}", d.note);
    }

    #[test]
    fn binary_garbage_decodes_without_panicking() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let d = decode(&bytes, Some("text/html"));
        assert!(d.note.is_some());
    }
}
