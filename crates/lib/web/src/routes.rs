//! Every route, in one list: method, path, who may use it, handler. The router is built from this
//! list and the tests read it ([`ROUTES`]), so a new route is in the CSRF and authorization tests
//! the moment it exists. `access` documents the extractor the handler takes (the extractor is
//! what enforces it; the authorization tests check the two agree).

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::pages::{admin, board, jurisdiction, login, public, support};
use crate::state::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Anyone,
    /// A login waiting for its second factor or enrolment.
    Pending,
    /// Anyone logged in.
    Member,
    StateAdmin,
    /// The state administrator's user management.
    UserAdmin,
    Support,
    /// The jurisdiction's administrator (reading also: state administrator, support).
    Jurisdiction,
    /// An audit board (its own board only).
    Board,
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

macro_rules! routes {
    ($($method:ident $path:literal => $handler:path, $access:ident;)*) => {
        /// Every route of the application.
        pub const ROUTES: &[Route] = &[$(Route {
            method: stringify!($method),
            path: $path,
            access: Access::$access,
        }),*];

        fn add(router: Router<AppState>) -> Router<AppState> {
            router$(.route($path, axum::routing::$method($handler)))*
        }
    };
}

routes! {
    get "/" => crate::pages::home, Anyone;
    get "/static/{file}" => crate::pages::static_file, Anyone;
    get "/login" => login::form, Anyone;
    post "/login" => login::submit, Anyone;
    get "/login/totp" => login::totp_form, Pending;
    post "/login/totp" => login::totp_submit, Pending;
    get "/login/enrol" => login::enrol_form, Pending;
    post "/login/enrol" => login::enrol_submit, Pending;
    post "/logout" => login::logout, Member;
    post "/logout/everywhere" => login::logout_everywhere, Member;
    get "/board/login" => board::login_form, Anyone;
    post "/board/login" => board::login_submit, Anyone;
    get "/board/link/{token}" => board::link_form, Anyone;
    post "/board/link/{token}" => board::link_submit, Anyone;
    get "/board" => board::home, Board;
    post "/board/members" => board::members, Board;
    get "/board/ballots/{n}" => board::ballot_form, Board;
    post "/board/ballots/{n}" => board::ballot_submit, Board;
    post "/board/batches" => board::batch_tally, Board;
    post "/board/sign-off" => board::sign_off, Board;
    get "/admin" => admin::home, StateAdmin;
    post "/admin/audits" => admin::create_audit, StateAdmin;
    get "/admin/audits/{audit}" => admin::audit_page, StateAdmin;
    post "/admin/audits/{audit}/jurisdictions" => admin::add_jurisdiction, StateAdmin;
    post "/admin/audits/{audit}/contests" => admin::add_contest, StateAdmin;
    post "/admin/audits/{audit}/seed" => admin::reveal_seed, StateAdmin;
    post "/admin/audits/{audit}/rounds" => admin::start_round, StateAdmin;
    get "/admin/audits/{audit}/rounds/options" => admin::round_options, StateAdmin;
    post "/admin/audits/{audit}/rounds/end" => admin::end_round, StateAdmin;
    get "/admin/audits/{audit}/reports/{report}" => admin::report, StateAdmin;
    get "/admin/users" => admin::users, UserAdmin;
    post "/admin/users" => admin::create_user, UserAdmin;
    post "/admin/users/disable" => admin::disable_user, UserAdmin;
    post "/admin/users/reset-mfa" => admin::reset_mfa, UserAdmin;
    get "/jurisdiction/{audit}/{jurisdiction}" => jurisdiction::page, Jurisdiction;
    post "/jurisdiction/{audit}/{jurisdiction}/uploads" => jurisdiction::upload, Jurisdiction;
    post "/jurisdiction/{audit}/{jurisdiction}/boards" => jurisdiction::set_boards, Jurisdiction;
    post "/jurisdiction/{audit}/{jurisdiction}/credentials" => jurisdiction::issue_credential, Jurisdiction;
    get "/jurisdiction/{audit}/{jurisdiction}/retrieval.csv" => jurisdiction::retrieval_csv, Jurisdiction;
    post "/jurisdiction/{audit}/{jurisdiction}/offline-tally" => jurisdiction::offline_tally, Jurisdiction;
    post "/jurisdiction/{audit}/{jurisdiction}/sign-off" => jurisdiction::sign_off, Jurisdiction;
    get "/support" => support::home, Support;
    get "/public" => public::home, Anyone;
    get "/public/audits/{audit}" => public::audit, Anyone;
    get "/public/audits/{audit}/audit.json" => public::audit_json, Anyone;
}

/// The application's router: every route, behind the security middleware.
pub fn router(state: AppState) -> Router {
    add(Router::new())
        .fallback(crate::pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security::layer,
        ))
        // The security layer reads the body itself, within the upload limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}
