//! The `gateway` binary: `serve` (default), `mcp`, `migrate`, `backup`, `restore`,
//! `healthcheck` and `openapi`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use gateway::{Application, ServeOptions, Services};
use shared::config::Settings;

#[derive(Parser)]
#[command(
    name = "gateway",
    version,
    about = "WikiMind: a personal knowledge compiler"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web app (runs the worker too unless a Redis queue is configured).
    Serve {
        /// Run the job worker in this process even with a Redis queue.
        #[arg(long, conflicts_with = "without_worker")]
        with_worker: bool,
        /// Do not run the job worker in this process.
        #[arg(long)]
        without_worker: bool,
    },
    /// Serve the MCP tools and articles to one client over standard input and output (for
    /// agents that start their servers themselves). Logs go to standard error.
    Mcp {
        /// Do not run the job worker in this process (another gateway or worker compiles
        /// what is added).
        #[arg(long)]
        without_worker: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write a backup archive: a consistent snapshot of the database, the raw/ and wiki/
    /// files and the secret key file, with a manifest of checksums. It restores into either
    /// database (SQLite or PostgreSQL).
    Backup {
        /// Where to write the archive [default: <data dir>/backups/wikimind-<time>.zip].
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Restore a backup archive into an empty database and data directory (the configured
    /// ones). The archive is checked whole before anything is written.
    Restore {
        /// The archive `gateway backup` wrote.
        archive: std::path::PathBuf,
    },
    /// Print the API's OpenAPI 3.1 document (what `/api/openapi.json` serves) and exit.
    Openapi,
    /// Exit 0 when the server at URL answers /health (for container health checks).
    Healthcheck {
        #[arg(default_value = "http://127.0.0.1:7842/health")]
        url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Healthcheck { url }) => return healthcheck(url).await,
        Some(Command::Openapi) => {
            println!("{}", gateway::openapi::document().to_pretty_json()?);
            return Ok(());
        }
        _ => {}
    }
    let settings = Settings::load()?;
    let telemetry = if let Some(Command::Mcp { .. }) = &cli.command {
        // Standard output carries the protocol.
        shared::telemetry::init_on_stderr("gateway", &settings.telemetry)
    } else {
        shared::telemetry::init("gateway", &settings.telemetry)
    };
    let outcome = run(cli.command, settings).await;
    // The spans still batched go out before the process ends.
    telemetry.shutdown();
    outcome
}

async fn run(command: Option<Command>, settings: Settings) -> anyhow::Result<()> {
    match command.unwrap_or(Command::Serve {
        with_worker: false,
        without_worker: false,
    }) {
        Command::Serve {
            with_worker,
            without_worker,
        } => {
            let with_worker = !without_worker && (with_worker || settings.redis.is_none());
            let app = Application::build(settings, ServeOptions { with_worker }).await?;
            app.run_until_stopped(shared::shutdown::signal()).await
        }
        Command::Mcp { without_worker } => {
            let with_worker = !without_worker && settings.redis.is_none();
            let services = Services::start(settings, ServeOptions { with_worker }).await?;
            let served = tokio::select! {
                served = gateway::mcp::serve_stdio(services.state().clone()) => served,
                () = shared::shutdown::signal() => Ok(()),
            };
            // Stopped cleanly either way: in-flight jobs finish, the index is flushed.
            let stopped = services.stop().await;
            if let (Err(_), Err(e)) = (&served, &stopped) {
                tracing::error!(error = %e, "the services did not stop cleanly after the MCP session failed");
            }
            served.and(stopped)
        }
        Command::Migrate => {
            let db = shared::db::Db::connect(&settings.database)
                .await
                .context("connecting to the database")?;
            db.migrate().await.context("applying migrations")?;
            println!("migrations applied ({})", db.dialect());
            Ok(())
        }
        Command::Backup { output } => backup(&settings, output).await,
        Command::Restore { archive } => restore(&settings, &archive).await,
        Command::Healthcheck { .. } | Command::Openapi => Ok(()),
    }
}

/// The configured database (migrated) and data directory, as backup and restore use them.
async fn data(settings: &Settings) -> anyhow::Result<(shared::db::Db, shared::storage::Storage)> {
    let db = shared::db::Db::connect(&settings.database)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("applying migrations")?;
    let storage = shared::storage::Storage::open_with(&settings.data_dir, settings.bucket.as_ref())
        .with_context(|| format!("opening the data directory {}", settings.data_dir.display()))?;
    Ok((db, storage))
}

async fn backup(settings: &Settings, output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let (db, storage) = data(settings).await?;
    let output = output.unwrap_or_else(|| shared::backup::daily::new_archive_path(&storage));
    let manifest = shared::backup::create(&db, &storage, &output).await?;
    println!(
        "backed up {} rows and {} files to {}",
        manifest.rows(),
        manifest.files(),
        output.display()
    );
    Ok(())
}

async fn restore(settings: &Settings, archive: &std::path::Path) -> anyhow::Result<()> {
    let (db, storage) = data(settings).await?;
    let manifest = shared::backup::restore(archive, &db, &storage).await?;
    println!(
        "restored {} rows and {} files from a {} backup of {} into {}",
        manifest.rows(),
        manifest.files(),
        manifest.dialect,
        manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        db.dialect()
    );
    Ok(())
}

async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .with_context(|| format!("requesting {url}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    Ok(())
}
