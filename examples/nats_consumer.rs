//! Prints newshound's alerts from stream NEWSHOUND through the durable consumer `desk`, which
//! resumes where it left off: `cargo run --example nats_consumer -- nats://127.0.0.1:4222`.
use async_nats::jetstream::{self, consumer::pull::Config};
use futures_util::StreamExt;
#[tokio::main]
async fn main() -> Result<(), async_nats::Error> {
    let url = std::env::args().nth(1).unwrap_or("127.0.0.1:4222".into());
    let js = jetstream::new(async_nats::connect(url).await?);
    let durable = Config {
        durable_name: Some("desk".into()),
        ..Config::default()
    };
    let stream = js.get_stream("NEWSHOUND").await?;
    let consumer = stream.get_or_create_consumer("desk", durable).await?;
    let mut messages = consumer.messages().await?;
    while let Some(Ok(m)) = messages.next().await {
        let alert: serde_json::Value = serde_json::from_slice(&m.payload)?;
        println!("{} {}", alert["id"], alert["article"]["title"]);
        m.ack().await?; // moves `desk` on; the stream keeps the alert for other consumers
    }
    Ok(())
}
