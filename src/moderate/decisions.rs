//! Moderator decisions in a SQLite file: an append-only log (decisions and undos), the queue
//! snapshot `decide` reads the answered flags from, and the lookup that re-applies decisions
//! on later runs by comment id, then content hash, then cluster.
//!
//! Every write runs in an `IMMEDIATE` transaction with a busy timeout, so concurrent writers
//! (two moderators, two processes) queue up instead of losing a decision.

use super::errors::DecisionError;
use crate::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Schema version kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

/// What a moderator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The comment (or cluster) is fine.
    Approve,
    /// Take it down.
    Remove,
    /// Keep it hidden until someone decides.
    Hold,
    /// Pass it up to a senior moderator.
    Escalate,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 4] = [
        Verdict::Approve,
        Verdict::Remove,
        Verdict::Hold,
        Verdict::Escalate,
    ];

    /// The name on the command line and in the database.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Remove => "remove",
            Verdict::Hold => "hold",
            Verdict::Escalate => "escalate",
        }
    }

    /// Parses a name.
    pub fn from_name(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Sequence number in the log.
    pub seq: i64,
    /// Comment id, or `cluster:<id>`.
    pub target: String,
    /// Thread of the comment, when known.
    pub thread_id: Option<String>,
    /// Content hash of the comment when it was decided (the fallback key).
    pub content_hash: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Who decided.
    pub moderator: String,
    /// Why.
    pub note: String,
    /// Rules whose flags the decision answered.
    pub flags: Vec<String>,
    /// When (RFC 3339, UTC).
    pub decided_at: String,
}

/// A comment as the last queue run saw it, so `decide` can record what it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// Comment id.
    pub comment_id: String,
    /// Thread id.
    pub thread_id: String,
    /// Content hash of its text.
    pub content_hash: String,
    /// Rules that flagged it.
    pub rules: Vec<String>,
}

/// An open decision store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The current time as RFC 3339.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp(secs).to_rfc3339()
}

