//! The `gateway` binary: `serve` (default), `migrate` and `healthcheck`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use gateway::{Application, ServeOptions};
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
    /// Apply database migrations and exit.
    Migrate,
    /// Exit 0 when the server at URL answers /health (for container health checks).
    Healthcheck {
        #[arg(default_value = "http://127.0.0.1:7842/health")]
        url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Healthcheck { url }) = &cli.command {
        return healthcheck(url).await;
    }
    let settings = Settings::load()?;
    shared::telemetry::init("gateway", &settings.telemetry);
    match cli.command.unwrap_or(Command::Serve {
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
        Command::Migrate => {
            let db = shared::db::Db::connect(&settings.database)
                .await
                .context("connecting to the database")?;
            db.migrate().await.context("applying migrations")?;
            println!("migrations applied ({})", db.dialect());
            Ok(())
        }
        Command::Healthcheck { .. } => Ok(()),
    }
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
