//! Values crossing the extended protocol as text: parameters sent in text format (PostgreSQL
//! parses them with the type's input function, exactly like an untyped `'literal'`), and
//! result cells rendered the way PostgreSQL prints them.

use bytes::BytesMut;
use std::error::Error;
use tokio_postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

type BoxError = Box<dyn Error + Sync + Send>;

/// A parameter bound as text, whatever type the server infers for it.
#[derive(Debug)]
pub(crate) struct TextParam<'a>(pub &'a str);

impl ToSql for TextParam<'_> {
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

/// One result cell in the binary format the extended protocol returns (`None` for NULL).
#[derive(Debug)]
pub(crate) struct RawCell(pub Option<Vec<u8>>);

impl<'a> FromSql<'a> for RawCell {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(RawCell(Some(raw.to_vec())))
    }

    fn from_sql_null(_ty: &Type) -> Result<Self, BoxError> {
        Ok(RawCell(None))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// How the session prints dates and times, for rendering them from binary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Session {
    /// `DateStyle` is ISO: dates and times print as `2024-01-02 03:04:05`.
    pub iso_dates: bool,
    /// `TimeZone` is UTC: `timestamptz` prints with `+00`.
    pub utc: bool,
}

/// A cell as PostgreSQL's text form.
pub(crate) fn cell_text(ty: &Type, raw: &[u8], session: Session) -> Result<String, BoxError> {
    let dates = session.iso_dates;
    match *ty {
        Type::DATE if dates => date_text(i32::from_sql(ty, raw)?),
        Type::TIME if dates => Ok(time_text(i64::from_sql(ty, raw)?)),
        Type::TIMESTAMP if dates => timestamp_text(i64::from_sql(ty, raw)?, ""),
        Type::TIMESTAMPTZ if dates && session.utc => timestamp_text(i64::from_sql(ty, raw)?, "+00"),
        _ => text_of(ty, raw),
    }
}

