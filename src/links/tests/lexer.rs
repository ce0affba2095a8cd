//! The scanner's own lexer (`lex.rs`) against the tree: the tokenizer rules
//! it redoes (character references, script escapes, comments and
//! declarations, NUL and CR), byte soup, and any chunking of the input.

use super::*;

/// The `href`s the scanner finds, in order (it must answer without the tree).
fn scanned_targets(html: &str) -> Vec<String> {
    let found = scanned(html, 64 * 1024).unwrap_or_else(|| panic!("left to the tree: {html:?}"));
    assert_eq!(found, tree::found_in(html), "scanner vs tree on {html:?}");
    found.elements.into_iter().map(|e| e.target).collect()
}

#[test]
fn attribute_references_decode_by_the_attribute_value_rules() {
    for (written, value) in [
        ("&amp;", "&"),
        ("&amp", "&"),
        ("x&amp;y", "x&y"),
        ("?a=1&ampx=2", "?a=1&ampx=2"), // no `;`, then an alphanumeric: text
        ("?a=1&amp=2", "?a=1&amp=2"),   // no `;`, then `=`: text
        ("&amp;x=2", "&x=2"),
        ("&not ", "\u{AC} "),
        ("&notit;", "&notit;"),
        ("&notin;", "\u{2209}"),
        ("&nosuch;", "&nosuch;"),
        ("&lt;&GT;&Gt", "<>&Gt"),
        ("&", "&"),
        ("&;", "&;"),
        ("&#x26;", "&"),
        ("&#38", "&"),
        ("&#X26q", "&q"),
        ("&#0;", "\u{FFFD}"),
        ("&#128;", "\u{20AC}"),
        ("&#x81;", "\u{81}"),
        ("&#xD800;", "\u{FFFD}"),
        ("&#x110000;", "\u{FFFD}"),
        ("&#99999999999999;", "\u{FFFD}"),
        ("&#13;", "\r"),
        ("&#;", "&#;"),
        ("&#x;", "&#x;"),
        ("a\r\nb\rc\n", "a\nb\nc\n"),
        ("nul\0x", "nul\u{FFFD}x"),
    ] {
        for html in [format!("<a href=\"{written}\">"), format!("<a href='{written}'>")] {
            assert_eq!(scanned_targets(&html), [value], "{html:?}");
        }
    }
}

#[test]
fn script_escapes_decide_which_end_tag_closes_the_script() {
    for (html, links) in [
        ("<script><a href=no></script><a href=yes>", &["yes"][..]),
        ("<script><!--</script><a href=yes>", &["yes"]),
        ("<script><!--<script></script><a href=no></script><a href=yes>", &["yes"]),
        ("<script><!--<script>--></script><a href=yes>", &["yes"]),
        ("<script><!--<scripts></script><a href=yes>", &["yes"]),
        ("<script><!--<script\n></SCRIPT\t><a href=no></script ><a href=yes>", &["yes"]),
        ("<script><!-- --><a href=no></script><a href=yes>", &["yes"]),
        ("<script><!-x</script><a href=yes>", &["yes"]),
        ("<script></scripts></script/><a href=yes>", &["yes"]),
        ("<script><!--<script></script><a href=no>", &[]),
        ("<script></script x='>'><a href=yes>", &["yes"]),
        ("<title><a href=no></title x=\"</title>\"><a href=yes>", &["yes"]),
        ("<textarea></textareax></textarea\r><a href=yes>", &["yes"]),
        ("<style><!--</style><a href=yes>", &["yes"]),
    ] {
        assert_eq!(scanned_targets(html), links, "{html:?}");
    }
}

#[test]
fn comments_declarations_and_broken_tags_hide_what_the_tokenizer_hides() {
    for (html, links) in [
        ("<!--><a href=yes>", &["yes"][..]),
        ("<!---><a href=yes>", &["yes"]),
        ("<!----><a href=yes>", &["yes"]),
        ("<!-- --!><a href=yes>", &["yes"]),
        ("<!-- --!-><a href=no>", &[]),
        ("<!-- <!-- --><a href=yes>", &["yes"]),
        ("<!-- -- ><a href=no> --><a href=yes>", &["yes"]),
        ("<!DOCTYPE html \"<a href=no>\"><a href=yes>", &["yes"]),
        ("<!x <a href=no><a href=yes>", &["yes"]),
        ("<![CDATA[<a href=no>]]><a href=yes>", &["yes"]),
        ("<svg><![CDATA[<a href=no>]]><a href=yes></svg>", &["yes"]),
        ("<?php <a href=no><a href=yes>", &["yes"]),
        ("</ a href=no><a href=yes>", &["yes"]),
        ("</><a href=yes>", &["yes"]),
        ("<3 <a href=yes>", &["yes"]),
        ("<a href=yes><a href=\"cut", &["yes"]),
        ("<a href=yes><a href=cut", &["yes"]),
        ("<a href=yes><a", &["yes"]),
        ("<a\0 href=no><a href=yes>", &["yes"]),
        ("<a h\0ref=no href=yes>", &["yes"]),
        ("<A HREF=first href=second>", &["first"]),
        ("<a\rhref=cr>", &["cr"]),
        ("<a href\r\n=\r\nspaced>", &["spaced"]),
        ("<a/href=slash>", &["slash"]),
        ("<a href=\"q\"href=r>", &["q"]),
        ("<a =x href=eq>", &["eq"]),
        ("<plaintext></plaintext><a href=no>", &[]),
    ] {
        assert_eq!(scanned_targets(html), links, "{html:?}");
    }
}

