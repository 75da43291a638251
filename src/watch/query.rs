//! Watch stage, step 2: parse a watchlist query into an AST; errors carry 1-based columns.
//!
//! Grammar, loosest first: `OR` < `AND` (or juxtaposition) < `NEAR/n` < `NOT`/`-`; primaries
//! are words, `prefix*`, `"phrases"`, `/regex/`, `@"Person"`/`@Word` and `( ... )`, each
//! optionally scoped by `title:`, `summary:`, `content:`, `author:`, `category:` or `url:`;
//! words and phrases may carry `case:` or `exact:`. Operators are uppercase only; a
//! lower-case one is a word, which [`lint`] warns about.

use super::atoms::Modifiers;
use super::types::Field;

/// A set of document fields a term is looked for in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSet(u8);

impl FieldSet {
    /// Title, summary, content and the fetched article: where unscoped terms are looked for.
    pub const TEXT: FieldSet = FieldSet(0b1111);

    /// Every field: the scope a query starts in, narrowed by field scopes; a literal left
    /// in it is unscoped and looks in [`FieldSet::TEXT`].
    pub const EVERY: FieldSet = FieldSet(0b111_1111);

    /// No field.
    pub const NONE: FieldSet = FieldSet(0);

    /// The set holding just `field`.
    pub fn only(field: Field) -> Self {
        FieldSet(1 << field.index())
    }

    /// Whether `field` is in the set.
    pub fn contains(self, field: Field) -> bool {
        self.0 & (1 << field.index()) != 0
    }

    /// Fields in both sets.
    pub fn intersect(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 & other.0)
    }

    /// Fields in either set.
    pub fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }

    /// Whether the set has no field.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set has a field outside [`FieldSet::TEXT`].
    pub fn beyond_text(self) -> bool {
        self.0 & !FieldSet::TEXT.0 != 0
    }
}

/// A parsed query, before terms are resolved against the watchlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A word, `prefix*` or phrase, as written (phrases without their quotes).
    Term {
        text: String,
        col: usize,
        mods: Modifiers,
    },
    /// `/pattern/`: the source between the slashes.
    Regex { source: String, col: usize },
    /// `@"Name"` or `@Word`: one of the watchlist's people by canonical name.
    Person { name: String, col: usize },
    /// `NOT x` or `-x`.
    Not(Box<Node>),
    /// All must hold.
    And(Vec<Node>),
    /// Any must hold.
    Or(Vec<Node>),
    /// Occurrences of both within `dist` words in one field.
    Near {
        left: Box<Node>,
        right: Box<Node>,
        dist: u32,
    },
    /// `title:x` and friends.
    Scope {
        fields: FieldSet,
        node: Box<Node>,
        col: usize,
    },
}

/// Why a query does not parse; the message already names the column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ParseError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(message.into()))
}

/// How deeply parentheses may nest.
const MAX_DEPTH: usize = 64;

/// A lexical token of the query language.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Word(String),
    Phrase(String),
    Regex(String),
    Person(String),
    Field(Field),
    Mod(Modifiers),
    And,
    Or,
    Not,
    Near(u32),
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Open => f.write_str("'('"),
            Tok::Close => f.write_str("')'"),
            Tok::Word(w) => write!(f, "'{w}'"),
            Tok::Phrase(p) => write!(f, "\"{p}\""),
            Tok::Regex(r) => write!(f, "/{r}/"),
            Tok::Mod(m) if m.case => f.write_str("'case:'"),
            Tok::Mod(_) => f.write_str("'exact:'"),
            Tok::Person(p) => write!(f, "@\"{p}\""),
            Tok::Field(field) => write!(f, "'{}:'", field_name(*field)),
            Tok::And => f.write_str("AND"),
            Tok::Or => f.write_str("OR"),
            Tok::Not => f.write_str("NOT"),
            Tok::Near(n) => write!(f, "NEAR/{n}"),
        }
    }
}

fn field_name(field: Field) -> &'static str {
    field.as_str()
}

/// Splits a query into tokens, each with its 1-based column.
fn lex(query: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let col = i + 1;
        let next = chars.get(i + 1).copied();
        let tok = match chars[i] {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Tok::Open, i + 1),
            ')' => (Tok::Close, i + 1),
            '"' => read_phrase(&chars, i).map(|(p, end)| (Tok::Phrase(p), end))?,
            '/' => read_regex(&chars, i).map(|(r, end)| (Tok::Regex(r), end))?,
            '@' => lex_person(&chars, i)?,
            '-' if next.is_some_and(|n| !n.is_whitespace() && n != ')') => (Tok::Not, i + 1),
            _ => lex_word(&chars, i)?,
        };
        out.push((tok.0, col));
        i = tok.1;
    }
    Ok(out)
}

