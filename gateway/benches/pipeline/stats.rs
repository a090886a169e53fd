//! Percentiles and the markdown rows the report prints.

use super::*;

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) fn summarise(label: &str, batch: &mut Batch) -> String {
    batch.per_source.sort();
    let n = batch.per_source.len();
    format!(
        "| {label} | {n} | {} | {} | {} | {} | {:.2} | {:.0} MiB |",
        ms(batch.wall),
        ms(percentile(&batch.per_source, 0.5)),
        ms(percentile(&batch.per_source, 0.95)),
        ms(*batch.per_source.last().unwrap_or(&Duration::ZERO)),
        n as f64 / batch.wall.as_secs_f64(),
        batch.peak_rss_mib,
    )
}
