//! Assets (ISO 27001 5.9 to 5.13): the inventory; classification, valuation and import
//! join it here.

mod import;
mod inventory;
mod settings;
mod valuation;

pub use import::{
    AssetRegisterExport, ImportAction, ImportMode, ImportReport, ImportedRow, MAX_IMPORT_BYTES,
    RegisterFormat,
};
pub(crate) use settings::scale_in;
pub use settings::{CurrentScheme, ImpactScaleSettings};
pub use valuation::{AssetValuation, MovedAsset};
