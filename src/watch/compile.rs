//! Watch stage, step 3: compile watchlist specs into one [`Matcher`]: a single shared
//! aho-corasick automaton over the unique folded patterns of every watchlist, each pattern
//! mapping to the atoms (pattern + exact/prefix) and their owning watchlists.

use std::collections::HashMap;

use super::atoms::{
    build_regex, parse_keyword, parse_name, parse_term, AtomTable, TermError, TermSpec,
};
use super::expr::{merge_lits, Expr, Lit, NoFacts};
use super::matcher::Matcher;
use super::query::{lint, parse, FieldSet, Node};
use super::text::normalise;
use super::types::{CompileError, CompileWarning, PersonSpec, Require, TermKind, WatchlistSpec};

/// A watched person or keyword, with the atoms that count as an occurrence of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TermDef {
    /// As written in the watchlist (a person's canonical name).
    pub display: String,
    /// Person or keyword.
    pub kind: TermKind,
    /// Global atom ids (a person's name and aliases, with their other spellings).
    pub atoms: Vec<usize>,
    /// A person's short forms: occurrences count only after one of `atoms` occurred.
    pub short: Vec<usize>,
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
    /// Whether a term is scoped to a field beyond title, summary and content.
    pub beyond_text: bool,
}

/// Compiles every watchlist into one matcher, or returns every error found.
pub fn compile(specs: &[WatchlistSpec]) -> Result<Matcher, Vec<CompileError>> {
    let mut atoms = AtomTable::with_capacity(specs.iter().map(pattern_estimate).sum());
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
    let mut matcher = atoms.finish(watchlists).map_err(|e| vec![e])?;
    matcher.warnings = warnings(specs);
    Ok(matcher)
}

/// About how many folded patterns `spec` adds (its names and terms; other spellings and
/// query terms aside), to size the tables once.
fn pattern_estimate(spec: &WatchlistSpec) -> usize {
    let people = spec.people.iter();
    let names: usize = people
        .map(|p| 1 + p.aliases.len() + p.short_forms.len())
        .sum();
    names + spec.keywords.len() + spec.exclude.len()
}

/// The warnings about every watchlist's query (see [`lint`]).
fn warnings(specs: &[WatchlistSpec]) -> Vec<CompileWarning> {
    let with_query = specs.iter().enumerate();
    let with_query = with_query.filter_map(|(i, s)| Some((i, s.query.as_deref()?)));
    with_query
        .flat_map(|(watchlist, query)| {
            lint(query).into_iter().map(move |message| CompileWarning {
                watchlist,
                key: "query".into(),
                message,
            })
        })
        .collect()
}

