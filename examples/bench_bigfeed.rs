//! Builds the input of the whole-process benchmark `bench/rg.sh`, deterministically:
//!
//! ```text
//! cargo run --release --example bench_bigfeed -- CORPUS_DIR OUT_DIR [MB] [TERMS]
//! ```
//!
//! Writes `OUT_DIR/feed.xml` (one RSS 2.0 feed of about MB megabytes, default 8, made of the
//! corpus's articles in file order, one `<item>` per line so that `rg` counts stories as
//! lines), `OUT_DIR/config.toml` (the TERMS watch terms, default 10000, of
//! `benches/support/terms.rs` as watchlists, everything else at its default except
//! `max_age = "0s"`, since the corpus stories are old, and `http.max_items = 100000`, so that
//! every item of the feed is read, as `rg` reads every line) and `OUT_DIR/terms.txt` (the same
//! terms, one a line, for `rg -f`).

use std::fmt::Write as _;
use std::path::Path;

use newshound::feeds::parse::parse_feed;
use newshound::feeds::Article;
use newshound::watch::WatchlistSpec;

#[path = "../benches/support/terms.rs"]
mod terms;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(corpus), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: bench_bigfeed CORPUS_DIR OUT_DIR [MB] [TERMS]");
        std::process::exit(2);
    };
    let mb: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8.0);
    let n_terms: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let articles = load(corpus);
    let (feed, items) = feed_xml(&articles, (mb * 1e6) as usize);
    let (specs, terms) = terms::watchlists(n_terms, &articles);
    let out = Path::new(out);
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    std::fs::write(out.join("feed.xml"), &feed).expect("write feed.xml");
    std::fs::write(out.join("config.toml"), config_toml(&specs)).expect("write config.toml");
    std::fs::write(out.join("terms.txt"), terms.join("\n") + "\n").expect("write terms.txt");
    println!(
        "feed.xml: {:.1} MB, {items} items; config.toml: {} terms in {} watchlists",
        feed.len() as f64 / 1e6,
        terms.len(),
        specs.len()
    );
}

/// Every article of the corpus's feeds, in file-name order.
fn load(dir: &str) -> Vec<Article> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "LICENSE"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|p| {
            let bytes = std::fs::read(p).expect("read feed");
            parse_feed(&bytes, &p.display().to_string(), None).unwrap_or_default()
        })
        .collect()
}

/// One RSS document of at most `limit` bytes (plus one item), one item per line.
fn feed_xml(articles: &[Article], limit: usize) -> (String, usize) {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n\
         <title>bench</title>\n<link>http://bench.example/</link>\n\
         <description>corpus articles</description>\n",
    );
    let mut items = 0;
    for (i, a) in articles.iter().enumerate() {
        if xml.len() >= limit {
            break;
        }
        item(&mut xml, i, a);
        items += 1;
    }
    xml.push_str("</channel>\n</rss>\n");
    (xml, items)
}

/// Appends one `<item>` line: the text goes back into HTML paragraphs, escaped.
fn item(xml: &mut String, i: usize, a: &Article) {
    let link = a
        .url
        .clone()
        .unwrap_or_else(|| format!("http://bench.example/{i}"));
    let date = a.published.map(|d| d.to_rfc2822()).unwrap_or_default();
    let _ = writeln!(
        xml,
        "<item><title>{}</title><link>{}</link><guid>bench-{i}</guid><pubDate>{}</pubDate>\
         <description>{}</description><content:encoded>{}</content:encoded></item>",
        escape(&a.title),
        escape(&link),
        date,
        escape(&html(&a.summary)),
        escape(&html(&a.content)),
    );
}

/// Plain text as HTML: one `<p>` per paragraph, with no newline left.
fn html(text: &str) -> String {
    text.split("\n\n")
        .map(|p| format!("<p>{}</p>", escape(&p.replace('\n', " "))))
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// The watchlists as config TOML, with a `file://` feed next to the config.
fn config_toml(specs: &[WatchlistSpec]) -> String {
    let mut t = String::from(
        "[daemon]\nstate_dir = \"state\"\nmax_age = \"0s\"\n\n\
         [http]\nmax_items = 100000\n\n\
         [[feed]]\nname = \"bench\"\nurl = \"file://feed.xml\"\n",
    );
    for s in specs {
        let _ = write!(t, "\n[[watchlist]]\nname = {}\n", quote(&s.name));
        let kw: Vec<String> = s.keywords.iter().map(|k| quote(k)).collect();
        let _ = writeln!(t, "keywords = [{}]", kw.join(", "));
        for p in &s.people {
            let al: Vec<String> = p.aliases.iter().map(|k| quote(k)).collect();
            let _ = write!(
                t,
                "\n[[watchlist.person]]\nname = {}\naliases = [{}]\n",
                quote(&p.name),
                al.join(", ")
            );
        }
    }
    t
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
