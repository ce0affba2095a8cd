//! The crawl as a Scrapy spider: `crawlscope.scrapySpider(options, { redis })`.
//!
//! One self-contained Python file, runnable with `scrapy runspider`. It holds
//! the options as data (`CRAWL`, literals from [`super::python`], so no
//! option text can become code), the Scrapy settings they map to, and the
//! engine's rules ported to Python (`scrapy_common.py`): the host rule, the
//! link tags, nofollow, `<base href>`, redirects as aliases, the budget. Then
//! one of two frontiers: this process's own (`scrapy_local.py`), or, with
//! `redis`, a scrapy-redis spider whose queue and seen set live in Redis and
//! are shared by every worker started on the same file (`scrapy_redis.py`).
//!
//! Options are parsed by [`Options`] (in the page with the browser's `URL`
//! for international hosts, as `crawlscope.start` reads them), so a bad one
//! is refused with the same error, naming it, as `crawlscope.start` gives. Options with
//! no exact counterpart are written out as comments saying why.

use crate::options::{Options, OptionsError, Order};
use crate::retry::RETRY_STATUSES;
use serde_json::{json, Value};
use url::Url;

use super::python;

const COMMON: &str = include_str!("scrapy_common.py");
const LOCAL: &str = include_str!("scrapy_local.py");
const REDIS: &str = include_str!("scrapy_redis.py");

/// How long an idle scrapy-redis worker waits for more work before it
/// closes (it looks at the shared queue again every second meanwhile).
pub const IDLE_CLOSE_SECS: u32 = 20;

/// The spider for options given as JSON text (the JS API's object), and an
/// optional Redis URL (`redis://host:port/db`).
pub fn spider_from_json(options_json: &str, redis: Option<&str>) -> Result<String, OptionsError> {
    spider(&Options::from_json(options_json)?, redis)
}

/// The Python source of the spider for `options`; with `redis`, a
/// scrapy-redis spider sharing its frontier through that server.
pub fn spider(options: &Options, redis: Option<&str>) -> Result<String, OptionsError> {
    let redis = redis.map(redis_url).transpose()?;
    let crawl = crawl_data(options);
    let key = format!("crawlscope:{:016x}", fnv1a(crawl.to_string().as_bytes()));
    let mut out = String::new();
    out.push_str(&header(options, redis.as_deref(), &key));
    out.push_str(&format!("\nCRAWL = {}\n", python::value(&crawl)));
    out.push_str(&format!("\nSETTINGS = {{\n{}}}\n", settings(options, redis.as_deref(), &key)));
    if redis.is_some() {
        out.push_str(&format!(
            "# The Redis keys of this crawl (its queue, seen set, budget) start with this.\nKEY = {}\n",
            python::string(&key)
        ));
    }
    out.push_str(COMMON);
    out.push_str(if redis.is_some() { REDIS } else { LOCAL });
    Ok(out)
}

/// A `redis://` or `rediss://` URL with a host, else an error naming `redis`.
fn redis_url(text: &str) -> Result<String, OptionsError> {
    let refuse = |why: String| OptionsError { option: "redis".into(), message: why };
    let url = Url::parse(text.trim())
        .map_err(|e| refuse(format!("`{text}` is not a URL ({e}); give redis://host:port/db")))?;
    if !matches!(url.scheme(), "redis" | "rediss") {
        return Err(refuse(format!("`{text}` is not a redis:// URL; give redis://host:port/db")));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse(format!("`{text}` has no host; give redis://host:port/db")));
    }
    let db = url.path().trim_start_matches('/');
    if !db.is_empty() && db.parse::<u32>().is_err() {
        return Err(refuse(format!("`{text}`: the path must be a database number, got `{db}`")));
    }
    Ok(url.to_string())
}

/// What the Python rules read: the options the spider itself applies.
fn crawl_data(options: &Options) -> Value {
    json!({
        "roots": options.roots.iter().map(Url::as_str).collect::<Vec<_>>(),
        "strict": options.strict,
        "exclude": options.exclude.as_ref().map(|e| e.pattern.as_str()),
        "depthLimit": options.depth_limit,
        "maxPages": options.max_pages,
        "respectNofollow": options.respect_nofollow,
        "robots": options.robots,
    })
}