/// Days since 1970-01-01 as (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 2000-01-01 (PostgreSQL's epoch) as `YYYY-MM-DD` (`… BC` before year 1).
fn ymd(pg_days: i64) -> String {
    let (y, m, d) = civil_from_days(pg_days + 10_957);
    if y <= 0 {
        format!("{:04}-{m:02}-{d:02} BC", 1 - y)
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

fn date_text(days: i32) -> Result<String, BoxError> {
    Ok(match days {
        i32::MAX => "infinity".into(),
        i32::MIN => "-infinity".into(),
        d => ymd(i64::from(d)),
    })
}

/// Microseconds since midnight as `HH:MM:SS[.ffffff]`, trailing zeros of the fraction dropped.
fn time_text(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let mut s = format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    );
    if frac > 0 {
        let f = format!("{frac:06}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

fn timestamp_text(us: i64, zone: &str) -> Result<String, BoxError> {
    if us == i64::MAX {
        return Ok("infinity".into());
    }
    if us == i64::MIN {
        return Ok("-infinity".into());
    }
    let day_us = 86_400_000_000i64;
    let days = us.div_euclid(day_us);
    let date = ymd(days);
    let time = time_text(us.rem_euclid(day_us));
    Ok(match date.strip_suffix(" BC") {
        Some(d) => format!("{d} {time}{zone} BC"),
        None => format!("{date} {time}{zone}"),
    })
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        f.to_string()
    }
}

fn text_of(ty: &Type, raw: &[u8]) -> Result<String, BoxError> {
    Ok(match *ty {
        Type::BOOL => if bool::from_sql(ty, raw)? { "t" } else { "f" }.into(),
        Type::INT2 => i16::from_sql(ty, raw)?.to_string(),
        Type::INT4 => i32::from_sql(ty, raw)?.to_string(),
        Type::INT8 => i64::from_sql(ty, raw)?.to_string(),
        Type::OID => u32::from_sql(ty, raw)?.to_string(),
        Type::FLOAT4 => float_text(f64::from(f32::from_sql(ty, raw)?)),
        Type::FLOAT8 => float_text(f64::from_sql(ty, raw)?),
        Type::CHAR => char::from(i8::from_sql(ty, raw)? as u8).to_string(),
        Type::NUMERIC => numeric_text(raw)?,
        Type::JSON => String::from_utf8(raw.to_vec())?,
        Type::JSONB => String::from_utf8(raw.get(1..).unwrap_or_default().to_vec())?,
        Type::UUID => uuid_text(raw)?,
        Type::BYTEA => {
            let mut s = String::from("\\x");
            for b in raw {
                s.push_str(&format!("{b:02x}"));
            }
            s
        }
        _ if <String as FromSql>::accepts(ty) => String::from_sql(ty, raw)?,
        _ if matches!(ty.kind(), Kind::Enum(_)) => String::from_utf8(raw.to_vec())?,
        _ => {
            return Err(format!(
                "a column of type {} cannot be shown for a statement with bound parameters (or \
                 not in this session's DateStyle/TimeZone); cast it to text (column::text)",
                ty.name()
            )
            .into());
        }
    })
}

fn uuid_text(raw: &[u8]) -> Result<String, BoxError> {
    if raw.len() != 16 {
        return Err("invalid uuid".into());
    }
    let hex: Vec<String> = raw.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        hex[0..4].concat(),
        hex[4..6].concat(),
        hex[6..8].concat(),
        hex[8..10].concat(),
        hex[10..16].concat()
    ))
}

/// PostgreSQL's binary `numeric`: ndigits, weight, sign, dscale, then base-10000 digits.
fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "invalid numeric".into())
    };
    let ndigits = word(0)? as usize;
    let weight = word(1)? as i16 as i64;
    let sign = word(2)?;
    let dscale = word(3)? as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digit = |k: i64| -> Result<u16, BoxError> {
        if k < 0 || k as usize >= ndigits {
            Ok(0)
        } else {
            word(4 + k as usize)
        }
    };
    let mut s = String::new();
    if sign == 0x4000 {
        s.push('-');
    }
    if weight < 0 {
        s.push('0');
    } else {
        for k in 0..=weight {
            let d = digit(k)?;
            if k == 0 {
                s.push_str(&d.to_string());
            } else {
                s.push_str(&format!("{d:04}"));
            }
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        let mut k = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(k)?));
            k += 1;
        }
        frac.truncate(dscale);
        s.push('.');
        s.push_str(&frac);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale].iter().chain(digits) {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics_print_like_postgres() {
        assert_eq!(
            numeric_text(&numeric(2, 0, 0, 2, &[12, 3400])).unwrap(),
            "12.34"
        );
        assert_eq!(
            numeric_text(&numeric(2, 1, 0x4000, 0, &[1, 0])).unwrap(),
            "-10000"
        );
        assert_eq!(numeric_text(&numeric(1, -1, 0, 3, &[50])).unwrap(), "0.005");
        assert_eq!(numeric_text(&numeric(0, 0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&numeric(0, 0, 0xC000, 0, &[])).unwrap(), "NaN");
        assert!(numeric_text(&[0, 1]).is_err());
    }

    #[test]
    fn dates_and_times_print_like_postgres() {
        assert_eq!(date_text(0).unwrap(), "2000-01-01");
        assert_eq!(date_text(-1).unwrap(), "1999-12-31");
        assert_eq!(date_text(8766).unwrap(), "2024-01-01");
        assert_eq!(date_text(i32::MAX).unwrap(), "infinity");
        assert_eq!(date_text(-730_119).unwrap(), "0001-01-01");
        assert_eq!(date_text(-730_120).unwrap(), "0001-12-31 BC");
        assert_eq!(time_text(3_723_500_000), "01:02:03.5");
        assert_eq!(
            timestamp_text(8766 * 86_400_000_000 + 1, "+00").unwrap(),
            "2024-01-01 00:00:00.000001+00"
        );
        assert_eq!(
            timestamp_text(-1, "").unwrap(),
            "1999-12-31 23:59:59.999999"
        );
    }

    #[test]
    fn uuids_and_floats() {
        let raw: Vec<u8> = (0u8..16).collect();
        assert_eq!(
            uuid_text(&raw).unwrap(),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(float_text(1.5), "1.5");
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
    }
}
