//! The confirmation step of destructive actions (delete an objective, remove a member, revoke
//! a token): the first POST of such a form answers with a page that asks, and only the same
//! form posted again from that page, with `confirmed=yes`, acts. It works without JavaScript;
//! app.js shortcuts it with the browser's own dialog, which adds the same field.

use askama::Template;
use serde::Deserialize;

use super::Layout;

/// Whether the `confirmed` field of a posted form says the person has confirmed.
pub fn given(confirmed: &str) -> bool {
    confirmed == "yes"
}

/// The form of a destructive action that carries nothing but the confirmation.
#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirmed: String,
}

impl ConfirmForm {
    pub fn given(&self) -> bool {
        given(&self.confirmed)
    }
}

/// The page that asks. Its form posts to `action` with `fields` unchanged and `confirmed=yes`.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    /// The page the action was started from, by name: the breadcrumb and "Cancel" lead back.
    pub back_label: String,
    pub back_href: String,
    pub question: String,
    pub explanation: String,
    pub action: String,
    pub fields: Vec<(&'static str, String)>,
    pub button_label: std::borrow::Cow<'static, str>,
    pub button_class: &'static str,
}
