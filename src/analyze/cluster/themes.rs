//! Themes from a `themes.toml` (`name = ["seed", "terms"]`): they seed KMeans centroids
//! (the mean vector of the units that use a theme's terms) and name the clusters that match
//! them; clusters matching no theme keep their automatic labels.

use super::errors::ClusterError;
use crate::text::Tokenizer;
use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use std::path::Path;

/// Least F1 (theme units vs cluster units) for a cluster to take a theme's name.
const MIN_MATCH: f64 = 0.2;

/// One theme: a name and its seed terms as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The name shown as the cluster label (`nato_expansion`).
    pub name: String,
    /// Seed terms; a term of two words matches the bigram ("gas pipeline").
    pub terms: Vec<String>,
}

/// The themes of a file, sorted by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Themes {
    /// The themes.
    pub themes: Vec<Theme>,
}

impl Themes {
    /// Reads a themes file.
    pub fn load(path: &Path) -> Result<Themes, ClusterError> {
        let text = std::fs::read_to_string(path).map_err(|e| ClusterError::Themes {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Themes::parse(&text, &path.display().to_string())
    }

    /// Parses themes TOML; `source` names the file in errors.
    pub fn parse(text: &str, source: &str) -> Result<Themes, ClusterError> {
        let err = |message: String| ClusterError::Themes {
            path: source.to_owned(),
            message,
        };
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            err(format!("not valid TOML: {}", e.to_string().trim()))
        })?;
        let mut themes = Vec::new();
        for (name, value) in table {
            let arr = value.as_array().ok_or_else(|| {
                err(format!(
                    "theme `{name}`: expected an array of seed terms, like {name} = [\"term\", \"two words\"]"
                ))
            })?;
            let mut terms = Vec::new();
            for v in arr {
                let t = v.as_str().ok_or_else(|| {
                    err(format!(
                        "theme `{name}`: seed terms must be strings, found {v}"
                    ))
                })?;
                terms.push(t.to_owned());
            }
            if terms.is_empty() {
                return Err(err(format!("theme `{name}` has no seed terms")));
            }
            themes.push(Theme { name, terms });
        }
        if themes.is_empty() {
            return Err(err("no themes defined".into()));
        }
        Ok(Themes { themes })
    }

    /// Each theme's seed terms as the tokenizer normalises them: one word → the unigram,
    /// several → their bigrams.
    pub fn keys(&self, tok: &Tokenizer) -> Vec<Vec<String>> {
        self.themes
            .iter()
            .map(|th| {
                let mut keys = Vec::new();
                for t in &th.terms {
                    let terms = tok.terms(t);
                    match terms.len() {
                        0 => {}
                        1 => keys.extend(terms),
                        _ => keys.extend(terms.windows(2).map(|w| format!("{} {}", w[0], w[1]))),
                    }
                }
                keys.sort();
                keys.dedup();
                keys
            })
            .collect()
    }
}

/// Which themes (indexes) a text mentions, given the normalised keys of every theme.
pub fn matches(text: &str, tok: &Tokenizer, keys: &[Vec<String>]) -> Vec<u16> {
    let mut hit = vec![false; keys.len()];
    tok.for_each_term_with_bigrams(text, |t, _| {
        for (i, k) in keys.iter().enumerate() {
            if !hit[i] && k.iter().any(|x| x == t) {
                hit[i] = true;
            }
        }
    });
    (0..keys.len())
        .filter(|&i| hit[i])
        .map(|i| i as u16)
        .collect()
}

/// Seed centroid of every theme: the normalised mean vector of the units that mention it
/// (`None` when no unit does).
pub fn centroids(
    x: &Array2<f32>,
    unit_themes: &[Vec<u16>],
    n_themes: usize,
) -> Vec<Option<Array1<f32>>> {
    (0..n_themes)
        .map(|t| {
            let rows: Vec<usize> = unit_themes
                .iter()
                .enumerate()
                .filter(|(_, m)| m.contains(&(t as u16)))
                .map(|(i, _)| i)
                .collect();
            if rows.is_empty() {
                return None;
            }
            let mean = x.select(Axis(0), &rows).mean_axis(Axis(0))?;
            let norm = mean.dot(&mean).sqrt();
            (norm > 0.0).then(|| mean / norm)
        })
        .collect()
}

