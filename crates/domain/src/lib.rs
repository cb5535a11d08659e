//! Custos domain: the pure types and rules of an ISMS. No I/O, no clock, no randomness:
//! callers pass `now` in, so every rule here is a plain function that tests can pin down.

pub mod assets;
pub mod context;
pub mod controls;
pub mod dates;
pub mod diff;
pub mod fields;
pub mod files;
pub mod governance;
pub mod journey;
pub mod list;
pub mod platform;
pub mod risk;
pub mod sessions;
pub mod text_enum;
pub mod validation;
pub mod versions;

pub use validation::{FieldError, ValidationErrors};
