//! Roles, principals, actions, and [`permits`]: the one function that decides whether a request
//! may proceed. The web server calls it on every route (through its extractors), so a rule lives
//! in one place and the whole matrix can be tested here and over HTTP.
//!
//! Least privilege: a state administrator runs audits and manages users but does not upload a
//! county's files or enter its ballots; a jurisdiction administrator sees and changes only their
//! own jurisdiction of their own audit; an audit board only enters its own ballots; support staff
//! read everything and change nothing. Anything not listed is refused.

/// What someone may be. A user holds any number of grants; an audit board is a login of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The state (audit) administrator.
    StateAdmin,
    /// A county's administrator in one audit.
    JurisdictionAdmin { audit: String, jurisdiction: String },
    /// One audit board of one round, logged in with its passphrase or link.
    AuditBoard {
        audit: String,
        jurisdiction: String,
        board: String,
    },
    /// Support staff: read-only, including risk measured before a round ends.
    Support,
}

impl Role {
    /// The stored name of a user grant (audit boards are not stored as grants).
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::StateAdmin => "state_admin",
            Role::JurisdictionAdmin { .. } => "jurisdiction_admin",
            Role::AuditBoard { .. } => "audit_board",
            Role::Support => "support",
        }
    }

    /// Reads a stored grant.
    pub fn from_grant(role: &str, audit: &str, jurisdiction: &str) -> Option<Role> {
        match role {
            "state_admin" => Some(Role::StateAdmin),
            "support" => Some(Role::Support),
            "jurisdiction_admin" if !audit.is_empty() && !jurisdiction.is_empty() => {
                Some(Role::JurisdictionAdmin {
                    audit: audit.into(),
                    jurisdiction: jurisdiction.into(),
                })
            }
            _ => None,
        }
    }

    /// The grant row's (role, audit, jurisdiction).
    pub fn grant(&self) -> (String, String, String) {
        match self {
            Role::JurisdictionAdmin {
                audit,
                jurisdiction,
            } => (self.as_str().into(), audit.clone(), jurisdiction.clone()),
            _ => (self.as_str().into(), String::new(), String::new()),
        }
    }

    /// Administrators must use a second factor.
    pub fn needs_second_factor(&self) -> bool {
        matches!(
            self,
            Role::StateAdmin | Role::JurisdictionAdmin { .. } | Role::Support
        )
    }

    /// For pages: "state administrator", "Adams County administrator (Audit 2026)".
    pub fn describe(&self) -> String {
        match self {
            Role::StateAdmin => "state administrator".into(),
            Role::JurisdictionAdmin {
                audit,
                jurisdiction,
            } => format!("{jurisdiction} administrator ({audit})"),
            Role::AuditBoard {
                audit,
                jurisdiction,
                board,
            } => format!("{board}, {jurisdiction} ({audit})"),
            Role::Support => "support staff".into(),
        }
    }
}

/// Who is asking: an anonymous observer has no roles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principal {
    /// How the election log names them: `user:EMAIL`, `board:…`, or `public`.
    pub actor: String,
    pub user_id: Option<i64>,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            actor: "public".into(),
            user_id: None,
            roles: Vec::new(),
        }
    }

    pub fn has(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// The public observer's pages.
    ViewPublic,
    /// One's own session: log out, log out everywhere.
    OwnSession,
    /// Create and run audits: jurisdictions, contests, seed, rounds, reports.
    AdministerAudits,
    /// Read every audit's state (the administrator's and support's overviews).
    ViewAllAudits,
    /// Create users, grant roles, disable users, reset a second factor.
    ManageUsers,
    /// Read a jurisdiction's data: uploads, boards, retrieval lists.
    ViewJurisdiction {
        audit: &'a str,
        jurisdiction: &'a str,
    },
    /// Change a jurisdiction's data: uploads, audit boards and their credentials, offline
    /// tallies.
    ManageJurisdiction {
        audit: &'a str,
        jurisdiction: &'a str,
    },
    /// Enter ballots, batch tallies and sign off as one audit board.
    EnterBallots {
        audit: &'a str,
        jurisdiction: &'a str,
        board: &'a str,
    },
    /// Risk measured from the current round's entries before the round ends (Arlo issue
    /// #1550): support staff only, so administrators are not tempted to stop a round early.
    ViewProvisionalRisk,
}

