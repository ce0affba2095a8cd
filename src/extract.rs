//! Field extraction: the `extract` option. Named CSS selectors, each giving
//! every HTML page of the crawl one value in its `fields`:
//!
//! ```text
//! extract: { title: "title", description: "meta[name=description]@content", "links[]": "nav a@href" }
//! ```
//!
//! * `selector@attr`: the attribute's value, as written (entities decoded);
//!   only elements that have the attribute count. Without `@`: the element's
//!   text (`textContent`: every descendant text node), ASCII whitespace
//!   collapsed to single spaces and trimmed.
//! * a name ending in `[]`: every match, in document order (an array,
//!   empty when nothing matches); the field's name is the name without the
//!   suffix. Otherwise the first match, or `null` when nothing matches.
//!
//! Selectors need scraper's whole tree, so only crawls with `extract` build
//! one (see `page.rs`): the links of such a page are then read from the same
//! tree, the scanner's oracle, and nothing is parsed twice. Elements inside
//! `<template>` are inert content, not part of the document, and never match
//! (as for links). Fields are crawled text: they reach the page as text only.

use crate::options::OptionsError;
use scraper::error::SelectorErrorKind;
use scraper::{ElementRef, Html, Selector};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One named selector, validated.
#[derive(Clone, Debug)]
pub struct Field {
    /// The field's name in `fields` (without the `[]` suffix).
    pub name: String,
    /// `[]`: every match rather than the first.
    pub all: bool,
    /// The selector text as given (with its `@attr`), to write the option back.
    pub source: String,
    pub selector: Selector,
    /// `@attr`: that attribute's value rather than the element's text.
    pub attr: Option<String>,
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.all, &self.source) == (&other.name, other.all, &other.source)
    }
}

