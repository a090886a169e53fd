//! Daily backups of a personal WikiMind (on by default with SQLite, `WIKIMIND_BACKUP__DAILY`):
//! the first time the gateway runs on a day, it writes `backups/daily-YYYY-MM-DD.zip`, then
//! keeps the newest 7 daily archives and, of the older ones, the newest of each of 4 weeks. Archives
//! a person wrote there with `gateway backup` are listed but never removed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::BackupError;
use crate::db::Db;
use crate::storage::Storage;

const PREFIX: &str = "daily-";
const DAILY_KEPT: usize = 7;
const WEEKS_KEPT: usize = 4;
/// How often a running gateway checks whether the day turned.
const CHECK_EVERY: Duration = Duration::from_secs(60 * 60);

/// One archive in the backups directory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BackupFile {
    pub name: String,
    pub bytes: u64,
    /// When it was written (its modification time).
    pub created_at: DateTime<Utc>,
}

/// `<data>/backups`.
pub fn directory(storage: &Storage) -> PathBuf {
    storage.root().join("backups")
}

/// Where a backup made now on request goes: `backups/wikimind-<UTC time>.zip`.
pub fn new_archive_path(storage: &Storage) -> PathBuf {
    directory(storage).join(format!(
        "wikimind-{}.zip",
        Utc::now().format("%Y%m%d-%H%M%S-%3f")
    ))
}

fn daily_name(day: NaiveDate) -> String {
    format!("{PREFIX}{}.zip", day.format("%Y-%m-%d"))
}

fn daily_date(name: &str) -> Option<NaiveDate> {
    let day = name.strip_prefix(PREFIX)?.strip_suffix(".zip")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// Every finished archive in the backups directory, newest first.
pub fn list(storage: &Storage) -> std::io::Result<Vec<BackupFile>> {
    let dir = directory(storage);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        if !meta.is_file() || !name.ends_with(".zip") {
            continue;
        }
        files.push(BackupFile {
            name,
            bytes: meta.len(),
            created_at: meta.modified().map(DateTime::<Utc>::from)?,
        });
    }
    files.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.name.cmp(&a.name)));
    Ok(files)
}

/// The days whose daily archives are kept: the newest [`DAILY_KEPT`], and of the older ones
/// the newest of each of the [`WEEKS_KEPT`] latest ISO weeks (about a month more).
fn kept(days: &[NaiveDate]) -> BTreeSet<NaiveDate> {
    let mut newest_first = days.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    newest_first.dedup();
    let mut keep: BTreeSet<NaiveDate> = newest_first.iter().take(DAILY_KEPT).copied().collect();
    let mut weeks = Vec::new();
    for day in newest_first.iter().skip(DAILY_KEPT) {
        let week = (day.iso_week().year(), day.iso_week().week());
        if !weeks.contains(&week) {
            if weeks.len() == WEEKS_KEPT {
                break;
            }
            weeks.push(week);
            keep.insert(*day);
        }
    }
    keep
}

/// Writes today's archive unless it exists, then removes the daily archives no longer kept.
/// Returns the archive written, if one was.
pub async fn run_if_due(
    db: &Db,
    storage: &Storage,
    today: NaiveDate,
) -> Result<Option<PathBuf>, BackupError> {
    let dir = directory(storage);
    let path = dir.join(daily_name(today));
    let written = if path.exists() {
        None
    } else {
        super::create(db, storage, &path).await?;
        Some(path)
    };
    prune(&dir)?;
    Ok(written)
}

fn prune(dir: &Path) -> Result<(), BackupError> {
    let io = |e| BackupError::Io {
        path: dir.to_owned(),
        source: e,
    };
    let days: Vec<NaiveDate> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .filter_map(|e| daily_date(&e.file_name().to_string_lossy()))
        .collect();
    let keep = kept(&days);
    for day in days.iter().filter(|d| !keep.contains(d)) {
        let path = dir.join(daily_name(*day));
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "an old daily backup was not removed");
        }
    }
    Ok(())
}

/// Runs [`run_if_due`] now and then every hour, until `stop`. A failed backup is logged and
/// tried again at the next check.
pub async fn run(db: Db, storage: Storage, stop: CancellationToken) {
    loop {
        // A shutdown does not wait for a backup under way (its partial file is removed).
        let due = tokio::select! {
            () = stop.cancelled() => return,
            due = run_if_due(&db, &storage, Utc::now().date_naive()) => due,
        };
        match due {
            Ok(Some(path)) => tracing::info!(path = %path.display(), "wrote the daily backup"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "the daily backup failed; trying again later"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn seven_days_and_four_weeks_are_kept() {
        // Every day of November and the first days of December 2026.
        let days: Vec<NaiveDate> = (0..35)
            .map(|i| day("2026-11-01") + chrono::Days::new(i))
            .collect();
        let keep = kept(&days);
        let expected: BTreeSet<NaiveDate> = [
            // The last seven days…
            "2026-11-29",
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03",
            "2026-12-04",
            "2026-12-05",
            // …and, before them, the newest of each of four weeks (Sundays end ISO weeks).
            "2026-11-08",
            "2026-11-15",
            "2026-11-22",
            "2026-11-28",
        ]
        .into_iter()
        .map(day)
        .collect();
        assert_eq!(keep, expected);
    }

    #[test]
    fn a_few_backups_are_all_kept_and_names_are_read_back() {
        let days = [day("2026-12-01"), day("2026-12-03")];
        assert_eq!(kept(&days).len(), 2);
        assert_eq!(
            daily_date(&daily_name(day("2026-12-03"))),
            Some(day("2026-12-03"))
        );
        assert_eq!(daily_date("wikimind-20261203.zip"), None);
        assert_eq!(daily_date("daily-2026-12-03.zip.partial"), None);
    }
}
