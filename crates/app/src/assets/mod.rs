//! Assets (ISO 27001 5.9 to 5.13): the inventory; classification, valuation and import
//! join it here.

mod inventory;
mod settings;
mod valuation;

pub use settings::{CurrentScheme, ImpactScaleSettings};
pub use valuation::{AssetValuation, MovedAsset};
