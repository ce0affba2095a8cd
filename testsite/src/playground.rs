//! The playground origin: the built page from `dist/`, plus `config.json`
//! telling the page where the test site is, so its root URL field starts out
//! pointing at something crawlable.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

pub(crate) fn router(dist: PathBuf, site_url: String) -> Router {
    let config = serde_json::json!({ "siteUrl": site_url }).to_string();
    Router::new()
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
