//! `GET /api/export?format=obsidian`: the wiki as a vault, one ZIP download that Obsidian
//! opens as it is.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

/// Query of `GET /api/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `obsidian` (the only format so far, and the default).
    #[param(pattern = "^obsidian$")]
    format: Option<String>,
}

/// Download the wiki as an Obsidian vault (a ZIP of its markdown files).
#[utoipa::path(get, path = "/export", tag = "backups", params(ExportQuery),
    responses((status = 200, description = "The vault", content((super::Binary = "application/zip")))))]
async fn export(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    match q.format.as_deref().unwrap_or("obsidian") {
        "obsidian" => {}
        other => {
            return Err(ApiError::BadRequest(format!(
                "format: expected obsidian, not {other:?}"
            )));
        }
    }
    let bytes = shared::backup::vault::vault_zip(&state.storage).await?;
    let name = format!(
        "wikimind-vault-{}.zip",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
