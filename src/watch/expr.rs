//! Watch stage, step 3b: a resolved query (terms replaced by watchlist term ids) and its
//! evaluation against the facts found in one document.

use super::query::FieldSet;

/// A term of the watchlist looked for in some fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lit {
    /// Index into the watchlist's terms.
    pub term: usize,
    /// Where to look.
    pub scope: FieldSet,
}

/// A compiled query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// The term occurs in its scope.
    Lit(Lit),
    /// The inner expression does not hold.
    Not(Box<Expr>),
    /// Every item holds.
    And(Vec<Expr>),
    /// Some item holds.
    Or(Vec<Expr>),
    /// Some occurrence of a left and a right literal, in one field, within `dist` words.
    Near {
        left: Vec<Lit>,
        right: Vec<Lit>,
        dist: u32,
    },
}

/// What a query can ask of a document.
pub(crate) trait Facts {
    /// Whether the literal's term occurs in any field of its scope.
    fn present(&self, lit: Lit) -> bool;
    /// Whether the two literals occur in one field (in both scopes) at most `dist` words apart.
    fn near(&self, a: Lit, b: Lit, dist: u32) -> bool;
}

/// A document where nothing occurs.
pub(crate) struct NoFacts;

impl Facts for NoFacts {
    fn present(&self, _: Lit) -> bool {
        false
    }

    fn near(&self, _: Lit, _: Lit, _: u32) -> bool {
        false
    }
}

impl Expr {
    /// Whether the query holds for `facts`.
    pub fn eval(&self, facts: &impl Facts) -> bool {
        match self {
            Expr::Lit(lit) => facts.present(*lit),
            Expr::Not(inner) => !inner.eval(facts),
            Expr::And(items) => items.iter().all(|e| e.eval(facts)),
            Expr::Or(items) => items.iter().any(|e| e.eval(facts)),
            Expr::Near { left, right, dist } => left
                .iter()
                .any(|&a| right.iter().any(|&b| facts.near(a, b, *dist))),
        }
    }

    /// Appends the literals under an even number of NOTs (the ones whose occurrences can
    /// explain a match).
    pub fn positive_lits(&self, out: &mut Vec<Lit>) {
        self.lits_with_polarity(true, out);
    }

    fn lits_with_polarity(&self, positive: bool, out: &mut Vec<Lit>) {
        match self {
            Expr::Lit(lit) if positive => out.push(*lit),
            Expr::Near { left, right, .. } if positive => {
                out.extend(left.iter().chain(right).copied());
            }
            Expr::Lit(_) | Expr::Near { .. } => {}
            Expr::Not(inner) => inner.lits_with_polarity(!positive, out),
            Expr::And(items) | Expr::Or(items) => {
                items
                    .iter()
                    .for_each(|e| e.lits_with_polarity(positive, out));
            }
        }
    }
}

/// Merges literals of the same term (union of scopes), ordered by term id.
pub(crate) fn merge_lits(mut lits: Vec<Lit>) -> Vec<Lit> {
    lits.sort_by_key(|l| l.term);
    let mut out: Vec<Lit> = Vec::with_capacity(lits.len());
    for lit in lits {
        match out.last_mut() {
            Some(last) if last.term == lit.term => last.scope = last.scope.union(lit.scope),
            _ => out.push(lit),
        }
    }
    out
}
