//! Random secrets (session ids, API tokens, generated passwords) and their stored digests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult};

/// 32 random bytes from the operating system, URL-safe base64.
pub fn random_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Secrets are stored only as their SHA-256: they are long and random, so no salt is needed.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing task: {e}")))?
}

/// Checks `password` against a PHC string; a malformed hash is a failed check.
pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordVerifier;
        use argon2::password_hash::phc::PasswordHash;
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check task: {e}")))
}

/// A hash of a random password, checked when an unknown e-mail logs in so that answering
/// takes as long as for a real account.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3PrwNK6b6T3cqrAkmvpAgz9tSmN1tt6IDWmHpYF1FMg";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        // If it did not parse, unknown e-mails would be refused faster than known ones.
        use argon2::password_hash::phc::PasswordHash;
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("wrong horse battery".into(), hash)
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("x".into(), "not a hash".into())
                .await
                .expect("verify")
        );
    }
}
