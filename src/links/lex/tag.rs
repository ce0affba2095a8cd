//! Start and end tags: the tag name, attribute name and attribute value
//! states of the WHATWG tokenizer. A tag is lexed once to find its `>`;
//! its attributes are lexed again, by the same code, only when the scanner
//! asks for one.

use super::charref;
use std::borrow::Cow;

/// A start or end tag, borrowed from the input.
pub(in crate::links) struct Tag<'a> {
    /// `</…>`: an end tag.
    pub(in crate::links) end: bool,
    /// The tag name, ASCII letters lower-cased, NUL as U+FFFD (as the
    /// tokenizer's tag name state writes it); borrowed when it needs neither.
    pub(in crate::links) name: Cow<'a, str>,
    /// Written `<… />` (the tree builder only heeds it in foreign content).
    pub(in crate::links) self_closing: bool,
    /// The input from just past the name to the closing `>`, where the
    /// attributes are read from on demand.
    attrs: &'a str,
}

/// The result of lexing a tag.
pub(super) enum Lexed {
    /// A whole tag.
    Tag(Found),
    /// The input ends inside it.
    More,
}

/// Where a tag's parts are, as offsets into the input it was lexed from.
pub(super) struct Found {
    /// Just past the name.
    pub(super) name_end: usize,
    /// Just past the `>`.
    pub(super) end: usize,
    /// `/>` closed it.
    pub(super) self_closing: bool,
}

/// ASCII whitespace as the tokenizer sees it: CR is already LF there.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Lex the tag whose `<` is at `at` (followed by a letter, or `/` and a letter).
pub(super) fn lex(bytes: &[u8], at: usize) -> Lexed {
    let name_start = at + if bytes.get(at + 1) == Some(&b'/') { 2 } else { 1 };
    // The tag name state: up to whitespace, `/` or `>`; everything else
    // (NUL, quotes, `<`, `=`) is part of the name.
    let mut name_end = name_start;
    loop {
        match bytes.get(name_end) {
            None => return Lexed::More,
            Some(&b) if is_space(b) || b == b'/' || b == b'>' => break,
            Some(_) => name_end += 1,
        }
    }
    let mut attrs = Attrs { bytes, i: name_end };
    loop {
        match attrs.step() {
            Step::Attr { .. } => {}
            Step::End { gt, self_closing } => return Lexed::Tag(Found { name_end, end: gt + 1, self_closing }),
            Step::More => return Lexed::More,
        }
    }
}

impl<'a> Tag<'a> {
    /// The tag lexed from `input` at `start` (its `<`), with its parts at `found`.
    pub(super) fn new(input: &'a str, start: usize, found: &Found) -> Tag<'a> {
        let end = input.as_bytes().get(start + 1) == Some(&b'/');
        // All these offsets are at ASCII bytes (a letter; whitespace, `/`
        // or `>`; just past `>`): character boundaries.
        let name = &input[start + if end { 2 } else { 1 }..found.name_end];
        let attrs = &input[found.name_end..found.end];
        Tag { end, name: tag_name(name), self_closing: found.self_closing, attrs }
    }

    /// The value of the first attribute called `name` (lower case), its
    /// character references decoded, as the tree's element would hold it.
    pub(in crate::links) fn attr(&self, name: &str) -> Option<Cow<'a, str>> {
        let src = self.attrs;
        let mut attrs = Attrs { bytes: src.as_bytes(), i: 0 };
        loop {
            let Step::Attr { name: (from, to), value } = attrs.step() else { return None };
            // Duplicates are dropped by the tokenizer: the first one wins.
            // (A name holding NUL or non-ASCII never equals a lower-case ASCII one.)
            if src[from..to].eq_ignore_ascii_case(name) {
                return Some(value.map_or(Cow::Borrowed(""), |(from, to)| charref::decode(&src[from..to])));
            }
        }
    }
}

/// A tag name as the tokenizer writes it.
fn tag_name(raw: &str) -> Cow<'_, str> {
    if !raw.bytes().any(|b| b.is_ascii_uppercase() || b == 0) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.chars().map(|c| if c == '\0' { '\u{FFFD}' } else { c.to_ascii_lowercase() }).collect())
}

/// One step through a tag's attributes.
enum Step {
    /// An attribute: its name's and value's offsets (no value: `<a href>`).
    Attr { name: (usize, usize), value: Option<(usize, usize)> },
    /// The tag's `>`, and whether a `/` came right before it.
    End { gt: usize, self_closing: bool },
    /// The input ends inside the tag.
    More,
}

/// The attribute states, over the input from just past a tag's name.
struct Attrs<'b> {
    /// The whole input (offsets are into it, so a tag's are the lexer's).
    bytes: &'b [u8],
    /// The next byte to read.
    i: usize,
}

impl Attrs<'_> {
    fn get(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn step(&mut self) -> Step {
        // Before attribute name (also where the after attribute value
        // (quoted) and self-closing start tag states reconsume).
        loop {
            match self.get(self.i) {
                None => return Step::More,
                Some(b) if is_space(b) => self.i += 1,
                Some(b'>') => return Step::End { gt: self.i, self_closing: false },
                // The self-closing start tag state: only `/>` closes; after
                // any other `/` the next character starts over here.
                Some(b'/') => match self.get(self.i + 1) {
                    None => return Step::More,
                    Some(b'>') => return Step::End { gt: self.i + 1, self_closing: true },
                    Some(_) => self.i += 1,
                },
                Some(_) => break,
            }
        }
        // The attribute name state. Its first character is taken whatever
        // it is (`=` too: `<a =x>` has an attribute named `=x`).
        let name_start = self.i;
        self.i += 1;
        while let Some(b) = self.get(self.i) {
            if is_space(b) || matches!(b, b'/' | b'>' | b'=') {
                break;
            }
            self.i += 1;
        }
        let name = (name_start, self.i);
        // After attribute name: only `=` brings a value; `/`, `>` or another
        // name go back to the states above.
        loop {
            match self.get(self.i) {
                None => return Step::More,
                Some(b) if is_space(b) => self.i += 1,
                Some(b'=') => {
                    self.i += 1;
                    break;
                }
                Some(_) => return Step::Attr { name, value: None },
            }
        }
        self.value(name)
    }

    /// Before attribute value, then the value states.
    fn value(&mut self, name: (usize, usize)) -> Step {
        loop {
            match self.get(self.i) {
                None => return Step::More,
                Some(b) if is_space(b) => self.i += 1,
                Some(quote @ (b'"' | b'\'')) => {
                    let from = self.i + 1;
                    let Some(len) = self.bytes.get(from..).and_then(|rest| memchr::memchr(quote, rest)) else {
                        return Step::More;
                    };
                    // After the closing quote the states above take over
                    // (whitespace, `/`, `>`, or straight into another name).
                    self.i = from + len + 1;
                    return Step::Attr { name, value: Some((from, from + len)) };
                }
                // `<a href=>`: an empty value, and the tag ends.
                Some(b'>') => return Step::Attr { name, value: Some((self.i, self.i)) },
                Some(_) => break,
            }
        }
        // Unquoted: up to whitespace or `>` (quotes, `=`, `<` and `/` are part of it).
        let from = self.i;
        while let Some(b) = self.get(self.i) {
            if is_space(b) || b == b'>' {
                return Step::Attr { name, value: Some((from, self.i)) };
            }
            self.i += 1;
        }
        Step::More
    }
}
