//! The monthly LLM budget as one use case: what it is (the environment's values where set,
//! else what a person chose in Settings), how much of it this month has used, the rule every
//! paid call obeys, the notices sent when spending crosses the warning share or the limit, and
//! bringing back the jobs that waited for it.
//!
//! Two rules apply at the limit. Optional spending (Ask's model answer, embeddings, the
//! contradiction check) always stops there and degrades. Compilation and every other call
//! stop only when the budget is *enforced*: the router refuses the call
//! ([`crate::llm::LlmError::BudgetExceeded`]), the worker parks the job as `paused_budget`, and
//! [`Budget::resume_paused`] queues it again once the budget is raised or the month turns.

use crate::domain::{JobId, SourceId};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::Serialize;

use crate::config::BudgetSettings;
use crate::db::{self, Db, DbResult};
use crate::events::{Event, EventKind, SharedBus};
use crate::llm::SpendGate;

/// The warning share when neither the environment nor Settings gives one.
pub const DEFAULT_WARN_FRACTION: f64 = 0.8;

/// Keys of the values a person can set in Settings.
const KEY_MONTHLY: &str = "budget.monthly_usd";
const KEY_WARN: &str = "budget.warn_fraction";
const KEY_ENFORCE: &str = "budget.enforce";
/// Which notice of each level was sent last (`month|limit`), so each is sent once.
const NOTICE_WARNING: &str = "notice.budget.warning";
const NOTICE_EXCEEDED: &str = "notice.budget.exceeded";

/// The budget in force.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BudgetPolicy {
    /// US dollars per calendar month (UTC); `None` means no budget.
    pub monthly_usd: Option<f64>,
    /// Share of the budget at which `budget.warning` is sent.
    pub warn_fraction: f64,
    /// At the limit every model call stops (compiles wait), not only optional ones.
    pub enforce: bool,
}

/// Which of the policy's values the environment sets (those cannot be changed in Settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SetInEnvironment {
    pub monthly_usd: bool,
    pub warn_fraction: bool,
    pub enforce: bool,
}

/// How far this month's spending has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    Ok,
    Warning,
    Exceeded,
}

/// The policy with this month's spending.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BudgetStatus {
    #[serde(flatten)]
    pub policy: BudgetPolicy,
    pub set_in_environment: SetInEnvironment,
    /// `YYYY-MM`, UTC.
    pub month: String,
    pub spent_usd: f64,
    pub level: BudgetLevel,
    /// Jobs waiting for the budget.
    pub paused_jobs: i64,
}

/// A change asked for in Settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetChange {
    /// `Some(None)` removes the budget.
    pub monthly_usd: Option<Option<f64>>,
    pub warn_fraction: Option<f64>,
    pub enforce: Option<bool>,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is set in the environment ({1}); change it there")]
    SetInEnvironment(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

/// The budget of one deployment: the environment's settings over the stored ones.
#[derive(Clone)]
pub struct Budget {
    db: Db,
    env: BudgetSettings,
    bus: Option<SharedBus>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget").field("env", &self.env).finish()
    }
}

impl Budget {
    /// The budget read from `db` under the environment's `env`.
    pub fn new(db: Db, env: BudgetSettings) -> Self {
        Self { db, env, bus: None }
    }

    /// Sends `budget.warning` and `budget.exceeded` on `bus`.
    pub fn with_events(mut self, bus: SharedBus) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Which values the environment sets.
    pub fn set_in_environment(&self) -> SetInEnvironment {
        SetInEnvironment {
            monthly_usd: self.env.monthly_usd.is_some(),
            warn_fraction: self.env.warn_fraction.is_some(),
            enforce: self.env.enforce.is_some(),
        }
    }

