//! Assets (ISO 27001 5.9 to 5.13): the inventory of what the organisation protects.

pub mod inventory;

pub use inventory::*;
