//! `WIKIMIND_HEALTH__*`: when the workers run Health on their own.
//!
//! `WIKIMIND_HEALTH__SCHEDULE` is `weekly` (the default), `daily`, `hourly`, `off`, or a
//! period such as `90m`, `12h`, `3d` or `30s`. `WIKIMIND_HEALTH__SOURCE_POLL` (the same forms,
//! `daily` by default) is how often URL sources are looked at again for changes upstream;
//! `WIKIMIND_HEALTH__AUTO_REFRESH=true` compiles a changed source again at once.

use std::time::Duration;

use super::{ConfigError, EnvSource};
use crate::config::HealthSettings;

const SCHEDULE: &str = "WIKIMIND_HEALTH__SCHEDULE";
const SOURCE_POLL: &str = "WIKIMIND_HEALTH__SOURCE_POLL";
const AUTO_REFRESH: &str = "WIKIMIND_HEALTH__AUTO_REFRESH";

/// Reads the Health settings.
pub(super) fn health_settings(src: &EnvSource) -> Result<HealthSettings, ConfigError> {
    Ok(HealthSettings {
        schedule: period(src, SCHEDULE, 7 * 24)?,
        source_poll: period(src, SOURCE_POLL, 24)?,
        auto_refresh: src.flag(AUTO_REFRESH, false)?,
    })
}

/// The period `var` sets, `default_hours` when unset.
fn period(
    src: &EnvSource,
    var: &'static str,
    default_hours: u64,
) -> Result<Option<Duration>, ConfigError> {
    match src.get(var) {
        None => Ok(Some(Duration::from_secs(default_hours * 3600))),
        Some(raw) => parse_schedule(raw).map_err(|message| ConfigError::Invalid {
            var,
            value: raw.to_owned(),
            message: message.to_owned(),
        }),
    }
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
        assert_eq!(settings.source_poll, Some(Duration::from_secs(86_400)));
        assert!(!settings.auto_refresh);
        let polled = health_settings(&EnvSource::from_pairs([
            (SOURCE_POLL, "2s"),
            (AUTO_REFRESH, "true"),
        ]))
        .expect("poll");
        assert_eq!(polled.source_poll, Some(Duration::from_secs(2)));
        assert!(polled.auto_refresh);
    }
}
