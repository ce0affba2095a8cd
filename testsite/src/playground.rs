//! The playground origin: the built page from `dist/`, plus `config.json`
//! telling the page where the test site is, so its root URL field starts out
//! pointing at something crawlable, and where the local proxy is (with its
//! token: only a page of this origin can read config.json), plus the proxy
//! itself at `/__proxy` (see [`crate::proxy`]).

use std::path::PathBuf;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{any, get};
use std::sync::Arc;

use crate::proxy::{Proxy, TOKEN_HEADER};
use axum::Router;
use tower_http::services::ServeDir;

/// The sites config.json names.
pub(crate) struct Sites {
    pub(crate) site_url: String,
    pub(crate) no_cors_site_url: String,
}

pub(crate) fn router(dist: PathBuf, sites: Sites, proxy: Option<Arc<Proxy>>) -> Router {
    let mut config = serde_json::json!({ "siteUrl": sites.site_url, "noCorsSiteUrl": sites.no_cors_site_url });
    if let Some(proxy) = &proxy {
        config["proxy"] = serde_json::json!({ "endpoint": "__proxy", "token": proxy.token, "header": TOKEN_HEADER });
    }
    let config = config.to_string();
    let router = match proxy {
        Some(proxy) => Router::new().route("/__proxy", any(crate::proxy::handle).with_state(proxy)),
        None => Router::new(),
    };
    router
        .route(
            "/config.json",
            get(move || {
                let config = config.clone();
                async move { ([(CONTENT_TYPE, "application/json")], config) }
            }),
        )
        // ServeDir guesses types from extensions: `.wasm` → `application/wasm`,
        // which `WebAssembly.instantiateStreaming` insists on.
        .fallback_service(ServeDir::new(dist))
        .layer(map_response(no_store))
}

/// A rebuilt `dist/` must show up on the next reload, never a stale wasm.
async fn no_store(mut response: Response<Body>) -> Response<Body> {
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
