//! Watch stage, step 3: compile watchlist specs into one [`Matcher`]: a single shared
//! aho-corasick automaton over the unique folded patterns of every watchlist, each pattern
//! mapping to the atoms (pattern + exact/prefix) and their owning watchlists.

use std::collections::HashMap;

use super::atoms::{parse_term, AtomTable};
use super::expr::{merge_lits, Expr, Lit, NoFacts};
use super::matcher::Matcher;
use super::query::{parse, FieldSet, Node};
use super::text::normalise;
use super::types::{CompileError, PersonSpec, Require, TermKind, WatchlistSpec};

/// A watched person or keyword, with the atoms that count as an occurrence of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TermDef {
    /// As written in the watchlist (a person's canonical name).
    pub display: String,
    /// Person or keyword.
    pub kind: TermKind,
    /// Global atom ids (a person's name and aliases).
    pub atoms: Vec<usize>,
}

/// When a compiled watchlist matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// No query: the `require` mode over people and keywords.
    Require(Require),
    /// A query.
    Query(Expr),
}

/// One watchlist, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompiledWatchlist {
    /// People, keywords and query terms.
    pub terms: Vec<TermDef>,
    /// Terms reported as hits, with the fields they count in.
    pub hit_lits: Vec<Lit>,
    /// Atoms that veto a match.
    pub excludes: Vec<usize>,
    /// The match condition.
    pub rule: Rule,
}

/// Compiles every watchlist into one matcher, or returns every error found.
pub fn compile(specs: &[WatchlistSpec]) -> Result<Matcher, Vec<CompileError>> {
    let mut atoms = AtomTable::default();
    let mut errors = Vec::new();
    let mut watchlists = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let mut builder = WatchlistBuilder::new(index, &mut atoms);
        watchlists.push(builder.build(spec));
        errors.append(&mut builder.errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    atoms.finish(watchlists).map_err(|e| vec![e])
}

/// Compiles one watchlist, collecting its errors.
struct WatchlistBuilder<'a> {
    index: usize,
    atoms: &'a mut AtomTable,
    terms: Vec<TermDef>,
    keyword_terms: HashMap<usize, usize>,
    persons: HashMap<String, usize>,
    errors: Vec<CompileError>,
}