/// Reads `"..."` starting at the quote; returns the inner text and the index after it.
fn read_phrase(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    match chars[start + 1..].iter().position(|&c| c == '"') {
        Some(len) => Ok((
            chars[start + 1..start + 1 + len].iter().collect(),
            start + len + 2,
        )),
        None => err(format!(
            "unterminated phrase starting at column {}",
            start + 1
        )),
    }
}

/// Reads `/.../` starting at the slash (`\/` inside stands for a slash); returns the
/// source and the index after the closing slash.
fn read_regex(chars: &[char], start: usize) -> Result<(String, usize), ParseError> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '/' if i > start + 1 => {
                return Ok((chars[start + 1..i].iter().collect(), i + 1));
            }
            _ => i += 1,
        }
    }
    err(format!(
        "unterminated regex starting at column {}",
        start + 1
    ))
}

/// Reads a bare word: everything up to whitespace, a parenthesis or a quote.
fn read_word(chars: &[char], start: usize) -> (String, usize) {
    let len = chars[start..]
        .iter()
        .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
        .unwrap_or(chars.len() - start);
    (chars[start..start + len].iter().collect(), start + len)
}

fn lex_person(chars: &[char], at: usize) -> Result<(Tok, usize), ParseError> {
    if chars.get(at + 1) == Some(&'"') {
        let (name, end) = read_phrase(chars, at + 1)?;
        return Ok((Tok::Person(name), end));
    }
    let (name, end) = read_word(chars, at + 1);
    if name.is_empty() {
        return err(format!(
            "expected a person name after '@' at column {}",
            at + 1
        ));
    }
    Ok((Tok::Person(name), end))
}

/// Lexes a bare word as an operator, a field scope or a plain term.
fn lex_word(chars: &[char], at: usize) -> Result<(Tok, usize), ParseError> {
    let (word, end) = read_word(chars, at);
    let col = at + 1;
    match word.as_str() {
        "AND" => return Ok((Tok::And, end)),
        "OR" => return Ok((Tok::Or, end)),
        "NOT" => return Ok((Tok::Not, end)),
        w if w == "NEAR" || w.starts_with("NEAR/") => {
            return match w.strip_prefix("NEAR/").map(str::parse::<u32>) {
                Some(Ok(n)) => Ok((Tok::Near(n), end)),
                _ => err(format!("NEAR needs a distance: NEAR/n at column {col}")),
            };
        }
        _ => {}
    }
    if let Some(colon) = word.find(':') {
        let name = &word[..colon];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic()) {
            match name.to_ascii_lowercase().as_str() {
                "case" => return Ok((Tok::Mod(Modifiers::CASE), at + colon + 1)),
                "exact" => return Ok((Tok::Mod(Modifiers::EXACT), at + colon + 1)),
                _ => {}
            }
            let field = parse_field(name, col)?;
            return Ok((Tok::Field(field), at + colon + 1));
        }
    }
    Ok((Tok::Word(word), end))
}

fn parse_field(name: &str, col: usize) -> Result<Field, ParseError> {
    match name.to_ascii_lowercase().as_str() {
        "title" => Ok(Field::Title),
        "summary" => Ok(Field::Summary),
        "content" => Ok(Field::Content),
        "article" => Ok(Field::Article),
        "author" => Ok(Field::Author),
        "category" => Ok(Field::Category),
        "url" => Ok(Field::Url),
        _ => err(format!(
            "unknown field '{name}:' at column {col} (expected title:, summary:, content:, \
             article:, author:, category: or url:)"
        )),
    }
}

/// Parses a query into its AST.
pub(crate) fn parse(query: &str) -> Result<Node, ParseError> {
    if query.trim().is_empty() {
        return err("empty query at column 1");
    }
    let tokens = lex(query)?;
    let end_col = query.chars().count() + 1;
    let mut p = Parser {
        tokens,
        pos: 0,
        end_col,
        depth: 0,
    };
    let node = p.or_expr()?;
    match p.peek() {
        Some((tok, col)) => err(format!("unexpected {tok} at column {col}")),
        None => Ok(node),
    }
}

/// A recursive-descent parser over the token list.
struct Parser {
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(Tok, usize)> {
        self.tokens.get(self.pos)
    }

    fn next_col(&self) -> usize {
        self.peek().map_or(self.end_col, |t| t.1)
    }

