//! The HTTP routes: one module per resource, each exposing `router()`.

pub mod articles;
pub mod ask;
pub mod ask_stream;
pub mod backups;
pub mod export;
pub mod feeds;
pub mod health;
pub mod jobs;
pub mod search;
pub mod session;
pub mod settings;
pub mod sources;
pub mod wiki_health;
pub mod ws;

use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::error::envelope;
use crate::state::AppState;

/// One page of a list, and how many items there are in all (for the jobs list, which has no
/// offset, how many it holds).
#[derive(Debug, Serialize)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: i64,
}

// By hand rather than derived: a derived generic schema inlines its item's whole schema into
// every page (`Page_Source` repeating `Source`); this one refers to it. `ComposeSchema` is what
// `#[utoipa::path]` asks of a generic body (it gives `PartialSchema`); the generic schemas it
// passes are the inlined ones, so they are not used.
impl<T: ToSchema> utoipa::__dev::ComposeSchema for Page<T> {
    fn compose(_inlined: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "One page of a list, and how many items there are in all (for the jobs list, \
                 which has no offset, how many it holds).",
            ))
            .property(
                "items",
                utoipa::openapi::schema::ArrayBuilder::new()
                    .items(utoipa::openapi::Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property(
                "total",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
            )
            .required("total")
            .into()
    }
}

impl<T: ToSchema> ToSchema for Page<T> {
    // The path macro appends the item's name: `Page_Source`.
    fn name() -> std::borrow::Cow<'static, str> {
        "Page".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

/// The `{id}` of a path: a source's, job's, conversation's, feed's or finding's id.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by the path's own extractor; this only describes it
pub(crate) struct IdPath {
    /// The resource's id (a UUID; anything else names nothing: a 400, or a 404).
    id: uuid::Uuid,
}

/// A file's bytes in an answer: an archive, a PDF, a web page as it was fetched.
pub(crate) struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// A file sent as `multipart/form-data`, in the field `file`.
#[derive(ToSchema)]
#[allow(dead_code)] // read by the handler's multipart extractor; this only describes it
pub(crate) struct FileUpload {
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// A query value from a closed set (a status, a sort): absent or empty is none, an unknown
/// value is a 400 that names the ones allowed.
pub(crate) fn known<T>(value: Option<&str>) -> crate::error::ApiResult<Option<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::parse::<T>)
        .transpose()
        .map_err(|e| crate::error::ApiError::BadRequest(e.to_string()))
}

/// A list's order from its `sort` and `order` query values (the list's default sort when none
/// is asked for; the sort's natural direction when no order is).
pub(crate) fn list_order<S>(
    sort: Option<&str>,
    order: Option<&str>,
) -> crate::error::ApiResult<shared::domain::Order<S>>
where
    S: std::str::FromStr<Err = shared::domain::UnknownValue> + shared::domain::ListSort,
{
    Ok(shared::domain::Order::new(known(sort)?, known(order)?))
}

/// Validates paging parameters: `limit` 1–200 (default 50), `offset` ≥ 0.
pub(crate) fn paging(
    limit: Option<i64>,
    offset: Option<i64>,
) -> crate::error::ApiResult<(i64, i64)> {
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    if !(1..=200).contains(&limit) {
        return Err(crate::error::ApiError::BadRequest(
            "limit must be between 1 and 200".to_owned(),
        ));
    }
    if offset < 0 {
        return Err(crate::error::ApiError::BadRequest(
            "offset must not be negative".to_owned(),
        ));
    }
    Ok((limit, offset))
}

/// Everything under `/api` that the token protects, with its own JSON 404.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(sources::router())
        .merge(articles::router())
        .merge(feeds::router())
        .merge(ask::router())
        .merge(ask_stream::router())
        .merge(export::router())
        .merge(backups::router())
        .merge(jobs::router())
        .merge(search::router())
        .merge(settings::router())
        .merge(wiki_health::router())
        .merge(ws::router())
        .fallback(|| async { envelope(StatusCode::NOT_FOUND, "not_found", "no such API endpoint") })
}
