//! The child processes of a run (gateway and workers), their log files, and killing them.

use super::*;

// ---- child processes -----------------------------------------------------------------------

pub(crate) struct Proc {
    pub(crate) label: String,
    pub(crate) child: Child,
    /// Killed on purpose by this run.
    pub(crate) killed: bool,
    /// Exited (the status is recorded).
    pub(crate) exited: Option<String>,
}

#[derive(Default)]
pub(crate) struct Procs {
    pub(crate) list: Mutex<Vec<Proc>>,
}

impl Procs {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Proc>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn spawn(
        &self,
        label: &str,
        program: &Path,
        args: &[&str],
        env: &[(String, String)],
        cwd: &Path,
        log: &Path,
    ) -> anyhow::Result<u32> {
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let pid = child.id();
        self.lock().push(Proc {
            label: label.to_owned(),
            child,
            killed: false,
            exited: None,
        });
        Ok(pid)
    }

    /// The process whose PID is in a worker name `wikimind-worker-<host>-<pid>-<random>`.
    pub(crate) fn of_worker_name(&self, name: &str) -> Option<(String, u32)> {
        self.lock()
            .iter()
            .find(|p| name.contains(&format!("-{}-", p.child.id())))
            .map(|p| (p.label.clone(), p.child.id()))
    }

    /// SIGKILL, as `kill -9`.
    pub(crate) fn kill(&self, label: &str) -> anyhow::Result<()> {
        let mut list = self.lock();
        let p = list
            .iter_mut()
            .find(|p| p.label == label)
            .ok_or_else(|| anyhow!("no process {label}"))?;
        p.child.kill().with_context(|| format!("kill -9 {label}"))?;
        let status = p.child.wait()?;
        p.killed = true;
        p.exited = Some(status.to_string());
        Ok(())
    }

    /// Records processes that exited; returns those that exited since the last look.
    pub(crate) fn reap(&self) -> Vec<(String, String)> {
        let mut dead = Vec::new();
        for p in self.lock().iter_mut() {
            if p.exited.is_some() {
                continue;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                p.exited = Some(status.to_string());
                dead.push((p.label.clone(), status.to_string()));
            }
        }
        dead
    }

    /// Fails when a process exited without being killed by this run.
    pub(crate) fn check_alive(&self) -> anyhow::Result<()> {
        self.reap();
        let dead: Vec<String> = self
            .lock()
            .iter()
            .filter(|p| !p.killed)
            .filter_map(|p| {
                p.exited
                    .as_ref()
                    .map(|s| format!("{} exited on its own ({s})", p.label))
            })
            .collect();
        ensure!(dead.is_empty(), "{}", dead.join("; "));
        Ok(())
    }

    pub(crate) fn exit_status(&self, label: &str) -> Option<String> {
        self.reap();
        self.lock()
            .iter()
            .find(|p| p.label == label)
            .and_then(|p| p.exited.clone())
    }

    pub(crate) fn running_workers(&self) -> usize {
        self.reap();
        self.lock()
            .iter()
            .filter(|p| p.label.starts_with("worker") && p.exited.is_none())
            .count()
    }

    pub(crate) fn describe(&self) -> String {
        self.reap();
        self.lock()
            .iter()
            .map(|p| {
                format!(
                    "{} (pid {}): {}",
                    p.label,
                    p.child.id(),
                    p.exited.as_deref().unwrap_or("running")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Kills every process still running; returns those that could not be reaped.
    pub(crate) fn kill_all(&self) -> Vec<String> {
        let mut left = Vec::new();
        for p in self.lock().iter_mut() {
            if p.exited.is_some() {
                continue;
            }
            let _ = p.child.kill();
            match p.child.wait() {
                Ok(status) => p.exited = Some(status.to_string()),
                Err(e) => left.push(format!("{} (pid {}): {e}", p.label, p.child.id())),
            }
        }
        left
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

// ---- the WebSocket client ------------------------------------------------------------------
