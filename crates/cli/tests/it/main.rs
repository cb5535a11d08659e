//! Integration tests: the real application over HTTP, each test on SQLite and PostgreSQL.
//! One test binary, organised by area, so it links once.

mod api_docs;
mod approvals;
mod asset_import;
mod asset_links;
mod asset_settings;
mod assets;
mod audit;
mod audit_anchoring;
mod auth;
mod cli;
mod controls;
mod demo;
mod documents;
mod evidence;
mod frameworks;
mod input;
mod invitations;
mod members;
mod migrations;
mod objectives;
mod organisations;
mod rbac;
mod registers;
mod risk_method;
mod risks;
mod sessions;
mod soa;
mod support;
mod tenancy;