/// The Scrapy settings, one per line, each with the option it comes from.
fn settings(options: &Options, redis: Option<&str>, key: &str) -> String {
    let bfs = options.order == Order::Bfs;
    let queue = |kind: &str| format!("scrapy.squeues.{}{}", kind, if bfs { "Fifo" } else { "Lifo" });
    let codes: Vec<Value> = RETRY_STATUSES.iter().map(|s| json!(s)).collect();
    let mut lines: Vec<(&str, Value, String)> = vec![
        ("CONCURRENT_REQUESTS", json!(options.max_tasks), "maxTasks".into()),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", json!(options.per_host_concurrency), "perHostConcurrency".into()),
        (
            "DOWNLOAD_DELAY",
            json!(f64::from(options.delay_ms) / 1000.0),
            "delayMs: between two requests to one host".into(),
        ),
        ("DOWNLOAD_DELAY_JITTER", json!(0), "delayMs is exact: no random spread".into()),
        ("RETRY_TIMES", json!(options.max_tries - 1), "maxTries counts the first try; Scrapy counts retries".into()),
        ("RETRY_HTTP_CODES", Value::Array(codes), "the statuses crawlscope retries".into()),
        ("DOWNLOAD_TIMEOUT", json!(f64::from(options.timeout_ms) / 1000.0), "timeoutMs, per attempt".into()),
        (
            "ROBOTSTXT_OBEY",
            json!(options.robots != Some(false)),
            "robots (null: loopback requests skip it, see request())".into(),
        ),
        (
            "ROBOTSTXT_USER_AGENT",
            json!("crawlscope"),
            "the product token crawlscope's rules are matched against".into(),
        ),
        (
            "DOWNLOAD_MAXSIZE",
            json!(options.max_body_bytes),
            "maxBodyBytes: Scrapy drops a larger body, see above".into(),
        ),
        ("DEPTH_LIMIT", json!(options.depth_limit), "depthLimit (the spider skips deeper links itself too)".into()),
        ("DEPTH_PRIORITY", json!(u8::from(bfs)), format!("order {}", if bfs { "bfs" } else { "dfs" })),
        ("REDIRECT_MAX_TIMES", json!(options.max_redirect), "maxRedirect: Scrapy sees every hop".into()),
        ("METAREFRESH_ENABLED", json!(false), "crawlscope follows no <meta http-equiv=refresh>".into()),
        ("COOKIES_ENABLED", json!(false), "crawlscope fetches with credentials: omit".into()),
        ("TELNETCONSOLE_ENABLED", json!(false), "no console port to collide with other workers".into()),
        ("LOG_LEVEL", json!("INFO"), String::new()),
    ];
    match redis {
        None => {
            lines.push(("SCHEDULER_MEMORY_QUEUE", json!(queue("") + "MemoryQueue"), "order".into()));
            lines.push(("SCHEDULER_DISK_QUEUE", json!(queue("Pickle") + "DiskQueue"), "order".into()));
        }
        Some(url) => {
            let class = if bfs { "FifoQueue" } else { "LifoQueue" };
            lines.extend([
                ("REDIS_URL", json!(url), "the shared frontier".into()),
                ("SCHEDULER", json!("scrapy_redis.scheduler.Scheduler"), "the queue lives in Redis".into()),
                ("SCHEDULER_QUEUE_CLASS", json!(format!("scrapy_redis.queue.{class}")), "order".into()),
                ("SCHEDULER_QUEUE_KEY", json!(format!("{key}:requests")), String::new()),
                ("SCHEDULER_DUPEFILTER_KEY", json!(format!("{key}:dupefilter")), "unused: see Frontier".into()),
                ("DUPEFILTER_CLASS", json!("scrapy_redis.dupefilter.RFPDupeFilter"), String::new()),
                ("SCHEDULER_PERSIST", json!(true), "a worker that ends must not clear the others' queue".into()),
                ("MAX_IDLE_TIME_BEFORE_CLOSE", json!(IDLE_CLOSE_SECS), "seconds an idle worker waits for work".into()),
            ]);
        }
    }
    lines
        .into_iter()
        .map(|(name, value, why)| {
            let comment = if why.is_empty() { String::new() } else { format!("  # {why}") };
            format!("    {}: {},{comment}\n", python::string(name), python::value(&value))
        })
        .collect()
}

