// Package oidctest runs a real OpenID Connect provider in a test process:
// github.com/zitadel/oidc's op package (a certified OP implementation) over
// its example storage, on a loopback httptest server. Its login page signs
// in whichever person the test chose, at once, with the groups, amr and acr
// the test set: the rest (discovery, keys, the authorization code flow with
// PKCE, signed ID tokens) is the library's own.
package oidctest
