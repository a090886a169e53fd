//! A wrk-style load generator: a fixed number of keep-alive HTTP/1.1 connections, each sending
//! the same GET as soon as the previous answer is read, for a fixed time. It uses hyper's
//! bare connection API (no pool, no redirects, no decompression), so the client's own cost
//! per request stays small beside the server's; and it reads the server process's CPU time
//! from `/proc`, so a run gives requests per second and CPU per request.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use http_body_util::{BodyExt as _, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What one run measured.
#[derive(Clone, Copy)]
pub(crate) struct Run {
    pub(crate) per_second: f64,
    /// The server's CPU time (user + system) per request.
    pub(crate) cpu_per_request: Duration,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

/// Sends `GET path` to `127.0.0.1:port` over `connections` connections for `duration`;
/// `server_pid` is the process whose CPU time is charged to the requests. Every answer must
/// be a 200 with a body of `expected_len` bytes, or the run fails.
pub(crate) async fn drive(
    port: u16,
    path: &str,
    connections: usize,
    duration: Duration,
    server_pid: u32,
    expected_len: usize,
) -> anyhow::Result<Run> {
    let cpu_before = cpu_time(server_pid)?;
    let started = Instant::now();
    let deadline = started + duration;
    // A set, so that when one connection fails the others are stopped with it.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let path = path.to_owned();
        tasks.spawn(async move { connection(port, &path, deadline, expected_len).await });
    }
    let mut times = Vec::new();
    while let Some(done) = tasks.join_next().await {
        times.extend(done.context("connection task")??);
    }
    let wall = started.elapsed();
    let cpu = cpu_time(server_pid)?.saturating_sub(cpu_before);
    times.sort_unstable();
    let requests = times.len() as u64;
    if requests == 0 {
        bail!("no request completed on {path}");
    }
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    Ok(Run {
        per_second: requests as f64 / wall.as_secs_f64(),
        cpu_per_request: cpu / u32::try_from(requests).unwrap_or(u32::MAX),
        p50: at(0.5),
        p99: at(0.99),
    })
}

/// One connection's loop; returns each request's latency.
async fn connection(
    port: u16,
    path: &str,
    deadline: Instant,
    expected_len: usize,
) -> anyhow::Result<Vec<Duration>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let conn = tokio::spawn(conn);
    let mut times = Vec::new();
    while Instant::now() < deadline {
        let request = Request::get(path)
            .header(hyper::header::HOST, format!("127.0.0.1:{port}"))
            .body(Empty::<Bytes>::new())?;
        let at = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        times.push(at.elapsed());
        if !status.is_success() || body.len() != expected_len {
            bail!(
                "{path}: {status}, {} bytes (expected {expected_len}): {}",
                body.len(),
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
    }
    drop(sender);
    let _ = conn.await;
    Ok(times)
}

/// A process's CPU time so far (user + system), from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("/proc stat")?
        .1
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(Duration::from_secs_f64(
        ticks as f64 / clock_ticks_per_second(),
    ))
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}
