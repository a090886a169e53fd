//! The question set (`testdata/eval/questions.json`): questions a person would ask, each with
//! the corpus document that answers it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// One question and the document that answers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Question {
    pub(crate) question: String,
    /// Path of the answering document under the corpus directory, e.g. `html/python/heapq.html`.
    pub(crate) answer: String,
    /// Other documents that answer it as well (the long PDF contains its 12-page excerpt):
    /// finding any of them counts.
    #[serde(default)]
    pub(crate) also: Vec<String>,
}

impl Question {
    /// Every document that answers the question, the main one first.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.answer.as_str()).chain(self.also.iter().map(String::as_str))
    }
}

/// The file: an `about` text for people (JSON has no comments; ignored here) and the questions.
#[derive(Debug, Deserialize)]
struct QuestionFile {
    questions: Vec<Question>,
}

/// Where the question set is kept in the repository.
pub(crate) fn default_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/eval/questions.json")
}

/// Reads the question set and checks that every answering document is in `corpus`.
pub(crate) fn load(path: &Path, corpus: &Path) -> anyhow::Result<Vec<Question>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: QuestionFile =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if file.questions.is_empty() {
        bail!("{} has no questions", path.display());
    }
    for q in &file.questions {
        if q.question.trim().is_empty() {
            bail!("an empty question in {}", path.display());
        }
        if let Some(missing) = q.documents().find(|d| !corpus.join(d).is_file()) {
            bail!(
                "{:?} names {missing}, which is not in the corpus at {}",
                q.question,
                corpus.display()
            );
        }
    }
    Ok(file.questions)
}
