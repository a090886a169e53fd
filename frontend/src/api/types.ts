// The shapes the gateway's JSON API sends and accepts. They are not written here: each is an alias
// of the schema generated from the gateway's OpenAPI document (`schema.gen.ts`, `make api-types`),
// so a change on the server shows up as a type error in the app. What remains hand-written is
// either client-side only or a refinement the document does not give yet (each says why).
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

/** A UUID as the API writes it (`format: uuid`, a string in JSON). */
export type Uuid = string;

/**
 * A UI list of every value of a generated enum, kept in this order: a value the server does not
 * have, or one of its values missing from the list, fails the type check.
 */
function everyValue<T extends string>() {
  return <const L extends readonly T[]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L => list;
}

// ---- Sources ----------------------------------------------------------------------------------

export type SourceKind = Schemas["SourceKind"];
export type SourceStatus = Schemas["SourceStatus"];
/** Every status, in the order of a source's life (the Inbox filter lists them so). */
export const SOURCE_STATUSES = everyValue<SourceStatus>()([
  "pending",
  "fetching",
  "extracting",
  "compiling",
  "paused_budget",
  "awaiting_approval",
  "compiled",
  "failed",
]);

/** What compiling a source is estimated to cost with the provider tried first. */
export type Estimate = Schemas["Estimate"];
/** A source as lists, ingest replies and live events carry it. */
export type Source = Schemas["Source"];
/** `GET /api/sources/{id}`: a source with its cost estimate and the per-source limit. */
export type SourceDetail = Schemas["SourceDetail"];
/** Reply of the ingest endpoints: 202 for a new source, 200 for a duplicate. */
export type IngestReply = Schemas["AcceptedReply"];
/** How one link of `POST /api/sources/urls`, or one file of an import, went. */
export type BatchItem = Schemas["BatchItem"];
/** Reply of `POST /api/sources/urls` and `POST /api/sources/import`. */
export type BatchReply = Schemas["BatchReply"];
/** `POST /api/sources/{id}/compile`: the job that compiles it. */
export type Queued = Schemas["Queued"];
/** `DELETE /api/sources/{id}`. */
export type Deleted = Schemas["Deleted"];
export type TextBody = Schemas["TextBody"];
export type UrlBody = Schemas["UrlBody"];
export type UrlsBody = Schemas["UrlsBody"];

// ---- Lists ------------------------------------------------------------------------------------

/** One page of a list and how many items there are in all. */
export type Page_Source = Schemas["Page_Source"];
export type Page_ArticleListItem = Schemas["Page_ArticleListItem"];
export type Page_ConceptNode = Schemas["Page_ConceptNode"];
export type Page_Conversation = Schemas["Page_Conversation"];
export type Page_Job = Schemas["Page_Job"];

// ---- List order -------------------------------------------------------------------------------

/** Which way a list runs. */
export type Direction = Schemas["Direction"];
export const DIRECTIONS = everyValue<Direction>()(["asc", "desc"]);
/** What the article list can be sorted by (`?sort=` of `GET /api/articles`). */
export type ArticleSort = Schemas["ArticleSort"];
export const ARTICLE_SORTS = everyValue<ArticleSort>()(["updated", "created", "title"]);
/** What the source list can be sorted by (`?sort=` of `GET /api/sources`). */
export type SourceSort = Schemas["SourceSort"];
export const SOURCE_SORTS = everyValue<SourceSort>()(["created", "updated", "title", "status"]);
/** What the job list can be sorted by (`?sort=` of `GET /api/jobs`). */
export type JobSort = Schemas["JobSort"];
export const JOB_SORTS = everyValue<JobSort>()(["created", "status"]);

// ---- Articles ---------------------------------------------------------------------------------

export type Confidence = Schemas["Confidence"];
export const CONFIDENCES = everyValue<Confidence>()(["sourced", "mixed", "inferred", "opinion"]);
export type PageType = Schemas["PageType"];
export const PAGE_TYPES = everyValue<PageType>()(["source", "concept", "answer", "index", "meta"]);
export type RelationType = Schemas["RelationType"];

export type ClaimSpan = Schemas["ClaimSpan"];
export type Claim = Schemas["Claim"];
/** Set on a claim when a contradiction was resolved against it. */
export type ClaimDispute = Schemas["ClaimDispute"];
export type ArticleListItem = Schemas["ArticleListItem"];
export type ArticleSourceRef = Schemas["ArticleSourceRef"];
export type LinkRef = Schemas["LinkRef"];
export type ArticleDetail = Schemas["ArticleDetail"];
/** A concept with how many articles carry it; `name` is what `?concept=` matches. */
export type ConceptCount = Schemas["ConceptNode"];

export type GraphNode = Schemas["GraphNode"];
export type GraphEdge = Schemas["GraphEdge"];
export type GraphData = Schemas["Graph"];

// ---- Jobs -------------------------------------------------------------------------------------

export type JobKind = Schemas["JobKind"];
export type JobStatus = Schemas["JobStatus"];
export const JOB_STATUSES = everyValue<JobStatus>()([
  "queued",
  "running",
  "paused_budget",
  "awaiting_approval",
  "succeeded",
  "failed",
]);
export type Job = Schemas["Job"];

