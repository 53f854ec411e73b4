//! UTC timestamps: parsing the date forms that sources write, formatting as RFC 3339.
//!
//! Written by hand (civil-date arithmetic after H. Hinnant) to keep chrono out of the build.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Seconds since the Unix epoch, UTC. Serialised as RFC 3339 (`2015-11-19T15:45:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from a UTC civil date and time; `None` when a field is out of range.
    pub fn from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Timestamp> {
        if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 {
            return None;
        }
        if s > 60 {
            return None;
        }
        let days = days_from_civil(y, mo, d);
        Some(Timestamp(
            days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s.min(59)),
        ))
    }

    /// Year, month, day, hour, minute and second in UTC.
    fn fields(self) -> [i64; 6] {
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400));
        [
            y,
            m.into(),
            d.into(),
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
        ]
    }

    /// RFC 3339 form in UTC.
    pub fn to_rfc3339(self) -> String {
        let [y, m, d, h, mi, s] = self.fields();
        if !(0..=9999).contains(&y) {
            return formatted([y, m, d, h, mi, s]);
        }
        // Four-digit years written digit by digit: `format!` was half a percent of all CPU
        // time at a million comments (every timestamp is written to the tables).
        let mut out = *b"0000-00-00T00:00:00Z";
        for (at, width, mut v) in [
            (0, 4, y),
            (5, 2, m),
            (8, 2, d),
            (11, 2, h),
            (14, 2, mi),
            (17, 2, s),
        ] {
            for slot in out[at..at + width].iter_mut().rev() {
                *slot = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        out.iter().map(|&b| char::from(b)).collect()
    }
}

/// [`Timestamp::fields`] in RFC 3339 form through `format!`, for any year.
fn formatted([y, m, d, h, mi, s]: [i64; 6]) -> String {
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_timestamp(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {s:?}")))
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn month_from_name(word: &str) -> Option<u32> {
    const NAMES: [(&str, u32); 24] = [
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
        // German forms that do not share the English prefix.
        ("jän", 1),
        ("mär", 3),
        ("mai", 5),
        ("okt", 10),
        ("dez", 12),
        ("januar", 1),
        ("februar", 2),
        ("märz", 3),
        ("juni", 6),
        ("juli", 7),
        ("oktober", 10),
        ("dezember", 12),
    ];
    let w = word.trim_end_matches('.').to_lowercase();
    if w.chars().count() < 3 {
        return None;
    }
    let prefix: String = w.chars().take(3).collect();
    NAMES
        .iter()
        .find(|(n, _)| *n == w || (n.chars().count() == 3 && *n == prefix))
        .map(|&(_, m)| m)
}

/// Parses the date forms sources write, to UTC. Forms without a zone are taken as UTC.
///
/// Accepted: RFC 3339 / ISO 8601 (`2015-11-19T15:45:00Z`, `+01:00` offsets, fractions),
/// `2015-11-19 15:45:00` (WordPress, Disqus), Unix seconds (`1447945500`, `1447945500.0`),
/// `November 19, 2015 at 3:45 pm`, `19 November 2015 at 15:45`, `19. November 2015 um 15:45`,
/// `27/11/2015 13:46` (day first), `Nov 19, 2015`, RFC 2822 (`Tue, 20 Jan 2009 08:35:23 +0000`),
/// and blog forms with `@` or `//` between date and time (`8. April 2019 @ 11:38`).
pub fn parse_timestamp(input: &str) -> Option<Timestamp> {
    let s = input.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if let Some(t) = parse_unix(s) {
        return Some(t);
    }
    if let Some(t) = parse_iso(s) {
        return Some(t);
    }
    parse_words(s)
}

fn parse_unix(s: &str) -> Option<Timestamp> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 12
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Millisecond epochs (13 digits) are not accepted here: they are ambiguous with ids.
    int.parse().ok().map(Timestamp)
}

fn digits(s: &str, from: usize, n: usize) -> Option<u32> {
    let part = s.get(from..from + n)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn parse_iso(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i64::from(digits(s, 0, 4)?);
    let mo = digits(s, 5, 2)?;
    let d = digits(s, 8, 2)?;
    if b.len() == 10 {
        return Timestamp::from_civil(y, mo, d, 0, 0, 0);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let h = digits(s, 11, 2)?;
    let mi = digits(s, 14, 2)?;
    let mut rest = &s[16..];
    let mut sec = 0;
    if let Some(r) = rest.strip_prefix(':') {
        sec = digits(r, 0, 2)?;
        rest = &r[2..];
        if let Some(r) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            rest = &r[n..];
        }
    }
    let base = Timestamp::from_civil(y, mo, d, h, mi, sec)?;
    let rest = rest.trim();
    let offset = match rest {
        "" | "Z" | "z" | "UTC" | "GMT" | "+00:00" | "+0000" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let r = &rest[1..];
            let (oh, om) = if r.len() == 5 && r.as_bytes()[2] == b':' {
                (digits(r, 0, 2)?, digits(r, 3, 2)?)
            } else if r.len() == 4 {
                (digits(r, 0, 2)?, digits(r, 2, 2)?)
            } else if r.len() == 2 {
                (digits(r, 0, 2)?, 0)
            } else {
                return None;
            };
            sign * (i64::from(oh) * 3600 + i64::from(om) * 60)
        }
    };
    Some(Timestamp(base.0 - offset))
}

/// Weekday names, skipped in dates that carry them.
const WEEKDAYS: [&str; 14] = [
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Dates written in words or day-first numbers, optionally followed by a time of day.
fn parse_words(s: &str) -> Option<Timestamp> {
    let lowered = s.to_lowercase();
    let cleaned: String = lowered
        .chars()
        .map(|c| if c == ',' || c == '|' { ' ' } else { c })
        .collect();
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    // `@` and `//` separate date from time on some blogs ("8. April 2019 @ 11:38",
    // "29.07.2020 // 12:56").
    tokens.retain(|t| {
        !matches!(
            t.trim_end_matches('.'),
            "at" | "um"
                | "@"
                | "//"
                | "on"
                | "am,"
                | "-"
                | "–"
                | "uhr"
                | "posted"
                | "published"
                | "updated"
                | "veröffentlicht"
                | "monday"
                | "tuesday"
                | "wednesday"
                | "thursday"
                | "friday"
                | "saturday"
                | "sunday"
                | "mon"
                | "tue"
                | "wed"
                | "thu"
                | "fri"
                | "sat"
                | "sun"
                | "montag"
                | "dienstag"
                | "mittwoch"
                | "donnerstag"
                | "freitag"
                | "samstag"
                | "sonntag"
        )
    });
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut hour, mut minute, mut second) = (0u32, 0u32, 0u32);
    let mut pm = None;
    let mut offset = 0i64;
    for tok in tokens {
        let t = tok.trim_end_matches('.');
        // RFC 2822 (RSS `pubDate`): "Tue, 20 Jan 2009 08:35:23 +0000".
        if WEEKDAYS.contains(&t) {
            continue;
        }
        if matches!(t, "gmt" | "utc" | "z" | "ut") {
            continue;
        }
        if let (Some(sign @ (b'+' | b'-')), 5) = (t.bytes().next(), t.len()) {
            if let (Some(h), Some(m)) = (digits(t, 1, 2), digits(t, 3, 2)) {
                let secs = i64::from(h) * 3600 + i64::from(m) * 60;
                offset = if sign == b'+' { secs } else { -secs };
                continue;
            }
        }
        if let Some(m) = month_from_name(t) {
            if month.is_none() && !t.bytes().any(|b| b.is_ascii_digit()) {
                month = Some(m);
                continue;
            }
        }
        if t == "am" || t == "a.m" {
            pm = Some(false);
            continue;
        }
        if t == "pm" || t == "p.m" {
            pm = Some(true);
            continue;
        }
        if t.contains(':') {
            let (clock, suffix) = split_ampm(t);
            let mut parts = clock.split(':');
            hour = parts.next()?.parse().ok()?;
            minute = parts.next()?.parse().ok()?;
            second = parts.next().map(str::parse).transpose().ok()?.unwrap_or(0);
            if suffix.is_some() {
                pm = suffix;
            }
            continue;
        }
        if t.contains('/') || (t.matches('.').count() == 2 && t.len() >= 8) {
            let sep = if t.contains('/') { '/' } else { '.' };
            let parts: Vec<&str> = t.split(sep).collect();
            if parts.len() != 3 {
                return None;
            }
            day = Some(parts[0].parse().ok()?);
            month = Some(parts[1].parse().ok()?);
            let y: i64 = parts[2].parse().ok()?;
            year = Some(if y < 100 { 2000 + y } else { y });
            continue;
        }
        let num = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if let Ok(n) = num.parse::<i64>() {
            if n > 31 && year.is_none() {
                year = Some(n);
            } else if day.is_none() && (1..=31).contains(&n) {
                day = Some(n as u32);
            } else {
                return None;
            }
            continue;
        }
        return None;
    }
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    Timestamp::from_civil(year?, month?, day?, hour, minute, second)
        .map(|t| Timestamp(t.0 - offset))
}

fn split_ampm(t: &str) -> (&str, Option<bool>) {
    if let Some(c) = t.strip_suffix("pm") {
        (c, Some(true))
    } else if let Some(c) = t.strip_suffix("am") {
        (c, Some(false))
    } else {
        (t, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        parse_timestamp(s)
            .map(Timestamp::to_rfc3339)
            .unwrap_or_default()
    }

    #[test]
    fn rfc3339_digits_equal_the_formatted_form() {
        let formatted = |t: Timestamp| formatted(t.fields());
        let mut t = -62_167_219_200 - 86_400; // the day before 0000-01-01
        while t < 253_402_300_800 + 86_400 {
            // past 9999-12-31
            assert_eq!(Timestamp(t).to_rfc3339(), formatted(Timestamp(t)), "{t}");
            t += 7_777_777;
        }
        for t in [0, 59, 3599, 86_399, 1_447_947_900, -1, -86_401] {
            assert_eq!(Timestamp(t).to_rfc3339(), formatted(Timestamp(t)), "{t}");
        }
    }

    #[test]
    fn parses_the_forms_sources_write() {
        assert_eq!(ts("2015-11-19T15:45:00Z"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("2015-11-19T16:45:00.123+01:00"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("2015-11-19 15:45:00"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("1447947900"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("1447947900.0"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("November 19, 2015 at 3:45 pm"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("19 November 2015 at 15:45"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("19. November 2015 um 15:45"), "2015-11-19T15:45:00Z");
        assert_eq!(ts("27/11/2015 13:46"), "2015-11-27T13:46:00Z");
        assert_eq!(ts("Nov 19, 2015"), "2015-11-19T00:00:00Z");
        assert_eq!(ts("12. März 2016 um 9:05"), "2016-03-12T09:05:00Z");
        assert_eq!(ts("Saturday, 12 June 2010"), "2010-06-12T00:00:00Z");
        assert_eq!(ts("Posted on March 3, 2021"), "2021-03-03T00:00:00Z");
        assert_eq!(ts("8. April 2019 @ 11:38"), "2019-04-08T11:38:00Z");
        assert_eq!(ts("29.07.2020 // 12:56"), "2020-07-29T12:56:00Z");
        assert_eq!(ts("Juli 30, 2013 um 2:33 pm"), "2013-07-30T14:33:00Z");
        assert_eq!(
            ts("Tue, 20 Jan 2009 08:35:23 +0000"),
            "2009-01-20T08:35:23Z"
        );
        assert_eq!(
            ts("Tue, 20 Jan 2009 10:35:23 +0200"),
            "2009-01-20T08:35:23Z"
        );
        assert_eq!(ts("Thu, 06 Sep 2012 04:08:16 GMT"), "2012-09-06T04:08:16Z");
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for s in [
            "",
            "hello",
            "2015-13-01",
            "Nov 31, 2015",
            "Dear Eurofrank",
            "99999999999999",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
    }

    #[test]
    fn round_trips_through_civil_days() {
        for secs in [-86_400 * 365, 0, 951_782_400, 1_709_164_800, 4_102_444_800] {
            let t = Timestamp(secs);
            assert_eq!(parse_timestamp(&t.to_rfc3339()), Some(t));
        }
    }
}