/// `html` split at random sizes (on character boundaries).
fn random_chunks<'h>(rng: &mut Rng, html: &'h str) -> Vec<&'h str> {
    let mut pieces = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = (1 + rng.below(12)).min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (head, tail) = rest.split_at(end);
        pieces.push(head);
        rest = tail;
    }
    pieces
}

/// The scanner's answer fed these pieces.
fn scanned_pieces(pieces: &[&str]) -> Option<Found> {
    let mut scanner = LinkScanner::new();
    for piece in pieces {
        if !scanner.feed(piece) {
            return None;
        }
    }
    scanner.finish()
}

/// Asserts that 1-byte, 7-byte and random chunks give what the whole does.
fn chunking_changes_nothing(rng: &mut Rng, html: &str) {
    let whole = scanned(html, html.len().max(1));
    for size in [1, 7] {
        assert_eq!(scanned(html, size), whole, "chunks of {size} on:\n{html:?}");
    }
    assert_eq!(scanned_pieces(&random_chunks(rng, html)), whole, "random chunks on:\n{html:?}");
}

#[test]
fn generated_documents_scan_the_same_in_any_chunks() {
    let mut rng = Rng(0x5EED_C4C4);
    for _ in 0..600 {
        let html = document(&mut rng);
        chunking_changes_nothing(&mut rng, &html);
    }
}

/// Bounded fuzzing at the byte level: pieces the lexer's states turn on,
/// single odd characters, and letters, in any order. The scanner must never
/// panic, must give the tree's answer whenever it answers, and must not
/// care how the input is cut.
#[test]
fn byte_soup_gives_the_trees_links_in_any_chunks() {
    const PIECES: [&str; 52] = [
        "<",
        "<",
        "<",
        ">",
        "&",
        "-",
        "-",
        "!",
        "/",
        "\"",
        "'",
        "=",
        " ",
        "\n",
        "\r",
        "\0",
        "?",
        "]]>",
        "<!--",
        "-->",
        "--!>",
        "<![CDATA[",
        "<!doctype",
        "script",
        "<script>",
        "</script>",
        "<script",
        "</script",
        "style",
        "</style>",
        "title",
        "a",
        "<a href=",
        "<a href=x>",
        "href",
        "x",
        "&amp",
        "&amp;",
        "&#",
        "&#x26;",
        "&#0;",
        "&#128;",
        "&not",
        "svg",
        "<svg>",
        "math",
        "template",
        "é",
        "漢",
        "\u{FEFF}",
        "\t",
        "A",
    ];
    let mut rng = Rng(0x5EED_B17E);
    let (mut answered, cases) = (0, 3000);
    for case in 0..cases {
        let soup: String = (0..rng.below(40)).map(|_| rng.pick(&PIECES)).collect();
        let size = 1 + rng.below(9);
        answered += usize::from(agrees_with_the_tree(&soup, size));
        if case % 5 == 0 {
            chunking_changes_nothing(&mut rng, &soup);
        }
    }
    assert!(answered * 100 / cases >= 40, "the scanner answered only {answered} of {cases} soups");
}

#[test]
fn an_unterminated_comment_or_script_is_not_kept_while_it_is_fed() {
    let filler = "- -- <!- <!-- <scrip </ ]] x ".repeat(4_000);
    for start in ["<!--", "<script>", "<script><!--", "<script><!--<script>", "<svg><![CDATA[", "<title>"] {
        let mut scanner = LinkScanner::new();
        assert!(scanner.feed(start));
        for piece in chunks(&filler, 3) {
            assert!(scanner.feed(piece));
            // A chunk that ends inside `<!--`, `</script` or `-->` keeps
            // those few bytes; the rest is never read again.
            assert!(scanner.kept() <= 16, "{start}: {} bytes kept", scanner.kept());
        }
        assert_eq!(scanner.finish().map(|f| f.elements.len()), Some(0), "{start}");
    }
}
