//! The quantitative option: the annualised loss of every risk with an estimate, simulated
//! (Monte Carlo, a fixed seed so the same estimates always give the same figures), the
//! organisation's loss-exceedance curve, and the chance of losing more than the appetite the
//! risk method states in money.

use custos_domain::platform::Permission;
use custos_domain::risk::quantitative::{Simulation, TRIALS, simulate};
use custos_domain::risk::register::Risk;
use custos_store::risk as store;

use super::method::method_in;
use crate::{App, AppError, AppResult, OrgContext};

/// Any fixed number would do: the figures depend only on the estimates.
const SEED: u64 = 27_001;

/// The organisation's simulated losses.
#[derive(Debug, Clone)]
pub struct LossReport {
    /// The risks simulated, by number.
    pub risks: Vec<Risk>,
    pub simulation: Simulation,
    /// The currency of the method in force (EUR while none is approved).
    pub currency: String,
    /// The annual loss the method accepts, and the chance of losing more than it.
    pub appetite: Option<(u64, f64)>,
}

impl App {
    pub async fn risk_losses(&self, ctx: &OrgContext) -> AppResult<LossReport> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let method = method_in(&mut conn, ctx.org_id()).await?;
        let risks = store::risks_with_estimates(&mut conn, ctx.org_id()).await?;
        drop(conn);
        let estimates: Vec<_> = risks
            .iter()
            .filter_map(|risk| Some((risk.id, risk.loss_estimate()?)))
            .collect();
        // Tens of milliseconds to a second of arithmetic: off the request threads.
        let simulation = tokio::task::spawn_blocking(move || simulate(&estimates, TRIALS, SEED))
            .await
            .map_err(|e| AppError::Internal(format!("the loss simulation stopped: {e}")))?;
        let (currency, loss_appetite) = method.map_or_else(
            || ("EUR".to_owned(), None),
            |m| (m.body.currency, m.body.loss_appetite),
        );
        let appetite = loss_appetite
            .map(|amount| (amount, simulation.probability_of_exceeding(amount as f64)));
        Ok(LossReport {
            risks,
            simulation,
            currency,
            appetite,
        })
    }
}