impl Field {
    /// The option's key as the user wrote it (`links[]` for an all-matches field).
    pub fn key(&self) -> String {
        if self.all {
            format!("{}[]", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// A field's value on one page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A `[]` field: every match, in document order.
    All(Vec<String>),
    /// The first match; `None` (JSON `null`) when nothing matched.
    First(Option<String>),
}

/// A page's fields, by name (every field of the option, matched or not).
pub type Fields = BTreeMap<String, FieldValue>;

fn err(option: impl Into<String>, message: impl Into<String>) -> OptionsError {
    OptionsError { option: option.into(), message: message.into() }
}

/// Parse the `extract` option: an object of name → selector text. `null`
/// and `{}` mean no extraction. Every error names the field (`extract.h1`).
pub fn parse(value: &Value) -> Result<Vec<Field>, OptionsError> {
    let map = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        _ => {
            return Err(err(
                "extract",
                format!("must be an object of named CSS selectors like {{\"title\": \"title\"}}, got {value}"),
            ))
        }
    };
    let mut fields: Vec<Field> = Vec::new();
    for (key, value) in map {
        let option = format!("extract.{key}");
        let (name, all) = match key.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (key.as_str(), false),
        };
        if name.trim().is_empty() {
            return Err(err(option, "a field needs a name, e.g. \"title\": \"title\""));
        }
        if fields.iter().any(|f| f.name == name) {
            return Err(err(option, format!("the name `{name}` is given twice (with and without [])")));
        }
        let Some(text) = value.as_str() else {
            return Err(err(option, format!("must be a CSS selector as a string, got {value}")));
        };
        let (css, attr) = split_attr(text).map_err(|m| err(&option, m))?;
        if css.trim().is_empty() {
            return Err(err(option, "the selector is empty; give a CSS selector such as \"h1\""));
        }
        let selector = Selector::parse(css).map_err(|e| err(&option, selector_error(css, &e)))?;
        fields.push(Field { name: name.to_string(), all, source: text.to_string(), selector, attr });
    }
    Ok(fields)
}

/// `css@attr` → (`css`, `Some(attr)`). An `@` inside an attribute selector
/// (`a[href^="mailto:x@y"]`) is part of the selector: only an `@` after the
/// last `]` or quote splits.
fn split_attr(text: &str) -> Result<(&str, Option<String>), String> {
    let Some((css, attr)) = text.rsplit_once('@') else { return Ok((text, None)) };
    if attr.contains([']', '"', '\'']) {
        return Ok((text, None));
    }
    let attr = attr.trim();
    if attr.is_empty() {
        return Err(format!("`{text}` has an empty attribute name after @ (e.g. \"meta[name=description]@content\")"));
    }
    let valid = attr.chars().all(|c| !c.is_whitespace() && !matches!(c, '/' | '>' | '=' | '@' | '[' | '(' | ')'));
    if !valid {
        return Err(format!("`{attr}` after @ in `{text}` is not an attribute name"));
    }
    Ok((css, Some(attr.to_ascii_lowercase())))
}

/// scraper's message for a bad selector, in one line.
fn selector_error(css: &str, e: &SelectorErrorKind) -> String {
    let why = match e {
        // Its Display asks the reader to report a bug and dumps a debug tree.
        SelectorErrorKind::UnexpectedSelectorParseError(_) => "unsupported or malformed".to_string(),
        other => other.to_string(),
    };
    format!("`{css}` is not a valid CSS selector ({why})")
}

/// Whether an element is inside `<template>` (inert: not part of the document).
fn in_template(element: &ElementRef) -> bool {
    element.ancestors().any(|n| n.value().as_element().is_some_and(|e| e.name() == "template"))
}

/// The element's text, ASCII whitespace collapsed to single spaces, trimmed.
pub fn collapsed_text(element: &ElementRef) -> String {
    // Joined first, then split: a word across two text nodes (`a<b>b</b>`)
    // stays one word, as in `textContent`.
    let text: String = element.text().collect();
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// One field's value on a parsed document.
pub fn value(document: &Html, field: &Field) -> FieldValue {
    let mut values =
        document.select(&field.selector).filter(|el| !in_template(el)).filter_map(|el| match &field.attr {
            Some(attr) => el.value().attr(attr).map(String::from),
            None => Some(collapsed_text(&el)),
        });
    if field.all {
        FieldValue::All(values.collect())
    } else {
        FieldValue::First(values.next())
    }
}

/// Every field's value on a parsed document.
pub fn fields(document: &Html, fields: &[Field]) -> Fields {
    fields.iter().map(|f| (f.name.clone(), value(document, f))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> Vec<Field> {
        parse(&serde_json::from_str(json).expect("test JSON")).expect("valid fields")
    }

    fn on(html: &str, json: &str) -> Fields {
        fields(&Html::parse_document(html), &spec(json))
    }

    fn one(text: &str) -> FieldValue {
        FieldValue::First(Some(text.into()))
    }

    fn all(texts: &[&str]) -> FieldValue {
        FieldValue::All(texts.iter().map(|t| t.to_string()).collect())
    }

    const PAGE: &str = "<!doctype html><title>  The\n\ttitle  </title>\
        <meta name=description content=\"  A  page &amp; more \">\
        <h1>Hello <b>wor</b>ld <script>var x;</script></h1><h1>Second</h1>\
        <nav><a href=/a>A</a> <a>no href</a> <a href=\"mailto:x@y\">mail</a></nav>\
        <template><h2>inert</h2></template>";

    #[test]
    fn the_first_match_gives_its_text_with_whitespace_collapsed() {
        let got = on(PAGE, r#"{"title":"title","h1":"h1"}"#);
        assert_eq!(got["title"], one("The title"));
        assert_eq!(got["h1"], one("Hello world var x;"), "textContent: every descendant text node");
    }

    #[test]
    fn a_name_ending_in_brackets_gives_every_match_in_document_order() {
        let got = on(PAGE, r#"{"h1[]":"h1","hrefs[]":"nav a@href","none[]":"article"}"#);
        assert_eq!(got["h1"], all(&["Hello world var x;", "Second"]));
        assert_eq!(got["hrefs"], all(&["/a", "mailto:x@y"]), "only elements with the attribute");
        assert_eq!(got["none"], all(&[]), "no match: an empty list");
    }

    #[test]
    fn an_attribute_after_at_gives_its_value_as_written() {
        let got = on(PAGE, r#"{"description":"meta[name=description]@content","mail":"a[href^='mailto:x@y']"}"#);
        assert_eq!(got["description"], one("  A  page & more "), "entities decoded, spacing kept");
        assert_eq!(got["mail"], one("mail"), "an @ inside an attribute selector is the selector's");
    }

    #[test]
    fn a_field_that_matches_nothing_is_null() {
        let got = on(PAGE, r#"{"h2":"h2","missing":"meta[name=author]@content","nohref":"title@href"}"#);
        assert_eq!(got["h2"], FieldValue::First(None), "template content is inert");
        assert_eq!(got["missing"], FieldValue::First(None));
        assert_eq!(got["nohref"], FieldValue::First(None));
        assert_eq!(serde_json::to_string(&got).expect("serialises"), r#"{"h2":null,"missing":null,"nohref":null}"#);
    }

    #[test]
    fn field_values_round_trip_through_json() {
        let got = on(PAGE, r#"{"title":"title","h1[]":"h1","h2":"h2"}"#);
        let text = serde_json::to_string(&got).expect("serialises");
        assert_eq!(serde_json::from_str::<Fields>(&text).expect("parses"), got);
    }

    #[test]
    fn bad_fields_are_refused_naming_the_field() {
        let e = |json: &str| parse(&serde_json::from_str(json).expect("test JSON")).unwrap_err();
        for (json, option, says) in [
            (r#"{"h1":"h1[[["}"#, "extract.h1", "not a valid CSS selector"),
            (r#"{"h1":"h1 >"}"#, "extract.h1", "not a valid CSS selector"),
            (r#"{"h1":""}"#, "extract.h1", "empty"),
            (r#"{"h1":"  "}"#, "extract.h1", "empty"),
            (r#"{"d":"meta@"}"#, "extract.d", "empty attribute name"),
            (r#"{"d":"@content"}"#, "extract.d", "empty"),
            (r#"{"d":"meta@con tent"}"#, "extract.d", "not an attribute name"),
            (r#"{"":"h1"}"#, "extract.", "needs a name"),
            (r#"{"[]":"h1"}"#, "extract.[]", "needs a name"),
            (r#"{"h1":1}"#, "extract.h1", "as a string"),
            (r#"{"h1":["h1"]}"#, "extract.h1", "as a string"),
            (r#"{"h1":null}"#, "extract.h1", "as a string"),
            (r#"{"h1":"h1","h1[]":"h1"}"#, "extract.h1[]", "twice"),
            (r#"["h1"]"#, "extract", "object"),
            (r#""h1""#, "extract", "object"),
        ] {
            let err = e(json);
            assert_eq!(err.option, option, "{json}");
            assert!(err.to_string().starts_with(&format!("{option}: ")), "{err}");
            assert!(err.message.contains(says), "{json}: {err}");
            assert!(!err.message.contains('\n'), "one line: {err}");
        }
        assert!(parse(&Value::Null).expect("null").is_empty());
        assert!(parse(&serde_json::json!({})).expect("{}").is_empty());
    }
}
