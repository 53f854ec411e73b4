//! Deterministic synthetic comment corpus for benchmarks and cluster-quality scoring.
//!
//! A port of the model of `shared/bench/gen_corpus.py` (same JSONL schema, same shape:
//! lognormal thread sizes, Beta top-level share, depth-decayed preferential replies, duels
//! that make deep chains, Zipf authors, increasing timestamps, 40 latent topics with their own
//! vocabularies and shared group pools, agreement/rebuttal cue openers, quotes). Bytes differ
//! from the Python generator (different random streams); the statistics match. Each line:
//! `id, thread_id, parent_id, author, timestamp, text, topic, stance`, the last two hidden
//! labels for scoring.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use std::io::Write;

const N_TOPICS: usize = 40;
const MAX_THREAD: usize = 5000;

const TOPIC_SEEDS: [&str; N_TOPICS] = [
    "climate carbon emissions warming temperature glacier renewable fossil greenhouse drought",
    "tax taxes income deduction bracket irs refund payroll levy loophole",
    "vaccine vaccination immunity booster antibody dose pfizer measles jab pathogen",
    "gun firearm rifle ammunition shooting holster caliber pistol background magazine",
    "immigrant border visa asylum deportation refugee citizenship migrant customs residency",
    "rent mortgage landlord zoning tenant housing apartment eviction downpayment realtor",
    "bitcoin crypto blockchain ethereum wallet token mining exchange stablecoin ledger",
    "algorithm neural model training chatbot automation robot dataset gpu inference",
    "football quarterback touchdown coach league playoff referee stadium striker goalkeeper",
    "diet protein calories sugar carbs keto vegan vitamin cholesterol fasting",
    "school teacher student curriculum tuition classroom exam homework university degree",
    "insurance hospital doctor premium medicare clinic nurse prescription copay surgery",
    "rocket orbit nasa mars satellite launch astronaut telescope lunar spacex",
    "nuclear reactor solar wind grid battery uranium turbine pipeline electricity",
    "election ballot vote voter candidate poll campaign primary senate turnout",
    "inflation recession interest unemployment gdp wages stimulus deficit market fed",
    "privacy surveillance encryption tracking cookies data vpn leak consent facebook",
    "game console playstation xbox nintendo gamer multiplayer patch lootbox speedrun",
    "movie film director sequel actor screenplay oscar cinema franchise trailer",
    "album band guitar concert lyrics spotify vinyl drummer genre playlist",
    "car engine electric tesla mileage transmission dealership sedan horsepower charging",
    "train subway bus transit commute railway bike traffic highway tram",
    "god church faith bible atheist religion prayer scripture belief pastor",
    "ethics morality consciousness utilitarian kant determinism virtue metaphysics nietzsche epistemology",
    "empire war medieval revolution dynasty roman colonial treaty ancient historian",
    "court judge lawsuit constitution amendment jury attorney verdict statute appeal",
    "police officer arrest crime prison sentencing cop detective bail patrol",
    "job salary remote office boss union overtime layoff hiring resume",
    "kids parent toddler daycare baby parenting discipline childcare diaper teenager",
    "dog cat puppy vet breed leash kitten shelter adoption pet",
    "gym workout squat cardio muscle marathon lifting reps treadmill stretching",
    "iphone android battery screen app samsung charger camera update carrier",
    "code python rust compiler bug javascript framework database github refactor",
    "twitter instagram tiktok influencer followers algorithm viral feed moderation reddit",
    "flight airport hotel passport luggage tourist airline beach itinerary backpacking",
    "recipe oven garlic pasta spice bake chef sauce skillet ingredients",
    "recycling plastic pollution forest biodiversity ocean wildlife landfill species conservation",
    "experiment hypothesis physics quantum evolution molecule theory laboratory scientist replication",
    "sanctions nato diplomacy embassy alliance ukraine china tariff summit ambassador",
    "censorship speech platform offensive ban moderation hate expression deplatform cancel",
];

