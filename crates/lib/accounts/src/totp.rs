//! The TOTP second factor (RFC 6238: HMAC-SHA-1, six digits, 30-second steps, one step of skew
//! either way), through totp-rs. totp-rs leaves replay to the caller: [`check`] takes the last
//! accepted step and refuses it and every earlier one (RFC 6238 §5.2), and the store accepts a
//! step atomically so two requests with one code cannot both pass.

use totp_rs::{Builder, Secret, Totp};

use crate::{AccountError, Result};

/// Seconds per step.
pub const STEP: u64 = 30;

/// A new random 160-bit secret (RFC 4226 recommends 160), in base32 as authenticator apps take it.
pub fn new_secret() -> Result<String> {
    Ok(Secret::from(crate::secret::random_bytes::<20>()?).to_base32())
}

fn totp(secret_base32: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| AccountError::Invalid(format!("stored TOTP secret is unreadable: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP)
        .build()
        .map_err(|e| AccountError::Invalid(format!("stored TOTP secret is unusable: {e}")))
}

/// The code for the Unix time `now` (for tests, and for the demo's printed hint).
pub fn code_at(secret_base32: &str, now: u64) -> Result<String> {
    Ok(totp(secret_base32)?.generate(now).to_string())
}

/// Checks a code at Unix time `now`; returns the matched step if it is valid and later than
/// `last_step`.
pub fn check(secret_base32: &str, code: &str, now: u64, last_step: Option<i64>) -> Result<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccountError::BadCode);
    }
    let step = totp(secret_base32)?
        .check(&code, now)
        .ok_or(AccountError::BadCode)?;
    let step = i64::try_from(step).map_err(|_| AccountError::BadCode)?;
    match last_step {
        Some(last) if step <= last => Err(AccountError::BadCode),
        _ => Ok(step),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `otpauth://` URI authenticator apps read (Google's Key Uri Format).
pub fn otpauth_uri(secret_base32: &str, issuer: &str, account: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        percent_encode(issuer),
        percent_encode(account),
        percent_encode(issuer)
    )
}

/// The URI as a QR code in SVG (no inline styles or scripts, so it can be placed in a page under
/// a strict Content-Security-Policy).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration: the SVG is embedded in HTML.
    Some(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 Appendix B, SHA-1, T = 59: 94287082 (eight digits); six digits: 287082.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(check(&secret, "287082", 59, None).unwrap(), 1);
    }

    #[test]
    fn a_step_is_accepted_once_and_skew_is_one_step() {
        let s = new_secret().unwrap();
        let now = 1_800_000_000;
        let code = code_at(&s, now).unwrap();
        let step = check(&s, &code, now, None).unwrap();
        assert!(check(&s, &code, now, Some(step)).is_err(), "replay refused");
        // One step later the same code is still within skew, but it was accepted already.
        assert!(check(&s, &code, now + STEP, Some(step)).is_err());
        assert!(check(&s, &code, now + STEP, None).is_ok());
        assert!(
            check(&s, &code, now + 2 * STEP + 1, None).is_err(),
            "two steps late"
        );
        assert!(check(&s, "12345", now, None).is_err());
        assert!(check(&s, "abcdef", now, None).is_err());
    }

    #[test]
    fn uri_and_qr() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ballotproof", "ana+x@example.gov");
        assert_eq!(
            uri,
            "otpauth://totp/ballotproof:ana%2Bx@example.gov?secret=JBSWY3DPEHPK3PXP&issuer=ballotproof&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(!svg.contains("style="));
    }
}
