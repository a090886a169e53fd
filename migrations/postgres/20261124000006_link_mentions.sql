-- Links found by a mention of another article's name keep the words as written, so the reader
-- can show where the article names the other.
alter table links add column mention text;
