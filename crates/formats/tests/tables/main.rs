//! The format layer for tabular registers, read and written as a person's spreadsheet
//! program would: CSV and XLSX in, XLSX and templates out, with limits and positions.

mod csv_reading;
mod limits_and_errors;
mod robustness;
mod support;
mod writers;
mod xlsx_reading;
