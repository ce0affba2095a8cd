//! Print the Scrapy spider for options given as JSON (and an optional Redis URL).
//! `cargo run --example scrapy_spider -- '{"roots":["http://127.0.0.1:8081/"]}' [redis://host:port/db]`
fn main() {
    let mut args = std::env::args().skip(1);
    let options = args.next().unwrap_or_default();
    let redis = args.next();
    match crawlscope::export::scrapy::spider_from_json(&options, redis.as_deref()) {
        Ok(source) => print!("{source}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
