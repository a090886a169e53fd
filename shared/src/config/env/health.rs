//! `WIKIMIND_HEALTH__*`: when the workers run Health on their own.
//!
//! `WIKIMIND_HEALTH__SCHEDULE` is `weekly` (the default), `daily`, `hourly`, `off`, or a
//! period such as `90m`, `12h`, `3d` or `30s`.

use std::time::Duration;

use super::{ConfigError, EnvSource};
use crate::config::HealthSettings;

const SCHEDULE: &str = "WIKIMIND_HEALTH__SCHEDULE";

/// Reads the Health settings.
pub(super) fn health_settings(src: &EnvSource) -> Result<HealthSettings, ConfigError> {
    let schedule = match src.get(SCHEDULE) {
        None => Some(Duration::from_secs(7 * 24 * 3600)),
        Some(raw) => parse_schedule(raw).map_err(|message| ConfigError::Invalid {
            var: SCHEDULE,
            value: raw.to_owned(),
            message: message.to_owned(),
        })?,
    };
    Ok(HealthSettings { schedule })
}

/// A schedule's period; `None` for `off`.
fn parse_schedule(raw: &str) -> Result<Option<Duration>, &'static str> {
    const EXPECTED: &str = "expected weekly, daily, hourly, off, or a period such as 12h or 3d";
    let hours = |h: u64| Ok(Some(Duration::from_secs(h * 3600)));
    match raw.to_ascii_lowercase().as_str() {
        "off" | "never" | "none" => Ok(None),
        "weekly" => hours(7 * 24),
        "daily" => hours(24),
        "hourly" => hours(1),
        period => {
            let split = period.find(|c: char| !c.is_ascii_digit()).ok_or(EXPECTED)?;
            let (count, unit) = period.split_at(split);
            let count: u64 = count.parse().map_err(|_| EXPECTED)?;
            let unit_secs = match unit {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 24 * 3600,
                "w" => 7 * 24 * 3600,
                _ => return Err(EXPECTED),
            };
            match count.checked_mul(unit_secs) {
                Some(0) => Err("the period must be longer than zero"),
                Some(secs) => Ok(Some(Duration::from_secs(secs))),
                None => Err("the period is too long"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_named_or_given_as_periods() {
        let secs = |raw| parse_schedule(raw).map(|d| d.map(|d| d.as_secs()));
        assert_eq!(secs("weekly"), Ok(Some(604_800)));
        assert_eq!(secs("Daily"), Ok(Some(86_400)));
        assert_eq!(secs("off"), Ok(None));
        assert_eq!(secs("90m"), Ok(Some(5_400)));
        assert_eq!(secs("3d"), Ok(Some(259_200)));
        assert_eq!(secs("2s"), Ok(Some(2)));
        assert!(secs("0h").is_err());
        assert!(secs("12").is_err());
        assert!(secs("h").is_err());
        assert!(secs("fortnightly").is_err());
    }

    #[test]
    fn health_runs_weekly_unless_told_otherwise() {
        let settings = health_settings(&EnvSource::empty()).expect("defaults");
        assert_eq!(settings.schedule, Some(Duration::from_secs(604_800)));
        let off = health_settings(&EnvSource::from_pairs([(SCHEDULE, "off")])).expect("off");
        assert_eq!(off.schedule, None);
        let bad = health_settings(&EnvSource::from_pairs([(SCHEDULE, "soon")]));
        assert!(bad.unwrap_err().to_string().contains(SCHEDULE));
    }
}
