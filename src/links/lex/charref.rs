//! An attribute value as the tokenizer would have written it: character
//! references decoded by the attribute-value rules, CR and CR LF as LF, NUL
//! as U+FFFD. Values without `&`, CR or NUL (nearly all) are borrowed as is.
//!
//! The named references are html5ever's own table (`NAMED_ENTITIES`, which
//! also maps every prefix of a name to `(0, 0)`, so the longest match is
//! found a character at a time, as its tokenizer does).

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use std::borrow::Cow;

/// The value of an attribute written `raw` between its delimiters.
pub(super) fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.bytes().any(|b| matches!(b, b'&' | b'\r' | b'\0')) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\r', '\0']) {
        out.push_str(&rest[..at]); // `at` is at an ASCII byte: a boundary
        let tail = &rest[at..];
        let used = match tail.as_bytes()[0] {
            b'\r' => {
                out.push('\n');
                // CR LF is one LF.
                if tail.as_bytes().get(1) == Some(&b'\n') {
                    2
                } else {
                    1
                }
            }
            b'\0' => {
                out.push('\u{FFFD}');
                1
            }
            _ => reference(&tail[1..], &mut out) + 1,
        };
        // `used` ends just past an ASCII byte (or is 1, past `&`, CR or NUL).
        rest = &tail[used..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// After an `&` in an attribute value: writes what it stands for (or a
/// plain `&`) to `out`, and returns how many bytes of `after` it used.
fn reference(after: &str, out: &mut String) -> usize {
    let bytes = after.as_bytes();
    match bytes.first() {
        Some(b'#') => numeric(&after[1..], out).map_or_else(
            || {
                out.push('&'); // `&#` without digits: text, `#` included
                0
            },
            |used| used + 1,
        ),
        Some(b) if b.is_ascii_alphanumeric() => named(after, out),
        _ => {
            out.push('&');
            0
        }
    }
}

/// A named reference: the longest name in the table that `after` begins
/// with. In an attribute, one without its `;` that is followed by `=` or an
/// alphanumeric is left as text (`?a=1&copy=2` keeps its `&copy`).
fn named(after: &str, out: &mut String) -> usize {
    let bytes = after.as_bytes();
    let mut matched: Option<(usize, (u32, u32))> = None;
    let mut len = 0;
    // Every prefix of a name is in the table: stop at the first miss.
    while len < bytes.len() && bytes[len].is_ascii() {
        // `len + 1` is just past an ASCII byte: a boundary.
        match NAMED_ENTITIES.get(&after[..len + 1]) {
            Some(&(0, _)) => {}
            Some(&chars) => matched = Some((len + 1, chars)),
            None => break,
        }
        len += 1;
    }
    let Some((len, (first, second))) = matched else {
        out.push('&');
        return 0;
    };
    let ends_with_semicolon = bytes[len - 1] == b';'; // len ≥ 1: a match is never empty
    let next = bytes.get(len).copied();
    if !ends_with_semicolon && next.is_some_and(|b| b == b'=' || b.is_ascii_alphanumeric()) {
        out.push('&');
        return 0;
    }
    // The table holds Unicode scalar values; 0 as the second means none.
    out.extend([first, second].into_iter().filter(|&c| c != 0).filter_map(char::from_u32));
    len
}

/// A numeric reference after `&#`: `None` without digits, else the bytes
/// used (the `x`, the digits and an optional `;`).
fn numeric(after: &str, out: &mut String) -> Option<usize> {
    let bytes = after.as_bytes();
    let (radix, mut used) = match bytes.first() {
        Some(b'x' | b'X') => (16, 1),
        _ => (10, 0),
    };
    let digits_start = used;
    let (mut value, mut too_big) = (0u32, false);
    while let Some(digit) = bytes.get(used).and_then(|&b| char::from(b).to_digit(radix)) {
        // As html5ever: once past U+10FFFF the value is only a flag.
        value = value.wrapping_mul(radix);
        too_big |= value > 0x10FFFF;
        value = value.wrapping_add(digit);
        used += 1;
    }
    if used == digits_start {
        return None;
    }
    if bytes.get(used) == Some(&b';') {
        used += 1;
    }
    out.push(numeric_char(value, too_big));
    Some(used)
}

/// The character a numeric reference stands for, with the standard's
/// replacements: none, a surrogate or past Unicode is U+FFFD; 0x80–0x9F are
/// read as windows-1252 where that has a character.
fn numeric_char(value: u32, too_big: bool) -> char {
    match value {
        _ if too_big || value > 0x10FFFF => '\u{FFFD}',
        0 | 0xD800..=0xDFFF => '\u{FFFD}',
        0x80..=0x9F => C1_REPLACEMENTS
            .get((value - 0x80) as usize)
            .copied()
            .flatten()
            .unwrap_or_else(|| char::from_u32(value).unwrap_or('\u{FFFD}')),
        // Not a surrogate and at most U+10FFFF: always a char.
        _ => char::from_u32(value).unwrap_or('\u{FFFD}'),
    }
}
