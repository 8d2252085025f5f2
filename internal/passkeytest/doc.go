// Package passkeytest is a software WebAuthn authenticator for tests: an
// ECDSA P-256 key that answers registration options with a "none"
// attestation and sign-in options with an assertion, as a browser and a
// security key would together. Tests change Origin or Counter to play a
// phishing site or a cloned key.
package passkeytest
