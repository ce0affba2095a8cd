//! Turning a body's bytes into text the way a browser does (WHATWG
//! "determine the character encoding", simplified): a byte order mark wins,
//! then the `Content-Type` charset, then a `<meta charset>` (or
//! `http-equiv`) in the first 1024 bytes, then UTF-8. Never
//! `Response.text()`, which always assumes UTF-8.
//!
//! An unknown label is not an error: it is noted and the next source is
//! used, so an odd page is recorded as data rather than crashing anything.
//!
//! UTF-8, nearly every page, is decoded right here: the bytes are checked
//! in place and become the `String` without another pass (malformed
//! sequences become U+FFFD, exactly as the standard's decoder does).
//! Which bytes mean which characters in any *other* encoding is the one part
//! done by a backend, the [`Decoder`] the environment provides: natively
//! `encoding_rs` ([`NativeDecoder`]), in the browser its own `TextDecoder`
//! (the same WHATWG Encoding Standard, already shipped with every browser,
//! so the wasm does not carry ~138 KB gzip of tables twice). Both answer
//! with the standard's names from [`NAMES`], so a report reads the same
//! either way; the wasm tests decode the test site's charset pages through
//! `TextDecoder`.

use crate::env::Decoder;

/// A decoded body.
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding used (`UTF-8`, `windows-1252`, …).
    pub encoding: &'static str,
    /// Why the obvious choice was not used, if it was not.
    pub note: Option<String>,
}

/// Every encoding of the WHATWG Encoding Standard, by its name there.
#[rustfmt::skip]
pub const NAMES: [&str; 40] = [
    "UTF-8", "IBM866", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-6", "ISO-8859-7",
    "ISO-8859-8", "ISO-8859-8-I", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16",
    "KOI8-R", "KOI8-U", "macintosh", "windows-874", "windows-1250", "windows-1251", "windows-1252", "windows-1253",
    "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258", "x-mac-cyrillic", "GBK",
    "gb18030", "Big5", "EUC-JP", "ISO-2022-JP", "Shift_JIS", "EUC-KR", "replacement", "UTF-16BE", "UTF-16LE",
    "x-user-defined",
];

/// The standard's name for a name in any letter case (`TextDecoder.encoding` is lower case).
pub fn canonical_name(name: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|known| known.eq_ignore_ascii_case(name))
}

/// Labels of the "replacement" encoding: the standard maps these
/// dangerous-to-guess encodings to it, and `TextDecoder` refuses them.
const REPLACEMENT_LABELS: [&str; 6] =
    ["csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr", "replacement"];

/// The standard's labels of UTF-8. Answered here, not by the backend: nearly
/// every page says `charset=utf-8`, and in a browser asking meant building a
/// `TextDecoder` per page just to learn its name.
const UTF8_LABELS: [&str; 6] =
    ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];

/// The encoding a label names (ASCII whitespace around it ignored), or `None` for an unknown label.
fn for_label(backend: &dyn Decoder, label: &str) -> Option<&'static str> {
    let label = label.trim_matches(|c: char| c.is_ascii_whitespace());
    if UTF8_LABELS.iter().any(|u| u.eq_ignore_ascii_case(label)) {
        return Some("UTF-8");
    }
    if REPLACEMENT_LABELS.iter().any(|r| r.eq_ignore_ascii_case(label)) {
        return Some("replacement");
    }
    backend.for_label(label)
}

/// UTF-8 without a backend: validated in place; only malformed input takes
/// the lossy path (maximal subparts become U+FFFD, as the standard says).
fn decode_utf8(body: &[u8]) -> (String, bool) {
    let body = body.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(body);
    match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (String::from_utf8_lossy(body).into_owned(), true),
    }
}

/// The encoding a byte order mark at the start of `body` selects.
fn for_bom(body: &[u8]) -> Option<&'static str> {
    match body {
        [0xEF, 0xBB, 0xBF, ..] => Some("UTF-8"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        _ => None,
    }
}

