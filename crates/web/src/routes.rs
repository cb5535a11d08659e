//! The route table. Pages (and the OpenAPI document itself) are registered through [`Pages`],
//! which records every method and path so tests can enumerate them (the tenancy harness probes
//! each one); API routes are registered through utoipa's `OpenApiRouter`, so the OpenAPI
//! document lists them all. Register nothing with a bare `Router::route`: it would escape both.

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use crate::{AppState, api, pages};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: Method,
    pub path: &'static str,
}

struct Pages {
    router: Router<AppState>,
    entries: Vec<RouteEntry>,
}

impl Pages {
    fn new() -> Self {
        Self {
            router: Router::new(),
            entries: Vec::new(),
        }
    }

    fn get(self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.add(Method::GET, path, handler)
    }

    fn post(self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.add(Method::POST, path, handler)
    }

    fn add(mut self, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.entries.push(RouteEntry { method, path });
        self.router = self.router.route(path, handler);
        self
    }
}

fn pages() -> Pages {
    use pages::applied_controls::ControlPages;
    use pages::assets::AssetPages;
    use pages::catalogues::{ThreatPages, VulnerabilityPages};
    use pages::context::ObjectivePages;
    use pages::documents::DocumentPages;
    use pages::evidence::EvidencePages;
    use pages::risks::RiskPages;
    use pages::{
        admin, applied_controls, asset_import, asset_settings, assets, catalogues, context,
        controls, documents, evidence, governance, invitations, platform, register, risk, risks,
    };
    Pages::new()
        .get("/", get(platform::start))
        .get("/login", get(platform::login_form))
        .post("/login", post(platform::log_in))
        .post("/logout", post(platform::log_out))
        .get("/account", get(platform::account))
        .post("/account/password", post(platform::change_password))
        .get("/account/sessions", get(platform::sessions::list))
        .post(
            "/account/sessions/end-others",
            post(platform::sessions::end_others),
        )
        .post("/account/sessions/{id}/end", post(platform::sessions::end))
        .get("/static/{file}", get(pages::static_file))
        .get("/api/v1/openapi.json", get(api::serve_openapi))
        .get("/orgs/{org}", get(platform::home))
        .get("/orgs/{org}/", get(platform::home))
        .get("/orgs/{org}/objectives", get(context::list))
        .post(
            "/orgs/{org}/objectives",
            post(register::create::<ObjectivePages>),
        )
        .get(
            "/orgs/{org}/objectives/new",
            get(register::new_form::<ObjectivePages>),
        )
        .get(
            "/orgs/{org}/objectives/{id}",
            get(register::show::<ObjectivePages>),
        )
        .post(
            "/orgs/{org}/objectives/{id}",
            post(register::update::<ObjectivePages>),
        )
        .get(
            "/orgs/{org}/objectives/{id}/edit",
            get(register::edit_form::<ObjectivePages>),
        )
        .post(
            "/orgs/{org}/objectives/{id}/delete",
            post(register::delete::<ObjectivePages>),
        )
        .post("/orgs/{org}/objectives/{id}/submit", post(context::submit))
        .get("/orgs/{org}/assets", get(assets::list))
        .post("/orgs/{org}/assets", post(register::create::<AssetPages>))
        .get(
            "/orgs/{org}/assets/new",
            get(register::new_form::<AssetPages>),
        )
        .get("/orgs/{org}/assets/import", get(asset_import::import_form))
        .post("/orgs/{org}/assets/import", post(asset_import::preview))
        .post(
            "/orgs/{org}/assets/import/confirm",
            post(asset_import::confirm),
        )
        .get(
            "/orgs/{org}/assets/import/template",
            get(asset_import::template),
        )
        .get(
            "/orgs/{org}/assets/impact-scale",
            get(asset_settings::impact_scale),
        )
        .post(
            "/orgs/{org}/assets/impact-scale",
            post(asset_settings::update_impact_scale),
        )
        .get(
            "/orgs/{org}/assets/classification",
            get(asset_settings::classification),
        )
        .get(
            "/orgs/{org}/assets/classification/draft",
            get(asset_settings::edit_draft),
        )
        .post(
            "/orgs/{org}/assets/classification/draft",
            post(asset_settings::save_draft),
        )
        .post(
            "/orgs/{org}/assets/classification/draft/submit",
            post(asset_settings::submit_draft),
        )
        .get("/orgs/{org}/risk/method", get(risk::method))
        .get("/orgs/{org}/risk/method/draft", get(risk::edit_draft))
        .post("/orgs/{org}/risk/method/draft", post(risk::save_draft))
        .post(
            "/orgs/{org}/risk/method/draft/submit",
            post(risk::submit_draft),
        )
        .post("/orgs/{org}/risk/method/import", post(risk::import_matrix))
        .get("/orgs/{org}/risks", get(risks::list))
        .post("/orgs/{org}/risks", post(register::create::<RiskPages>))
        .get(
            "/orgs/{org}/risks/new",
            get(register::new_form::<RiskPages>),
        )
        .post("/orgs/{org}/risks/rescore", post(risks::rescore))
        .get("/orgs/{org}/risks/losses", get(risks::losses))
        .get(
            "/orgs/{org}/risks/treatment-plan",
            get(risks::treatment_plan),
        )
        .post("/orgs/{org}/risks/{id}/actions", post(risks::add_action))
        .post("/orgs/{org}/risks/{id}/target", post(risks::set_target))
        .post(
            "/orgs/{org}/risks/{id}/acceptance",
            post(risks::request_acceptance),
        )
        .post("/orgs/{org}/risk-actions/{id}", post(risks::update_action))
        .get("/orgs/{org}/soa", get(controls::soa))
        .get("/orgs/{org}/soa/draft", get(controls::soa_form))
        .post("/orgs/{org}/soa/draft", post(controls::save_soa))
        .get("/orgs/{org}/controls", get(applied_controls::list))
        .post(
            "/orgs/{org}/controls",
            post(register::create::<ControlPages>),
        )
        .get(
            "/orgs/{org}/controls/new",
            get(register::new_form::<ControlPages>),
        )
        .get(
            "/orgs/{org}/controls/{id}",
            get(register::show::<ControlPages>),
        )
        .post(
            "/orgs/{org}/controls/{id}",
            post(register::update::<ControlPages>),
        )
        .get(
            "/orgs/{org}/controls/{id}/edit",
            get(register::edit_form::<ControlPages>),
        )
        .post(
            "/orgs/{org}/controls/{id}/delete",
            post(register::delete::<ControlPages>),
        )
        .get(
            "/orgs/{org}/frameworks/{id}/coverage",
            get(applied_controls::coverage),
        )
        .get("/orgs/{org}/evidence", get(evidence::list))
        .post(
            "/orgs/{org}/evidence",
            post(register::create::<EvidencePages>),
        )
        .get(
            "/orgs/{org}/evidence/new",
            get(register::new_form::<EvidencePages>),
        )
        .get(
            "/orgs/{org}/evidence/{id}",
            get(register::show::<EvidencePages>),
        )
        .post(
            "/orgs/{org}/evidence/{id}",
            post(register::update::<EvidencePages>),
        )
        .get(
            "/orgs/{org}/evidence/{id}/edit",
            get(register::edit_form::<EvidencePages>),
        )
        .post(
            "/orgs/{org}/evidence/{id}/delete",
            post(register::delete::<EvidencePages>),
        )
        // The upload's own limit (the default one is for forms and JSON).
        .post(
            "/orgs/{org}/evidence/{id}/file",
            post(evidence::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::body_limit::UPLOAD_BODY_BYTES,
            )),
        )
        .get("/orgs/{org}/evidence/{id}/file", get(evidence::download))
        .get("/orgs/{org}/documents", get(documents::list))
        .post(
            "/orgs/{org}/documents",
            post(register::create::<DocumentPages>),
        )
        .get(
            "/orgs/{org}/documents/new",
            get(register::new_form::<DocumentPages>),
        )
        .get(
            "/orgs/{org}/documents/{id}",
            get(register::show::<DocumentPages>),
        )
        .post(
            "/orgs/{org}/documents/{id}",
            post(register::update::<DocumentPages>),
        )
        .get(
            "/orgs/{org}/documents/{id}/edit",
            get(register::edit_form::<DocumentPages>),
        )
        .post(
            "/orgs/{org}/documents/{id}/delete",
            post(register::delete::<DocumentPages>),
        )
        .post("/orgs/{org}/documents/{id}/retire", post(documents::retire))
        .post(
            "/orgs/{org}/documents/{id}/versions",
            post(documents::start_version),
        )
        .get(
            "/orgs/{org}/documents/{id}/versions/{version}",
            get(documents::version),
        )
        .post(
            "/orgs/{org}/documents/{id}/versions/{version}",
            post(documents::save_version),
        )
        .post(
            "/orgs/{org}/documents/{id}/versions/{version}/submit",
            post(documents::submit_version),
        )
        .post(
            "/orgs/{org}/documents/{id}/versions/{version}/file",
            post(documents::upload_file).layer(axum::extract::DefaultBodyLimit::max(
                crate::body_limit::UPLOAD_BODY_BYTES,
            )),
        )
        .get(
            "/orgs/{org}/documents/{id}/versions/{version}/file",
            get(documents::download_file),
        )
        .get("/orgs/{org}/frameworks", get(controls::frameworks))
        .get("/orgs/{org}/frameworks/{id}", get(controls::framework))
        .get(
            "/orgs/{org}/frameworks/{id}/requirements/{requirement}",
            get(controls::requirement),
        )
        .get("/orgs/{org}/threats", get(catalogues::threats))
        .post("/orgs/{org}/threats", post(register::create::<ThreatPages>))
        .get(
            "/orgs/{org}/threats/new",
            get(register::new_form::<ThreatPages>),
        )
        .get(
            "/orgs/{org}/threats/{id}",
            get(register::show::<ThreatPages>),
        )
        .post(
            "/orgs/{org}/threats/{id}",
            post(register::update::<ThreatPages>),
        )
        .get(
            "/orgs/{org}/threats/{id}/edit",
            get(register::edit_form::<ThreatPages>),
        )
        .post(
            "/orgs/{org}/threats/{id}/delete",
            post(register::delete::<ThreatPages>),
        )
        .get(
            "/orgs/{org}/vulnerabilities",
            get(catalogues::vulnerabilities),
        )
        .post(
            "/orgs/{org}/vulnerabilities",
            post(register::create::<VulnerabilityPages>),
        )
        .get(
            "/orgs/{org}/vulnerabilities/new",
            get(register::new_form::<VulnerabilityPages>),
        )
        .get(
            "/orgs/{org}/vulnerabilities/{id}",
            get(register::show::<VulnerabilityPages>),
        )
        .post(
            "/orgs/{org}/vulnerabilities/{id}",
            post(register::update::<VulnerabilityPages>),
        )
        .get(
            "/orgs/{org}/vulnerabilities/{id}/edit",
            get(register::edit_form::<VulnerabilityPages>),
        )
        .post(
            "/orgs/{org}/vulnerabilities/{id}/delete",
            post(register::delete::<VulnerabilityPages>),
        )
        .post(
            "/orgs/{org}/risk-actions/{id}/delete",
            post(risks::delete_action),
        )
        .get("/orgs/{org}/risks/{id}", get(register::show::<RiskPages>))
        .post(
            "/orgs/{org}/risks/{id}",
            post(register::update::<RiskPages>),
        )
        .get(
            "/orgs/{org}/risks/{id}/edit",
            get(register::edit_form::<RiskPages>),
        )
        .post(
            "/orgs/{org}/risks/{id}/delete",
            post(register::delete::<RiskPages>),
        )
        .get("/orgs/{org}/assets/{id}", get(register::show::<AssetPages>))
        .post(
            "/orgs/{org}/assets/{id}",
            post(register::update::<AssetPages>),
        )
        .get(
            "/orgs/{org}/assets/{id}/edit",
            get(register::edit_form::<AssetPages>),
        )
        .post(
            "/orgs/{org}/assets/{id}/delete",
            post(register::delete::<AssetPages>),
        )
        .post("/orgs/{org}/assets/bulk", post(assets::bulk_change))
        .post(
            "/orgs/{org}/assets/review-period",
            post(assets::set_review_period),
        )
        .post("/orgs/{org}/assets/{id}/links", post(assets::add_link))
        .post(
            "/orgs/{org}/assets/{id}/links/remove",
            post(assets::remove_link),
        )
        .get("/orgs/{org}/approvals", get(governance::list))
        .get("/orgs/{org}/approvals/{id}", get(governance::show))
        .post(
            "/orgs/{org}/approvals/{id}/decision",
            post(governance::decide),
        )
        .get("/orgs/{org}/audit-log", get(platform::audit_log))
        .get("/orgs/{org}/tokens", get(platform::tokens))
        .post("/orgs/{org}/tokens", post(platform::create_token))
        .post(
            "/orgs/{org}/tokens/{id}/revoke",
            post(platform::revoke_token),
        )
        .get("/orgs/{org}/members", get(platform::members))
        .post("/orgs/{org}/invitations", post(invitations::invite))
        .post(
            "/orgs/{org}/invitations/{id}/revoke",
            post(invitations::revoke),
        )
        .get("/invitations/{secret}", get(invitations::show))
        .post(
            "/invitations/{secret}/account",
            post(invitations::create_account),
        )
        .post("/invitations/{secret}/accept", post(invitations::accept))
        .get("/admin/organisations", get(admin::organisations))
        .post("/admin/organisations", post(admin::create_organisation))
        .get("/admin/libraries", get(admin::libraries))
        .post("/admin/libraries", post(admin::import_library))
        .post(
            "/orgs/{org}/members/{id}/role",
            post(platform::change_member_role),
        )
        .post(
            "/orgs/{org}/members/{id}/remove",
            post(platform::remove_member),
        )
}

/// Every page route, for tests and documentation.
pub fn page_routes() -> Vec<RouteEntry> {
    pages().entries
}

pub fn build(state: AppState) -> Router {
    let (api_router, _) = api::router().split_for_parts();
    pages()
        .router
        .merge(api_router)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::error::error_pages,
        ))
        .with_state(state)
}
