//! ASCII slugs for file names and URLs, and the normalised title form used to match links.

use unicode_normalization::UnicodeNormalization;

/// Latin letters that NFKD does not decompose but that have a conventional ASCII spelling;
/// without this table "Straße" would slug to "strae".
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        'ø' => "o",
        'Ø' => "O",
        'đ' | 'ð' => "d",
        'Đ' | 'Ð' => "D",
        'ł' => "l",
        'Ł' => "L",
        'þ' => "th",
        'Þ' => "TH",
        'ı' => "i",
        _ => return None,
    })
}

/// Lower-case ASCII with runs of anything else collapsed to single `-`, no `-` at either end.
/// Apostrophes vanish rather than split words ("Karpathy's" → "karpathys").
fn ascii_dashed(s: &str, transliterate_extra: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_dash = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c != '\'' {
            pending_dash = true;
        }
    };
    for c in s.chars() {
        if transliterate_extra && let Some(ascii) = transliterate(c) {
            ascii.chars().for_each(|a| push(a, &mut out));
            continue;
        }
        if c == '\u{2019}' {
            // A typographic apostrophe is still an apostrophe, not a separator.
            continue;
        }
        for d in c.nfkd() {
            // Non-ASCII residue (combining marks, scripts without ASCII forms) is dropped.
            if d.is_ascii() {
                push(d, &mut out);
            }
        }
    }
    out
}

/// Makes a URL- and file-safe slug: NFKD → ASCII, lower case, runs of other characters → `-`,
/// trimmed, cut to at most `max_len` bytes (on a `-` boundary when one falls in the second half),
/// and `"untitled"` when nothing is left. A `max_len` of 0 is treated as 1.
pub fn slugify(s: &str, max_len: usize) -> String {
    let max_len = max_len.max(1);
    let mut slug = ascii_dashed(s, true);
    if slug.len() > max_len {
        // The slug is ASCII, so any byte index is a char boundary.
        let cut = match slug[..=max_len].rfind('-') {
            Some(dash) if dash >= max_len / 2 => dash,
            _ => max_len,
        };
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        "untitled".to_string()
    } else {
        slug
    }
}

/// Slugs that name the vault's own files, never an article's.
const RESERVED: [&str; 2] = ["index", "log"];

/// The first of `base`, `base-2`, `base-3`, … that is not in `taken` and not reserved. There
/// always is one: `taken` is finite.
pub fn first_free_slug(base: &str, taken: &std::collections::HashSet<String>) -> String {
    let free = |s: &String| !taken.contains(s) && !RESERVED.contains(&s.as_str());
    std::iter::once(base.to_owned())
        .chain((2u64..).map(|n| format!("{base}-{n}")))
        .find(free)
        .unwrap_or_else(|| unreachable!("a finite set cannot hold every numbered slug"))
}

/// The normalised form under which titles match when resolving links: NFKD → ASCII (other
/// characters dropped) → lower case → `'` deleted → runs of `[^a-z0-9-]` → `-` → leading and
/// trailing `-` trimmed → `--+` collapsed. May be empty.
pub fn normalize_title(s: &str) -> String {
    let ascii: String = s
        .nfkd()
        .filter(char::is_ascii)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut dashed = String::with_capacity(ascii.len());
    let mut in_run = false;
    for c in ascii.chars().filter(|c| *c != '\'') {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            dashed.push(c);
            in_run = false;
        } else if !in_run {
            dashed.push('-');
            in_run = true;
        }
    }
    let mut out = String::with_capacity(dashed.len());
    for c in dashed.trim_matches('-').chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_folds_to_lowercase_ascii_words() {
        assert_eq!(slugify("Karpathy's Wiki", 80), "karpathys-wiki");
        assert_eq!(slugify("Café", 80), "cafe");
        assert_eq!(
            slugify("  json — JSON encoder & decoder!  ", 80),
            "json-json-encoder-decoder"
        );
        assert_eq!(slugify("snake_case__name", 80), "snake-case-name");
        assert_eq!(slugify("Straße Ærø", 80), "strasse-aero");
        assert_eq!(slugify("It’s fine", 80), "its-fine");
        assert_eq!(slugify("ﬁle №5", 80), "file-no5");
    }

    #[test]
    fn slugify_falls_back_to_untitled() {
        assert_eq!(slugify("", 80), "untitled");
        assert_eq!(slugify("---", 80), "untitled");
        assert_eq!(slugify("日本語", 80), "untitled");
    }

    #[test]
    fn slugify_cuts_on_a_dash_boundary() {
        assert_eq!(slugify("The quick brown fox jumps", 12), "the-quick");
        assert_eq!(slugify("abcdefghijklmnop", 5), "abcde");
        assert_eq!(slugify("a-bcdefghijklmnop", 6), "a-bcde");
        let long = slugify(&"word ".repeat(40), 80);
        assert!(long.len() <= 80 && !long.ends_with('-'), "{long}");
        assert_eq!(slugify("abc", 0), "a");
    }

    #[test]
    fn a_free_slug_is_always_found_past_any_number_of_namesakes() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(first_free_slug("python", &taken), "python");
        taken.insert("python".to_owned());
        for n in 2..=40 {
            taken.insert(format!("python-{n}"));
        }
        assert_eq!(first_free_slug("python", &taken), "python-41");
        taken.remove("python-7");
        assert_eq!(
            first_free_slug("python", &taken),
            "python-7",
            "gaps are reused"
        );
        assert_eq!(
            first_free_slug("index", &std::collections::HashSet::new()),
            "index-2"
        );
    }

    #[test]
    fn normalize_title_matches_the_reference_algorithm() {
        assert_eq!(normalize_title("Karpathy's Wiki"), "karpathys-wiki");
        assert_eq!(normalize_title("Café"), "cafe");
        assert_eq!(normalize_title("snake_case"), "snake-case");
        assert_eq!(normalize_title("  --A -- B--  "), "a-b");
        assert_eq!(normalize_title("C++ / Rust"), "c-rust");
        assert_eq!(normalize_title("Straße"), "strae");
        assert_eq!(normalize_title("日本"), "");
    }
}
