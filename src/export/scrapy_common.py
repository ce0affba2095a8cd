
# ---------------------------------------------------------------- the crawl's rules
#
# Everything below reads CRAWL and mirrors crawlscope's engine: the host rule
# (src/scope.rs), which tags are links (src/links.rs) and what happens to a
# fetched page (src/page.rs).

import ipaddress
import re
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

# regex-lite (crawlscope's dialect) is ASCII-minded: \d, \w and \s match ASCII only.
EXCLUDE = re.compile(CRAWL["exclude"], re.ASCII) if CRAWL["exclude"] is not None else None
# Content types whose links are followed (only on a 200).
MARKUP = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
# The elements whose links count; <link> only with these rel tokens, <template> content is inert.
LINK_XPATH = (
    "(//a[@href] | //area[@href] | //link[@href] | //frame[@src] | //iframe[@src])[not(ancestor::template)]"
)
FOLLOWED_RELS = {"alternate", "next", "prev"}
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# What the WHATWG URL parser strips around an href, and removes inside it.
URL_TRIM = "".join(chr(c) for c in range(0x21))
URL_DROP = re.compile("[\t\n\r]")
# What it percent-encodes (besides controls and non-ASCII) in a path and in a query.
PATH_ESCAPE = set(' "#<>?`{}')
QUERY_ESCAPE = set(' "#<>\'')
DEFAULT_PORTS = {"http": 80, "https": 443}


def rel_tokens(value):
    """A space-separated rel list, ASCII case-insensitive (as the engine's has_token)."""
    return set((value or "").translate(ASCII_LOWER).split())


def host_key(url, strict):
    """The comparable form of a URL's host (src/scope.rs): None if it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        ip = ipaddress.ip_address(host)
        return f"[{ip}]" if ip.version == 6 else str(ip)  # IP hosts match literally
    except ValueError:
        pass
    domain = host.rstrip(".").translate(ASCII_LOWER)
    if strict:  # the same host, modulo a leading www.
        return domain[4:] if domain.startswith("www.") else domain
    return ".".join(domain.split(".")[-2:])  # lenient: the same last two labels


SCOPE = {key for key in (host_key(root, CRAWL["strict"]) for root in CRAWL["roots"]) if key}


def in_scope(url):
    """The strict host rule, not Scrapy's allowed_domains (which also admits subdomains). The port is ignored."""
    return url.startswith(("http://", "https://")) and host_key(url, CRAWL["strict"]) in SCOPE


def excluded(url):
    return EXCLUDE is not None and EXCLUDE.search(url) is not None


def is_loopback(url):
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


def escape(text, unsafe):
    return "".join(
        c if 0x20 < ord(c) < 0x7F and c not in unsafe else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in text
    )


def without_dots(path):
    """RFC 3986 remove_dot_segments, as the WHATWG parser applies to every http(s) path."""
    out = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment in (".", "%2e", "%2E"):
            if last:
                out.append("")
        elif segment.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out) or "/"


def resolve(base, href, keep_fragment=False):
    """An href as a browser resolves it: absolute, percent-encoded as the WHATWG URL parser does,
    without fragment; None if it is not a URL. Non-http(s) URLs are returned as joined."""
    href = URL_DROP.sub("", href.strip(URL_TRIM))
    split = re.search("[?#]", href)
    head, rest = (href[: split.start()], href[split.start() :]) if split else (href, "")
    try:
        url = urljoin(base, head.replace("\\", "/") + rest)  # a backslash is a slash in http(s) paths
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port or IPv6 literal
    except ValueError:
        return None
    scheme = parts.scheme.translate(ASCII_LOWER)
    if scheme not in DEFAULT_PORTS:
        return url
    host = parts.hostname or ""
    if not host:
        return None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    host = f"[{host}]" if ":" in host else host
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    url = f"{scheme}://{netloc}{escape(without_dots(parts.path or '/'), PATH_ESCAPE)}"
    if parts.query:
        url += "?" + escape(parts.query, QUERY_ESCAPE)
    if keep_fragment and parts.fragment:
        url += "#" + escape(parts.fragment, PATH_ESCAPE - {"?", "#"})
    return url


def extract(response, url):
    """The links of the page at `url`, in document order, deduplicated, and what was not followed (src/links.rs)."""
    base = response.xpath("//base[@href]/@href").get()
    base = resolve(url, base) if base is not None else None
    base = base if base and base.startswith(("http://", "https://")) else url
    meta_nofollow = False
    if CRAWL["respectNofollow"]:
        for meta in response.xpath("//meta[@name][@content]"):
            name = meta.attrib.get("name", "").strip().translate(ASCII_LOWER)
            tokens = {t.strip().translate(ASCII_LOWER) for t in meta.attrib.get("content", "").split(",")}
            meta_nofollow |= name == "robots" and bool(tokens & {"nofollow", "none"})
    links, seen, skips, canonical = [], set(), {}, None

    def skip(reason):
        skips[reason] = skips.get(reason, 0) + 1

    for element in response.xpath(LINK_XPATH):
        tag = element.xpath("local-name()").get().translate(ASCII_LOWER)
        rel = rel_tokens(element.attrib.get("rel"))
        if tag == "link" and "canonical" in rel:
            if canonical is None:
                # Recorded, not followed, fragment kept (as the engine's base.join).
                canonical = resolve(base, element.attrib["href"], keep_fragment=True)
            continue
        if tag == "link" and not rel & FOLLOWED_RELS:
            continue
        target = element.attrib.get("src" if tag in ("frame", "iframe") else "href")
        if target is None:
            continue
        if meta_nofollow or (CRAWL["respectNofollow"] and "nofollow" in rel):
            skip("nofollow")
            continue
        link = resolve(base, target)
        if link is None:
            skip("invalid")
        elif not link.startswith(("http://", "https://")):
            skip("nonHttp")
        elif link not in seen:
            seen.add(link)
            links.append(link)
    return links, skips, canonical


