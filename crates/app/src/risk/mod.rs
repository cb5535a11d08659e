//! Risk management: the organisation's risk method, its threat and vulnerability catalogues
//! and (to come) its risk register.

pub mod catalogues;
pub mod export;
pub mod method;
pub mod quantitative;
pub mod register;
pub mod treatment;
