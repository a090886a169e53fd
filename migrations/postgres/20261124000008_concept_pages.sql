-- A concept shared by two or more articles has a page (an article with page_type 'concept').
-- `page_basis` records the (article, version) pairs it was written from, so it is rewritten
-- only when that set changes.
alter table concepts add column page_article_id uuid references articles (id) on delete set null;
alter table concepts add column page_basis text;
