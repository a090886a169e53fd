//! The wiki's health score, 0–100.
//!
//! Each open finding weighs on the wiki by its severity (an error 4, a warning 1, a note ¼),
//! against the number of pages that could carry one: `100 × pages / (pages + weight)`,
//! rounded down. A wiki with no open finding scores 100; one error per page scores 20; a large
//! wiki is not punished for having more pages, only for having more problems per page.

use super::Severity;

const ERROR_WEIGHT: f64 = 4.0;
const WARNING_WEIGHT: f64 = 1.0;
const INFO_WEIGHT: f64 = 0.25;

/// The score of a wiki of `pages` pages with these open findings.
pub fn score(pages: i64, open: &[Severity]) -> i64 {
    let weight: f64 = open
        .iter()
        .map(|s| match s {
            Severity::Error => ERROR_WEIGHT,
            Severity::Warning => WARNING_WEIGHT,
            Severity::Info => INFO_WEIGHT,
        })
        .sum();
    if weight == 0.0 {
        return 100;
    }
    let pages = pages.max(1) as f64;
    (100.0 * pages / (pages + weight)).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiki_with_nothing_open_scores_full_marks() {
        assert_eq!(score(0, &[]), 100);
        assert_eq!(score(500, &[]), 100);
    }

    #[test]
    fn errors_weigh_more_than_warnings_and_warnings_more_than_notes() {
        let error = score(10, &[Severity::Error]);
        let warning = score(10, &[Severity::Warning]);
        let info = score(10, &[Severity::Info]);
        assert!(
            error < warning && warning < info && info < 100,
            "{error} {warning} {info}"
        );
    }

    #[test]
    fn the_same_findings_weigh_less_on_a_larger_wiki() {
        let findings = [Severity::Warning; 3];
        assert!(score(10, &findings) < score(100, &findings));
        assert_eq!(score(36, &findings), 92);
    }

    #[test]
    fn one_error_per_page_scores_twenty() {
        assert_eq!(score(10, &[Severity::Error; 10]), 20);
    }

    #[test]
    fn the_score_never_leaves_its_range() {
        assert!(score(1, &[Severity::Error; 10_000]) >= 0);
        assert!(score(0, &[Severity::Error]) <= 100);
    }
}
