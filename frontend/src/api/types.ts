// The shapes the gateway's JSON API returns (see gateway/src/routes and shared/src/domain).

export type Uuid = string;

export type SourceKind = "text" | "markdown" | "html" | "pdf" | "url" | "youtube";
export type SourceStatus =
  | "pending"
  | "fetching"
  | "extracting"
  | "compiling"
  | "paused_budget"
  | "awaiting_approval"
  | "compiled"
  | "failed";
export const SOURCE_STATUSES: SourceStatus[] = [
  "pending",
  "fetching",
  "extracting",
  "compiling",
  "paused_budget",
  "awaiting_approval",
  "compiled",
  "failed",
];

/** What compiling a source is estimated to cost with the provider tried first. */
export interface Estimate {
  provider: ProviderKind;
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface Source {
  /** Only on `GET /api/sources/{id}`: once the clean text is known. */
  estimate?: Estimate | null;
  /** Only on `GET /api/sources/{id}`: the limit above which a compile waits for a go-ahead. */
  max_cost_per_source_usd?: number | null;
  id: Uuid;
  kind: SourceKind;
  title: string | null;
  url: string | null;
  author: string | null;
  published: string | null;
  status: SourceStatus;
  error: string | null;
  content_hash: string | null;
  original_mime: string | null;
  byte_size: number | null;
  page_count: number | null;
  duplicate_of: Uuid | null;
  created_at: string;
  updated_at: string;
  compiled_at: string | null;
  article_ids: Uuid[];
}

/** Reply of the three ingest endpoints: 202 for a new source, 200 for a duplicate. */
export interface IngestReply {
  source: Source;
  duplicate: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export type Confidence = "sourced" | "mixed" | "inferred" | "opinion";
export const CONFIDENCES: Confidence[] = ["sourced", "mixed", "inferred", "opinion"];
export type PageType = "source" | "concept" | "answer" | "index" | "meta";
export const PAGE_TYPES: PageType[] = ["source", "concept", "answer", "index", "meta"];
export type RelationType =
  | "references"
  | "extends"
  | "supersedes"
  | "contradicts"
  | "synthesizes"
  | "related_to";

export interface ClaimSpan {
  start: number;
  end: number;
}

export interface Claim {
  text: string;
  confidence: Confidence;
  quote: string | null;
  verified: boolean;
  span: ClaimSpan | null;
  source_id: Uuid | null;
  /** Opens the source where the quote is, when it can be opened there: a video at its time. */
  source_link: string | null;
  /** Set when a contradiction was resolved against this claim. */
  disputed: ClaimDispute | null;
}

export interface ClaimDispute {
  resolution: "source_a_wins" | "source_b_wins" | "superseded";
  by: { id: Uuid; slug: string; title: string };
}

export interface ArticleListItem {
  id: Uuid;
  slug: string;
  title: string;
  summary: string;
  page_type: PageType;
  confidence: Confidence;
  provider: string;
  concepts: string[];
  claim_count: number;
  source_count: number;
  created_at: string;
  updated_at: string;
}

export interface ArticleSourceRef {
  id: Uuid;
  title: string | null;
  url: string | null;
  kind: string;
}

export interface LinkRef {
  article_id: Uuid | null;
  slug: string | null;
  title: string;
  relation_type: RelationType;
  resolved: boolean;
  /** Where the linking article names the other, for a link found by mention. */
  mention?: string | null;
}

export interface ArticleDetail {
  id: Uuid;
  slug: string;
  title: string;
  summary: string;
  page_type: PageType;
  confidence: Confidence;
  provider: string;
  model: string;
  /** The offline compiler wrote it because the model was unreachable; the model compiles it again once it answers. */
  awaiting_model: boolean;
  version: number;
  concepts: string[];
  claims: Claim[];
  open_questions: string[];
  content: string;
  sources: ArticleSourceRef[];
  backlinks_in: LinkRef[];
  backlinks_out: LinkRef[];
  created_at: string;
  updated_at: string;
}

export interface ConceptCount {
  /** Normalised key, what `?concept=` matches. */
  name: string;
  display_name: string;
  article_count: number;
  /** The broader concept's key ("queue" for "priority-queue"), or null at the top. */
  parent: string | null;
}

export interface GraphNode {
  /** The article's id, or `concept:{key}`. */
  id: string;
  kind: "article" | "concept";
  title: string;
  /** The article's slug, or the concept's key. */
  slug: string;
  page_type: PageType | null;
  degree: number;
  /** Numbered from 0, largest community first. */
  community: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** A link's relation, or `concept` for an article carrying a concept. */
  relation: string;
}

export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
  communities: number;
}

export type JobKind = "ingest_source" | "compile_source" | "refresh_source" | "compile_offline" | "compile_approved";
export type JobStatus = "queued" | "running" | "paused_budget" | "awaiting_approval" | "succeeded" | "failed";
export const JOB_STATUSES: JobStatus[] = [
  "queued",
  "running",
  "paused_budget",
  "awaiting_approval",
  "succeeded",
  "failed",
];

export interface Job {
  id: Uuid;
  kind: JobKind;
  status: JobStatus;
  source_id: Uuid | null;
  article_id: Uuid | null;
  attempts: number;
  progress: number;
  message: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export type ProviderKind = "anthropic" | "openai" | "google" | "ollama" | "offline";

export interface ProviderInfo {
  kind: ProviderKind;
  /** The settings give it what it needs (a key or a URL) and it is not disabled. */
  configured: boolean;
  /** It is in the call chain (the default or a fallback). */
  in_chain: boolean;
  is_default: boolean;
  model: string;
  base_url: string | null;
  /** Where its API key comes from; the key itself is never sent. */
  key: KeySource;
  /** Values the environment sets, which cannot be changed in the web app. */
  set_in_environment: { api_key: boolean; model: boolean };
}

export type KeySource = "none" | "environment" | "settings" | "unreadable";

/** A change to a provider's key or model: a field left out stays, `null` removes it. */
export interface ProviderChange {
  api_key?: string | null;
  model?: string | null;
}

export type BudgetLevel = "ok" | "warning" | "exceeded";

/** The monthly budget in force and this month's spending against it. */
export interface Budget {
  monthly_usd: number | null;
  warn_fraction: number;
  /** At the limit every model call stops and compiles wait, not only optional ones. */
  enforce: boolean;
  /** Values the environment sets: they cannot be changed on the Settings screen. */
  set_in_environment: { monthly_usd: boolean; warn_fraction: boolean; enforce: boolean };
  month: string;
  spent_usd: number;
  level: BudgetLevel;
  /** Jobs waiting for the budget. */
  paused_jobs: number;
}

/** A change to the budget; a field left out stays as it is, `monthly_usd: null` removes it. */
export interface BudgetChange {
  monthly_usd?: number | null;
  warn_fraction?: number;
  enforce?: boolean;
}

/** How search ranks: by words only, or by words and meaning (embeddings) fused. */
export type Ranking = "full_text" | "hybrid";

export type EmbeddingProvider = "openai" | "ollama" | "google";

export interface EmbeddingsInfo {
  provider: EmbeddingProvider;
  model: string;
  base_url: string | null;
  dimensions: number | null;
  /** Passages still waiting for a vector from this model. */
  pending_passages: number;
}

export interface SearchInfo {
  ranking: Ranking;
  embeddings: EmbeddingsInfo | null;
  /** `WIKIMIND_EMBEDDINGS__PROVIDER` chooses the provider: it cannot be changed here. */
  embeddings_set_in_environment: boolean;
  /** Why the provider chosen here is not in use (its key was forgotten, say). */
  embeddings_problem: string | null;
  /** What is chosen here, whether or not it is in use; a null model is the provider's default. */
  embeddings_choice: { provider: EmbeddingProvider; model: string | null } | null;
}

export interface BackupFile {
  name: string;
  bytes: number;
  created_at: string;
}

export interface BackupsInfo {
  /** A backup is written on the first run of each day. */
  daily: boolean;
  directory: string;
  last: BackupFile | null;
  count: number;
}

/** A change to the embedding provider; `null` removes a value (no provider: full text only). */
export interface EmbeddingsChange {
  provider?: EmbeddingProvider | null;
  model?: string | null;
}

export interface SettingsView {
  version: string;
  providers: ProviderInfo[];
  default_provider: ProviderKind;
  /** The provider chosen to be tried first; null when the first with a key leads. */
  chosen_default_provider: ProviderKind | null;
  /** `WIKIMIND_LLM__DEFAULT_PROVIDER` chooses it: it cannot be changed here. */
  default_provider_set_in_environment: boolean;
  fallback: boolean;
  /** No LLM is configured: articles come from the built-in offline compiler. */
  offline_compiler: boolean;
  budget: Budget;
  search: SearchInfo;
  backups: BackupsInfo;
  auth_required: boolean;
}

export interface ProviderTest {
  ok: boolean;
  provider: ProviderKind;
  model: string;
  latency_ms: number;
  error: string | null;
}

export interface CostGroup {
  key: string;
  calls: number;
  /** Of `calls`, those answered from the response cache at no cost. */
  cached_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface CostSummary {
  month: string;
  total_usd: number;
  calls: number;
  cached_calls: number;
  by_provider: CostGroup[];
  by_task: CostGroup[];
  budget_usd: number | null;
  budget_used_fraction: number | null;
}

/** A subscription to an RSS, Atom or JSON feed; each new item becomes a source. */
export interface Feed {
  id: Uuid;
  url: string;
  /** The feed's own title, once polled. */
  title: string | null;
  poll_secs: number;
  next_poll_at: string;
  last_polled_at: string | null;
  /** Why the last poll failed; null after a good one. */
  last_error: string | null;
  item_count: number;
  created_at: string;
}

/** How one link of `POST /api/sources/urls` went. */
export interface BatchItem {
  /** The link, for a batch of links. */
  url?: string;
  /** The file's path in the archive, for an import. */
  path?: string;
  outcome: "added" | "duplicate" | "refused";
  source?: Source;
  error?: { code: string; message: string };
}

/** Reply of `POST /api/sources/urls` and `POST /api/sources/import`. */
export interface BatchReply {
  items: BatchItem[];
  added: number;
}

export interface SessionInfo {
  auth_required: boolean;
  authenticated: boolean;
}

/** Frames of `/api/ws`. */
export type LiveEvent =
  | { type: "hello"; version: string }
  | { type: "keepalive"; timestamp: string }
  | { type: "resync"; missed: number }
  | { type: "source.progress"; id: Uuid; timestamp: string; source_id: Uuid; stage: SourceStatus; message: string }
  | { type: "source.updated"; id: Uuid; timestamp: string; source: Source }
  | { type: "article.updated"; id: Uuid; timestamp: string; article_id: Uuid; slug: string; title: string; deleted: boolean }
  | { type: "job.updated"; id: Uuid; timestamp: string; job: Job }
  | { type: "lint.progress"; id: Uuid; timestamp: string; run_id: Uuid; check: string; done: number; total: number }
  | { type: "lint.complete"; id: Uuid; timestamp: string; run_id: Uuid; score: number; new_errors: number }
  | {
      type: "budget.warning";
      id: Uuid;
      timestamp: string;
      spent_usd: number;
      monthly_usd: number;
      warn_fraction: number;
    }
  | { type: "budget.exceeded"; id: Uuid; timestamp: string; spent_usd: number; monthly_usd: number; enforced: boolean };

/** A piece of a search snippet; `hit` pieces matched the query. */
export interface SnippetSegment {
  text: string;
  hit: boolean;
}

export interface SearchResult {
  article: { id: Uuid; slug: string; title: string; summary: string; page_type: PageType };
  score: number;
  passage: { kind: "summary" | "section" | "claim"; heading: string };
  matching_passages: number;
  snippet: SnippetSegment[];
}

export interface SearchReply {
  query: string;
  terms: string[];
  results: SearchResult[];
}

export type AnswerMode = "llm" | "extractive" | "nothing_relevant";
export type AnswerConfidence = "high" | "medium" | "low";

export interface ArticleRef {
  id: Uuid;
  slug: string;
  title: string;
}

export interface Citation {
  n: number;
  article: ArticleRef;
  passage: { kind: string; heading: string };
  source: { id: Uuid; title: string | null; url: string | null } | null;
  quote: string | null;
  span: ClaimSpan | null;
  claim_index: number | null;
}

export interface Turn {
  id: Uuid;
  conversation_id: Uuid;
  index: number;
  question: string;
  answer: string;
  mode: AnswerMode;
  citations: Citation[];
  dropped_citations: number;
  confidence: AnswerConfidence;
  related_articles: ArticleRef[];
  follow_up_questions: string[];
  provider: string;
  model: string;
  created_at: string;
}

export interface Conversation {
  id: Uuid;
  title: string;
  parent_id: Uuid | null;
  forked_at_turn: number | null;
  filed_article_id: Uuid | null;
  turn_count: number;
  /** What the model's calls for its answers cost, in US dollars. */
  cost_usd: number;
  created_at: string;
  updated_at: string;
}

export interface AskReply {
  conversation: Conversation;
  turn: Turn;
}

export interface ConversationDetail {
  conversation: Conversation;
  turns: Turn[];
}

export interface FileBackReply {
  article: ArticleRef;
  was_update: boolean;
}

/** A run of Health, the wiki's linter. */
export interface HealthRun {
  id: Uuid;
  trigger: "manual" | "schedule";
  status: "queued" | "running" | "complete" | "failed";
  started_at: string;
  finished_at: string | null;
  article_count: number;
  score: number | null;
  new_errors: number;
  error: string | null;
}

export type FindingKind = "contradiction" | "broken_link" | "duplicate" | "stale" | "missing_inverse" | "orphan";

/** A claim a contradiction names: its place in its page, its text and quote. */
export interface FindingClaim {
  position: number;
  text: string;
  quote: string | null;
}

export interface Finding {
  id: Uuid;
  kind: FindingKind;
  severity: "error" | "warning" | "info";
  message: string;
  articles: { id: Uuid; slug: string; title: string }[];
  fix: string | null;
  state: "open" | "dismissed" | "repaired" | "resolved";
  detail: {
    claim_a?: FindingClaim;
    claim_b?: FindingClaim;
    explanation?: string;
    method?: "model" | "figures";
    target?: string;
    relation?: string;
    similarity?: number;
    same_title?: boolean;
    reason?: "changed_upstream" | "superseded";
    url?: string;
    source_id?: Uuid;
  };
}

export interface HealthReport {
  score: number | null;
  run: HealthRun | null;
  pending: HealthRun | null;
  counts_by_kind: Partial<Record<FindingKind, number>>;
  findings: Finding[];
}

export type ContradictionResolution = "source_a_wins" | "source_b_wins" | "both_valid" | "superseded";
