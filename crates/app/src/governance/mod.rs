//! Governance: senior-management sign-off. The approval workflow serves every approvable
//! record; documents and RACI assignments join it here.

mod approvals;

pub(crate) use approvals::submit_in;

pub use approvals::ApprovalReview;
