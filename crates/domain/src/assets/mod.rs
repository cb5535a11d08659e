//! Assets (DESIGN.md §3 "assets"): what the organisation protects and how much each thing is
//! worth. The impact scale says what each level of harm means, the classification scheme says
//! how information of each level is labelled and handled, and valuation carries the C, I and A
//! impact of what depends on an asset down to the assets that support it.

pub mod classification;
pub mod figures;
pub mod impact;
pub mod valuation;
