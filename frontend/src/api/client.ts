// The one place that talks HTTP to the gateway: JSON in and out, the error envelope turned into
// an `ApiError`, and a 401 sending the person to the login page.
import type {
  AskReply,
  AskRequest,
  ArticleDetail,
  ArticleSort,
  BatchReply,
  Budget,
  BudgetChange,
  ContradictionResolution,
  ConversationDetail,
  CostSummary,
  Deleted,
  Direction,
  Dismissed,
  EmbeddingsChange,
  ErrorEnvelope,
  Feed,
  FeedList,
  FileBackBody,
  FileBackReply,
  Fixed,
  ForkRequest,
  GraphData,
  HealthHistory,
  HealthReport,
  HealthRun,
  IngestReply,
  JobSort,
  JobStatus,
  LlmBody,
  LoginBody,
  Page_ArticleListItem,
  Page_ConceptNode,
  Page_Conversation,
  Page_Job,
  Page_Source,
  ProviderChange,
  ProviderKind,
  ProviderTest,
  Queued,
  ResolveBody,
  Resolved,
  SearchReply,
  SessionInfo,
  SettingsView,
  SourceDetail,
  SourceSort,
  SourceStatus,
  SubscribeBody,
  TextBody,
  Unsubscribed,
  UrlBody,
  UrlsBody,
} from "./types";

/** An error reply of the API (`{"error":{"code","message","request_id"}}`) or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** Called on any 401 so the app can show the login page; set by the app shell. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler;
}

/** Builds `path?query` from defined, non-empty values only. */
export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Turns a non-2xx reply into an `ApiError`, reading the envelope when there is one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `request failed with status ${res.status}`;
  let requestId: string | null = res.headers.get("x-request-id");
  try {
    // Partial: a proxy in front of the gateway may answer JSON of its own.
    const body = (await res.json()) as { error?: Partial<ErrorEnvelope["error"]> };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      requestId = body.error.request_id ?? requestId;
    }
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  return new ApiError(res.status, code, message, requestId);
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: "same-origin", ...init });
  } catch (e) {
    throw new ApiError(0, "network", `the gateway could not be reached (${(e as Error).message})`);
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (res.status === 401 && onUnauthorized && !path.startsWith("/api/auth/")) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("application/json")) return (await res.json()) as T;
  return (await res.text()) as T;
}

