//! Analyzers and the result types they hand to reports, exports and moderation.
//!
//! Analyzers never print and never change the corpus text; each returns a result struct
//! defined here (the contract between the analyzers and the outputs). Comments are addressed
//! by [`CommentRef`] (thread index, comment index) so results stay small at a million comments.

pub mod cluster;
pub mod dynamics;
pub mod pipeline;
pub mod stance;

use crate::model::{Corpus, Thread};
use crate::text::Language;
use crate::text::tokenize::LanguageVote;
use serde::{Deserialize, Serialize};

/// Bytes of a thread's text its language is guessed from (the part crossing it is read whole).
pub const THREAD_LANGUAGE_BYTES: usize = 20_000;

/// The language of a thread, guessed once from its title, post paragraphs and comments in
/// that order, until [`THREAD_LANGUAGE_BYTES`] are read or the vote's word limit is reached:
/// enough text to count stop words reliably, read in place. The one guess of a thread's
/// language, for every analyzer that tokenizes a thread as a whole.
pub fn thread_language(t: &Thread) -> Language {
    let parts = t
        .post
        .title
        .iter()
        .chain(t.post.paragraphs.iter())
        .map(String::as_str)
        .chain(t.comments.iter().map(|c| c.text.as_str()));
    let mut vote = LanguageVote::default();
    let mut read = 0;
    for p in parts {
        if read > THREAD_LANGUAGE_BYTES || vote.is_full() {
            break;
        }
        read += p.len() + 1;
        vote.add_words(p);
    }
    vote.language()
}

/// A comment's place in the corpus: index of its thread, index in `Thread::comments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CommentRef {
    /// Index into `Corpus::threads`.
    pub thread: u32,
    /// Index into `Thread::comments`.
    pub comment: u32,
}

/// One argument unit: a comment (or a paragraph/sentence of it, or a post paragraph).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Thread index.
    pub thread: u32,
    /// Comment index, or `None` for a paragraph of the post (`--with-post`).
    pub comment: Option<u32>,
    /// 0-based index of the unit within its comment (or post).
    pub unit_index: u32,
    /// The unit's text.
    pub text: String,
    /// Cluster id, or `None` for noise / unclustered.
    pub cluster: Option<u32>,
}

/// One argument cluster, ready to show to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    /// Stable id: clusters are numbered by size (descending), then label.
    pub id: u32,
    /// Short readable label (theme name when a theme matched).
    pub label: String,
    /// The theme this cluster was matched to, if any.
    pub theme: Option<String>,
    /// Top terms (class-based TF-IDF), best first.
    pub terms: Vec<String>,
    /// Number of units.
    pub size: usize,
    /// Mean silhouette of the cluster's units.
    pub silhouette: f64,
    /// Indexes into `Clustering::units` of the most representative units, best first.
    pub representatives: Vec<usize>,
}

/// Result of clustering the argument units of a corpus.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Clustering {
    /// Every unit, in corpus order.
    pub units: Vec<Unit>,
    /// Clusters, ordered by id.
    pub clusters: Vec<ClusterSummary>,
    /// Algorithm used (`kmeans`, `gmm`, `dbscan`).
    pub algorithm: String,
    /// k chosen (or given); for `--k auto`, the silhouette of every k tried.
    pub k: usize,
    /// (k, silhouette) pairs evaluated by `--k auto`.
    pub k_scores: Vec<(usize, f64)>,
}

impl Clustering {
    /// The cluster of each comment: the cluster holding most of its units (ties → lower id),
    /// indexed `[thread][comment]`.
    pub fn comment_clusters(&self, corpus: &Corpus) -> Vec<Vec<Option<u32>>> {
        let mut counts: Vec<Vec<Vec<(u32, u32)>>> = corpus
            .threads
            .iter()
            .map(|t| vec![Vec::new(); t.comments.len()])
            .collect();
        for u in &self.units {
            let (Some(c), Some(k)) = (u.comment, u.cluster) else {
                continue;
            };
            let Some(slot) = counts
                .get_mut(u.thread as usize)
                .and_then(|t| t.get_mut(c as usize))
            else {
                continue;
            };
            match slot.iter_mut().find(|(id, _)| *id == k) {
                Some((_, n)) => *n += 1,
                None => slot.push((k, 1)),
            }
        }
        counts
            .into_iter()
            .map(|t| {
                t.into_iter()
                    .map(|slot| {
                        slot.into_iter()
                            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                            .map(|(id, _)| id)
                    })
                    .collect()
            })
            .collect()
    }
}

