-- Where each article may name others: its own text, then its source's, in passages. A new
-- article looks here for the existing articles that name it, so an article whose source
-- mentions "heapq" links to the heapq page even when its own summary does not. Matched as
-- written words (no stemming): the link needs the name itself.
create table mention_texts (
    id         integer primary key,
    article_id blob not null references articles (id) on delete cascade,
    content    text not null
);
create index mention_texts_article_idx on mention_texts (article_id);

create virtual table mention_fts using fts5(
    content,
    content = 'mention_texts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

create trigger mention_texts_ai after insert on mention_texts begin
    insert into mention_fts (rowid, content) values (new.id, new.content);
end;
create trigger mention_texts_ad after delete on mention_texts begin
    insert into mention_fts (mention_fts, rowid, content) values ('delete', old.id, old.content);
end;

-- Articles saved before this index existed are found by their own passages until recompiled.
insert into mention_texts (article_id, content)
select article_id, content from search_chunks where kind <> 'claim';
