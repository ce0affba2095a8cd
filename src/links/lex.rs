//! The scanner's HTML lexer: the tags of a page, read from its bytes.
//!
//! Why it exists: the scanner (`scan.rs`) used to run html5ever's
//! tokenizer, and a native profile of `found_in` on the 200 KB bench page
//! put nearly all of its time there — the state machine (`step`, 13%),
//! tag and attribute names pushed a character at a time into tendrils
//! (21% with the copies), the input queue (20%) and atom interning (6%);
//! the scanner's own rules were 3%. A link scan needs far less: the start
//! and end tags, their names, and a few attribute values. This lexer finds
//! them with `memchr` and hands them out borrowed from the input; an
//! attribute is only read (and its character references decoded) when the
//! scanner asks for it.
//!
//! It follows the WHATWG tokenizer's states exactly where they change which
//! tags and attribute values are seen: the data state, tag open and end tag
//! open (`</>` is nothing, `</ ` a bogus comment, `<` before a non-letter
//! text), tag and attribute names and values (`tag.rs`), markup
//! declarations (comments with the `<!-->`, `<!--->` and `--!>` cases,
//! `<!DOCTYPE`, `<![CDATA[` only in foreign content, else a bogus comment),
//! `<?` bogus comments, RCDATA, RAWTEXT, script data with its escaped and
//! double-escaped states (`raw.rs`) and PLAINTEXT. Which raw-text state
//! follows a start tag is the scanner's decision ([`Lexer::enter`]): inside
//! SVG `<style>` is markup. Newlines: the tokenizer turns CR and CR LF into
//! LF before any state sees them, so a CR ends a name like any whitespace,
//! and attribute values are normalized when they are read (`charref.rs`).
//! Text and comments are skipped, never copied; the end of the input in the
//! middle of a tag, a comment or a raw-text element drops what is unfinished.
//!
//! html5ever stays: it builds scraper's tree for the pages the scanner
//! leaves to it and for `extract`, and that tree is the oracle the scanner
//! is tested against (`tests.rs`).
//!
//! The input comes in chunks. Unconsumed input (a tag cut by the chunk's
//! end, the last bytes that might begin a comment's end) is kept and the
//! next chunk appended; long constructs (comments, raw text, scripts) are
//! modes that resume where their search stopped, so a page that is one
//! huge comment fed a byte at a time is still read in linear time.
//!
//! All offsets into the input are found at ASCII bytes (or are just past
//! one), and an ASCII byte is never inside a UTF-8 sequence: slicing the
//! `str` at them cannot split a character.

mod charref;
mod raw;
mod tag;

pub(super) use tag::Tag;

use memchr::memchr;
use raw::Script;
use tag::{Found, Lexed};

/// What follows a start tag: the scanner's answer to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Text {
    /// Markup, as before.
    Markup,
    /// RCDATA or RAWTEXT (`title`, `textarea`; `style`, `xmp`, `iframe`,
    /// `noembed`, `noframes`): text up to the named end tag. (The two
    /// differ only in character references in the text, which no tag sees.)
    Raw(&'static str),
    /// Script data, with its escaped states, up to `</script`.
    Script,
    /// Everything to the end is text.
    Plaintext,
}

/// Where the lexer is between tags.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// The data state: text and tags.
    Data,
    /// Inside `<!--`: up to the first `-->` or `--!>`.
    Comment,
    /// A bogus comment or a DOCTYPE: up to the first `>`.
    Bogus,
    /// A CDATA section (in foreign content): up to `]]>`.
    Cdata,
    /// RCDATA or RAWTEXT of the named element.
    Raw(&'static str),
    /// Script data, in one of its states.
    Script(Script),
    /// PLAINTEXT: no tag ever again.
    Plaintext,
}

/// A start or end tag found in the input.
struct Span {
    /// Its `<`.
    start: usize,
    /// Where its name and `>` are.
    found: Found,
}

/// What the input at a `<` turns out to be.
enum Open {
    /// A start or end tag.
    Tag(Span),
    /// Not a tag: go on at this offset in this mode.
    Skip(usize, Mode),
    /// The input ends before it can tell.
    More,
}