// ---- Settings, providers, costs ---------------------------------------------------------------

export type ProviderKind = Schemas["ProviderKind"];
export type ProviderInfo = Schemas["ProviderView"];
export type KeySource = Schemas["KeySource"];
/** A change to a provider's key or model: a field left out stays, `null` removes it. */
export type ProviderChange = Schemas["ProviderBody"];
export type ProviderTest = Schemas["ProviderTest"];
/** Body of `PUT /api/settings/llm`. */
export type LlmBody = Schemas["LlmBody"];

export type BudgetLevel = Schemas["BudgetLevel"];
/** The monthly budget in force and this month's spending against it. */
export type Budget = Schemas["BudgetStatus"];
/** A change to the budget; a field left out stays as it is, `monthly_usd: null` removes it. */
export type BudgetChange = Schemas["BudgetBody"];

export type Ranking = Schemas["Ranking"];
export type EmbeddingProvider = Schemas["EmbeddingProvider"];
export type EmbeddingsInfo = Schemas["EmbeddingsView"];
export type EmbeddingChoice = Schemas["EmbeddingChoice"];
export type SearchInfo = Schemas["SearchView"];
/** A change to the embedding provider; `null` removes a value (no provider: full text only). */
export type EmbeddingsChange = Schemas["EmbeddingsBody"];

export type BackupFile = Schemas["BackupFile"];
export type BackupsInfo = Schemas["BackupsView"];
export type BackupList = Schemas["BackupList"];

export type SettingsView = Schemas["SettingsView"];

export type CostGroup = Schemas["CostGroup"];
export type CostSummary = Schemas["MonthCosts"];

// ---- Feeds ------------------------------------------------------------------------------------

/** A subscription to an RSS, Atom or JSON feed; each new item becomes a source. */
export type Feed = Schemas["Feed"];
export type FeedList = Schemas["FeedList"];
export type SubscribeBody = Schemas["SubscribeBody"];
export type Unsubscribed = Schemas["Unsubscribed"];

// ---- Session ----------------------------------------------------------------------------------

export type SessionInfo = Schemas["SessionInfo"];
export type LoginBody = Schemas["LoginBody"];
/** The body of every error reply. */
export type ErrorEnvelope = Schemas["ErrorEnvelope"];

// ---- Live events (`/api/ws`) ------------------------------------------------------------------

export type ControlFrame = Schemas["ControlFrame"];
/** An event of the server (`shared::events::Event`): named so as not to hide the DOM `Event`. */
export type ServerEvent = Schemas["Event"];
/** Frames of `/api/ws`: the socket's own frames and the events it carries. */
export type LiveEvent = ControlFrame | ServerEvent;

// ---- Search and Ask ---------------------------------------------------------------------------

/** A piece of a search snippet; `hit` pieces matched the query. */
export type SnippetSegment = Schemas["Segment"];
export type SearchResult = Schemas["SearchResult"];
export type SearchReply = Schemas["SearchReply"];

export type AnswerMode = Schemas["AnswerMode"];
export type AnswerConfidence = Schemas["AnswerConfidence"];
export type ArticleRef = Schemas["ArticleRef"];
export type Citation = Schemas["Citation"];
export type Turn = Schemas["Turn"];
export type Conversation = Schemas["Conversation"];
export type AskRequest = Schemas["AskRequest"];
export type AskReply = Schemas["AskReply"];
export type ConversationDetail = Schemas["ConversationDetail"];
export type ForkRequest = Schemas["ForkRequest"];
export type FileBackBody = Schemas["FileBackBody"];
export type FileBackReply = Schemas["FileBackReply"];
/** The data of a `token` event of `POST /api/ask/stream`. */
export type TokenEvent = Schemas["TokenEvent"];

// ---- Health (the wiki's linter) ---------------------------------------------------------------

/** A run of Health. `trigger` and `status` are plain strings in the document. */
export type HealthRun = Schemas["RunRow"];
export type HealthHistory = Schemas["History"];
export type FindingKind = Schemas["FindingKind"];
export type Severity = Schemas["Severity"];
/** A finding; its `detail` is untyped JSON in the document (see `FindingDetail`). */
export type Finding = Schemas["FindingView"];
export type HealthReport = Schemas["HealthReport"];
export type ContradictionResolution = Schemas["Resolution"];
export type ResolveBody = Schemas["ResolveBody"];
export type Dismissed = Schemas["Dismissed"];
export type Fixed = Schemas["Fixed"];
export type Resolved = Schemas["Resolved"];

/**
 * Local refinement: the document gives a finding's `detail` as untyped JSON (`detail: unknown`),
 * so the fields the Health screen reads of a contradiction are declared here and read through
 * `findingDetail` (./findingDetail.ts), which checks each one. To be replaced by the
 * generated type once the gateway documents the detail of each kind.
 */
export interface FindingClaim {
  position: number;
  text: string;
  quote: string | null;
}

/** The parts of a finding's `detail` the app reads (see `FindingClaim`). */
export interface FindingDetail {
  claim_a?: FindingClaim;
  claim_b?: FindingClaim;
  explanation?: string;
}
