// The Inbox quick-add box: a link is fetched as a web page, several links (one per line) as one
// source each, anything else is kept as a note.
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api/client";
import type { BatchReply, IngestReply } from "../api/types";
import { isSubmitShortcut, planQuickAdd, type QuickAddPlan } from "./quickAdd";
import { sourceTitle } from "./sourceView";

type Submission = { raw: string; plan: Exclude<QuickAddPlan, { kind: "empty" }> };

type Reply = { kind: "one"; reply: IngestReply } | { kind: "many"; reply: BatchReply };

async function send({ plan }: Submission): Promise<Reply> {
  switch (plan.kind) {
    case "urls":
      return { kind: "many", reply: await api.addUrls(plan.urls) };
    case "url":
      return { kind: "one", reply: await api.addUrl(plan.url) };
    default:
      return { kind: "one", reply: await api.addText(plan.content, plan.title) };
  }
}

/** What a batch of links did, in a sentence. */
function batchSummary(reply: BatchReply): string {
  const count = (outcome: string) => reply.items.filter((i) => i.outcome === outcome).length;
  const parts = [`Added ${reply.added} ${reply.added === 1 ? "link" : "links"}`];
  const duplicate = count("duplicate");
  if (duplicate > 0) parts.push(`${duplicate} already in your library`);
  const refused = count("refused");
  if (refused > 0) parts.push(`${refused} refused`);
  return `${parts.join(", ")}. Their progress shows below.`;
}

function hint(plan: QuickAddPlan): string {
  switch (plan.kind) {
    case "url":
      return "This link will be fetched and compiled.";
    case "urls":
      return `These ${plan.urls.length} links will each be fetched and compiled.`;
    case "text":
      return plan.title ? `This will be kept as a note titled “${plan.title}”.` : "This will be kept as a note.";
    default:
      return "Paste a web address (https://…) or a YouTube link, or type a note; markdown works.";
  }
}

export default function QuickAdd() {
  const queryClient = useQueryClient();
  const inputId = useId();
  const hintId = useId();
  const [text, setText] = useState("");
  const plan = planQuickAdd(text);

  const add = useMutation({
    mutationFn: send,
    onSuccess: (_reply, submitted) => {
      // Keep anything typed while the request was on its way.
      setText((current) => (current === submitted.raw ? "" : current));
      void queryClient.invalidateQueries({ queryKey: ["sources"] });
    },
  });

  const submit = () => {
    if (plan.kind === "empty" || add.isPending) return;
    add.mutate({ raw: text, plan });
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isSubmitShortcut(e)) {
      e.preventDefault();
      submit();
    }
  };

  const result = add.isSuccess ? add.data : null;
  const reply = result?.kind === "one" ? result.reply : null;
  const batch = result?.kind === "many" ? result.reply : null;
  const error = add.isError ? add.error : null;

  return (
    <form className="quick-add card" onSubmit={onSubmit}>
      <label htmlFor={inputId} className="quick-add-label">
        Add a link or a note
      </label>
      <textarea
        id={inputId}
        name="quick-add"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="https://example.org/article — or a note in markdown"
        aria-describedby={hintId}
        aria-invalid={error ? true : undefined}
        spellCheck
      />
      <div className="quick-add-bar">
        <p id={hintId} className="muted small quick-add-hint">
          {hint(plan)} <span className="nowrap">Ctrl+Enter (⌘+Enter) adds it.</span>
        </p>
        <button type="submit" className="primary" disabled={plan.kind === "empty" || add.isPending}>
          Add
        </button>
      </div>
      <div className="quick-add-feedback" aria-live="polite">
        {add.isPending ? <p className="muted small">Adding…</p> : null}
        {batch ? (
          <div key={add.submittedAt} className="quick-add-result" data-outcome="batch" data-submitted-at={add.submittedAt}>
            <p>{batchSummary(batch)}</p>
            {batch.items.some((i) => i.outcome === "refused") ? (
              <ul className="small">
                {batch.items
                  .filter((i) => i.outcome === "refused")
                  .map((i) => (
                    <li key={i.url}>
                      <code>{i.url}</code>: {i.error?.message ?? "refused"}
                    </li>
                  ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {reply ? (
          <p
            key={add.submittedAt}
            className="quick-add-result"
            data-outcome={reply.duplicate ? "duplicate" : "added"}
            data-submitted-at={add.submittedAt}
          >
            {reply.duplicate ? (
              <>
                Already in your library:{" "}
                <Link to={`/sources/${reply.source.id}`}>{sourceTitle(reply.source)}</Link>
              </>
            ) : (
              <>
                Added <Link to={`/sources/${reply.source.id}`}>{sourceTitle(reply.source)}</Link>. Its progress
                shows below.
              </>
            )}
          </p>
        ) : null}
      </div>
      {error ? (
        <div className="error-box quick-add-error" role="alert">
          <p>Could not add it: {error.message}</p>
          {error instanceof ApiError && error.requestId ? (
            <p className="muted small">Request id: {error.requestId}</p>
          ) : null}
          <p className="small">Your text is kept above, so you can fix it and try again.</p>
        </div>
      ) : null}
    </form>
  );
}
