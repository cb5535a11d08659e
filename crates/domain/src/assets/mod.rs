//! Assets (ISO 27001 5.9 to 5.13): what the organisation protects and how much each thing is
//! worth. The inventory lists the assets; the impact scale says what each level of harm
//! means, the classification scheme says how information of each level is labelled and
//! handled, and valuation carries the C, I and A impact of what depends on an asset down to
//! the assets that support it.

pub mod bulk;
pub mod classification;
pub mod figures;
pub mod impact;
pub mod inventory;
pub mod review;
pub mod valuation;

pub use inventory::*;
