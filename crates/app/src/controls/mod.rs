//! The controls area (DESIGN.md §3 "controls"): the framework libraries every organisation
//! reads, the organisation's applied controls with the coverage they give, and its
//! Statement of Applicability.

pub mod applied;
pub mod evidence;
pub mod library;
pub mod soa;
