//! Which hosts a crawl may visit, by the seed crawler's rules.
//!
//! * strict (default): the same host as a root, equal modulo a leading `www.`;
//! * lenient: the same last two labels (`a.example.com` ~ `b.example.com`);
//! * IP hosts (v4 or v6) only ever match literally;
//! * the port is ignored, as in the seed (so `127.0.0.1:8080` and
//!   `127.0.0.1:8081` are one host — use `localhost` to leave it).

use url::{Host, Url};

#[derive(Clone, Debug)]
pub struct Scope {
    /// The roots' hosts, already reduced to the form compared.
    hosts: Vec<String>,
    strict: bool,
}

impl Scope {
    pub fn new(roots: &[Url], strict: bool) -> Scope {
        let hosts = roots.iter().filter_map(|u| key(u, strict)).collect();
        Scope { hosts, strict }
    }

    /// May the crawl follow `url`? (Only http(s) URLs ever may.)
    pub fn allows(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https") && key(url, self.strict).is_some_and(|k| self.hosts.contains(&k))
    }
}

/// The comparable form of a URL's host under the chosen rule.
fn key(url: &Url, strict: bool) -> Option<String> {
    match url.host()? {
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(format!("[{ip}]")),
        Host::Domain(domain) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            if strict {
                Some(domain.strip_prefix("www.").unwrap_or(&domain).to_string())
            } else {
                let labels: Vec<&str> = domain.rsplitn(3, '.').collect();
                Some(labels.iter().take(2).rev().copied().collect::<Vec<_>>().join("."))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URLs are valid")
    }

    #[test]
    fn strict_host_checking() {
        let scope = Scope::new(&[url("http://example.com/")], true);
        assert!(scope.allows(&url("http://www.example.com/x")));
        assert!(scope.allows(&url("https://example.com:8443/")), "port is ignored");
        assert!(!scope.allows(&url("http://a.example.com/")));
        assert!(!scope.allows(&url("mailto:x@example.com")));
    }

    #[test]
    fn lenient_host_checking() {
        let scope = Scope::new(&[url("http://www.example.com/")], false);
        assert!(scope.allows(&url("http://a.example.com/")));
        assert!(!scope.allows(&url("http://example.org/")));
    }

    #[test]
    fn ip_hosts_match_literally() {
        let scope = Scope::new(&[url("http://127.0.0.1:8081/")], false);
        assert!(scope.allows(&url("http://127.0.0.1:9/")));
        assert!(!scope.allows(&url("http://127.0.0.2/")), "not the same last two labels");
        assert!(!scope.allows(&url("http://localhost/")));
    }
}