/// `k` starting centroids: the theme centroids, then KMeans++ draws (distance-squared
/// sampling, seeded) from the rows of `xs` for the rest.
pub fn extend_centroids(
    seeds: &[Array1<f32>],
    k: usize,
    xs: &Array2<f32>,
    seed: u64,
) -> Array2<f32> {
    let d = xs.ncols();
    let mut c: Vec<Array1<f32>> = seeds.iter().take(k).cloned().collect();
    let mut rng = Xoshiro256Plus::seed_from_u64(seed ^ 0x7e3e);
    while c.len() < k && xs.nrows() > 0 {
        let d2: Vec<f64> = xs
            .rows()
            .into_iter()
            .map(|r| {
                c.iter()
                    .map(|m| {
                        let diff = &r - m;
                        f64::from(diff.dot(&diff))
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let total: f64 = d2.iter().filter(|v| v.is_finite()).sum();
        let pick = if c.is_empty() || total <= 0.0 {
            rng.gen_range(0..xs.nrows())
        } else {
            let mut target = rng.r#gen::<f64>() * total;
            let mut chosen = d2.len() - 1;
            for (i, v) in d2.iter().enumerate() {
                target -= v;
                if target <= 0.0 {
                    chosen = i;
                    break;
                }
            }
            chosen
        };
        c.push(xs.row(pick).to_owned());
    }
    let mut out = Array2::zeros((c.len(), d));
    for (i, row) in c.iter().enumerate() {
        out.row_mut(i).assign(row);
    }
    out
}

/// Gives theme names to clusters: each theme goes to the cluster whose units best match the
/// units mentioning it (F1), best pairs first, one theme per cluster, and only if F1 ≥ 0.2.
pub fn assign(
    members: &[Vec<usize>],
    unit_themes: &[Vec<u16>],
    n_themes: usize,
) -> Vec<Option<usize>> {
    let theme_total: Vec<usize> = (0..n_themes)
        .map(|t| {
            unit_themes
                .iter()
                .filter(|m| m.contains(&(t as u16)))
                .count()
        })
        .collect();
    let mut pairs = Vec::new();
    for (c, m) in members.iter().enumerate() {
        for (t, &total) in theme_total.iter().enumerate() {
            let hit = m
                .iter()
                .filter(|&&u| unit_themes[u].contains(&(t as u16)))
                .count();
            if hit == 0 || m.is_empty() {
                continue;
            }
            let precision = hit as f64 / m.len() as f64;
            let recall = hit as f64 / total as f64;
            let f1 = 2.0 * precision * recall / (precision + recall);
            pairs.push((f1, c, t));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; members.len()];
    let mut used = vec![false; n_themes];
    for (f1, c, t) in pairs {
        if f1 < MIN_MATCH || out[c].is_some() || used[t] {
            continue;
        }
        out[c] = Some(t);
        used[t] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Language;

    #[test]
    fn parses_and_normalises_seed_terms() {
        let th = Themes::parse(
            "nato_expansion = [\"NATO\", \"Ukraine\"]\ngas_pipeline = [\"gas pipelines\", \"Qatar\"]\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(th.themes[0].name, "gas_pipeline");
        let keys = th.keys(&Tokenizer::new(Language::English));
        assert_eq!(keys[0], ["gas pipeline", "qatar"]);
        assert_eq!(keys[1], ["nato", "ukraine"]);
        let tok = Tokenizer::new(Language::English);
        assert_eq!(matches("A gas pipeline to Europe", &tok, &keys), [0]);
        assert_eq!(
            matches("gas, oil pipelines", &tok, &keys),
            Vec::<u16>::new()
        );
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = Themes::parse("x = 3", "t.toml").unwrap_err().to_string();
        assert!(e.contains("t.toml") && e.contains("theme `x`"), "{e}");
        let e = Themes::parse("x = [", "t.toml").unwrap_err().to_string();
        assert!(e.contains("not valid TOML"), "{e}");
    }

    #[test]
    fn themes_go_to_the_best_matching_cluster() {
        let unit_themes = vec![vec![0], vec![0], vec![], vec![1], vec![]];
        let members = vec![vec![0, 1, 2], vec![3, 4]];
        assert_eq!(assign(&members, &unit_themes, 2), [Some(0), Some(1)]);
        assert_eq!(assign(&members, &unit_themes, 1), [Some(0), None]);
    }
}
