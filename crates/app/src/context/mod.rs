//! Context of the organisation (ISO 27001 clause 4 and 6.2): for now the ISMS objectives;
//! scope, interested parties, obligations and issues join them here.

mod objectives;
