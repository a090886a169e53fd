// The Inbox's feeds: subscribe to an RSS, Atom or JSON feed by its address, see when each was
// last read and how many items it brought, read one now, or unsubscribe (its sources stay).
// New items arrive as sources in the list below, live.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Feed } from "../api/types";
import { plural, timeAgo } from "../components/format";
import { errorMessage } from "./hooks";

function feedName(feed: Feed): string {
  return feed.title ?? feed.url;
}

function FeedRow({ feed }: { feed: Feed }) {
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["feeds"] });
  const poll = useMutation({ mutationFn: () => api.pollFeed(feed.id), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => api.unsubscribeFeed(feed.id), onSuccess: refresh });
  const hours = feed.poll_secs / 3600;
  return (
    <li className="feed-item" data-feed-id={feed.id}>
      <div className="feed-item-text">
        <strong>{feedName(feed)}</strong>
        {feed.title ? <span className="muted small feed-url">{feed.url}</span> : null}
        <span className="muted small">
          {plural(feed.item_count, "item")} ·{" "}
          {feed.last_polled_at ? `read ${timeAgo(feed.last_polled_at)}` : "not read yet"} · every{" "}
          {hours >= 1 ? plural(Math.round(hours), "hour") : plural(Math.round(feed.poll_secs / 60), "minute")}
        </span>
        {feed.last_error ? (
          <span className="error-text small" role="alert">
            Last reading failed: {feed.last_error}
          </span>
        ) : null}
        {poll.isError || remove.isError ? (
          <span className="error-text small" role="alert">
            {errorMessage(poll.error ?? remove.error)}
          </span>
        ) : null}
      </div>
      <div className="row">
        <button type="button" className="small-button" onClick={() => poll.mutate()} disabled={poll.isPending}>
          Read now
        </button>
        <button
          type="button"
          className="small-button"
          onClick={() => remove.mutate()}
          disabled={remove.isPending}
          aria-label={`Unsubscribe from ${feedName(feed)}`}
        >
          Unsubscribe
        </button>
      </div>
    </li>
  );
}

export default function Feeds() {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const feeds = useQuery({
    queryKey: ["feeds"],
    queryFn: api.listFeeds,
    // A feed is read within seconds of subscribing or "Read now"; its row then says so.
    refetchInterval: (q) => (q.state.data?.items.some((f) => new Date(f.next_poll_at).getTime() <= Date.now()) ? 2_000 : 60_000),
  });
  const subscribe = useMutation({
    mutationFn: (address: string) => api.subscribeFeed(address),
    onSuccess: () => {
      setUrl("");
      void queryClient.invalidateQueries({ queryKey: ["feeds"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (url.trim()) subscribe.mutate(url.trim());
  };
  const items = feeds.data?.items ?? [];
  return (
    <section className="feeds card stack" aria-labelledby="feeds-heading">
      <h2 id="feeds-heading">Feeds</h2>
      <form className="row" onSubmit={submit} aria-label="Subscribe to a feed">
        <input
          type="url"
          aria-label="Feed address"
          placeholder="https://example.org/feed.xml — RSS, Atom or JSON Feed"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button type="submit" disabled={subscribe.isPending || !url.trim()}>
          Subscribe
        </button>
      </form>
      {subscribe.isError ? (
        <p className="error-box" role="alert">
          Could not subscribe: {errorMessage(subscribe.error)}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ul className="feed-list" aria-label="Feeds">
          {items.map((f) => (
            <FeedRow key={f.id} feed={f} />
          ))}
        </ul>
      ) : feeds.isSuccess ? (
        <p className="muted small">No feeds yet. Each new item of a feed you subscribe to becomes a source here.</p>
      ) : null}
    </section>
  );
}
