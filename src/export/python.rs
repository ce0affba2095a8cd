//! Python literals from JSON values, safe for any text.
//!
//! A root or an `exclude` pattern is the user's text, and it lands inside a
//! program: a quote, a backslash or a newline in it must stay data. Every
//! string is written as a double-quoted literal holding printable ASCII
//! only: `"` and `\` are escaped, every other character outside `' '..='~'`
//! becomes `\xNN`, `\uNNNN` or `\UNNNNNNNN`. There is no raw newline, no
//! non-ASCII and no quote that could end the literal early, so the literal
//! also stays on its one line when it is quoted in a `#` comment.

use serde_json::Value;
use std::fmt::Write;

/// `text` as a Python string literal (see the module comment).
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            ' '..='~' => out.push(c),
            // Writing to a String cannot fail.
            c if (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// A JSON value as the Python literal that means the same: `None`, `True`,
/// `False`, numbers, strings (see [`string`]), lists and dicts.
pub fn value(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        // serde_json numbers are finite: their text is a valid Python number.
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => format!("[{}]", items.iter().map(self::value).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let members: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", string(k), self::value(v))).collect();
            format!("{{{}}}", members.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_becomes_one_line_of_printable_ascii() {
        let hostile = "a\"\"\"b'''c\\\n\r\u{0}\u{7f}é\u{2028}\u{1f600}\"; import os #";
        let literal = string(hostile);
        assert!(literal.chars().all(|c| (' '..='~').contains(&c)), "{literal}");
        assert!(literal.starts_with('"') && literal.ends_with('"'));
        // Between the outer quotes, every `"` is escaped by an odd run of backslashes.
        let inner = &literal[1..literal.len() - 1];
        let bytes = inner.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'"' {
                let run = bytes[..i].iter().rev().take_while(|c| **c == b'\\').count();
                assert_eq!(run % 2, 1, "an unescaped quote at {i} in {literal}");
            }
        }
        assert!(!inner.ends_with('\\') || inner.ends_with("\\\\"), "{literal}");
        assert_eq!(literal, r#""a\"\"\"b'''c\\\x0a\x0d\x00\x7f\xe9\u2028\U0001f600\"; import os #""#);
    }

    #[test]
    fn json_values_map_to_python_literals() {
        let v = serde_json::json!({"a": [1, 2.5, null, true, false], "b\n": {"c": "d"}});
        assert_eq!(value(&v), r#"{"a": [1, 2.5, None, True, False], "b\x0a": {"c": "d"}}"#);
    }
}
