//! Small helpers shared by the steps: polling, JSON and file lookups, log tails, the report.

use super::*;

pub(crate) async fn get_status(http: &reqwest::Client, url: &str) -> Option<u16> {
    http.get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Polls `check` until it returns true, fails, or `limit` passes.
pub(crate) async fn wait_for<F, Fut>(
    limit: Duration,
    what: &str,
    mut check: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn article_ids(source: &Value) -> Vec<String> {
    source["article_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The wiki articles (concept pages aside) whose frontmatter lists `source_id` among their sources.
pub(crate) fn wiki_files_citing(data: &Path, source_id: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(data.join("wiki"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let Some(front) = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split("\n---\n").next())
        else {
            continue;
        };
        // Concept pages cite their members' sources too; only the source's own articles count.
        let concept_page = front.lines().any(|l| l.trim() == "page_type: concept");
        if front.contains(source_id) && !concept_page {
            found.push(path);
        }
    }
    Ok(found)
}

pub(crate) fn print_log_tails(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    let mut logs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(LOG_TAIL);
        println!(
            "---- {} (last {} lines) ----",
            log.display(),
            lines.len() - from
        );
        for line in &lines[from..] {
            let cut: String = line.chars().take(600).collect();
            println!("{cut}");
        }
    }
    println!("---- end of logs ----");
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) lines: Vec<(String, &'static str, String)>,
}

impl Report {
    pub(crate) fn record(&mut self, name: &str, result: anyhow::Result<()>, took: Duration) {
        let secs = took.as_secs_f64();
        match result {
            Ok(()) => {
                println!("PASS  {name} ({secs:.1} s)");
                self.lines
                    .push((name.to_owned(), "PASS", format!("{secs:.1} s")));
            }
            Err(e) => {
                println!("FAIL  {name} ({secs:.1} s): {e:#}");
                self.lines.push((name.to_owned(), "FAIL", format!("{e:#}")));
            }
        }
    }

    pub(crate) fn skip(&mut self, name: &str, why: &str) {
        println!("SKIP  {name}: {why}");
        self.lines.push((name.to_owned(), "SKIP", why.to_owned()));
    }

    pub(crate) fn failed(&self) -> bool {
        self.lines.iter().any(|(_, r, _)| *r == "FAIL")
    }

    pub(crate) fn summary(&self, took: Duration) {
        println!("==== smoke-prod summary ({:.0} s) ====", took.as_secs_f64());
        for (name, result, detail) in &self.lines {
            let detail: String = detail
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            println!("{result}  {name}  [{detail}]");
        }
        println!(
            "{}",
            if self.failed() {
                "smoke-prod: FAIL"
            } else {
                "smoke-prod: PASS"
            }
        );
    }
}
