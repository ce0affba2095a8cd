//! html5ever's tokenizer and tree builder, fed a chunk at a time: scraper's
//! tree for the pages the scanner leaves to it (`tree.rs`). The scanner
//! does not go through it: it has its own lexer (`lex.rs`). The tokenizer's
//! sink is scraper's own tree builder type, the one `Html::parse_document`
//! (`extract.rs`) runs on, so the wasm carries html5ever's state machine once.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::TreeBuilder;
use html5ever::TokenizerResult;
use scraper::HtmlTreeSink;

/// A node of scraper's tree.
type Handle = <HtmlTreeSink as html5ever::interface::TreeSink>::Handle;

/// html5ever's tree builder into scraper's document.
pub(super) type Builder = TreeBuilder<Handle, HtmlTreeSink>;

/// The tokenizer, fed a chunk at a time.
pub(super) struct Reading {
    tokenizer: Tokenizer<Builder>,
    /// Input not yet consumed (a tag can straddle two chunks).
    input: BufferQueue,
    /// Nothing fed yet: a byte order mark here is dropped (and only here;
    /// the tokenizer's own option would drop one at the start of every chunk).
    at_start: bool,
}

impl Reading {
    pub(super) fn new(builder: Builder) -> Reading {
        let opts = TokenizerOpts { discard_bom: false, ..TokenizerOpts::default() };
        Reading { tokenizer: Tokenizer::new(builder, opts), input: BufferQueue::default(), at_start: true }
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
    pub(super) fn end(self) -> Builder {
        self.tokenizer.end();
        self.tokenizer.sink
    }
}