/// Compiles one watchlist, collecting its errors.
struct WatchlistBuilder<'a> {
    index: usize,
    atoms: &'a mut AtomTable,
    terms: Vec<TermDef>,
    keyword_terms: HashMap<usize, usize>,
    persons: HashMap<String, usize>,
    beyond_text: bool,
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
            beyond_text: false,
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
            beyond_text: self.beyond_text,
        }
    }

    fn add_person(&mut self, i: usize, person: &PersonSpec) {
        let term = self.terms.len();
        let key = || format!("person[{i}].name");
        let mut atoms = match parse_name(&person.name) {
            Ok(patterns) if self.persons.contains_key(&patterns[0]) => {
                let message = format!("duplicate person \"{}\"", person.name.trim());
                self.error(key(), message);
                Vec::new()
            }
            Ok(patterns) => {
                self.persons.insert(patterns[0].clone(), term);
                self.name_atoms(patterns)
            }
            Err(e) => {
                self.error(key(), e.to_string());
                Vec::new()
            }
        };
        atoms.extend(self.names(&person.aliases, i, "aliases"));
        let mut short = self.names(&person.short_forms, i, "short_forms");
        for list in [&mut atoms, &mut short] {
            list.sort_unstable();
            list.dedup();
        }
        let display = person.name.trim().to_string();
        self.terms.push(TermDef {
            display,
            kind: TermKind::Person,
            atoms,
            short,
        });
    }

    /// The atoms of person `i`'s list of names called `list` (aliases or short forms).
    fn names(&mut self, names: &[String], i: usize, list: &str) -> Vec<usize> {
        let mut atoms = Vec::new();
        for (j, name) in names.iter().enumerate() {
            match parse_name(name) {
                Ok(patterns) => atoms.extend(self.name_atoms(patterns)),
                Err(e) => self.error(format!("person[{i}].{list}[{j}]"), e.to_string()),
            }
        }
        atoms
    }

    fn name_atoms(&mut self, patterns: Vec<String>) -> Vec<usize> {
        let owner = self.index;
        let mut atoms = Vec::with_capacity(patterns.len());
        for p in patterns {
            atoms.push(self.atoms.intern(p, false, None, owner));
        }
        atoms
    }

    /// The atoms of a keyword, exclude or query term.
    fn term_atoms(&mut self, spec: TermSpec) -> Result<Vec<usize>, TermError> {
        let owner = self.index;
        match spec {
            TermSpec::Text {
                patterns,
                prefix,
                cased,
                split,
            } => {
                let mut atoms = Vec::with_capacity(patterns.len() + usize::from(split));
                let mut first_key = None;
                for p in patterns {
                    let (atom, key) = self.atoms.intern_keyed(p, prefix, cased.as_deref(), owner);
                    first_key.get_or_insert(key);
                    atoms.push(atom);
                }
                // The split atom belongs to the term's own (first) pattern, a one-word key.
                if let (true, Some(key)) = (split, first_key) {
                    atoms.push(self.atoms.intern_split(key, owner));
                }
                Ok(atoms)
            }
            TermSpec::Regex(source) => {
                let regex = build_regex(&source)?;
                Ok(vec![self.atoms.intern_regex(&source, regex, owner)])
            }
        }
    }

    fn add_excludes(&mut self, exclude: &[String]) -> Vec<usize> {
        let mut atoms = Vec::with_capacity(exclude.len());
        for (i, raw) in exclude.iter().enumerate() {
            match parse_keyword(raw).and_then(|spec| self.term_atoms(spec)) {
                Ok(found) => atoms.extend(found),
                Err(e) => self.error(format!("exclude[{i}]"), e.to_string()),
            }
        }
        atoms
    }

    /// Registers a keyword-kind term (deduplicated by its first atom) and returns its index.
    fn keyword(&mut self, display: &str, spec: TermSpec) -> Result<usize, TermError> {
        let atoms = self.term_atoms(spec)?;
        if let Some(&term) = self.keyword_terms.get(&atoms[0]) {
            return Ok(term);
        }
        let term = self.terms.len();
        self.keyword_terms.insert(atoms[0], term);
        let display = display.trim().to_string();
        self.terms.push(TermDef {
            display,
            kind: TermKind::Keyword,
            atoms,
            short: Vec::new(),
        });
        Ok(term)
    }

    fn add_require(&mut self, spec: &WatchlistSpec) -> Option<Require> {
        for (i, raw) in spec.keywords.iter().enumerate() {
            if let Err(e) = parse_keyword(raw).and_then(|t| self.keyword(raw, t)) {
                self.error(format!("keywords[{i}]"), e.to_string());
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
        let expr = self.resolve(&node, FieldSet::EVERY)?;
        if expr.eval(&NoFacts) {
            self.error("query", "query matches nothing positive");
            return None;
        }
        Some(expr)
    }

    /// Turns the AST into an [`Expr`], pushing field scopes down to the literals.
    fn resolve(&mut self, node: &Node, outer: FieldSet) -> Option<Expr> {
        let scope = match outer == FieldSet::EVERY {
            true => FieldSet::TEXT,
            false => outer,
        };
        match node {
            Node::Term { text, col, mods } => {
                let spec = parse_term(text, *mods);
                let term = self.query_term(spec, text, *col)?;
                Some(Expr::Lit(Lit { term, scope }))
            }
            Node::Regex { source, col } => {
                let spec = Ok(TermSpec::Regex(source.clone()));
                let term = self.query_term(spec, &format!("/{source}/"), *col)?;
                Some(Expr::Lit(Lit { term, scope }))
            }
            Node::Person { name, col } => {
                let term = self.query_person(name, *col)?;
                Some(Expr::Lit(Lit { term, scope }))
            }
            Node::Not(inner) => Some(Expr::Not(Box::new(self.resolve(inner, outer)?))),
            Node::And(items) => self.resolve_all(items, outer).map(Expr::And),
            Node::Or(items) => self.resolve_all(items, outer).map(Expr::Or),
            Node::Near { left, right, dist } => {
                let (left, right) = (self.resolve(left, outer), self.resolve(right, outer));
                let (left, right) = (near_lits(left?), near_lits(right?));
                Some(Expr::Near {
                    left,
                    right,
                    dist: *dist,
                })
            }
            Node::Scope { fields, node, col } => {
                self.beyond_text |= fields.beyond_text();
                self.resolve_scoped(node, outer, *fields, *col)
            }
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

    fn query_term(
        &mut self,
        spec: Result<TermSpec, TermError>,
        text: &str,
        col: usize,
    ) -> Option<usize> {
        match spec.and_then(|spec| self.keyword(text, spec)) {
            Ok(term) => Some(term),
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
        scope: FieldSet::TEXT,
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
