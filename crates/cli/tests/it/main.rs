//! Integration tests: the real application over HTTP, each test on SQLite and PostgreSQL.
//! One test binary, organised by area, so it links once.

mod api_docs;
mod approvals;
mod audit;
mod auth;
mod cli;
mod demo;
mod input;
mod members;
mod migrations;
mod objectives;
mod rbac;
mod registers;
mod support;
mod tenancy;
