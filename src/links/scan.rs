//! Links without a tree: the scanner's own lexer (`lex.rs`) with the few
//! tree-builder rules that decide which tags become elements a crawl looks
//! at. No DOM is built: a page costs its tags.
//!
//! What the tree builder would do, and this module redoes:
//!
//! * **Raw text.** `script`, `style`, `xmp`, `iframe`, `noembed`,
//!   `noframes`, `title`, `textarea` and `plaintext` switch the lexer to a
//!   raw-text state (the scanner answers each start tag with the [`Text`]
//!   that follows it), so `<a href>` in a script string is text. `noscript`
//!   stays markup: the document is parsed with scripting off, as
//!   `DOMParser` does.
//! * **`<template>`.** Its content is inert: links inside any element named
//!   `template` (an SVG one too, as the tree extractor's ancestor check
//!   sees it) are not links. `<base>` and `<meta>` inside still count, as
//!   scraper's document-wide selectors see them.
//! * **Foreign content.** Inside `<svg>` and `<math>` every tag is an
//!   element of that namespace (no raw text: `<svg><style>` holds markup,
//!   and an SVG `<frame src>` is kept), until a breakout tag (`<p>`, `<div>`,
//!   `<meta>`, …) pops back to HTML; HTML integration points (`foreignObject`,
//!   `desc`, `title`; MathML `mi`…`mtext`) take HTML tags; `<![CDATA[` is
//!   text only there. Only the plain `href` counts (`xlink:href` is in
//!   another namespace, as `a[href]` sees it).
//! * **`<frame>` outside a frameset** is dropped (the tree builder ignores it).
//! * **The first `<base href>`** and any `<meta name=robots>` are noted;
//!   the caller resolves links against them once the page is read.
//!
//! What it does *not* redo, because it would need the whole tree builder,
//! is marked instead (`State::needs_tree`): the caller then parses the page
//! with the tree (`tree.rs`). That happens on a `<frameset>`, an end tag
//! that would close HTML elements this model does not track from inside
//! foreign content, and anything around an open `<a>` that could make the
//! adoption agency or the formatting-element reconstruction *clone* it (a
//! block element or a misnested end tag inside an unclosed `<a>`). Real
//! pages rarely do either; the property tests in `tests.rs` check that every
//! answer given without the tree is the tree's answer.

use super::lex::{Lexer, Tag, Text};
use super::{Found, LinkElement, LinkKind};

/// A document being scanned for links, fed a chunk at a time.
#[derive(Default)]
pub struct LinkScanner {
    /// The page's tags, lexed as the chunks come.
    lexer: Lexer,
    /// What the tags so far mean.
    state: State,
    /// Something was fed: a byte order mark is dropped only before that.
    started: bool,
}

impl LinkScanner {
    pub fn new() -> Self {
        LinkScanner::default()
    }

    /// Scan the next piece of the document. `false` once the page needs the
    /// tree: feeding more is wasted work.
    pub fn feed(&mut self, mut chunk: &str) -> bool {
        if self.state.needs_tree {
            return false; // (and the chunk is not kept)
        }
        if !self.started && !chunk.is_empty() {
            self.started = true;
            chunk = chunk.strip_prefix('\u{FEFF}').unwrap_or(chunk);
        }
        self.lexer.push(chunk);
        while !self.state.needs_tree {
            let Some(tag) = self.lexer.next(self.state.in_foreign_content()) else { break };
            let text = self.state.tag(tag);
            self.lexer.enter(text);
        }
        !self.state.needs_tree
    }

    /// Bytes of input held back for the next chunk.
    #[cfg(test)]
    pub(super) fn kept(&self) -> usize {
        self.lexer.kept()
    }

