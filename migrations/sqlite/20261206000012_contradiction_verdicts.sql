-- What the model said about a pair of articles at given versions: the pairs of their claims
-- that disagree (an empty list when none do). A pair whose versions are unchanged is never
-- asked again. article_a sorts before article_b.
create table contradiction_verdicts (
    article_a  blob not null references articles (id) on delete cascade,
    version_a  integer not null,
    article_b  blob not null references articles (id) on delete cascade,
    version_b  integer not null,
    verdicts   text not null,
    checked_at text not null,
    primary key (article_a, article_b)
);
create index contradiction_verdicts_b_idx on contradiction_verdicts (article_b);
