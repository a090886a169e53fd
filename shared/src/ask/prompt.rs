//! The answering prompt: numbered passages, the conversation so far, the question; the model
//! answers in markdown prose with `[n]` markers (never JSON, so it can be streamed as is).

use crate::db::search::PassageHit;
use crate::domain::Turn;

/// Longest passage text sent; passages are cut to about this by the index anyway.
const MAX_PASSAGE_CHARS: usize = 2_000;
/// Prior answers are shortened to this many characters of context.
const MAX_PRIOR_ANSWER_CHARS: usize = 600;
/// Most prior turns given as context.
pub const MAX_PRIOR_TURNS: usize = 5;

/// The system prompt of every answer.
pub const SYSTEM: &str = "You answer questions from the user's personal wiki. You are given \
numbered passages retrieved from it. Answer only from those passages, never from general \
knowledge. Write the answer in concise markdown prose (short paragraphs or a list), not JSON and \
not code fences around the whole answer. After each statement put the number of every passage it \
rests on in square brackets, like [1] or [2][3]. Use only the numbers of the passages given. If \
the passages do not answer the question, say so plainly and say what is missing.";

fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// The user message: passages, then prior turns (oldest first), then the question.
pub fn user_message(question: &str, passages: &[PassageHit], prior: &[Turn]) -> String {
    let mut out = String::from("Passages from the wiki:\n\n");
    for (i, p) in passages.iter().enumerate() {
        let heading = if p.heading.is_empty() || p.heading == p.title {
            String::new()
        } else {
            format!(" — {}", p.heading)
        };
        out.push_str(&format!(
            "[{}] {}{heading}\n{}\n\n",
            i + 1,
            p.title,
            cut(&p.content, MAX_PASSAGE_CHARS)
        ));
    }
    let recent = &prior[prior.len().saturating_sub(MAX_PRIOR_TURNS)..];
    if !recent.is_empty() {
        out.push_str(
            "The conversation so far (only to understand what the question refers to; its \
             citation numbers do not apply to the passages above):\n\n",
        );
        for t in recent {
            out.push_str(&format!(
                "Q: {}\nA: {}\n\n",
                t.question,
                cut(&t.answer, MAX_PRIOR_ANSWER_CHARS)
            ));
        }
    }
    out.push_str(&format!("Question: {question}\n"));
    out
}
