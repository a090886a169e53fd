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

-- Bumped once per transaction, at its commit (a deferred constraint trigger): taken any
-- earlier, the counter's row lock would be held across the rest of the transaction, making
-- every writer of the wiki wait for every other and letting two of them deadlock on it. A
-- reader that sees the new value therefore sees the transaction's rows too.
create function wiki_changed() returns trigger language plpgsql as $$
begin
    if current_setting('wikimind.wiki_changed', true) is distinct from txid_current()::text then
        perform set_config('wikimind.wiki_changed', txid_current()::text, true);
        update wiki_generation set value = value + 1 where id = 1;
    end if;
    return null;
end
$$;

create constraint trigger articles_wiki_changed after insert or update or delete on articles
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger article_aliases_wiki_changed after insert or update or delete on article_aliases
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger article_concepts_wiki_changed after insert or update or delete on article_concepts
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger article_sources_wiki_changed after insert or update or delete on article_sources
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger article_versions_wiki_changed after insert or update or delete on article_versions
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger claims_wiki_changed after insert or update or delete on claims
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger concept_hierarchy_wiki_changed after insert or update or delete on concept_hierarchy
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger concepts_wiki_changed after insert or update or delete on concepts
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger contradiction_resolutions_wiki_changed after insert or update or delete on contradiction_resolutions
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger contradiction_verdicts_wiki_changed after insert or update or delete on contradiction_verdicts
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger links_wiki_changed after insert or update or delete on links
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger mention_texts_wiki_changed after insert or update or delete on mention_texts
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger search_chunks_wiki_changed after insert or update or delete on search_chunks
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger search_vectors_wiki_changed after insert or update or delete on search_vectors
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger app_settings_wiki_changed after insert or update or delete on app_settings
    deferrable initially deferred for each row execute function wiki_changed();
create constraint trigger sources_wiki_changed after update of title, url, kind, created_at or delete on sources
    deferrable initially deferred for each row execute function wiki_changed();
