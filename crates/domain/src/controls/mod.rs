//! Frameworks, controls and the Statement of Applicability (DESIGN.md §3 "controls"). The
//! framework libraries are global: every organisation reads the same requirement trees and
//! mappings; what an organisation does about them is its own.

pub mod applied;
pub mod coverage;
pub mod evidence;
pub mod library;
pub mod soa;
