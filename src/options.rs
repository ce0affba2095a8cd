//! Crawl options: parsed from the JS API's camelCase object (as JSON),
//! validated once, and never silently ignored — an unknown option or a bad
//! value is an error that names it.

use crate::env::{parse_url, Idna, NoIdna};
use crate::extract::Field;
use regex_lite::Regex;
use serde_json::{Map, Value};
use url::Url;

/// Queue discipline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Breadth-first: a FIFO queue (the seed's order).
    Bfs,
    /// Depth-first: a LIFO queue.
    Dfs,
}

/// The `exclude` pattern: the text as given, and compiled.
#[derive(Clone, Debug)]
pub struct Exclude {
    pub pattern: String,
    pub regex: Regex,
}

impl PartialEq for Exclude {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

/// A validated crawl configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Start URLs, normalised (scheme added when missing, fragment removed).
    pub roots: Vec<Url>,
    /// Worker tasks, hence the most fetches in flight at once.
    pub max_tasks: usize,
    /// Attempts per URL when the network fails (total, not extra retries).
    pub max_tries: u32,
    /// Per-attempt limit; the engine's own timer drops (aborts) the fetch.
    pub timeout_ms: u32,
    /// Host scope: `true` = same host modulo a leading `www.`;
    /// `false` = same last two labels. IP hosts always match literally.
    pub strict: bool,
    /// 0: `redirect: "error"` (no redirect is followed). Anything else: the
    /// browser follows up to its own limit of 20, because `fetch` hides the
    /// hops and a chain's length cannot be seen (see the README). Through
    /// the local proxy (`proxy`) the limit holds exactly.
    pub max_redirect: u32,
    /// URLs matching this regex (searched in the whole URL) are skipped.
    pub exclude: Option<Exclude>,
    /// Pages deeper than this many links from a root are not enqueued (0: no limit).
    pub depth_limit: u32,
    /// At most this many URLs are enqueued in all (0: no limit).
    pub max_pages: u32,
    pub order: Order,
    /// Skip `rel=nofollow` links and pages with `<meta name=robots content=nofollow>`.
    pub respect_nofollow: bool,
    /// Fetches in flight to one host at most (6 is Chromium's HTTP/1.1 cap).
    pub per_host_concurrency: usize,
    /// Milliseconds between the starts of two requests to one host.
    pub delay_ms: u32,
    /// Obey `/robots.txt`. `None`: on for every host but loopback ones.
    pub robots: Option<bool>,
    /// Bodies are cut at this many bytes (and the page marked truncated).
    pub max_body_bytes: u64,
    /// First retry delay; doubled each retry, with jitter.
    pub backoff_ms: u32,
    /// How long a burst of parsing may run on the browser's thread before the
    /// task yields the event loop back (`setTimeout(0)`). Small keeps the page
    /// responsive; a huge value (60000) means, in effect, never yield — the
    /// blocking behaviour the spinner scene shows.
    pub parse_slice_ms: u32,
    /// Send every request (robots.txt included) through the local proxy the
    /// page's own server announces, so sites without CORS headers can be
    /// crawled and every redirect hop is seen. Where none is announced the
    /// crawl is refused with an error naming `proxy`.
    pub proxy: bool,
    /// Named CSS selectors (`extract`): each HTML page gets a `fields`
    /// object. Empty: no extraction, and no page builds scraper's tree
    /// unless its links need it (see [`crate::extract`]).
    pub extract: Vec<Field>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            roots: Vec::new(),
            max_tasks: 10,
            max_tries: 4,
            timeout_ms: 15_000,
            strict: true,
            max_redirect: 10,
            exclude: None,
            depth_limit: 0,
            max_pages: 0,
            order: Order::Bfs,
            respect_nofollow: false,
            per_host_concurrency: 6,
            delay_ms: 0,
            robots: None,
            max_body_bytes: 10 * 1024 * 1024,
            backoff_ms: 500,
            parse_slice_ms: 8,
            proxy: false,
            extract: Vec::new(),
        }
    }
}

