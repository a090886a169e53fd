//! `POST /api/ask/stream`: the answer as Server-Sent Events. `token` events carry answer text as
//! the model writes it (prose, with markers naming no retrieved passage already removed), then
//! one `done` event carries the stored `{conversation, turn}`, or one `error` event carries the
//! error envelope. The turn is stored only when the answer is complete; a client that goes away
//! leaves nothing behind. Bad requests are refused before the stream starts, as plain JSON.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Serialize;
use shared::ask::{Answerer, MarkerFilter, Plan, Prepared};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::ask::{AskRequest, answerer, checked_question};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(ask_stream))
}

/// The data of a `token` event: the next piece of the answer's text.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TokenEvent<'a> {
    text: &'a str,
}

/// One event of the stream as SSE-aware tools read it: its name and its data, the JSON of
/// [`TokenEvent`], [`AskReply`](super::ask::AskReply) or [`ErrorEnvelope`](crate::error::ErrorEnvelope).
pub(crate) struct StreamEvent;

impl utoipa::PartialSchema for StreamEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let event = |name: &str, data: &str| {
            ObjectBuilder::new()
                .property(
                    "event",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([name])),
                )
                .required("event")
                .property(
                    "data",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .content_media_type("application/json")
                        .content_schema(Some(Ref::from_schema_name(data))),
                )
                .required("data")
        };
        OneOfBuilder::new()
            .item(event("token", "TokenEvent"))
            .item(event("done", "AskReply"))
            .item(event("error", "ErrorEnvelope"))
            .into()
    }
}

impl utoipa::ToSchema for StreamEvent {}

/// An event whose data is `value` as JSON; `value` is made of strings only, so it always
/// serializes (were it ever not to, the event would carry no data rather than break the stream).
fn json_event(name: &str, value: &impl Serialize) -> Event {
    let data = serde_json::to_string(value).unwrap_or_default();
    Event::default().event(name).data(data)
}

fn token(text: &str) -> Event {
    json_event("token", &TokenEvent { text })
}

fn error_event(err: &ApiError, request_id: Option<&str>) -> Event {
    let (_, envelope) = err.to_envelope(request_id.map(str::to_owned));
    json_event("error", &envelope)
}

/// Ask the wiki, the answer streamed as it is written.
///
/// Server-Sent Events: `token` events (`{"text"}`, the answer's text as it is written), then
/// one `done` event (the same JSON as `POST /api/ask`
/// answers) or one `error` event (the error envelope). A bad request is refused before the
/// stream starts, as JSON.
#[utoipa::path(post, path = "/ask/stream", tag = "ask", request_body = AskRequest,
    responses((status = 200, description = "The event stream: `token` events, then `done` or \
        `error`", body = StreamEvent, content_type = "text/event-stream")))]
async fn ask_stream(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<AskRequest>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let question = checked_question(&req.question)?;
    let answerer_now = answerer(&state).await;
    let prepared = answerer_now.prepare(&question, req.conversation_id).await?;
    let llm = answerer_now.llm.clone();
    let request_id = crate::request_id::current();
    let (tx, rx) = unbounded_channel::<Event>();
    tokio::spawn(async move {
        // The same providers that planned the answer write it.
        let answerer = Answerer {
            db: &state.db,
            search: &state.search,
            llm,
            settings: &state.settings,
        };
        if let Err(err) = answer(answerer, prepared, &tx).await {
            let _ = tx.send(error_event(&err, request_id.as_deref()));
        }
    });
    let events = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// Writes the answer into `tx` and stores the turn once it is complete.
async fn answer(
    answerer: Answerer<'_>,
    mut prepared: Prepared,
    tx: &UnboundedSender<Event>,
) -> ApiResult<()> {
    let written = match (&prepared.plan, answerer.llm.as_deref()) {
        (Plan::Model { system, user }, Some(llm)) => {
            let passages = u32::try_from(prepared.retrieved.passages.len()).unwrap_or(u32::MAX);
            let mut filter = MarkerFilter::new(passages);
            let mut shown_any = false;
            let reply = {
                let mut on_text = |piece: &str| {
                    let shown = filter.push(piece);
                    if !shown.is_empty() {
                        shown_any = true;
                        let _ = tx.send(token(&shown));
                    }
                };
                let request = Answerer::request(system, user, prepared.conversation_id);
                llm.stream(&request, &mut on_text).await
            };
            match reply {
                Ok(reply) => {
                    let rest = filter.finish();
                    if !rest.is_empty() {
                        let _ = tx.send(token(&rest));
                    }
                    Some((reply.content, reply.provider.to_string(), reply.model))
                }
                // Nothing shown yet: the answer is written from the wiki's sentences instead.
                Err(e) if !shown_any => {
                    prepared.degrade(&e);
                    None
                }
                Err(e) => return Err(shared::ask::AskError::from(e).into()),
            }
        }
        _ => None,
    };
    if tx.is_closed() {
        // The client went away: an answer nobody saw is not stored.
        return Ok(());
    }
    let streamed = written.is_some();
    let (conversation, turn) = answerer.finish(prepared, written).await?;
    if !streamed {
        // Extractive and "nothing relevant" answers are complete at once: one piece.
        let _ = tx.send(token(&turn.answer));
    }
    let done = super::ask::AskReply { conversation, turn };
    let data = serde_json::to_string(&done).map_err(|e| ApiError::Internal(e.into()))?;
    let _ = tx.send(Event::default().event("done").data(data));
    Ok(())
}
