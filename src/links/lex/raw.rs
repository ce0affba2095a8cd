//! Raw text: RCDATA and RAWTEXT (text up to the element's own end tag) and
//! script data, whose escaped states (`<!--` … `-->`) and double-escaped
//! states (`<script>` inside those) decide which `</script>` ends it:
//! `<script><!--<script></script>--></script>` is one script.
//!
//! Both return where to go on and in which mode. When they find the end
//! tag they stop at its `<` in the data state, which lexes it as any tag
//! (an end tag may carry attributes: `</title x=">">`).

use super::Mode;
use memchr::{memchr, memchr2};

/// Where script data is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Script {
    /// Script data.
    Data,
    /// Script data escaped (after `<!--`), and after one or two `-`.
    Escaped,
    EscapedDash,
    EscapedDashDash,
    /// Double escaped (after `<script` in escaped data), and after one or two `-`.
    Double,
    DoubleDash,
    DoubleDashDash,
}

/// What the input at an offset says.
enum Look {
    /// These bytes.
    Is(usize),
    /// The input ends first: wait for more, from where this started.
    More,
}

/// ASCII letters from `from`: where they end (the input must hold a byte
/// after them, which is read next).
fn letters(bytes: &[u8], from: usize) -> Look {
    match bytes.get(from..).and_then(|rest| rest.iter().position(|b| !b.is_ascii_alphabetic())) {
        Some(len) => Look::Is(from + len),
        None => Look::More,
    }
}

/// Whitespace (CR is LF to the tokenizer), `/` or `>`: what ends an
/// appropriate end tag's name, and a double-escape's `script`.
fn ends_name(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' | b'/' | b'>')
}

/// `</` is at `at`: is it the end tag `</name` (then `Ok`), or where do the
/// letters after `</` end (`Err`, the text goes on there)?
fn end_tag(bytes: &[u8], at: usize, name: &str) -> Result<(), Look> {
    let Look::Is(end) = letters(bytes, at + 2) else { return Err(Look::More) };
    // `end` < len (`letters` saw the byte there).
    if bytes[at + 2..end].eq_ignore_ascii_case(name.as_bytes()) && ends_name(bytes[end]) {
        Ok(())
    } else {
        Err(Look::Is(end))
    }
}

/// RCDATA and RAWTEXT from `from`: up to `</name` followed by whitespace,
/// `/` or `>` (an appropriate end tag); any other `</…` is text.
pub(super) fn until_end_tag(bytes: &[u8], from: usize, name: &'static str) -> (usize, Mode) {
    let mut at = from;
    while let Some(lt) = bytes.get(at..).and_then(|rest| memchr(b'<', rest)) {
        let lt = at + lt;
        match bytes.get(lt + 1) {
            None => return (lt, Mode::Raw(name)),
            Some(b'/') => match end_tag(bytes, lt, name) {
                Ok(()) => return (lt, Mode::Data),
                Err(Look::More) => return (lt, Mode::Raw(name)),
                Err(Look::Is(next)) => at = next,
            },
            Some(_) => at = lt + 1,
        }
    }
    (bytes.len(), Mode::Raw(name))
}

