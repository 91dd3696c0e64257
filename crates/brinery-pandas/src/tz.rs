//! Time zones of tz-aware datetimes, read from how pandas pickles them.

use brinery::stdlib::{Typed, TzInfo};
use brinery::NodeRef;
use chrono::{Offset, TimeZone};

/// A time zone: its name as pandas prints it in a dtype, and how to get
/// the UTC offset at an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Tz {
    name: String,
    kind: TzKind,
}

#[derive(Clone, Debug, PartialEq)]
enum TzKind {
    Fixed(i32),
    /// An IANA zone; `true` when its daylight-saving rule goes on for
    /// ever (zoneinfo, dateutil: the POSIX rule of the tz file), `false`
    /// for pytz, whose tables end with 2037 and keep their last offset.
    Named(chrono_tz::Tz, bool),
}

impl Tz {
    /// UTC.
    pub fn utc() -> Tz {
        Tz {
            name: "UTC".into(),
            kind: TzKind::Fixed(0),
        }
    }
    /// A fixed offset in seconds, named as `str(datetime.timezone(...))`.
    pub fn fixed(seconds: i32, name: Option<String>) -> Tz {
        let name = name.unwrap_or_else(|| {
            if seconds == 0 {
                "UTC".into()
            } else {
                format!("UTC{}", offset_text(seconds))
            }
        });
        Tz {
            name,
            kind: TzKind::Fixed(seconds),
        }
    }
    /// An IANA zone (`Europe/Berlin`); `None` for an unknown key.
    pub fn named(key: &str) -> Option<Tz> {
        if key == "UTC" {
            return Some(Tz::utc());
        }
        let z: chrono_tz::Tz = key.parse().ok()?;
        Some(Tz {
            name: key.into(),
            kind: TzKind::Named(z, true),
        })
    }
    /// The name pandas prints (`UTC`, `Europe/Berlin`, `UTC+05:30`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The IANA key or fixed offset text used in Arrow metadata.
    pub fn arrow_name(&self) -> String {
        match &self.kind {
            TzKind::Fixed(0) => "UTC".into(),
            TzKind::Fixed(s) => offset_text(*s),
            TzKind::Named(..) => self.name.clone(),
        }
    }
    /// The UTC offset in seconds at `utc_seconds` since the epoch.
    pub fn offset_at(&self, utc_seconds: i64) -> i32 {
        match &self.kind {
            TzKind::Fixed(s) => *s,
            TzKind::Named(z, rule_goes_on) => {
                let t = if *rule_goes_on {
                    same_calendar_instant(z, utc_seconds)
                } else {
                    // pytz's tables end with 2037; its last offset stays.
                    utc_seconds.min(END_2037)
                };
                offset(z, t)
            }
        }
    }

    /// The time zone of a pickled tzinfo (`datetime.timezone`,
    /// `zoneinfo.ZoneInfo`, pytz, dateutil's `tzutc`/`tzfile`), or a
    /// zone name as a str; `None` when it is not one brinery knows.
    pub fn from_node(v: NodeRef<'_, '_>) -> Option<Tz> {
        if let Some(s) = v.as_str() {
            return Tz::named(s);
        }
        if let Some(Ok(Typed::TzInfo(tz))) = Typed::from_node(v) {
            return match tz {
                TzInfo::TimeZone(t) => {
                    let off = t.offset;
                    let secs = off.days as i64 * 86400 + off.seconds as i64;
                    Some(Tz::fixed(i32::try_from(secs).ok()?, t.name.clone()))
                }
                TzInfo::ZoneInfo { key } => Tz::named(&key),
                TzInfo::PytzUtc => Some(Tz::utc()),
                TzInfo::Pytz(p) => Tz::named(&p.zone).map(Tz::pytz),
                _ => None,
            };
        }
        let class = v.class_name()?;
        match class.as_str() {
            "dateutil.tz.tz.tzutc" => Some(Tz {
                name: "tzutc()".into(),
                kind: TzKind::Fixed(0),
            }),
            "pytz.FixedOffset" => {
                let m = v.graph().view(args_id(v)?).get(&0)?.as_i64()?;
                Some(Tz {
                    name: format!("pytz.FixedOffset({m})"),
                    kind: TzKind::Fixed(i32::try_from(m * 60).ok()?),
                })
            }
            "dateutil.tz.tz.tzfile" | "dateutil.zoneinfo.tzfile" => {
                let f = v.get("_filename").and_then(|f| f.as_str())?;
                let key = f.trim_start_matches("/usr/share/zoneinfo/");
                let mut t = Tz::named(key)?;
                t.name = format!("tzfile('{f}')");
                Some(t)
            }
            _ => None,
        }
    }
}