/// The file's opening comment: how to run it, and every option that does
/// not map exactly, with why. Option text never appears here raw.
fn header(options: &Options, redis: Option<&str>, key: &str) -> String {
    let mut h = String::from(
        "# A Scrapy spider exported by crawlscope: the crawl designed in the playground, run by Scrapy.\n\
         # Each item is one page with the Report's fields (url, aliases, status, contentType, links, depth,\n\
         # parent, error, outcome, ...); the playground's \"Load report...\" shows the .jsonl file.\n#\n",
    );
    match redis {
        None => h.push_str(
            "# Run it:\n#     pip install scrapy==2.19.0\n#     scrapy runspider crawlscope_spider.py -o pages.jsonl\n",
        ),
        Some(url) => {
            h.push_str(&format!(
                "# A scrapy-redis spider: its request queue and its seen set live in Redis at {url_literal},\n\
                 # so any number of processes, on any number of machines, share one frontier, and no URL is\n\
                 # fetched twice. Each worker seeds the roots (only the first one enqueues them).\n\
                 # Run one worker, and as many more as you like, the same way, anywhere that reaches Redis:\n\
                 #     pip install scrapy==2.19.0 scrapy-redis==0.9.1\n\
                 #     scrapy runspider crawlscope_spider.py -o pages-$(hostname)-$$.jsonl\n\
                 # A worker with nothing to do looks at the queue every second and ends after {IDLE_CLOSE_SECS} s idle\n\
                 # (-s MAX_IDLE_TIME_BEFORE_CLOSE=N to change it; 0 waits for ever). The union of the workers'\n\
                 # .jsonl files is the crawl. The keys stay in Redis (so a late worker finds nothing to redo);\n\
                 # to crawl again from scratch, delete them:\n\
                 #     redis-cli -u REDIS_URL --scan --pattern '{key}:*' | xargs redis-cli -u REDIS_URL del\n",
                url_literal = python::string(url),
            ));
        }
    }
    h.push_str(
        "#\n# How the options map (see SETTINGS below for the exact ones):\n\
         # - roots -> start(); strict -> the same host rule as crawlscope (in_scope), not allowed_domains;\n\
         #   exclude -> the same regex, searched in the whole URL; respectNofollow, and the link tags, <base href>\n\
         #   and rel=canonical -> extract(); depthLimit -> DEPTH_LIMIT; maxPages -> the same enqueue budget\n\
         #   (Frontier.claim).\n\
         # Not exactly:\n\
         # - exclude: crawlscope uses regex-lite, this uses Python's re (with re.ASCII); the common syntax\n\
         #   means the same, but Python accepts look-around and backreferences that crawlscope refuses.\n\
         # - order: DEPTH_PRIORITY and FIFO/LIFO queues give the same order with one request at a time; with\n\
         #   more in flight the order depends on timing, as in crawlscope.\n\
         # - maxBodyBytes -> DOWNLOAD_MAXSIZE: Scrapy drops a larger body (the page fails), crawlscope cuts it\n\
         #   and marks the page truncated.\n\
         # - maxRedirect -> REDIRECT_MAX_TIMES: Scrapy sees every hop, so the limit is exact, as crawlscope's is\n\
         #   through the local proxy (browser fetch can only follow up to 20 or refuse).\n\
         # - robots -> ROBOTSTXT_OBEY with Scrapy's Protego parser: a robots.txt that cannot be fetched allows\n\
         #   everything in Scrapy, where crawlscope disallows everything on a 5xx.\n\
         # - URLs are resolved with urljoin and w3lib's safe_url_string: the same as the WHATWG URL parser on\n\
         #   ordinary URLs, not on every odd one (crawlscope normalises hosts and ports further).\n",
    );
    h.push_str(&format!(
        "# - backoffMs ({}): no counterpart. Scrapy retries at once, requeued at a lower priority, and does not\n\
         #   read Retry-After.\n\
         # - parseSliceMs ({}): no counterpart. It keeps a browser tab responsive; Scrapy parses in its own process.\n",
        options.backoff_ms, options.parse_slice_ms
    ));
    if options.proxy {
        h.push_str(
            "# - proxy (true): no counterpart. The local proxy gets a browser past CORS; Scrapy has no CORS wall\n\
             #   and fetches every URL directly.\n",
        );
    } else {
        h.push_str("# - proxy: no counterpart (the local proxy exists for browsers only).\n");
    }
    // Only a count: field names are the user's text and must not reach the file outside a literal.
    h.push_str(&format!(
        "# - extract ({} fields): not exported yet; the spider's items carry no `fields`.\n",
        options.extract.len()
    ));
    h.push_str(
        "# The engine's redirect rule holds: a requested URL that redirects to a page already found is that\n\
         # page's alias; the spider then yields {\"url\": final, \"aliases\": [requested], \"outcome\": \"alias\"}\n\
         # and Load report merges it into the page.\n",
    );
    h
}