/// Related topics (indexes into `TOPIC_SEEDS`) sharing a vocabulary pool.
const TOPIC_GROUPS: [&[usize]; 15] = [
    &[0, 13, 36],
    &[1, 15, 5],
    &[3, 26, 25],
    &[7, 32, 16, 31],
    &[2, 11, 9],
    &[14, 38, 4],
    &[17, 18, 19],
    &[8, 30],
    &[22, 23, 24],
    &[20, 21, 34],
    &[10, 28, 27],
    &[12, 37],
    &[33, 39],
    &[6, 15],
    &[29, 35],
];

const FILLER: &str = "the a to of and is that it in for on this be with as are not you i but have they \
was what so if we just do about or can my more like there people think would all one their no \
your some get don't because he an at by will how any even also who only know really much than \
then when make way other them time good same still thing things point argument right well \
actually going say said see want need many most very something lot pretty sure problem post \
comment thread reason fact facts question answer true mean probably maybe kind years year back \
new first those these both why where take does doesn't isn't can't should could might work world \
case example idea sense evidence source claim opinion study literally basically honestly \
obviously anyway though yet since while why here someone everyone nobody always never often \
usually clearly simply exactly it's that's i'm you're they're we're there's let's edit";

const AGREE_CUES: [&str; 9] = [
    "You are right.",
    "I agree.",
    "Exactly.",
    "Good point.",
    "This is spot on.",
    "Well said.",
    "I completely agree with you.",
    "Yes, that's true.",
    "You're right,",
];
const DISAGREE_CUES: [&str; 9] = [
    "I disagree.",
    "That is completely wrong.",
    "So what are you talking about?",
    "No, that's not true.",
    "You are wrong.",
    "That makes no sense.",
    "I don't think so.",
    "Nonsense.",
    "That is simply not how it works.",
];
const EXTRA_TOKENS: [&str; 11] = [
    "café",
    "naïve",
    "über",
    "😂",
    "👍",
    "—",
    "…",
    "résumé",
    "“this”",
    "¯\\_(ツ)_/¯",
    "🤔",
];
const ONSETS: [&str; 31] = [
    "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl",
    "pr", "qu", "r", "s", "sh", "sl", "st", "t", "th", "tr", "v", "w", "z",
];
const VOWELS: [&str; 10] = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"];
const CODAS: [&str; 12] = ["", "", "n", "r", "s", "l", "m", "t", "x", "nd", "st", "ck"];

/// Order of the output lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    /// Global timestamp order: parents always come before their replies.
    Time,
    /// Grouped by thread.
    Thread,
    /// Random (tests out-of-order ingest).
    Shuffle,
}

/// Parameters of the synthetic corpus.
#[derive(Debug, Clone, Copy)]
pub struct SynthParams {
    /// Number of comments.
    pub comments: usize,
    /// Random seed.
    pub seed: u64,
    /// Line order.
    pub order: Order,
}

/// One output line.
#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    thread_id: &'a str,
    parent_id: Option<&'a str>,
    author: &'a str,
    timestamp: String,
    text: &'a str,
    topic: u32,
    stance: &'static str,
}