    fn bump(&mut self) -> Option<(Tok, usize)> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or_expr(&mut self) -> Result<Node, ParseError> {
        let mut items = vec![self.and_expr()?];
        while matches!(self.peek(), Some((Tok::Or, _))) {
            self.bump();
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn and_expr(&mut self) -> Result<Node, ParseError> {
        let mut items = vec![self.near_expr()?];
        loop {
            match self.peek() {
                Some((Tok::And, _)) => {
                    self.bump();
                }
                Some((Tok::Or | Tok::Close | Tok::Near(_), _)) | None => break,
                Some(_) => {}
            }
            items.push(self.near_expr()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn near_expr(&mut self) -> Result<Node, ParseError> {
        let left_col = self.next_col();
        let mut left = self.unary()?;
        while let Some(&(Tok::Near(dist), _)) = self.peek() {
            self.bump();
            let right_col = self.next_col();
            let right = self.unary()?;
            check_near_operand(&left, left_col)?;
            check_near_operand(&right, right_col)?;
            left = Node::Near {
                left: Box::new(left),
                right: Box::new(right),
                dist,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        if matches!(self.peek(), Some((Tok::Not, _))) {
            self.bump();
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        if let Some(&(Tok::Field(field), col)) = self.peek() {
            self.bump();
            let node = Box::new(self.primary()?);
            return Ok(Node::Scope {
                fields: FieldSet::only(field),
                node,
                col,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        match self.bump() {
            Some((Tok::Word(text) | Tok::Phrase(text), col)) => Ok(Node::Term {
                text,
                col,
                mods: Modifiers::default(),
            }),
            Some((Tok::Regex(source), col)) => Ok(Node::Regex { source, col }),
            Some((Tok::Mod(first), col)) => self.modified(first, col),
            Some((Tok::Person(name), col)) => Ok(Node::Person { name, col }),
            Some((Tok::Open, col)) => self.group(col),
            Some((tok, col)) => err(format!("unexpected {tok} at column {col}")),
            None => err(format!(
                "unexpected end of query at column {}",
                self.end_col
            )),
        }
    }

    /// A word or phrase after `case:`/`exact:` (which may repeat).
    fn modified(&mut self, first: Modifiers, col: usize) -> Result<Node, ParseError> {
        let mut mods = first;
        loop {
            match self.bump() {
                Some((Tok::Mod(m), _)) => mods = mods.with(m),
                Some((Tok::Word(text) | Tok::Phrase(text), _)) => {
                    return Ok(Node::Term { text, col, mods })
                }
                Some((tok, at)) => {
                    return err(format!(
                        "expected a word or phrase after the modifier at column {col}, found \
                         {tok} at column {at}"
                    ))
                }
                None => {
                    return err(format!(
                        "expected a word or phrase after the modifier at column {col}"
                    ))
                }
            }
        }
    }

    fn group(&mut self, col: usize) -> Result<Node, ParseError> {
        if self.depth >= MAX_DEPTH {
            return err(format!("parentheses nest too deeply at column {col}"));
        }
        self.depth += 1;
        let node = self.or_expr()?;
        self.depth -= 1;
        match self.bump() {
            Some((Tok::Close, _)) => Ok(node),
            Some((_, at)) => err(format!("expected ')' at column {at}")),
            None => err(format!("expected ')' at column {}", self.end_col)),
        }
    }
}

/// NEAR takes terms, phrases, prefixes, persons (maybe scoped) or OR-groups of those.
fn check_near_operand(node: &Node, col: usize) -> Result<(), ParseError> {
    if near_operand_ok(node) {
        return Ok(());
    }
    err(format!(
        "NEAR operands must be terms, phrases, prefixes, persons or parenthesised OR-groups \
         of those at column {col}"
    ))
}

fn near_operand_ok(node: &Node) -> bool {
    match node {
        Node::Term { .. } | Node::Regex { .. } | Node::Person { .. } => true,
        Node::Scope { node, .. } => near_operand_ok(node),
        Node::Or(items) => items.iter().all(near_operand_ok),
        Node::Not(_) | Node::And(_) | Node::Near { .. } => false,
    }
}

/// Warnings about a query that compiles but probably does not mean what it says: a
/// lower-case `and`, `or`, `not` or `near/n` is matched as a word. Each names the column
/// and the upper-case operator.
pub(crate) fn lint(query: &str) -> Vec<String> {
    let Ok(tokens) = lex(query) else {
        return Vec::new();
    };
    let operand = |t: Option<&(Tok, usize)>, after: bool| match t.map(|t| &t.0) {
        Some(Tok::Word(_) | Tok::Phrase(_) | Tok::Regex(_) | Tok::Person(_)) => true,
        Some(Tok::Close) => !after,
        Some(Tok::Open | Tok::Field(_) | Tok::Mod(_) | Tok::Not) => after,
        _ => false,
    };
    let mut out = Vec::new();
    for (i, (tok, col)) in tokens.iter().enumerate() {
        let Tok::Word(word) = tok else { continue };
        let before = i > 0 && operand(tokens.get(i - 1), false);
        let after = operand(tokens.get(i + 1), true);
        let upper = word.to_uppercase();
        let flagged = match upper.as_str() {
            "AND" | "OR" => before && after,
            "NOT" => after,
            w => {
                w.strip_prefix("NEAR/")
                    .is_some_and(|n| n.parse::<u32>().is_ok())
                    && before
                    && after
            }
        };
        if flagged {
            out.push(format!(
                "lower-case '{word}' at column {col} is matched as a word, not an operator; \
                 write {upper} for the operator, or put the words in quotes to match them"
            ));
        }
    }
    out
}
