//! Assets (ISO 27001 5.9 to 5.13): the inventory; classification, valuation and import
//! join it here.

mod inventory;
mod valuation;

pub use valuation::{AssetValuation, MovedAsset};
