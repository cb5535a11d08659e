//! Governance: senior-management sign-off, and the documents and policies it approves. The
//! approval workflow serves every approvable record; RACI assignments will join it here.

mod approvals;
pub mod documents;

pub(crate) use approvals::submit_in;

pub use approvals::ApprovalReview;
