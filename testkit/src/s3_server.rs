//! A real S3-protocol server on loopback for tests of object storage: `s3s-fs` (installed with
//! `cargo install s3s-fs --version 0.14.1 --features binary --locked`), which keeps each
//! object as a file under its root directory, so a test can see what was stored where.
//!
//! With `CI=true` a missing `s3s-fs` fails the test; otherwise it is skipped with a message.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shared::config::{BucketSettings, Secret};

/// The bucket every test server holds.
pub const BUCKET: &str = "wikimind-test";
const ACCESS_KEY: &str = "wikimind-test-key";
const SECRET_KEY: &str = "wikimind-test-secret";

/// A running `s3s-fs`, stopped when dropped.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    root: tempfile::TempDir,
    port: u16,
}

/// `s3s-fs` from PATH or cargo's bin directory.
fn program() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("s3s-fs")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(Path::new(&home).join("bin/s3s-fs"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin/s3s-fs"));
    }
    candidates.into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

impl S3Server {
    /// Starts a server with an empty bucket; `None` (the test skipped, said on stderr) when
    /// `s3s-fs` is not installed and `CI` is not `true`.
    pub fn start() -> Option<S3Server> {
        let Some(program) = program() else {
            let install = "cargo install s3s-fs --version 0.14.1 --features binary --locked";
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "s3s-fs is not installed ({install})"
            );
            eprintln!("SKIPPED: s3s-fs is not installed ({install}); the test was not run");
            return None;
        };
        let root = tempfile::tempdir().expect("the S3 server's directory");
        std::fs::create_dir(root.path().join(BUCKET)).expect("the bucket");
        // A port the kernel picks, given to the server; another process taking it in between
        // would make the start fail loudly, not silently talk to something else.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let server = S3Server { child, root, port };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    /// The server's address.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The variables that point WikiMind's files at `prefix` in the bucket.
    pub fn env(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            (
                "WIKIMIND_STORAGE__URL".to_owned(),
                format!("s3://{BUCKET}/{prefix}"),
            ),
            ("AWS_ENDPOINT_URL".to_owned(), self.endpoint()),
            ("AWS_ALLOW_HTTP".to_owned(), "true".to_owned()),
            ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID".to_owned(), ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), SECRET_KEY.to_owned()),
        ]
    }

    /// Settings for `prefix` in the bucket, as [`S3Server::env`] would give them.
    pub fn bucket(&self, prefix: &str) -> BucketSettings {
        BucketSettings {
            url: format!("s3://{BUCKET}"),
            prefix: prefix.to_owned(),
            options: self
                .env(prefix)
                .into_iter()
                .filter(|(name, _)| name.starts_with("AWS_"))
                .map(|(name, value)| (name, Secret::new(value)))
                .collect(),
        }
    }

    /// Where the server keeps the object `key` of `prefix`: a file, when it exists.
    pub fn object_file(&self, prefix: &str, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(prefix).join(key)
    }

    /// Every object the bucket holds under `prefix`, as keys relative to it, sorted.
    pub fn objects(&self, prefix: &str) -> Vec<String> {
        let base = self.root.path().join(BUCKET).join(prefix);
        let mut out = Vec::new();
        let mut dirs = vec![base.clone()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() {
                    dirs.push(path);
                } else if !name.starts_with(".tmp.")
                    && !name.ends_with(".internal.part")
                    && let Ok(relative) = path.strip_prefix(&base)
                {
                    out.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        out.sort();
        out
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
