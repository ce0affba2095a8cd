//! One tokenizer for both readers. html5ever's `Tokenizer<Sink>` is
//! generic, and its state machine is most of the parser's code: a second
//! sink type would put a second copy of it in the wasm. So the scanner's
//! rules and scraper's tree builder are two arms of one sink, [`Reader`],
//! and [`Reading`] drives the one `Tokenizer<Reader>` a chunk at a time.

use super::scan::State;
use html5ever::interface::TreeSink;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::TreeBuilder;
use html5ever::TokenizerResult;
use scraper::HtmlTreeSink;
use std::cell::RefCell;

/// A node of scraper's tree: the one handle type the shared sink deals in.
pub(super) type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// Where the tokens go.
pub(super) enum Reader {
    /// The scanner's rules (`scan.rs`). (`TokenSink` takes `&self`; the
    /// tokenizer never re-enters it, so one `RefCell` borrow per token is
    /// never contended.)
    Scan(RefCell<State>),
    /// html5ever's tree builder into scraper's document (`tree.rs`).
    Tree(TreeBuilder<Handle, HtmlTreeSink>),
}

impl TokenSink for Reader {
    type Handle = Handle;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<Handle> {
        match self {
            Reader::Scan(state) => state.borrow_mut().token(token),
            Reader::Tree(builder) => builder.process_token(token, line_number),
        }
    }

    fn end(&self) {
        if let Reader::Tree(builder) = self {
            builder.end();
        }
    }

    /// `<![CDATA[` is a section only in foreign content (else a bogus comment).
    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        match self {
            Reader::Scan(state) => state.borrow().in_foreign_content(),
            Reader::Tree(builder) => builder.adjusted_current_node_present_but_not_in_html_namespace(),
        }
    }
}

/// The tokenizer, fed a chunk at a time.
pub(super) struct Reading {
    pub(super) tokenizer: Tokenizer<Reader>,
    /// Input not yet consumed (a tag can straddle two chunks).
    input: BufferQueue,
    /// Nothing fed yet: a byte order mark here is dropped (and only here;
    /// the tokenizer's own option would drop one at the start of every chunk).
    at_start: bool,
}

impl Reading {
    pub(super) fn new(reader: Reader) -> Reading {
        let opts = TokenizerOpts { discard_bom: false, ..TokenizerOpts::default() };
        Reading { tokenizer: Tokenizer::new(reader, opts), input: BufferQueue::default(), at_start: true }
    }

    pub(super) fn feed(&mut self, mut chunk: &str) {
        if self.at_start && !chunk.is_empty() {
            self.at_start = false;
            chunk = chunk.strip_prefix('\u{FEFF}').unwrap_or(chunk);
        }
        if chunk.is_empty() {
            return;
        }
        self.input.push_back(StrTendril::from_slice(chunk));
        // The tree builder pauses the tokenizer at a `</script>` (for a
        // script to run) and at a `<meta charset>` (to switch encodings):
        // neither happens here, so go on until the input is used up.
        while !matches!(self.tokenizer.feed(&self.input), TokenizerResult::Done) {}
    }

    /// The end of the document.
    pub(super) fn end(self) -> Reader {
        self.tokenizer.end();
        self.tokenizer.sink
    }
}
