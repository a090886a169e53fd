// The orders each long list offers, in plain words. The first choice of each is the order the
// API uses when it is asked for none, so it is what the plain address shows.
import {
  ARTICLE_SORTS,
  JOB_SORTS,
  SOURCE_SORTS,
  type ArticleSort,
  type JobSort,
  type SourceSort,
} from "../api/types";
import type { SortMenu } from "./listOrder";

/** The Wiki's articles. */
export const ARTICLE_ORDERS: SortMenu<ArticleSort> = {
  sorts: ARTICLE_SORTS,
  defaultSort: "updated",
  natural: { updated: "desc", created: "desc", title: "asc" },
  choices: [
    { label: "Recently updated", sort: "updated", order: "desc" },
    { label: "Recently added", sort: "created", order: "desc" },
    { label: "Oldest first", sort: "created", order: "asc" },
    { label: "Title A–Z", sort: "title", order: "asc" },
    { label: "Title Z–A", sort: "title", order: "desc" },
  ],
};

/** The Inbox's sources. */
export const SOURCE_ORDERS: SortMenu<SourceSort> = {
  sorts: SOURCE_SORTS,
  defaultSort: "created",
  natural: { created: "desc", updated: "desc", title: "asc", status: "asc" },
  choices: [
    { label: "Newest", sort: "created", order: "desc" },
    { label: "Oldest", sort: "created", order: "asc" },
    { label: "Recently changed", sort: "updated", order: "desc" },
    { label: "Title A–Z", sort: "title", order: "asc" },
    { label: "Title Z–A", sort: "title", order: "desc" },
    // The server orders stages by name, which groups them: the failed ones together, and so on.
    { label: "Status", sort: "status", order: "asc" },
  ],
};

/** The Jobs screen's jobs. */
export const JOB_ORDERS: SortMenu<JobSort> = {
  sorts: JOB_SORTS,
  defaultSort: "created",
  natural: { created: "desc", status: "asc" },
  choices: [
    { label: "Newest", sort: "created", order: "desc" },
    { label: "Oldest", sort: "created", order: "asc" },
    { label: "Status", sort: "status", order: "asc" },
  ],
};