/// Whether `principal` may do `action`. Deny by default: every (role, action) pair that is
/// allowed is listed; everything else is refused.
pub fn permits(principal: &Principal, action: Action<'_>) -> bool {
    if action == Action::ViewPublic {
        return true;
    }
    principal
        .roles
        .iter()
        .any(|role| role_permits(role, action))
}

fn role_permits(role: &Role, action: Action<'_>) -> bool {
    use Action as A;
    match (role, action) {
        (_, A::ViewPublic | A::OwnSession) => true,
        (Role::StateAdmin, A::AdministerAudits | A::ViewAllAudits | A::ManageUsers) => true,
        (Role::StateAdmin, A::ViewJurisdiction { .. }) => true,
        (Role::Support, A::ViewAllAudits | A::ViewProvisionalRisk) => true,
        (Role::Support, A::ViewJurisdiction { .. }) => true,
        (
            Role::JurisdictionAdmin {
                audit,
                jurisdiction,
            },
            A::ViewJurisdiction {
                audit: a,
                jurisdiction: j,
            }
            | A::ManageJurisdiction {
                audit: a,
                jurisdiction: j,
            },
        ) => audit == a && jurisdiction == j,
        (
            Role::AuditBoard {
                audit,
                jurisdiction,
                board,
            },
            A::EnterBallots {
                audit: a,
                jurisdiction: j,
                board: b,
            },
        ) => audit == a && jurisdiction == j && board == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(roles: Vec<Role>) -> Principal {
        Principal {
            actor: "t".into(),
            user_id: Some(1),
            roles,
        }
    }

    fn ja(a: &str, j: &str) -> Role {
        Role::JurisdictionAdmin {
            audit: a.into(),
            jurisdiction: j.into(),
        }
    }

    #[test]
    fn matrix() {
        let state = who(vec![Role::StateAdmin]);
        let support = who(vec![Role::Support]);
        let adams = who(vec![ja("A", "Adams")]);
        let board = who(vec![Role::AuditBoard {
            audit: "A".into(),
            jurisdiction: "Adams".into(),
            board: "Board 1".into(),
        }]);
        let public = Principal::anonymous();
        let view_adams = Action::ViewJurisdiction {
            audit: "A",
            jurisdiction: "Adams",
        };
        let manage_adams = Action::ManageJurisdiction {
            audit: "A",
            jurisdiction: "Adams",
        };
        let manage_baker = Action::ManageJurisdiction {
            audit: "A",
            jurisdiction: "Baker",
        };
        let view_adams_other_audit = Action::ViewJurisdiction {
            audit: "B",
            jurisdiction: "Adams",
        };
        let enter1 = Action::EnterBallots {
            audit: "A",
            jurisdiction: "Adams",
            board: "Board 1",
        };
        let enter2 = Action::EnterBallots {
            audit: "A",
            jurisdiction: "Adams",
            board: "Board 2",
        };
        let cases: Vec<(&Principal, Action<'_>, bool)> = vec![
            (&public, Action::ViewPublic, true),
            (&public, Action::OwnSession, false),
            (&public, Action::AdministerAudits, false),
            (&public, view_adams, false),
            (&state, Action::AdministerAudits, true),
            (&state, Action::ManageUsers, true),
            (&state, view_adams, true),
            (&state, manage_adams, false),
            (&state, enter1, false),
            (&state, Action::ViewProvisionalRisk, false),
            (&support, Action::ViewProvisionalRisk, true),
            (&support, Action::ViewAllAudits, true),
            (&support, Action::AdministerAudits, false),
            (&support, Action::ManageUsers, false),
            (&support, manage_adams, false),
            (&adams, view_adams, true),
            (&adams, manage_adams, true),
            (&adams, manage_baker, false),
            (&adams, view_adams_other_audit, false),
            (&adams, Action::AdministerAudits, false),
            (&adams, Action::ViewAllAudits, false),
            (&adams, enter1, false),
            (&board, enter1, true),
            (&board, enter2, false),
            (&board, view_adams, false),
            (&board, Action::OwnSession, true),
        ];
        for (p, a, want) in cases {
            assert_eq!(permits(p, a), want, "{:?} {a:?}", p.roles);
        }
    }

    #[test]
    fn grants_round_trip() {
        for r in [Role::StateAdmin, Role::Support, ja("A", "Adams")] {
            let (role, a, j) = r.grant();
            assert_eq!(Role::from_grant(&role, &a, &j), Some(r));
        }
        assert_eq!(Role::from_grant("jurisdiction_admin", "", ""), None);
        assert_eq!(Role::from_grant("root", "", ""), None);
    }
}