/// Why options were refused; `Display` is the message the page and the JS
/// API show, and it always names the option.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionsError {
    /// The option at fault, as the user wrote it (`roots[1]`, `maxTasks`, …).
    pub option: String,
    pub message: String,
}

impl std::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

impl std::error::Error for OptionsError {}

fn err(option: impl Into<String>, message: impl Into<String>) -> OptionsError {
    OptionsError { option: option.into(), message: message.into() }
}

/// The options `parse` accepts, for error messages.
pub const KNOWN: [&str; 19] = [
    "roots",
    "maxTasks",
    "maxTries",
    "timeoutMs",
    "strict",
    "maxRedirect",
    "exclude",
    "depthLimit",
    "maxPages",
    "order",
    "respectNofollow",
    "perHostConcurrency",
    "delayMs",
    "robots",
    "maxBodyBytes",
    "backoffMs",
    "parseSliceMs",
    "proxy",
    "extract",
];

impl Options {
    /// Parse options given as a JSON object text (a root with an
    /// international host is refused: see [`Options::from_json_with`]).
    pub fn from_json(text: &str) -> Result<Options, OptionsError> {
        Self::from_json_with(text, &NoIdna)
    }

    /// Parse options given as a JSON object text; `idna` converts a root's
    /// international host (the browser's `URL` in the page).
    pub fn from_json_with(text: &str, idna: &dyn Idna) -> Result<Options, OptionsError> {
        let value: Value = serde_json::from_str(text).map_err(|e| err("options", format!("not valid JSON ({e})")))?;
        match value {
            Value::Object(map) => Self::from_map(&map, idna),
            _ => Err(err("options", "expected an object like {\"roots\": [\"https://example.com/\"]}")),
        }
    }

    /// Parse options from a JSON object.
    pub fn from_map(map: &Map<String, Value>, idna: &dyn Idna) -> Result<Options, OptionsError> {
        let mut options = Options::default();
        for (key, value) in map {
            match key.as_str() {
                "roots" => options.roots = parse_roots(value, idna)?,
                "maxTasks" => options.max_tasks = int(key, value, 1, 256)? as usize,
                "maxTries" => options.max_tries = int(key, value, 1, 20)? as u32,
                "timeoutMs" => options.timeout_ms = int(key, value, 1, 3_600_000)? as u32,
                "strict" => options.strict = boolean(key, value)?,
                "maxRedirect" => options.max_redirect = int(key, value, 0, 20)? as u32,
                "exclude" => options.exclude = parse_exclude(value)?,
                "depthLimit" => options.depth_limit = int(key, value, 0, 1_000_000)? as u32,
                "maxPages" => options.max_pages = int(key, value, 0, 10_000_000)? as u32,
                "order" => {
                    options.order = match value.as_str() {
                        Some("bfs" | "breadth-first") => Order::Bfs,
                        Some("dfs" | "depth-first") => Order::Dfs,
                        _ => return Err(err(key, format!("must be \"bfs\" or \"dfs\", got {value}"))),
                    }
                }
                "respectNofollow" => options.respect_nofollow = boolean(key, value)?,
                "perHostConcurrency" => options.per_host_concurrency = int(key, value, 1, 256)? as usize,
                "delayMs" => options.delay_ms = int(key, value, 0, 600_000)? as u32,
                "robots" => options.robots = if value.is_null() { None } else { Some(boolean(key, value)?) },
                "maxBodyBytes" => options.max_body_bytes = int(key, value, 1, 1 << 30)?,
                "backoffMs" => options.backoff_ms = int(key, value, 0, 600_000)? as u32,
                // At least 1 ms: 0 would yield before every chunk, however small the page.
                "parseSliceMs" => options.parse_slice_ms = int(key, value, 1, 60_000)? as u32,
                "proxy" => options.proxy = boolean(key, value)?,
                "extract" => options.extract = crate::extract::parse(value)?,
                _ => {
                    return Err(err(key, format!("unknown option (known: {})", KNOWN.join(", "))));
                }
            }
        }
        if options.roots.is_empty() {
            return Err(err("roots", "give at least one start URL, e.g. roots: [\"https://example.com/\"]"));
        }
        Ok(options)
    }
}