fn b36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    loop {
        s.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Cumulative normalised Zipf weights over `n` ranks.
fn zipf_cum(n: usize, s: f64) -> Vec<f64> {
    let mut c = Vec::with_capacity(n);
    let mut acc = 0.0;
    for r in 1..=n {
        acc += 1.0 / (r as f64).powf(s);
        c.push(acc);
    }
    for x in &mut c {
        *x /= acc;
    }
    c
}

fn pick(rng: &mut Xoshiro256PlusPlus, cum: &[f64]) -> usize {
    let u: f64 = rng.r#gen();
    cum.partition_point(|&x| x <= u).min(cum.len() - 1)
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    // Box–Muller; one value per call keeps the stream simple.
    let u1: f64 = 1.0 - rng.r#gen::<f64>();
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn lognormal(rng: &mut Xoshiro256PlusPlus, mu: f64, sigma: f64) -> f64 {
    (mu + sigma * normal(rng)).exp()
}

/// Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1 here).
fn gamma(rng: &mut Xoshiro256PlusPlus, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.r#gen();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

fn beta(rng: &mut Xoshiro256PlusPlus, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    x / (x + y)
}

fn binomial(rng: &mut Xoshiro256PlusPlus, n: usize, p: f64) -> usize {
    (0..n).filter(|_| rng.r#gen::<f64>() < p).count()
}

struct Vocab {
    topic_words: Vec<Vec<String>>,
    topic_cum: Vec<Vec<f64>>,
    filler: Vec<&'static str>,
    filler_cum: Vec<f64>,
    topic_cum_popularity: Vec<f64>,
}

impl Vocab {
    fn new(rng: &mut Xoshiro256PlusPlus) -> Vocab {
        let mut taken: std::collections::HashSet<String> =
            FILLER.split_whitespace().map(str::to_owned).collect();
        for s in TOPIC_SEEDS {
            taken.extend(s.split_whitespace().map(str::to_owned));
        }
        let mut pseudo = |rng: &mut Xoshiro256PlusPlus| loop {
            let k = rng.gen_range(2..4);
            let mut w = String::new();
            for _ in 0..k {
                w.push_str(ONSETS[rng.gen_range(0..ONSETS.len())]);
                w.push_str(VOWELS[rng.gen_range(0..VOWELS.len())]);
                w.push_str(CODAS[rng.gen_range(0..CODAS.len())]);
            }
            if (4..=12).contains(&w.len()) && taken.insert(w.clone()) {
                return w;
            }
        };
        let mut group_pool: Vec<Vec<String>> = vec![Vec::new(); N_TOPICS];
        for g in TOPIC_GROUPS {
            let pool: Vec<String> = (0..25).map(|_| pseudo(rng)).collect();
            for &t in g {
                group_pool[t].extend(pool.iter().cloned());
            }
        }
        let mut topic_words = Vec::with_capacity(N_TOPICS);
        let mut topic_cum = Vec::with_capacity(N_TOPICS);
        for (t, seeds) in TOPIC_SEEDS.iter().enumerate() {
            let mut rest: Vec<String> = (0..140).map(|_| pseudo(rng)).collect();
            rest.extend(group_pool[t].iter().cloned());
            shuffle(rng, &mut rest);
            let mut words: Vec<String> = seeds.split_whitespace().map(str::to_owned).collect();
            words.extend(rest);
            topic_cum.push(zipf_cum(words.len(), 1.07));
            topic_words.push(words);
        }
        let filler: Vec<&'static str> = FILLER.split_whitespace().collect();
        let filler_cum = zipf_cum(filler.len(), 0.9);
        let mut popularity: Vec<f64> = (0..N_TOPICS)
            .map(|i| 1.0 / (i as f64 + 3.0).powf(0.8))
            .collect();
        let total: f64 = popularity.iter().sum();
        let mut acc = 0.0;
        for p in &mut popularity {
            acc += *p / total;
            *p = acc;
        }
        Vocab {
            topic_words,
            topic_cum,
            filler,
            filler_cum,
            topic_cum_popularity: popularity,
        }
    }
}

fn shuffle<T>(rng: &mut Xoshiro256PlusPlus, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.gen_range(0..=i);
        v.swap(i, j);
    }
}

fn make_body(rng: &mut Xoshiro256PlusPlus, voc: &Vocab, topic: usize, n_words: usize) -> String {
    let frac = beta(rng, 4.0, 5.0);
    let n_topic = binomial(rng, n_words, frac);
    let mut words: Vec<String> = Vec::with_capacity(n_words + 2);
    if n_topic > 0 {
        let (sec, n_sec) = if rng.r#gen::<f64>() < 0.35 {
            let sec = rng.gen_range(0..N_TOPICS);
            let share = rng.gen_range(0.15..0.4);
            (sec, binomial(rng, n_topic, share))
        } else {
            (topic, 0)
        };
        for _ in 0..n_topic - n_sec {
            words.push(voc.topic_words[topic][pick(rng, &voc.topic_cum[topic])].clone());
        }
        for _ in 0..n_sec {
            words.push(voc.topic_words[sec][pick(rng, &voc.topic_cum[sec])].clone());
        }
    }
    for _ in 0..n_words - n_topic {
        words.push(voc.filler[pick(rng, &voc.filler_cum)].to_owned());
    }
    shuffle(rng, &mut words);
    if rng.r#gen::<f64>() < 0.03 {
        let pos = rng.gen_range(0..=words.len());
        let mut n = rng.gen_range(2..2025).to_string();
        if rng.r#gen::<f64>() < 0.3 {
            n.push('%');
        }
        words.insert(pos, n);
    }
    if rng.r#gen::<f64>() < 0.02 {
        let pos = rng.gen_range(0..=words.len());
        words.insert(
            pos,
            EXTRA_TOKENS[rng.gen_range(0..EXTRA_TOKENS.len())].to_owned(),
        );
    }
    if rng.r#gen::<f64>() < 0.005 {
        words.push(format!(
            "https://www.example.org/article/{}",
            rng.gen_range(0..1_000_000)
        ));
    }
    let long_text = words.len() > 80;
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        let k = rng.gen_range(4..19).min(words.len() - i);
        let mut sent: Vec<String> = words[i..i + k].to_vec();
        i += k;
        if sent.len() > 6 && rng.r#gen::<f64>() < 0.3 {
            let j = rng.gen_range(2..sent.len() - 2);
            sent[j].push(',');
        }
        let s = sent.join(" ");
        let r: f64 = rng.r#gen();
        let end = if r < 0.8 {
            '.'
        } else if r < 0.92 {
            '?'
        } else {
            '!'
        };
        if !out.is_empty() {
            out.push_str(if long_text && rng.r#gen::<f64>() < 0.15 {
                "\n\n"
            } else {
                " "
            });
        }
        let mut chars = s.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
        out.push(end);
    }
    out
}

