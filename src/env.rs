//! What the engine needs from the outside world: a fetcher, a clock, a
//! spawner, a text decoder and a converter of international domain names.
//! The browser implements them with `web-sys` (see `web/`); native tests
//! implement them with an in-memory site, virtual time, a single-threaded
//! executor and `encoding_rs` (and leave international hosts unconverted).
//! The engine itself never touches `web-sys`.
//!
//! Every future here is `!Send`: the browser has one thread, and so do the
//! engine's tasks (`spawn_local`, `Rc`, `RefCell`).

use futures::future::LocalBoxFuture;
use std::rc::Rc;
use url::Url;

/// One GET request, as the engine asks for it.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchRequest {
    /// Absolute http(s) URL without a fragment.
    pub url: String,
    /// Follow redirects (the browser's limit is 20 hops), or refuse any
    /// (`redirect: "error"`: a redirect becomes a network error).
    pub follow_redirects: bool,
    /// Stop reading the body after this many bytes.
    pub max_body_bytes: u64,
    /// `maxRedirect`: the most hops to follow. Browser `fetch` cannot count
    /// hops (it only follows or refuses), so only the proxy fetcher uses it:
    /// it follows at most this many and hands back the response that would
    /// have needed one more.
    pub max_redirect: u32,
}

impl FetchRequest {
    /// A plain GET that follows redirects and reads up to 10 MB.
    pub fn get(url: impl Into<String>) -> Self {
        FetchRequest { url: url.into(), follow_redirects: true, max_body_bytes: 10 * 1024 * 1024, max_redirect: 20 }
    }
}

/// Exactly what browser `fetch` lets a cross-origin page see of a response
/// head — nothing more, so a native test cannot pass on behaviour a browser
/// does not have.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseHead {
    /// `Response.url`: the final URL after every redirect hop.
    pub url: String,
    /// `Response.redirected`: whether any hop happened (the hops are hidden).
    pub redirected: bool,
    /// `Response.status`.
    pub status: u16,
    /// CORS-safelisted response headers only, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Every redirect hop, in order, when the fetcher can see them (the
    /// local proxy can; browser `fetch` hides them, so it is empty there).
    pub hops: Vec<Hop>,
}

/// One redirect hop: `url` answered `status` and sent the fetcher on to `to`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub to: String,
}

impl Hop {
    /// The local proxy's `x-proxy-hops` header: hops separated by ` | `,
    /// each `STATUS URL -> URL`. A serialised URL holds no space, so every
    /// part is one whitespace-separated word. Hops that do not parse are
    /// left out.
    pub fn parse_list(text: &str) -> Vec<Hop> {
        text.split(" | ")
            .filter_map(|item| {
                let mut parts = item.split_whitespace();
                let status = parts.next()?.parse().ok()?;
                let url = parts.next()?.to_string();
                (parts.next()? == "->").then_some(())?;
                let to = parts.next()?.to_string();
                parts.next().is_none().then_some(Hop { url, status, to })
            })
            .collect()
    }
}

impl ResponseHead {
    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A body as read: its bytes, up to the request's cap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub bytes: Vec<u8>,
    /// The body was longer than `max_body_bytes` and was cut there.
    pub truncated: bool,
}

/// Reading a response body: a second await after the head (the browser's
/// body stream). Dropping it cancels the request.
pub type BodyFuture = LocalBoxFuture<'static, Result<Body, FetchError>>;

/// What `fetch` resolves to: the head, and the body still to be read.
pub struct Response {
    pub head: ResponseHead,
    pub body: BodyFuture,
}

/// A response with its body read: what the engine works on.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchResponse {
    pub head: ResponseHead,
    /// The body bytes (never decoded by the fetcher: charset is the engine's job).
    pub body: Vec<u8>,
    /// The body was cut at `max_body_bytes`.
    pub truncated: bool,
}

impl FetchResponse {
    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }
}

/// Why a fetch produced no response. In a browser a CORS refusal, a DNS
/// failure, a refused connection and a redirect loop are all the same
/// `TypeError`; the message keeps whatever the browser said.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchError {
    /// `fetch` rejected with a `TypeError` (network error, CORS refusal, …).
    Network(String),
    /// The request was aborted (the engine dropped it: stop or timeout).
    Aborted,
    /// The local proxy answered, but could not fetch the URL (its one-line
    /// reason: an unreachable host, its timeout, a refused target, …).
    Proxy(String),
}

/// The response headers a cross-origin page may read without
/// `Access-Control-Expose-Headers` (the Fetch standard's safelist).
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] =
    ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"];

/// Headers the engine reads only when the server exposes them with
/// `Access-Control-Expose-Headers` (the browser hides them otherwise).
pub const EXPOSED_RESPONSE_HEADERS: [&str; 1] = ["retry-after"];

