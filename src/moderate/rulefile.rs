//! Rule files: TOML with a list of `[[rule]]` tables, compiled into [`Rule`]s. Every
//! problem is reported with the file, the line, the rule id and what is wrong.
//!
//! ```toml
//! [[rule]]
//! id = "no-shouting-replies"
//! pattern = "[A-Z]{5,}"
//! case_sensitive = true
//! depth_min = 1
//! action = "flag"
//! ```

use super::errors::{ModerateError, RuleError};
use super::rule::{
    Check, ContextChecks, Field, PLACEHOLDERS, RegexOptions, Rule, compile_regex, compile_words,
    parse_word_list,
};
use super::{Action, Severity, rules};
use crate::analyze::Stance;
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Largest rules file read, in bytes.
const MAX_RULES_FILE: u64 = 64 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

/// One `[[rule]]` table as written; every field but `id` is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    description: Option<String>,
    fields: Option<Spanned<Vec<String>>>,
    pattern: Option<Spanned<String>>,
    case_sensitive: Option<bool>,
    word_boundary: Option<bool>,
    words: Option<Spanned<Vec<String>>>,
    words_file: Option<Spanned<String>>,
    words_builtin: Option<Spanned<String>>,
    caps_share_min: Option<Spanned<f64>>,
    caps_min_letters: Option<usize>,
    shouted_words_min: Option<Spanned<usize>>,
    punct_run_min: Option<Spanned<usize>>,
    links_min: Option<Spanned<usize>>,
    length_min: Option<Spanned<usize>>,
    length_max: Option<Spanned<usize>>,
    repeated_chars_min: Option<Spanned<usize>>,
    duplicate_similarity_min: Option<Spanned<f64>>,
    off_topic_similarity_max: Option<Spanned<f64>>,
    off_topic_min_terms: Option<usize>,
    depth_min: Option<u32>,
    depth_max: Option<Spanned<u32>>,
    stance: Option<Spanned<OneOrMany<String>>>,
    cluster: Option<OneOrMany<u32>>,
    latency_max_secs: Option<i64>,
    latency_min_secs: Option<Spanned<i64>>,
    parent_flagged: Option<bool>,
    parent_flagged_by: Option<Spanned<Vec<String>>>,
    author_flags_min: Option<u32>,
    severity: Option<Spanned<String>>,
    action: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(x) => vec![x.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Reads and compiles a rules file.
pub fn load(path: &Path, regex_size_limit: usize) -> Result<Vec<Rule>, ModerateError> {
    let io = |source| ModerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_RULES_FILE {
        return Err(RuleError {
            file: path.to_path_buf(),
            line: 1,
            rule: None,
            problem: format!("the file is {len} bytes; rule files are limited to {MAX_RULES_FILE}"),
        }
        .into());
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    Ok(parse(&text, path, regex_size_limit)?)
}

/// Byte offsets where lines start, for offset → line lookups in O(log n) (a 10,000-rule
/// file must not cost a scan from the top per rule).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    /// 1-based line of a byte offset.
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset).max(1)
    }
}

/// The id of the `[[rule]]` table around a byte offset, found by scanning the text (used when
/// TOML itself fails and no rule was built).
fn rule_id_near(text: &str, offset: usize) -> Option<String> {
    let mut current: Option<String> = None;
    let mut in_rule = false;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if pos > offset && line.trim_start().starts_with('[') {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            in_rule = t.starts_with("[[rule]]");
            current = None;
        } else if in_rule
            && current.is_none()
            && let Some(rest) = t.strip_prefix("id")
            && let Some(v) = rest.trim_start().strip_prefix('=')
        {
            let v = v.trim();
            let v = v.split('#').next().unwrap_or(v).trim();
            current = Some(v.trim_matches(|c| c == '"' || c == '\'').to_string());
        }
        pos += line.len();
    }
    current
}

