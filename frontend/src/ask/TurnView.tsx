// One question and its answer: the answer with its citation markers as links, how it was made
// (model, extractive, or nothing found), the citations with their quotes and a way to the
// source, related articles, follow-up questions, and forking a new branch from this turn.
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";
import type { Turn } from "../api/types";
import { Badge } from "../components/common";
import SafeMarkdown from "../markdown/SafeMarkdown";
import { plainText } from "../markdown/plain";
import { sourceQuoteHref } from "../inbox/span";
import { citationHref, linkCitations } from "./citations";

function ModeNote({ turn }: { turn: Turn }) {
  switch (turn.mode) {
    case "extractive":
      return (
        <span className="answer-mode muted">
          Extractive answer: sentences taken from your wiki as they are, no language model.
        </span>
      );
    case "nothing_relevant":
      return <span className="answer-mode muted">Nothing in your wiki matched; no model was asked.</span>;
    default:
      return (
        <span className="answer-mode muted">
          Written by {turn.provider} ({turn.model}) from the passages cited.
          {turn.dropped_citations > 0
            ? ` ${turn.dropped_citations} citation${turn.dropped_citations === 1 ? "" : "s"} naming no retrieved passage ${turn.dropped_citations === 1 ? "was" : "were"} removed.`
            : ""}
        </span>
      );
  }
}

function ForkForm({ onFork, busy }: { onFork: (question: string) => void; busy: boolean }) {
  const [question, setQuestion] = useState("");
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (question.trim()) onFork(question.trim());
  };
  return (
    <form className="fork-form row" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        Ask instead
      </label>
      <input
        id={id}
        value={question}
        onChange={(e) => setQuestion(e.target.value)}
        placeholder="Ask something else from here…"
      />
      <button type="submit" disabled={busy || !question.trim()}>
        Fork
      </button>
    </form>
  );
}

export default function TurnView({
  turn,
  onFork,
  forking,
  onFollowUp,
}: {
  turn: Turn;
  /** Starts a new branch that keeps the turns before this one and asks `question` instead. */
  onFork: (turnIndex: number, question: string) => void;
  forking: boolean;
  onFollowUp: (question: string) => void;
}) {
  const [showFork, setShowFork] = useState(false);
  return (
    <article className="turn card" aria-label={`Question ${turn.index + 1}`} data-mode={turn.mode}>
      <h2 className="turn-question">{turn.question}</h2>
      <div className="turn-answer">
        <SafeMarkdown>{linkCitations(turn.answer, turn.citations)}</SafeMarkdown>
      </div>
      <p className="turn-meta row small">
        <Badge kind={turn.confidence} title="Confidence">
          {turn.confidence}
        </Badge>
        <ModeNote turn={turn} />
      </p>
      {turn.citations.length > 0 ? (
        <ol className="citations" aria-label="Citations">
          {turn.citations.map((c) => (
            <li key={c.n} className="citation" value={c.n}>
              <Link className="citation-chip" to={citationHref(c)}>
                {c.article.title}
              </Link>
              {c.passage.heading ? <span className="muted small"> · {c.passage.heading}</span> : null}
              {c.quote ? <blockquote className="citation-quote">{plainText(c.quote)}</blockquote> : null}
              {c.source && c.span ? (
                <Link className="small" to={sourceQuoteHref(c.source.id, c.span)}>
                  Show in {c.source.title ?? "the source"}
                </Link>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {turn.related_articles.length > 0 ? (
        <p className="small">
          Related:{" "}
          {turn.related_articles.map((a, i) => (
            <span key={a.id}>
              {i > 0 ? ", " : null}
              <Link to={`/wiki/${encodeURIComponent(a.slug)}`}>{a.title}</Link>
            </span>
          ))}
        </p>
      ) : null}
      {turn.follow_up_questions.length > 0 ? (
        <div className="follow-ups small">
          <span className="muted">Open questions: </span>
          {turn.follow_up_questions.map((q) => (
            <button key={q} type="button" className="link-button" onClick={() => onFollowUp(q)}>
              {q}
            </button>
          ))}
        </div>
      ) : null}
      <div className="turn-actions">
        <button type="button" className="link-button small" aria-expanded={showFork} onClick={() => setShowFork(!showFork)}>
          Fork from here
        </button>
        {showFork ? <ForkForm busy={forking} onFork={(q) => onFork(turn.index, q)} /> : null}
      </div>
    </article>
  );
}
