//! `wikimind`: the command line of WikiMind, a client of its HTTP API (`WIKIMIND_URL`,
//! `WIKIMIND_TOKEN`). Exit codes: 0 done, 1 the server refused or something failed (a source
//! that did not compile, say), 2 a usage error, 3 the server could not be reached.

mod add;
mod archive;
mod ask;
mod client;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use client::{CliResult, Client, Failure};

#[derive(Parser)]
#[command(
    name = "wikimind",
    version,
    about = "Feed, search and ask your WikiMind from the command line",
    after_help = "Exit codes: 0 done, 1 refused or failed, 2 usage error, 3 server unreachable."
)]
struct Cli {
    /// The WikiMind to talk to.
    #[arg(
        long,
        env = "WIKIMIND_URL",
        default_value = "http://127.0.0.1:7842",
        global = true
    )]
    url: String,
    /// Its access token, when it has one.
    #[arg(long, env = "WIKIMIND_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add links, files and folders (each file a source; hidden folders skipped).
    Add {
        /// Web pages, PDFs or YouTube links; .md, .txt, .html or .pdf files; folders of them.
        #[arg(required = true)]
        items: Vec<String>,
        /// Return once they are queued instead of waiting until they are compiled.
        #[arg(long)]
        no_wait: bool,
    },
    /// Ask the wiki a question; the answer streams, then its citations.
    Ask {
        question: String,
        /// Continue a conversation.
        #[arg(long)]
        conversation: Option<String>,
    },
    /// Search the wiki.
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// List the wiki's articles, most recently changed first.
    Articles {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Download the wiki as an Obsidian vault (ZIP).
    Export {
        #[arg(long, short, default_value = "wikimind-vault.zip")]
        output: PathBuf,
    },
    /// Make a backup on the server and download it.
    Backup {
        /// Where to save it [default: the archive's own name, here].
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Restore a backup into the server's wiki, which must be empty (a new WikiMind, on
    /// either database).
    Restore {
        /// An archive made by `wikimind backup` or `gateway backup`.
        archive: PathBuf,
    },
    /// Is the server up, and what is in it.
    Status,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let client = match Client::new(&cli.url, cli.token.clone()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match run(&cli, &client).await {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

fn fail(e: &Failure) -> ExitCode {
    eprintln!("wikimind: {e}");
    ExitCode::from(e.exit_code())
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

async fn run(cli: &Cli, client: &Client) -> CliResult<ExitCode> {
    match &cli.command {
        Command::Add { items, no_wait } => add(cli, client, items, *no_wait).await,
        Command::Ask {
            question,
            conversation,
        } => {
            let mut stdout = std::io::stdout();
            let reply = ask::ask(
                client,
                question,
                conversation.as_deref(),
                !cli.json,
                &mut stdout,
            )
            .await?;
            if cli.json {
                print_json(&reply);
            } else {
                println!();
                let lines = ask::citation_lines(&reply["turn"]);
                if !lines.is_empty() {
                    println!();
                }
                for line in lines {
                    println!("{line}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, limit } => {
            let path = format!("/api/search?q={}&limit={limit}", urlencoding(query));
            let reply = client.get(&path).await?;
            if cli.json {
                print_json(&reply);
            } else {
                for r in reply["results"].as_array().into_iter().flatten() {
                    let snippet: String = r["snippet"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s["text"].as_str())
                        .collect();
                    println!(
                        "{} ({})",
                        r["article"]["title"].as_str().unwrap_or(""),
                        r["article"]["slug"].as_str().unwrap_or("")
                    );
                    println!("  {}", snippet.trim());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Articles { limit } => {
            let reply = client.get(&format!("/api/articles?limit={limit}")).await?;
            if cli.json {
                print_json(&reply);
            } else {
                for a in reply["items"].as_array().into_iter().flatten() {
                    println!(
                        "{}  {}",
                        a["slug"].as_str().unwrap_or(""),
                        a["title"].as_str().unwrap_or("")
                    );
                }
                println!("{} articles", reply["total"]);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { output } => {
            archive::download(client, "/api/export?format=obsidian", output, !cli.json).await?;
            report(
                cli,
                json!({"saved": output}),
                &format!("saved the vault to {}", output.display()),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { output } => {
            let (made, output) = archive::backup(client, output.as_deref(), !cli.json).await?;
            report(
                cli,
                json!({"backup": made, "saved": output}),
                &format!(
                    "saved the backup to {} (restore it into a new WikiMind with: wikimind restore {})",
                    output.display(),
                    output.display()
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { archive } => {
            let restored = archive::restore(client, archive, !cli.json).await?;
            report(
                cli,
                restored.clone(),
                &format!(
                    "restored {} rows and {} files from a {} backup made {} into {}",
                    restored["rows"],
                    restored["files"],
                    restored["dialect"].as_str().unwrap_or("?"),
                    restored["created_at"].as_str().unwrap_or("?"),
                    cli.url
                ),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let ready = client
                .json(client.request(Method::GET, "/health/ready"))
                .await;
            let settings = client.get("/api/settings").await?;
            let articles = client.get("/api/articles?limit=1").await?;
            let sources = client.get("/api/sources?limit=1").await?;
            let status = json!({
                "url": cli.url,
                "version": settings["version"],
                "ready": ready.is_ok(),
                "default_provider": settings["default_provider"],
                "articles": articles["total"],
                "sources": sources["total"],
                "search": settings["search"]["ranking"],
                "last_backup": settings["backups"]["last"],
            });
            if cli.json {
                print_json(&status);
            } else {
                println!(
                    "WikiMind {} at {}",
                    settings["version"].as_str().unwrap_or("?"),
                    cli.url
                );
                println!("ready: {}", if ready.is_ok() { "yes" } else { "no" });
                println!(
                    "articles: {}, sources: {}",
                    articles["total"], sources["total"]
                );
                println!(
                    "compiles with: {}; search: {}",
                    settings["default_provider"].as_str().unwrap_or("?"),
                    settings["search"]["ranking"].as_str().unwrap_or("?")
                );
                match settings["backups"]["last"]["name"].as_str() {
                    Some(name) => println!("last backup: {name}"),
                    None => println!("last backup: none"),
                }
            }
            Ok(if ready.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn report(cli: &Cli, value: Value, text: &str) {
    if cli.json {
        print_json(&value);
    } else {
        println!("{text}");
    }
}

async fn add(cli: &Cli, client: &Client, items: &[String], no_wait: bool) -> CliResult<ExitCode> {
    let added = add::add(client, items).await?;
    let mut ok = true;
    let mut rows = Vec::new();
    for a in &added {
        match &a.outcome {
            Ok(reply) => {
                let duplicate = reply["duplicate"].as_bool().unwrap_or(false);
                if !cli.json {
                    println!(
                        "{} {} {}",
                        if duplicate { "already there" } else { "added" },
                        reply["source"]["id"].as_str().unwrap_or(""),
                        a.item
                    );
                }
                rows.push(
                    json!({"item": a.item, "source": reply["source"], "duplicate": duplicate}),
                );
            }
            Err(e) => {
                ok = false;
                eprintln!("refused {}: {e}", a.item);
                rows.push(json!({"item": a.item, "error": e.to_string()}));
            }
        }
    }
    if !no_wait {
        let bars = !cli.json && std::io::stderr().is_terminal();
        let finished = add::wait(client, &added, bars).await?;
        for source in &finished {
            let name = source["title"]
                .as_str()
                .unwrap_or(source["id"].as_str().unwrap_or(""));
            match source["status"].as_str() {
                Some("paused_budget") => {
                    ok = false;
                    eprintln!("waiting {name}: the monthly budget is spent; raise it in Settings");
                }
                Some("awaiting_approval") => {
                    ok = false;
                    eprintln!(
                        "waiting {name}: its estimated cost is above the per-source limit; approve it in the Inbox"
                    );
                }
                _ => {}
            }
            if source["status"] == "failed" {
                ok = false;
                eprintln!(
                    "failed {}: {}",
                    source["title"]
                        .as_str()
                        .unwrap_or(source["id"].as_str().unwrap_or("")),
                    source["error"].as_str().unwrap_or("")
                );
            }
            if let Some(row) = rows.iter_mut().find(|r| r["source"]["id"] == source["id"]) {
                row["source"] = source.clone();
            }
        }
        if !cli.json {
            let compiled = finished
                .iter()
                .filter(|s| s["status"] == "compiled")
                .count();
            println!("{compiled} of {} compiled", finished.len());
        }
    }
    if cli.json {
        print_json(&json!({ "items": rows }));
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `text` percent-encoded for a query string.
pub(crate) fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
