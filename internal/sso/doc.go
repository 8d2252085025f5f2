// Package sso signs people in through their org's identity provider and
// lets that provider manage their accounts (docs/sso.md).
//
// OpenID Connect (oidc.go): an org admin configures one provider (config.go:
// issuer, client id, a client secret sealed under the org's key, the groups
// claim and a group -> role mapping, whether the IdP's MFA counts). A
// sign-in runs the authorization code flow with PKCE (S256), state and
// nonce; the verified ID token's subject is linked to one ward account,
// made just in time with the mapped role and synced from the groups on
// every sign-in. The browser then finishes with a one-time ticket, its
// device and, unless the IdP asserted MFA, ward's own second factor, on
// the very path of a password sign-in (app.ExternalSignIn).
//
// SCIM 2.0 (scim*.go, RFC 7643/7644): an org's provisioning client, with a
// bearer token only its hash of is stored, creates, reads, replaces,
// patches and deletes staff accounts, and moves them between the groups
// that are ward's roles. A disable goes through app.UpdateUser, so the
// account's sessions end and its sockets close at once.
package sso
