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
    Named(chrono_tz::Tz),
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
            kind: TzKind::Named(z),
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
            TzKind::Named(_) => self.name.clone(),
        }
    }
    /// The UTC offset in seconds at `utc_seconds` since the epoch.
    pub fn offset_at(&self, utc_seconds: i64) -> i32 {
        match &self.kind {
            TzKind::Fixed(s) => *s,
            TzKind::Named(z) => match chrono::DateTime::from_timestamp(utc_seconds, 0) {
                Some(dt) => z
                    .offset_from_utc_datetime(&dt.naive_utc())
                    .fix()
                    .local_minus_utc(),
                None => 0,
            },
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
                TzInfo::Pytz(p) => Tz::named(&p.zone),
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