/// Fetches one URL. Dropping the returned future, or the body future it
/// gives, must cancel the request (the browser aborts its `AbortController`).
pub trait Fetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Response, FetchError>>;

    /// After a [`FetchError::Network`]: ask `url` again in `no-cors` mode.
    /// `true` means an (opaque) response arrived — the server answered, and
    /// the browser hid it from the page for want of CORS headers. `false`:
    /// no answer at all (or a fetcher that cannot tell). Dropping the
    /// future cancels the request.
    fn probe_no_cors(&self, url: String) -> LocalBoxFuture<'static, bool> {
        let _ = url;
        Box::pin(async { false })
    }
}

/// Time, in milliseconds. `sleep` is the engine's own timer, so tests can
/// make time virtual and later work can freeze it.
pub trait Clock {
    /// Milliseconds since an arbitrary origin (monotonic).
    fn now_ms(&self) -> f64;
    /// Resolves after `ms` milliseconds; dropping it cancels the timer.
    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()>;
}

/// Starts a task on the current thread's executor (`spawn_local` in a browser).
pub trait Spawner {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
}

/// Which bytes mean which characters: the WHATWG Encoding Standard's
/// decoders. [`crate::decode`] decides *which* encoding a body is in (BOM,
/// `Content-Type`, `<meta>`) and decodes UTF-8 itself; a backend is asked
/// only about labels and the other encodings. Natively `encoding_rs`
/// ([`crate::decode::NativeDecoder`]); in a browser its own `TextDecoder`,
/// so the wasm does not carry the standard's tables twice.
pub trait Decoder {
    /// The standard's name (one of [`crate::decode::NAMES`]) for `label`,
    /// or `None` when the label is unknown. `label` is already trimmed; the
    /// "replacement" labels never reach a backend.
    fn for_label(&self, label: &str) -> Option<&'static str>;
    /// `body` decoded as the encoding the standard calls `name` (a BOM of
    /// that encoding stripped, malformed sequences replaced by U+FFFD), and
    /// whether any were malformed. Never fails.
    fn decode(&self, name: &'static str, body: &[u8]) -> (String, bool);
}

/// International domain names (UTS #46): the ASCII form of a URL whose
/// host is written in another script (`http://bücher.example/` →
/// `http://xn--bcher-kva.example/`), the form that goes on the wire.
///
/// The `url` crate does this with tables of its own (~45 KB of the gzip
/// wasm); the build leaves them out (`idna_adapter` 1.0, pinned in
/// `Cargo.lock`), so `url` refuses such a host with
/// [`url::ParseError::IdnaError`], and only then is a backend asked. In a
/// browser its own `URL` parser, which implements the same standard;
/// natively none ([`NoIdna`]): such a link counts as invalid.
pub trait Idna {
    /// `input` resolved against `base` (when given) and serialised with an
    /// ASCII host, or `None` when it is no URL.
    fn to_ascii(&self, input: &str, base: Option<&str>) -> Option<String>;
}

/// No IDNA backend: a host that needs one stays unresolved.
pub struct NoIdna;

impl Idna for NoIdna {
    fn to_ascii(&self, _input: &str, _base: Option<&str>) -> Option<String> {
        None
    }
}

/// Parse `input` (against `base`, when given) with `url`, and ask `idna`
/// for the ASCII form only when `url` needs its IDNA tables for the host.
pub fn parse_url(idna: &dyn Idna, base: Option<&Url>, input: &str) -> Result<Url, url::ParseError> {
    let parsed = match base {
        Some(base) => base.join(input),
        None => Url::parse(input),
    };
    match parsed {
        Err(url::ParseError::IdnaError) => idna
            .to_ascii(input, base.map(Url::as_str))
            .and_then(|ascii| Url::parse(&ascii).ok())
            .ok_or(url::ParseError::IdnaError),
        other => other,
    }
}

/// The backends together (and the local proxy, when there is one), cheap to
/// clone into every task.
#[derive(Clone)]
pub struct Env {
    pub fetcher: Rc<dyn Fetcher>,
    pub clock: Rc<dyn Clock>,
    pub spawner: Rc<dyn Spawner>,
    /// Decodes bodies in encodings other than UTF-8 (see [`Decoder`]).
    pub decoder: Rc<dyn Decoder>,
    /// Converts international domain names (see [`Idna`]).
    pub idna: Rc<dyn Idna>,
    /// Fetches through the local proxy (`proxy: true`): same-origin for the
    /// page, so CORS no longer applies, and it reports every redirect hop.
    /// `None` where no proxy is announced; `proxy: true` is then refused.
    pub proxy: Option<Rc<dyn Fetcher>>,
}
