//! Spending: a month's model calls and cost, grouped by provider and by task, against the
//! monthly budget (what Settings shows, and `GET /api/costs`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::budget::Budget;
use crate::db::{self, Db, DbError, costs::CostBucket};

/// Why a month's costs could not be given.
#[derive(Debug, thiserror::Error)]
pub enum CostsError {
    #[error("month must look like 2026-11, not {0:?}")]
    BadMonth(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The costs of `month` (`YYYY-MM`, UTC; the current month when `None`).
pub async fn month(
    db: &Db,
    budget: &Budget,
    month: Option<&str>,
) -> Result<MonthCosts, CostsError> {
    let month = month.map_or_else(
        || Utc::now().format("%Y-%m").to_string(),
        |m| m.trim().to_owned(),
    );
    let (from, to) = month_bounds(&month).ok_or_else(|| CostsError::BadMonth(month.clone()))?;
    let buckets = db::costs::buckets_between(db, from, to).await?;
    let total_usd: f64 = buckets.iter().map(|b| b.cost_usd).sum();
    let budget_usd = budget.policy().await?.monthly_usd;
    Ok(MonthCosts {
        month,
        total_usd,
        calls: buckets.iter().map(|b| b.calls).sum(),
        cached_calls: buckets.iter().map(|b| b.cached_calls).sum(),
        by_provider: group_by(&buckets, |b| &b.provider),
        by_task: group_by(&buckets, |b| &b.task),
        budget_usd,
        budget_used_fraction: budget_usd.filter(|b| *b > 0.0).map(|b| total_usd / b),
    })
}

/// Calls and spending summed over one provider or one task.
#[derive(Debug, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CostGroup {
    pub key: String,
    pub calls: i64,
    /// Of `calls`, those answered from the response cache at no cost.
    pub cached_calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
}

/// A month's model calls and spending, grouped by provider and by task, against the budget.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthCosts {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub total_usd: f64,
    pub calls: i64,
    pub cached_calls: i64,
    pub by_provider: Vec<CostGroup>,
    pub by_task: Vec<CostGroup>,
    pub budget_usd: Option<f64>,
    pub budget_used_fraction: Option<f64>,
}

/// The first instant of `month` (`YYYY-MM`) and of the month after it.
fn month_bounds(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (y, m) = month.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    let next = if start.month() == 12 {
        NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)?
    };
    Some((
        start.and_hms_opt(0, 0, 0)?.and_utc(),
        next.and_hms_opt(0, 0, 0)?.and_utc(),
    ))
}

/// Sums buckets by one of their keys, largest spend first.
fn group_by(buckets: &[CostBucket], key: impl Fn(&CostBucket) -> &str) -> Vec<CostGroup> {
    let mut groups: Vec<CostGroup> = Vec::new();
    for b in buckets {
        let idx = match groups.iter().position(|g| g.key == key(b)) {
            Some(i) => i,
            None => {
                groups.push(CostGroup {
                    key: key(b).to_owned(),
                    ..CostGroup::default()
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[idx];
        g.calls += b.calls;
        g.cached_calls += b.cached_calls;
        g.input_tokens += b.input_tokens;
        g.output_tokens += b.output_tokens;
        g.cost_usd += b.cost_usd;
    }
    groups.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.calls.cmp(&a.calls))
            .then(a.key.cmp(&b.key))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_bounded_by_their_first_instants() {
        let (a, b) = month_bounds("2026-12").expect("valid");
        assert_eq!(a.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("2026-1").is_none());
        assert!(month_bounds("November").is_none());
    }

    #[test]
    fn buckets_are_summed_per_key_largest_first() {
        let bucket = |provider: &str, task: &str, calls, cost| CostBucket {
            provider: provider.into(),
            task: task.into(),
            calls,
            cached_calls: 0,
            input_tokens: 10 * calls,
            output_tokens: calls,
            cost_usd: cost,
        };
        let buckets = [
            bucket("anthropic", "compile", 2, 0.5),
            bucket("openai", "compile", 1, 0.1),
            bucket("openai", "qa", 3, 0.7),
        ];
        let by_provider = group_by(&buckets, |b| &b.provider);
        assert_eq!(by_provider[0].key, "openai");
        assert_eq!(by_provider[0].calls, 4);
        assert!((by_provider[0].cost_usd - 0.8).abs() < 1e-9);
        let by_task = group_by(&buckets, |b| &b.task);
        let keys: Vec<&str> = by_task.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["qa", "compile"]);
        assert_eq!(by_task[1].calls, 3);
    }
}
