//! The journey: where an organisation stands on the ISMS loop, one step per area, each
//! computed from the data by the area that owns it (never ticked by hand).

/// How far a step has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Nothing written yet.
    Missing,
    /// Written, but not complete or not signed off.
    Partial,
    Done,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Partial => "partial",
            Self::Done => "done",
        }
    }
}

/// One step of the loop as the home page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyStep {
    /// Its place on the loop: steps are shown in this order.
    pub position: u16,
    /// The ISO 27001 clause, e.g. `6.2`.
    pub clause: &'static str,
    pub title: &'static str,
    pub state: StepState,
    /// Where it stands, in a few words ("2 of 5 approved").
    pub status: String,
    /// The register's path under the organisation.
    pub path: &'static str,
    /// What the step is for, to follow "Title: " on the page.
    pub description: &'static str,
}
