//! Starting the release binaries as child processes, and waiting for the gateway to be ready.

use super::*;

/// A WikiMind process (the gateway, or a worker with `base` empty); killed when dropped.
pub(crate) struct Process {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start a process.
pub(crate) struct Launch<'a> {
    pub(crate) env: &'a TestEnv,
    /// OpenAI-compatible base URL to compile through; `None` for the offline compiler.
    pub(crate) llm: Option<&'a str>,
    pub(crate) concurrency: usize,
}

impl Launch<'_> {
    /// `gateway <args>` on a free port.
    pub(crate) fn gateway(&self, args: &[&str]) -> Process {
        self.gateway_with(args, &[])
    }

    /// `gateway <args>` on a free port, with `vars` set in its environment.
    pub(crate) fn gateway_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Process {
        let port = free_port();
        let mut cmd = self.command(Path::new(env!("CARGO_BIN_EXE_gateway")));
        cmd.args(args)
            .envs(vars.iter().copied())
            .env("WIKIMIND_SERVER__PORT", port.to_string());
        Process {
            child: cmd.spawn().expect("spawn the release gateway binary"),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A `worker` process (built next to the gateway by `make bench`).
    pub(crate) fn worker(&self) -> Process {
        let gateway = Path::new(env!("CARGO_BIN_EXE_gateway"));
        let binary = gateway.with_file_name("worker");
        assert!(
            binary.exists(),
            "{} is missing: run `make bench`, which builds it",
            binary.display()
        );
        Process {
            child: self.command(&binary).spawn().expect("spawn the worker"),
            base: String::new(),
        }
    }

    pub(crate) fn command(&self, binary: &Path) -> Command {
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.env.data_dir())
            .envs(self.env.process_env())
            .env("WIKIMIND_INGEST__ALLOW_PRIVATE_URLS", "true")
            .env("WIKIMIND_JOBS__CONCURRENCY", self.concurrency.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(base) = self.llm {
            cmd.env("WIKIMIND_LLM__DEFAULT_PROVIDER", "openai")
                .env("WIKIMIND_LLM__OPENAI__BASE_URL", base)
                .env("OPENAI_API_KEY", "bench-key");
        }
        cmd
    }
}

impl Process {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resident and peak resident memory of the process, in MiB, from `/proc`.
    pub(crate) fn memory_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `/health/ready` until it answers 200 and returns the time since `started`.
pub(crate) async fn wait_ready(
    client: &reqwest::Client,
    gateway: &Process,
    started: Instant,
) -> Duration {
    loop {
        if let Ok(r) = client.get(gateway.url("/health/ready")).send().await
            && r.status().is_success()
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "gateway not ready after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