/// FNV-1a, 64 bits: a stable name for this crawl's Redis keys.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spider_for(json: &str) -> String {
        spider_from_json(json, None).expect("valid options")
    }

    #[test]
    fn bad_options_are_refused_naming_the_option_as_start_does() {
        for (json, option) in [
            (r#"{"roots":["http://a/"],"maxTasks":0}"#, "maxTasks"),
            (r#"{"roots":["not a url"]}"#, "roots[0]"),
            (r#"{"roots":["http://a/"],"exclude":"("}"#, "exclude"),
            (r#"{"roots":["http://a/"],"bogus":1}"#, "bogus"),
            ("{}", "roots"),
        ] {
            let e = spider_from_json(json, None).unwrap_err();
            assert_eq!(e, Options::from_json(json).unwrap_err(), "{json}");
            assert_eq!(e.option, option);
        }
    }

    #[test]
    fn a_redis_url_must_be_one() {
        let ok = r#"{"roots":["http://a/"]}"#;
        for bad in ["", "http://h:6379/0", "redis://", "redis://h:6379/x", "not a url"] {
            let e = spider_from_json(ok, Some(bad)).unwrap_err();
            assert_eq!(e.option, "redis", "{bad}");
        }
        let s = spider_from_json(ok, Some("redis://127.0.0.1:6379/2")).expect("valid");
        assert!(s.contains(r#""REDIS_URL": "redis://127.0.0.1:6379/2","#), "{s}");
        assert!(s.contains("class CrawlscopeSpider(CrawlscopeRules, RedisSpider)"));
        assert!(s.contains(r#""SCHEDULER_PERSIST": True"#));
    }

    #[test]
    fn every_option_maps_to_its_setting() {
        let s = spider_for(
            r#"{"roots":["http://a/"],"maxTasks":3,"perHostConcurrency":2,"delayMs":250,"maxTries":5,
                "timeoutMs":1500,"robots":false,"maxBodyBytes":1000,"depthLimit":4,"maxRedirect":3,"order":"dfs"}"#,
        );
        for line in [
            r#""CONCURRENT_REQUESTS": 3,"#,
            r#""CONCURRENT_REQUESTS_PER_DOMAIN": 2,"#,
            r#""DOWNLOAD_DELAY": 0.25,"#,
            r#""RETRY_TIMES": 4,"#,
            r#""RETRY_HTTP_CODES": [408, 429, 500, 502, 503, 504],"#,
            r#""DOWNLOAD_TIMEOUT": 1.5,"#,
            r#""ROBOTSTXT_OBEY": False,"#,
            r#""DOWNLOAD_MAXSIZE": 1000,"#,
            r#""DEPTH_LIMIT": 4,"#,
            r#""DEPTH_PRIORITY": 0,"#,
            r#""REDIRECT_MAX_TIMES": 3,"#,
            r#""SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.LifoMemoryQueue","#,
        ] {
            assert!(s.contains(line), "{line} in\n{s}");
        }
        let bfs = spider_for(r#"{"roots":["http://a/"]}"#);
        assert!(bfs.contains(r#""DEPTH_PRIORITY": 1,"#) && bfs.contains("FifoMemoryQueue"));
        assert!(bfs.contains(r#""ROBOTSTXT_OBEY": True,"#), "robots: null is on, loopback aside");
        assert!(bfs.contains("class CrawlscopeSpider(CrawlscopeRules, scrapy.Spider)"));
        assert!(!bfs.contains("scrapy_redis"), "the one-process spider needs no scrapy-redis");
    }

    #[test]
    fn option_text_appears_only_as_escaped_literals() {
        let json = serde_json::json!({
            "roots": ["http://a/?q='\"\"\"\\"],
            "exclude": "x\"\"\"\n'''\\\\\u{2028}é\nimport os",
        });
        for redis in [None, Some("redis://h/0")] {
            let s = spider_from_json(&json.to_string(), redis).expect("valid");
            assert!(s.is_ascii(), "the whole file is ASCII");
            assert!(!s.contains("\nimport os"), "a newline in exclude cannot start a line of code");
            assert!(s.contains(r#""exclude": "x\"\"\"\x0a'''\\\\\u2028\xe9\x0aimport os""#), "{s}");
        }
    }

    #[test]
    fn one_crawl_has_one_key_and_another_crawl_another() {
        let key = |json: &str| {
            let s = spider_from_json(json, Some("redis://h/0")).expect("valid");
            s.lines().find(|l| l.starts_with("KEY = ")).map(String::from).expect("a KEY line")
        };
        let a = key(r#"{"roots":["http://a/"]}"#);
        assert_eq!(a, key(r#"{"roots":["http://a/"]}"#));
        assert_ne!(a, key(r#"{"roots":["http://b/"]}"#));
    }
}
