// Reading `POST /api/ask/stream`: Server-Sent Events parsed as they arrive, `token` text handed
// on at once, `done` giving the stored turn, `error` (or a refused request) an `ApiError`.
import { ApiError, errorFromResponse } from "../api/client";
import type { AskReply, AskRequest, ErrorEnvelope, TokenEvent } from "../api/types";

export interface SseEvent {
  event: string;
  data: string;
}

/** Splits a growing SSE text into events; a frame may arrive in any number of pieces. */
export class SseParser {
  private buffer = "";

  push(chunk: string): SseEvent[] {
    // Normalised on the whole buffer: a "\r\n" may be split between two pieces.
    this.buffer = (this.buffer + chunk).replace(/\r\n/g, "\n");
    const events: SseEvent[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end !== -1) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
      end = this.buffer.indexOf("\n\n");
    }
    return events;
  }
}

/** Asks with streaming; `onToken` receives the answer text piece by piece. */
export async function streamAnswer(
  question: string,
  conversationId: string | undefined,
  onToken: (text: string) => void,
  signal?: AbortSignal,
): Promise<AskReply> {
  const request: AskRequest = conversationId ? { question, conversation_id: conversationId } : { question };
  let res: Response;
  try {
    res = await fetch("/api/ask/stream", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(request),
      signal,
    });
  } catch (e) {
    throw new ApiError(0, "network", `the gateway could not be reached (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw await errorFromResponse(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (const e of parser.push(value)) {
      if (e.event === "token") {
        onToken((JSON.parse(e.data) as TokenEvent).text);
      } else if (e.event === "done") {
        return JSON.parse(e.data) as AskReply;
      } else if (e.event === "error") {
        const { error } = JSON.parse(e.data) as ErrorEnvelope;
        throw new ApiError(502, error.code, error.message, error.request_id ?? null);
      }
    }
  }
  throw new ApiError(0, "stream_ended", "the answer stopped before it was complete");
}