impl<'a> WatchlistBuilder<'a> {
    fn new(index: usize, atoms: &'a mut AtomTable) -> Self {
        WatchlistBuilder {
            index,
            atoms,
            terms: Vec::new(),
            keyword_terms: HashMap::new(),
            persons: HashMap::new(),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        let (watchlist, key, message) = (self.index, key.into(), message.into());
        self.errors.push(CompileError {
            watchlist,
            key,
            message,
        });
    }

    fn build(&mut self, spec: &WatchlistSpec) -> CompiledWatchlist {
        for (i, person) in spec.people.iter().enumerate() {
            self.add_person(i, person);
        }
        let excludes = self.add_excludes(&spec.exclude);
        let rule = match &spec.query {
            Some(query) => self.add_query(query).map(Rule::Query),
            None => self.add_require(spec).map(Rule::Require),
        };
        let hit_lits = hit_lits(rule.as_ref(), self.terms.len());
        let terms = std::mem::take(&mut self.terms);
        let rule = rule.unwrap_or(Rule::Require(Require::Any));
        CompiledWatchlist {
            terms,
            hit_lits,
            excludes,
            rule,
        }
    }

    fn add_person(&mut self, i: usize, person: &PersonSpec) {
        let term = self.terms.len();
        let mut atoms = Vec::with_capacity(1 + person.aliases.len());
        let key = format!("person[{i}].name");
        match parse_term(&person.name, false) {
            Ok((norm, _)) if self.persons.contains_key(&norm) => {
                self.error(key, format!("duplicate person \"{}\"", person.name.trim()));
            }
            Ok((norm, _)) => {
                self.persons.insert(norm.clone(), term);
                atoms.push(self.atoms.intern(norm, false, self.index));
            }
            Err(e) => self.error(key, e.to_string()),
        }
        for (j, alias) in person.aliases.iter().enumerate() {
            match parse_term(alias, false) {
                Ok((norm, _)) => atoms.push(self.atoms.intern(norm, false, self.index)),
                Err(e) => self.error(format!("person[{i}].aliases[{j}]"), e.to_string()),
            }
        }
        atoms.sort_unstable();
        atoms.dedup();
        let display = person.name.trim().to_string();
        self.terms.push(TermDef {
            display,
            kind: TermKind::Person,
            atoms,
        });
    }

    fn add_excludes(&mut self, exclude: &[String]) -> Vec<usize> {
        let mut atoms = Vec::with_capacity(exclude.len());
        for (i, raw) in exclude.iter().enumerate() {
            match parse_term(raw, true) {
                Ok((norm, prefix)) => atoms.push(self.atoms.intern(norm, prefix, self.index)),
                Err(e) => self.error(format!("exclude[{i}]"), e.to_string()),
            }
        }
        atoms
    }

    /// Registers a keyword-kind term (deduplicated by atom) and returns its index.
    fn keyword(&mut self, display: &str, norm: String, prefix: bool) -> usize {
        let atom = self.atoms.intern(norm, prefix, self.index);
        if let Some(&term) = self.keyword_terms.get(&atom) {
            return term;
        }
        let term = self.terms.len();
        let display = display.trim().to_string();
        self.terms.push(TermDef {
            display,
            kind: TermKind::Keyword,
            atoms: vec![atom],
        });
        self.keyword_terms.insert(atom, term);
        term
    }

    fn add_require(&mut self, spec: &WatchlistSpec) -> Option<Require> {
        for (i, raw) in spec.keywords.iter().enumerate() {
            match parse_term(raw, true) {
                Ok((norm, prefix)) => _ = self.keyword(raw, norm, prefix),
                Err(e) => self.error(format!("keywords[{i}]"), e.to_string()),
            }
        }
        let (people, keywords) = (!spec.people.is_empty(), !spec.keywords.is_empty());
        let message = match spec.require {
            Require::Any if !people && !keywords => "watchlist has no people, keywords or query",
            Require::Person if !people => "requires a person but the watchlist has no people",
            Require::Keyword if !keywords => "requires a keyword but the watchlist has no keywords",
            Require::PersonAndKeyword if !(people && keywords) => {
                "requires a person and a keyword but the watchlist lacks people or keywords"
            }
            _ => return Some(spec.require),
        };
        self.error("require", message);
        None
    }

    fn add_query(&mut self, query: &str) -> Option<Expr> {
        let node = match parse(query) {
            Ok(node) => node,
            Err(e) => {
                self.error("query", e.0);
                return None;
            }
        };
        let expr = self.resolve(&node, FieldSet::ALL)?;
        if expr.eval(&NoFacts) {
            self.error("query", "query matches nothing positive");
            return None;
        }
        Some(expr)
    }

    /// Turns the AST into an [`Expr`], pushing field scopes down to the literals.
    fn resolve(&mut self, node: &Node, scope: FieldSet) -> Option<Expr> {
        match node {
            Node::Term { text, col } => {
                let term = self.query_term(text, *col)?;
                Some(Expr::Lit(Lit { term, scope }))
            }
            Node::Person { name, col } => {
                let term = self.query_person(name, *col)?;
                Some(Expr::Lit(Lit { term, scope }))
            }
            Node::Not(inner) => Some(Expr::Not(Box::new(self.resolve(inner, scope)?))),
            Node::And(items) => self.resolve_all(items, scope).map(Expr::And),
            Node::Or(items) => self.resolve_all(items, scope).map(Expr::Or),
            Node::Near { left, right, dist } => {
                let (left, right) = (self.resolve(left, scope), self.resolve(right, scope));
                let (left, right) = (near_lits(left?), near_lits(right?));
                Some(Expr::Near {
                    left,
                    right,
                    dist: *dist,
                })
            }
            Node::Scope { fields, node, col } => self.resolve_scoped(node, scope, *fields, *col),
        }
    }

    /// Resolves `node` under the intersection of the enclosing and its own field scope.
    fn resolve_scoped(
        &mut self,
        node: &Node,
        outer: FieldSet,
        fields: FieldSet,
        col: usize,
    ) -> Option<Expr> {
        let inner = outer.intersect(fields);
        if inner.is_empty() {
            let message =
                format!("field scope at column {col} excludes every field of the enclosing scope");
            self.error("query", message);
            return None;
        }
        self.resolve(node, inner)
    }

    /// Resolves every item (so every error is reported), failing if any failed.
    fn resolve_all(&mut self, items: &[Node], scope: FieldSet) -> Option<Vec<Expr>> {
        let resolved: Vec<Option<Expr>> = items.iter().map(|n| self.resolve(n, scope)).collect();
        resolved.into_iter().collect()
    }

    fn query_term(&mut self, text: &str, col: usize) -> Option<usize> {
        match parse_term(text, true) {
            Ok((norm, prefix)) => Some(self.keyword(text, norm, prefix)),
            Err(e) => {
                self.error("query", format!("{e} in \"{text}\" at column {col}"));
                None
            }
        }
    }

    fn query_person(&mut self, name: &str, col: usize) -> Option<usize> {
        let found = self.persons.get(&normalise(name)).copied();
        if found.is_none() {
            self.error(
                "query",
                format!("unknown person \"{name}\" at column {col}"),
            );
        }
        found
    }
}

/// The terms reported as hits: a query's positive literals, else every term anywhere.
fn hit_lits(rule: Option<&Rule>, terms: usize) -> Vec<Lit> {
    if let Some(Rule::Query(expr)) = rule {
        let mut lits = Vec::new();
        expr.positive_lits(&mut lits);
        return merge_lits(lits);
    }
    let all = |term| Lit {
        term,
        scope: FieldSet::ALL,
    };
    (0..terms).map(all).collect()
}

/// The literals of a NEAR operand (a literal or an OR-group of them, checked by the parser).
fn near_lits(expr: Expr) -> Vec<Lit> {
    match expr {
        Expr::Lit(lit) => vec![lit],
        Expr::Or(items) => items.into_iter().flat_map(near_lits).collect(),
        Expr::Not(_) | Expr::And(_) | Expr::Near { .. } => Vec::new(),
    }
}