/// Script data from `from` in `state`, to the `</script` that ends it or
/// to where the input runs out.
pub(super) fn script(bytes: &[u8], from: usize, mut state: Script) -> (usize, Mode) {
    use Script::*;
    let mut at = from;
    loop {
        // Find the next byte that matters in this state.
        let found = match state {
            Data => bytes.get(at..).and_then(|rest| memchr(b'<', rest)),
            Escaped | Double => bytes.get(at..).and_then(|rest| memchr2(b'<', b'-', rest)),
            _ => bytes.get(at..).filter(|rest| !rest.is_empty()).map(|_| 0),
        };
        let Some(offset) = found else {
            return (bytes.len().max(at), Mode::Script(state));
        };
        at += offset;
        let byte = bytes[at]; // `found` is an offset into `bytes[at..]`
        let escaped = matches!(state, Escaped | EscapedDash | EscapedDashDash);
        let double = matches!(state, Double | DoubleDash | DoubleDashDash);
        let next = match (state, byte) {
            (Data, _) => data_less_than(bytes, at),
            (_, b'<') if escaped => escaped_less_than(bytes, at),
            (_, b'<') => double_less_than(bytes, at),
            (Escaped, b'-') => Step::Go(at + 1, EscapedDash),
            (Double, b'-') => Step::Go(at + 1, DoubleDash),
            (EscapedDash | EscapedDashDash, b'-') => Step::Go(at + 1, EscapedDashDash),
            (DoubleDash | DoubleDashDash, b'-') => Step::Go(at + 1, DoubleDashDash),
            // `-->` ends the escape (double or not).
            (EscapedDashDash | DoubleDashDash, b'>') => Step::Go(at + 1, Data),
            // Anything else: back to (double) escaped, where this byte is
            // read again and means nothing (so a UTF-8 sequence is never split).
            _ => Step::Go(at, if double { Double } else { Escaped }),
        };
        match next {
            Step::Go(to, to_state) => {
                at = to;
                state = to_state;
            }
            Step::EndTag => return (at, Mode::Data),
            // The bytes at `at` decide, and the input ends first.
            Step::More => return (at, Mode::Script(state)),
        }
    }
}

/// A step of the script data states.
enum Step {
    /// Go on at this offset, in this state.
    Go(usize, Script),
    /// The `</script` at the offset ends the script.
    EndTag,
    /// The input ends before the bytes at the offset tell: wait for more.
    More,
}

/// A `<` in script data: `</script` ends it, `<!--` escapes it.
fn data_less_than(bytes: &[u8], at: usize) -> Step {
    match bytes.get(at + 1) {
        None => Step::More,
        Some(b'/') => match end_tag(bytes, at, "script") {
            Ok(()) => Step::EndTag,
            Err(Look::More) => Step::More,
            Err(Look::Is(next)) => Step::Go(next, Script::Data),
        },
        // Script data escape start: `<!-` then `-`; anything else is text
        // and read again in script data.
        Some(b'!') => match (bytes.get(at + 2), bytes.get(at + 3)) {
            (None, _) | (Some(b'-'), None) => Step::More,
            (Some(b'-'), Some(b'-')) => Step::Go(at + 4, Script::EscapedDashDash),
            (Some(b'-'), Some(_)) => Step::Go(at + 3, Script::Data),
            (Some(_), _) => Step::Go(at + 2, Script::Data),
        },
        Some(_) => Step::Go(at + 1, Script::Data),
    }
}

/// A `<` in escaped script data: `</script` ends the script, `<script`
/// (whole, then whitespace, `/` or `>`) starts the double escape.
fn escaped_less_than(bytes: &[u8], at: usize) -> Step {
    match bytes.get(at + 1) {
        None => Step::More,
        Some(b'/') => match end_tag(bytes, at, "script") {
            Ok(()) => Step::EndTag,
            Err(Look::More) => Step::More,
            Err(Look::Is(next)) => Step::Go(next, Script::Escaped),
        },
        Some(b) if b.is_ascii_alphabetic() => match letters(bytes, at + 1) {
            Look::More => Step::More,
            Look::Is(end) if ends_name(bytes[end]) => {
                let script = bytes[at + 1..end].eq_ignore_ascii_case(b"script");
                Step::Go(end + 1, if script { Script::Double } else { Script::Escaped })
            }
            Look::Is(end) => Step::Go(end, Script::Escaped),
        },
        Some(_) => Step::Go(at + 1, Script::Escaped),
    }
}

/// A `<` in double-escaped script data: `</script` (then whitespace, `/`
/// or `>`) goes back to escaped data, and ends nothing.
fn double_less_than(bytes: &[u8], at: usize) -> Step {
    match bytes.get(at + 1) {
        None => Step::More,
        Some(b'/') => match letters(bytes, at + 2) {
            Look::More => Step::More,
            Look::Is(end) if ends_name(bytes[end]) => {
                let script = bytes[at + 2..end].eq_ignore_ascii_case(b"script");
                Step::Go(end + 1, if script { Script::Escaped } else { Script::Double })
            }
            Look::Is(end) => Step::Go(end, Script::Double),
        },
        Some(_) => Step::Go(at + 1, Script::Double),
    }
}
