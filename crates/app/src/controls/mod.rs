//! The controls area (DESIGN.md §3 "controls"): the framework libraries every organisation
//! reads, and (to come) the organisation's applied controls and Statement of Applicability.

pub mod library;
pub mod soa;