/// A document's tags, lexed from its chunks.
pub(super) struct Lexer {
    /// The input not yet consumed: the unfinished end of what came before,
    /// then the latest chunk.
    buf: String,
    /// Where lexing resumes in `buf` (everything before it is done with).
    /// Never past its end: every state returns an offset it has looked at,
    /// or just past one, or the end.
    pos: usize,
    /// The state to resume in.
    mode: Mode,
    /// A tag at `pos` was cut by the end of the input: it cannot end before
    /// a `>` past this offset arrives, so until then it is not lexed again
    /// (a huge unfinished tag fed in small chunks stays linear).
    wait_for_gt: Option<usize>,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer { buf: String::new(), pos: 0, mode: Mode::Data, wait_for_gt: None }
    }
}

impl Lexer {
    /// Append the next chunk of the document.
    pub(super) fn push(&mut self, chunk: &str) {
        // `pos` is a character boundary (see the module's note); the floor
        // keeps even a mistake from panicking.
        let done = floor_boundary(&self.buf, self.pos);
        self.buf.drain(..done);
        self.pos -= done;
        self.wait_for_gt = self.wait_for_gt.map(|at| at.saturating_sub(done));
        self.buf.push_str(chunk);
    }

    /// Input kept for the next chunk (an unfinished tag, a comment's last `-`).
    #[cfg(test)]
    pub(super) fn kept(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The text that follows the start tag just returned, as the scanner decides.
    pub(super) fn enter(&mut self, text: Text) {
        self.mode = match text {
            Text::Markup => return,
            Text::Raw(name) => Mode::Raw(name),
            Text::Script => Mode::Script(Script::Data),
            Text::Plaintext => Mode::Plaintext,
        };
    }

    /// The next tag, or `None` when the input so far holds no more.
    /// `foreign`: the scanner's current node is an SVG or MathML element,
    /// where `<![CDATA[` opens a section instead of a bogus comment.
    pub(super) fn next(&mut self, foreign: bool) -> Option<Tag<'_>> {
        let span = self.next_span(foreign)?;
        Some(Tag::new(&self.buf, span.start, &span.found))
    }

    fn next_span(&mut self, foreign: bool) -> Option<Span> {
        loop {
            let bytes = self.buf.as_bytes();
            let (next, mode) = match self.mode {
                Mode::Data => {
                    if let Some(from) = self.wait_for_gt {
                        if memchr(b'>', &bytes[from.min(bytes.len())..]).is_none() {
                            self.wait_for_gt = Some(bytes.len());
                            return None;
                        }
                        self.wait_for_gt = None;
                    }
                    let Some(lt) = memchr(b'<', &bytes[self.pos..]) else {
                        self.pos = bytes.len();
                        return None;
                    };
                    let at = self.pos + lt;
                    match open(bytes, at, foreign) {
                        Open::Tag(span) => {
                            self.pos = span.found.end;
                            return Some(span);
                        }
                        Open::Skip(next, mode) => (next, mode),
                        Open::More => {
                            self.pos = at;
                            if matches!(bytes.get(at + 1), Some(b) if b.is_ascii_alphabetic() || *b == b'/') {
                                self.wait_for_gt = Some(bytes.len());
                            }
                            return None;
                        }
                    }
                }
                Mode::Comment => until_comment_end(bytes, self.pos),
                Mode::Bogus => match memchr(b'>', &bytes[self.pos..]) {
                    Some(gt) => (self.pos + gt + 1, Mode::Data),
                    None => (bytes.len(), Mode::Bogus),
                },
                Mode::Cdata => match find(&bytes[self.pos..], b"]]>") {
                    Some(at) => (self.pos + at + 3, Mode::Data),
                    None => (tail_start(&self.buf, self.pos, 2), Mode::Cdata),
                },
                Mode::Raw(name) => raw::until_end_tag(bytes, self.pos, name),
                Mode::Script(state) => raw::script(bytes, self.pos, state),
                Mode::Plaintext => (bytes.len(), Mode::Plaintext),
            };
            let stuck = next == self.pos && mode == self.mode;
            self.pos = next;
            self.mode = mode;
            if stuck || next >= self.buf.len() {
                return None; // nothing more to lex until the next chunk
            }
        }
    }
}

