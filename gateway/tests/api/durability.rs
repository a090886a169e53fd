//! Nothing submitted is lost when the process stops: queued jobs run in the next process,
//! and a process killed mid-job has its job finished after restart.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use testkit::fake_llm::FakeLlm;

use crate::helpers::{start, test_settings};

const LIMIT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_job_queued_before_a_stop_is_completed_by_the_next_process() {
    let tmp = tempfile::tempdir().expect("tmp");
    let first = start(test_settings(tmp.path()), false).await;
    let (status, body) = first
        .post_text(
            "Owls hunt at night. Their feathers are shaped to make almost no sound in flight.",
            None,
        )
        .await;
    assert_eq!(status, 202);
    let id = body["source"]["id"].as_str().expect("id").to_owned();
    first.stop().await;

    let second = start(test_settings(tmp.path()), true).await;
    let source = second.wait_for_source(&id, LIMIT).await;
    assert_eq!(source["status"], "compiled", "{source}");
    second.stop().await;
}

struct Gateway {
    child: Child,
    base: String,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn spawn_gateway(data_dir: &std::path::Path, llm_base: &str) -> Gateway {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", data_dir)
        .env("WIKIMIND_DATA_DIR", data_dir)
        .env("WIKIMIND_SERVER__PORT", port.to_string())
        .env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
        .env("WIKIMIND_LLM__OPENAI__BASE_URL", llm_base)
        .env("OPENAI_API_KEY", "test-key")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gateway");
    Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gateway did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn source(client: &reqwest::Client, base: &str, id: &str) -> Value {
    client
        .get(format!("{base}/api/sources/{id}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn kill_dash_nine_mid_compile_loses_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fake = FakeLlm::start().await;
    // Slow enough that the kill lands while the compile is in flight.
    fake.set_latency(Duration::from_secs(30));
    let client = reqwest::Client::new();
    let llm_base = format!("{}/v1", fake.url());

    let mut gateway = spawn_gateway(tmp.path(), &llm_base);
    wait_ready(&client, &gateway.base).await;
    let mut ids = Vec::new();
    for note in [
        "Glaciers are rivers of ice that move slowly downhill under their own weight.",
        "Coral reefs are built by colonies of tiny animals that secrete calcium carbonate.",
        "Volcanoes form where molten rock from the mantle reaches the surface of the crust.",
    ] {
        let r = client
            .post(format!("{}/api/sources/text", gateway.base))
            .json(&serde_json::json!({"content": note}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
        let body: Value = r.json().await.expect("json");
        ids.push(body["source"]["id"].as_str().expect("id").to_owned());
    }
    // Wait until the first compile request reaches the LLM, then kill the process outright.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while fake.request_count() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no compile started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gateway.child.kill().expect("kill -9");
    let _ = gateway.child.wait();

    fake.set_latency(Duration::ZERO);
    let restarted = spawn_gateway(tmp.path(), &llm_base);
    wait_ready(&client, &restarted.base).await;
    for id in &ids {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let s = source(&client, &restarted.base, id).await;
            if s["status"] == "compiled" {
                break;
            }
            assert_ne!(s["status"], "failed", "{s}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} never compiled: {s}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let jobs: Value = client
        .get(format!("{}/api/jobs", restarted.base))
        .send()
        .await
        .expect("jobs")
        .json()
        .await
        .expect("json");
    let items = jobs["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "one job per source: {jobs}");
    assert!(items.iter().all(|j| j["status"] == "succeeded"), "{jobs}");
}
