//! Padding for the `bytes` knob: documentation-like markup that makes a
//! page about N bytes long, so a crawl of the site is parse-bound the way a
//! crawl of real documentation is (a real docs page is ~90 KB of HTML with a
//! dozen links that matter).
//!
//! What a page is padded with: navigation lists, tables of options, code
//! blocks full of escaped markup, prose with entities and non-ASCII text, an
//! inline script and a style sheet whose strings hold `<a href>`, and
//! comments hiding links. None of it adds a link a crawl could follow that
//! the page does not already have — the navigation repeats the page's own
//! `href`s (after its list, so the order of first appearance is unchanged)
//! and otherwise points off-host or at `mailto:` — so [`crate::Site::expected`]
//! holds for a padded site exactly as for the plain one. A parser that took
//! a script string or a comment for markup would find `/not-a-link/…`, which
//! the site answers with a 404, and disagree with the oracle.

use crate::{escape, Link};

/// Grow `page` (a rendered page ending in `</body></html>\n`) to about
/// `bytes` bytes, inserting blocks before `</body>`. Deterministic: the same
/// page and size always give the same bytes.
pub(crate) fn pad(page: &mut String, links: &[Link], bytes: usize) {
    let Some(end) = page.rfind("</body>") else { return };
    if page.len() >= bytes {
        return;
    }
    let tail = page.split_off(end);
    let mut i = 0;
    while page.len() + tail.len() < bytes {
        block(page, links, i);
        i += 1;
    }
    page.push_str(&tail);
}

/// The `i`-th padding block.
fn block(out: &mut String, links: &[Link], i: usize) {
    match i % 6 {
        0 => nav(out, links, i),
        1 => table(out, i),
        2 => code(out, i),
        3 => prose(out, i),
        4 => script(out, i),
        _ => style_and_comment(out, i),
    }
}

fn nav(out: &mut String, links: &[Link], i: usize) {
    out.push_str(&format!("<nav class=\"toc\" aria-label=\"Section {i}\">\n<ul class=\"toc-list\">\n"));
    for link in links {
        out.push_str(&format!(
            "  <li class=\"toc-item\"><a class=\"toc-link\" href=\"{}\">again</a></li>\n",
            escape(&link.href)
        ));
    }
    for k in 0..8 {
        out.push_str(&format!(
            "  <li class=\"toc-item\"><a href=\"https://docs.example.invalid/guide/{i}/{k}.html\">Chapter {k} &mdash; \
             part {i}</a></li>\n"
        ));
    }
    out.push_str("  <li><a href=\"mailto:docs@example.invalid\">Write to us</a></li>\n</ul>\n</nav>\n");
}

fn table(out: &mut String, i: usize) {
    out.push_str(
        "<table class=\"options\">\n<thead><tr><th>option</th><th>default</th><th>meaning</th></tr></thead>\n<tbody>\n",
    );
    for k in 0..10 {
        out.push_str(&format!(
            "<tr><td><code>opt_{i}_{k}</code></td><td>{k}&nbsp;ms</td><td>When <em>x</em> &lt; {k} &amp;&amp; y &gt; 0, \
             the value is used as is &#x2192; see <a href=\"https://docs.example.invalid/ref#opt-{k}\">§{k}</a>.</td></tr>\n"
        ));
    }
    out.push_str("</tbody>\n</table>\n");
}

fn code(out: &mut String, i: usize) {
    out.push_str("<pre class=\"highlight\"><code class=\"language-html\">");
    for k in 0..12 {
        out.push_str(&format!(
            "<span class=\"tag\">&lt;a href=&quot;/not-a-link/code/{i}/{k}&quot;&gt;</span>link&lt;/a&gt; \
             <span class=\"kw\">let</span> v{k} = a &amp;&amp; b; <span class=\"cm\">// é ß 漢字</span>\n"
        ));
    }
    out.push_str("</code></pre>\n");
}

fn prose(out: &mut String, i: usize) {
    out.push_str(&format!("<section id=\"s{i}\"><h2>Section {i}: caf&eacute; &amp; na&iuml;ve</h2>\n"));
    for k in 0..4 {
        out.push_str(&format!(
            "<p>Paragraph {k} of section {i}. A crawler reads <code>&lt;base href&gt;</code> first, then every \
             <strong>link</strong> in document order &ndash; “quoted”, déjà vu, 1&nbsp;000 pages, \
             <abbr title=\"HyperText Markup Language\">HTML</abbr> &copy; 2026.<br>\n\
             Second line: <img src=\"/img/{i}-{k}.png\" alt=\"figure {k}\" width=\"10\" height=\"10\"> &hellip;</p>\n"
        ));
    }
    out.push_str("</section>\n");
}

fn script(out: &mut String, i: usize) {
    out.push_str(&format!(
        "<script>\n  // inline: a string with markup is not markup\n  window.docs{i} = {{ nav: '<a href=\"/not-a-link/script/{i}\">x</a>', \
         ok: 1 < 2 && 3 > 2 }};\n  for (let k = 0; k < 3; k++) {{ if (k <= 1) {{ document.title += ''; }} }}\n</script>\n"
    ));
}

fn style_and_comment(out: &mut String, i: usize) {
    out.push_str(&format!(
        "<style>\n  .toc-{i} a[href^=\"http\"]::after {{ content: \"<a href='/not-a-link/style/{i}'>\"; }}\n  \
         pre > code {{ white-space: pre; }}\n</style>\n<!-- <a href=\"/not-a-link/comment/{i}\">hidden</a> -->\n\
         <div class=\"note\"><p>Note {i}: <kbd>Ctrl</kbd>+<kbd>K</kbd> searches &laquo;everything&raquo;.</p></div>\n"
    ));
}
