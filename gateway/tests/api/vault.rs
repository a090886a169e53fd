//! The vault is a folder Obsidian can follow: every `[[link]]` written in `wiki/` resolves
//! under Obsidian's rules. An independent resolver proves it: `obsidian-export`, a third-party
//! tool that follows those rules, exports the vault and must find every referenced note.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::ask::{file_back, two_turn_conversation};
use crate::helpers::{spawn_app, tool_available};

/// `obsidian-export` from PATH; required with `CI=true`.
fn obsidian_export() -> Option<&'static str> {
    let found = Command::new("obsidian-export")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    tool_available(
        found,
        "obsidian-export",
        "cargo install obsidian-export --locked",
    )
    .then_some("obsidian-export")
}

/// Exports `vault` and returns what the exporter reported about references it could not find.
fn unresolved_references(tool: &str, vault: &Path) -> String {
    let out = tempfile::tempdir().expect("export dir");
    let run = Command::new(tool)
        .arg(vault)
        .arg(out.path())
        .output()
        .expect("run obsidian-export");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "obsidian-export failed: {stderr}");
    stderr
        .split("Warning: ")
        .filter(|w| w.contains("Unable to find referenced note"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_link_in_the_vault_resolves_under_obsidians_rules() {
    let Some(tool) = obsidian_export() else {
        return;
    };
    let app = spawn_app().await;
    // Two articles, questions citing them, and an answer page linking to what it cites.
    let (conversation, _) = two_turn_conversation(&app).await;
    let filed = file_back(&app, &conversation, json!({})).await;
    let slug = filed["article"]["slug"].as_str().expect("slug");
    // A note whose own links name an article and a page that does not exist.
    let (status, body) = app
        .post_text(
            "# Reading list\n\nStart with [[heapq — Heap queue algorithm]], then [[A page nobody wrote]].\n\nHeaps keep the smallest item first.",
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let note = body["source"]["id"].as_str().expect("id").to_owned();
    app.wait_for_source(&note, Duration::from_secs(60)).await;

    let wiki = app.data_dir.join("wiki");
    let answer = std::fs::read_to_string(wiki.join(format!("{slug}.md"))).expect("answer file");
    assert!(
        answer.contains("## Related\n\n- [[") && answer.contains("[[heapq-heap-queue-algorithm|"),
        "the answer links the articles it cites by file name: {answer}"
    );
    app.index_containing(&format!("[[{slug}|")).await;

    let unresolved = unresolved_references(tool, &wiki);
    assert!(unresolved.is_empty(), "unresolved links:\n{unresolved}");
    app.stop().await;
}