impl Tz {
    /// pytz's zones keep the offset of their tables' last transition
    /// after 2037 (no daylight saving from then on).
    fn pytz(mut self) -> Tz {
        if let TzKind::Named(_, goes_on) = &mut self.kind {
            *goes_on = false;
        }
        self
    }
}

/// The UTC offset of `z` at `t` seconds since the epoch.
fn offset(z: &chrono_tz::Tz, t: i64) -> i32 {
    match chrono::DateTime::from_timestamp(t, 0) {
        Some(dt) => z
            .offset_from_utc_datetime(&dt.naive_utc())
            .fix()
            .local_minus_utc(),
        None => 0,
    }
}

/// The last year of pytz's transition tables (and the year up to which
/// the zone's current rule is looked up here).
const TABLES_END: i32 = 2037;

/// 2038-01-01T00:00:00Z minus a second, the end of 2037: pytz's offsets
/// after it are the last of its tables.
const END_2037: i64 = 2_145_916_799;

/// For an instant after 2037, in a zone that still changes offset in
/// 2037: the same date and time in the latest year up to 2037 with the
/// same calendar (leap year, weekday of 1 January). zoneinfo computes
/// such instants from the zone's POSIX rule, which gives the same offset
/// on the same calendar; chrono-tz's own tables stop earlier than
/// zoneinfo's dates go (years up to 2262 and beyond). Other instants are
/// returned as they are.
fn same_calendar_instant(z: &chrono_tz::Tz, t: i64) -> i64 {
    use chrono::{Datelike, NaiveDate};
    // Every value up to 2037 (all but a few) returns here, on one compare.
    if t <= END_2037 {
        return t;
    }
    let Some(dt) = chrono::DateTime::from_timestamp(t, 0) else {
        return t;
    };
    let y = dt.year();
    let at = |y: i32, m: u32, d: u32| {
        NaiveDate::from_ymd_opt(y, m, d).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
    };
    let (Some(jan), Some(jul)) = (at(TABLES_END, 1, 15), at(TABLES_END, 7, 15)) else {
        return t;
    };
    if offset(z, jan.timestamp()) == offset(z, jul.timestamp()) {
        return t;
    }
    let leap = |y: i32| NaiveDate::from_ymd_opt(y, 2, 29).is_some();
    let Some(jan1) = at(y, 1, 1) else { return t };
    for y2 in (TABLES_END - 27..=TABLES_END).rev() {
        let Some(j2) = at(y2, 1, 1) else { continue };
        if leap(y2) == leap(y) && j2.weekday() == jan1.weekday() {
            return t - (jan1.timestamp() - j2.timestamp());
        }
    }
    t
}

fn args_id(v: NodeRef<'_, '_>) -> Option<brinery::NodeId> {
    match v.node()? {
        brinery::Node::Object(o) => match o.construct {
            brinery::Construct::Reduce { args, .. } | brinery::Construct::NewObj { args, .. } => {
                Some(args)
            }
            _ => None,
        },
        _ => None,
    }
}

/// `+05:30` / `-04:00`.
pub(crate) fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec != 0 {
        format!("{sign}{h:02}:{m:02}:{sec:02}")
    } else {
        format!("{sign}{h:02}:{m:02}")
    }
}