/// The input at the `<` at `at`, in the data state (tag open state).
fn open(bytes: &[u8], at: usize, foreign: bool) -> Open {
    let Some(&next) = bytes.get(at + 1) else { return Open::More };
    match next {
        b'!' => declaration(bytes, at + 2, foreign),
        b'/' => match bytes.get(at + 2) {
            None => Open::More,
            Some(b) if b.is_ascii_alphabetic() => tag_at(bytes, at),
            // `</>` is nothing at all.
            Some(b'>') => Open::Skip(at + 3, Mode::Data),
            // `</` before anything else opens a bogus comment.
            Some(_) => Open::Skip(at + 2, Mode::Bogus),
        },
        b if b.is_ascii_alphabetic() => tag_at(bytes, at),
        // `<?` opens a bogus comment (the `?` is its first character).
        b'?' => Open::Skip(at + 1, Mode::Bogus),
        // `<` before anything else is text; the next character is read again.
        _ => Open::Skip(at + 1, Mode::Data),
    }
}

/// A start or end tag at `at`, to its `>`.
fn tag_at(bytes: &[u8], at: usize) -> Open {
    match tag::lex(bytes, at) {
        Lexed::Tag(found) => Open::Tag(Span { start: at, found }),
        Lexed::More => Open::More,
    }
}

/// The markup declaration open state: `from` is just past `<!`.
fn declaration(bytes: &[u8], from: usize, foreign: bool) -> Open {
    let rest = &bytes[from.min(bytes.len())..];
    if rest.starts_with(b"--") {
        return comment_start(bytes, from + 2);
    }
    if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"doctype") {
        return Open::Skip(from + 7, Mode::Bogus); // a DOCTYPE ends at the first `>`
    }
    if foreign && rest.starts_with(b"[CDATA[") {
        return Open::Skip(from + 7, Mode::Cdata);
    }
    // Wait while the input so far could still begin any of them.
    let could = |word: &[u8], ignore_case: bool| {
        rest.len() < word.len()
            && if ignore_case { rest.eq_ignore_ascii_case(&word[..rest.len()]) } else { word.starts_with(rest) }
    };
    if could(b"--", false) || could(b"doctype", true) || (foreign && could(b"[CDATA[", false)) {
        return Open::More;
    }
    Open::Skip(from, Mode::Bogus)
}

/// Just past `<!--`: the comment start states, where `<!-->` and `<!--->`
/// already end the comment.
fn comment_start(bytes: &[u8], from: usize) -> Open {
    match (bytes.get(from), bytes.get(from + 1)) {
        (Some(b'>'), _) => Open::Skip(from + 1, Mode::Data),
        (Some(b'-'), Some(b'>')) => Open::Skip(from + 2, Mode::Data),
        (None, _) | (Some(b'-'), None) => Open::More,
        _ => Open::Skip(from, Mode::Comment),
    }
}

/// The comment states from `from`: the comment ends at the first `-->` or
/// `--!>` (a `--` followed by anything else, `<!--` included, leaves it open).
fn until_comment_end(bytes: &[u8], from: usize) -> (usize, Mode) {
    let mut at = from;
    while let Some(found) = find(&bytes[at..], b"--") {
        let dashes = at + found;
        match (bytes.get(dashes + 2), bytes.get(dashes + 3)) {
            (Some(b'>'), _) => return (dashes + 3, Mode::Data),
            (Some(b'!'), Some(b'>')) => return (dashes + 4, Mode::Data),
            (None, _) | (Some(b'!'), None) => return (dashes, Mode::Comment), // resume here
            _ => at = dashes + 1,
        }
    }
    // A last `-` could begin the end.
    let keep = usize::from(bytes.last() == Some(&b'-'));
    (bytes.len() - keep, Mode::Comment)
}

/// Where `pattern` first occurs in `bytes`: `memchr` to its first byte.
/// (Patterns here are 2 or 3 bytes; `memchr::memmem` would add its
/// substring searchers to the wasm for no gain.)
fn find(bytes: &[u8], pattern: &[u8]) -> Option<usize> {
    let (&first, _) = pattern.split_first()?;
    let mut at = 0;
    while let Some(found) = memchr(first, bytes.get(at..)?) {
        let candidate = at + found;
        if bytes.get(candidate..)?.starts_with(pattern) {
            return Some(candidate);
        }
        at = candidate + 1;
    }
    None
}

/// Where to resume a search for a pattern of `keep + 1` bytes that found
/// nothing from `from`: the last `keep` bytes may begin it.
fn tail_start(s: &str, from: usize, keep: usize) -> usize {
    floor_boundary(s, s.len().saturating_sub(keep)).max(from)
}

/// The last character boundary at or before `at`.
fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1; // 0 is a boundary: this stops
    }
    at
}