def header(response, name):
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def page_item(url, **fields):
    """One page as the Report lists it (the fields Load report reads)."""
    item = {
        "url": url, "aliases": [], "status": None, "contentType": None, "size": None, "links": [],
        "newLinks": 0, "skips": {}, "canonical": None, "error": None, "tries": 0, "depth": 0,
        "parent": None, "outcome": "done", "truncated": False,
    }
    item.update(fields)
    return item


class CrawlscopeRules:
    """The spider's behaviour, shared by the one-process and the scrapy-redis spider.

    `self.frontier` decides whether a URL is new (and takes the maxPages
    budget); every request is `dont_filter=True` because the frontier has
    already deduplicated it, by exact URL as the engine does, and a redirect
    hop must not be filtered either.
    """

    name = "crawlscope"
    # Every status reaches parse() except the redirects Scrapy follows:
    # a 404 or a 500 is a page with a status, as in the Report.
    handle_httpstatus_list = [s for s in range(100, 600) if s not in (301, 302, 303, 307, 308)]

    def request(self, url, depth, parent):
        meta = {"crawlscope_url": url, "crawlscope_parent": parent, "depth": depth}
        if CRAWL["robots"] is None and is_loopback(url):
            meta["dont_obey_robotstxt"] = True  # robots: null = on for every host but loopback ones
        return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True, meta=meta)

    def roots(self):
        """The roots not yet seen: roots are enqueued whatever the budget, and count in it."""
        for root in CRAWL["roots"]:
            if self.frontier.claim(root, budget=False) == "new":
                yield self.request(root, 0, None)

    def parse(self, response):
        meta = response.meta
        requested, depth, parent = meta["crawlscope_url"], meta["depth"], meta["crawlscope_parent"]
        common = {
            "status": response.status, "contentType": header(response, "Content-Type"),
            "size": len(response.body), "tries": meta.get("retry_times", 0) + 1, "depth": depth, "parent": parent,
        }
        url, aliases = requested, []
        if meta.get("redirect_urls"):
            # Followed like fetch follows: the final URL is the page, the requested one its alias.
            url, aliases = resolve(response.url, ""), [requested]
            if url != requested:
                if not self.frontier.mark(url):
                    # Already a page of this crawl: only the alias is news (Load report merges it).
                    yield {"url": url, "aliases": aliases, "outcome": "alias"}
                    return
                if not in_scope(url):
                    error = f"redirected out of scope to {url} (not parsed)"
                    yield page_item(url, aliases=aliases, outcome="skipped (redirect out of scope)", error=error,
                                    **common)
                    return
                if excluded(url):
                    error = f"redirected to {url}, which exclude matches"
                    yield page_item(url, aliases=aliases, outcome="skipped (redirect excluded)", error=error,
                                    **common)
                    return
        essence = (common["contentType"] or "").split(";")[0].strip().translate(ASCII_LOWER)
        if response.status != 200 or essence not in MARKUP:
            yield page_item(url, aliases=aliases, **common)
            return
        found, skips, canonical = extract(response, url)
        links, fresh = [], []
        for link in found:
            if not in_scope(link):
                skips["scope"] = skips.get("scope", 0) + 1
                continue
            links.append(link)
            if excluded(link):
                reason = "exclude"
            elif CRAWL["depthLimit"] and depth + 1 > CRAWL["depthLimit"]:
                reason = "duplicate" if self.frontier.seen(link) else "depth"
            else:
                reason = self.frontier.claim(link)
            if reason == "new":
                fresh.append(link)
            else:
                skips[reason] = skips.get(reason, 0) + 1
        yield page_item(url, aliases=aliases, links=links, newLinks=len(fresh), skips=skips, canonical=canonical,
                        **common)
        for link in fresh:
            yield self.request(link, depth + 1, url)

    def failed(self, failure):
        request = failure.request
        meta = request.meta
        common = {"depth": meta["depth"], "parent": meta["crawlscope_parent"]}
        url = meta["crawlscope_url"]
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            yield page_item(url, outcome="skipped (robots.txt)", error="disallowed by robots.txt", **common)
            return
        tries = meta.get("retry_times", 0) + 1
        noun = "try" if tries == 1 else "tries"
        error = f"failed after {tries} {noun}: {failure.type.__name__}: {failure.value}"
        yield page_item(url, outcome="failed", error=error, tries=tries, **common)
