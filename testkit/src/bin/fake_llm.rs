//! `fake-llm`: the fake LLM server as a process, for the browser suite. Prints its base URL on
//! the first line of stdout and serves until it is killed.
//!
//! `--stream-delay-ms N` waits N ms between the pieces of a streamed reply, so a browser can
//! watch an answer arrive.

use std::time::Duration;

use testkit::fake_llm::FakeLlm;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut delay_ms = 0_u64;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--stream-delay-ms" => {
                let value = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--stream-delay-ms needs a number"))?;
                delay_ms = value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("--stream-delay-ms: not a number: {value}"))?;
            }
            other => anyhow::bail!("unknown argument {other:?} (known: --stream-delay-ms N)"),
        }
    }
    let server = FakeLlm::try_start().await?;
    server.set_stream_delay(Duration::from_millis(delay_ms));
    println!("{}", server.url());
    tokio::signal::ctrl_c().await.ok();
    // SIGTERM ends the process at once; nothing needs flushing.
    Ok(())
}