/// Stance of a reply toward the comment it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// Agrees with or supports the parent.
    Agree,
    /// Rebuts, contradicts or challenges the parent.
    Rebut,
    /// Neither.
    Neutral,
}

impl Stance {
    /// The JSON / column name.
    pub fn name(self) -> &'static str {
        match self {
            Stance::Agree => "agree",
            Stance::Rebut => "rebut",
            Stance::Neutral => "neutral",
        }
    }
}

/// A span of a reply's text that decided (or informed) its stance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Byte offset of the span in the reply's text.
    pub start: usize,
    /// Byte offset just past the span.
    pub end: usize,
    /// The matched text.
    pub text: String,
    /// The cue (lexicon entry or feature) that matched, and why it counts.
    pub cue: String,
}

/// Stance of one reply, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyStance {
    /// The label.
    pub stance: Stance,
    /// Confidence 0..=1.
    pub confidence: f64,
    /// Spans that decided it.
    pub evidence: Vec<Evidence>,
}

/// Stance of every reply in the corpus, indexed `[thread][comment]` (`None` for top-level).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stances {
    /// Per thread, per comment.
    pub replies: Vec<Vec<Option<ReplyStance>>>,
    /// What produced the labels: `lexicon:<file or builtin>` or `model:<sha256>`.
    pub source: String,
}

impl Stances {
    /// The stance of one comment toward its parent, if it is a reply.
    pub fn get(&self, at: CommentRef) -> Option<&ReplyStance> {
        self.replies
            .get(at.thread as usize)?
            .get(at.comment as usize)?
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format};
    use crate::text::detect_language;

    /// A thread with one article paragraph and these comments.
    fn thread(texts: &[&str]) -> Thread {
        let mut t = Thread::new("t", "t.txt", Format::Text);
        t.post.paragraphs = vec!["The article paragraph about nato and ukraine and russia.".into()];
        for (i, x) in texts.iter().enumerate() {
            t.comments
                .push(Comment::new(format!("c{i}"), i as u32 + 1, *x));
        }
        t
    }

    #[test]
    fn thread_language_reads_the_first_20000_bytes_of_post_and_comments() {
        let english = "the war is not over and it is what they said about the pipeline";
        // Long German comments with few words: the 20,000 bytes run out before the vote's
        // 2,000 words, and the English comments after the cut would outvote them.
        let german = format!("der Krieg und die {}", "Leitungsbau".repeat(90));
        let mut texts: Vec<&str> = vec![german.as_str(); 21];
        texts.extend(vec![english; 100]);
        let t = thread(&texts);
        let joined: String = t
            .post
            .paragraphs
            .iter()
            .map(String::as_str)
            .chain(texts.iter().copied())
            .scan(0usize, |read, p| {
                let take = *read <= THREAD_LANGUAGE_BYTES;
                *read += p.len() + 1;
                take.then(|| format!("{p}\n"))
            })
            .collect();
        assert_eq!(detect_language(&joined), Language::German);
        assert_eq!(thread_language(&t), Language::German);
        let all = texts.join("\n");
        assert_eq!(
            detect_language(&all),
            Language::English,
            "the cut matters here"
        );
        assert_eq!(thread_language(&thread(&[english; 5])), Language::English);
    }

    #[test]
    fn a_threads_language_counts_its_title_and_post_before_its_comments() {
        let mut t = Thread::new("t", "t.jsonl", Format::Jsonl);
        t.comments
            .push(Comment::new("c1", 1, "the pipeline was sabotaged"));
        assert_eq!(thread_language(&t), Language::English);
        // The title alone outvotes the English comment after it.
        t.post.title = Some("Der Krieg und die Leitung: was sie nicht sagen".into());
        assert_eq!(thread_language(&t), Language::German);
        // Past the limits (here the vote's word limit, in a long German post) nothing more is
        // read: English comments after it do not change the guess, though they would
        // outvote it.
        t.post
            .paragraphs
            .push("und ".repeat(THREAD_LANGUAGE_BYTES / 4));
        for i in 0..3000 {
            t.comments.push(Comment::new(
                format!("e{i}"),
                i + 2,
                "the war is not over and it is",
            ));
        }
        assert_eq!(thread_language(&t), Language::German);
    }
}