/// One generated thread: parent (local index), depth, author, relative time, duel flag.
struct GenThread {
    parent: Vec<Option<usize>>,
    depth: Vec<u32>,
    author: Vec<usize>,
    ts: Vec<i64>,
    in_duel: Vec<bool>,
}

fn gen_thread(rng: &mut Xoshiro256PlusPlus, size: usize, author_cum: &[f64]) -> GenThread {
    let mut g = GenThread {
        parent: vec![None; size],
        depth: vec![0; size],
        author: (0..size).map(|_| pick(rng, author_cum)).collect(),
        ts: vec![0; size],
        in_duel: vec![false; size],
    };
    let mut n_child = vec![0u32; size];
    let p_top = beta(rng, 2.0, 4.0);
    let rec_scale = 30.0 + 0.05 * size as f64;
    let mut duel_left = 0usize;
    let mut duel_authors = (0usize, 0usize);
    let mut weights: Vec<f64> = Vec::with_capacity(size);
    for i in 0..size {
        let par = if i == 0 {
            None
        } else if duel_left > 0 {
            duel_left -= 1;
            let p = i - 1;
            g.author[i] = if (g.depth[p] + 1) % 2 == 0 {
                duel_authors.0
            } else {
                duel_authors.1
            };
            g.in_duel[i] = true;
            Some(p)
        } else if rng.r#gen::<f64>() < p_top {
            None
        } else {
            weights.clear();
            let mut acc = 0.0;
            for (j, (&depth, &kids)) in g.depth[..i].iter().zip(&n_child[..i]).enumerate() {
                let recency = 1.0 + (i - 1 - j) as f64 / rec_scale;
                acc += 0.45f64.powi(depth.min(999) as i32) * (1.0 + f64::from(kids)).powf(0.7)
                    / recency;
                weights.push(acc);
            }
            let u = rng.r#gen::<f64>() * acc;
            let p = weights.partition_point(|&x| x <= u).min(i - 1);
            if rng.r#gen::<f64>() < 0.06 {
                duel_left = lognormal(rng, 4f64.ln(), 0.9).round().clamp(1.0, 400.0) as usize;
                let (a, b) = (g.author[p], g.author[i]);
                duel_authors = if (g.depth[p] + 1) % 2 == 1 {
                    (a, b)
                } else {
                    (b, a)
                };
            }
            Some(p)
        };
        match par {
            None => {
                g.ts[i] = 1 + lognormal(rng, 1800f64.ln(), 1.5) as i64;
            }
            Some(p) => {
                g.parent[i] = Some(p);
                g.depth[i] = g.depth[p] + 1;
                n_child[p] += 1;
                let median: f64 = if g.in_duel[i] { 300.0 } else { 600.0 };
                g.ts[i] = g.ts[p] + 1 + lognormal(rng, median.ln(), 1.4) as i64;
            }
        }
    }
    g
}

