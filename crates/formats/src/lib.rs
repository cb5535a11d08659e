//! Custos formats: readers and writers of outside formats (CSV and XLSX registers, library
//! files, OSCAL, scanner outputs, PDF reports). Pure functions over bytes and domain types.

pub mod ciso_assistant;
pub mod csv;
pub mod framework_library;
pub mod library;
pub mod markdown;
pub mod oscal;
pub mod risk_catalogue;
pub mod table;
pub mod template;
pub mod uploaded_file;
pub mod xlsx;