    /// The end of the document: what was found, or `None` when the page
    /// needs the tree after all. (Whatever the input ends inside — a tag,
    /// a comment, raw text — holds no more tags: the tokenizer drops an
    /// unfinished tag at the end of the file.)
    pub fn finish(self) -> Option<Found> {
        (!self.state.needs_tree).then_some(self.state.found)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ns {
    Html,
    Svg,
    Math,
}

/// An open element the model tracks: every template, every foreign
/// element, and HTML elements opened inside foreign content.
struct Frame {
    ns: Ns,
    /// As the tokenizer gives it: lower case.
    name: String,
}

impl Frame {
    fn is(&self, ns: Ns, names: &[&str]) -> bool {
        self.ns == ns && names.contains(&self.name.as_str())
    }

    /// Where HTML start tags are HTML again (SVG `foreignObject`, `desc`, `title`).
    fn svg_integration_point(&self) -> bool {
        self.is(Ns::Svg, &["foreignobject", "desc", "title"])
    }

    fn mathml_text_integration_point(&self) -> bool {
        self.is(Ns::Math, &["mi", "mo", "mn", "ms", "mtext"])
    }
}

/// The scanner's state: the tree builder's, as far as links need it.
#[derive(Default)]
pub(super) struct State {
    stack: Vec<Frame>,
    /// Frames named `template` on the stack: links inside are not links.
    templates: usize,
    /// SVG and MathML frames on the stack.
    foreign: usize,
    /// An HTML `<a>` is open (on the formatting list and the stack).
    a_open: bool,
    /// Phrasing elements opened inside that `<a>`, innermost last.
    after_a: Vec<String>,
    /// The end tag that closes the raw-text element just started.
    raw_end: Option<&'static str>,
    /// The page needs the tree builder: stop and let the caller parse it.
    needs_tree: bool,
    found: Found,
}

/// Start tags that pop foreign content back to HTML (`font` only with
/// `color`, `face` or `size`).
const BREAKOUT: [&str; 44] = [
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

/// HTML elements without an end tag (never on a stack).
const VOID: [&str; 19] = [
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen",
    "link", "meta", "param", "source", "track", "wbr",
];

/// Start tags that may appear inside an open `<a>` without any chance of
/// it being popped early (and so cloned later): phrasing elements that are
/// neither special nor imply an end tag, voids inserted and popped at once,
/// head elements, raw text that closes itself, foreign content, another `<a>`.
const SAFE_IN_A: [&str; 53] = [
    "a", "abbr", "area", "b", "base", "basefont", "bdi", "bdo", "bgsound", "big", "br", "cite", "code", "data", "dfn",
    "em", "embed", "font", "frame", "i", "iframe", "image", "img", "kbd", "label", "link", "mark", "math", "meta",
    "noembed", "noframes", "output", "param", "q", "s", "samp", "script", "small", "source", "span", "strike",
    "strong", "style", "sub", "sup", "svg", "textarea", "time", "title", "track", "tt", "u", "var",
];

/// The raw text that follows an HTML start tag of this name, if any.
fn raw_text(name: &str) -> Option<Text> {
    Some(match name {
        "script" => Text::Script,
        "style" => Text::Raw("style"),
        "xmp" => Text::Raw("xmp"),
        "iframe" => Text::Raw("iframe"),
        "noembed" => Text::Raw("noembed"),
        "noframes" => Text::Raw("noframes"),
        "title" => Text::Raw("title"),
        "textarea" => Text::Raw("textarea"),
        _ => return None,
    })
}

/// The element a raw-text state ends at.
fn raw_end(text: Text) -> &'static str {
    match text {
        Text::Raw(name) => name,
        _ => "script",
    }
}

impl State {
    /// One tag; the answer is the text that follows it.
    fn tag(&mut self, tag: Tag) -> Text {
        if self.needs_tree {
            return Text::Markup;
        }
        if let Some(end) = self.raw_end.take() {
            if tag.end && tag.name == end {
                return Text::Markup; // the raw-text element closes
            }
        }
        if tag.end {
            self.end(&tag.name);
            return Text::Markup;
        }
        self.start(tag)
    }

    /// Is the current node an SVG or MathML element?
    fn in_foreign_content(&self) -> bool {
        self.stack.last().is_some_and(|f| f.ns != Ns::Html)
    }

    fn push(&mut self, frame: Frame) {
        self.templates += usize::from(frame.name == "template");
        self.foreign += usize::from(frame.ns != Ns::Html);
        self.stack.push(frame);
    }

    /// Pop frames until `len` remain.
    fn truncate(&mut self, len: usize) {
        while self.stack.len() > len {
            if let Some(frame) = self.stack.pop() {
                self.templates -= usize::from(frame.name == "template");
                self.foreign -= usize::from(frame.ns != Ns::Html);
            }
        }
    }

    fn fall_back(&mut self) -> Text {
        self.needs_tree = true;
        Text::Markup
    }

    /// Does the tree builder take this start tag by the foreign-content rules?
    fn foreign_start_rules(&self, name: &str) -> bool {
        match self.stack.last() {
            None => false,
            Some(top) if top.ns == Ns::Html => false,
            Some(top) if top.mathml_text_integration_point() => matches!(name, "mglyph" | "malignmark"),
            Some(top) if top.svg_integration_point() => false,
            // No MathML annotation-xml is an integration point to scraper's tree.
            Some(top) => !(top.is(Ns::Math, &["annotation-xml"]) && name == "svg"),
        }
    }

    fn start(&mut self, tag: Tag) -> Text {
        if !self.foreign_start_rules(&tag.name) {
            return self.html_start(tag);
        }
        let breakout = BREAKOUT.contains(&&*tag.name)
            || (tag.name == "font" && ["color", "face", "size"].iter().any(|a| tag.attr(a).is_some()));
        if breakout {
            // Pop to HTML (or an integration point) and take it as HTML.
            while self
                .stack
                .last()
                .is_some_and(|f| f.ns != Ns::Html && !f.mathml_text_integration_point() && !f.svg_integration_point())
            {
                self.truncate(self.stack.len() - 1);
            }
            return self.html_start(tag);
        }
        let ns = self.stack.last().map_or(Ns::Html, |f| f.ns);
        self.record(&tag, true);
        if !tag.self_closing {
            self.push(Frame { ns, name: tag.name.into_owned() });
        }
        Text::Markup
    }

    fn html_start(&mut self, tag: Tag) -> Text {
        let name = &*tag.name;
        if self.a_open && (self.foreign > 0 || !SAFE_IN_A.contains(&name)) {
            return self.fall_back(); // the open <a> could be popped and cloned
        }
        match name {
            "frameset" => return self.fall_back(),
            "frame" => return Text::Markup, // ignored outside a frameset
            "template" => {
                self.push(Frame { ns: Ns::Html, name: name.to_owned() });
                return Text::Markup;
            }
            "svg" | "math" => {
                if !tag.self_closing {
                    let ns = if name == "svg" { Ns::Svg } else { Ns::Math };
                    self.push(Frame { ns, name: name.to_owned() });
                }
                return Text::Markup;
            }
            _ => {}
        }
        self.record(&tag, false);
        if name == "a" {
            // Another <a> first closes the open one (the adoption agency,
            // with nothing but phrasing after it: no clone).
            self.after_a.clear();
            self.a_open = true;
            if self.foreign > 0 {
                self.push(Frame { ns: Ns::Html, name: name.to_owned() });
            }
            return Text::Markup;
        }
        if name == "plaintext" {
            return Text::Plaintext;
        }
        if let Some(text) = raw_text(name) {
            self.raw_end = Some(raw_end(text));
            return text;
        }
        if VOID.contains(&name) {
            return Text::Markup;
        }
        if self.a_open {
            self.after_a.push(name.to_owned());
        }
        if self.foreign > 0 {
            self.push(Frame { ns: Ns::Html, name: name.to_owned() });
        }
        Text::Markup
    }

    fn end(&mut self, name: &str) {
        if !self.stack.last().is_some_and(|f| f.ns != Ns::Html) {
            return self.html_end(name);
        }
        if matches!(name, "p" | "br") {
            // Breakout end tags: pop to HTML, then take them as HTML.
            while self
                .stack
                .last()
                .is_some_and(|f| f.ns != Ns::Html && !f.mathml_text_integration_point() && !f.svg_integration_point())
            {
                self.truncate(self.stack.len() - 1);
            }
            return self.html_end(name);
        }
        // Walk down from the current node: the first foreign element of
        // that name closes (with everything above it); an HTML element
        // reached first hands the tag to the HTML rules.
        for (depth, frame) in self.stack.iter().enumerate().rev() {
            if depth + 1 < self.stack.len() && frame.ns == Ns::Html {
                return self.html_end(name);
            }
            if frame.name.eq_ignore_ascii_case(name) {
                return self.truncate(depth);
            }
        }
        self.html_end(name) // past every tracked element: an HTML one
    }

    /// An end tag by the HTML rules.
    fn html_end(&mut self, name: &str) {
        if name == "template" {
            if let Some(at) = self.stack.iter().rposition(|f| f.is(Ns::Html, &["template"])) {
                self.truncate(at); // pops whatever is open inside it
                                   // …and clears the formatting list back to the template's
                                   // marker: an <a> opened inside it is gone, never cloned. (One
                                   // opened outside cannot be open: <template> in an <a> falls back.)
                self.a_open = false;
                self.after_a.clear();
            }
            return; // no template open: ignored
        }
        match self.stack.last() {
            // Reached from foreign content: which HTML element it closes is
            // the tree's business.
            Some(top) if top.ns != Ns::Html => self.needs_tree = true,
            _ if self.a_open => self.end_in_a(name),
            // Inside a template, end tags close nothing outside it.
            Some(top) if top.name == "template" => {}
            Some(top) if top.name == name => self.truncate(self.stack.len() - 1),
            Some(_) => self.needs_tree = true,
            // Plain HTML: no element the model tracks, no link changes.
            None => {}
        }
    }

    /// An end tag while an `<a>` is open.
    fn end_in_a(&mut self, name: &str) {
        if self.foreign > 0 {
            // Only the <a> itself, opened inside foreign content, closes here.
            if name == "a" && self.after_a.is_empty() && self.stack.last().is_some_and(|f| f.is(Ns::Html, &["a"])) {
                self.truncate(self.stack.len() - 1);
                self.a_open = false;
            } else {
                self.needs_tree = true;
            }
        } else if name == "a" {
            self.a_open = false;
            self.after_a.clear();
        } else if self.after_a.last().is_some_and(|n| n == name) {
            self.after_a.pop();
        } else if name != "br" {
            // (`</br>` is a <br>.) Anything else may pop the <a>.
            self.needs_tree = true;
        }
    }

    /// Note what this element means for links.
    fn record(&mut self, tag: &Tag, foreign: bool) {
        let name = &*tag.name;
        let (kind, target) = match name {
            "a" | "area" => (LinkKind::Anchor, "href"),
            "link" => (LinkKind::Link, "href"),
            "iframe" => (LinkKind::Frame, "src"),
            "frame" if foreign => (LinkKind::Frame, "src"),
            "base" => {
                if self.found.base.is_none() {
                    self.found.base = tag.attr("href").map(|h| h.into_owned());
                }
                return;
            }
            "meta" => {
                if let (Some(name), Some(content)) = (tag.attr("name"), tag.attr("content")) {
                    self.found.meta_nofollow |= super::robots_nofollow(&name, &content);
                }
                return;
            }
            _ => return,
        };
        if self.templates > 0 {
            return; // inert template content
        }
        if let Some(target) = tag.attr(target) {
            let rel = tag.attr("rel").map(|r| r.into_owned());
            self.found.elements.push(LinkElement { kind, target: target.into_owned(), rel });
        }
    }
}