/// Writes the synthetic corpus as JSONL; returns the number of threads.
pub fn write_corpus(params: SynthParams, out: &mut dyn Write) -> std::io::Result<usize> {
    let n = params.comments;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    // The vocabulary has its own stream so it does not depend on N.
    let voc = Vocab::new(&mut Xoshiro256PlusPlus::seed_from_u64(
        params.seed ^ 0x9E37_79B9_7F4A_7C15,
    ));
    let n_authors = (n / 6).max(50);
    let author_cum = zipf_cum(n_authors, 1.05);
    let author_names: Vec<String> = (0..n_authors as u64)
        .map(|k| format!("u_{}", b36(36u64.pow(4) + (k * 7919) % 36u64.pow(6))))
        .collect();

    let mut sizes = Vec::new();
    let mut total = 0;
    while total < n {
        let s = (lognormal(&mut rng, 2.0, 1.6).round() as usize).clamp(1, MAX_THREAD);
        let s = s.min(n - total);
        sizes.push(s);
        total += s;
    }
    let start0: i64 = 1_546_300_800; // 2019-01-01T00:00:00Z
    let span: i64 = 1_735_689_600 - start0;
    let thread_start: Vec<i64> = sizes
        .iter()
        .map(|_| start0 + rng.gen_range(0..span - 90 * 86_400))
        .collect();
    let main_topic: Vec<usize> = sizes
        .iter()
        .map(|_| pick(&mut rng, &voc.topic_cum_popularity))
        .collect();

    let mut g_thread = Vec::with_capacity(n);
    let mut g_parent: Vec<Option<usize>> = Vec::with_capacity(n);
    let mut g_author = Vec::with_capacity(n);
    let mut g_ts = Vec::with_capacity(n);
    let mut g_topic: Vec<usize> = Vec::with_capacity(n);
    let mut g_stance: Vec<&'static str> = Vec::with_capacity(n);
    let mut texts: Vec<String> = Vec::with_capacity(n);
    let deleted: Vec<bool> = (0..n).map(|_| rng.r#gen::<f64>() < 0.01).collect();

    let mut base = 0;
    for (t, &size) in sizes.iter().enumerate() {
        let g = gen_thread(&mut rng, size, &author_cum);
        for i in 0..size {
            g_thread.push(t);
            g_parent.push(g.parent[i].map(|p| p + base));
            g_author.push(g.author[i]);
            g_ts.push(thread_start[t] + g.ts[i]);
            let length = lognormal(&mut rng, 35f64.ln(), 0.75)
                .round()
                .clamp(5.0, 200.0) as usize;
            let topic = match g.parent[i] {
                None if rng.r#gen::<f64>() < 0.8 => main_topic[t],
                Some(p) if rng.r#gen::<f64>() < 0.85 => g_topic[base + p],
                _ => pick(&mut rng, &voc.topic_cum_popularity),
            };
            g_topic.push(topic);
            let mut body = make_body(&mut rng, &voc, topic, length);
            let mut stance = "none";
            if let Some(p) = g.parent[i] {
                let u: f64 = rng.r#gen();
                if u < 0.075 || (g.in_duel[i] && u < 0.12) {
                    stance = "agree";
                    let cue = AGREE_CUES[rng.gen_range(0..AGREE_CUES.len())];
                    body = if cue.ends_with(',') {
                        let mut chars = body.chars();
                        let first: String = chars
                            .next()
                            .into_iter()
                            .flat_map(char::to_lowercase)
                            .collect();
                        format!("{cue} {first}{}", chars.as_str())
                    } else {
                        format!("{cue} {body}")
                    };
                } else if u < 0.16 || (g.in_duel[i] && u < 0.32) {
                    stance = "disagree";
                    let cue = DISAGREE_CUES[rng.gen_range(0..DISAGREE_CUES.len())];
                    body = format!("{cue} {body}");
                } else if u < 0.20 {
                    let k = rng.gen_range(4..16);
                    let quoted: Vec<&str> = texts[base + p].split_whitespace().take(k).collect();
                    body = format!("> {}\n\n{body}", quoted.join(" "));
                }
            }
            g_stance.push(stance);
            texts.push(body);
        }
        base += size;
    }

    // Ids increase with time whatever the output order.
    let mut time_order: Vec<usize> = (0..n).collect();
    time_order.sort_by_key(|&i| (g_ts[i], g_thread[i], i));
    let mut time_rank = vec![0u64; n];
    for (rank, &i) in time_order.iter().enumerate() {
        time_rank[i] = rank as u64;
    }
    let order: Vec<usize> = match params.order {
        Order::Time => time_order,
        Order::Thread => {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by_key(|&i| (g_thread[i], g_ts[i], i));
            o
        }
        Order::Shuffle => {
            let mut o: Vec<usize> = (0..n).collect();
            shuffle(&mut rng, &mut o);
            o
        }
    };
    let ids: Vec<String> = time_rank
        .iter()
        .map(|&r| format!("c{}", b36(36u64.pow(5) + r)))
        .collect();
    let thread_ids: Vec<String> = (0..sizes.len() as u64)
        .map(|t| format!("t{}", b36(36u64.pow(4) + t * 131)))
        .collect();
    let mut line = Vec::with_capacity(1024);
    for i in order {
        let rec = Record {
            id: &ids[i],
            thread_id: &thread_ids[g_thread[i]],
            parent_id: g_parent[i].map(|p| ids[p].as_str()),
            author: if deleted[i] {
                "[deleted]"
            } else {
                &author_names[g_author[i]]
            },
            timestamp: crate::model::Timestamp(g_ts[i]).to_rfc3339(),
            text: &texts[i],
            topic: g_topic[i] as u32,
            stance: g_stance[i],
        };
        line.clear();
        serde_json::to_writer(&mut line, &rec).map_err(std::io::Error::other)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(sizes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, seed: u64, order: Order) -> Vec<serde_json::Value> {
        let mut buf = Vec::new();
        write_corpus(
            SynthParams {
                comments: n,
                seed,
                order,
            },
            &mut buf,
        )
        .unwrap();
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(lines(500, 7, Order::Time), lines(500, 7, Order::Time));
        assert_ne!(lines(500, 7, Order::Time), lines(500, 8, Order::Time));
    }

    #[test]
    fn has_the_schema_and_shape_of_the_python_generator() {
        let recs = lines(3000, 42, Order::Time);
        assert_eq!(recs.len(), 3000);
        let mut seen = std::collections::HashMap::new();
        let mut replies = 0;
        let mut cued = 0;
        for (k, r) in recs.iter().enumerate() {
            for key in [
                "id",
                "thread_id",
                "author",
                "timestamp",
                "text",
                "topic",
                "stance",
            ] {
                assert!(r.get(key).is_some(), "missing {key}");
            }
            if let Some(p) = r["parent_id"].as_str() {
                // Time order: a parent always comes first, and earlier.
                let (pk, pts): (usize, String) = seen.get(p).cloned().expect("parent before child");
                assert!(pk < k);
                assert!(r["timestamp"].as_str().unwrap() > pts.as_str());
                replies += 1;
                cued += usize::from(r["stance"] != "none");
            } else {
                assert_eq!(r["stance"], "none");
            }
            seen.insert(
                r["id"].as_str().unwrap().to_string(),
                (k, r["timestamp"].as_str().unwrap().to_string()),
            );
            assert!(r["topic"].as_u64().unwrap() < 40);
        }
        // About 20% of replies carry a cue (16% + duel extra); most comments are replies.
        let share = cued as f64 / replies as f64;
        assert!((0.12..0.35).contains(&share), "cue share {share}");
        assert!(replies > 1000);
    }
}