/** A JSON body, typed by the request schema of the endpoint it is sent to. */
function json<B>(method: string, body: B): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export const api = {
  listSources: (
    params: { status?: SourceStatus | ""; sort?: SourceSort; order?: Direction; limit?: number; offset?: number } = {},
  ) =>
    request<Page_Source>(withQuery("/api/sources", params)),
  getSource: (id: string) => request<SourceDetail>(`/api/sources/${encodeURIComponent(id)}`),
  getSourceText: (id: string) => request<string>(`/api/sources/${encodeURIComponent(id)}/text`),
  originalUrl: (id: string) => `/api/sources/${encodeURIComponent(id)}/original`,
  addText: (content: string, title?: string) =>
    request<IngestReply>("/api/sources/text", json<TextBody>("POST", title ? { content, title } : { content })),
  addUrl: (url: string) => request<IngestReply>("/api/sources/url", json<UrlBody>("POST", { url })),
  /** Several links, one source each. */
  addUrls: (urls: string[]) => request<BatchReply>("/api/sources/urls", json<UrlsBody>("POST", { urls })),
  addFile: (file: File) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return request<IngestReply>("/api/sources/file", { method: "POST", body: form });
  },
  /** A ZIP of notes (a folder, an Obsidian vault): each file in it becomes a source. */
  importArchive: (file: File) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return request<BatchReply>("/api/sources/import", { method: "POST", body: form });
  },
  recompileSource: (id: string) =>
    request<Queued>(`/api/sources/${encodeURIComponent(id)}/compile`, { method: "POST" }),
  /** Compiles with the built-in offline compiler, spending nothing (also instead of waiting for the budget). */
  /** Compiles with the model although its estimate is above the per-source limit. */
  approveCompile: (id: string) =>
    request<Queued>(`/api/sources/${encodeURIComponent(id)}/compile?approve=true`, { method: "POST" }),
  compileOffline: (id: string) =>
    request<Queued>(`/api/sources/${encodeURIComponent(id)}/compile?offline=true`, { method: "POST" }),
  deleteSource: (id: string, deleteArticles: boolean) =>
    request<Deleted>(
      withQuery(`/api/sources/${encodeURIComponent(id)}`, { cascade: deleteArticles }),
      { method: "DELETE" },
    ),

  listArticles: (params: {
    q?: string;
    concept?: string;
    page_type?: string;
    confidence?: string;
    sort?: ArticleSort;
    order?: Direction;
    limit?: number;
    offset?: number;
  } = {}) => request<Page_ArticleListItem>(withQuery("/api/articles", params)),
  getArticle: (idOrSlug: string) => request<ArticleDetail>(`/api/articles/${encodeURIComponent(idOrSlug)}`),
  listConcepts: () => request<Page_ConceptNode>("/api/concepts"),
  getGraph: (params: { concept?: string; limit?: number } = {}) =>
    request<GraphData>(withQuery("/api/graph", params)),
  getLocalGraph: (articleId: string, hops = 2) =>
    request<GraphData>(withQuery(`/api/articles/${encodeURIComponent(articleId)}/graph`, { hops })),
  search: (q: string, limit = 20) => request<SearchReply>(withQuery("/api/search", { q, limit })),

  ask: (question: string, conversationId?: string) =>
    request<AskReply>(
      "/api/ask",
      json<AskRequest>("POST", conversationId ? { question, conversation_id: conversationId } : { question }),
    ),
  listConversations: () => request<Page_Conversation>(withQuery("/api/conversations", { limit: 100 })),
  getConversation: (id: string) => request<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`),
  forkConversation: (id: string, turnIndex: number, question: string) =>
    request<AskReply>(
      `/api/conversations/${encodeURIComponent(id)}/fork`,
      json<ForkRequest>("POST", { turn_index: turnIndex, question }),
    ),
  fileBack: (id: string) =>
    request<FileBackReply>(`/api/conversations/${encodeURIComponent(id)}/file-back`, json<FileBackBody>("POST", {})),
  exportUrl: (id: string) => `/api/conversations/${encodeURIComponent(id)}/export`,

  listJobs: (
    params: { status?: JobStatus | ""; sort?: JobSort; order?: Direction; limit?: number; offset?: number } = {},
  ) =>
    request<Page_Job>(withQuery("/api/jobs", params)),

  getHealth: () => request<HealthReport>("/api/health"),
  getHealthHistory: (limit = 30) => request<HealthHistory>(withQuery("/api/health/history", { limit })),
  startHealthRun: () => request<HealthRun>("/api/health/runs", { method: "POST" }),
  dismissFinding: (id: string) =>
    request<Dismissed>(`/api/health/findings/${encodeURIComponent(id)}/dismiss`, { method: "POST" }),
  /** `keep` names the page a merge keeps (the older one otherwise). */
  fixFinding: (id: string, keep?: string) =>
    request<Fixed>(
      `/api/health/findings/${encodeURIComponent(id)}/fix${keep ? `?keep=${encodeURIComponent(keep)}` : ""}`,
      { method: "POST" },
    ),
  resolveFinding: (id: string, resolution: ContradictionResolution) =>
    request<Resolved>(
      `/api/health/findings/${encodeURIComponent(id)}/resolve`,
      json<ResolveBody>("POST", { resolution }),
    ),

  listFeeds: () => request<FeedList>("/api/feeds"),
  subscribeFeed: (url: string) => request<Feed>("/api/feeds", json<SubscribeBody>("POST", { url })),
  pollFeed: (id: string) => request<Feed>(`/api/feeds/${encodeURIComponent(id)}/poll`, { method: "POST" }),
  unsubscribeFeed: (id: string) =>
    request<Unsubscribed>(`/api/feeds/${encodeURIComponent(id)}`, { method: "DELETE" }),
  getSettings: () => request<SettingsView>("/api/settings"),
  updateBudget: (change: BudgetChange) => request<Budget>("/api/settings/budget", json<BudgetChange>("PUT", change)),
  /** Saves a provider's key (sealed at rest, never sent back) or model. */
  updateProvider: (kind: ProviderKind, change: ProviderChange) =>
    request<SettingsView>(`/api/settings/providers/${kind}`, json<ProviderChange>("PUT", change)),
  /** Chooses the provider tried first; `null` goes back to the first configured one. */
  updateDefaultProvider: (kind: ProviderKind | null) =>
    request<SettingsView>("/api/settings/llm", json<LlmBody>("PUT", { default_provider: kind })),
  /** Chooses the embedding provider and model; the wiki is then embedded in the background. */
  updateEmbeddings: (change: EmbeddingsChange) =>
    request<SettingsView>("/api/settings/embeddings", json<EmbeddingsChange>("PUT", change)),
  testProvider: (kind: ProviderKind) =>
    request<ProviderTest>(`/api/providers/${encodeURIComponent(kind)}/test`, { method: "POST" }),
  getCosts: (month?: string) => request<CostSummary>(withQuery("/api/costs", { month })),

  session: () => request<SessionInfo>("/api/auth/session"),
  login: (token: string) => request<SessionInfo>("/api/auth/login", json<LoginBody>("POST", { token })),
  logout: () => request<void>("/api/auth/logout", { method: "POST" }),
};
