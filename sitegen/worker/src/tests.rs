//! The worker must answer exactly what the native test server answers.

use super::*;
use serde_json::{json, Value};

/// Every field of an answer, comparable (`sitegen::Response` has no `PartialEq`).
fn fields(r: &Response) -> (u16, &str, Option<&str>, Option<u64>, bool, u64, &[u8]) {
    (r.status, &r.content_type, r.location.as_deref(), r.retry_after, r.drop_connection, r.latency_ms, &r.body)
}

/// What `testsite` does for a path: route it, then answer the `nth` request.
fn native(path: &str, nth: u64) -> Response {
    let (site, rest) = Site::route(path, &SiteConfig::default()).expect("a valid path");
    site.respond_nth(&rest, nth)
}

#[test]
fn every_kind_of_page_is_answered_as_the_native_server_answers_it() {
    let paths = [
        "/",
        "/robots.txt",
        "/page/3",
        "/old-a",
        "/chain",
        "/missing",
        "/error",
        "/data.json",
        "/based/",
        "/special/",
        "/drop",
        "/slow",
        "/charset/latin1",
        "/binary",
        "/away",
        "/s/pages=30;latency=300;seed=1/page/3",
        "/s/pages=25;latency=5;seed=1/",
        "/s/pages=5;links=2;latency=0;seed=7/page/5?x=1",
        "/s/pages=5%3Blatency=0/old-b",
        "/s/pages=5;latency=0/private/secret",
    ];
    for path in paths {
        assert_eq!(fields(&respond(path, 0)), fields(&native(path, 0)), "{path}");
    }
}

#[test]
fn pages_that_change_on_later_tries_follow_nth() {
    for (path, statuses) in [("/flaky", [503, 503, 200]), ("/s/latency=0/rate-limited", [429, 200, 200])] {
        let got: Vec<u16> = (0..3).map(|nth| respond(path, nth).status).collect();
        assert_eq!(got, statuses, "{path}");
        for nth in 0..3 {
            assert_eq!(fields(&respond(path, nth)), fields(&native(path, nth)), "{path} #{nth}");
        }
    }
    assert_eq!(respond("/s/latency=0/rate-limited", 0).retry_after, Some(1));
}

#[test]
fn redirects_carry_an_absolute_path_on_the_same_site() {
    let answer = respond("/s/pages=9;latency=0/chain", 0);
    assert_eq!((answer.status, answer.location.as_deref()), (307, Some("/s/pages=9;latency=0/chain-2")));
}

#[test]
fn bad_knobs_are_a_400_naming_them() {
    for (path, word) in [("/s/pages=x/", "pages"), ("/s/colour=3/", "colour"), ("/s/pages=0/page/1", "out of range")] {
        let answer = respond(path, 0);
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(answer.content_type, "text/plain; charset=utf-8");
        assert_eq!(answer.latency_ms, 0, "an error is not slowed down");
        let text = String::from_utf8(answer.body).expect("utf-8");
        assert!(text.contains(word), "{path}: {text}");
    }
}

/// `/__expected` exactly as testsite builds it (`serde_json::json!` per page).
fn testsite_expected(base: &str, origin: &str) -> Value {
    let (site, _) = Site::route(base, &SiteConfig::default()).expect("a valid base");
    let pages = site.expected(origin).into_iter().map(|page| {
        json!({
            "url": page.url,
            "aliases": page.aliases,
            "status": page.status,
            "contentType": page.content_type,
            "links": page.links,
        })
    });
    Value::Array(pages.collect())
}

#[test]
fn expected_is_the_native_servers_json() {
    let origin = "https://site.crawlscope.test";
    for base in ["/", "/s/pages=25;latency=5;seed=1/", "/s/pages=7;links=0;seed=3/"] {
        let answer = expected(base, origin);
        assert_eq!((answer.status, answer.content_type.as_str()), (200, "application/json"), "{base}");
        let ours: Value = serde_json::from_slice(&answer.body).expect("valid JSON");
        assert_eq!(ours, testsite_expected(base, origin), "{base}");
    }
    let ours: Value = serde_json::from_slice(&expected("/s/pages=25;latency=5;seed=1/", origin).body).expect("JSON");
    let two = ours
        .as_array()
        .and_then(|pages| pages.iter().find(|p| p["url"].as_str().is_some_and(|u| u.ends_with("/page/2"))));
    let aliases = two.map(|p| p["aliases"].clone());
    assert_eq!(
        aliases,
        Some(json!([
            "https://site.crawlscope.test/s/pages=25;latency=5;seed=1/old-a",
            "https://site.crawlscope.test/s/pages=25;latency=5;seed=1/old-b"
        ]))
    );
}

#[test]
fn expected_refuses_a_base_that_is_not_a_site() {
    assert_eq!(expected("/s/pages=5/page/1", "https://h").status, 400);
    assert_eq!(expected("/s/bogus=1/", "https://h").status, 400);
}

#[test]
fn json_strings_escape_what_json_requires() {
    let nasty = "a\"b\\c\nd\u{1}é/\u{7f}";
    let mut out = String::new();
    json::string(&mut out, nasty);
    assert_eq!(serde_json::from_str::<String>(&out).expect("valid JSON string"), nasty);
}