impl Store {
    /// Opens (creating if needed) the decision store at `path`.
    pub fn open(path: &Path) -> Result<Store, DecisionError> {
        let err = |source| DecisionError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
        // WAL lets readers run beside the one writer; the mode persists in the file.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        match version {
            0 => {
                let tables: i64 = tx
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                    .map_err(err)?;
                if tables > 0 {
                    return Err(DecisionError::Schema {
                        path: path.to_path_buf(),
                        message: "an SQLite database, but not a threadlens decision store".into(),
                    });
                }
                tx.execute_batch(
                    "CREATE TABLE decisions (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        target TEXT NOT NULL,
                        thread_id TEXT,
                        content_hash TEXT,
                        decision TEXT NOT NULL,
                        moderator TEXT NOT NULL,
                        note TEXT NOT NULL,
                        flags TEXT NOT NULL,
                        decided_at TEXT NOT NULL,
                        undoes INTEGER REFERENCES decisions(seq)
                    );
                    CREATE INDEX decisions_target ON decisions(target);
                    CREATE TABLE seen (
                        comment_id TEXT PRIMARY KEY,
                        thread_id TEXT NOT NULL,
                        content_hash TEXT NOT NULL,
                        rules TEXT NOT NULL,
                        seen_at TEXT NOT NULL
                    );
                    PRAGMA user_version = 1;",
                )
                .map_err(err)?;
            }
            SCHEMA_VERSION => {}
            other => {
                return Err(DecisionError::Schema {
                    path: path.to_path_buf(),
                    message: format!(
                        "decision store schema version {other}; this threadlens reads version {SCHEMA_VERSION}"
                    ),
                });
            }
        }
        tx.commit().map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> DecisionError + '_ {
        |source| DecisionError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Records the comments a queue run flagged (replacing what an earlier run saw of them).
    pub fn record_seen(&mut self, seen: &[Seen]) -> Result<(), DecisionError> {
        let at = now();
        let path = self.path.clone();
        let err = move |source| DecisionError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO seen (comment_id, thread_id, content_hash, rules, seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(comment_id) DO UPDATE SET thread_id = ?2, content_hash = ?3,
                       rules = ?4, seen_at = ?5",
                )
                .map_err(&err)?;
            for s in seen {
                let rules = serde_json::to_string(&s.rules).unwrap_or_else(|_| "[]".into());
                stmt.execute(params![
                    s.comment_id,
                    s.thread_id,
                    s.content_hash,
                    rules,
                    at
                ])
                .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }

    /// What the last queue run saw of a comment.
    pub fn seen(&self, comment_id: &str) -> Result<Option<Seen>, DecisionError> {
        self.conn
            .query_row(
                "SELECT comment_id, thread_id, content_hash, rules FROM seen WHERE comment_id = ?1",
                [comment_id],
                |r| {
                    let rules: String = r.get(3)?;
                    Ok(Seen {
                        comment_id: r.get(0)?,
                        thread_id: r.get(1)?,
                        content_hash: r.get(2)?,
                        rules: serde_json::from_str(&rules).unwrap_or_default(),
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Appends a decision on `target` and returns its sequence number.
    pub fn decide(
        &mut self,
        target: &str,
        verdict: Verdict,
        moderator: &str,
        note: &str,
        seen: Option<&Seen>,
    ) -> Result<i64, DecisionError> {
        let path = self.path.clone();
        let err = move |source| DecisionError::Sqlite {
            path: path.clone(),
            source,
        };
        let flags = seen.map_or_else(Vec::new, |s| s.rules.clone());
        let flags = serde_json::to_string(&flags).unwrap_or_else(|_| "[]".into());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        tx.execute(
            "INSERT INTO decisions (target, thread_id, content_hash, decision, moderator, note,
               flags, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                target,
                seen.map(|s| s.thread_id.as_str()),
                seen.map(|s| s.content_hash.as_str()),
                verdict.name(),
                moderator,
                note,
                flags,
                now()
            ],
        )
        .map_err(&err)?;
        let seq = tx.last_insert_rowid();
        tx.commit().map_err(&err)?;
        Ok(seq)
    }

    /// Undoes the latest standing decision on `target` (appending an undo record) and
    /// returns the decision undone.
    pub fn undo(
        &mut self,
        target: &str,
        moderator: &str,
        note: &str,
    ) -> Result<Decision, DecisionError> {
        let path = self.path.clone();
        let err = move |source| DecisionError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let latest = {
            let mut stmt = tx
                .prepare(&format!(
                    "{SELECT_STANDING} AND d.target = ?1 ORDER BY d.seq DESC LIMIT 1"
                ))
                .map_err(&err)?;
            stmt.query_row([target], row_to_decision)
                .optional()
                .map_err(&err)?
        };
        let Some(latest) = latest else {
            return Err(DecisionError::NothingToUndo {
                path: self.path.clone(),
                target: target.into(),
            });
        };
        tx.execute(
            "INSERT INTO decisions (target, thread_id, content_hash, decision, moderator, note,
               flags, decided_at, undoes) VALUES (?1, ?2, ?3, 'undo', ?4, ?5, '[]', ?6, ?7)",
            params![
                target,
                latest.thread_id,
                latest.content_hash,
                moderator,
                note,
                now(),
                latest.seq
            ],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(latest)
    }

    /// Every decision that stands (not undone), oldest first.
    pub fn standing(&self) -> Result<Vec<Decision>, DecisionError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_STANDING} ORDER BY d.seq"))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], row_to_decision)
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// Number of records in the log (decisions and undos).
    pub fn log_len(&self) -> Result<i64, DecisionError> {
        self.conn
            .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
            .map_err(self.err())
    }
}

const SELECT_STANDING: &str = "SELECT d.seq, d.target, d.thread_id, d.content_hash, d.decision,
    d.moderator, d.note, d.flags, d.decided_at FROM decisions d
    WHERE d.decision <> 'undo'
      AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.undoes = d.seq)";

fn row_to_decision(r: &rusqlite::Row) -> rusqlite::Result<Decision> {
    let verdict: String = r.get(4)?;
    let flags: String = r.get(7)?;
    Ok(Decision {
        seq: r.get(0)?,
        target: r.get(1)?,
        thread_id: r.get(2)?,
        content_hash: r.get(3)?,
        verdict: Verdict::from_name(&verdict).unwrap_or(Verdict::Hold),
        moderator: r.get(5)?,
        note: r.get(6)?,
        flags: serde_json::from_str(&flags).unwrap_or_default(),
        decided_at: r.get(8)?,
    })
}

/// How a standing decision was found for a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The comment id is the decision's target.
    Id,
    /// The id differs (re-exported data) but the text hashes the same.
    ContentHash,
    /// The decision was on the comment's cluster.
    Cluster,
}

/// Standing decisions indexed for lookup; the latest decision on a key wins.
#[derive(Debug, Clone, Default)]
pub struct DecisionIndex {
    by_target: HashMap<String, Decision>,
    by_hash: HashMap<String, Decision>,
}

impl DecisionIndex {
    /// Indexes standing decisions (oldest first, as [`Store::standing`] returns them).
    pub fn new(standing: Vec<Decision>) -> DecisionIndex {
        let mut idx = DecisionIndex::default();
        for d in standing {
            if let Some(h) = &d.content_hash {
                idx.by_hash.insert(h.clone(), d.clone());
            }
            idx.by_target.insert(d.target.clone(), d);
        }
        idx
    }

    /// The decision standing for a comment: by id, else by content hash, else by cluster.
    pub fn lookup(
        &self,
        comment_id: &str,
        content_hash: &str,
        cluster: Option<u32>,
    ) -> Option<(&Decision, MatchedBy)> {
        if let Some(d) = self.by_target.get(comment_id) {
            return Some((d, MatchedBy::Id));
        }
        if let Some(d) = self.by_hash.get(content_hash) {
            return Some((d, MatchedBy::ContentHash));
        }
        let k = cluster?;
        self.by_target
            .get(&format!("cluster:{k}"))
            .map(|d| (d, MatchedBy::Cluster))
    }

    /// Whether nothing stands.
    pub fn is_empty(&self) -> bool {
        self.by_target.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "threadlens-decisions-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("decisions.db")
    }

    #[test]
    fn decide_undo_and_lookup() {
        let db = temp("undo");
        let mut s = Store::open(&db).unwrap();
        let seen = Seen {
            comment_id: "t-c1".into(),
            thread_id: "t".into(),
            content_hash: "fnv1a64:1".into(),
            rules: vec!["insults".into()],
        };
        s.record_seen(std::slice::from_ref(&seen)).unwrap();
        let back = s.seen("t-c1").unwrap().unwrap();
        assert_eq!(back, seen);
        s.decide("t-c1", Verdict::Remove, "ann", "rude", Some(&seen))
            .unwrap();
        s.decide("t-c1", Verdict::Approve, "bob", "fine", Some(&seen))
            .unwrap();
        let standing = s.standing().unwrap();
        assert_eq!(standing.len(), 2);
        let idx = DecisionIndex::new(standing);
        let (d, by) = idx.lookup("t-c1", "x", None).unwrap();
        assert_eq!((d.verdict, by), (Verdict::Approve, MatchedBy::Id));
        let (d, by) = idx.lookup("other-c9", "fnv1a64:1", None).unwrap();
        assert_eq!((d.verdict, by), (Verdict::Approve, MatchedBy::ContentHash));
        assert_eq!(d.flags, ["insults"]);
        let undone = s.undo("t-c1", "bob", "oops").unwrap();
        assert_eq!(undone.verdict, Verdict::Approve);
        let idx = DecisionIndex::new(s.standing().unwrap());
        assert_eq!(
            idx.lookup("t-c1", "x", None).unwrap().0.verdict,
            Verdict::Remove
        );
        s.undo("t-c1", "bob", "").unwrap();
        assert!(matches!(
            s.undo("t-c1", "bob", ""),
            Err(DecisionError::NothingToUndo { .. })
        ));
        assert_eq!(s.log_len().unwrap(), 4);
    }

    #[test]
    fn cluster_decisions_apply_to_comments_of_the_cluster() {
        let db = temp("cluster");
        let mut s = Store::open(&db).unwrap();
        s.decide("cluster:3", Verdict::Hold, "ann", "brigade", None)
            .unwrap();
        let idx = DecisionIndex::new(s.standing().unwrap());
        let (d, by) = idx.lookup("t-c9", "h", Some(3)).unwrap();
        assert_eq!((d.verdict, by), (Verdict::Hold, MatchedBy::Cluster));
        assert!(idx.lookup("t-c9", "h", Some(4)).is_none());
        assert!(idx.lookup("t-c9", "h", None).is_none());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let db = temp("concurrent");
        Store::open(&db).unwrap();
        let handles: Vec<_> = (0..2)
            .map(|w| {
                let db = db.clone();
                std::thread::spawn(move || {
                    let mut s = Store::open(&db).unwrap();
                    for i in 0..50 {
                        s.decide(&format!("w{w}-c{i}"), Verdict::Hold, "m", "", None)
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let s = Store::open(&db).unwrap();
        assert_eq!(s.standing().unwrap().len(), 100);
    }

    #[test]
    fn a_foreign_database_is_refused() {
        let db = temp("foreign");
        let c = Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE x (a INTEGER);").unwrap();
        drop(c);
        let e = Store::open(&db).err().unwrap().to_string();
        assert!(e.contains("not a threadlens decision store"), "{e}");
    }
}
