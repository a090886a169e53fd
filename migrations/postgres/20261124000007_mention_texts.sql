-- Where each article may name others: its own text, then its source's, in passages. A new
-- article looks here for the existing articles that name it, so an article whose source
-- mentions "heapq" links to the heapq page even when its own summary does not. Matched as
-- written words (the `simple` configuration, no stemming): the link needs the name itself.
-- Punctuation becomes space first, so "concurrent.futures.Future" is three words as in FTS5
-- (PostgreSQL's parser would keep it whole, as a host name).
create table mention_texts (
    id         bigserial primary key,
    article_id uuid not null references articles (id) on delete cascade,
    content    text not null,
    tsv        tsvector generated always as (
        to_tsvector('simple', regexp_replace(content, '[^[:alnum:]_]+', ' ', 'g'))
    ) stored
);
create index mention_texts_article_idx on mention_texts (article_id);
create index mention_texts_tsv_idx on mention_texts using gin (tsv);

-- Articles saved before this index existed are found by their own passages until recompiled.
insert into mention_texts (article_id, content)
select article_id, content from search_chunks where kind <> 'claim';
