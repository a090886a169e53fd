//! Redis and PostgreSQL on the machine: commands, stopping and starting them, and removing
//! what a run created.

use super::*;

pub(crate) async fn redis_cmd(url: &str, cmd: redis::Cmd) -> anyhow::Result<String> {
    let client = redis::Client::open(url)?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(3),
        client.get_multiplexed_async_connection(),
    )
    .await
    .context("connecting to Redis timed out")??;
    let answer: String = cmd.query_async(&mut conn).await?;
    Ok(answer)
}

pub(crate) fn redis_ping_sync(url: &str) -> bool {
    Command::new("redis-cli")
        .args(["-u", url, "ping"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG")
}

/// Starts Redis the way CI does and waits for it to answer.
pub(crate) fn start_redis(url: &str) -> anyhow::Result<()> {
    let status = Command::new("redis-server")
        .args(REDIS_SERVER_ARGS)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running redis-server")?;
    ensure!(status.success(), "redis-server exited with {status}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !redis_ping_sync(url) {
        ensure!(
            Instant::now() < deadline,
            "Redis did not answer after a restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Starts Redis again if this run stopped it.
pub(crate) fn ensure_redis_running(url: &str, down: &AtomicBool) -> anyhow::Result<()> {
    if !down.load(Ordering::SeqCst) {
        return Ok(());
    }
    if !redis_ping_sync(url) {
        eprintln!("smoke-prod: starting Redis again");
        start_redis(url)?;
    }
    down.store(false, Ordering::SeqCst);
    Ok(())
}

/// The PostgreSQL version directory under `/etc/postgresql`, as `$(ls /etc/postgresql)`.
pub(crate) fn postgres_version() -> Option<String> {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    versions.sort();
    versions.pop()
}

/// Starts the cluster if a restart by this run left it stopped.
pub(crate) fn ensure_postgres_running(restarting: &AtomicBool) {
    if !restarting.swap(false, Ordering::SeqCst) {
        return;
    }
    if let Some(version) = postgres_version() {
        eprintln!("smoke-prod: making sure PostgreSQL {version}/main runs");
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status();
    }
}

pub(crate) async fn drop_database(admin: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database if exists {name} with (force)"
    )))
    .execute(&mut conn)
    .await?;
    let left: i64 = sqlx::query_scalar("select count(*) from pg_database where datname = $1")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    ensure!(left == 0, "the database is still there");
    Ok(())
}

/// Deletes the keys of `prefix`; returns how many are left afterwards.
pub(crate) async fn delete_keys(url: &str, prefix: &str) -> anyhow::Result<usize> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let pattern = format!("{prefix}:*");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await?;
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await?;
    }
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await?;
    Ok(left.len())
}

// ---- small helpers -------------------------------------------------------------------------
