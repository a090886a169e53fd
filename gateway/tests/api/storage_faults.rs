//! Storage faults: with the data directory on a small tmpfs that the test fills up, writes are
//! refused with a 507 envelope and leave nothing behind, readiness says the disk is almost
//! full, and once space returns writes succeed again without a restart. Mounting needs root
//! (CI runs as root); elsewhere the test is skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, assert_envelope, spawn_app_with};

/// A tmpfs of a few MiB, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the disk with one file until nothing more fits; returns its path.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    // What a 64 KiB block could not fill, smaller writes do.
    while file.write_all(&[0u8; 512]).is_ok() {}
    let _ = file.sync_all();
    path
}

fn source_dirs(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.join("raw"))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_507_and_writes_resume_when_space_returns() {
    let Some(disk) = SmallDisk::mount(24) else {
        eprintln!("SKIPPED: mounting a tmpfs needs root; the full-disk test did not run");
        return;
    };
    let root = disk.path().to_owned();
    let app = spawn_app_with(|s| {
        if !s.uses_postgres() {
            s.database.url = shared::config::Settings::for_data_dir(&root).database.url;
        }
        s.data_dir = root.clone();
    })
    .await;
    let (status, body) = app
        .post_text(
            "Before the disk filled up, notes were stored as usual.",
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let first = body["source"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.wait_for_source(&first, Duration::from_secs(60)).await["status"],
        "compiled"
    );

    let filler = fill(&root);
    let dirs_before = source_dirs(&app);
    for n in 0..5 {
        let (status, body) = app
            .post_text(
                &format!("Note {n} written while the disk is full, which cannot be kept."),
                None,
            )
            .await;
        assert_envelope(status, &body, 507);
        assert_eq!(body["error"]["code"], "insufficient_storage", "{body}");
    }
    assert_eq!(
        source_dirs(&app),
        dirs_before,
        "no half-written source stays behind"
    );
    // Questions write only to the database. On SQLite its file is on the full disk too, so
    // they go on until the database itself runs out of space (SQLITE_FULL on some pooled
    // connection); each is answered or refused with a 507 envelope, never a 500.
    let mut refused = 0;
    for n in 0..150 {
        let question = serde_json::json!({"question": format!(
            "Which notes were stored before the disk filled up, and what did note {n} say? {}",
            "Asked at length so that the conversation takes room. ".repeat(20)
        )});
        let (status, body) = app.post_json("/api/ask", &question).await;
        if status == 507 {
            assert_envelope(status, &body, 507);
            refused += 1;
            if refused >= 5 {
                break;
            }
        } else {
            assert_eq!(status, 200, "question {n} on a full disk: {body}");
        }
    }
    eprintln!("questions refused while the disk was full: {refused}");
    if app.db.dialect() == "sqlite" {
        assert!(refused > 0, "the database ran out of space");
    }
    let (status, ready) = app.get_json("/health/ready").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["checks"]["storage"]["ok"], false, "{ready}");
    assert!(
        ready["checks"]["storage"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("full"),
        "{ready}"
    );

    // Space returns: every write succeeds again, with the same process and pool.
    std::fs::remove_file(&filler).expect("free the disk");
    let mut ids = Vec::new();
    for n in 0..10 {
        let (status, body) = app
            .post_text(
                &format!("Note {n} written after space returned, kept as usual."),
                None,
            )
            .await;
        assert_eq!(status, 202, "write {n} after recovery: {body}");
        ids.push(body["source"]["id"].as_str().expect("id").to_owned());
    }
    for id in &ids {
        let source: Value = app.wait_for_source(id, Duration::from_secs(60)).await;
        assert_eq!(source["status"], "compiled", "{source}");
    }
    // Every pooled connection works again: twenty questions in a row are answered.
    for n in 0..20 {
        let question = serde_json::json!({"question": format!("What was stored before the disk filled up? (again {n})")});
        let (status, body) = app.post_json("/api/ask", &question).await;
        assert_eq!(status, 200, "question {n} after recovery: {body}");
    }
    let (status, ready) = app.get_json("/health/ready").await;
    assert_eq!(status, 200, "{ready}");
    app.stop().await;
    drop(disk);
}
