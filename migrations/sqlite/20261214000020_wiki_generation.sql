-- The wiki's generation: a number that grows whenever something a reader sees may have changed
-- (articles and what hangs off them, concepts, links, disputes, search passages and vectors,
-- settings, and the sources articles cite). Read answers are cached under it, so every
-- process (gateways, workers, the CLI) invalidates every cache through the database itself,
-- whichever code path wrote. Sources count when deleted, or when a column an article shows of
-- them changes: a source just stored is cited by no article yet (the row that makes an
-- article cite it counts), and its progress through the pipeline is not the wiki's.
create table wiki_generation (
    id integer primary key check (id = 1),
    value bigint not null
);
insert into wiki_generation (id, value) values (1, 0);

-- SQLite has one writer at a time, so a row trigger per event costs a page already in cache.
create trigger articles_insert_wiki_changed after insert on articles
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger articles_update_wiki_changed after update on articles
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger articles_delete_wiki_changed after delete on articles
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_aliases_insert_wiki_changed after insert on article_aliases
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_aliases_update_wiki_changed after update on article_aliases
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_aliases_delete_wiki_changed after delete on article_aliases
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_concepts_insert_wiki_changed after insert on article_concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_concepts_update_wiki_changed after update on article_concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_concepts_delete_wiki_changed after delete on article_concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_sources_insert_wiki_changed after insert on article_sources
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_sources_update_wiki_changed after update on article_sources
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_sources_delete_wiki_changed after delete on article_sources
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_versions_insert_wiki_changed after insert on article_versions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_versions_update_wiki_changed after update on article_versions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger article_versions_delete_wiki_changed after delete on article_versions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger claims_insert_wiki_changed after insert on claims
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger claims_update_wiki_changed after update on claims
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger claims_delete_wiki_changed after delete on claims
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concept_hierarchy_insert_wiki_changed after insert on concept_hierarchy
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concept_hierarchy_update_wiki_changed after update on concept_hierarchy
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concept_hierarchy_delete_wiki_changed after delete on concept_hierarchy
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concepts_insert_wiki_changed after insert on concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concepts_update_wiki_changed after update on concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger concepts_delete_wiki_changed after delete on concepts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_resolutions_insert_wiki_changed after insert on contradiction_resolutions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_resolutions_update_wiki_changed after update on contradiction_resolutions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_resolutions_delete_wiki_changed after delete on contradiction_resolutions
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_verdicts_insert_wiki_changed after insert on contradiction_verdicts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_verdicts_update_wiki_changed after update on contradiction_verdicts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger contradiction_verdicts_delete_wiki_changed after delete on contradiction_verdicts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger links_insert_wiki_changed after insert on links
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger links_update_wiki_changed after update on links
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger links_delete_wiki_changed after delete on links
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger mention_texts_insert_wiki_changed after insert on mention_texts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger mention_texts_update_wiki_changed after update on mention_texts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger mention_texts_delete_wiki_changed after delete on mention_texts
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_chunks_insert_wiki_changed after insert on search_chunks
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_chunks_update_wiki_changed after update on search_chunks
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_chunks_delete_wiki_changed after delete on search_chunks
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_vectors_insert_wiki_changed after insert on search_vectors
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_vectors_update_wiki_changed after update on search_vectors
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger search_vectors_delete_wiki_changed after delete on search_vectors
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger app_settings_insert_wiki_changed after insert on app_settings
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger app_settings_update_wiki_changed after update on app_settings
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger app_settings_delete_wiki_changed after delete on app_settings
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger sources_update_wiki_changed after update of title, url, kind, created_at on sources
begin update wiki_generation set value = value + 1 where id = 1; end;
create trigger sources_delete_wiki_changed after delete on sources
begin update wiki_generation set value = value + 1 where id = 1; end;
