-- What the model said about a pair of articles at given versions: the pairs of their claims
-- that disagree (an empty list when none do). A pair whose versions are unchanged is never
-- asked again. article_a sorts before article_b.
create table contradiction_verdicts (
    article_a  uuid not null references articles (id) on delete cascade,
    version_a  integer not null,
    article_b  uuid not null references articles (id) on delete cascade,
    version_b  integer not null,
    verdicts   text not null,
    checked_at timestamptz not null,
    primary key (article_a, article_b)
);
create index contradiction_verdicts_b_idx on contradiction_verdicts (article_b);

-- How a person resolved a contradiction between two claims: which claim lost (none when both
-- are valid). Health does not raise the same two claims again, and the losing claim is shown
-- as disputed on its page.
create table contradiction_resolutions (
    id              uuid primary key not null,
    article_a       uuid not null references articles (id) on delete cascade,
    claim_a         text not null,
    article_b       uuid not null references articles (id) on delete cascade,
    claim_b         text not null,
    resolution      text not null,
    losing_article  uuid references articles (id) on delete cascade,
    losing_claim    text,
    winning_article uuid references articles (id) on delete cascade,
    resolved_at     timestamptz not null,
    unique (article_a, claim_a, article_b, claim_b)
);
create index contradiction_resolutions_losing_idx on contradiction_resolutions (losing_article);