    /// The policy in force: each value from the environment where set, else from Settings.
    pub async fn policy(&self) -> DbResult<BudgetPolicy> {
        let stored = db::app_settings::with_prefix(&self.db, "budget.").await?;
        let stored_value = |key: &str| {
            stored
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let stored_amount = |key: &str| {
            stored_value(key)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        Ok(BudgetPolicy {
            monthly_usd: self.env.monthly_usd.or_else(|| stored_amount(KEY_MONTHLY)),
            warn_fraction: self
                .env
                .warn_fraction
                .or_else(|| stored_amount(KEY_WARN).filter(|f| valid_fraction(*f)))
                .unwrap_or(DEFAULT_WARN_FRACTION),
            enforce: self
                .env
                .enforce
                .or_else(|| stored_value(KEY_ENFORCE).map(|v| v == "true"))
                .unwrap_or(false),
        })
    }

    /// The policy, this month's spending and where it stands: what every check needs (two
    /// reads, no writes, so it can sit before every paid call).
    async fn spending(&self) -> DbResult<(BudgetPolicy, f64, BudgetLevel)> {
        let policy = self.policy().await?;
        let spent = db::costs::spent_since(&self.db, month_start(Utc::now())).await?;
        let level = level(&policy, spent);
        Ok((policy, spent, level))
    }

    /// The policy and this month's spending, with the jobs waiting for it.
    pub async fn status(&self) -> DbResult<BudgetStatus> {
        let (policy, spent_usd, level) = self.spending().await?;
        Ok(BudgetStatus {
            level,
            policy,
            set_in_environment: self.set_in_environment(),
            month: Utc::now().format("%Y-%m").to_string(),
            spent_usd,
            paused_jobs: db::jobs::paused_for_budget_count(&self.db).await?,
        })
    }

    /// True when a budget is set and this month's spending has reached it: optional model
    /// calls stop then, enforced or not.
    pub async fn limit_reached(&self) -> DbResult<bool> {
        Ok(self.spending().await?.2 == BudgetLevel::Exceeded)
    }

    /// Whether a paid call may go ahead: not when the budget is enforced and spent. Sends
    /// the month's notice of each level the first time spending is found past it.
    pub async fn may_spend(&self) -> DbResult<bool> {
        let (policy, spent, level) = self.spending().await?;
        self.notify(&policy, spent, level).await?;
        Ok(!(policy.enforce && level == BudgetLevel::Exceeded))
    }

    /// Applies a change from Settings, refusing values the environment sets, and returns
    /// the status after it. Every value is checked before any is stored, so a refused change
    /// changes nothing.
    pub async fn change(&self, change: &BudgetChange) -> Result<BudgetStatus, BudgetError> {
        let env = self.set_in_environment();
        if change.monthly_usd.is_some() && env.monthly_usd {
            return Err(BudgetError::SetInEnvironment(
                "the monthly budget",
                "WIKIMIND_LLM__MONTHLY_BUDGET_USD",
            ));
        }
        if change.warn_fraction.is_some() && env.warn_fraction {
            return Err(BudgetError::SetInEnvironment(
                "the warning share",
                "WIKIMIND_LLM__BUDGET_WARN_AT",
            ));
        }
        if change.enforce.is_some() && env.enforce {
            return Err(BudgetError::SetInEnvironment(
                "enforcement",
                "WIKIMIND_LLM__BUDGET_ENFORCE",
            ));
        }
        if let Some(Some(usd)) = change.monthly_usd
            && !(usd.is_finite() && usd >= 0.0)
        {
            return Err(BudgetError::Invalid(
                "monthly_usd must be an amount of at least 0 US dollars".to_owned(),
            ));
        }
        if let Some(fraction) = change.warn_fraction
            && !valid_fraction(fraction)
        {
            return Err(BudgetError::Invalid(
                "warn_fraction must be a share above 0 and at most 1, such as 0.8".to_owned(),
            ));
        }
        match change.monthly_usd {
            Some(Some(usd)) => {
                db::app_settings::put(&self.db, KEY_MONTHLY, &usd.to_string()).await?
            }
            Some(None) => db::app_settings::remove(&self.db, KEY_MONTHLY).await?,
            None => {}
        }
        if let Some(fraction) = change.warn_fraction {
            db::app_settings::put(&self.db, KEY_WARN, &fraction.to_string()).await?;
        }
        if let Some(enforce) = change.enforce {
            db::app_settings::put(
                &self.db,
                KEY_ENFORCE,
                if enforce { "true" } else { "false" },
            )
            .await?;
        }
        Ok(self.status().await?)
    }

    /// Queues every job that waited for the budget again, when spending may go on; returns
    /// them as `(job id, source id)` for the caller to hand to the queue (the outbox does it
    /// otherwise).
    pub async fn resume_paused(&self) -> DbResult<Vec<(JobId, Option<SourceId>)>> {
        if db::jobs::paused_for_budget_count(&self.db).await? == 0 || !self.may_spend().await? {
            return Ok(Vec::new());
        }
        let resumed = db::jobs::resume_paused_for_budget(&self.db).await?;
        if !resumed.is_empty() {
            tracing::info!(
                jobs = resumed.len(),
                "the budget allows spending again; waiting jobs were queued"
            );
        }
        Ok(resumed)
    }

    /// Sends `budget.warning` / `budget.exceeded` once per month and limit, across processes
    /// (the stored notice is swapped in one conditional write; only its writer sends). Below
    /// the warning share nothing is written.
    async fn notify(&self, policy: &BudgetPolicy, spent: f64, level: BudgetLevel) -> DbResult<()> {
        let (Some(bus), Some(limit)) = (&self.bus, policy.monthly_usd) else {
            return Ok(());
        };
        let mark = format!("{}|{limit}", Utc::now().format("%Y-%m"));
        let event = match level {
            BudgetLevel::Ok => return Ok(()),
            BudgetLevel::Warning => {
                if !db::app_settings::swap(&self.db, NOTICE_WARNING, &mark).await? {
                    return Ok(());
                }
                EventKind::BudgetWarning {
                    spent_usd: spent,
                    monthly_usd: limit,
                    warn_fraction: policy.warn_fraction,
                }
            }
            BudgetLevel::Exceeded => {
                if !db::app_settings::swap(&self.db, NOTICE_EXCEEDED, &mark).await? {
                    return Ok(());
                }
                EventKind::BudgetExceeded {
                    spent_usd: spent,
                    monthly_usd: limit,
                    enforced: policy.enforce,
                }
            }
        };
        tracing::warn!(
            spent_usd = spent,
            monthly_usd = limit,
            level = ?level,
            "LLM spending crossed a budget mark"
        );
        bus.publish(Event::new(event)).await;
        Ok(())
    }
}

/// The router asks before every paid call. A database that cannot be read does not stop
/// work: the call goes ahead and the failure is logged.
#[async_trait]
impl SpendGate for Budget {
    async fn may_spend(&self) -> bool {
        match Budget::may_spend(self).await {
            Ok(allowed) => allowed,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the budget; the call goes ahead");
                true
            }
        }
    }
}

/// True when a budget is set and this month's spending has reached it (see
/// [`Budget::limit_reached`]).
pub async fn limit_reached(db: &Db, env: &BudgetSettings) -> DbResult<bool> {
    Budget::new(db.clone(), env.clone()).limit_reached().await
}

fn valid_fraction(f: f64) -> bool {
    f > 0.0 && f <= 1.0
}

/// Where spending stands against a policy. A budget of 0 is reached by any cost, and by
/// none: nothing may be spent.
fn level(policy: &BudgetPolicy, spent: f64) -> BudgetLevel {
    match policy.monthly_usd {
        None => BudgetLevel::Ok,
        Some(limit) if spent >= limit => BudgetLevel::Exceeded,
        Some(limit) if spent >= limit * policy.warn_fraction => BudgetLevel::Warning,
        Some(_) => BudgetLevel::Ok,
    }
}

/// The first instant of `now`'s calendar month (UTC).
fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(monthly_usd: Option<f64>) -> BudgetPolicy {
        BudgetPolicy {
            monthly_usd,
            warn_fraction: 0.8,
            enforce: true,
        }
    }

    #[test]
    fn spending_is_ok_then_a_warning_then_over() {
        assert_eq!(level(&policy(None), 1e9), BudgetLevel::Ok);
        assert_eq!(level(&policy(Some(10.0)), 7.99), BudgetLevel::Ok);
        assert_eq!(level(&policy(Some(10.0)), 8.0), BudgetLevel::Warning);
        assert_eq!(level(&policy(Some(10.0)), 10.0), BudgetLevel::Exceeded);
    }

    #[test]
    fn a_zero_budget_allows_nothing() {
        assert_eq!(level(&policy(Some(0.0)), 0.0), BudgetLevel::Exceeded);
    }

    #[test]
    fn a_month_starts_at_midnight_on_its_first_day() {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 59, 0)
            .single()
            .expect("time");
        assert_eq!(month_start(t).to_rfc3339(), "2026-12-01T00:00:00+00:00");
    }
}
