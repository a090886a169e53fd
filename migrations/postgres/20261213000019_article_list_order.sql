-- The article list walks one of these indexes, in either direction, and stops after a page
-- whatever the wiki's size (its total still counts every matching row): each sort key
-- followed by the id that breaks its ties.
drop index articles_updated_idx;
create index articles_updated_id_idx on articles (updated_at, id);
create index articles_created_id_idx on articles (created_at, id);
create index articles_title_id_idx on articles (lower(title), id);