/// What a `<meta>` may switch to: bytes read as ASCII to find the tag cannot be UTF-16.
fn output_encoding(name: &'static str) -> &'static str {
    match name {
        "UTF-16BE" | "UTF-16LE" | "replacement" => "UTF-8",
        other => other,
    }
}

/// Decode `body`, served with `content_type`; `backend` decodes encodings
/// other than UTF-8 (the environment's [`Decoder`]).
pub fn decode(backend: &dyn Decoder, body: &[u8], content_type: Option<&str>) -> Decoded {
    let mut notes = Vec::new();
    let encoding = for_bom(body)
        .or_else(|| {
            let label = charset_param(content_type?)?;
            let found = for_label(backend, &label);
            if found.is_none() {
                notes.push(format!("unknown charset label \"{label}\" in Content-Type"));
            }
            found
        })
        .or_else(|| {
            let label = meta_charset(&body[..body.len().min(1024)])?;
            match for_label(backend, &label) {
                Some(found) => Some(output_encoding(found)),
                None => {
                    notes.push(format!("unknown charset label \"{label}\" in <meta>"));
                    None
                }
            }
        })
        .unwrap_or("UTF-8");
    // Strips a BOM of the encoding, replaces malformed sequences with U+FFFD: never fails.
    let (text, malformed) = match encoding {
        // The whole body is one error (the standard's replacement decoder).
        "replacement" => (if body.is_empty() { String::new() } else { "\u{FFFD}".to_string() }, !body.is_empty()),
        "UTF-8" => decode_utf8(body),
        other => backend.decode(other, body),
    };
    if malformed {
        notes.push(format!("malformed {encoding} bytes replaced"));
    }
    let note = if notes.is_empty() { None } else { Some(format!("{}; decoded as {encoding}", notes.join("; "))) };
    Decoded { text, encoding, note }
}

/// The native backend: `encoding_rs`, which implements the same standard.
/// (Native only: a browser build gets `TextDecoder` from `web/` instead.)
#[cfg(not(target_arch = "wasm32"))]
pub struct NativeDecoder;

#[cfg(not(target_arch = "wasm32"))]
impl Decoder for NativeDecoder {
    fn for_label(&self, label: &str) -> Option<&'static str> {
        use encoding_rs::Encoding;
        Encoding::for_label_no_replacement(label.as_bytes()).map(Encoding::name)
    }

    /// `name` is one of [`NAMES`] (it came from `for_label` or a BOM).
    fn decode(&self, name: &'static str, body: &[u8]) -> (String, bool) {
        use encoding_rs::Encoding;
        let encoding = Encoding::for_label(name.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        // Without BOM sniffing: the caller has chosen the encoding, BOM included.
        let (text, malformed) = encoding.decode_with_bom_removal(body);
        (text.into_owned(), malformed)
    }
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
        super::decode(&NativeDecoder, body, content_type)
    }

    fn for_label(label: &str) -> Option<&'static str> {
        super::for_label(&NativeDecoder, label)
    }

    #[test]
    fn utf8_is_decoded_without_the_backend_and_agrees_with_it() {
        for body in [&b"plain"[..], b"\xEF\xBB\xBFbom", b"ok \xff\xfe\xfd", b"\xe2\x82", b"a\xf0\x9f\x98\x80b\xc3"] {
            assert_eq!(decode_utf8(body), NativeDecoder.decode("UTF-8", body), "{body:?}");
        }
    }

    /// A backend that knows no label: whatever it is asked fails the test.
    struct NoBackend;

    impl Decoder for NoBackend {
        fn for_label(&self, label: &str) -> Option<&'static str> {
            panic!("the backend was asked about {label:?}")
        }
        fn decode(&self, name: &'static str, _: &[u8]) -> (String, bool) {
            panic!("the backend was asked to decode {name}")
        }
    }

    #[test]
    fn utf8_labels_are_known_without_the_backend_and_agree_with_it() {
        for label in UTF8_LABELS {
            for spelled in [label.to_string(), label.to_ascii_uppercase(), format!(" {label}\t")] {
                assert_eq!(super::for_label(&NoBackend, &spelled), Some("UTF-8"), "{spelled:?}");
                assert_eq!(for_label(&spelled), NativeDecoder.for_label(label), "{spelled:?}");
            }
        }
        let d = super::decode(&NoBackend, b"<p>ok", Some("text/html; charset=UTF-8"));
        assert_eq!((d.text.as_str(), d.encoding, d.note), ("<p>ok", "UTF-8", None));
    }

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
    fn every_standard_name_is_known_to_the_native_backend_under_its_own_name() {
        for name in NAMES {
            assert_eq!(for_label(name), Some(name), "{name}");
            assert_eq!(canonical_name(&name.to_ascii_lowercase()), Some(name));
        }
    }

    #[test]
    fn replacement_labels_decode_to_one_replacement_character() {
        let d = decode(b"<p>hi", Some("text/html; charset=ISO-2022-KR"));
        assert_eq!((d.encoding, d.text.as_str()), ("replacement", "\u{FFFD}"));
        let meta = decode(b"<meta charset=hz-gb-2312>", None);
        assert_eq!(meta.encoding, "UTF-8", "a meta tag cannot switch to replacement");
    }

    #[test]
    fn binary_garbage_decodes_without_panicking() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let d = decode(&bytes, Some("text/html"));
        assert!(d.note.is_some());
    }
}
