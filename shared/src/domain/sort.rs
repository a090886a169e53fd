//! How a person orders a long list: what it is sorted by and in which direction, each from a
//! closed set (the database turns them into its ORDER BY from strings of its own, never from
//! the request's).

crate::text_enum! {
    /// Ascending or descending.
    pub enum Direction {
        Asc => "asc",
        Desc => "desc",
    }
}

crate::text_enum! {
    /// What the article list is sorted by.
    pub enum ArticleSort {
        /// When it last changed (the default, newest first).
        Updated => "updated",
        /// When it was first written.
        Created => "created",
        /// Its title, case aside.
        Title => "title",
    }
}

crate::text_enum! {
    /// What the source list is sorted by.
    pub enum SourceSort {
        /// When it was added (the default, newest first).
        Created => "created",
        /// When it last changed (a stage of its pipeline, a refresh).
        Updated => "updated",
        /// Its title, case aside; sources without one last.
        Title => "title",
        /// Its pipeline stage, by name.
        Status => "status",
    }
}

crate::text_enum! {
    /// What the job list is sorted by.
    pub enum JobSort {
        /// When it was queued (the default, newest first).
        Created => "created",
        /// Its state, by name.
        Status => "status",
    }
}

/// What a list may be sorted by: the sort it uses when none is asked for, and the direction
/// each sort reads best in when none is: times newest first, names from A.
pub trait ListSort: Copy {
    const DEFAULT: Self;
    fn natural(self) -> Direction;
}

impl ListSort for ArticleSort {
    const DEFAULT: Self = ArticleSort::Updated;
    fn natural(self) -> Direction {
        match self {
            ArticleSort::Updated | ArticleSort::Created => Direction::Desc,
            ArticleSort::Title => Direction::Asc,
        }
    }
}

impl ListSort for SourceSort {
    const DEFAULT: Self = SourceSort::Created;
    fn natural(self) -> Direction {
        match self {
            SourceSort::Created | SourceSort::Updated => Direction::Desc,
            SourceSort::Title | SourceSort::Status => Direction::Asc,
        }
    }
}

impl ListSort for JobSort {
    const DEFAULT: Self = JobSort::Created;
    fn natural(self) -> Direction {
        match self {
            JobSort::Created => Direction::Desc,
            JobSort::Status => Direction::Asc,
        }
    }
}

/// A list's order: a sort and its direction (the sort's natural one unless asked otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<S> {
    pub by: S,
    pub direction: Direction,
}

impl<S: ListSort> Order<S> {
    /// `by` (the list's default sort when none), in `direction` or else its natural one.
    pub fn new(by: Option<S>, direction: Option<Direction>) -> Self {
        let by = by.unwrap_or(S::DEFAULT);
        Self {
            by,
            direction: direction.unwrap_or_else(|| by.natural()),
        }
    }
}

impl<S: ListSort> Default for Order<S> {
    fn default() -> Self {
        Self::new(None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_newest_first_and_names_from_a_unless_asked_otherwise() {
        assert_eq!(Order::<ArticleSort>::default().direction, Direction::Desc);
        assert_eq!(Order::<JobSort>::default().by, JobSort::Created);
        assert_eq!(
            Order::new(Some(ArticleSort::Title), None).direction,
            Direction::Asc
        );
        assert_eq!(
            Order::new(Some(SourceSort::Title), Some(Direction::Desc)).direction,
            Direction::Desc
        );
        assert_eq!("title".parse::<SourceSort>(), Ok(SourceSort::Title));
        assert!("title; drop table sources".parse::<SourceSort>().is_err());
    }
}