impl Options {
    /// The options as the JS API spells them (every option, defaults included).
    pub fn to_value(&self) -> Value {
        serde_json::json!({
            "roots": self.roots.iter().map(Url::as_str).collect::<Vec<_>>(),
            "maxTasks": self.max_tasks,
            "maxTries": self.max_tries,
            "timeoutMs": self.timeout_ms,
            "strict": self.strict,
            "maxRedirect": self.max_redirect,
            "exclude": self.exclude.as_ref().map(|e| e.pattern.as_str()),
            "depthLimit": self.depth_limit,
            "maxPages": self.max_pages,
            "order": match self.order { Order::Bfs => "bfs", Order::Dfs => "dfs" },
            "respectNofollow": self.respect_nofollow,
            "perHostConcurrency": self.per_host_concurrency,
            "delayMs": self.delay_ms,
            "robots": self.robots,
            "maxBodyBytes": self.max_body_bytes,
            "backoffMs": self.backoff_ms,
            "parseSliceMs": self.parse_slice_ms,
            "proxy": self.proxy,
            "extract": self.extract.iter().map(|f| (f.key(), Value::from(f.source.as_str()))).collect::<Map<_, _>>(),
        })
    }
}

fn boolean(key: &str, value: &Value) -> Result<bool, OptionsError> {
    value.as_bool().ok_or_else(|| err(key, format!("must be true or false, got {value}")))
}

fn parse_exclude(value: &Value) -> Result<Option<Exclude>, OptionsError> {
    let pattern = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::String(s) => s.clone(),
        _ => return Err(err("exclude", format!("must be a regular expression as a string, got {value}"))),
    };
    // regex-lite guarantees linear-time matching, so a pattern cannot hang a crawl.
    let regex = Regex::new(&pattern)
        .map_err(|e| err("exclude", format!("`{pattern}` is not a valid regex-lite pattern: {e}")))?;
    Ok(Some(Exclude { pattern, regex }))
}

fn int(key: &str, value: &Value, min: u64, max: u64) -> Result<u64, OptionsError> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(err(key, format!("must be a whole number from {min} to {max}, got {value}"))),
    }
}

fn parse_roots(value: &Value, idna: &dyn Idna) -> Result<Vec<Url>, OptionsError> {
    let list = value.as_array().ok_or_else(|| err("roots", format!("must be an array of URL strings, got {value}")))?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let name = format!("roots[{i}]");
            let text = v.as_str().ok_or_else(|| err(&name, format!("must be a string, got {v}")))?;
            parse_root(text, idna).map_err(|m| err(&name, m))
        })
        .collect()
}

