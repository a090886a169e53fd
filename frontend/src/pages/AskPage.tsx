// Screen: Ask. Conversations on the side, the current one's turns, and a question box. A new
// question starts a conversation (kept in `?c=`); later ones continue it. Any turn can be forked,
// a conversation exported as markdown or filed back into the wiki as an answer page.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { AskReply } from "../api/types";
import { EmptyState, ErrorBox, Loading, useTitle } from "../components/common";
import { timeAgo, usd } from "../components/format";
import TurnView from "../ask/TurnView";
import { streamAnswer } from "../ask/stream";

function ConversationList({ current }: { current: string | null }) {
  const list = useQuery({ queryKey: ["conversations"], queryFn: api.listConversations });
  return (
    <nav className="ask-conversations card" aria-label="Conversations">
      <h2 className="small-heading">Conversations</h2>
      <p>
        <Link to="/ask" className="button">
          New conversation
        </Link>
      </p>
      {list.isPending ? <Loading label="Loading conversations…" /> : null}
      {list.isError ? <ErrorBox error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && list.data.items.length === 0 ? <p className="muted small">No conversations yet.</p> : null}
      {list.data && list.data.items.length > 0 ? (
        <ul>
          {list.data.items.map((c) => (
            <li key={c.id}>
              <Link to={`/ask?c=${encodeURIComponent(c.id)}`} aria-current={c.id === current ? "page" : undefined}>
                {c.parent_id ? "↳ " : ""}
                {c.title}
              </Link>
              <span className="muted small"> · {timeAgo(c.updated_at)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </nav>
  );
}

export default function AskPage() {
  useTitle("Ask");
  const [params] = useSearchParams();
  const current = params.get("c");
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [question, setQuestion] = useState("");
  // The question being answered and the answer text streamed so far.
  const [live, setLive] = useState<{ question: string; text: string } | null>(null);

  const detail = useQuery({
    queryKey: ["conversation", current],
    queryFn: () => api.getConversation(current ?? ""),
    enabled: current !== null,
  });

  const landed = (reply: AskReply) => {
    void queryClient.invalidateQueries({ queryKey: ["conversations"] });
    void queryClient.invalidateQueries({ queryKey: ["conversation", reply.conversation.id] });
    if (reply.conversation.id !== current) void navigate(`/ask?c=${encodeURIComponent(reply.conversation.id)}`);
  };
  const ask = useMutation({
    mutationFn: (q: string) => {
      setLive({ question: q, text: "" });
      return streamAnswer(q, current ?? undefined, (piece) =>
        setLive((l) => (l ? { ...l, text: l.text + piece } : l)),
      );
    },
    onSuccess: (reply, asked) => {
      setQuestion((typed) => (typed.trim() === asked ? "" : typed));
      // Show the stored turn in place of the streamed text without a gap.
      queryClient.setQueryData(["conversation", reply.conversation.id], (old: typeof detail.data) =>
        old && old.conversation.id === reply.conversation.id
          ? { conversation: reply.conversation, turns: [...old.turns, reply.turn] }
          : { conversation: reply.conversation, turns: [reply.turn] },
      );
      landed(reply);
    },
    onSettled: () => setLive(null),
  });
  const fork = useMutation({
    mutationFn: ({ index, q }: { index: number; q: string }) => api.forkConversation(current ?? "", index, q),
    onSuccess: landed,
  });
  const fileBack = useMutation({
    mutationFn: () => api.fileBack(current ?? ""),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["conversation", current] });
      void queryClient.invalidateQueries({ queryKey: ["articles"] });
    },
  });

  const send = (q: string) => {
    if (q.trim() && !ask.isPending) ask.mutate(q.trim());
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send(question);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      send(question);
    }
  };

  const conversation = detail.data?.conversation;
  const turns = detail.data?.turns ?? [];
  return (
    <div className="ask-page">
      <ConversationList current={current} />
      <section className="ask-main" aria-labelledby="ask-heading">
        <div className="row ask-head">
          <h1 id="ask-heading">{conversation ? conversation.title : "Ask your wiki"}</h1>
          {conversation ? (
            <div className="row ask-tools">
              {conversation.cost_usd > 0 ? (
                <span className="muted small" title="What the model's answers in this conversation cost">
                  {usd(conversation.cost_usd)}
                </span>
              ) : null}
              <a className="button" href={api.exportUrl(conversation.id)} download>
                Export
              </a>
              <button type="button" onClick={() => fileBack.mutate()} disabled={fileBack.isPending}>
                {conversation.filed_article_id ? "File back again" : "File back to the wiki"}
              </button>
            </div>
          ) : null}
        </div>
        {fileBack.data ? (
          <p className="small" role="status">
            {fileBack.data.was_update ? "Updated " : "Filed as "}
            <Link to={`/wiki/${encodeURIComponent(fileBack.data.article.slug)}`}>{fileBack.data.article.title}</Link>.
          </p>
        ) : null}
        {fileBack.isError ? <ErrorBox error={fileBack.error} /> : null}
        {current && detail.isPending ? <Loading label="Loading the conversation…" /> : null}
        {detail.isError ? <ErrorBox error={detail.error} onRetry={() => void detail.refetch()} /> : null}
        {!current ? (
          <EmptyState title="Ask a question">
            <p>Answers come only from your wiki, and every citation leads to the quote in the original source.</p>
          </EmptyState>
        ) : null}
        <ol className="turns" aria-label="Turns">
          {turns.map((t) => (
            <li key={t.id}>
              <TurnView
                turn={t}
                forking={fork.isPending}
                onFork={(index, q) => fork.mutate({ index, q })}
                onFollowUp={(q) => setQuestion(q)}
              />
            </li>
          ))}
        </ol>
        {live ? (
          <article className="turn card turn-streaming" aria-label="Answer in progress" aria-busy="true">
            <h2 className="turn-question">{live.question}</h2>
            <p className="turn-answer streaming-text" aria-live="polite">
              {live.text || <span className="muted">Looking through your wiki…</span>}
            </p>
          </article>
        ) : null}
        {fork.isError ? <ErrorBox error={fork.error} /> : null}
        <form className="ask-form card" onSubmit={submit}>
          <label htmlFor="ask-question">{current ? "Ask a follow-up" : "Your question"}</label>
          <textarea
            id="ask-question"
            rows={3}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder="What does my wiki say about…?"
          />
          <div className="row">
            <button type="submit" className="primary" disabled={ask.isPending || !question.trim()}>
              Ask
            </button>
            {ask.isPending ? (
              <span className="muted small" role="status">
                Answering…
              </span>
            ) : null}
          </div>
          {ask.isError ? <ErrorBox error={ask.error} /> : null}
        </form>
      </section>
    </div>
  );
}