/// Compiles rule-file text; `file` is used in messages and to resolve `words_file`.
pub fn parse(text: &str, file: &Path, regex_size_limit: usize) -> Result<Vec<Rule>, RuleError> {
    let lines = Lines::new(text);
    let line_of = |_: &str, offset: usize| lines.of(offset);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        RuleError {
            file: file.to_path_buf(),
            line: line_of(text, offset),
            rule: rule_id_near(text, offset),
            problem: e.message().trim().to_string(),
        }
    })?;
    if raw.rule.is_empty() {
        return Err(RuleError {
            file: file.to_path_buf(),
            line: 1,
            rule: None,
            problem: "the file defines no [[rule]] tables".into(),
        });
    }
    // Ids first (cheap, in order), then compile in parallel: regex compilation is the cost
    // of a 10,000-rule file. The first error in file order is the one reported.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for spanned in &raw.rule {
        let header = line_of(text, spanned.span().start);
        let r = spanned.get_ref();
        let id = r.id.get_ref().trim().to_string();
        let err = |problem: String| RuleError {
            file: file.to_path_buf(),
            line: line_of(text, r.id.span().start),
            rule: (!id.is_empty()).then(|| id.clone()),
            problem,
        };
        if id.is_empty() {
            return Err(err("the rule id is empty".into()));
        }
        if !id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            return Err(err(
                "rule ids may hold letters, digits, '-', '_', '.' and ':' only".into(),
            ));
        }
        if let Some(first) = seen.insert(id.clone(), header) {
            return Err(err(format!(
                "duplicate rule id (first defined on line {first})"
            )));
        }
    }
    let compiled: Vec<Result<Rule, RuleError>> = raw
        .rule
        .par_iter()
        .map(|spanned| {
            let header = line_of(text, spanned.span().start);
            let r = spanned.get_ref();
            let id = r.id.get_ref().trim().to_string();
            let err = |span: Option<std::ops::Range<usize>>, problem: String| RuleError {
                file: file.to_path_buf(),
                line: span.map_or(header, |s| line_of(text, s.start)),
                rule: Some(id.clone()),
                problem,
            };
            compile(r, file, regex_size_limit, &err)
        })
        .collect();
    let out = compiled
        .into_iter()
        .collect::<Result<Vec<Rule>, RuleError>>()?;
    // `parent_flagged_by` must name rules that exist here or among the built-ins.
    for (spanned, rule) in raw.rule.iter().zip(&out) {
        let Some(by) = &spanned.get_ref().parent_flagged_by else {
            continue;
        };
        for name in by.get_ref() {
            if !seen.contains_key(name) && rules::by_id(name).is_none() {
                return Err(RuleError {
                    file: file.to_path_buf(),
                    line: line_of(text, by.span().start),
                    rule: Some(rule.id.clone()),
                    problem: format!(
                        "parent_flagged_by names rule {name:?}, which is neither in this file nor built in"
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// Checks that rule ids are unique across files and built-ins.
pub fn check_unique(rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen = std::collections::HashSet::new();
    for r in rules {
        if !seen.insert(r.id.as_str()) {
            return Err(RuleError {
                file: PathBuf::from("<rules>"),
                line: 0,
                rule: Some(r.id.clone()),
                problem:
                    "the id is used by more than one rule (across --rules files and built-ins)"
                        .into(),
            });
        }
    }
    Ok(())
}

fn share(
    v: &Spanned<f64>,
    name: &str,
    err: &dyn Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<f64, RuleError> {
    let x = *v.get_ref();
    if !(0.0..=1.0).contains(&x) {
        return Err(err(
            Some(v.span()),
            format!("{name} = {x} is outside 0..=1 (it is a share)"),
        ));
    }
    Ok(x)
}

fn at_least(
    v: &Spanned<usize>,
    min: usize,
    name: &str,
    err: &dyn Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<usize, RuleError> {
    let x = *v.get_ref();
    if x < min {
        return Err(err(
            Some(v.span()),
            format!("{name} = {x} must be at least {min}"),
        ));
    }
    Ok(x)
}

fn compile(
    r: &RawRule,
    file: &Path,
    size_limit: usize,
    err: &dyn Fn(Option<std::ops::Range<usize>>, String) -> RuleError,
) -> Result<Rule, RuleError> {
    let id = r.id.get_ref().trim().to_string();
    let fields = match &r.fields {
        None => vec![Field::Text],
        Some(f) => {
            let mut out = Vec::new();
            for name in f.get_ref() {
                let field = Field::ALL
                    .into_iter()
                    .find(|x| x.name() == name)
                    .ok_or_else(|| {
                        err(
                            Some(f.span()),
                            format!(
                                "unknown field {name:?}; expected text, author, links or title"
                            ),
                        )
                    })?;
                out.push(field);
            }
            if out.is_empty() {
                return Err(err(Some(f.span()), "fields is empty".into()));
            }
            out
        }
    };
    let mut checks = Vec::new();
    let case_sensitive = r.case_sensitive.unwrap_or(false);
    if let Some(p) = &r.pattern {
        let opts = RegexOptions {
            case_sensitive,
            word_boundary: r.word_boundary.unwrap_or(false),
            size_limit,
        };
        let re = compile_regex(p.get_ref(), opts).map_err(|m| err(Some(p.span()), m))?;
        checks.push(Check::Regex(re));
    }
    let mut words: Vec<String> = Vec::new();
    let mut words_span = None;
    if let Some(w) = &r.words {
        if w.get_ref().iter().all(|x| x.trim().is_empty()) {
            return Err(err(Some(w.span()), "words is empty".into()));
        }
        words.extend(w.get_ref().iter().cloned());
        words_span = Some(w.span());
    }
    if let Some(wf) = &r.words_file {
        let p = file.parent().unwrap_or(Path::new(".")).join(wf.get_ref());
        let t = std::fs::read_to_string(&p)
            .map_err(|e| err(Some(wf.span()), format!("words_file {}: {e}", p.display())))?;
        let list = parse_word_list(&t);
        if list.is_empty() {
            return Err(err(
                Some(wf.span()),
                format!("words_file {} holds no words", p.display()),
            ));
        }
        words.extend(list);
        words_span = Some(wf.span());
    }
    if let Some(b) = &r.words_builtin {
        let list = rules::word_list(b.get_ref()).ok_or_else(|| {
            err(
                Some(b.span()),
                format!(
                    "unknown built-in word list {:?}; expected one of: {}",
                    b.get_ref(),
                    rules::WORD_LISTS.join(", ")
                ),
            )
        })?;
        words.extend(list);
        words_span = Some(b.span());
    }
    if !words.is_empty() {
        let opts = RegexOptions {
            case_sensitive,
            word_boundary: r.word_boundary.unwrap_or(true),
            size_limit,
        };
        let re = compile_words(&words, opts).map_err(|m| err(words_span.clone(), m))?;
        checks.push(Check::Regex(re));
    }
    if let Some(v) = &r.caps_share_min {
        checks.push(Check::Caps {
            min_share: share(v, "caps_share_min", err)?,
            min_letters: r.caps_min_letters.unwrap_or(20),
        });
    }
    if let Some(v) = &r.shouted_words_min {
        checks.push(Check::ShoutedWords {
            min: at_least(v, 1, "shouted_words_min", err)?,
        });
    }
    if let Some(v) = &r.punct_run_min {
        checks.push(Check::PunctRun {
            min: at_least(v, 2, "punct_run_min", err)?,
        });
    }
    if let Some(v) = &r.links_min {
        checks.push(Check::Links {
            min: at_least(v, 1, "links_min", err)?,
        });
    }
    if r.length_min.is_some() || r.length_max.is_some() {
        let min = r.length_min.as_ref().map(|v| *v.get_ref());
        let max = r.length_max.as_ref().map(|v| *v.get_ref());
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            return Err(err(
                r.length_max.as_ref().map(Spanned::span),
                format!("length_min = {a} is greater than length_max = {b}"),
            ));
        }
        checks.push(Check::Length { min, max });
    }
    if let Some(v) = &r.repeated_chars_min {
        checks.push(Check::RepeatedChars {
            min: at_least(v, 2, "repeated_chars_min", err)?,
        });
    }
    if let Some(v) = &r.duplicate_similarity_min {
        checks.push(Check::NearDuplicate {
            min_similarity: share(v, "duplicate_similarity_min", err)?,
        });
    }
    if let Some(v) = &r.off_topic_similarity_max {
        checks.push(Check::OffTopic {
            max_similarity: share(v, "off_topic_similarity_max", err)?,
            min_terms: r.off_topic_min_terms.unwrap_or(12),
        });
    }
    let stance = match &r.stance {
        None => None,
        Some(s) => {
            let mut out = Vec::new();
            for name in s.get_ref().to_vec() {
                let st = [Stance::Agree, Stance::Rebut, Stance::Neutral]
                    .into_iter()
                    .find(|x| x.name() == name)
                    .ok_or_else(|| {
                        err(
                            Some(s.span()),
                            format!("unknown stance {name:?}; expected agree, rebut or neutral"),
                        )
                    })?;
                out.push(st);
            }
            Some(out)
        }
    };
    if let (Some(a), Some(b)) = (r.depth_min, &r.depth_max)
        && a > *b.get_ref()
    {
        return Err(err(
            Some(b.span()),
            format!(
                "depth_min = {a} is greater than depth_max = {}",
                b.get_ref()
            ),
        ));
    }
    if let (Some(a), Some(b)) = (&r.latency_min_secs, r.latency_max_secs)
        && *a.get_ref() > b
    {
        return Err(err(
            Some(a.span()),
            format!(
                "latency_min_secs = {} is greater than latency_max_secs = {b}",
                a.get_ref()
            ),
        ));
    }
    let context = ContextChecks {
        depth_min: r.depth_min,
        depth_max: r.depth_max.as_ref().map(|v| *v.get_ref()),
        stance,
        clusters: r.cluster.as_ref().map(OneOrMany::to_vec),
        latency_max_secs: r.latency_max_secs,
        latency_min_secs: r.latency_min_secs.as_ref().map(|v| *v.get_ref()),
        parent_flagged: r
            .parent_flagged
            .or(r.parent_flagged_by.as_ref().map(|_| true)),
        parent_flagged_by: r
            .parent_flagged_by
            .as_ref()
            .map(|v| v.get_ref().clone())
            .unwrap_or_default(),
        author_flags_min: r.author_flags_min,
    };
    if checks.is_empty() && context.is_empty() {
        return Err(err(
            None,
            "the rule has no checks; give a pattern, words, a threshold or a context check".into(),
        ));
    }
    let severity = match &r.severity {
        None => Severity::Medium,
        Some(s) => Severity::from_name(s.get_ref()).ok_or_else(|| {
            err(
                Some(s.span()),
                format!(
                    "unknown severity {:?}; expected low, medium, high or critical",
                    s.get_ref()
                ),
            )
        })?,
    };
    let action = match &r.action {
        None => Action::Flag,
        Some(s) => Action::from_name(s.get_ref()).ok_or_else(|| {
            err(
                Some(s.span()),
                format!(
                    "unknown action {:?}; expected flag, hold, remove or approve",
                    s.get_ref()
                ),
            )
        })?,
    };
    let reason = match &r.reason {
        None => "{{rule}}: \"{{match}}\"".to_string(),
        Some(t) => {
            check_template(t.get_ref()).map_err(|m| err(Some(t.span()), m))?;
            t.get_ref().clone()
        }
    };
    Ok(Rule {
        description: r.description.clone().unwrap_or_else(|| id.clone()),
        id,
        fields,
        checks,
        context,
        severity,
        action,
        reason,
    })
}

/// Checks that a reason template uses only known placeholders and closes each `{{`.
fn check_template(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            return Err(format!(
                "reason template {t:?} has a '{{{{' with no closing '}}}}'"
            ));
        };
        let name = after[..j].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{{{name}}}}} in reason; expected one of: {}",
                PLACEHOLDERS.map(|p| format!("{{{{{p}}}}}")).join(", ")
            ));
        }
        rest = &after[j + 2..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_id_is_found_around_an_offset() {
        let t = "[[rule]]\nid = \"a\"\npattern = \"x\"\n\n[[rule]]\nid = \"b\"\npatern = \"y\"\n";
        let off = t.find("patern").unwrap();
        assert_eq!(rule_id_near(t, off).as_deref(), Some("b"));
        assert_eq!(rule_id_near(t, 10).as_deref(), Some("a"));
    }

    #[test]
    fn lines_are_found_by_offset() {
        let l = Lines::new("ab\ncd\n\nef");
        assert_eq!(
            [l.of(0), l.of(2), l.of(3), l.of(6), l.of(7), l.of(9)],
            [1, 1, 2, 3, 4, 4]
        );
    }

    #[test]
    fn templates_are_checked() {
        assert!(check_template("{{rule}} said {{ match }}").is_ok());
        assert!(
            check_template("{{who}}")
                .unwrap_err()
                .contains("unknown placeholder {{who}}")
        );
        assert!(check_template("{{rule").unwrap_err().contains("no closing"));
    }
}
