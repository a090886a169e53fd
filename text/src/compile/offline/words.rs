//! Word lists and word-level helpers for the offline compiler: stopwords (which carry no topic),
//! generic words (too vague to be a concept on their own), and a light plural folding.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Function words, auxiliaries, common verbs and adverbs, and legal connectives. They neither
/// count towards a sentence's topicality nor appear in a key phrase.
const STOPWORDS: &str = "a about above according across actually after afterwards again against all almost alone along already also although always am among amongst an and another any anybody anyhow anyone anything anyway anywhere are around as at
be became because become becomes becoming been before beforehand behind being below beside besides between beyond both but by
can cannot could did do does doing done down due during each either else elsewhere enough especially etc even ever every everyone everything everywhere except
few for former formerly from further furthermore get gets getting give given gives giving go goes going gone got had has have having he hence her here hereafter hereby herein hereinafter hereof hereto hereunder herewith hers herself him himself his how however
i ie eg if in indeed instead into is it its itself just keep keeps kept know known last later latter least less let lets like likely
made mainly make makes making many may maybe me meanwhile might mine more moreover most mostly much must my myself
namely need needed needs neither never nevertheless next no nobody none noone nor not nothing now nowhere
of off often on once one only onto or other others otherwise our ours ourselves out over overall own
per perhaps please put quite rather really regarding said same see seem seemed seeming seems seen several shall she should since so some somehow someone something sometime sometimes somewhere still such
take takes taken than that the their theirs them themselves then thence there thereafter thereby therefore therein thereof thereon thereto thereunder these they this those though through throughout thru thus to together too toward towards
under unless until up upon us use used uses using usually very via was we well were what whatever when whence whenever where whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why will with within without would yet you your yours yourself yourselves
able allow allows allowed apply applies applied implement implements implemented become call called calls came come comes contain contains contained describe described describes find finds found follow follows followed following include includes included including means meant mean provide provides provided providing refer refers referred require requires required requiring say says show shows shown state states stated tell tells tried try tries want wants wanted way ways work-around
also either neither rather whether thereof therefrom";

/// Words that are fine inside a phrase but too vague to be a concept by themselves, and
/// adjectives that rarely belong in a concept name at all (those also break phrases).
const GENERIC: &str = "case cases example examples thing things part parts kind kinds type types number numbers time times lot lots set sets section sections chapter chapters page pages item items note notes point points order fact facts
value values result results argument arguments parameter parameters option options default defaults version versions name names list lists form forms information detail details end ends line lines term terms word words person people user users
object objects data method methods function functions class classes file files system systems way change changes step steps level levels group groups entity entities purpose purposes reason reasons effect effects basis rights right
string strings character characters input output module modules instance instances attribute attributes call calls called return returns returned byte bytes integer integers text texts command commands block blocks copy copies source sources code conditions condition notice notices";

const BREAKING_ADJECTIVES: &str = "basic simple general specific certain various different same possible available above below given specified particular appropriate whole entire new old first second third last previous next other such many much more most few several own good better best bad large small big little high low long short full early late real true false main major minor usual normal additional further similar respective relevant necessary applicable important able unable sure non";

fn set(words: &'static str) -> HashSet<&'static str> {
    words.split_whitespace().collect()
}

static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| set(STOPWORDS));
static VAGUE_ADJECTIVES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| set(BREAKING_ADJECTIVES));
/// Generic words both as written and as term keys, since phrases are compared by key.
static GENERIC_SET: LazyLock<HashSet<String>> = LazyLock::new(|| {
    GENERIC
        .split_whitespace()
        .flat_map(|w| [w.to_string(), term_key(w)])
        .collect()
});

/// Words ending in "-ly" that are not adverbs.
const LY_NOUNS: [&str; 10] = [
    "family", "supply", "assembly", "reply", "apply", "anomaly", "monopoly", "italy", "poly",
    "only",
];

/// Whether a lower-case word carries no topic.
pub(crate) fn is_stopword(word: &str) -> bool {
    is_function_word(word) || VAGUE_ADJECTIVES.contains(word)
}

/// Whether a lower-case word is an adjective too vague for a concept name ("general",
/// "additional"), though it may be part of a proper name ("General Public License").
pub(super) fn is_vague_adjective(word: &str) -> bool {
    VAGUE_ADJECTIVES.contains(word)
}

/// Whether a lower-case word is a function word, auxiliary, common verb or adverb.
pub(crate) fn is_function_word(word: &str) -> bool {
    STOP.contains(word)
        || (word.len() > 5 && word.ends_with("ly") && !LY_NOUNS.contains(&word))
        || word.chars().count() < 2
}

/// Whether a lower-case word is too vague to stand alone as a concept.
pub(crate) fn is_generic(word: &str) -> bool {
    GENERIC_SET.contains(word) || is_stopword(word)
}

/// Folds regular plurals so that "thread" and "threads" count as one term. Deliberately timid:
/// a wrong fold merges unrelated words, a missed one only splits counts.
pub(crate) fn fold_plural(word: &str) -> &str {
    let n = word.len();
    if n <= 3 || !word.is_ascii() {
        return word;
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") || word.ends_with("ics")
    {
        return word;
    }
    if let Some(stem) = word.strip_suffix("ies").filter(|s| s.len() >= 3) {
        // "policies" → "polic", shared with "policy" only through the caller's own key; keep
        // the stem distinct from other words by leaving the 'i'.
        return &word[..stem.len() + 1];
    }
    if ["sses", "xes", "ches", "shes", "zzes"]
        .iter()
        .any(|s| word.ends_with(s))
    {
        return &word[..n - 2];
    }
    word.strip_suffix('s').unwrap_or(word)
}

/// Key under which plural and singular of a word meet ("policy" and "policies" → "polici").
pub fn term_key(word: &str) -> String {
    let folded = fold_plural(word);
    if let Some(stem) = folded
        .strip_suffix('y')
        .filter(|s| s.len() >= 3 && !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}i")
    } else {
        folded.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_meet_their_singulars() {
        for (a, b) in [
            ("thread", "threads"),
            ("policy", "policies"),
            ("process", "processes"),
            ("box", "boxes"),
            ("license", "licenses"),
            ("case", "cases"),
            ("patch", "patches"),
            ("key", "keys"),
        ] {
            assert_eq!(term_key(a), term_key(b), "{a} / {b}");
        }
        for word in ["status", "analysis", "class", "physics", "bus"] {
            assert_eq!(fold_plural(word), word);
        }
    }

    #[test]
    fn stopwords_and_generic_words_are_recognised() {
        assert!(is_stopword("the") && is_stopword("hereby") && is_stopword("quickly"));
        assert!(!is_stopword("family") && !is_stopword("license"));
        assert!(is_generic("example") && is_generic("the") && !is_generic("thread"));
        assert!(is_generic(&term_key("copies")) && is_generic(&term_key("entities")));
    }
}