/// Normalise one start URL the way a user means it: a missing scheme is
/// added (`http://` for loopback hosts, else `https://`, because an https
/// page may not fetch plain http), the fragment is dropped.
pub fn parse_root(text: &str, idna: &dyn Idna) -> Result<Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty; give a URL such as https://example.com/".into());
    }
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        let host = text.split(['/', ':', '?', '#']).next().unwrap_or("");
        let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
        format!("{}://{text}", if loopback { "http" } else { "https" })
    };
    let mut url = parse_url(idna, None, &with_scheme).map_err(|e| format!("`{text}` is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` is not an http(s) URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The browser's `URL` for one international host.
    struct Bucher;

    impl Idna for Bucher {
        fn to_ascii(&self, input: &str, _base: Option<&str>) -> Option<String> {
            Some(input.replace("bücher.example", "xn--bcher-kva.example"))
        }
    }

    #[test]
    fn a_root_with_an_international_host_is_converted_or_refused_with_a_reason() {
        let json = r#"{"roots":["bücher.example/a#x"]}"#;
        let o = Options::from_json_with(json, &Bucher).expect("converted");
        assert_eq!(o.roots[0].as_str(), "https://xn--bcher-kva.example/a");
        let e = Options::from_json(json).unwrap_err();
        assert_eq!(e.option, "roots[0]");
        assert!(e.message.contains("international domain name"), "{e}");
    }

    #[test]
    fn defaults_apply_and_roots_are_normalised() {
        let o = Options::from_json(r#"{"roots":["127.0.0.1:8081/a#frag","example.com"]}"#).expect("valid");
        assert_eq!(o.roots[0].as_str(), "http://127.0.0.1:8081/a");
        assert_eq!(o.roots[1].as_str(), "https://example.com/");
        assert_eq!((o.max_tasks, o.max_tries, o.timeout_ms, o.strict), (10, 4, 15_000, true));
        let again = Options::from_json(&o.to_value().to_string()).expect("round trip");
        assert_eq!(again, o);
    }

    #[test]
    fn unknown_options_and_bad_values_name_the_option() {
        let e = Options::from_json(r#"{"roots":["http://a/"],"bogus":1}"#).unwrap_err();
        assert_eq!(e.option, "bogus");
        let e = Options::from_json(r#"{"roots":["http://a/"],"maxTasks":0}"#).unwrap_err();
        assert_eq!(e.option, "maxTasks");
        let e = Options::from_json(r#"{"roots":["http://a/"],"maxTasks":"3"}"#).unwrap_err();
        assert_eq!(e.option, "maxTasks");
        let e = Options::from_json(r#"{"roots":["not a url"]}"#).unwrap_err();
        assert_eq!(e.option, "roots[0]");
        let e = Options::from_json(r#"{"roots":["ftp://a/"]}"#).unwrap_err();
        assert!(e.to_string().contains("http"), "{e}");
        assert_eq!(Options::from_json("{}").unwrap_err().option, "roots");
        let e = Options::from_json(r#"{"roots":["http://a/"],"exclude":"("}"#).unwrap_err();
        assert_eq!(e.option, "exclude");
        let e = Options::from_json(r#"{"roots":["http://a/"],"order":"random"}"#).unwrap_err();
        assert_eq!(e.option, "order");
    }

    #[test]
    fn every_option_round_trips() {
        let text = r#"{"roots":["http://a/"],"maxTasks":3,"maxTries":2,"timeoutMs":500,"strict":false,
            "maxRedirect":0,"exclude":"\\.pdf$","depthLimit":2,"maxPages":50,"order":"dfs","respectNofollow":true,
            "perHostConcurrency":2,"delayMs":100,"robots":true,"maxBodyBytes":1000,"backoffMs":10,"parseSliceMs":60000,
            "proxy":true,"extract":{"title":"title","links[]":"nav a@href"}}"#;
        let o = Options::from_json(text).expect("valid");
        assert_eq!(o.exclude.as_ref().map(|e| e.pattern.as_str()), Some("\\.pdf$"));
        assert!(o.proxy);
        assert_eq!(o.extract.len(), 2);
        assert_eq!(Options::from_json(&o.to_value().to_string()).expect("round trip"), o);
        for key in KNOWN.iter().filter(|k| **k != "roots") {
            assert!(o.to_value().get(key).is_some(), "{key} is written back");
        }
        assert_eq!(Options::from_json("[1]").unwrap_err().option, "options");
    }

    #[test]
    fn parse_slice_ms_is_parsed_and_validated() {
        let o = Options::from_json(r#"{"roots":["http://a/"]}"#).expect("valid");
        assert_eq!(o.parse_slice_ms, 8, "the default slice");
        for n in [1, 50, 60_000] {
            let o = Options::from_json(&format!(r#"{{"roots":["http://a/"],"parseSliceMs":{n}}}"#)).expect("valid");
            assert_eq!(o.parse_slice_ms, n);
            assert_eq!(o.to_value()["parseSliceMs"], n);
        }
        for bad in ["0", "60001", "-1", "1.5", "\"8\"", "null", "true"] {
            let e = Options::from_json(&format!(r#"{{"roots":["http://a/"],"parseSliceMs":{bad}}}"#)).unwrap_err();
            assert_eq!(e.option, "parseSliceMs", "{bad}");
            assert!(e.to_string().starts_with("parseSliceMs: must be a whole number from 1 to 60000"), "{e}");
        }
        let e = Options::from_json(r#"{"roots":["http://a/"],"parseSlice":8}"#).unwrap_err();
        assert!(e.to_string().contains("parseSliceMs"), "the unknown-option message lists it: {e}");
    }
}
