//! Risk management (DESIGN.md §3 "risk"): the organisation's risk method, the threat and
//! vulnerability catalogues, the risk register, its treatment and acceptance, and the
//! quantitative option. Scoring is a pure function of a method version and the inputs, so
//! the same inputs give the same level whoever assesses them and on either database.

pub mod acceptance;
pub mod catalogue;
pub mod method;
pub mod quantitative;
pub mod register;
pub mod suggest;
pub mod treatment;
pub mod trend;
